//! Pledges of practical things for the people (我为群众办实事): what a unit,
//! or a member for themself, promises to do for the people around them;
//! whether a member's pledge is approved to be shown; and where a pledge
//! stands against its deadline — in progress, done on time, done late or
//! overdue — as the public board and the figures both read it. An overdue
//! pledge stays overdue until it is done: nothing here hides it.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use crate::campaigns::local_instant;
use crate::members::MemberId;
use crate::text::{self, TextError};
use crate::units::UnitId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PledgeId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PledgeError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("deadline: {0} has passed; a pledge is made for a day to come")]
    DeadlinePassed(NaiveDate),
    #[error("deadline: at most two years ahead, not {0}")]
    DeadlineTooFar(NaiveDate),
}

/// Who pledges: a unit, or a member for themself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pledger {
    Unit(UnitId),
    Member(MemberId),
}

/// What a pledge promises, as its pledger wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    pub title: String,
    /// Paragraphs, one a line.
    pub description: String,
    /// Who benefits ("the 200 households of 翠苑一区").
    pub beneficiaries: String,
    pub place: String,
}

impl Promise {
    pub fn new(
        title: &str,
        description: &str,
        beneficiaries: &str,
        place: &str,
    ) -> Result<Self, PledgeError> {
        Ok(Self {
            title: text::required("title", &text::tidy(title), 80)?,
            description: text::required("description", description, 2000)?,
            beneficiaries: text::required("beneficiaries", &text::tidy(beneficiaries), 200)?,
            place: text::bounded("place", &text::tidy(place), 200)?,
        })
    }
}

/// Whether a pledge may be shown: a unit's own pledge is approved as it
/// is made; a member's waits for an admin of their unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Approval {
    Awaiting,
    Approved,
    /// Sent back to the member, with the admin's reason.
    Returned,
}

impl Approval {
    pub const ALL: [Approval; 3] = [Approval::Awaiting, Approval::Approved, Approval::Returned];

    /// What a new pledge starts as.
    pub fn of_new(pledger: Pledger) -> Self {
        match pledger {
            Pledger::Unit(_) => Approval::Approved,
            Pledger::Member(_) => Approval::Awaiting,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Approval::Awaiting => "awaiting",
            Approval::Approved => "approved",
            Approval::Returned => "returned",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Where a pledge stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    InProgress,
    DoneOnTime,
    DoneLate,
    /// Past its deadline and not done: shown as such, never hidden.
    Overdue,
}

impl Standing {
    pub const ALL: [Standing; 4] = [
        Standing::InProgress,
        Standing::DoneOnTime,
        Standing::DoneLate,
        Standing::Overdue,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Standing::InProgress => "in_progress",
            Standing::DoneOnTime => "done_on_time",
            Standing::DoneLate => "done_late",
            Standing::Overdue => "overdue",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A pledge's deadline (a day, in its unit's zone) and when it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    pub deadline: NaiveDate,
    pub zone: Tz,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Timeline {
    /// A new pledge's deadline: a day from `today` on (in the zone), at
    /// most two years ahead.
    pub fn new(deadline: NaiveDate, zone: Tz, today: NaiveDate) -> Result<Self, PledgeError> {
        if deadline < today {
            return Err(PledgeError::DeadlinePassed(deadline));
        }
        if deadline > today + Duration::days(731) {
            return Err(PledgeError::DeadlineTooFar(deadline));
        }
        Ok(Self {
            deadline,
            zone,
            completed_at: None,
        })
    }

    /// The end of the deadline's day: done before this is done on time.
    pub fn due_at(&self) -> DateTime<Utc> {
        local_instant(self.zone, self.deadline + Duration::days(1), NaiveTime::MIN)
    }

    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        match self.completed_at {
            Some(done) if done < self.due_at() => Standing::DoneOnTime,
            Some(_) => Standing::DoneLate,
            None if now >= self.due_at() => Standing::Overdue,
            None => Standing::InProgress,
        }
    }

    /// Whether the pledger is to be reminded at `now`: not done, and the
    /// deadline within `before`.
    pub fn reminder_due(&self, now: DateTime<Utc>, before: Duration) -> bool {
        self.completed_at.is_none() && now < self.due_at() && self.due_at() - now <= before
    }
}

/// A comment from the public waits for a moderator before it shows; a
/// moderator can hide a shown one, and the record stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentState {
    Held,
    Shown,
    Hidden,
}

impl CommentState {
    pub const ALL: [CommentState; 3] = [
        CommentState::Held,
        CommentState::Shown,
        CommentState::Hidden,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CommentState::Held => "held",
            CommentState::Shown => "shown",
            CommentState::Hidden => "hidden",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the public sees it.
    pub fn public(self) -> bool {
        self == CommentState::Shown
    }
}

/// A comment as the public writes it.
pub fn comment_text(input: &str) -> Result<String, PledgeError> {
    Ok(text::required("comment", input, 500)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    /// An instant in Hangzhou.
    fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        SHANGHAI
            .with_ymd_and_hms(2026, m, d, h, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_pledge_is_on_time_until_the_end_of_its_deadline_s_day_in_its_zone() {
        let mut line = Timeline::new(day(12, 20), SHANGHAI, day(12, 5)).expect("timeline");
        assert_eq!(line.standing(at(12, 20, 23)), Standing::InProgress);
        // Midnight in Hangzhou is 16:00 UTC the day before.
        assert_eq!(line.due_at().to_rfc3339(), "2026-12-20T16:00:00+00:00");
        assert_eq!(line.standing(at(12, 21, 0)), Standing::Overdue);
        line.completed_at = Some(at(12, 20, 22));
        assert_eq!(line.standing(at(12, 25, 9)), Standing::DoneOnTime);
        line.completed_at = Some(at(12, 21, 9));
        assert_eq!(line.standing(at(12, 25, 9)), Standing::DoneLate);
    }

    #[test]
    fn a_reminder_comes_before_the_deadline_and_not_once_done() {
        let mut line = Timeline::new(day(12, 20), SHANGHAI, day(12, 5)).expect("timeline");
        let week = Duration::days(7);
        assert!(!line.reminder_due(at(12, 10, 9), week));
        assert!(line.reminder_due(at(12, 15, 9), week));
        assert!(
            !line.reminder_due(at(12, 21, 9), week),
            "overdue is not a reminder"
        );
        line.completed_at = Some(at(12, 14, 9));
        assert!(!line.reminder_due(at(12, 15, 9), week));
    }

    #[test]
    fn deadlines_and_texts_are_checked_naming_the_field() {
        assert_eq!(
            Timeline::new(day(12, 1), SHANGHAI, day(12, 5)),
            Err(PledgeError::DeadlinePassed(day(12, 1)))
        );
        assert!(matches!(
            Timeline::new(day(12, 1) + Duration::days(800), SHANGHAI, day(12, 5)),
            Err(PledgeError::DeadlineTooFar(_))
        ));
        assert_eq!(
            Promise::new(" ", "为老人修门铃", "独居老人", ""),
            Err(PledgeError::Text(TextError::Empty { field: "title" }))
        );
        let promise = Promise::new(
            "  修好 3 号楼的门铃 ",
            "为老人修门铃",
            "3 号楼住户",
            "翠苑一区",
        )
        .expect("promise");
        assert_eq!(promise.title, "修好 3 号楼的门铃");
        assert_eq!(
            Approval::of_new(Pledger::Member(MemberId(1))),
            Approval::Awaiting
        );
        assert_eq!(
            Approval::of_new(Pledger::Unit(UnitId(1))),
            Approval::Approved
        );
        assert!(comment_text(&"长".repeat(501)).is_err());
    }
}
