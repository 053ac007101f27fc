//! Progress: the periods figures are given for (a day, an ISO week, a
//! dekad, a month or a whole campaign, in the campaign's zone), rates that
//! compare a branch of 20 fairly with a district of 20,000, rankings of
//! units by such rates, and the trend against the period before.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::cmp::Ordering;
use thiserror::Error;

use crate::campaigns::{Calendar, Dekad, month_end};

pub mod counts;
pub use counts::{Counts, Figures};

/// A period figures are given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// `2026-11-26`
    Day(NaiveDate),
    /// `2026-W47`: an ISO week, Monday to Sunday.
    Week { year: i32, week: u32 },
    /// `2026-11-D2`: days 11–20 of November.
    Dekad(Dekad),
    /// `2026-11`
    Month { year: i32, month: u32 },
    /// `campaign:7`: every day of a campaign.
    Campaign(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "period: {0:?} is not a period; write a day (2026-11-26), an ISO week (2026-W47), a dekad (2026-11-D2), a month (2026-11) or campaign:ID"
)]
pub struct BadPeriod(pub String);

impl Period {
    pub fn parse(input: &str) -> Result<Self, BadPeriod> {
        let text = input.trim();
        let bad = || BadPeriod(text.chars().take(40).collect());
        if let Some(id) = text.strip_prefix("campaign:") {
            return id.parse().map(Period::Campaign).map_err(|_| bad());
        }
        let parts: Vec<&str> = text.split('-').collect();
        let number = |part: &str| -> Result<u32, BadPeriod> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let year = |part: &str| -> Result<i32, BadPeriod> {
            let year = number(part)?;
            if part.len() == 4 && (2000..=2100).contains(&year) {
                Ok(year as i32)
            } else {
                Err(bad())
            }
        };
        match parts.as_slice() {
            [y, w] if w.starts_with('W') => {
                let (year, week) = (year(y)?, number(&w[1..])?);
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
                    .map(|_| Period::Week { year, week })
                    .ok_or_else(bad)
            }
            [y, m] => {
                let (year, month) = (year(y)?, number(m)?);
                NaiveDate::from_ymd_opt(year, month, 1)
                    .map(|_| Period::Month { year, month })
                    .ok_or_else(bad)
            }
            [y, m, d] if d.starts_with('D') => {
                let (year, month, index) = (year(y)?, number(m)?, number(&d[1..])?);
                if NaiveDate::from_ymd_opt(year, month, 1).is_none() || !(1..=3).contains(&index) {
                    return Err(bad());
                }
                Ok(Period::Dekad(Dekad { year, month, index }))
            }
            [y, m, d] => {
                let (year, month, day) = (year(y)?, number(m)?, number(d)?);
                NaiveDate::from_ymd_opt(year, month, day)
                    .map(Period::Day)
                    .ok_or_else(bad)
            }
            _ => Err(bad()),
        }
    }

    /// The period as it is written (what `parse` reads back).
    pub fn code(&self) -> String {
        match self {
            Period::Day(day) => day.format("%Y-%m-%d").to_string(),
            Period::Week { year, week } => format!("{year}-W{week:02}"),
            Period::Dekad(d) => format!("{}-{:02}-D{}", d.year, d.month, d.index),
            Period::Month { year, month } => format!("{year}-{month:02}"),
            Period::Campaign(id) => format!("campaign:{id}"),
        }
    }

    /// The period's first and last days, both included.
    pub fn bounds(&self, campaign: &Calendar) -> (NaiveDate, NaiveDate) {
        match *self {
            Period::Day(day) => (day, day),
            Period::Week { year, week } => {
                let monday =
                    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).unwrap_or(campaign.start);
                (monday, monday + Duration::days(6))
            }
            Period::Dekad(dekad) => (dekad.first_day(), dekad.last_day()),
            Period::Month { year, month } => (
                NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(campaign.start),
                month_end(year, month),
            ),
            Period::Campaign(_) => (campaign.start, campaign.end),
        }
    }

    /// The campaign's days in the period, or `None` when they do not meet.
    pub fn days_in(&self, campaign: &Calendar) -> Option<(NaiveDate, NaiveDate)> {
        let (first, last) = self.bounds(campaign);
        let (first, last) = (first.max(campaign.start), last.min(campaign.end));
        (first <= last).then_some((first, last))
    }

    /// The period of the same kind just before, for the trend; a whole
    /// campaign has none.
    pub fn previous(&self) -> Option<Period> {
        Some(match *self {
            Period::Day(day) => Period::Day(day.pred_opt()?),
            Period::Week { year, week } => {
                let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
                let before = (monday - Duration::days(7)).iso_week();
                Period::Week {
                    year: before.year(),
                    week: before.week(),
                }
            }
            Period::Dekad(dekad) => Period::Dekad(Dekad::of(dekad.first_day().pred_opt()?)),
            Period::Month { year, month } => {
                if month == 1 {
                    Period::Month {
                        year: year - 1,
                        month: 12,
                    }
                } else {
                    Period::Month {
                        year,
                        month: month - 1,
                    }
                }
            }
            Period::Campaign(_) => return None,
        })
    }

    pub fn kind(&self) -> PeriodKind {
        match self {
            Period::Day(_) => PeriodKind::Day,
            Period::Week { .. } => PeriodKind::Week,
            Period::Dekad(_) => PeriodKind::Dekad,
            Period::Month { .. } => PeriodKind::Month,
            Period::Campaign(_) => PeriodKind::Campaign,
        }
    }

    /// The period of this kind that holds `day` (a campaign's is itself).
    pub fn same_kind_at(&self, day: NaiveDate) -> Period {
        let campaign = match self {
            Period::Campaign(id) => *id,
            _ => 0,
        };
        Period::holding(self.kind(), day, campaign)
    }

    /// The period of a kind that holds `day`; a campaign's is `campaign`.
    pub fn holding(kind: PeriodKind, day: NaiveDate, campaign: i64) -> Period {
        match kind {
            PeriodKind::Day => Period::Day(day),
            PeriodKind::Week => {
                let week = day.iso_week();
                Period::Week {
                    year: week.year(),
                    week: week.week(),
                }
            }
            PeriodKind::Dekad => Period::Dekad(Dekad::of(day)),
            PeriodKind::Month => Period::Month {
                year: day.year(),
                month: day.month(),
            },
            PeriodKind::Campaign => Period::Campaign(campaign),
        }
    }
}

/// The kinds of period, for choosing one without naming its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Day,
    Week,
    Dekad,
    Month,
    Campaign,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 5] = [
        PeriodKind::Day,
        PeriodKind::Week,
        PeriodKind::Dekad,
        PeriodKind::Month,
        PeriodKind::Campaign,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PeriodKind::Day => "day",
            PeriodKind::Week => "week",
            PeriodKind::Dekad => "dekad",
            PeriodKind::Month => "month",
            PeriodKind::Campaign => "campaign",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == code.trim())
    }
}

/// A share: how many of how many. A rate with nothing to count is none,
/// not zero, so that an empty unit is not ranked last for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    pub part: u64,
    pub whole: u64,
}

impl Rate {
    pub fn new(part: u64, whole: u64) -> Self {
        Self { part, whole }
    }

    /// The rate as a fraction of one, or `None` when there is nothing to
    /// count.
    pub fn value(self) -> Option<f64> {
        (self.whole > 0).then(|| self.part as f64 / self.whole as f64)
    }

    /// "87.5%", or "—".
    pub fn percent(self) -> String {
        self.value()
            .map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
    }

    /// The change from `before` in percentage points, when both count.
    pub fn change_since(self, before: Rate) -> Option<f64> {
        Some((self.value()? - before.value()?) * 100.0)
    }
}

/// Ranks by a figure, best first: equal figures share a rank (1, 2, 2, 4),
/// and those without the figure come last, unranked.
pub fn rank<T>(items: &[T], figure: impl Fn(&T) -> Option<f64>) -> Vec<(usize, Option<usize>)> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| match (figure(&items[*a]), figure(&items[*b])) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    let mut ranked = Vec::with_capacity(order.len());
    let mut last: Option<(f64, usize)> = None;
    for (position, index) in order.into_iter().enumerate() {
        let place = figure(&items[index]).map(|value| match last {
            Some((previous, place)) if previous == value => place,
            _ => {
                last = Some((value, position + 1));
                position + 1
            }
        });
        ranked.push((index, place));
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn periods_read_and_write_the_same() {
        for code in [
            "2026-11-26",
            "2026-W47",
            "2026-W01",
            "2026-11-D2",
            "2026-11",
            "campaign:7",
        ] {
            assert_eq!(Period::parse(code).expect(code).code(), code);
        }
        for bad in [
            "",
            "2026",
            "2026-13",
            "2026-W54",
            "2026-11-D4",
            "2026-02-30",
            "campaign:x",
            "26-11",
            "+2026-11",
            "2026-11-26-1",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        for kind in PeriodKind::ALL {
            assert_eq!(PeriodKind::parse(kind.code()), Some(kind));
            let day = day(2026, 11, 26);
            assert_eq!(Period::holding(kind, day, 7).kind(), kind);
        }
        assert_eq!(PeriodKind::parse("year"), None);
        assert!(Period::parse("2025-W53").is_err(), "2025 has 52 ISO weeks");
        assert!(Period::parse("2026-W53").is_ok(), "2026 has 53");
    }

    #[test]
    fn bounds_and_the_period_before() {
        let campaign = Calendar::new(
            crate::campaigns::DEFAULT_ZONE,
            day(2026, 11, 5),
            day(2026, 12, 23),
        )
        .expect("calendar");
        let week = Period::parse("2026-W47").expect("week");
        assert_eq!(
            week.bounds(&campaign),
            (day(2026, 11, 16), day(2026, 11, 22))
        );
        assert_eq!(
            week.previous(),
            Some(Period::Week {
                year: 2026,
                week: 46
            })
        );
        let first = Period::parse("2026-W01").expect("week");
        assert_eq!(
            first.previous(),
            Some(Period::Week {
                year: 2025,
                week: 52
            })
        );
        let dekad = Period::parse("2026-11-D1").expect("dekad");
        assert_eq!(
            dekad.days_in(&campaign),
            Some((day(2026, 11, 5), day(2026, 11, 10)))
        );
        assert_eq!(
            dekad.previous().map(|p| p.code()),
            Some("2026-10-D3".into())
        );
        let month = Period::parse("2026-01").expect("month");
        assert_eq!(month.previous().map(|p| p.code()), Some("2025-12".into()));
        assert_eq!(
            Period::parse("2026-10").expect("m").days_in(&campaign),
            None
        );
        assert_eq!(
            Period::Campaign(3).days_in(&campaign),
            Some((day(2026, 11, 5), day(2026, 12, 23)))
        );
        assert_eq!(Period::Campaign(3).previous(), None);
        assert_eq!(week.same_kind_at(day(2026, 12, 1)).code(), "2026-W49");
    }

    #[test]
    fn rates_are_fair_and_empty_units_are_unranked() {
        let branch = Rate::new(18, 20);
        let district = Rate::new(15_000, 20_000);
        let empty = Rate::new(0, 0);
        assert_eq!(branch.percent(), "90.0%");
        assert_eq!(empty.percent(), "—");
        let ranked = rank(&[district, empty, branch, Rate::new(9, 10)], |r| r.value());
        assert_eq!(
            ranked,
            vec![(2, Some(1)), (3, Some(1)), (0, Some(3)), (1, None)]
        );
        let change = branch.change_since(Rate::new(16, 20)).expect("change");
        assert!((change - 10.0).abs() < 1e-9);
        assert_eq!(branch.change_since(empty), None);
    }

    proptest! {
        #[test]
        fn every_day_is_in_the_period_of_its_kind(offset in 0i64..3_000) {
            let date = day(2024, 1, 1) + Duration::days(offset);
            let campaign = Calendar::new(crate::campaigns::DEFAULT_ZONE, date, date).expect("calendar");
            for kind in [Period::Day(date), Period::Month { year: 2024, month: 1 }, Period::Week { year: 2024, week: 1 }, Period::Dekad(Dekad::of(date))] {
                let period = kind.same_kind_at(date);
                let (first, last) = period.bounds(&campaign);
                prop_assert!(first <= date && date <= last);
                prop_assert_eq!(Period::parse(&period.code()).expect("parses"), period);
                if let Some(before) = period.previous() {
                    prop_assert_eq!(before.bounds(&campaign).1 + Duration::days(1), first);
                }
            }
        }
    }
}
