//! Gatherings: weekly group study, monthly lectures and themed activity
//! days (主题党日). What kinds there are, how a recurring schedule becomes
//! dates in the campaign's zone, when check-in is open and whether a
//! member came on time, the rotating check-in code, and the states of
//! attendance, leave requests and reflections.

pub mod ical;
pub mod photo;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

use crate::campaigns::{local_instant, month_end};
pub use crate::text::TextError;
use crate::text::{bounded, required};

/// The three kinds of gathering of the campaign's rhythm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Each branch, every week, on the plan's topic (周学).
    WeeklyStudy,
    /// A speaker for a unit and its subtree, once a month (月讲).
    Lecture,
    /// Members go somewhere together on a theme (主题党日).
    ActivityDay,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::WeeklyStudy, Kind::Lecture, Kind::ActivityDay];

    pub fn code(self) -> &'static str {
        match self {
            Kind::WeeklyStudy => "weekly_study",
            Kind::Lecture => "lecture",
            Kind::ActivityDay => "activity_day",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == code.trim())
    }
}

/// Which weekday of the month a monthly gathering falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nth {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

impl Nth {
    pub const ALL: [Nth; 5] = [Nth::First, Nth::Second, Nth::Third, Nth::Fourth, Nth::Last];

    pub fn code(self) -> &'static str {
        match self {
            Nth::First => "1",
            Nth::Second => "2",
            Nth::Third => "3",
            Nth::Fourth => "4",
            Nth::Last => "last",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|nth| nth.code() == code.trim())
    }
}

/// How often a gathering repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// A one-off gathering.
    Once,
    /// Every week on a weekday.
    Weekly(Weekday),
    /// Every month on the first…fourth or last such weekday.
    MonthlyOnWeekday(Nth, Weekday),
    /// Every month on a day of the month; in a shorter month, on its last
    /// day (a gathering "on the 31st" still happens in April).
    MonthlyOnDay(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    #[error("date: the day of the month must be between 1 and 31, not {0}")]
    DayOfMonth(u32),
    #[error("minutes: a gathering lasts between 15 minutes and 12 hours, not {0} minutes")]
    Duration(i64),
    #[error("until: the repeats end ({until}) before they start ({from})")]
    UntilBeforeFrom { from: NaiveDate, until: NaiveDate },
    #[error("until: at most {MAX_OCCURRENCES} gatherings can be planned at once")]
    TooMany,
    #[error(
        "date: {0} is not a date a gathering can be planned on (years {FIRST_YEAR}–{LAST_YEAR})"
    )]
    OutOfRange(NaiveDate),
}

/// The most gatherings one schedule may plan: two years of weeks.
pub const MAX_OCCURRENCES: usize = 106;
/// The years gatherings may be planned in.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

impl Recurrence {
    pub fn validate(self) -> Result<Self, ScheduleError> {
        match self {
            Recurrence::MonthlyOnDay(day) if !(1..=31).contains(&day) => {
                Err(ScheduleError::DayOfMonth(day))
            }
            _ => Ok(self),
        }
    }

    /// The dates from `from` to `until` (both included) this recurrence
    /// falls on, at most one more than `MAX_OCCURRENCES` (enough to tell
    /// a schedule that plans too many); a one-off gathering falls on
    /// `from`.
    pub fn dates(self, from: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
        let mut dates = Vec::new();
        let until = until.min(NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).unwrap_or(NaiveDate::MAX));
        match self {
            Recurrence::Once => dates.push(from),
            Recurrence::Weekly(weekday) => {
                let ahead = (7 + weekday.num_days_from_monday()
                    - from.weekday().num_days_from_monday())
                    % 7;
                let mut day = from.checked_add_signed(Duration::days(i64::from(ahead)));
                while let Some(date) = day.filter(|d| *d <= until && dates.len() <= MAX_OCCURRENCES)
                {
                    dates.push(date);
                    day = date.checked_add_signed(Duration::days(7));
                }
            }
            Recurrence::MonthlyOnWeekday(..) | Recurrence::MonthlyOnDay(_) => {
                let (mut year, mut month) = (from.year(), from.month());
                while NaiveDate::from_ymd_opt(year, month, 1).is_some_and(|first| first <= until)
                    && dates.len() <= MAX_OCCURRENCES
                {
                    if let Some(day) = self
                        .in_month(year, month)
                        .filter(|day| (from..=until).contains(day))
                    {
                        dates.push(day);
                    }
                    (year, month) = if month == 12 {
                        (year + 1, 1)
                    } else {
                        (year, month + 1)
                    };
                }
            }
        }
        dates
    }

    fn in_month(self, year: i32, month: u32) -> Option<NaiveDate> {
        let last = month_end(year, month);
        match self {
            Recurrence::MonthlyOnDay(day) => {
                NaiveDate::from_ymd_opt(year, month, day.min(last.day()))
            }
            Recurrence::MonthlyOnWeekday(Nth::Last, weekday) => {
                let back = (7 + last.weekday().num_days_from_monday()
                    - weekday.num_days_from_monday())
                    % 7;
                Some(last - Duration::days(i64::from(back)))
            }
            Recurrence::MonthlyOnWeekday(nth, weekday) => {
                let n = match nth {
                    Nth::First => 0,
                    Nth::Second => 1,
                    Nth::Third => 2,
                    _ => 3,
                };
                NaiveDate::from_weekday_of_month_opt(year, month, weekday, n + 1)
            }
            _ => None,
        }
    }
}

/// A gathering's time: when it starts and ends, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// When a gathering (or each of a series) happens: a local start time and
/// how long it lasts, on the dates of a recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub recurrence: Recurrence,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub starts: NaiveTime,
    pub minutes: i64,
}

impl Schedule {
    pub fn validate(self) -> Result<Self, ScheduleError> {
        self.recurrence.validate()?;
        for date in [self.from, self.until] {
            if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
                return Err(ScheduleError::OutOfRange(date));
            }
        }
        if !(15..=12 * 60).contains(&self.minutes) {
            return Err(ScheduleError::Duration(self.minutes));
        }
        if self.until < self.from && self.recurrence != Recurrence::Once {
            return Err(ScheduleError::UntilBeforeFrom {
                from: self.from,
                until: self.until,
            });
        }
        if self.dates().len() > MAX_OCCURRENCES {
            return Err(ScheduleError::TooMany);
        }
        Ok(self)
    }

    pub fn dates(&self) -> Vec<NaiveDate> {
        self.recurrence.dates(self.from, self.until)
    }

    /// Each gathering's slot, the local start time taken in `zone` on its
    /// own date, so that a weekly 19:30 stays 19:30 across a change of
    /// daylight saving time.
    pub fn slots(&self, zone: Tz) -> Vec<Slot> {
        self.dates()
            .into_iter()
            .map(|date| Slot::local(zone, date, self.starts, self.minutes))
            .collect()
    }
}

impl Slot {
    pub fn local(zone: Tz, date: NaiveDate, starts: NaiveTime, minutes: i64) -> Self {
        let starts_at = local_instant(zone, date, starts);
        Self {
            starts_at,
            ends_at: starts_at + Duration::minutes(minutes),
        }
    }

    /// Check-in opens this long before the start.
    pub const OPENS_BEFORE: Duration = Duration::minutes(30);
    /// A check-in this long after the start is late.
    pub const LATE_AFTER: Duration = Duration::minutes(10);

    /// Whether check-in is open at `now`: from half an hour before the
    /// start to the end.
    pub fn check_in_open(&self, now: DateTime<Utc>) -> bool {
        now >= self.starts_at - Self::OPENS_BEFORE && now <= self.ends_at
    }

    /// How a member checking in at `at` is counted.
    pub fn arrival(&self, at: DateTime<Utc>) -> Attendance {
        if at <= self.starts_at + Self::LATE_AFTER {
            Attendance::Present
        } else {
            Attendance::Late
        }
    }

    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        now > self.ends_at
    }
}

/// How a member took part in a gathering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attendance {
    Present,
    Late,
    /// Away with leave approved.
    Excused,
    /// Filled in when the gathering ends for whoever has no other status.
    Absent,
}

impl Attendance {
    pub const ALL: [Attendance; 4] = [
        Attendance::Present,
        Attendance::Late,
        Attendance::Excused,
        Attendance::Absent,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Late => "late",
            Attendance::Excused => "excused",
            Attendance::Absent => "absent",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code.trim())
    }

    /// Whether the member was there (on time or late): what earns points.
    pub fn attended(self) -> bool {
        matches!(self, Attendance::Present | Attendance::Late)
    }
}

/// Where a leave request (请假) or a reflection (心得) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Review {
    /// Waiting for the organizer.
    Pending,
    /// Leave approved; a reflection accepted.
    Accepted,
    /// Leave refused; a reflection returned with a comment, to be revised.
    Returned,
}

impl Review {
    pub fn code(self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::Accepted => "accepted",
            Review::Returned => "returned",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Review::Pending, Review::Accepted, Review::Returned]
            .into_iter()
            .find(|r| r.code() == code.trim())
    }
}

/// The longest reason for leave, reflection, minutes or comment, in
/// characters.
pub const MAX_TEXT: usize = 20_000;
/// The longest title, speaker, place or meeting point, in characters.
pub const MAX_LINE: usize = 200;

/// What a person writes about a gathering — its minutes, a reason for
/// leave, a reflection, a reviewer's comment: trimmed, at most
/// `MAX_TEXT` characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// A text that must say something; `field` names it in the error.
    pub fn required(field: &'static str, value: &str) -> Result<Self, TextError> {
        required(field, value, MAX_TEXT).map(Text)
    }

    /// A text that may be left empty.
    pub fn optional(field: &'static str, value: &str) -> Result<Self, TextError> {
        bounded(field, value, MAX_TEXT).map(Text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a gathering is about: a title, its topic or theme, and where
/// lectures and activity days need them, the speaker, place, meeting
/// point and materials (empty where they do not apply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub title: String,
    pub topic: String,
    pub speaker: String,
    pub place: String,
    pub meeting_point: String,
    pub materials: String,
}

impl Details {
    /// Trims every field and checks that there is a title and that no
    /// field is too long, naming the field at fault.
    pub fn validate(self) -> Result<Self, TextError> {
        Ok(Details {
            title: required("title", &self.title, MAX_LINE)?,
            topic: bounded("topic", &self.topic, MAX_TEXT)?,
            speaker: bounded("speaker", &self.speaker, MAX_LINE)?,
            place: bounded("place", &self.place, MAX_LINE)?,
            meeting_point: bounded("meeting_point", &self.meeting_point, MAX_LINE)?,
            materials: bounded("materials", &self.materials, MAX_TEXT)?,
        })
    }
}

/// Why a gathering's record cannot change as asked, at this time or in
/// this state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NotNow {
    #[error("this gathering is cancelled; plan a new one")]
    Cancelled,
    #[error("date: a gathering can be moved only before it ends, to a time to come")]
    MovedTooLate,
    #[error("a gathering that has ended cannot be cancelled")]
    CancelledTooLate,
    #[error("minutes: a gathering's minutes are written once it has begun")]
    MinutesTooEarly,
    #[error("reason: leave can be asked only for a gathering still to come")]
    LeaveTooLate,
    #[error("reason: your leave is already approved")]
    LeaveApproved,
    #[error("text: a reflection is written once the gathering has begun")]
    ReflectionTooEarly,
    #[error("text: this reflection was accepted and can no longer change")]
    ReflectionAccepted,
    #[error("this reflection was already reviewed")]
    AlreadyReviewed,
}

/// A gathering as its rules about time see it: when it is, and whether
/// it was cancelled. The store enforces these and the pages offer only
/// what they allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occasion {
    pub slot: Slot,
    pub cancelled: bool,
}

impl Occasion {
    /// Moving it to `to`: before it ends, to a time that has not ended.
    pub fn may_move(&self, to: &Slot, now: DateTime<Utc>) -> Result<(), NotNow> {
        if self.cancelled {
            return Err(NotNow::Cancelled);
        }
        if self.slot.is_over(now) || to.is_over(now) {
            return Err(NotNow::MovedTooLate);
        }
        Ok(())
    }

    /// Cancelling it: before it ends (cancelling twice changes nothing).
    pub fn may_cancel(&self, now: DateTime<Utc>) -> Result<(), NotNow> {
        if self.slot.is_over(now) && !self.cancelled {
            return Err(NotNow::CancelledTooLate);
        }
        Ok(())
    }

    /// Writing its minutes: once it has begun.
    pub fn may_write_minutes(&self, now: DateTime<Utc>) -> Result<(), NotNow> {
        if self.slot.starts_at > now {
            return Err(NotNow::MinutesTooEarly);
        }
        Ok(())
    }

    /// Asking for leave: while it is still to come or under way.
    pub fn may_ask_leave(&self, now: DateTime<Utc>) -> Result<(), NotNow> {
        if self.cancelled || self.slot.is_over(now) {
            return Err(NotNow::LeaveTooLate);
        }
        Ok(())
    }

    /// Writing a reflection: once it has begun.
    pub fn may_reflect(&self, now: DateTime<Utc>) -> Result<(), NotNow> {
        if self.cancelled || self.slot.starts_at > now {
            return Err(NotNow::ReflectionTooEarly);
        }
        Ok(())
    }
}

/// An organizer's decision on a request for leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveDecision {
    Approve,
    Refuse,
}

impl LeaveDecision {
    /// The state the request is left in.
    pub fn review(self) -> Review {
        match self {
            LeaveDecision::Approve => Review::Accepted,
            LeaveDecision::Refuse => Review::Returned,
        }
    }
}

/// An organizer's review of a reflection: accepted, with a comment if
/// they like, or returned with a comment that says what to revise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReflectionReview {
    Accept { comment: Text },
    Return { comment: Text },
}

impl ReflectionReview {
    pub fn accept(comment: &str) -> Result<Self, TextError> {
        Ok(ReflectionReview::Accept {
            comment: Text::optional("comment", comment)?,
        })
    }

    /// Returning a reflection needs a comment.
    pub fn return_with(comment: &str) -> Result<Self, TextError> {
        Ok(ReflectionReview::Return {
            comment: Text::required("comment", comment)?,
        })
    }

    /// The state the reflection is left in.
    pub fn review(&self) -> Review {
        match self {
            ReflectionReview::Accept { .. } => Review::Accepted,
            ReflectionReview::Return { .. } => Review::Returned,
        }
    }

    pub fn comment(&self) -> &Text {
        match self {
            ReflectionReview::Accept { comment } | ReflectionReview::Return { comment } => comment,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckInError {
    #[error("code: check-in is open from 30 minutes before the start to the end of the gathering")]
    Closed,
    #[error("code: that code has expired; use the code on the organizer's screen now")]
    Expired,
    #[error("code: that is not the code of this gathering")]
    Wrong,
}

/// The six-digit check-in code an organizer shows, rotating every
/// `STEP_SECONDS`: an HMAC of the gathering's own secret and the time
/// step, as TOTP (RFC 6238) does, so a code can neither be guessed nor
/// reused for another gathering or later.
#[derive(Debug, Clone)]
pub struct CheckInCode<'a> {
    secret: &'a [u8],
}

impl<'a> CheckInCode<'a> {
    pub const STEP_SECONDS: i64 = 30;
    /// How far back a code is recognised as expired rather than wrong.
    const EXPIRED_STEPS: i64 = 20;

    pub fn new(secret: &'a [u8]) -> Self {
        Self { secret }
    }

    fn step(at: DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(Self::STEP_SECONDS)
    }

    fn code_of_step(&self, step: i64) -> String {
        // Any key length is accepted by HMAC.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret) else {
            return String::new();
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[31] & 0x0f);
        let value = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        format!("{:06}", value % 1_000_000)
    }

    /// The code to show at `at`.
    pub fn at(&self, at: DateTime<Utc>) -> String {
        self.code_of_step(Self::step(at))
    }

    /// When the code shown at `at` gives way to the next.
    pub fn rotates_at(at: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp((Self::step(at) + 1) * Self::STEP_SECONDS, 0).unwrap_or(at)
    }

    /// The code in the link an organizer forwards to the group: ten
    /// digits that hold for the whole check-in window of this slot (and
    /// no other), while the six on the screen keep rotating for the room.
    pub fn for_window(&self, slot: &Slot) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret) else {
            return String::new();
        };
        mac.update(b"window");
        mac.update(&slot.starts_at.timestamp().to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let value = u64::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
        ]);
        format!("{:010}", value % 10_000_000_000)
    }

    /// Whether `code`, typed at `now`, checks a member in to a gathering in
    /// `slot`: the code on the screen (or the one before it, for a member
    /// who typed it as it changed), or the forwarded link's code.
    pub fn check(&self, code: &str, slot: &Slot, now: DateTime<Utc>) -> Result<(), CheckInError> {
        if !slot.check_in_open(now) {
            return Err(CheckInError::Closed);
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code == self.for_window(slot) {
            return Ok(());
        }
        let step = Self::step(now);
        if [step, step - 1]
            .iter()
            .any(|s| self.code_of_step(*s) == code)
        {
            return Ok(());
        }
        if (2..=Self::EXPIRED_STEPS).any(|back| self.code_of_step(step - back) == code) {
            return Err(CheckInError::Expired);
        }
        Err(CheckInError::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_link_holds_for_the_whole_window_of_its_slot_only() {
        let at = |h, m| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 3, h, m, 0)
                .single()
                .expect("time")
        };
        let slot = Slot {
            starts_at: at(10, 0),
            ends_at: at(12, 0),
        };
        let code = CheckInCode::new(b"secret");
        let link = code.for_window(&slot);
        assert_eq!(link.len(), 10);
        for now in [at(9, 30), at(10, 45), at(11, 59)] {
            assert_eq!(code.check(&link, &slot, now), Ok(()));
        }
        assert_eq!(
            code.check(&link, &slot, at(12, 1)),
            Err(CheckInError::Closed)
        );
        let moved = Slot {
            starts_at: at(14, 0),
            ends_at: at(16, 0),
        };
        assert_eq!(
            code.check(&link, &moved, at(14, 30)),
            Err(CheckInError::Wrong)
        );
        assert_ne!(CheckInCode::new(b"other").for_window(&slot), link);
    }

    #[test]
    fn a_gathering_s_record_changes_only_at_its_times() {
        let at = |h| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 3, h, 0, 0)
                .single()
                .expect("time")
        };
        let slot = Slot {
            starts_at: at(10),
            ends_at: at(12),
        };
        let held = Occasion {
            slot,
            cancelled: false,
        };
        assert_eq!(held.may_write_minutes(at(9)), Err(NotNow::MinutesTooEarly));
        assert_eq!(held.may_write_minutes(at(10)), Ok(()));
        assert_eq!(held.may_reflect(at(9)), Err(NotNow::ReflectionTooEarly));
        assert_eq!(held.may_ask_leave(at(11)), Ok(()));
        assert_eq!(held.may_ask_leave(at(13)), Err(NotNow::LeaveTooLate));
        assert_eq!(held.may_cancel(at(13)), Err(NotNow::CancelledTooLate));
        let later = Slot {
            starts_at: at(14),
            ends_at: at(15),
        };
        assert_eq!(held.may_move(&later, at(11)), Ok(()));
        assert_eq!(held.may_move(&later, at(13)), Err(NotNow::MovedTooLate));
        let cancelled = Occasion {
            cancelled: true,
            ..held
        };
        assert_eq!(cancelled.may_move(&later, at(9)), Err(NotNow::Cancelled));
        assert_eq!(cancelled.may_ask_leave(at(9)), Err(NotNow::LeaveTooLate));
        assert_eq!(
            cancelled.may_reflect(at(11)),
            Err(NotNow::ReflectionTooEarly)
        );
        assert_eq!(cancelled.may_cancel(at(13)), Ok(()), "already cancelled");
    }

    #[test]
    fn texts_are_trimmed_and_bounded_and_name_their_field() {
        assert_eq!(
            Text::required("reason", "  出差 ").expect("text").as_str(),
            "出差"
        );
        assert_eq!(
            Text::required("reason", "  "),
            Err(TextError::Empty { field: "reason" })
        );
        assert_eq!(Text::optional("minutes", " ").expect("empty").as_str(), "");
        let long = "字".repeat(MAX_TEXT + 1);
        assert_eq!(
            Text::optional("minutes", &long).map_err(|e| e.to_string()),
            Err(format!("minutes: at most {MAX_TEXT} characters"))
        );
        assert!(
            ReflectionReview::return_with(" ").is_err(),
            "returning needs a comment"
        );
        assert!(ReflectionReview::accept("").is_ok());
        let details = Details {
            title: " 周学习 ".into(),
            place: "x".repeat(MAX_LINE + 1),
            ..Details::default()
        };
        assert_eq!(
            details.clone().validate(),
            Err(TextError::TooLong {
                field: "place",
                limit: MAX_LINE
            })
        );
        let untitled = Details {
            title: "  ".into(),
            ..Details::default()
        };
        assert_eq!(
            untitled.validate(),
            Err(TextError::Empty { field: "title" })
        );
        let fine = Details {
            place: "会议室".into(),
            ..details
        };
        assert_eq!(fine.validate().expect("valid").title, "周学习");
    }
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    #[test]
    fn weekly_falls_on_its_weekday_from_the_first_date() {
        // 2026-11-26 is a Thursday.
        let dates = Recurrence::Weekly(Weekday::Tue).dates(day(2026, 11, 26), day(2026, 12, 31));
        assert_eq!(dates, [1, 8, 15, 22, 29].map(|d| day(2026, 12, d)).to_vec());
        let thursdays = Recurrence::Weekly(Weekday::Thu).dates(day(2026, 11, 26), day(2026, 12, 3));
        assert_eq!(thursdays, vec![day(2026, 11, 26), day(2026, 12, 3)]);
    }

    #[test]
    fn monthly_on_a_weekday_or_a_date() {
        let from = day(2026, 1, 1);
        let until = day(2026, 6, 30);
        let last_friday = Recurrence::MonthlyOnWeekday(Nth::Last, Weekday::Fri).dates(from, until);
        assert_eq!(
            last_friday,
            vec![
                day(2026, 1, 30),
                day(2026, 2, 27),
                day(2026, 3, 27),
                day(2026, 4, 24),
                day(2026, 5, 29),
                day(2026, 6, 26)
            ]
        );
        let first_monday =
            Recurrence::MonthlyOnWeekday(Nth::First, Weekday::Mon).dates(from, until);
        assert_eq!(first_monday[0], day(2026, 1, 5));
        assert_eq!(first_monday[1], day(2026, 2, 2));
        let thirty_first = Recurrence::MonthlyOnDay(31).dates(from, until);
        assert_eq!(
            thirty_first,
            vec![
                day(2026, 1, 31),
                day(2026, 2, 28),
                day(2026, 3, 31),
                day(2026, 4, 30),
                day(2026, 5, 31),
                day(2026, 6, 30)
            ]
        );
        assert!(Recurrence::MonthlyOnDay(0).validate().is_err());
    }

    #[test]
    fn a_weekly_evening_keeps_its_local_time_across_daylight_saving() {
        // Berlin moves its clocks on 2026-10-25: 19:30 is 17:30 UTC before
        // and 18:30 UTC after.
        let schedule = Schedule {
            recurrence: Recurrence::Weekly(Weekday::Wed),
            from: day(2026, 10, 14),
            until: day(2026, 11, 4),
            starts: time(19, 30),
            minutes: 90,
        };
        let hours: Vec<String> = schedule
            .slots(chrono_tz::Europe::Berlin)
            .iter()
            .map(|slot| slot.starts_at.format("%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            hours,
            ["10-14 17:30", "10-21 17:30", "10-28 18:30", "11-04 18:30"]
        );
        let shanghai = schedule.slots(chrono_tz::Asia::Shanghai);
        assert!(
            shanghai
                .iter()
                .all(|slot| slot.starts_at.format("%H:%M").to_string() == "11:30")
        );
        assert_eq!(
            shanghai[0].ends_at - shanghai[0].starts_at,
            Duration::minutes(90)
        );
    }

    #[test]
    fn schedules_refuse_what_makes_no_sense() {
        let schedule = Schedule {
            recurrence: Recurrence::Weekly(Weekday::Mon),
            from: day(2026, 1, 1),
            until: day(2026, 3, 1),
            starts: time(9, 0),
            minutes: 60,
        };
        assert!(schedule.validate().is_ok());
        let too_short = Schedule {
            minutes: 5,
            ..schedule
        };
        assert_eq!(too_short.validate(), Err(ScheduleError::Duration(5)));
        let backwards = Schedule {
            until: day(2025, 12, 1),
            ..schedule
        };
        assert!(matches!(
            backwards.validate(),
            Err(ScheduleError::UntilBeforeFrom { .. })
        ));
        let years = Schedule {
            until: day(2029, 1, 1),
            ..schedule
        };
        assert_eq!(years.validate(), Err(ScheduleError::TooMany));
        // The far future is refused, not planned week by week.
        let forever = Schedule {
            until: NaiveDate::MAX,
            ..schedule
        };
        assert_eq!(
            forever.validate(),
            Err(ScheduleError::OutOfRange(NaiveDate::MAX))
        );
        assert_eq!(
            Recurrence::Weekly(Weekday::Mon)
                .dates(day(2026, 1, 1), NaiveDate::MAX)
                .len(),
            MAX_OCCURRENCES + 1
        );
        let once = Schedule {
            recurrence: Recurrence::Once,
            from: NaiveDate::MAX,
            until: NaiveDate::MAX,
            ..schedule
        };
        assert!(once.validate().is_err());
    }

    fn slot() -> Slot {
        Slot::local(
            chrono_tz::Asia::Shanghai,
            day(2026, 11, 26),
            time(19, 0),
            90,
        )
    }

    #[test]
    fn arrivals_are_present_then_late() {
        let slot = slot();
        assert_eq!(
            slot.arrival(slot.starts_at - Duration::minutes(20)),
            Attendance::Present
        );
        assert_eq!(
            slot.arrival(slot.starts_at + Duration::minutes(10)),
            Attendance::Present
        );
        assert_eq!(
            slot.arrival(slot.starts_at + Duration::minutes(11)),
            Attendance::Late
        );
    }

    #[test]
    fn the_code_rotates_and_holds_only_in_the_window() {
        let slot = slot();
        let codes = CheckInCode::new(b"a gathering's secret");
        let now = slot.starts_at + Duration::minutes(5);
        let shown = codes.at(now);
        assert_eq!(shown.len(), 6);
        assert_eq!(codes.check(&shown, &slot, now), Ok(()));
        // Typed as it changed: still good for one more step.
        assert_eq!(
            codes.check(&shown, &slot, now + Duration::seconds(30)),
            Ok(())
        );
        // A minute and a half later it is old.
        assert_eq!(
            codes.check(&shown, &slot, now + Duration::seconds(90)),
            Err(CheckInError::Expired)
        );
        // Another gathering's code is wrong.
        let other = CheckInCode::new(b"another secret").at(now);
        assert_ne!(other, shown);
        assert_eq!(codes.check(&other, &slot, now), Err(CheckInError::Wrong));
        // Outside the window even the current code is refused.
        let before = slot.starts_at - Duration::minutes(31);
        assert_eq!(
            codes.check(&codes.at(before), &slot, before),
            Err(CheckInError::Closed)
        );
        let after = slot.ends_at + Duration::seconds(1);
        assert_eq!(
            codes.check(&codes.at(after), &slot, after),
            Err(CheckInError::Closed)
        );
        assert!(CheckInCode::rotates_at(now) > now);
        assert!(CheckInCode::rotates_at(now) <= now + Duration::seconds(30));
    }

    proptest! {
        #[test]
        fn every_date_of_a_recurrence_is_in_range_and_on_its_rule(
            from in 0i64..3_000,
            span in 0i64..700,
            weekday in 0u8..7,
            nth in 0usize..5,
            date in 1u32..=31,
        ) {
            let from = day(2024, 1, 1) + Duration::days(from);
            let until = from + Duration::days(span);
            let weekday = Weekday::try_from(weekday).expect("weekday");
            for rule in [
                Recurrence::Weekly(weekday),
                Recurrence::MonthlyOnWeekday(Nth::ALL[nth], weekday),
                Recurrence::MonthlyOnDay(date),
            ] {
                let dates = rule.dates(from, until);
                prop_assert!(dates.windows(2).all(|w| w[0] < w[1]));
                for d in &dates {
                    prop_assert!(*d >= from && *d <= until);
                    match rule {
                        Recurrence::Weekly(w) | Recurrence::MonthlyOnWeekday(_, w) => {
                            prop_assert_eq!(d.weekday(), w)
                        }
                        Recurrence::MonthlyOnDay(n) => {
                            prop_assert_eq!(d.day(), n.min(month_end(d.year(), d.month()).day()))
                        }
                        Recurrence::Once => {}
                    }
                }
                if let Recurrence::Weekly(_) = rule {
                    // Every week of the range has its gathering.
                    prop_assert_eq!(dates.len() as i64, (span + 1) / 7 + i64::from(
                        (span + 1) % 7 > (7 + i64::from(weekday.num_days_from_monday())
                            - i64::from(from.weekday().num_days_from_monday())) % 7));
                }
            }
        }
    }
}
