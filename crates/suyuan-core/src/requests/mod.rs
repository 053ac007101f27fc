//! Requests from the people (民有所呼，我有所应): what anyone may ask a
//! unit for, and the rules its handling keeps. So far the tracking code a
//! requester follows their request by, and the working-day calendar the
//! clocks count in (weekends, public holidays, and the Saturdays and
//! Sundays that are working days to make up for them).

mod calendar;
mod code;

pub use calendar::{CalendarError, DayKind, WorkCalendar};
pub use code::TrackingCode;
