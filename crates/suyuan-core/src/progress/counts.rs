//! What members did, counted so that it adds up: a member's day adds to
//! their unit's day and to the day of every unit above it, so that a
//! unit's figures for any period are a sum over its days, and a rate is
//! that sum against its members.

use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

use super::Rate;
use crate::gatherings::Kind;
use crate::reading::{
    Action, DayStatus, Event, Plan, PointRules, Reading, Run, caught_up, days_read, next_run,
    read_in_full, runs, tally,
};

/// Declares `Counts` with its fields listed once, so that storage can
/// name the columns and add them up without listing them again.
macro_rules! counts {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        /// What the members of a unit's subtree did on one day of a
        /// campaign. Changes are added as deltas, so a field may go down.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Counts {
            $($(#[$doc])* pub $field: i64,)*
        }

        impl Counts {
            /// The fields' names, in the order of `values`.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),*]
            }

            /// Counts from values in the order of `FIELDS`; missing ones are 0.
            pub fn from_values(values: &[i64]) -> Self {
                let mut values = values.iter().copied();
                Self { $($field: values.next().unwrap_or(0),)* }
            }

            fn zip(self, other: Self, op: impl Fn(i64, i64) -> i64) -> Self {
                Self { $($field: op(self.$field, other.$field),)* }
            }
        }
    };
}

counts!(
    /// Members who read the whole of the day's assignment that day.
    read_on_time,
    /// Members who read the whole of the day's assignment, some of it later.
    read_late,
    /// Members whose streak of days read in full had reached the bonus
    /// length that day.
    on_streak,
    /// Points earned that day.
    points,
    /// Members who handed in the test held that day.
    tests_sat,
    /// Of those, members whose best attempt passed.
    tests_passed,
    /// The sum of their best scores, in tenths of a percent.
    score_permille,
    study_invited,
    study_attended,
    lecture_invited,
    lecture_attended,
    activity_invited,
    activity_attended,
);

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, other: Counts) -> Counts {
        self.zip(other, i64::saturating_add)
    }
}

impl std::ops::Sub for Counts {
    type Output = Counts;
    fn sub(self, other: Counts) -> Counts {
        self.zip(other, i64::saturating_sub)
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        *self = *self + other;
    }
}

impl Counts {
    /// The fields a member's reading counts (`reading_days`), which come
    /// first: what is kept of each member's reading, day by day.
    pub const READING_FIELDS: &'static [&'static str] =
        &["read_on_time", "read_late", "on_streak", "points"];

    /// Only the reading part of these counts.
    pub fn reading(&self) -> Counts {
        Counts::from_values(&self.values()[..Self::READING_FIELDS.len()])
    }

    /// How a day of a campaign went for a member, from their own counts of
    /// it (`reading_days`), as `reading::day_status` tells it from every
    /// mark: the history calendar reads a month of counts instead.
    pub fn status(&self, assigned: bool, day: NaiveDate, today: NaiveDate) -> DayStatus {
        if !assigned || day > today {
            DayStatus::Nothing
        } else if self.read_on_time > 0 {
            DayStatus::Read
        } else if self.read_late > 0 {
            DayStatus::Late
        } else if day == today {
            DayStatus::Open
        } else {
            DayStatus::Missed
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Counts::default()
    }

    /// Invited to and attending gatherings of one kind.
    pub fn gatherings(&self, kind: Kind) -> (i64, i64) {
        match kind {
            Kind::WeeklyStudy => (self.study_invited, self.study_attended),
            Kind::Lecture => (self.lecture_invited, self.lecture_attended),
            Kind::ActivityDay => (self.activity_invited, self.activity_attended),
        }
    }

    fn add_gathering(&mut self, kind: Kind, attended: bool) {
        let (invited, came) = match kind {
            Kind::WeeklyStudy => (&mut self.study_invited, &mut self.study_attended),
            Kind::Lecture => (&mut self.lecture_invited, &mut self.lecture_attended),
            Kind::ActivityDay => (&mut self.activity_invited, &mut self.activity_attended),
        };
        *invited += 1;
        *came += i64::from(attended);
    }
}

/// Day-by-day counts, added up.
pub type Days = BTreeMap<NaiveDate, Counts>;

fn add_points(days: &mut Days, rules: &PointRules, events: &[Event], read: &BTreeSet<NaiveDate>) {
    for (day, by_rule) in tally(rules, events, read).by_day {
        days.entry(day).or_default().points += by_rule.values().map(|p| i64::from(*p)).sum::<i64>();
    }
}

/// What a member's readings count, day by day: the assigned days read in
/// full on the day or later, the days on a streak, and the points of
/// reading (with the streak bonus), as `reading::Standing` derives them.
pub fn reading_days<E: Ord + Copy>(
    rules: &PointRules,
    plan: &Plan<E>,
    marks: &[Reading<E>],
) -> Days {
    let read = days_read(plan, marks);
    let mut days = Days::new();
    for (day, assigned) in plan.iter().filter(|(_, a)| !a.is_empty()) {
        if read.contains(day) {
            days.entry(*day).or_default().read_on_time += 1;
        } else if caught_up(assigned, marks, *day) {
            days.entry(*day).or_default().read_late += 1;
        }
    }
    for (day, run) in runs(&read) {
        if rules.on_streak(run) {
            days.entry(day).or_default().on_streak += 1;
        }
    }
    let events: Vec<Event> = marks
        .iter()
        .map(|(on, kind, _)| Event {
            on: *on,
            action: Action::of_mark(*kind),
        })
        .collect();
    add_points(&mut days, rules, &events, &read);
    days
}

/// The last day a member read in full on time, and how many days in a
/// row that made.
pub fn last_run<E: Ord + Copy>(plan: &Plan<E>, marks: &[Reading<E>]) -> Option<Run> {
    runs(&days_read(plan, marks)).last().copied()
}

/// What a member's readings just recorded change, beside what they had
/// recorded before on those days, as `reading_days` would count it: the
/// changes by day, and the days they newly completed on time (for
/// `streak_changes`).
///
/// `before` and `added` give each reading with how many marks made it;
/// `catching_up` names the earlier assigned days whose excerpts `added`
/// reads late.
pub fn reading_changes<E: Ord + Copy>(
    rules: &PointRules,
    plan: &Plan<E>,
    before: &[(Reading<E>, u32)],
    added: &[(Reading<E>, u32)],
    catching_up: &BTreeSet<NaiveDate>,
) -> (Vec<(NaiveDate, Counts)>, Vec<NaiveDate>) {
    let before_marks = before;
    let after_marks: Vec<(Reading<E>, u32)> = before.iter().chain(added).copied().collect();
    let before: Vec<Reading<E>> = before_marks.iter().map(|(r, _)| *r).collect();
    let after: Vec<Reading<E>> = after_marks.iter().map(|(r, _)| *r).collect();
    let mut changes = Vec::new();
    let mut completed = Vec::new();
    let days: BTreeSet<NaiveDate> = added.iter().map(|((on, _, _), _)| *on).collect();
    for day in days {
        let mut counts = Counts {
            points: day_points(rules, &after_marks, day) - day_points(rules, before_marks, day),
            ..Counts::default()
        };
        if let Some(assigned) = plan.get(&day).filter(|a| !a.is_empty())
            && !read_in_full(assigned, &before, day)
            && read_in_full(assigned, &after, day)
        {
            counts.read_on_time = 1;
            completed.push(day);
        }
        changes.push((day, counts));
    }
    for day in catching_up {
        let Some(assigned) = plan.get(day) else {
            continue;
        };
        if !read_in_full(assigned, &after, *day)
            && !caught_up(assigned, &before, *day)
            && caught_up(assigned, &after, *day)
        {
            let counts = Counts {
                read_late: 1,
                ..Counts::default()
            };
            changes.push((*day, counts));
        }
    }
    (changes, completed)
}

/// The reading points of a day (the streak bonus aside), each reading
/// counted as often as it was marked.
fn day_points<E>(rules: &PointRules, readings: &[(Reading<E>, u32)], day: NaiveDate) -> i64 {
    let mut times: BTreeMap<Action, u32> = BTreeMap::new();
    for ((on, kind, _), marks) in readings {
        if *on == day {
            *times.entry(Action::of_mark(*kind)).or_default() += marks;
        }
    }
    times
        .into_iter()
        .map(|(action, times)| i64::from(rules.points_for(action, times)))
        .sum()
}

/// What days a member newly completed add to the streak figures, given
/// the last day they completed before and its run: for each day that
/// extends or starts a run, a day on a streak and the bonus as
/// `reading_days` counts them. Also the member's run afterwards.
pub fn streak_changes(
    rules: &PointRules,
    mut last: Option<Run>,
    completed: &[NaiveDate],
) -> (Vec<(NaiveDate, Counts)>, Option<Run>) {
    let bonus = i64::from(rules.points_for(Action::StreakBonus, 1));
    let mut changes = Vec::new();
    for day in completed {
        let Some(run) = next_run(last, *day) else {
            continue;
        };
        last = Some((*day, run));
        let counts = Counts {
            on_streak: i64::from(rules.on_streak(run)),
            points: if rules.earns_bonus(run) { bonus } else { 0 },
            ..Counts::default()
        };
        changes.push((*day, counts));
    }
    (changes, last)
}

/// A member's best attempt at one of a campaign's tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sitting {
    /// The day the test was held (opened), which its figures belong to.
    pub held_on: NaiveDate,
    /// The day the best attempt was handed in, which its points belong to.
    pub handed_in: NaiveDate,
    pub percent: f64,
    pub passed: bool,
}

/// A gathering held for a member (not cancelled) with their name on its
/// roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnRoll {
    pub on: NaiveDate,
    pub kind: Kind,
    pub attended: bool,
}

/// What a member's tests and gatherings count, day by day, with their
/// points (as `reading::Standing` derives them).
pub fn other_days(
    rules: &PointRules,
    sittings: &[Sitting],
    rolls: &[OnRoll],
    reflections_accepted: &[NaiveDate],
) -> Days {
    let mut days = Days::new();
    let mut events = Vec::new();
    for sitting in sittings {
        let counts = days.entry(sitting.held_on).or_default();
        counts.tests_sat += 1;
        counts.tests_passed += i64::from(sitting.passed);
        counts.score_permille += (sitting.percent * 10.0).round() as i64;
        let outcome =
            crate::reading::TestOutcome::of(sitting.handed_in, sitting.percent, sitting.passed);
        events.extend(outcome.events());
    }
    for roll in rolls {
        days.entry(roll.on)
            .or_default()
            .add_gathering(roll.kind, roll.attended);
        if roll.attended {
            events.push(Event {
                on: roll.on,
                action: Action::Attendance,
            });
        }
    }
    events.extend(reflections_accepted.iter().map(|on| Event {
        on: *on,
        action: Action::ReflectionAccepted,
    }));
    add_points(&mut days, rules, &events, &BTreeSet::new());
    days
}

/// The changes that turn `before` into `after`, day by day; unchanged
/// days are left out.
pub fn changes(before: &Days, after: &Days) -> Days {
    let mut out = Days::new();
    for (day, counts) in after {
        out.insert(*day, *counts);
    }
    for (day, counts) in before {
        let entry = out.entry(*day).or_default();
        *entry = *entry - *counts;
    }
    out.retain(|_, c| !c.is_zero());
    out
}

/// A unit's figures for a period: its counts summed over the period's
/// days, against its members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Members enrolled in the campaign within the unit's subtree.
    pub members: u64,
    /// Days of the period with reading assigned, up to today.
    pub reading_days: u64,
    /// Tests held in the period.
    pub tests: u64,
    pub counts: Counts,
}

fn whole(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Figures {
    fn member_days(&self) -> u64 {
        self.members.saturating_mul(self.reading_days)
    }

    /// Member-days read in full on the day, of all member-days due.
    pub fn on_time(&self) -> Rate {
        Rate::new(whole(self.counts.read_on_time), self.member_days())
    }

    /// Member-days read in full, caught up later.
    pub fn late(&self) -> Rate {
        Rate::new(whole(self.counts.read_late), self.member_days())
    }

    /// Member-days on a streak of the bonus length or more.
    pub fn on_streak(&self) -> Rate {
        Rate::new(whole(self.counts.on_streak), self.member_days())
    }

    /// Members who sat the period's tests, of all who could have.
    pub fn participation(&self) -> Rate {
        Rate::new(
            whole(self.counts.tests_sat),
            self.members.saturating_mul(self.tests),
        )
    }

    pub fn pass_rate(&self) -> Rate {
        Rate::new(
            whole(self.counts.tests_passed),
            whole(self.counts.tests_sat),
        )
    }

    /// The average best score in percent, when anyone sat a test.
    pub fn average_score(&self) -> Option<f64> {
        (self.counts.tests_sat > 0)
            .then(|| self.counts.score_permille as f64 / 10.0 / self.counts.tests_sat as f64)
    }

    pub fn attendance(&self, kind: Kind) -> Rate {
        let (invited, attended) = self.counts.gatherings(kind);
        Rate::new(whole(attended), whole(invited))
    }

    pub fn points(&self) -> u64 {
        whole(self.counts.points)
    }

    /// Points per member enrolled, when there are members.
    pub fn points_per_member(&self) -> Option<f64> {
        (self.members > 0).then(|| self.points() as f64 / self.members as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::MarkKind;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    #[test]
    fn counts_add_and_subtract_field_by_field() {
        let a = Counts::from_values(&[1, 2, 3]);
        assert_eq!(a.values()[..4], [1, 2, 3, 0]);
        assert_eq!(Counts::FIELDS.len(), a.values().len());
        assert_eq!(
            &Counts::FIELDS[..Counts::READING_FIELDS.len()],
            Counts::READING_FIELDS
        );
        let all = Counts::from_values(&[1; 13]);
        assert_eq!(all.reading().values().iter().sum::<i64>(), 4);
        assert_eq!((a + a - a), a);
        assert!((a - a).is_zero());
    }

    #[test]
    fn a_members_counts_tell_each_days_status_as_their_marks_do() {
        let rules = PointRules::default();
        let plan: Plan<u32> = (1..=6)
            .filter(|d| *d != 5)
            .map(|d| (day(d), BTreeSet::from([d, 10 + d])))
            .collect();
        let marks = vec![
            (day(1), MarkKind::OnTime, 1),
            (day(1), MarkKind::OnTime, 11),
            (day(2), MarkKind::OnTime, 2),
            (day(3), MarkKind::Late, 2),
            (day(3), MarkKind::Late, 12),
            (day(3), MarkKind::OnTime, 3),
            (day(4), MarkKind::OnTime, 4),
            (day(4), MarkKind::OnTime, 14),
        ];
        let days = reading_days(&rules, &plan, &marks);
        for today in [day(3), day(4), day(6)] {
            for d in 1..=7 {
                let kept = days.get(&day(d)).copied().unwrap_or_default();
                assert_eq!(
                    kept.status(plan.contains_key(&day(d)), day(d), today),
                    crate::reading::day_status(&plan, &marks, day(d), today),
                    "day {d}, today {today}"
                );
            }
        }
    }

    #[test]
    fn reading_counts_days_on_time_late_and_on_a_streak() {
        let rules = PointRules {
            streak_every: 2,
            ..PointRules::default()
        };
        let plan: Plan<u32> = (1..=4)
            .map(|d| (day(d), BTreeSet::from([d, 10 + d])))
            .collect();
        let marks = vec![
            (day(1), MarkKind::OnTime, 1),
            (day(1), MarkKind::OnTime, 11),
            (day(2), MarkKind::OnTime, 2),
            (day(2), MarkKind::OnTime, 12),
            (day(3), MarkKind::OnTime, 3),
            (day(4), MarkKind::Late, 13),
            (day(4), MarkKind::Extra, 99),
        ];
        let days = reading_days(&rules, &plan, &marks);
        assert_eq!(days[&day(1)].read_on_time, 1);
        assert_eq!(days[&day(2)].read_on_time, 1);
        assert_eq!(days[&day(2)].on_streak, 1);
        assert_eq!(days[&day(3)].read_late, 1);
        assert_eq!(days[&day(3)].read_on_time, 0);
        // Day 4: one late (1 point), one extra (1 point); day 4's own
        // assignment is not read.
        assert_eq!(days[&day(4)].points, 2);
        assert_eq!(days[&day(4)].read_on_time + days[&day(4)].read_late, 0);
        // Day 2: two readings (2 × 2) and the streak bonus (5).
        assert_eq!(days[&day(2)].points, 9);
    }

    #[test]
    fn tests_count_on_the_day_held_and_points_on_the_day_handed_in() {
        let rules = PointRules::default();
        let sittings = [Sitting {
            held_on: day(10),
            handed_in: day(12),
            percent: 100.0,
            passed: true,
        }];
        let rolls = [
            OnRoll {
                on: day(12),
                kind: Kind::WeeklyStudy,
                attended: true,
            },
            OnRoll {
                on: day(13),
                kind: Kind::Lecture,
                attended: false,
            },
        ];
        let days = other_days(&rules, &sittings, &rolls, &[day(13)]);
        assert_eq!(days[&day(10)].tests_sat, 1);
        assert_eq!(days[&day(10)].score_permille, 1000);
        assert_eq!(days[&day(10)].points, 0);
        assert_eq!(days[&day(12)].points, 5 + 5 + 3);
        assert_eq!(days[&day(12)].gatherings(Kind::WeeklyStudy), (1, 1));
        assert_eq!(days[&day(13)].gatherings(Kind::Lecture), (1, 0));
        assert_eq!(days[&day(13)].points, 3);
        let later = other_days(&rules, &sittings, &rolls[..1], &[]);
        let change = changes(&days, &later);
        assert_eq!(change[&day(13)].lecture_invited, -1);
        assert_eq!(change[&day(13)].points, -3);
        assert!(!change.contains_key(&day(10)));
    }

    #[test]
    fn figures_are_rates_against_members() {
        let figures = Figures {
            members: 20,
            reading_days: 5,
            tests: 1,
            counts: Counts {
                read_on_time: 50,
                tests_sat: 10,
                tests_passed: 5,
                score_permille: 8_000,
                points: 300,
                ..Counts::default()
            },
        };
        assert_eq!(figures.on_time().percent(), "50.0%");
        assert_eq!(figures.participation().percent(), "50.0%");
        assert_eq!(figures.pass_rate().percent(), "50.0%");
        assert_eq!(figures.average_score(), Some(80.0));
        assert_eq!(figures.points_per_member(), Some(15.0));
        assert_eq!(Figures::default().on_time().value(), None);
    }
}
