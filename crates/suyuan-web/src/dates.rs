//! Dates and times as people say them: "12月5日 周六 09:00",
//! "第49周（12月1日–7日）" — never an ISO code or a zone's name.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Weekday};

use suyuan_core::campaigns::month_end;
use suyuan_core::gatherings::{FIRST_YEAR, LAST_YEAR};

use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::views::weekday_name;

/// "12月5日" / "5 Dec".
pub fn short(t: &Texts, date: NaiveDate) -> String {
    fill(
        t.date_short,
        &[
            ("month", &t.months[date.month0() as usize]),
            ("day", &date.day()),
        ],
    )
}

/// "2026年12月" / "Dec 2026": a month's heading.
pub fn month(t: &Texts, date: NaiveDate) -> String {
    fill(
        t.month_heading,
        &[
            ("year", &date.year()),
            ("month", &t.months[date.month0() as usize]),
        ],
    )
}

/// "12月5日 周六" / "Sat 5 Dec".
pub fn day(t: &Texts, date: NaiveDate) -> String {
    fill(
        t.date_with_weekday,
        &[
            ("date", &short(t, date)),
            ("weekday", &weekday_name(t, date.weekday())),
        ],
    )
}

/// "12月5日 周六 09:00", in the moment's own zone.
pub fn moment<Z: TimeZone>(t: &Texts, at: &DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    format!("{} {}", day(t, at.date_naive()), at.format("%H:%M"))
}

/// "12月5日 周六 09:00–10:30", or with both days when it runs past
/// midnight.
pub fn span<Z: TimeZone>(t: &Texts, from: &DateTime<Z>, to: &DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    // A span ending at midnight ends with the day before, at 24:00: a
    // test open "to 12月11日 00:00" reads as open on the 11th.
    let (last_day, end) = if to.time() == chrono::NaiveTime::MIN && to > from {
        (
            to.date_naive().pred_opt().unwrap_or(to.date_naive()),
            "24:00".to_owned(),
        )
    } else {
        (to.date_naive(), to.format("%H:%M").to_string())
    };
    if from.date_naive() == last_day {
        format!("{}–{end}", moment(t, from))
    } else {
        format!("{} – {} {end}", moment(t, from), day(t, last_day))
    }
}

/// "12月1日–7日" / "1–7 Dec": a run of days, the month said once when
/// it is the same.
pub fn days(t: &Texts, from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        return short(t, from);
    }
    let (first, last) = if from.month() != to.month() || from.year() != to.year() {
        (short(t, from), short(t, to))
    } else if t.month_first {
        (short(t, from), fill(t.date_day_only, &[("day", &to.day())]))
    } else {
        (fill(t.date_day_only, &[("day", &from.day())]), short(t, to))
    };
    format!("{first}–{last}")
}

/// "第49周（12月1日–7日）" for the ISO week holding `date`.
pub fn week(t: &Texts, date: NaiveDate) -> String {
    let week = date.week(Weekday::Mon);
    fill(
        t.week_span,
        &[
            ("week", &date.iso_week().week()),
            ("days", &days(t, week.first_day(), week.last_day())),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn dates_read_as_people_say_them() {
        let zh = Lang::Zh.texts();
        let en = Lang::En.texts();
        assert_eq!(day(zh, date(2026, 12, 5)), "12月5日 周六");
        assert_eq!(day(en, date(2026, 12, 5)), "Sat 5 Dec");
        assert_eq!(week(zh, date(2026, 12, 3)), "第49周（11月30日–12月6日）");
        assert_eq!(week(zh, date(2026, 12, 9)), "第50周（12月7日–13日）");
        assert_eq!(week(en, date(2026, 12, 9)), "Week 50 (7–13 Dec)");
        assert_eq!(days(zh, date(2026, 11, 25), date(2026, 11, 25)), "11月25日");
        let zone = chrono_tz::Asia::Shanghai;
        let at = |d, h| {
            zone.with_ymd_and_hms(2026, 12, d, h, 30, 0)
                .single()
                .expect("time")
        };
        assert_eq!(span(zh, &at(5, 9), &at(5, 11)), "12月5日 周六 09:30–11:30");
        assert_eq!(
            span(en, &at(5, 9), &at(6, 11)),
            "Sat 5 Dec 09:30 – Sun 6 Dec 11:30"
        );
        let midnight = |d| {
            zone.with_ymd_and_hms(2026, 12, d, 0, 0, 0)
                .single()
                .expect("time")
        };
        assert_eq!(
            span(zh, &midnight(1), &midnight(11)),
            "12月1日 周二 00:00 – 12月10日 周四 24:00"
        );
    }
}

#[derive(serde::Deserialize)]
/// A span of days asked for in a query (`?from=2026-11-01&to=2026-11-30`):
/// a ledger's or a log's.
pub struct Period {
    from: Option<String>,
    to: Option<String>,
}

impl Period {
    /// The days asked for, both included: this month by default.
    pub fn days(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), WebError> {
        let parse = |field: &str, value: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| {
                        WebError::Invalid(format!("{field}: a date such as 2026-11-01, not {v:?}"))
                    }),
            }
        };
        let from = parse("from", &self.from)?.unwrap_or_else(|| today.with_day(1).unwrap_or(today));
        let to = parse("to", &self.to)?.unwrap_or_else(|| month_end(from.year(), from.month()));
        for (field, day) in [("from", from), ("to", to)] {
            if !(FIRST_YEAR..=LAST_YEAR).contains(&day.year()) {
                return Err(WebError::Invalid(format!(
                    "{field}: {day} is outside the years {FIRST_YEAR}–{LAST_YEAR}"
                )));
            }
        }
        if to < from {
            return Err(WebError::Invalid(format!(
                "to: {to} is before from: {from}"
            )));
        }
        if (to - from).num_days() > 366 {
            return Err(WebError::Invalid("to: a span covers at most a year".into()));
        }
        Ok((from, to))
    }
}
