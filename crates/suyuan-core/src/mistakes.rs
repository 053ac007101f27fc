//! The mistake book: a question a member got wrong comes back for review
//! on a spaced-repetition schedule (FSRS, through the `rs-fsrs` crate):
//! soon after the mistake, then further apart each time it is answered
//! right, and soon again whenever it is missed.

use chrono::{DateTime, Utc};
use rs_fsrs::{Card, FSRS, Rating};

/// What the scheduler knows of one mistake.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule(Card);

impl Schedule {
    /// A question just answered wrong: due for a first review at once,
    /// so that the member can go over it straight from the result.
    pub fn after_mistake(now: DateTime<Utc>) -> Self {
        let fresh = Card {
            due: now,
            last_review: now,
            ..Card::default()
        };
        let Self(mut card) = Self::review(fresh, now, false);
        card.due = now;
        Self(card)
    }

    /// The schedule after the question is answered again.
    pub fn reviewed(&self, now: DateTime<Utc>, right: bool) -> Self {
        Self::review(self.0.clone(), now, right)
    }

    fn review(card: Card, now: DateTime<Utc>, right: bool) -> Self {
        let rating = if right { Rating::Good } else { Rating::Again };
        Self(FSRS::default().next(card, now, rating).card)
    }

    /// When it is next due for review.
    pub fn due(&self) -> DateTime<Utc> {
        self.0.due
    }

    /// How many times it was missed after being learned.
    pub fn lapses(&self) -> i32 {
        self.0.lapses
    }

    /// How many times it has been reviewed.
    pub fn reviews(&self) -> i32 {
        self.0.reps
    }

    pub fn to_json(&self) -> String {
        // A plain struct of numbers, dates and an enum always serializes.
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok().map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 20, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn a_mistake_comes_back_soon_then_further_apart_while_answered_right() {
        let mut now = start();
        let mut schedule = Schedule::after_mistake(now);
        assert_eq!(schedule.due(), now, "due for a first review at once");
        let mut last_gap = schedule.due() - now;
        for _ in 0..6 {
            now = schedule.due();
            schedule = schedule.reviewed(now, true);
            let gap = schedule.due() - now;
            assert!(gap >= last_gap, "{gap} after {last_gap}");
            last_gap = gap;
        }
        assert!(last_gap > Duration::days(7), "{last_gap}");
        // Missed again: back within a day.
        now = schedule.due();
        let missed = schedule.reviewed(now, false);
        assert!(missed.due() <= now + Duration::days(1));
        assert!(missed.lapses() >= 1);
    }

    #[test]
    fn the_schedule_is_the_same_whenever_it_is_worked_out() {
        let now = start();
        let a = Schedule::after_mistake(now).reviewed(now + Duration::days(1), true);
        let b = Schedule::after_mistake(now).reviewed(now + Duration::days(1), true);
        assert_eq!(a, b);
        assert_eq!(Schedule::from_json(&a.to_json()), Some(a));
        assert_eq!(Schedule::from_json("nonsense"), None);
    }
}
