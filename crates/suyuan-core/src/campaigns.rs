//! Campaigns and their plans: who takes part, the calendar (days, ISO
//! weeks, dekads — 旬: days 1–10, 11–20, 21 to the month's end — and
//! months, all in the campaign's time zone), how a reading list is spread
//! over its days, and the one way a stored plan becomes dates.
//!
//! Instants are stored in UTC; every calendar question is answered here,
//! in local time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::ops::Range;
use thiserror::Error;

use crate::library::ExcerptId;
use crate::reading::{Plan, PointRules, ReadingPace};
use crate::text::{TextError, bounded, required};
use crate::units::{UnitId, UnitPath};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignId(pub i64);

/// A themed study period: its calendar, its reminder time, its reading
/// pace and points rules, and the units whose members take part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: CampaignId,
    pub owner: UnitId,
    pub title: String,
    pub theme: String,
    pub calendar: Calendar,
    /// When members who have not read are reminded, local time.
    pub evening: NaiveTime,
    pub pace: ReadingPace,
    pub rules: PointRules,
    pub units: Vec<UnitId>,
}

impl Campaign {
    /// Whether a member of the unit at `path` takes part.
    pub fn includes(&self, path: &UnitPath) -> bool {
        let ancestors = path.ids();
        self.units.iter().any(|unit| ancestors.contains(unit))
    }

    /// The plan as dates: what is read on each local day. The one place a
    /// stored plan (days counted from the start) becomes a calendar.
    pub fn plan(&self, readings: &[PlannedReading]) -> Plan<ExcerptId> {
        let mut plan = Plan::new();
        for reading in readings {
            plan.entry(self.calendar.day(reading.day))
                .or_default()
                .insert(reading.excerpt);
        }
        plan
    }

    /// What counting this campaign's readings needs.
    pub fn scoring(&self, readings: &[PlannedReading]) -> Scoring {
        Scoring::new(self.rules.clone(), self.plan(readings))
    }
}

/// The longest title of a campaign, and its theme, in characters.
pub const MAX_TITLE: usize = 200;
pub const MAX_THEME: usize = 400;

/// A campaign's title, checked: 1 to `MAX_TITLE` characters.
pub fn title(input: &str) -> Result<String, TextError> {
    required("title", input, MAX_TITLE)
}

/// A campaign's theme, checked: at most `MAX_THEME` characters.
pub fn theme(input: &str) -> Result<String, TextError> {
    bounded("theme", input, MAX_THEME)
}

/// The longest study topic of a week, in characters.
pub const MAX_TOPIC: usize = 200;

/// A week's study topic: trimmed, at most `MAX_TOPIC` characters; an
/// empty topic clears the week's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topic(String);

impl Topic {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        bounded("topic", input, MAX_TOPIC).map(Topic)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a plan assigns from `from` to `to`, both included, day by day;
/// nothing when `to` is before `from`.
pub fn assigned_between<E>(
    plan: &Plan<E>,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Iterator<Item = &E> {
    // `BTreeMap::range` panics on a reversed range.
    let days = (from <= to).then(|| plan.range(from..=to));
    days.into_iter()
        .flatten()
        .flat_map(|(_, excerpts)| excerpts)
}

/// One excerpt of a plan: the campaign day it is read on (0 for the first)
/// and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedReading {
    pub day: usize,
    pub excerpt: ExcerptId,
    pub chars: usize,
}

/// What counting a campaign's readings needs: its points rules and what
/// its plan assigns each day. Kept in memory beside the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    pub rules: PointRules,
    pub plan: Plan<ExcerptId>,
    /// Each planned excerpt's day, for the hot path.
    assigned: HashMap<ExcerptId, NaiveDate>,
}

impl Scoring {
    pub fn new(rules: PointRules, plan: Plan<ExcerptId>) -> Self {
        let assigned = plan
            .iter()
            .flat_map(|(day, excerpts)| excerpts.iter().map(move |e| (*e, *day)))
            .collect();
        Self {
            rules,
            plan,
            assigned,
        }
    }

    /// The day an excerpt is assigned, if it is.
    pub fn assigned_on(&self, excerpt: ExcerptId) -> Option<NaiveDate> {
        self.assigned.get(&excerpt).copied()
    }
}

/// The default zone of a campaign.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;
/// The longest campaign: two years of days.
pub const MAX_DAYS: i64 = 731;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("the campaign ends ({end}) before it starts ({start})")]
    EndsBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("a campaign may last at most {MAX_DAYS} days")]
    TooLong,
    #[error("unknown time zone {0:?}: use an IANA name such as Asia/Shanghai")]
    BadZone(String),
    #[error("week_of: {0} is not the Monday of a week of the campaign")]
    NotAWeek(NaiveDate),
}

pub fn parse_zone(name: &str) -> Result<Tz, CalendarError> {
    name.trim()
        .parse()
        .map_err(|_| CalendarError::BadZone(name.to_owned()))
}

/// A ten-day period of a month: 1 for days 1–10, 2 for 11–20, 3 for 21 to
/// the end of the month (8 to 11 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dekad {
    pub year: i32,
    pub month: u32,
    pub index: u32,
}

impl Dekad {
    pub fn of(date: NaiveDate) -> Self {
        let index = match date.day() {
            1..=10 => 1,
            11..=20 => 2,
            _ => 3,
        };
        Self {
            year: date.year(),
            month: date.month(),
            index,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let day = 1 + (self.index - 1) * 10;
        NaiveDate::from_ymd_opt(self.year, self.month, day).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        match self.index {
            1 | 2 => self.first_day() + Duration::days(9),
            _ => month_end(self.year, self.month),
        }
    }

    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last_day();
        self.first_day().iter_days().take_while(move |d| *d <= last)
    }

    pub fn next(self) -> Self {
        Self::of(self.last_day() + Duration::days(1))
    }
}

/// The last day of a month.
pub fn month_end(year: i32, month: u32) -> NaiveDate {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .map(|first| first - Duration::days(1))
        .unwrap_or(NaiveDate::MAX)
}

/// The instant a local wall-clock time happens on a date in `zone`. In a
/// gap (clocks jump forward) the time does not exist: the first instant
/// after it is used; in an overlap, the earlier of the two.
pub fn local_instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut local = date.and_time(time);
    for _ in 0..180 {
        if let Some(at) = zone.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
        local += Duration::minutes(1);
    }
    // No zone has a gap of three hours; fall back to UTC.
    Utc.from_utc_datetime(&date.and_time(time))
}

/// A campaign's days, in its time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub zone: Tz,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Calendar {
    pub fn new(zone: Tz, start: NaiveDate, end: NaiveDate) -> Result<Self, CalendarError> {
        if end < start {
            return Err(CalendarError::EndsBeforeStart { start, end });
        }
        if (end - start).num_days() + 1 > MAX_DAYS {
            return Err(CalendarError::TooLong);
        }
        Ok(Self { zone, start, end })
    }

    /// The local date at an instant.
    pub fn date_at(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.zone).date_naive()
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    pub fn len(&self) -> usize {
        ((self.end - self.start).num_days() + 1) as usize
    }

    /// Never: a calendar ends on or after its first day.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The campaign's day number of a date (0 for the first day).
    pub fn day_index(&self, date: NaiveDate) -> Option<usize> {
        self.contains(date)
            .then(|| (date - self.start).num_days() as usize)
    }

    /// The date of the campaign's day `index` (0 for the first day).
    pub fn day(&self, index: usize) -> NaiveDate {
        self.start + Duration::days(i64::try_from(index).unwrap_or(MAX_DAYS))
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }

    /// The Monday that starts the ISO week of a date: the key of a week's
    /// study topic.
    pub fn week_of(date: NaiveDate) -> NaiveDate {
        date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
    }

    /// `week_of`, when it is the Monday of a week the campaign touches.
    pub fn week(&self, week_of: NaiveDate) -> Result<NaiveDate, CalendarError> {
        if self.weeks().contains(&week_of) {
            Ok(week_of)
        } else {
            Err(CalendarError::NotAWeek(week_of))
        }
    }

    /// The weeks the campaign touches, by their Mondays.
    pub fn weeks(&self) -> Vec<NaiveDate> {
        let mut weeks: Vec<NaiveDate> = self.days().map(Self::week_of).collect();
        weeks.dedup();
        weeks
    }

    /// The ISO week (year, week) a date belongs to.
    pub fn iso_week(date: NaiveDate) -> (i32, u32) {
        let week = date.iso_week();
        (week.year(), week.week())
    }

    /// The instant a local wall-clock time happens on a date (see
    /// [`local_instant`]).
    pub fn instant(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        local_instant(self.zone, date, time)
    }

    /// Whether an instant is at or after `evening` on its local day.
    pub fn is_evening(&self, instant: DateTime<Utc>, evening: NaiveTime) -> bool {
        instant >= self.instant(self.date_at(instant), evening)
    }
}

/// Spreads collections read one after another over `days` days: each
/// collection gets whole days in proportion to its length (at least one,
/// and no more than it has excerpts), so that a day's reading stays within
/// one collection; the ranges index the collections' excerpts laid end to
/// end. With more collections than days, days must mix them, and the whole
/// list is spread as one.
pub fn spread_collections(collections: &[Vec<usize>], days: usize) -> Vec<Range<usize>> {
    let all: Vec<usize> = collections.iter().flatten().copied().collect();
    let filled: Vec<&Vec<usize>> = collections.iter().filter(|c| !c.is_empty()).collect();
    if filled.len() <= 1 || filled.len() > days {
        return spread(&all, days);
    }
    let weight = |c: &Vec<usize>| c.iter().map(|l| (*l).max(1)).sum::<usize>();
    let total: usize = filled.iter().map(|c| weight(c)).sum();
    // Each collection's fair share of the days, and whole days for it.
    let share: Vec<f64> = filled
        .iter()
        .map(|c| days as f64 * weight(c) as f64 / total as f64)
        .collect();
    let mut given: Vec<usize> = filled
        .iter()
        .zip(&share)
        .map(|(c, s)| (s.floor() as usize).clamp(1, c.len()))
        .collect();
    // Hand out what rounding left over, or take back what the one-day
    // minimum overspent, where the share is furthest from the days given.
    loop {
        let sum: usize = given.iter().sum();
        let pick = if sum < days {
            (0..given.len())
                .filter(|i| given[*i] < filled[*i].len())
                .max_by(|a, b| {
                    (share[*a] - given[*a] as f64).total_cmp(&(share[*b] - given[*b] as f64))
                })
                .map(|i| (i, true))
        } else if sum > days {
            (0..given.len())
                .filter(|i| given[*i] > 1)
                .min_by(|a, b| {
                    (share[*a] - given[*a] as f64).total_cmp(&(share[*b] - given[*b] as f64))
                })
                .map(|i| (i, false))
        } else {
            None
        };
        match pick {
            Some((i, true)) => given[i] += 1,
            Some((i, false)) => given[i] -= 1,
            None => break,
        }
    }
    let mut ranges = Vec::with_capacity(days);
    let mut offset = 0;
    for (collection, days) in filled.iter().zip(given) {
        ranges.extend(
            spread(collection, days)
                .into_iter()
                .map(|r| r.start + offset..r.end + offset),
        );
        offset += collection.len();
    }
    // Days every collection was too short to fill read nothing.
    ranges.resize(days, all.len()..all.len());
    ranges
}

/// Spreads an ordered reading list over `days` days by length: day `d`
/// takes the excerpts whose cumulative length midpoint falls in its share,
/// so days carry about the same amount of text, every excerpt is read
/// exactly once and in order, and — when there are at least as many
/// excerpts as days — no day is empty.
pub fn spread(lengths: &[usize], days: usize) -> Vec<Range<usize>> {
    if days == 0 {
        return Vec::new();
    }
    let n = lengths.len();
    if n <= days {
        return (0..days)
            .map(|d| if d < n { d..d + 1 } else { n..n })
            .collect();
    }
    let total: usize = lengths.iter().map(|l| (*l).max(1)).sum();
    let mut ranges = Vec::with_capacity(days);
    let mut start = 0;
    let mut before = 0usize;
    for day in 0..days {
        let days_left = days - day;
        // Leave at least one excerpt for each day still to come.
        let latest_end = n - (days_left - 1);
        let target = total * (day + 1) / days;
        let mut end = start + 1;
        let mut sum = before + lengths[start].max(1);
        while end < latest_end && sum + lengths[end].max(1) / 2 <= target {
            sum += lengths[end].max(1);
            end += 1;
        }
        if day == days - 1 {
            end = n;
        }
        ranges.push(start..end);
        before = lengths[..end].iter().map(|l| (*l).max(1)).sum();
        start = end;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_is_named_by_a_monday_the_campaign_touches() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        let calendar = Calendar::new(DEFAULT_ZONE, day(3), day(16)).expect("calendar");
        assert_eq!(calendar.week(day(7)), Ok(day(7)));
        let first_week = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a Monday");
        assert_eq!(calendar.week(first_week), Ok(first_week), "the first day's");
        assert_eq!(calendar.week(day(8)), Err(CalendarError::NotAWeek(day(8))));
        assert_eq!(
            calendar.week(day(21)),
            Err(CalendarError::NotAWeek(day(21)))
        );
    }

    #[test]
    fn a_reversed_range_of_days_assigns_nothing() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        let plan: Plan<u32> = [(day(1), [1, 2].into()), (day(2), [3].into())].into();
        let between = |from, to| {
            assigned_between(&plan, from, to)
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(between(day(1), day(2)), [1, 2, 3]);
        assert_eq!(between(day(2), day(2)), [3]);
        assert_eq!(between(day(2), day(1)), Vec::<u32>::new());
    }
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn dekads_split_months() {
        assert_eq!(Dekad::of(date(2026, 2, 10)).index, 1);
        assert_eq!(Dekad::of(date(2026, 2, 11)).index, 2);
        assert_eq!(Dekad::of(date(2026, 2, 28)).last_day(), date(2026, 2, 28));
        assert_eq!(Dekad::of(date(2024, 2, 21)).last_day(), date(2024, 2, 29));
        assert_eq!(Dekad::of(date(2026, 1, 25)).days().count(), 11);
        assert_eq!(
            Dekad::of(date(2026, 12, 25)).next(),
            Dekad {
                year: 2027,
                month: 1,
                index: 1
            }
        );
    }

    #[test]
    fn calendars_check_their_dates() {
        assert!(Calendar::new(DEFAULT_ZONE, date(2026, 3, 2), date(2026, 3, 1)).is_err());
        assert!(Calendar::new(DEFAULT_ZONE, date(2026, 1, 1), date(2028, 1, 2)).is_err());
        assert_eq!(parse_zone("Asia/Shanghai"), Ok(DEFAULT_ZONE));
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn local_days_and_evenings() {
        let calendar =
            Calendar::new(DEFAULT_ZONE, date(2026, 11, 1), date(2026, 11, 30)).expect("calendar");
        // 16:30 UTC is 00:30 the next day in Shanghai.
        let late = Utc
            .with_ymd_and_hms(2026, 11, 24, 16, 30, 0)
            .single()
            .expect("instant");
        assert_eq!(calendar.date_at(late), date(2026, 11, 25));
        let eight = NaiveTime::from_hms_opt(20, 0, 0).expect("time");
        assert_eq!(
            calendar.instant(date(2026, 11, 25), eight),
            Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
                .single()
                .expect("utc")
        );
        assert!(
            calendar.is_evening(
                Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
                    .single()
                    .expect("utc"),
                eight
            )
        );
        assert!(
            !calendar.is_evening(
                Utc.with_ymd_and_hms(2026, 11, 25, 11, 59, 0)
                    .single()
                    .expect("utc"),
                eight
            )
        );
        assert_eq!(calendar.day_index(date(2026, 11, 25)), Some(24));
        assert_eq!(Calendar::iso_week(date(2026, 1, 1)), (2026, 1));
        // 2026-11-25 is a Wednesday; its week starts on Monday the 23rd.
        assert_eq!(Calendar::week_of(date(2026, 11, 25)), date(2026, 11, 23));
        assert_eq!(
            calendar.weeks().first().copied(),
            Some(date(2026, 10, 26)),
            "November 2026 opens in the week of 26 October"
        );
        assert_eq!(calendar.weeks().len(), 6);
    }

    #[test]
    fn a_wall_clock_time_in_a_gap_moves_to_after_it() {
        let calendar = Calendar::new(
            chrono_tz::America::New_York,
            date(2026, 3, 1),
            date(2026, 3, 31),
        )
        .expect("calendar");
        // 2026-03-08 02:30 does not exist in New York (clocks jump to 03:00).
        let at = calendar.instant(
            date(2026, 3, 8),
            NaiveTime::from_hms_opt(2, 30, 0).expect("time"),
        );
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0)
                .single()
                .expect("utc")
        );
    }

    #[test]
    fn reading_is_spread_by_length() {
        let ranges = spread(&[100, 100, 100, 100], 2);
        assert_eq!(ranges, [0..2, 2..4]);
        let ranges = spread(&[1000, 10, 10, 10, 10, 10], 2);
        assert_eq!(ranges, [0..1, 1..6]);
        assert_eq!(spread(&[5, 5], 4), [0..1, 1..2, 2..2, 2..2]);
    }

    #[test]
    fn a_day_reads_from_one_collection_where_the_days_allow() {
        // A long code and a short amendment over five days: four and one.
        let ranges = spread_collections(&[vec![100; 8], vec![30, 30]], 5);
        assert_eq!(ranges, [0..2, 2..4, 4..6, 6..8, 8..10]);
        // A tiny collection still gets a day of its own.
        let ranges = spread_collections(&[vec![10], vec![1000; 6]], 3);
        assert_eq!(ranges, [0..1, 1..4, 4..7]);
        // More collections than days: they share days.
        let ranges = spread_collections(&[vec![10], vec![10], vec![10]], 2);
        assert_eq!(ranges.len(), 2);
        assert_eq!(ranges[1].end, 3);
        // Too few excerpts for the days: the last days are empty.
        let ranges = spread_collections(&[vec![10], vec![10]], 4);
        assert_eq!(ranges, [0..1, 1..2, 2..2, 2..2]);
    }

    fn zones() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(chrono_tz::Asia::Shanghai),
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::Europe::London),
            Just(chrono_tz::Australia::Lord_Howe),
        ]
    }

    proptest! {
        #[test]
        fn every_day_is_in_exactly_one_dekad(days in 0i64..20_000) {
            let day = date(2000, 1, 1) + Duration::days(days);
            let dekad = Dekad::of(day);
            prop_assert!(dekad.first_day() <= day && day <= dekad.last_day());
            let others = [dekad.index % 3 + 1, (dekad.index + 1) % 3 + 1];
            for index in others {
                let other = Dekad { index, ..dekad };
                prop_assert!(!(other.first_day() <= day && day <= other.last_day()));
            }
            // The dekads of a month tile it: 28 to 31 days in all.
            let month: usize = (1..=3).map(|index| Dekad { index, ..dekad }.days().count()).sum();
            prop_assert!((28..=31).contains(&month));
            prop_assert_eq!(month as u32, month_end(dekad.year, dekad.month).day());
        }

        #[test]
        fn local_times_round_trip_outside_gaps(zone in zones(), days in 0i64..3_000, minutes in 0u32..1440) {
            let calendar = Calendar::new(zone, date(2020, 1, 1), date(2021, 12, 31)).expect("calendar");
            let day = date(2020, 1, 1) + Duration::days(days);
            let time = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).expect("time");
            let at = calendar.instant(day, time);
            let local = at.with_timezone(&zone);
            // Either the exact wall-clock time, or (in a gap) later the same day or the next.
            prop_assert!(local.date_naive() == day || local.date_naive() == day + Duration::days(1));
            if zone.from_local_datetime(&day.and_time(time)).single().is_some() {
                prop_assert_eq!(local.naive_local(), day.and_time(time));
            }
            prop_assert!(calendar.date_at(at) >= day);
        }

        #[test]
        fn a_spread_reads_everything_once_in_order(lengths in proptest::collection::vec(0usize..5_000, 0..300), days in 1usize..60) {
            let ranges = spread(&lengths, days);
            prop_assert_eq!(ranges.len(), days);
            let mut next = 0;
            for range in &ranges {
                prop_assert_eq!(range.start, next);
                next = range.end;
            }
            prop_assert_eq!(next, lengths.len());
            if lengths.len() >= days {
                prop_assert!(ranges.iter().all(|r| !r.is_empty()));
            }
        }

        #[test]
        fn a_spread_of_collections_reads_everything_once_and_mixes_only_when_it_must(
            collections in proptest::collection::vec(proptest::collection::vec(0usize..3_000, 0..40), 0..6),
            days in 1usize..60,
        ) {
            let ranges = spread_collections(&collections, days);
            prop_assert_eq!(ranges.len(), days);
            let mut next = 0;
            for range in &ranges {
                prop_assert_eq!(range.start, next);
                next = range.end;
            }
            let n: usize = collections.iter().map(Vec::len).sum();
            prop_assert_eq!(next, n);
            let filled = collections.iter().filter(|c| !c.is_empty()).count();
            if filled <= days {
                // Where each excerpt's collection starts and ends.
                let mut owner = Vec::new();
                for (i, c) in collections.iter().enumerate() {
                    owner.extend(std::iter::repeat_n(i, c.len()));
                }
                for range in ranges.iter().filter(|r| !r.is_empty()) {
                    prop_assert_eq!(owner[range.start], owner[range.end - 1]);
                }
            }
        }
    }
}
