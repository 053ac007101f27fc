//! Daily reading: when a reading mark is plausible, what kind of reading it
//! records, and the points and streaks derived from the recorded actions.
//!
//! Points are never stored as a running total: they are a pure function of
//! the actions (`tally`), so recomputing them from scratch always gives the
//! same figures, whatever order the actions arrived in.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

use crate::library::ExcerptId;
use crate::members::MemberId;

/// The fastest a person plausibly reads study material, in characters a
/// minute. Careful reading of Chinese runs at 300–600; skimming at about
/// 1,000. A mark that claims more is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingPace {
    pub chars_per_minute: u32,
}

impl Default for ReadingPace {
    fn default() -> Self {
        Self {
            chars_per_minute: 1_000,
        }
    }
}

/// No mark is plausible in less time than this, however short the text.
pub const MIN_SECONDS: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarkError {
    #[error(
        "{chars} characters cannot be read in {seconds} s: at least {needed} s on the page are needed"
    )]
    TooFast {
        chars: usize,
        seconds: u32,
        needed: u32,
    },
    #[error(
        "the excerpt was opened {elapsed} s ago: {chars} characters need at least {needed} s on the page"
    )]
    TooSoon {
        chars: usize,
        elapsed: u32,
        needed: u32,
    },
    #[error("the page was not read to its end")]
    NotToTheEnd,
    #[error("reading speed must be between 100 and 100,000 characters a minute")]
    BadPace,
}

impl ReadingPace {
    pub fn new(chars_per_minute: u32) -> Result<Self, MarkError> {
        if (100..=100_000).contains(&chars_per_minute) {
            Ok(Self { chars_per_minute })
        } else {
            Err(MarkError::BadPace)
        }
    }

    /// The least time on the page that a text of `chars` characters needs.
    pub fn min_seconds(self, chars: usize) -> u32 {
        let per_minute = u64::from(self.chars_per_minute.max(1));
        let seconds = (chars as u64 * 60).div_ceil(per_minute);
        u32::try_from(seconds).unwrap_or(u32::MAX).max(MIN_SECONDS)
    }

    /// Whether a report of time on the page is a plausible reading.
    pub fn check(self, chars: usize, seconds: u32, reached_end: bool) -> Result<(), MarkError> {
        if !reached_end {
            return Err(MarkError::NotToTheEnd);
        }
        let needed = self.min_seconds(chars);
        if seconds < needed {
            return Err(MarkError::TooFast {
                chars,
                seconds,
                needed,
            });
        }
        Ok(())
    }

    /// The time a reading counts for, from the seconds the reader claims
    /// and the seconds since the server handed the excerpt out: the
    /// smaller of the two, and only when both are plausible (a claim never
    /// counts for more than the time that has passed).
    pub fn accept(
        self,
        chars: usize,
        claimed: u32,
        since_opened: u32,
        reached_end: bool,
    ) -> Result<u32, MarkError> {
        if !reached_end {
            return Err(MarkError::NotToTheEnd);
        }
        let needed = self.min_seconds(chars);
        if since_opened < needed {
            return Err(MarkError::TooSoon {
                chars,
                elapsed: since_opened,
                needed,
            });
        }
        let seconds = claimed.min(since_opened);
        self.check(chars, seconds, true)?;
        Ok(seconds)
    }
}

/// How long an opening stamp may wait for its mark: long enough for a
/// phone that cached the week's reading to send it when back online.
pub const STAMP_DAYS: i64 = 7;

/// When the server handed a member an excerpt to read. The server signs
/// it (the signature is the web's business) and a mark must bring it
/// back, so that the time spent reading is measured on the server's
/// clock rather than taken from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub member: MemberId,
    pub excerpt: ExcerptId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StampError {
    #[error(
        "stamp: missing; a mark carries the opening stamp handed out with its excerpt (GET /api/v1/me/today or /api/v1/excerpts/{{id}})"
    )]
    Missing,
    #[error("stamp: {0:?} is not an opening stamp; take the one handed out with the excerpt")]
    Malformed(String),
    #[error("stamp: it was not signed by this server; take the one handed out with the excerpt")]
    Forged,
    #[error("stamp: it was handed to another member")]
    OtherMember,
    #[error("stamp: it was handed out for excerpt {stamped}, not {marked}")]
    OtherExcerpt { stamped: i64, marked: i64 },
    #[error("stamp: it is more than {STAMP_DAYS} days old; open the excerpt again")]
    Expired,
}

impl Opening {
    /// What the server signs.
    pub fn signed_text(&self) -> String {
        format!(
            "opening:{}:{}:{}",
            self.member.0,
            self.excerpt.0,
            self.at.timestamp()
        )
    }

    /// The stamp handed out: the opening and its signature.
    pub fn stamp(&self, signature: &str) -> String {
        format!(
            "{}.{}.{}.{signature}",
            self.member.0,
            self.excerpt.0,
            self.at.timestamp()
        )
    }

    /// Reads a stamp back into its opening and signature (not yet checked).
    pub fn parse(stamp: &str) -> Result<(Self, &str), StampError> {
        let malformed = || StampError::Malformed(stamp.chars().take(80).collect());
        let mut parts = stamp.trim().splitn(4, '.');
        let mut number = || -> Result<i64, StampError> {
            parts
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(malformed)
        };
        let (member, excerpt, secs) = (number()?, number()?, number()?);
        let signature = parts
            .next()
            .filter(|s| !s.is_empty())
            .ok_or_else(malformed)?;
        let at = DateTime::from_timestamp(secs, 0).ok_or_else(malformed)?;
        let opening = Self {
            member: MemberId(member),
            excerpt: ExcerptId(excerpt),
            at,
        };
        Ok((opening, signature))
    }

    /// Whether this opening stands behind `member`'s mark of `excerpt`
    /// at `now`: the seconds since it, when it does.
    pub fn vouch(
        &self,
        member: MemberId,
        excerpt: ExcerptId,
        now: DateTime<Utc>,
    ) -> Result<u32, StampError> {
        if self.member != member {
            return Err(StampError::OtherMember);
        }
        if self.excerpt != excerpt {
            return Err(StampError::OtherExcerpt {
                stamped: self.excerpt.0,
                marked: excerpt.0,
            });
        }
        let elapsed = now - self.at;
        if elapsed > Duration::days(STAMP_DAYS) {
            return Err(StampError::Expired);
        }
        // A stamp from an instance whose clock runs ahead counts from now.
        Ok(u32::try_from(elapsed.num_seconds().max(0)).unwrap_or(u32::MAX))
    }
}

/// The id a client gives a reading mark, so that a retry or an offline
/// replay of the same reading is recorded once: a UUID, kept in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MarkId(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a mark id is a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427, not {0:?}")]
pub struct BadMarkId(pub String);

impl MarkId {
    pub fn parse(input: &str) -> Result<Self, BadMarkId> {
        let id = input.trim().to_ascii_lowercase();
        let groups: Vec<&str> = id.split('-').collect();
        let shaped = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups
                .iter()
                .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
        if shaped {
            Ok(Self(id))
        } else {
            Err(BadMarkId(input.chars().take(60).collect()))
        }
    }

    /// A version 7 UUID: the time in milliseconds first, then random bits.
    /// Ids made this way are stored in the order they are made, which keeps
    /// their index append-only; clients should prefer them.
    pub fn v7(unix_ms: u64, random: [u8; 10]) -> Self {
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
        bytes[6..].copy_from_slice(&random);
        bytes[6] = (bytes[6] & 0x0f) | 0x70;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a reading mark records, from the day the plan assigned the excerpt
/// and the day it was read (both in the campaign's zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// The day's assignment, read that day.
    OnTime,
    /// An earlier day's assignment, caught up.
    Late,
    /// Anything else: material not assigned, or assigned for a later day.
    Extra,
}

impl MarkKind {
    pub fn of(assigned_on: Option<NaiveDate>, read_on: NaiveDate) -> Self {
        match assigned_on {
            Some(day) if day == read_on => MarkKind::OnTime,
            Some(day) if day < read_on => MarkKind::Late,
            _ => MarkKind::Extra,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MarkKind::OnTime => "on_time",
            MarkKind::Late => "late",
            MarkKind::Extra => "extra",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [MarkKind::OnTime, MarkKind::Late, MarkKind::Extra]
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

/// An action that earns points. Later capabilities (tests, gatherings)
/// add theirs here, so that one rule set and one tally cover them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Reading one of the day's assigned excerpts on its day.
    DailyReading,
    /// Catching up an earlier day's excerpt.
    CatchUpReading,
    /// Reading beyond the plan.
    ExtraReading,
    /// A day on which the streak of days read in full reaches a multiple
    /// of the streak length.
    StreakBonus,
    /// Passing one of the campaign's tests (its best attempt counts).
    TestPassed,
    /// Full marks in one of the campaign's tests, on top of passing.
    TestFullMarks,
    /// Being at a gathering (on time or late), on its day.
    Attendance,
    /// A reflection on a gathering accepted, on the day it was accepted.
    ReflectionAccepted,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::DailyReading,
        Action::CatchUpReading,
        Action::ExtraReading,
        Action::StreakBonus,
        Action::TestPassed,
        Action::TestFullMarks,
        Action::Attendance,
        Action::ReflectionAccepted,
    ];

    /// The name of the action in rules and forms.
    pub fn code(self) -> &'static str {
        match self {
            Action::DailyReading => "daily_reading",
            Action::CatchUpReading => "catch_up_reading",
            Action::ExtraReading => "extra_reading",
            Action::StreakBonus => "streak_bonus",
            Action::TestPassed => "test_passed",
            Action::TestFullMarks => "test_full_marks",
            Action::Attendance => "attendance",
            Action::ReflectionAccepted => "reflection_accepted",
        }
    }

    pub fn of_mark(kind: MarkKind) -> Self {
        match kind {
            MarkKind::OnTime => Action::DailyReading,
            MarkKind::Late => Action::CatchUpReading,
            MarkKind::Extra => Action::ExtraReading,
        }
    }
}

/// Points for one action, and the most it may earn in one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub points: u32,
    pub daily_cap: u32,
}

/// A campaign's points rules: one rule per action (an action without a
/// rule earns nothing), and the streak length that earns the bonus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointRules {
    pub rules: BTreeMap<Action, Rule>,
    /// The bonus is earned on each day the streak reaches a multiple of
    /// this many days.
    pub streak_every: u32,
}

impl Default for PointRules {
    /// In the spirit of the big study apps: a point an article, a few a
    /// day; catching up earns less; a week's unbroken streak earns a bonus;
    /// a passed test earns five, full marks five more; being at a gathering
    /// earns three, a reflection accepted three more.
    fn default() -> Self {
        let rule = |points, daily_cap| Rule { points, daily_cap };
        Self {
            rules: BTreeMap::from([
                (Action::DailyReading, rule(2, 6)),
                (Action::CatchUpReading, rule(1, 3)),
                (Action::ExtraReading, rule(1, 3)),
                (Action::StreakBonus, rule(5, 5)),
                (Action::TestPassed, rule(5, 10)),
                (Action::TestFullMarks, rule(5, 10)),
                (Action::Attendance, rule(3, 6)),
                (Action::ReflectionAccepted, rule(3, 6)),
            ]),
            streak_every: 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RulesError {
    #[error("the points rules are not valid JSON: {0}")]
    Json(String),
    #[error("{action:?}: a daily cap ({cap}) below its points ({points}) could never be earned")]
    CapBelowPoints {
        action: Action,
        points: u32,
        cap: u32,
    },
    #[error("the streak length must be between 1 and 366 days")]
    StreakLength,
}

impl PointRules {
    pub fn validate(self) -> Result<Self, RulesError> {
        for (action, rule) in &self.rules {
            if rule.daily_cap < rule.points {
                return Err(RulesError::CapBelowPoints {
                    action: *action,
                    points: rule.points,
                    cap: rule.daily_cap,
                });
            }
        }
        if !(1..=366).contains(&self.streak_every) {
            return Err(RulesError::StreakLength);
        }
        Ok(self)
    }

    pub fn from_json(text: &str) -> Result<Self, RulesError> {
        serde_json::from_str::<Self>(text)
            .map_err(|e| RulesError::Json(e.to_string()))?
            .validate()
    }

    pub fn to_json(&self) -> String {
        // A map of plain enums and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn rule(&self, action: Action) -> Option<Rule> {
        self.rules.get(&action).copied()
    }

    /// Whether the day that makes a run of `run` days read in full earns
    /// the streak bonus: each multiple of the streak length does.
    pub fn earns_bonus(&self, run: u32) -> bool {
        run > 0 && run.is_multiple_of(self.streak_every.max(1))
    }

    /// Whether a day that makes a run of `run` days read in full counts
    /// as a day on a streak, in the figures.
    pub fn on_streak(&self, run: u32) -> bool {
        run >= self.streak_every.max(1)
    }

    /// The points an action done `times` in one day earns: its points
    /// each time, up to its daily cap.
    pub fn points_for(&self, action: Action, times: u32) -> u32 {
        self.rule(action).map_or(0, |rule| {
            rule.points.saturating_mul(times).min(rule.daily_cap)
        })
    }
}

/// One recorded action of a member on a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    pub on: NaiveDate,
    pub action: Action,
}

/// The days in an unbroken run of daily reading that ends on `today`, or
/// on the day before when today's reading is still to come.
pub fn streak(days_read: &BTreeSet<NaiveDate>, today: NaiveDate) -> u32 {
    let last = runs(days_read).into_iter().rfind(|(day, _)| *day <= today);
    streak_of(last, today)
}

/// A member's last day read in full and the length of the run it ends.
pub type Run = (NaiveDate, u32);

/// The streak a member's last run makes on `today`: its length while it
/// ends today or yesterday (today's reading still to come), else none.
pub fn streak_of(run: Option<Run>, today: NaiveDate) -> u32 {
    let yesterday = today - Duration::days(1);
    run.filter(|(last, _)| *last == today || *last == yesterday)
        .map_or(0, |(_, length)| length)
}

/// The run a member's newly completed `day` makes, after their `last`
/// completed day and its run: one more when `last` was the day before,
/// else a new run of one. `None` when `day` is not after `last` (a day
/// completed out of order, as by marks from two instances either side of
/// midnight), which leaves the run as it was.
pub fn next_run(last: Option<Run>, day: NaiveDate) -> Option<u32> {
    match last {
        Some((previous, run)) if previous.succ_opt() == Some(day) => Some(run + 1),
        Some((previous, _)) if previous >= day => None,
        _ => Some(1),
    }
}

/// Each day read in full, with the length of the unbroken run of such
/// days that it ends: the one account of runs that streaks, their bonus
/// and the figures share.
pub fn runs(days_read: &BTreeSet<NaiveDate>) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::with_capacity(days_read.len());
    for day in days_read {
        if let Some(run) = next_run(out.last().copied(), *day) {
            out.push((*day, run));
        }
    }
    out
}

/// Points earned, day by day and rule by rule, capped per day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub by_day: BTreeMap<NaiveDate, BTreeMap<Action, u32>>,
}

impl Tally {
    pub fn total(&self) -> u64 {
        self.by_day
            .values()
            .flat_map(|day| day.values())
            .map(|points| u64::from(*points))
            .sum()
    }

    pub fn on(&self, day: NaiveDate) -> BTreeMap<Action, u32> {
        self.by_day.get(&day).cloned().unwrap_or_default()
    }
}

/// What a campaign's plan assigns, day by day.
pub type Plan<E> = BTreeMap<NaiveDate, BTreeSet<E>>;

/// The days on which a member read the whole of that day's assignment on
/// time (repeats are harmless).
pub fn days_read<E: Ord + Copy>(plan: &Plan<E>, marks: &[Reading<E>]) -> BTreeSet<NaiveDate> {
    let mut read: BTreeMap<NaiveDate, BTreeSet<E>> = BTreeMap::new();
    for (day, _, excerpt) in marks
        .iter()
        .filter(|(_, kind, _)| *kind == MarkKind::OnTime)
    {
        read.entry(*day).or_default().insert(*excerpt);
    }
    read.into_iter()
        .filter(|(day, excerpts)| {
            plan.get(day)
                .is_some_and(|assigned| !assigned.is_empty() && assigned.is_subset(excerpts))
        })
        .map(|(day, _)| day)
        .collect()
}

/// Whether everything assigned for `day` was read on it, on time.
pub fn read_in_full<E: Ord + Copy>(
    assigned: &BTreeSet<E>,
    marks: &[Reading<E>],
    day: NaiveDate,
) -> bool {
    let read: BTreeSet<E> = marks
        .iter()
        .filter(|(on, kind, _)| *on == day && *kind == MarkKind::OnTime)
        .map(|(_, _, e)| *e)
        .collect();
    assigned.is_subset(&read)
}

/// Whether everything assigned for `day` was read on it or since (what
/// `day_status` calls late, when not read on the day).
pub fn caught_up<E: Ord + Copy>(
    assigned: &BTreeSet<E>,
    marks: &[Reading<E>],
    day: NaiveDate,
) -> bool {
    let since: BTreeSet<E> = marks
        .iter()
        .filter(|(on, kind, _)| *on >= day && *kind != MarkKind::Extra)
        .map(|(_, _, e)| *e)
        .collect();
    !assigned.is_empty() && assigned.is_subset(&since)
}

/// How a day of a campaign went for a member, for the history calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayStatus {
    /// The whole assignment read on the day.
    Read,
    /// The whole assignment read, some of it caught up later.
    Late,
    /// A past day whose assignment is not (wholly) read.
    Missed,
    /// Today, not yet read.
    Open,
    /// A day to come, or a day with nothing assigned.
    Nothing,
}

impl DayStatus {
    pub fn code(self) -> &'static str {
        match self {
            DayStatus::Read => "read",
            DayStatus::Late => "late",
            DayStatus::Missed => "missed",
            DayStatus::Open => "open",
            DayStatus::Nothing => "nothing",
        }
    }
}

/// The status of `day` given everything a member has read.
pub fn day_status<E: Ord + Copy>(
    plan: &Plan<E>,
    marks: &[Reading<E>],
    day: NaiveDate,
    today: NaiveDate,
) -> DayStatus {
    let Some(assigned) = plan.get(&day).filter(|a| !a.is_empty()) else {
        return DayStatus::Nothing;
    };
    if day > today {
        return DayStatus::Nothing;
    }
    if read_in_full(assigned, marks, day) {
        return DayStatus::Read;
    }
    if caught_up(assigned, marks, day) {
        DayStatus::Late
    } else if day == today {
        DayStatus::Open
    } else {
        DayStatus::Missed
    }
}

/// The points a member's actions earn under `rules`. Streak bonuses are
/// derived here from the days read in full, so they need no event of
/// their own.
pub fn tally(rules: &PointRules, events: &[Event], days_read: &BTreeSet<NaiveDate>) -> Tally {
    let mut counts: BTreeMap<(NaiveDate, Action), u32> = BTreeMap::new();
    for event in events {
        *counts.entry((event.on, event.action)).or_default() += 1;
    }
    for (day, run) in runs(days_read) {
        if rules.earns_bonus(run) {
            *counts.entry((day, Action::StreakBonus)).or_default() += 1;
        }
    }
    let mut tally = Tally::default();
    for ((day, action), count) in counts {
        let points = rules.points_for(action, count);
        if points > 0 {
            tally.by_day.entry(day).or_default().insert(action, points);
        }
    }
    tally
}

/// Where a member stands in a campaign today: whether today's reading is
/// done, the current streak, the points so far and today's, rule by rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub read_today: bool,
    pub streak: u32,
    pub points: u64,
    pub today: BTreeMap<Action, u32>,
}

/// How a member's best attempt at one of the campaign's tests went, on
/// the local day it was handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestOutcome {
    pub on: NaiveDate,
    pub passed: bool,
    pub full_marks: bool,
}

impl TestOutcome {
    /// A best attempt handed in `on` a day, scoring `percent`: full marks
    /// are a hundred per cent.
    pub fn of(on: NaiveDate, percent: f64, passed: bool) -> Self {
        Self {
            on,
            passed,
            full_marks: percent >= 100.0,
        }
    }

    pub fn events(&self) -> Vec<Event> {
        let mut events = Vec::new();
        if self.passed {
            events.push(Event {
                on: self.on,
                action: Action::TestPassed,
            });
        }
        if self.full_marks {
            events.push(Event {
                on: self.on,
                action: Action::TestFullMarks,
            });
        }
        events
    }
}

/// One recorded reading: its local day, its kind and what was read.
pub type Reading<E> = (NaiveDate, MarkKind, E);

impl Standing {
    /// Derives everything from the plan, every mark and the member's other
    /// actions (tests, gatherings): the recount's way.
    pub fn of<E: Ord + Copy>(
        rules: &PointRules,
        plan: &Plan<E>,
        marks: &[Reading<E>],
        others: &[Event],
        today: NaiveDate,
    ) -> Self {
        let days_read = days_read(plan, marks);
        let events: Vec<Event> = marks
            .iter()
            .map(|(on, kind, _)| Event {
                on: *on,
                action: Action::of_mark(*kind),
            })
            .chain(others.iter().copied())
            .collect();
        let tally = tally(rules, &events, &days_read);
        Self {
            read_today: days_read.contains(&today),
            streak: streak(&days_read, today),
            points: tally.total(),
            today: tally.on(today),
        }
    }

    /// The same from what is kept on write: the member's run of days read
    /// in full, their points so far, and today's readings and other
    /// actions. Its cost does not grow with the member's history.
    pub fn kept<E: Ord + Copy>(
        rules: &PointRules,
        assigned_today: Option<&BTreeSet<E>>,
        run: Option<Run>,
        points: u64,
        today_readings: &[Reading<E>],
        today_others: &[Event],
        today: NaiveDate,
    ) -> Self {
        let events: Vec<Event> = today_readings
            .iter()
            .filter(|(on, _, _)| *on == today)
            .map(|(on, kind, _)| Event {
                on: *on,
                action: Action::of_mark(*kind),
            })
            .chain(today_others.iter().filter(|e| e.on == today).copied())
            .collect();
        let mut today_points = tally(rules, &events, &BTreeSet::new()).on(today);
        if let Some((last, length)) = run
            && last == today
            && rules.earns_bonus(length)
        {
            let bonus = rules.points_for(Action::StreakBonus, 1);
            if bonus > 0 {
                today_points.insert(Action::StreakBonus, bonus);
            }
        }
        Self {
            read_today: assigned_today.is_some_and(|assigned| {
                !assigned.is_empty() && read_in_full(assigned, today_readings, today)
            }),
            streak: streak_of(run, today),
            points,
            today: today_points,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    #[test]
    fn five_thousand_characters_take_more_than_three_seconds() {
        let pace = ReadingPace::default();
        assert!(matches!(
            pace.check(5_000, 3, true),
            Err(MarkError::TooFast { needed: 300, .. })
        ));
        assert_eq!(pace.check(5_000, 300, true), Ok(()));
        assert!(pace.check(10, 1, true).is_err());
        assert_eq!(pace.check(10, MIN_SECONDS, true), Ok(()));
        assert_eq!(pace.check(10, 600, false), Err(MarkError::NotToTheEnd));
        assert!(ReadingPace::new(50).is_err());
    }

    #[test]
    fn mark_ids_are_uuids() {
        let id = MarkId::parse(" 1B4E28BA-2FA1-11D2-883F-0016D3CCA427 ").expect("a uuid");
        assert_eq!(id.as_str(), "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
        for bad in [
            "",
            "1",
            "1b4e28ba2fa111d2883f0016d3cca427",
            "1b4e28ba-2fa1-11d2-883f-0016d3cca42g",
        ] {
            assert!(MarkId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn version_7_ids_sort_by_time() {
        let early = MarkId::v7(1_764_000_000_000, [0xff; 10]);
        let late = MarkId::v7(1_764_000_000_001, [0; 10]);
        assert!(early < late);
        assert_eq!(MarkId::parse(early.as_str()), Ok(early.clone()));
        assert_eq!(&early.as_str()[14..15], "7");
    }

    #[test]
    fn kinds_follow_the_plan() {
        assert_eq!(MarkKind::of(Some(day(5)), day(5)), MarkKind::OnTime);
        assert_eq!(MarkKind::of(Some(day(3)), day(5)), MarkKind::Late);
        assert_eq!(MarkKind::of(Some(day(6)), day(5)), MarkKind::Extra);
        assert_eq!(MarkKind::of(None, day(5)), MarkKind::Extra);
        for kind in [MarkKind::OnTime, MarkKind::Late, MarkKind::Extra] {
            assert_eq!(MarkKind::parse(kind.code()), Some(kind));
        }
    }

    #[test]
    fn streaks_end_today_or_yesterday() {
        let read: BTreeSet<_> = [day(1), day(3), day(4), day(5)].into();
        assert_eq!(streak(&read, day(5)), 3);
        assert_eq!(streak(&read, day(6)), 3, "today's reading is still to come");
        assert_eq!(streak(&read, day(7)), 0);
        assert_eq!(streak(&read, day(1)), 1);
    }

    #[test]
    fn runs_restart_after_a_gap_and_pass_over_days_out_of_order() {
        let read: BTreeSet<_> = [day(1), day(2), day(4)].into();
        assert_eq!(runs(&read), [(day(1), 1), (day(2), 2), (day(4), 1)]);
        assert_eq!(next_run(Some((day(4), 1)), day(5)), Some(2));
        assert_eq!(next_run(Some((day(4), 1)), day(4)), None);
        assert_eq!(next_run(Some((day(4), 1)), day(3)), None);
        assert_eq!(next_run(None, day(3)), Some(1));
    }

    #[test]
    fn caps_hold_per_day_and_rule() {
        let rules = PointRules::default();
        let events: Vec<Event> = (0..5)
            .map(|_| Event {
                on: day(2),
                action: Action::DailyReading,
            })
            .chain([Event {
                on: day(2),
                action: Action::CatchUpReading,
            }])
            .collect();
        let tally = tally(&rules, &events, &BTreeSet::new());
        let today = tally.on(day(2));
        assert_eq!(
            today[&Action::DailyReading],
            6,
            "five reads at 2, capped at 6"
        );
        assert_eq!(today[&Action::CatchUpReading], 1);
        assert_eq!(tally.total(), 7);
    }

    #[test]
    fn a_day_is_read_when_all_its_assignment_is() {
        let plan: Plan<u32> = BTreeMap::from([
            (day(1), BTreeSet::from([10, 11])),
            (day(2), BTreeSet::from([20])),
            (day(3), BTreeSet::new()),
        ]);
        let on_time = |reads: &[(NaiveDate, u32)]| -> Vec<Reading<u32>> {
            reads
                .iter()
                .map(|(on, e)| (*on, MarkKind::OnTime, *e))
                .collect()
        };
        let marks = on_time(&[
            (day(1), 10),
            (day(1), 10),
            (day(2), 20),
            (day(3), 30),
            (day(4), 40),
        ]);
        assert_eq!(days_read(&plan, &marks), BTreeSet::from([day(2)]));
        let mut marks = on_time(&[(day(1), 10), (day(1), 11)]);
        assert_eq!(days_read(&plan, &marks), BTreeSet::from([day(1)]));
        // Read late, a day is caught up but not read in full.
        marks[1].1 = MarkKind::Late;
        assert_eq!(days_read(&plan, &marks), BTreeSet::new());
        assert!(caught_up(&plan[&day(1)], &marks, day(1)));
    }

    #[test]
    fn the_calendar_tells_read_late_missed_and_open_days() {
        let plan: Plan<u32> = (1..=5).map(|d| (day(d), BTreeSet::from([d]))).collect();
        let marks = [
            (day(1), MarkKind::OnTime, 1),
            (day(3), MarkKind::Late, 2),
            (day(3), MarkKind::Extra, 3),
        ];
        let today = day(4);
        let statuses: Vec<DayStatus> = (1..=6)
            .map(|d| day_status(&plan, &marks, day(d), today))
            .collect();
        assert_eq!(
            statuses,
            [
                DayStatus::Read,
                DayStatus::Late,
                DayStatus::Missed,
                DayStatus::Open,
                DayStatus::Nothing,
                DayStatus::Nothing
            ]
        );
        let standing = Standing::of(&PointRules::default(), &plan, &marks, &[], today);
        assert!(!standing.read_today);
        assert_eq!(standing.streak, 0, "day 3 was missed on time");
        assert_eq!(standing.points, 2 + 1 + 1);
    }

    #[test]
    fn tests_earn_points_for_passing_and_full_marks() {
        let plan: Plan<u32> = Plan::new();
        let tests = [
            TestOutcome {
                on: day(10),
                passed: true,
                full_marks: true,
            },
            TestOutcome {
                on: day(20),
                passed: true,
                full_marks: false,
            },
            TestOutcome {
                on: day(25),
                passed: false,
                full_marks: false,
            },
        ];
        let tests: Vec<Event> = tests.iter().flat_map(TestOutcome::events).collect();
        let standing = Standing::of(&PointRules::default(), &plan, &[], &tests, day(26));
        assert_eq!(standing.points, 5 + 5 + 5);
        let on_the_day = Standing::of(&PointRules::default(), &plan, &[], &tests, day(10));
        assert_eq!(
            on_the_day.today,
            BTreeMap::from([(Action::TestPassed, 5), (Action::TestFullMarks, 5)])
        );
        // A campaign whose rules predate tests earns nothing for them.
        let mut older = PointRules::default();
        older.rules.remove(&Action::TestPassed);
        older.rules.remove(&Action::TestFullMarks);
        assert_eq!(Standing::of(&older, &plan, &[], &tests, day(26)).points, 0);
    }

    #[test]
    fn a_week_unbroken_earns_the_bonus_once_a_week() {
        let rules = PointRules::default();
        let events: Vec<Event> = (1..=15)
            .map(|d| Event {
                on: day(d),
                action: Action::DailyReading,
            })
            .collect();
        let days_read: BTreeSet<_> = (1..=15).map(day).collect();
        let tally = tally(&rules, &events, &days_read);
        let bonus_days: Vec<_> = tally
            .by_day
            .iter()
            .filter(|(_, rules)| rules.contains_key(&Action::StreakBonus))
            .map(|(d, _)| *d)
            .collect();
        assert_eq!(bonus_days, [day(7), day(14)]);
        assert_eq!(tally.total(), 15 * 2 + 2 * 5);
    }

    #[test]
    fn the_kept_standing_is_the_derived_one() {
        let rules = PointRules::default();
        let plan: Plan<u32> = (1..=20)
            .map(|d| (day(d), BTreeSet::from([d, 100 + d])))
            .collect();
        // Read in full on days 1–15 but 9, day 9 caught up on day 10,
        // day 16 half, and extra reading on day 14.
        let mut marks: Vec<Reading<u32>> = Vec::new();
        for d in (1..=15).filter(|d| *d != 9) {
            marks.push((day(d), MarkKind::OnTime, d));
            marks.push((day(d), MarkKind::OnTime, 100 + d));
        }
        marks.push((day(10), MarkKind::Late, 9));
        marks.push((day(10), MarkKind::Late, 109));
        marks.push((day(14), MarkKind::Extra, 7));
        marks.push((day(16), MarkKind::OnTime, 16));
        let others = [Event {
            on: day(14),
            action: Action::Attendance,
        }];
        for today in [day(14), day(15), day(16), day(17)] {
            let upto: Vec<Reading<u32>> = marks.iter().filter(|m| m.0 <= today).copied().collect();
            let before: Vec<Event> = others.iter().filter(|e| e.on <= today).copied().collect();
            let derived = Standing::of(&rules, &plan, &upto, &before, today);
            let read = days_read(&plan, &upto);
            let run = runs(&read).last().copied();
            let kept = Standing::kept(
                &rules,
                plan.get(&today),
                run,
                derived.points,
                &upto,
                &before,
                today,
            );
            assert_eq!(kept, derived, "on day {today}");
        }
        let on_14 = Standing::of(&rules, &plan, &marks, &others, day(14));
        assert_eq!(on_14.streak, 5, "days 10 to 14");
        assert!(on_14.read_today);
        assert_eq!(on_14.today[&Action::ExtraReading], 1);
        assert_eq!(on_14.today[&Action::Attendance], 3);
    }

    #[test]
    fn a_reading_counts_for_the_time_since_it_was_handed_out() {
        let pace = ReadingPace::default();
        // 1,000 characters need 60 s: claiming them at once is too soon.
        assert!(matches!(
            pace.accept(1_000, 600, 5, true),
            Err(MarkError::TooSoon { needed: 60, .. })
        ));
        assert_eq!(pace.accept(1_000, 600, 90, true), Ok(90), "the smaller");
        assert_eq!(pace.accept(1_000, 75, 90, true), Ok(75));
        assert!(matches!(
            pace.accept(1_000, 10, 90, true),
            Err(MarkError::TooFast { .. })
        ));
        assert_eq!(
            pace.accept(1_000, 90, 90, false),
            Err(MarkError::NotToTheEnd)
        );
    }

    #[test]
    fn a_stamp_vouches_for_its_member_and_excerpt_only() {
        let at = DateTime::from_timestamp(1_764_000_000, 0).expect("time");
        let opening = Opening {
            member: MemberId(7),
            excerpt: ExcerptId(42),
            at,
        };
        let stamp = opening.stamp("abc123");
        assert_eq!(stamp, "7.42.1764000000.abc123");
        assert_eq!(Opening::parse(&stamp), Ok((opening, "abc123")));
        for bad in ["", "7.42", "7.42.x.abc", "7.42.1764000000.", "a.b.c.d"] {
            assert!(
                matches!(Opening::parse(bad), Err(StampError::Malformed(_))),
                "{bad}"
            );
        }
        let later = at + Duration::seconds(75);
        assert_eq!(opening.vouch(MemberId(7), ExcerptId(42), later), Ok(75));
        assert_eq!(
            opening.vouch(MemberId(8), ExcerptId(42), later),
            Err(StampError::OtherMember)
        );
        assert_eq!(
            opening.vouch(MemberId(7), ExcerptId(43), later),
            Err(StampError::OtherExcerpt {
                stamped: 42,
                marked: 43
            })
        );
        assert_eq!(
            opening.vouch(MemberId(7), ExcerptId(42), at - Duration::seconds(3)),
            Ok(0),
            "a clock ahead counts from now"
        );
        assert_eq!(
            opening.vouch(MemberId(7), ExcerptId(42), at + Duration::days(8)),
            Err(StampError::Expired)
        );
    }

    #[test]
    fn action_codes_are_their_json_names() {
        for action in Action::ALL {
            let json = serde_json::to_string(&action).expect("json");
            assert_eq!(json, format!("\"{}\"", action.code()));
        }
    }

    #[test]
    fn rules_round_trip_and_are_checked() {
        let rules = PointRules::default();
        assert_eq!(PointRules::from_json(&rules.to_json()), Ok(rules.clone()));
        let mut bad = rules;
        bad.rules.insert(
            Action::ExtraReading,
            Rule {
                points: 5,
                daily_cap: 1,
            },
        );
        assert!(matches!(
            bad.validate(),
            Err(RulesError::CapBelowPoints { .. })
        ));
        assert!(PointRules::from_json("{").is_err());
    }

    fn actions() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::DailyReading),
            Just(Action::CatchUpReading),
            Just(Action::ExtraReading),
        ]
    }

    proptest! {
        /// Recomputing from scratch, in any order, or day by day, gives the
        /// same points: nothing depends on the order actions arrived in.
        #[test]
        fn points_are_a_function_of_the_actions(
            raw in proptest::collection::vec((1u32..=30, actions()), 0..120),
            seed in any::<u64>(),
        ) {
            let rules = PointRules::default();
            let events: Vec<Event> = raw.iter().map(|(d, action)| Event { on: day(*d), action: *action }).collect();
            let days_read: BTreeSet<NaiveDate> = events.iter().filter(|e| e.action == Action::DailyReading).map(|e| e.on).collect();
            let whole = tally(&rules, &events, &days_read);
            let mut shuffled = events.clone();
            // A cheap deterministic shuffle.
            let n = shuffled.len();
            for i in 0..n {
                let j = ((seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64)) % n as u64) as usize;
                shuffled.swap(i, j);
            }
            prop_assert_eq!(&tally(&rules, &shuffled, &days_read), &whole);
            // Every day's points are within each rule's cap.
            for points in whole.by_day.values() {
                for (action, earned) in points {
                    prop_assert!(*earned <= rules.rule(*action).map_or(0, |r| r.daily_cap));
                }
            }
            // Streak bonuses never exceed one per `streak_every` days read.
            let bonuses = whole.by_day.values().filter(|p| p.contains_key(&Action::StreakBonus)).count() as u32;
            prop_assert!(bonuses <= days_read.len() as u32 / rules.streak_every);
        }
    }
}
