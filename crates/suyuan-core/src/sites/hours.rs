//! Opening hours: a weekly pattern of opening windows in the site's own
//! time zone, cut into visiting slots of a set length, with dated
//! exceptions (closed days and holidays, special openings).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use thiserror::Error;

use crate::campaigns::local_instant;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HoursError {
    #[error("hours: {0:?} is not a time span such as 09:00-12:00")]
    Span(String),
    #[error("hours: {0} ends before it starts")]
    Backwards(SlotTimes),
    #[error("hours: {0} and {1} overlap")]
    Overlap(SlotTimes, SlotTimes),
    #[error("slot_minutes: a slot lasts 15 minutes to 8 hours, not {0}")]
    SlotLength(u32),
    #[error("hours: {0} is shorter than one slot of {1} minutes")]
    TooShort(SlotTimes, u32),
}

/// A span of a day, in local time: an opening window or a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotTimes {
    pub starts: NaiveTime,
    pub ends: NaiveTime,
}

impl SlotTimes {
    pub fn new(starts: NaiveTime, ends: NaiveTime) -> Result<Self, HoursError> {
        let span = Self { starts, ends };
        if ends <= starts {
            return Err(HoursError::Backwards(span));
        }
        Ok(span)
    }

    /// Reads `09:00-12:00` (also with – or ～ or 至 between).
    pub fn parse(input: &str) -> Result<Self, HoursError> {
        let bad = || HoursError::Span(input.trim().to_owned());
        let (from, to) = input
            .split_once(['-', '–', '～', '~', '至'])
            .ok_or_else(bad)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        Self::new(time(from)?, time(to)?)
    }

    /// Reads a day's windows: spans separated by commas, semicolons or
    /// spaces (`09:00-12:00, 13:30-16:30`); nothing is a day closed.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, HoursError> {
        input
            .split([',', '，', ';', '；', '、', ' ', '\u{3000}'])
            .filter(|part| !part.trim().is_empty())
            .map(Self::parse)
            .collect()
    }

    /// Windows as `parse_list` reads them.
    pub fn list_text(windows: &[Self]) -> String {
        windows
            .iter()
            .map(|w| format!("{}-{}", w.starts.format("%H:%M"), w.ends.format("%H:%M")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn minutes(&self) -> i64 {
        (self.ends - self.starts).num_minutes()
    }
}

impl fmt::Display for SlotTimes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}–{}",
            self.starts.format("%H:%M"),
            self.ends.format("%H:%M")
        )
    }
}

/// One visiting slot on one day, as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitSlot {
    pub date: NaiveDate,
    pub times: SlotTimes,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// When a site is open, and so which slots can be booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    pub zone: Tz,
    /// How long a visiting slot lasts.
    pub slot_minutes: u32,
    /// Opening windows by weekday, Monday first.
    weekly: [Vec<SlotTimes>; 7],
    /// Days closed whatever the week says: holidays, maintenance.
    closed: BTreeSet<NaiveDate>,
    /// Days open with windows of their own, whatever the week says.
    special: BTreeMap<NaiveDate, Vec<SlotTimes>>,
}

/// Sorted windows that do not overlap, each holding at least one slot.
fn checked(mut windows: Vec<SlotTimes>, slot_minutes: u32) -> Result<Vec<SlotTimes>, HoursError> {
    windows.sort();
    for pair in windows.windows(2) {
        if pair[1].starts < pair[0].ends {
            return Err(HoursError::Overlap(pair[0], pair[1]));
        }
    }
    if let Some(short) = windows
        .iter()
        .find(|w| w.minutes() < i64::from(slot_minutes))
    {
        return Err(HoursError::TooShort(*short, slot_minutes));
    }
    Ok(windows)
}

impl OpeningHours {
    pub fn new(
        zone: Tz,
        slot_minutes: u32,
        weekly: [Vec<SlotTimes>; 7],
    ) -> Result<Self, HoursError> {
        if !(15..=480).contains(&slot_minutes) {
            return Err(HoursError::SlotLength(slot_minutes));
        }
        let mut checked_week: [Vec<SlotTimes>; 7] = Default::default();
        for (day, windows) in weekly.into_iter().enumerate() {
            checked_week[day] = checked(windows, slot_minutes)?;
        }
        Ok(Self {
            zone,
            slot_minutes,
            weekly: checked_week,
            closed: BTreeSet::new(),
            special: BTreeMap::new(),
        })
    }

    /// Closes every day from `from` to `to`, both included (a holiday, a
    /// week of works); a special opening on those days is dropped.
    pub fn close(&mut self, from: NaiveDate, to: NaiveDate) {
        for date in from.iter_days().take_while(|d| *d <= to) {
            self.special.remove(&date);
            self.closed.insert(date);
        }
    }

    /// Opens `date` with windows of its own (a Monday opening for an
    /// anniversary, longer hours on a memorial day).
    pub fn open_specially(
        &mut self,
        date: NaiveDate,
        windows: Vec<SlotTimes>,
    ) -> Result<(), HoursError> {
        let windows = checked(windows, self.slot_minutes)?;
        self.closed.remove(&date);
        self.special.insert(date, windows);
        Ok(())
    }

    /// The weekly pattern, Monday first.
    pub fn week(&self) -> &[Vec<SlotTimes>; 7] {
        &self.weekly
    }

    /// The days closed whatever the week says, in order.
    pub fn closed_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.closed.iter().copied()
    }

    /// The days open with windows of their own, in order.
    pub fn special_days(&self) -> impl Iterator<Item = (NaiveDate, &[SlotTimes])> + '_ {
        self.special.iter().map(|(d, w)| (*d, w.as_slice()))
    }

    /// The opening windows of a day, exceptions first.
    pub fn windows_on(&self, date: NaiveDate) -> &[SlotTimes] {
        if self.closed.contains(&date) {
            return &[];
        }
        match self.special.get(&date) {
            Some(windows) => windows,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// The slots of a day: each window cut into slots of the set length
    /// (what is left at a window's end, shorter than a slot, is not one).
    pub fn slots_on(&self, date: NaiveDate) -> Vec<VisitSlot> {
        let length = Duration::minutes(i64::from(self.slot_minutes));
        let mut slots = Vec::new();
        for window in self.windows_on(date) {
            let mut starts = window.starts;
            while window.ends - starts >= length {
                let ends = starts + length;
                slots.push(VisitSlot {
                    date,
                    times: SlotTimes { starts, ends },
                    starts_at: local_instant(self.zone, date, starts),
                    ends_at: local_instant(self.zone, date, ends),
                });
                starts = ends;
            }
        }
        slots
    }

    /// The slot that starts at `at`, if the hours have one.
    pub fn slot_at(&self, at: DateTime<Utc>) -> Option<VisitSlot> {
        let date = at.with_timezone(&self.zone).date_naive();
        self.slots_on(date).into_iter().find(|s| s.starts_at == at)
    }

    /// The slots of the days from `from` to `to`, both included.
    pub fn slots_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<VisitSlot> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .flat_map(|d| self.slots_on(d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str) -> SlotTimes {
        SlotTimes::parse(text).expect("span")
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    /// Tuesday to Sunday, 09:00–12:00 and 13:30–16:30, slots of 90
    /// minutes; closed on Mondays.
    fn museum(zone: Tz) -> OpeningHours {
        let day = vec![span("09:00-12:00"), span("13:30-16:30")];
        let mut week: [Vec<SlotTimes>; 7] = Default::default();
        for windows in week.iter_mut().skip(1) {
            *windows = day.clone();
        }
        OpeningHours::new(zone, 90, week).expect("hours")
    }

    #[test]
    fn a_week_s_windows_become_slots_in_the_site_s_zone() {
        let hours = museum(chrono_tz::Asia::Shanghai);
        // Tuesday 2026-12-08.
        let slots = hours.slots_on(date(12, 8));
        let times: Vec<String> = slots.iter().map(|s| s.times.to_string()).collect();
        assert_eq!(
            times,
            ["09:00–10:30", "10:30–12:00", "13:30–15:00", "15:00–16:30"]
        );
        // 09:00 in Hangzhou is 01:00 UTC.
        assert_eq!(slots[0].starts_at.to_rfc3339(), "2026-12-08T01:00:00+00:00");
        assert!(hours.slots_on(date(12, 7)).is_empty(), "closed on Mondays");
    }

    #[test]
    fn closed_days_and_special_openings_override_the_week() {
        let mut hours = museum(chrono_tz::Asia::Shanghai);
        // The New Year holiday closes three days.
        hours.close(
            date(12, 30),
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
        );
        assert!(hours.slots_on(date(12, 30)).is_empty());
        assert!(hours.slots_on(date(12, 31)).is_empty());
        // Constitution Day (a Friday) keeps longer hours; a Monday opens
        // for a ceremony.
        hours
            .open_specially(date(12, 4), vec![span("08:30-17:30")])
            .expect("special");
        assert_eq!(hours.slots_on(date(12, 4)).len(), 6);
        hours
            .open_specially(date(12, 14), vec![span("14:00-15:30")])
            .expect("special");
        assert_eq!(hours.slots_on(date(12, 14)).len(), 1);
        // Closing a day drops its special opening.
        hours.close(date(12, 14), date(12, 14));
        assert!(hours.slots_on(date(12, 14)).is_empty());
        let fortnight = hours.slots_between(date(12, 1), date(12, 14));
        assert!(
            fortnight
                .windows(2)
                .all(|p| p[0].starts_at < p[1].starts_at)
        );
    }

    #[test]
    fn local_hours_hold_across_a_change_of_clocks() {
        // Where clocks change, 09:00 stays 09:00 local time on both sides.
        let hours = museum(chrono_tz::Europe::Berlin);
        let before = hours.slots_on(date(10, 24))[0].starts_at;
        let after = hours.slots_on(date(10, 27))[0].starts_at;
        assert_eq!(before.to_rfc3339(), "2026-10-24T07:00:00+00:00");
        assert_eq!(after.to_rfc3339(), "2026-10-27T08:00:00+00:00");
    }

    #[test]
    fn bad_hours_are_refused_with_the_reason() {
        assert_eq!(
            SlotTimes::parse("9点到12点"),
            Err(HoursError::Span("9点到12点".into()))
        );
        assert!(matches!(
            SlotTimes::parse("12:00-09:00"),
            Err(HoursError::Backwards(_))
        ));
        let mut week: [Vec<SlotTimes>; 7] = Default::default();
        week[0] = vec![span("09:00-12:00"), span("11:00-13:00")];
        assert!(matches!(
            OpeningHours::new(chrono_tz::Asia::Shanghai, 90, week.clone()),
            Err(HoursError::Overlap(..))
        ));
        week[0] = vec![span("09:00-10:00")];
        assert!(matches!(
            OpeningHours::new(chrono_tz::Asia::Shanghai, 90, week),
            Err(HoursError::TooShort(..))
        ));
        assert_eq!(
            OpeningHours::new(chrono_tz::Asia::Shanghai, 5, Default::default()),
            Err(HoursError::SlotLength(5))
        );
        assert_eq!(span("09:00 至 10:30").to_string(), "09:00–10:30");
        let day = SlotTimes::parse_list("09:00-12:00，13:30-16:30").expect("list");
        assert_eq!(SlotTimes::list_text(&day), "09:00-12:00, 13:30-16:30");
        assert_eq!(SlotTimes::parse_list("  "), Ok(vec![]));
    }
}
