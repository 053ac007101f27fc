//! Tests and attempts (DESIGN's "tests" area; named `exams` in code so as
//! not to be mistaken for Rust's test modules): what a test draws, when an
//! attempt must end, the order a member sees, and the score.
//!
//! Everything random here is seeded by the test, the member and the
//! attempt, so that an attempt is drawn and shuffled the same way whenever
//! it is worked out again (a reload, another phone, another instance).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use thiserror::Error;

use crate::campaigns::{Calendar, Dekad};
use crate::questions::{Difficulty, Grade, QuestionId};

/// How many questions to draw, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRule {
    /// Only this category (and its subcategories), or any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only this difficulty, or any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    /// Only questions from the test's readings (a dekad's assignments).
    #[serde(default)]
    pub from_readings: bool,
    pub count: usize,
}

/// A question that a test may draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: QuestionId,
    pub category: String,
    pub difficulty: Difficulty,
    /// Whether it comes from one of the test's readings.
    pub from_readings: bool,
}

impl DrawRule {
    fn admits(&self, candidate: &Candidate) -> bool {
        let in_category = self.category.as_deref().is_none_or(|c| {
            candidate.category == c || candidate.category.starts_with(&format!("{c}/"))
        });
        in_category
            && self.difficulty.is_none_or(|d| d == candidate.difficulty)
            && (!self.from_readings || candidate.from_readings)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DrawError {
    #[error("rule {rule} wants {wanted} questions but the bank has {found} that fit it")]
    TooFew {
        rule: usize,
        wanted: usize,
        found: usize,
    },
    #[error("a test draws at least one question")]
    Empty,
}

/// The seed of everything random about one attempt.
pub fn attempt_seed(test: i64, member: i64, attempt: u32) -> u64 {
    // A fixed mix (not `Hash`, whose output may change between Rust
    // releases): the same attempt gets the same seed everywhere, always.
    let mut x = (test as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (member as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ u64::from(attempt).wrapping_mul(0x1656_67B1_9E37_79F9);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^ (x >> 33)
}

/// Draws an attempt's questions: each rule in turn takes its count at
/// random from the candidates it admits that no earlier rule took; due
/// mistakes (up to `mistakes`) come first, then the rules' questions. The
/// result is shuffled, so rules do not show as blocks.
pub fn draw(
    rules: &[DrawRule],
    candidates: &[Candidate],
    due_mistakes: &[QuestionId],
    mistakes: usize,
    seed: u64,
) -> Result<Vec<QuestionId>, DrawError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut taken: HashSet<QuestionId> = HashSet::new();
    let mut drawn: Vec<QuestionId> = Vec::new();
    let mut review: Vec<QuestionId> = due_mistakes.to_vec();
    review.shuffle(&mut rng);
    // Mistakes not yet counted toward a rule.
    let mut uncounted: Vec<QuestionId> = Vec::new();
    for id in review.into_iter().take(mistakes) {
        if taken.insert(id) {
            drawn.push(id);
            uncounted.push(id);
        }
    }
    let admitted =
        |rule: &DrawRule, id: QuestionId| candidates.iter().any(|c| c.id == id && rule.admits(c));
    for (index, rule) in rules.iter().enumerate() {
        let mut fitting: Vec<QuestionId> = candidates
            .iter()
            .filter(|c| rule.admits(c) && !taken.contains(&c.id))
            .map(|c| c.id)
            .collect();
        // Each due mistake counts toward the first rule it fits.
        let mut counted = 0;
        uncounted.retain(|id| {
            if counted < rule.count && admitted(rule, *id) {
                counted += 1;
                false
            } else {
                true
            }
        });
        let wanted = rule.count - counted;
        if fitting.len() < wanted {
            return Err(DrawError::TooFew {
                rule: index + 1,
                wanted: rule.count,
                found: fitting.len() + counted,
            });
        }
        fitting.shuffle(&mut rng);
        for id in fitting.into_iter().take(wanted) {
            taken.insert(id);
            drawn.push(id);
        }
    }
    if drawn.is_empty() {
        return Err(DrawError::Empty);
    }
    drawn.shuffle(&mut rng);
    Ok(drawn)
}

/// The order a member sees a question's options in: `order[i]` is the
/// bank index of the option shown `i`th.
pub fn option_order(options: usize, seed: u64, position: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..options).collect();
    let mut rng = StdRng::seed_from_u64(seed ^ (position as u64).wrapping_mul(0x9E37_79B9));
    order.shuffle(&mut rng);
    order
}

/// When an attempt must be in: its time limit after it starts, but never
/// after the test closes.
pub fn deadline(started: DateTime<Utc>, limit: Duration, closes: DateTime<Utc>) -> DateTime<Utc> {
    (started + limit).min(closes)
}

/// A test's window and limits, as far as an attempt is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
    pub limit: Duration,
    pub attempts_allowed: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum StartError {
    #[error("the test opens at {0}")]
    NotOpen(DateTime<Utc>),
    #[error("the test closed at {0}")]
    Closed(DateTime<Utc>),
    #[error("all {0} attempts allowed have been used")]
    NoAttemptsLeft(u32),
}

/// Why a test cannot be set as asked, naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TestError {
    #[error("title: the test needs a title")]
    NoTitle,
    #[error("closes: the test must close after it opens")]
    ClosesBeforeOpens,
    #[error("limit: the time limit is between 1 minute and 24 hours")]
    Limit,
    #[error("attempts: allow at least one attempt")]
    NoAttempts,
    #[error("pass_mark: the pass mark is out of 100")]
    PassMark,
    #[error("questions: a test draws at least one question")]
    NoQuestions,
    #[error("mark: a mark is a share of the question's marks, from 0 to 1")]
    HandMark,
}

/// The grade a marker gives a written answer: a share of its marks.
pub fn hand_mark(share: f64) -> Result<Grade, TestError> {
    if (0.0..=1.0).contains(&share) {
        Ok(Grade::Scored(share))
    } else {
        Err(TestError::HandMark)
    }
}

/// Checks what a test is set with: a title, a window that closes after it
/// opens, a time limit of a minute to a day, at least one attempt, and a
/// pass mark out of 100.
pub fn check_test(title: &str, window: &Window, pass_mark: u32) -> Result<(), TestError> {
    if title.trim().is_empty() {
        return Err(TestError::NoTitle);
    }
    if window.closes <= window.opens {
        return Err(TestError::ClosesBeforeOpens);
    }
    if window.limit < Duration::minutes(1) || window.limit > Duration::hours(24) {
        return Err(TestError::Limit);
    }
    if window.attempts_allowed == 0 {
        return Err(TestError::NoAttempts);
    }
    if pass_mark > 100 {
        return Err(TestError::PassMark);
    }
    Ok(())
}

impl Window {
    /// Whether a member who has made `made` attempts may start another now.
    pub fn may_start(&self, now: DateTime<Utc>, made: u32) -> Result<(), StartError> {
        if now < self.opens {
            Err(StartError::NotOpen(self.opens))
        } else if now >= self.closes {
            Err(StartError::Closed(self.closes))
        } else if made >= self.attempts_allowed {
            Err(StartError::NoAttemptsLeft(self.attempts_allowed))
        } else {
            Ok(())
        }
    }
}

/// An attempt's result: marks earned of marks possible, as a percentage,
/// and whether it passes; `pending` counts answers still to be marked by
/// hand (their marks are not in yet).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub earned: f64,
    pub possible: f64,
    pub pending: usize,
}

impl Score {
    /// Adds up grades, one mark a question; a question left unanswered
    /// earns nothing.
    pub fn of(grades: &[Option<Grade>]) -> Self {
        let mut score = Score {
            earned: 0.0,
            possible: grades.len() as f64,
            pending: 0,
        };
        for grade in grades {
            match grade {
                Some(Grade::Scored(share)) => score.earned += share,
                Some(Grade::Pending) => score.pending += 1,
                None => {}
            }
        }
        score
    }

    /// The score out of 100, rounded to one decimal.
    pub fn percent(&self) -> f64 {
        if self.possible <= 0.0 {
            return 0.0;
        }
        (self.earned / self.possible * 1000.0).round() / 10.0
    }

    pub fn passes(&self, pass_mark: u32) -> bool {
        self.percent() >= f64::from(pass_mark)
    }
}

/// How a campaign sets its ten-day tests: one per dekad it touches, open
/// through the dekad (clipped to the campaign), drawing first on that
/// dekad's readings and topping up from the rest of the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenDayTests {
    pub questions: usize,
    /// Of those, how many (at most) come from the dekad's readings.
    pub from_readings: usize,
    pub limit: Duration,
    pub attempts_allowed: u32,
    pub pass_mark: u32,
    pub mistakes: usize,
}

/// One dekad's test: when it is open and whose readings it draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DekadTest {
    pub dekad: Dekad,
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
    /// The first and last day of the dekad within the campaign.
    pub readings: (NaiveDate, NaiveDate),
}

impl TenDayTests {
    /// Each test draws at least one question; the rest is checked per
    /// test, as `check_test` checks any test.
    pub fn check(&self) -> Result<(), TestError> {
        if self.questions == 0 {
            return Err(TestError::NoQuestions);
        }
        Ok(())
    }

    /// The campaign's dekads and their tests' windows, in order.
    pub fn dekads(calendar: &Calendar) -> Vec<DekadTest> {
        let midnight = NaiveTime::MIN;
        let mut tests = Vec::new();
        let mut dekad = Dekad::of(calendar.start);
        while dekad.first_day() <= calendar.end {
            let first = dekad.first_day().max(calendar.start);
            let last = dekad.last_day().min(calendar.end);
            tests.push(DekadTest {
                dekad,
                opens: calendar.instant(first, midnight),
                closes: calendar.instant(last + Duration::days(1), midnight),
                readings: (first, last),
            });
            dekad = dekad.next();
        }
        tests
    }

    /// The draw rules of one dekad's test, when its readings have
    /// `from_readings` questions in the bank.
    pub fn rules(&self, from_readings: usize) -> Vec<DrawRule> {
        let read = self.from_readings.min(from_readings).min(self.questions);
        let rule = |from_readings, count| DrawRule {
            category: None,
            difficulty: None,
            from_readings,
            count,
        };
        [rule(true, read), rule(false, self.questions - read)]
            .into_iter()
            .filter(|r| r.count > 0)
            .collect()
    }
}

/// How one member did in a test: their best submitted attempt, and what
/// each of its questions earned (a share of its mark; `None` while it
/// waits to be marked by hand).
#[derive(Debug, Clone, PartialEq)]
pub struct Sitting<M> {
    pub member: M,
    pub score: Score,
    pub questions: Vec<(QuestionId, Option<f64>)>,
}

/// A test's results over a group of members.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// Members who submitted an attempt, of those expected to.
    pub sat: usize,
    pub expected: usize,
    /// The mean of the best scores, out of 100.
    pub average: f64,
    pub passed: usize,
    /// How many best scores fall in each tenth: 0–9, 10–19, …, 90–100.
    pub bins: [usize; 10],
}

impl Results {
    pub fn of<'a, M: 'a>(
        sittings: impl IntoIterator<Item = &'a Sitting<M>>,
        expected: usize,
        pass_mark: u32,
    ) -> Self {
        let mut bins = [0; 10];
        let mut total = 0.0;
        let mut passed = 0;
        let mut sat = 0;
        for sitting in sittings {
            let percent = sitting.score.percent();
            total += percent;
            passed += usize::from(sitting.score.passes(pass_mark));
            bins[((percent / 10.0) as usize).min(9)] += 1;
            sat += 1;
        }
        Results {
            sat,
            expected: expected.max(sat),
            average: if sat == 0 {
                0.0
            } else {
                (total / sat as f64 * 10.0).round() / 10.0
            },
            passed,
            bins,
        }
    }

    /// Out of 100.
    pub fn participation(&self) -> f64 {
        share(self.sat, self.expected)
    }

    /// Out of 100, of those who sat.
    pub fn pass_rate(&self) -> f64 {
        share(self.passed, self.sat)
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// How well a question went: how often it was drawn and the mean share of
/// its mark earned (out of 100).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuestionResult {
    pub question: QuestionId,
    pub drawn: usize,
    pub earned: f64,
}

/// The questions that earned the least, worst first; only those marked in
/// at least `at_least` sittings, so one unlucky member does not make a
/// question "hard".
pub fn hardest<M>(sittings: &[Sitting<M>], at_least: usize, top: usize) -> Vec<QuestionResult> {
    let mut by_question: HashMap<QuestionId, (usize, f64)> = HashMap::new();
    for sitting in sittings {
        for (question, earned) in &sitting.questions {
            if let Some(earned) = earned {
                let entry = by_question.entry(*question).or_default();
                entry.0 += 1;
                entry.1 += earned;
            }
        }
    }
    let mut results: Vec<QuestionResult> = by_question
        .into_iter()
        .filter(|(_, (drawn, _))| *drawn >= at_least.max(1))
        .map(|(question, (drawn, earned))| QuestionResult {
            question,
            drawn,
            earned: (earned * 1000.0 / drawn as f64).round() / 10.0,
        })
        .collect();
    results.sort_by(|a, b| {
        a.earned
            .total_cmp(&b.earned)
            .then(a.question.cmp(&b.question))
    });
    results.truncate(top);
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_s_settings_and_hand_marks_are_checked() {
        let at = |h| {
            Utc.with_ymd_and_hms(2026, 12, 3, h, 0, 0)
                .single()
                .expect("time")
        };
        let window = Window {
            opens: at(8),
            closes: at(20),
            limit: Duration::minutes(20),
            attempts_allowed: 1,
        };
        assert_eq!(check_test("旬考", &window, 60), Ok(()));
        assert_eq!(check_test(" ", &window, 60), Err(TestError::NoTitle));
        assert_eq!(check_test("旬考", &window, 101), Err(TestError::PassMark));
        let shut = Window {
            closes: at(8),
            ..window
        };
        assert_eq!(
            check_test("旬考", &shut, 60),
            Err(TestError::ClosesBeforeOpens)
        );
        let endless = Window {
            limit: Duration::hours(25),
            ..window
        };
        assert_eq!(check_test("旬考", &endless, 60), Err(TestError::Limit));
        assert_eq!(hand_mark(0.5), Ok(Grade::Scored(0.5)));
        assert_eq!(hand_mark(1.5), Err(TestError::HandMark));
        assert!(hand_mark(f64::NAN).is_err());
    }
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn candidate(id: i64, category: &str, level: u8, from_readings: bool) -> Candidate {
        Candidate {
            id: QuestionId(id),
            category: category.into(),
            difficulty: Difficulty::new(level).expect("level"),
            from_readings,
        }
    }

    fn bank() -> Vec<Candidate> {
        (1..=30)
            .map(|i| {
                candidate(
                    i,
                    if i <= 20 {
                        "宪法/总纲"
                    } else {
                        "民法典"
                    },
                    (i % 5 + 1) as u8,
                    i % 3 == 0,
                )
            })
            .collect()
    }

    fn rule(category: Option<&str>, from_readings: bool, count: usize) -> DrawRule {
        DrawRule {
            category: category.map(str::to_owned),
            difficulty: None,
            from_readings,
            count,
        }
    }

    #[test]
    fn draws_what_each_rule_asks_without_repeats() {
        let bank = bank();
        let rules = [
            rule(Some("宪法"), false, 5),
            rule(None, true, 3),
            rule(Some("民法典"), false, 2),
        ];
        let drawn = draw(&rules, &bank, &[], 0, 7).expect("drawn");
        assert_eq!(drawn.len(), 10);
        let unique: HashSet<_> = drawn.iter().collect();
        assert_eq!(unique.len(), 10);
        let of = |id: &QuestionId| bank.iter().find(|c| c.id == *id).expect("in the bank");
        assert!(
            drawn
                .iter()
                .filter(|id| of(id).category == "民法典")
                .count()
                >= 2
        );
        assert!(drawn.iter().filter(|id| of(id).from_readings).count() >= 3);
        // The same seed draws the same; another seed, another draw.
        assert_eq!(draw(&rules, &bank, &[], 0, 7).expect("drawn"), drawn);
        assert_ne!(draw(&rules, &bank, &[], 0, 8).expect("drawn"), drawn);
    }

    #[test]
    fn due_mistakes_come_in_and_count_toward_their_rule() {
        let bank = bank();
        let mistakes = [QuestionId(21), QuestionId(22), QuestionId(23)];
        let drawn = draw(&[rule(Some("民法典"), false, 2)], &bank, &mistakes, 2, 1).expect("drawn");
        assert_eq!(drawn.len(), 2);
        assert!(drawn.iter().all(|id| mistakes.contains(id)), "{drawn:?}");
    }

    #[test]
    fn too_small_a_bank_is_named() {
        let error =
            draw(&[rule(Some("民法典"), false, 11)], &bank(), &[], 0, 1).expect_err("too few");
        assert_eq!(
            error,
            DrawError::TooFew {
                rule: 1,
                wanted: 11,
                found: 10
            }
        );
        assert_eq!(draw(&[], &bank(), &[], 0, 1), Err(DrawError::Empty));
    }

    #[test]
    fn the_deadline_is_the_limit_or_the_close() {
        let at = |h: u32, m: u32| {
            Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0)
                .single()
                .expect("time")
        };
        assert_eq!(
            deadline(at(19, 0), Duration::minutes(30), at(22, 0)),
            at(19, 30)
        );
        assert_eq!(
            deadline(at(21, 50), Duration::minutes(30), at(22, 0)),
            at(22, 0)
        );
        let window = Window {
            opens: at(8, 0),
            closes: at(22, 0),
            limit: Duration::minutes(30),
            attempts_allowed: 2,
        };
        assert_eq!(
            window.may_start(at(7, 59), 0),
            Err(StartError::NotOpen(at(8, 0)))
        );
        assert_eq!(
            window.may_start(at(22, 0), 0),
            Err(StartError::Closed(at(22, 0)))
        );
        assert_eq!(
            window.may_start(at(12, 0), 2),
            Err(StartError::NoAttemptsLeft(2))
        );
        assert_eq!(window.may_start(at(12, 0), 1), Ok(()));
    }

    #[test]
    fn scores_add_up_and_pass_at_the_mark() {
        let score = Score::of(&[
            Some(Grade::Scored(1.0)),
            Some(Grade::Scored(0.5)),
            None,
            Some(Grade::Pending),
        ]);
        assert_eq!(score.percent(), 37.5);
        assert_eq!(score.pending, 1);
        assert!(score.passes(30) && !score.passes(60));
    }

    #[test]
    fn a_campaign_has_a_test_per_dekad_clipped_to_its_days() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        let calendar = Calendar::new(crate::campaigns::DEFAULT_ZONE, day(11, 5), day(12, 14))
            .expect("calendar");
        let dekads = TenDayTests::dekads(&calendar);
        let readings: Vec<_> = dekads.iter().map(|d| d.readings).collect();
        assert_eq!(
            readings,
            [
                (day(11, 5), day(11, 10)),
                (day(11, 11), day(11, 20)),
                (day(11, 21), day(11, 30)),
                (day(12, 1), day(12, 10)),
                (day(12, 11), day(12, 14)),
            ]
        );
        // Open from local midnight of the first day to that after the last.
        let third = dekads[2];
        assert_eq!(
            third.opens,
            Utc.with_ymd_and_hms(2026, 11, 20, 16, 0, 0)
                .single()
                .expect("utc")
        );
        assert_eq!(
            third.closes,
            Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0)
                .single()
                .expect("utc")
        );
    }

    #[test]
    fn ten_day_rules_take_what_the_readings_have_and_top_up() {
        let plan = TenDayTests {
            questions: 10,
            from_readings: 6,
            limit: Duration::minutes(20),
            attempts_allowed: 1,
            pass_mark: 60,
            mistakes: 2,
        };
        let counts = |rules: Vec<DrawRule>| -> Vec<(bool, usize)> {
            rules.iter().map(|r| (r.from_readings, r.count)).collect()
        };
        assert_eq!(counts(plan.rules(20)), [(true, 6), (false, 4)]);
        assert_eq!(counts(plan.rules(2)), [(true, 2), (false, 8)]);
        assert_eq!(counts(plan.rules(0)), [(false, 10)]);
    }

    #[test]
    fn results_count_sitters_passes_and_tenths() {
        let sitting = |member: u32, earned: f64, questions: Vec<(i64, Option<f64>)>| Sitting {
            member,
            score: Score {
                earned,
                possible: 4.0,
                pending: 0,
            },
            questions: questions
                .into_iter()
                .map(|(q, e)| (QuestionId(q), e))
                .collect(),
        };
        let sittings = [
            sitting(1, 4.0, vec![(1, Some(1.0)), (2, Some(1.0)), (3, Some(1.0))]),
            sitting(2, 2.0, vec![(1, Some(1.0)), (2, Some(0.0)), (3, Some(0.5))]),
            sitting(3, 1.0, vec![(1, Some(0.0)), (2, Some(0.0)), (4, None)]),
        ];
        let results = Results::of(&sittings, 5, 60);
        assert_eq!(results.sat, 3);
        assert_eq!(results.participation(), 60.0);
        assert_eq!(results.passed, 1);
        assert_eq!(results.pass_rate(), 33.3);
        assert_eq!(results.average, 58.3);
        assert_eq!(results.bins[9], 1);
        assert_eq!(results.bins[5], 1);
        assert_eq!(results.bins[2], 1);
        let hard = hardest(&sittings, 2, 2);
        assert_eq!(hard.len(), 2);
        assert_eq!((hard[0].question, hard[0].earned), (QuestionId(2), 33.3));
        assert_eq!((hard[1].question, hard[1].earned), (QuestionId(1), 66.7));
        assert!(
            hardest(&sittings, 4, 10).is_empty(),
            "no question was marked four times"
        );
        assert_eq!(Results::of(&[] as &[Sitting<u32>], 0, 60).pass_rate(), 0.0);
    }

    proptest! {
        #[test]
        fn option_orders_are_permutations_fixed_by_their_seed(options in 1usize..10, seed in any::<u64>(), position in 0usize..50) {
            let order = option_order(options, seed, position);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..options).collect::<Vec<_>>());
            prop_assert_eq!(option_order(options, seed, position), order);
        }

        #[test]
        fn seeds_differ_between_members_and_attempts(test in 1i64..1000, member in 1i64..100_000, attempt in 1u32..5) {
            prop_assert_ne!(attempt_seed(test, member, attempt), attempt_seed(test, member + 1, attempt));
            prop_assert_ne!(attempt_seed(test, member, attempt), attempt_seed(test, member, attempt + 1));
        }
    }
}
