//! A request's way through its unit: the states, what each step may do
//! and when, and the record every step leaves. Moving a request (sent on,
//! sent back, rerouted) never restarts its clocks: the requester has been
//! waiting all along. Only an extension approved a level up, and a
//! reopening, set the resolve deadline anew.

use chrono::{DateTime, Duration, Utc};

use super::RequestError;

/// A unit that got a request it does not handle may send it back within
/// this long of its arrival.
pub const SEND_BACK_WITHIN: Duration = Duration::hours(24);

/// The requester may reopen an answered request within this long; after
/// it, unopened, the request counts as resolved.
pub const REOPEN_WITHIN: Duration = Duration::days(7);

/// An extension adds at most this much to the resolve deadline.
pub const LONGEST_EXTENSION: Duration = Duration::days(30);

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Received and routed, waiting for its unit to acknowledge it.
    Open,
    /// Its unit has taken it on.
    Acknowledged,
    /// Its unit has answered; the requester may rate it and reopen it.
    Answered,
    /// Confirmed by the requester, or its reopening window lapsed.
    Resolved,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Open,
        State::Acknowledged,
        State::Answered,
        State::Resolved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Acknowledged => "acknowledged",
            State::Answered => "answered",
            State::Resolved => "resolved",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the unit still owes an answer.
    pub fn awaits_unit(self) -> bool {
        matches!(self, State::Open | State::Acknowledged)
    }

    /// Open311's two statuses: a request is closed once answered (it
    /// opens again if the requester reopens it).
    pub fn open311_status(self) -> &'static str {
        if self.awaits_unit() { "open" } else { "closed" }
    }
}

/// What happened to a request: its history is these, appended, never
/// changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Received,
    Acknowledged,
    /// To a unit below (the other unit).
    SentOn,
    /// To the unit above, with a reason.
    SentBack,
    /// By a dispatcher above, to the other unit.
    Rerouted,
    /// The unit asks for a later resolve deadline (`due_at`), with a reason.
    ExtensionAsked,
    ExtensionGranted,
    ExtensionRefused,
    /// A reminder went to the unit ahead of a deadline (`due_at`).
    Reminded,
    /// A deadline (`due_at`) was missed: the request stands `value`
    /// levels up, at the other unit.
    Escalated,
    Answered,
    /// The requester's stars (`value`) for the answer.
    Rated,
    Confirmed,
    /// The reopening window passed without a reopening.
    Lapsed,
    Reopened,
    /// A moderator hid the request's text from the public (or showed it
    /// again); the record keeps it.
    Hidden,
    Shown,
}

impl EventKind {
    pub const ALL: [EventKind; 17] = [
        EventKind::Received,
        EventKind::Acknowledged,
        EventKind::SentOn,
        EventKind::SentBack,
        EventKind::Rerouted,
        EventKind::ExtensionAsked,
        EventKind::ExtensionGranted,
        EventKind::ExtensionRefused,
        EventKind::Reminded,
        EventKind::Escalated,
        EventKind::Answered,
        EventKind::Rated,
        EventKind::Confirmed,
        EventKind::Lapsed,
        EventKind::Reopened,
        EventKind::Hidden,
        EventKind::Shown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::Acknowledged => "acknowledged",
            EventKind::SentOn => "sent_on",
            EventKind::SentBack => "sent_back",
            EventKind::Rerouted => "rerouted",
            EventKind::ExtensionAsked => "extension_asked",
            EventKind::ExtensionGranted => "extension_granted",
            EventKind::ExtensionRefused => "extension_refused",
            EventKind::Reminded => "reminded",
            EventKind::Escalated => "escalated",
            EventKind::Answered => "answered",
            EventKind::Rated => "rated",
            EventKind::Confirmed => "confirmed",
            EventKind::Lapsed => "lapsed",
            EventKind::Reopened => "reopened",
            EventKind::Hidden => "hidden",
            EventKind::Shown => "shown",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the requester and the public see it on the request's page
    /// (the unit's internal steps and moderation are on its desk only).
    pub fn public(self) -> bool {
        !matches!(
            self,
            EventKind::ExtensionAsked
                | EventKind::ExtensionRefused
                | EventKind::Reminded
                | EventKind::Hidden
                | EventKind::Shown
        )
    }
}

/// What the steps need to know of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handling {
    pub state: State,
    /// When it reached the unit handling it now.
    pub assigned_at: DateTime<Utc>,
    pub acknowledge_due: DateTime<Utc>,
    pub resolve_due: DateTime<Utc>,
    /// The unit asks for this resolve deadline, not yet decided above.
    pub extension_asked: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl Handling {
    fn must_be(&self, allowed: &[State]) -> Result<(), RequestError> {
        if allowed.contains(&self.state) {
            Ok(())
        } else {
            Err(RequestError::NotNow(self.state))
        }
    }

    /// The deadline the unit is working to: acknowledging, then resolving.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        match self.state {
            State::Open => Some(self.acknowledge_due),
            State::Acknowledged => Some(self.resolve_due),
            State::Answered | State::Resolved => None,
        }
    }

    /// Whether the unit is past the deadline it is working to.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.next_deadline().is_some_and(|due| now >= due)
    }

    pub fn acknowledge(&self) -> Result<(), RequestError> {
        self.must_be(&[State::Open])
    }

    /// Sending on to a unit below, or a dispatcher's rerouting: while the
    /// unit still owes an answer.
    pub fn move_on(&self) -> Result<(), RequestError> {
        self.must_be(&[State::Open, State::Acknowledged])
    }

    /// Sending back up: not yet acknowledged, and soon after it arrived.
    pub fn send_back(&self, now: DateTime<Utc>) -> Result<(), RequestError> {
        self.must_be(&[State::Open])?;
        if now - self.assigned_at > SEND_BACK_WITHIN {
            return Err(RequestError::SendBackTooLate);
        }
        Ok(())
    }

    /// Asking for a later resolve deadline.
    pub fn ask_extension(&self, until: DateTime<Utc>) -> Result<(), RequestError> {
        self.must_be(&[State::Open, State::Acknowledged])?;
        if self.extension_asked.is_some() {
            return Err(RequestError::ExtensionPending);
        }
        if until <= self.resolve_due || until - self.resolve_due > LONGEST_EXTENSION {
            return Err(RequestError::ExtensionLength);
        }
        Ok(())
    }

    /// Deciding an asked extension; granted, it is the new deadline.
    pub fn decide_extension(&self) -> Result<DateTime<Utc>, RequestError> {
        self.must_be(&[State::Open, State::Acknowledged])?;
        self.extension_asked.ok_or(RequestError::NoExtensionAsked)
    }

    /// Answering: an unacknowledged request is acknowledged by it too.
    pub fn answer(&self) -> Result<bool, RequestError> {
        self.must_be(&[State::Open, State::Acknowledged])?;
        Ok(self.state == State::Open)
    }

    fn reopen_closes(&self) -> DateTime<Utc> {
        self.answered_at.unwrap_or(self.assigned_at) + REOPEN_WITHIN
    }

    /// The requester's stars, and their confirmation: while answered.
    pub fn respond(&self) -> Result<(), RequestError> {
        self.must_be(&[State::Answered])
    }

    /// Reopening: answered, within the window.
    pub fn reopen(&self, now: DateTime<Utc>) -> Result<(), RequestError> {
        self.must_be(&[State::Answered])?;
        if now > self.reopen_closes() {
            return Err(RequestError::ReopenTooLate);
        }
        Ok(())
    }

    /// Whether an answered request's window has lapsed unopened.
    pub fn lapsed(&self, now: DateTime<Utc>) -> bool {
        self.state == State::Answered && now > self.reopen_closes()
    }

    /// Until when the requester may still reopen it.
    pub fn reopen_until(&self) -> Option<DateTime<Utc>> {
        (self.state == State::Answered).then(|| self.reopen_closes())
    }

    /// When the round must next look at the request, as it stands at
    /// `now`: answered, when its reopening window has passed; owed, when
    /// its unit is to be reminded (once a deadline, and only before it)
    /// or when it climbs the next level (while there is one above);
    /// otherwise never, until a step changes it.
    pub fn next_check(&self, now: DateTime<Utc>, watch: Watch) -> Option<DateTime<Utc>> {
        if self.state == State::Answered {
            return Some(self.reopen_closes() + Duration::seconds(1));
        }
        let due = self.next_deadline()?;
        let remind = (watch.reminded_due != Some(due) && now < due)
            .then(|| super::remind_at(watch.received_at, due));
        let climb = (watch.escalation < watch.levels_above).then(|| {
            due + super::ESCALATE_EVERY * i32::try_from(watch.escalation).unwrap_or(i32::MAX)
        });
        match (remind, climb) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// What the round keeps of a request besides its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    pub received_at: DateTime<Utc>,
    /// The deadline its unit was last reminded of.
    pub reminded_due: Option<DateTime<Utc>>,
    /// Levels it stands above its unit now, and levels there are above.
    pub escalation: u32,
    pub levels_above: u32,
}

/// The requester's stars for an answer, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stars(u8);

impl Stars {
    pub fn new(value: i64) -> Result<Self, RequestError> {
        u8::try_from(value)
            .ok()
            .filter(|v| (1..=5).contains(v))
            .map(Self)
            .ok_or(RequestError::Stars)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// Four or five stars: a satisfied requester.
    pub fn satisfied(self) -> bool {
        self.0 >= 4
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

    fn open() -> Handling {
        Handling {
            state: State::Open,
            assigned_at: at(7, 9),
            acknowledge_due: at(7, 13),
            resolve_due: at(14, 0),
            extension_asked: None,
            answered_at: None,
        }
    }

    #[test]
    fn codes_read_back() {
        for state in State::ALL {
            assert_eq!(State::parse(state.code()), Some(state));
        }
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.code()), Some(kind));
        }
    }

    #[test]
    fn a_request_is_sent_back_only_unacknowledged_and_within_a_day() {
        let handling = open();
        assert_eq!(handling.send_back(at(8, 9)), Ok(()));
        assert_eq!(
            handling.send_back(at(8, 10)),
            Err(RequestError::SendBackTooLate)
        );
        let taken = Handling {
            state: State::Acknowledged,
            ..handling
        };
        assert_eq!(
            taken.send_back(at(7, 10)),
            Err(RequestError::NotNow(State::Acknowledged))
        );
        assert_eq!(taken.move_on(), Ok(()));
    }

    #[test]
    fn an_extension_is_later_within_a_month_and_one_at_a_time() {
        let handling = open();
        assert_eq!(
            handling.ask_extension(at(13, 0)),
            Err(RequestError::ExtensionLength)
        );
        assert_eq!(handling.ask_extension(at(20, 0)), Ok(()));
        assert_eq!(
            handling.decide_extension(),
            Err(RequestError::NoExtensionAsked)
        );
        let asked = Handling {
            extension_asked: Some(at(20, 0)),
            ..handling
        };
        assert_eq!(
            asked.ask_extension(at(21, 0)),
            Err(RequestError::ExtensionPending)
        );
        assert_eq!(asked.decide_extension(), Ok(at(20, 0)));
    }

    #[test]
    fn an_answer_may_be_reopened_for_a_week_then_it_lapses_resolved() {
        let handling = open();
        assert_eq!(handling.answer(), Ok(true));
        assert_eq!(
            handling.reopen(at(8, 0)),
            Err(RequestError::NotNow(State::Open))
        );
        let answered = Handling {
            state: State::Answered,
            answered_at: Some(at(10, 9)),
            ..handling
        };
        assert_eq!(answered.respond(), Ok(()));
        assert_eq!(answered.reopen(at(17, 9)), Ok(()));
        assert!(!answered.lapsed(at(17, 9)));
        assert_eq!(
            answered.reopen(at(17, 10)),
            Err(RequestError::ReopenTooLate)
        );
        assert!(answered.lapsed(at(17, 10)));
        assert_eq!(answered.next_deadline(), None);
        assert!(!answered.overdue(at(30, 0)));
    }

    #[test]
    fn the_deadline_worked_to_is_acknowledging_then_resolving() {
        let handling = open();
        assert!(!handling.overdue(at(7, 12)));
        assert!(handling.overdue(at(7, 13)));
        let taken = Handling {
            state: State::Acknowledged,
            ..handling
        };
        assert!(!taken.overdue(at(13, 23)));
        assert!(taken.overdue(at(14, 0)));
    }

    #[test]
    fn the_round_looks_again_to_remind_to_climb_and_to_close_the_window() {
        let handling = open();
        let watch = Watch {
            received_at: at(7, 9),
            reminded_due: None,
            escalation: 0,
            levels_above: 2,
        };
        // Four hours given: reminded an hour before.
        assert_eq!(handling.next_check(at(7, 9), watch), Some(at(7, 12)));
        let reminded = Watch {
            reminded_due: Some(at(7, 13)),
            ..watch
        };
        assert_eq!(handling.next_check(at(7, 12), reminded), Some(at(7, 13)));
        let climbed = Watch {
            escalation: 1,
            ..reminded
        };
        assert_eq!(handling.next_check(at(7, 13), climbed), Some(at(8, 13)));
        let at_the_top = Watch {
            escalation: 2,
            ..reminded
        };
        assert_eq!(handling.next_check(at(8, 13), at_the_top), None);
        // Past the deadline, a reminder is moot.
        assert_eq!(
            handling.next_check(
                at(9, 0),
                Watch {
                    escalation: 2,
                    ..watch
                }
            ),
            None
        );
        let answered = Handling {
            state: State::Answered,
            answered_at: Some(at(10, 9)),
            ..handling
        };
        assert_eq!(
            answered.next_check(at(10, 9), watch),
            Some(at(17, 9) + Duration::seconds(1))
        );
        let resolved = Handling {
            state: State::Resolved,
            ..answered
        };
        assert_eq!(resolved.next_check(at(10, 9), watch), None);
    }

    #[test]
    fn stars_run_one_to_five_and_four_is_satisfied() {
        assert_eq!(Stars::new(0), Err(RequestError::Stars));
        assert_eq!(Stars::new(6), Err(RequestError::Stars));
        assert!(!Stars::new(3).expect("stars").satisfied());
        assert!(Stars::new(4).expect("stars").satisfied());
    }
}
