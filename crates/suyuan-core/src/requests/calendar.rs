//! The working-day calendar: Monday to Friday work, Saturday and Sunday
//! do not, except on the days a year's calendar names — public holidays
//! off, and the weekend days worked to make up for them (调休). A year's
//! days are imported as a table (CSV or XLSX): `date, kind[, name]`, the
//! kind `holiday`/`休` or `workday`/`班`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use thiserror::Error;

use crate::campaigns::local_instant;

/// What a named day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A public holiday: no work, whatever the weekday.
    Holiday,
    /// A weekend day worked to make up for a holiday.
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// The English words and the ones on China's official calendars.
    pub fn parse(input: &str) -> Option<Self> {
        match input.trim().to_ascii_lowercase().as_str() {
            "holiday" | "休" | "假" | "休息" | "节假日" => Some(DayKind::Holiday),
            "workday" | "班" | "上班" | "调休上班" | "补班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("the file could not be read: {0}")]
    File(String),
}

/// The days that break the weekly rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            days: days.into_iter().collect(),
        }
    }

    pub fn days(&self) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        self.days.iter().map(|(d, k)| (*d, *k))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The end of the `n`th working day after the one `from` falls on,
    /// in `zone` (a request in on a Friday evening with two working days
    /// is due at the end of Tuesday; one in on a holiday counts from the
    /// next working day on).
    pub fn working_days_after(&self, zone: Tz, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut day = from.with_timezone(&zone).date_naive();
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        local_instant(zone, day + Duration::days(1), NaiveTime::MIN)
    }

    /// A year's named days from a table's rows (a header row is skipped);
    /// every date must be in `year`, and none twice.
    pub fn read_year(
        year: i32,
        rows: &[Vec<String>],
    ) -> Result<Vec<(NaiveDate, DayKind)>, CalendarError> {
        let mut days = BTreeMap::new();
        for (index, row) in rows.iter().enumerate() {
            let line = index + 1;
            let cell = |i: usize| row.get(i).map_or("", |c| c.trim());
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let date = match NaiveDate::parse_from_str(cell(0), "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(cell(0), "%Y/%m/%d"))
            {
                Ok(date) => date,
                // A header names its columns.
                Err(_) if index == 0 => continue,
                Err(_) => {
                    return Err(CalendarError::Line {
                        line,
                        reason: format!("{:?} is not a date like {year}-10-01", cell(0)),
                    });
                }
            };
            if date.year() != year {
                return Err(CalendarError::Line {
                    line,
                    reason: format!("{date} is not in {year}"),
                });
            }
            let kind = DayKind::parse(cell(1)).ok_or_else(|| CalendarError::Line {
                line,
                reason: format!("{:?} is not holiday (休) or workday (班)", cell(1)),
            })?;
            if days.insert(date, kind).is_some() {
                return Err(CalendarError::Line {
                    line,
                    reason: format!("{date} is named twice"),
                });
            }
        }
        Ok(days.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        SHANGHAI
            .with_ymd_and_hms(2026, m, d, h, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    /// A National Day week as a year's calendar gives it: 1–7 October
    /// off, Sunday 27 September and Saturday 10 October worked.
    fn national_day() -> WorkCalendar {
        let rows: Vec<Vec<String>> = [
            "日期,类型,名称",
            "2026-09-27,班,国庆节调休",
            "2026-10-01,休,国庆节",
            "2026-10-02,休,国庆节",
            "2026-10-05,休,国庆节",
            "2026-10-06,休,国庆节",
            "2026-10-07,休,国庆节",
            "2026-10-10,workday,国庆节调休",
        ]
        .iter()
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect();
        WorkCalendar::new(WorkCalendar::read_year(2026, &rows).expect("calendar"))
    }

    #[test]
    fn working_days_skip_the_holiday_and_count_the_make_up_saturday() {
        let calendar = national_day();
        assert!(calendar.is_working_day(date(9, 27)), "a Sunday worked");
        assert!(!calendar.is_working_day(date(10, 5)), "a Monday off");
        assert!(calendar.is_working_day(date(10, 10)), "a Saturday worked");
        // In on Wednesday 30 September: 1–9 October are off but for the
        // 8th and 9th (Thursday and Friday), then Saturday the 10th works.
        assert_eq!(
            calendar.working_days_after(SHANGHAI, at(9, 30, 15), 3),
            at(10, 11, 0),
            "the 8th, the 9th and the make-up Saturday the 10th"
        );
        // A Friday evening with two working days: the end of Tuesday.
        assert_eq!(
            WorkCalendar::default().working_days_after(SHANGHAI, at(12, 4, 20), 2),
            at(12, 9, 0)
        );
    }

    #[test]
    fn a_bad_line_is_named_and_nothing_is_taken() {
        let rows = |lines: &[&str]| -> Vec<Vec<String>> {
            lines
                .iter()
                .map(|l| l.split(',').map(str::to_owned).collect())
                .collect()
        };
        assert_eq!(
            WorkCalendar::read_year(2026, &rows(&["2026-10-01,休", "2027-01-01,休"])),
            Err(CalendarError::Line {
                line: 2,
                reason: "2027-01-01 is not in 2026".into()
            })
        );
        assert!(matches!(
            WorkCalendar::read_year(2026, &rows(&["2026-10-01,休", "2026-10-02,maybe"])),
            Err(CalendarError::Line { line: 2, .. })
        ));
        assert!(matches!(
            WorkCalendar::read_year(2026, &rows(&["2026-10-01,休", "soon,休"])),
            Err(CalendarError::Line { line: 2, .. })
        ));
        assert!(matches!(
            WorkCalendar::read_year(2026, &rows(&["2026-10-01,休", "2026-10-01,班"])),
            Err(CalendarError::Line { line: 2, .. })
        ));
    }
}
