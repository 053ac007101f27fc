//! The Constitution for the whole public: the quiz anyone may take without
//! an account, the figures of public participation by day, and National
//! Constitution Day (December 4).
//!
//! A public quiz is drawn from the public question bank: questions of a
//! top unit's bank that its admins published, accepted and graded by the
//! machine (a written answer, marked by hand, is never public).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::questions::{Answer, Grade};
use crate::text::{self, TextError};

/// Questions in one public quiz (fewer when the bank holds fewer).
pub const QUIZ_LENGTH: usize = 10;

/// The longest nickname a quiz-taker may give.
pub const NICKNAME_LIMIT: usize = 20;

/// A quiz-taker's nickname: optional, trimmed, at most `NICKNAME_LIMIT`
/// characters; empty means none.
pub fn nickname(input: &str) -> Result<Option<String>, TextError> {
    let name = text::bounded("nickname", &text::tidy(input), NICKNAME_LIMIT)?;
    Ok((!name.is_empty()).then_some(name))
}

/// Whether a question may be in the public bank: it must be graded at
/// once, which a written answer is not.
pub fn may_be_public(answer: &Answer) -> bool {
    !matches!(answer, Answer::Short { .. })
}

/// A quiz's score, in whole percent of its questions' marks.
pub fn score(grades: &[Grade]) -> u32 {
    if grades.is_empty() {
        return 0;
    }
    let earned: f64 = grades
        .iter()
        .map(|g| match g {
            Grade::Scored(share) => *share,
            Grade::Pending => 0.0,
        })
        .sum();
    (earned * 100.0 / grades.len() as f64)
        .round()
        .clamp(0.0, 100.0) as u32
}

/// A day's public participation: the distinct readers of the public
/// collections, the quizzes finished and their scores together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub readers: u64,
    pub quizzes: u64,
    pub score_sum: u64,
}

impl DayFigures {
    /// The average score of the day's quizzes, none on a day without one
    /// (not a misleading 0).
    pub fn average(&self) -> Option<u32> {
        (self.quizzes > 0).then(|| (self.score_sum as f64 / self.quizzes as f64).round() as u32)
    }
}

/// Every day from `from` to `to` with its figures, a day without any
/// shown as zeros so that the series has no gaps.
pub fn every_day(from: NaiveDate, to: NaiveDate, known: &[DayFigures]) -> Vec<DayFigures> {
    from.iter_days()
        .take_while(|day| *day <= to)
        .map(|day| {
            known
                .iter()
                .find(|f| f.day == day)
                .copied()
                .unwrap_or(DayFigures {
                    day,
                    ..DayFigures::default()
                })
        })
        .collect()
}

/// National Constitution Day (国家宪法日), December 4, in the year of
/// `today`: this year's if it is still to come or today, else next year's.
pub fn next_constitution_day(today: NaiveDate) -> NaiveDate {
    let this_year = NaiveDate::from_ymd_opt(today.year(), 12, 4).unwrap_or(today);
    if this_year >= today {
        this_year
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, 12, 4).unwrap_or(today)
    }
}

/// What an admin says on the Constitution Day page, and whether the front
/// page leads to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feature {
    pub headline: String,
    pub message: String,
    /// Shown at the top of the front page.
    pub featured: bool,
}

pub const HEADLINE_LIMIT: usize = 60;
pub const MESSAGE_LIMIT: usize = 2_000;

impl Feature {
    /// Checks what an admin typed, naming the field at fault.
    pub fn new(headline: &str, message: &str, featured: bool) -> Result<Self, TextError> {
        Ok(Self {
            headline: text::bounded("headline", headline, HEADLINE_LIMIT)?,
            message: text::bounded("message", message, MESSAGE_LIMIT)?,
            featured,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questions::Choice;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    #[test]
    fn a_nickname_is_optional_tidied_and_bounded() {
        assert_eq!(nickname("   "), Ok(None));
        assert_eq!(nickname(" 老　张 "), Ok(Some("老 张".into())));
        assert!(nickname(&"长".repeat(NICKNAME_LIMIT + 1)).is_err());
    }

    #[test]
    fn written_answers_are_never_public() {
        assert!(!may_be_public(&Answer::Short { model: None }));
        assert!(may_be_public(&Answer::Single {
            choices: vec![Choice::right("a"), Choice::wrong("b")]
        }));
    }

    #[test]
    fn a_score_is_the_share_of_marks_in_whole_percent() {
        assert_eq!(score(&[]), 0);
        assert_eq!(
            score(&[Grade::Scored(1.0), Grade::Scored(0.0), Grade::Scored(0.5)]),
            50
        );
        assert_eq!(score(&[Grade::Scored(1.0); 3]), 100);
    }

    #[test]
    fn a_day_without_quizzes_has_no_average_and_gaps_are_filled() {
        let figures = DayFigures {
            day: day(2026, 12, 4),
            readers: 10,
            quizzes: 3,
            score_sum: 250,
        };
        assert_eq!(figures.average(), Some(83));
        let series = every_day(day(2026, 12, 3), day(2026, 12, 5), &[figures]);
        assert_eq!(series.len(), 3);
        assert_eq!(series[0].average(), None);
        assert_eq!(series[1], figures);
    }

    #[test]
    fn constitution_day_is_this_years_until_it_passes() {
        assert_eq!(next_constitution_day(day(2026, 12, 4)), day(2026, 12, 4));
        assert_eq!(next_constitution_day(day(2026, 3, 1)), day(2026, 12, 4));
        assert_eq!(next_constitution_day(day(2026, 12, 5)), day(2027, 12, 4));
    }

    #[test]
    fn a_feature_names_the_field_that_is_too_long() {
        let long = "字".repeat(HEADLINE_LIMIT + 1);
        let err = Feature::new(&long, "", true).expect_err("too long");
        assert!(err.to_string().starts_with("headline"));
    }
}
