//! On-site teaching sites (现场教学点): the groups that book them, known by
//! their unified social credit code, and the opening hours their visiting
//! slots come from.

mod hours;
mod uscc;

pub use hours::{HoursError, OpeningHours, SlotTimes, VisitSlot};
pub use uscc::{CreditCode, CreditCodeError};
