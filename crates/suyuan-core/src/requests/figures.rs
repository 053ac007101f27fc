//! What a request's history counts for its unit: received, acknowledged
//! (on time or not), answered, resolved (on time or not: the answer that
//! stood came before its deadline), rated, reopened and escalated. The
//! store keeps these per unit and day as the events happen, and derives
//! them again from the events alone; both read `Tally`, so they agree.

use chrono::{DateTime, Utc};

use super::EventKind;
use crate::progress::Rate;

/// A unit's request figures over some days (its subtree included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestCounts {
    pub received: i64,
    pub acknowledged: i64,
    pub acknowledged_on_time: i64,
    pub answered: i64,
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub rated: i64,
    /// The stars given, added up.
    pub stars: i64,
    /// Rated four or five.
    pub satisfied: i64,
    pub reopened: i64,
    pub escalated: i64,
}

impl std::ops::AddAssign for RequestCounts {
    fn add_assign(&mut self, other: Self) {
        self.received += other.received;
        self.acknowledged += other.acknowledged;
        self.acknowledged_on_time += other.acknowledged_on_time;
        self.answered += other.answered;
        self.resolved += other.resolved;
        self.resolved_on_time += other.resolved_on_time;
        self.rated += other.rated;
        self.stars += other.stars;
        self.satisfied += other.satisfied;
        self.reopened += other.reopened;
        self.escalated += other.escalated;
    }
}

fn share(part: i64, whole: i64) -> Rate {
    Rate::new(part.max(0) as u64, whole.max(0) as u64)
}

impl RequestCounts {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// 响应率: acknowledged within the acknowledge deadline.
    pub fn response_rate(&self) -> Rate {
        share(self.acknowledged_on_time, self.acknowledged)
    }

    /// 解决率: resolved with an answer given in time.
    pub fn resolution_rate(&self) -> Rate {
        share(self.resolved_on_time, self.resolved)
    }

    /// 满意率: four or five stars of those rated.
    pub fn satisfaction_rate(&self) -> Rate {
        share(self.satisfied, self.rated)
    }

    /// Answers the requester reopened.
    pub fn reopen_rate(&self) -> Rate {
        share(self.reopened, self.answered)
    }

    /// The average stars, when any were given.
    pub fn average_stars(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.stars as f64 / self.rated as f64)
    }
}

/// Replays one request's events in order, saying what each counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    answered_at: Option<DateTime<Utc>>,
}

impl Tally {
    /// Picking up a request's history where it stands: its last answer.
    pub fn resume(answered_at: Option<DateTime<Utc>>) -> Self {
        Self { answered_at }
    }

    /// What an event counts. `due` is the deadline in force it was
    /// written with; `value` the stars of a rating.
    pub fn count(
        &mut self,
        kind: EventKind,
        at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        value: Option<i64>,
    ) -> RequestCounts {
        let mut counts = RequestCounts::default();
        let in_time = |done: DateTime<Utc>| i64::from(due.is_some_and(|due| done <= due));
        match kind {
            EventKind::Received => counts.received = 1,
            EventKind::Acknowledged => {
                counts.acknowledged = 1;
                counts.acknowledged_on_time = in_time(at);
            }
            EventKind::Answered => {
                counts.answered = 1;
                self.answered_at = Some(at);
            }
            EventKind::Confirmed | EventKind::Lapsed => {
                counts.resolved = 1;
                counts.resolved_on_time = self.answered_at.map_or(0, in_time);
            }
            EventKind::Rated => {
                let stars = value.unwrap_or_default();
                counts.rated = 1;
                counts.stars = stars;
                counts.satisfied = i64::from(stars >= 4);
            }
            EventKind::Reopened => counts.reopened = 1,
            EventKind::Escalated => counts.escalated = 1,
            EventKind::SentOn
            | EventKind::SentBack
            | EventKind::Rerouted
            | EventKind::ExtensionAsked
            | EventKind::ExtensionGranted
            | EventKind::ExtensionRefused
            | EventKind::Reminded
            | EventKind::Hidden
            | EventKind::Shown => {}
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn a_history_adds_up_to_the_three_rates() {
        let mut tally = Tally::default();
        let mut total = RequestCounts::default();
        let ack_due = Some(at(7, 13));
        let resolve_due = Some(at(14, 0));
        for (kind, when, due, value) in [
            (EventKind::Received, at(7, 9), None, None),
            (EventKind::Acknowledged, at(7, 14), ack_due, None),
            (EventKind::Answered, at(10, 9), resolve_due, None),
            (EventKind::Rated, at(10, 20), None, Some(2)),
            (EventKind::Reopened, at(10, 20), None, None),
            (EventKind::Answered, at(15, 9), Some(at(17, 0)), None),
            (EventKind::Rated, at(15, 20), None, Some(5)),
            (EventKind::Confirmed, at(15, 20), Some(at(17, 0)), None),
        ] {
            total += tally.count(kind, when, due, value);
        }
        assert_eq!(total.response_rate().percent(), "0.0%");
        assert_eq!(total.resolution_rate().percent(), "100.0%");
        assert_eq!(total.satisfaction_rate().percent(), "50.0%");
        assert_eq!(total.reopen_rate().percent(), "50.0%");
        assert_eq!(total.average_stars(), Some(3.5));
        assert_eq!(total.received, 1);
    }

    #[test]
    fn a_resolution_after_a_late_answer_is_not_on_time() {
        let mut tally = Tally::resume(Some(at(15, 0)));
        let counts = tally.count(EventKind::Lapsed, at(22, 1), Some(at(14, 0)), None);
        assert_eq!((counts.resolved, counts.resolved_on_time), (1, 0));
    }
}
