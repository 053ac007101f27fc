//! The clocks a request runs against: within how long its unit must
//! acknowledge it and resolve it, per category and urgency, counted in
//! hours, in days, or in working days of the calendar, in the unit's zone;
//! and how a missed deadline climbs the unit tree, a level a day.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use std::fmt;

use super::WorkCalendar;
use crate::campaigns::local_instant;

/// How long a clock gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    /// Hours on the wall clock, nights and holidays included.
    Hours(u32),
    /// To the end of the nth day after the day it starts.
    Days(u32),
    /// To the end of the nth working day after the day it starts.
    WorkingDays(u32),
}

impl Span {
    /// When a clock started at `from` runs out.
    pub fn due(self, from: DateTime<Utc>, zone: Tz, calendar: &WorkCalendar) -> DateTime<Utc> {
        match self {
            Span::Hours(n) => from + Duration::hours(n.into()),
            Span::Days(n) => {
                let day = from.with_timezone(&zone).date_naive() + Duration::days(n.into());
                local_instant(zone, day + Duration::days(1), NaiveTime::MIN)
            }
            Span::WorkingDays(n) => calendar.working_days_after(zone, from, n),
        }
    }

    /// As stored and typed: `4h`, `3d`, `5wd`.
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim().to_ascii_lowercase();
        let split = input.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = input.split_at(split);
        let n: u32 = number.parse().ok().filter(|n| (1..=365 * 24).contains(n))?;
        match unit.trim() {
            "h" => Some(Span::Hours(n)),
            "d" if n <= 365 => Some(Span::Days(n)),
            "wd" if n <= 250 => Some(Span::WorkingDays(n)),
            _ => None,
        }
    }

    pub fn amount(self) -> u32 {
        match self {
            Span::Hours(n) | Span::Days(n) | Span::WorkingDays(n) => n,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Hours(n) => write!(f, "{n}h"),
            Span::Days(n) => write!(f, "{n}d"),
            Span::WorkingDays(n) => write!(f, "{n}wd"),
        }
    }
}

/// How pressing a request is, as the requester says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Urgency {
    #[default]
    Normal,
    /// A danger to people or property now: a burst pipe, a fallen cable.
    Urgent,
}

impl Urgency {
    pub const ALL: [Urgency; 2] = [Urgency::Normal, Urgency::Urgent];

    pub fn code(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.code() == code)
    }
}

/// The two deadlines of one urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    pub acknowledge: Span,
    pub resolve: Span,
}

/// A category's clocks for each urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRules {
    pub normal: Clocks,
    pub urgent: Clocks,
}

impl Default for ClockRules {
    /// In the spirit of the 12345 hotlines: acknowledged within hours,
    /// resolved within five working days, or a day when urgent.
    fn default() -> Self {
        Self {
            normal: Clocks {
                acknowledge: Span::Hours(4),
                resolve: Span::WorkingDays(5),
            },
            urgent: Clocks {
                acknowledge: Span::Hours(1),
                resolve: Span::Hours(24),
            },
        }
    }
}

impl ClockRules {
    pub fn of(&self, urgency: Urgency) -> Clocks {
        match urgency {
            Urgency::Normal => self.normal,
            Urgency::Urgent => self.urgent,
        }
    }
}

/// When a unit is reminded of a deadline: a quarter of the time it was
/// given before it runs out, a day at most.
pub fn remind_at(start: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    let given = (due - start).max(Duration::zero());
    due - (given / 4).min(Duration::days(1))
}

/// After a deadline is missed, the request climbs a level of the unit
/// tree at once and another each time this passes again.
pub const ESCALATE_EVERY: Duration = Duration::days(1);

/// How many levels above its handling unit a request stands `now`, its
/// deadline `due` missed: none before it, one at it, one more a day after;
/// never above the top of the tree (`levels_above` units over the handler).
pub fn escalation_level(due: DateTime<Utc>, now: DateTime<Utc>, levels_above: u32) -> u32 {
    if now < due {
        return 0;
    }
    let days = (now - due).num_seconds() / ESCALATE_EVERY.num_seconds();
    u32::try_from(days + 1)
        .unwrap_or(u32::MAX)
        .min(levels_above)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::DayKind;
    use chrono::{NaiveDate, TimeZone};

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        SHANGHAI
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn spans_read_and_write_as_they_are_stored() {
        for span in [Span::Hours(4), Span::Days(3), Span::WorkingDays(5)] {
            assert_eq!(Span::parse(&span.to_string()), Some(span));
        }
        assert_eq!(Span::parse(" 2 WD"), Some(Span::WorkingDays(2)));
        for bad in ["", "h", "0h", "5", "5w", "-1d", "999d"] {
            assert_eq!(Span::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hours_run_through_the_night_and_days_end_at_midnight_in_the_zone() {
        let calendar = WorkCalendar::default();
        let friday_evening = at(2026, 12, 4, 20);
        assert_eq!(
            Span::Hours(4).due(friday_evening, SHANGHAI, &calendar),
            at(2026, 12, 5, 0)
        );
        assert_eq!(
            Span::Days(1).due(friday_evening, SHANGHAI, &calendar),
            at(2026, 12, 6, 0)
        );
        // Two working days from a Friday: Monday and Tuesday.
        assert_eq!(
            Span::WorkingDays(2).due(friday_evening, SHANGHAI, &calendar),
            at(2026, 12, 9, 0)
        );
    }

    #[test]
    fn working_days_skip_a_holiday_and_count_a_make_up_saturday() {
        // 2026: National Day holiday 1–7 October, Saturday 10 October
        // worked to make up for it.
        let mut days: Vec<(NaiveDate, DayKind)> = (1..=7)
            .map(|d| {
                (
                    NaiveDate::from_ymd_opt(2026, 10, d).expect("day"),
                    DayKind::Holiday,
                )
            })
            .collect();
        days.push((
            NaiveDate::from_ymd_opt(2026, 10, 10).expect("day"),
            DayKind::Workday,
        ));
        let calendar = WorkCalendar::new(days);
        // In on Wednesday 30 September: Thursday 1 October to Wednesday 7
        // are off, so 8 (Thu), 9 (Fri), 10 (the worked Saturday), then 12
        // (Mon).
        let due = Span::WorkingDays(4).due(at(2026, 9, 30, 10), SHANGHAI, &calendar);
        assert_eq!(due, at(2026, 10, 13, 0));
    }

    #[test]
    fn a_reminder_comes_a_quarter_before_a_day_at_most() {
        let start = at(2026, 12, 7, 9);
        assert_eq!(remind_at(start, at(2026, 12, 7, 13)), at(2026, 12, 7, 12));
        assert_eq!(remind_at(start, at(2026, 12, 14, 9)), at(2026, 12, 13, 9));
    }

    #[test]
    fn a_missed_deadline_climbs_a_level_a_day_up_to_the_top() {
        let due = at(2026, 12, 7, 12);
        assert_eq!(escalation_level(due, at(2026, 12, 7, 11), 3), 0);
        assert_eq!(escalation_level(due, due, 3), 1);
        assert_eq!(escalation_level(due, at(2026, 12, 8, 11), 3), 1);
        assert_eq!(escalation_level(due, at(2026, 12, 8, 12), 3), 2);
        assert_eq!(escalation_level(due, at(2026, 12, 30, 0), 3), 3);
        assert_eq!(escalation_level(due, at(2026, 12, 30, 0), 0), 0);
    }
}
