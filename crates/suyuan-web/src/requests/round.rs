//! The round every instance runs each minute: answered requests left
//! unopened past their window are resolved; requests past a deadline climb
//! a level (and the unit they reach is told); units are reminded ahead of
//! each deadline — by e-mail to the unit's admins and through its group
//! robot. The store takes each step once, whichever instance gets there
//! first.

use serde::Serialize;

use suyuan_store::requests::Request;

use super::*;
use crate::i18n::Lang;

/// How often an instance runs the round.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Round {
    pub lapsed: usize,
    pub escalated: usize,
    pub reminded: usize,
    pub emails: usize,
    pub webhooks: usize,
    /// Messages that could not be delivered (logged; not retried).
    pub failures: usize,
}

pub async fn sweep(state: &AppState) -> Result<Round, WebError> {
    let now = state.now();
    let done = state.store.request_round(now).await?;
    let mut round = Round {
        lapsed: done.lapsed,
        escalated: done.escalated.len(),
        reminded: done.reminders.len(),
        ..Round::default()
    };
    // Messages go out in Chinese, as the evening reminders do.
    let t = Lang::Zh.texts();
    for (request, to) in &done.escalated {
        let unit = state.store.unit(*to).await?;
        let due = request.handling.next_deadline().unwrap_or(now);
        let words = fill(
            t.requests.mail_escalated,
            &[
                ("category", &request.category.category.name),
                ("place", &request.submission.address),
                ("unit", &request.unit.name),
                ("due", &local(t, request.zone, due)),
                ("link", &paths::request(request.id)),
            ],
        );
        tell(state, &mut round, &unit, request, &words).await?;
    }
    for (request, due) in &done.reminders {
        let words = fill(
            t.requests.mail_reminder,
            &[
                ("category", &request.category.category.name),
                ("place", &request.submission.address),
                ("unit", &request.unit.name),
                ("due", &local(t, request.zone, *due)),
                ("link", &paths::request(request.id)),
            ],
        );
        tell(state, &mut round, &request.unit, request, &words).await?;
    }
    Ok(round)
}

/// Tells a unit's admins by e-mail and its group by robot.
async fn tell(
    state: &AppState,
    round: &mut Round,
    unit: &Unit,
    request: &Request,
    words: &str,
) -> Result<(), WebError> {
    let subject = words.lines().next().unwrap_or_default();
    let admins = state.store.admins_of(unit.id).await?;
    for (member, address) in state.store.emails_of(&admins).await? {
        match state.outbox.mail(&address, subject, words).await {
            Ok(true) => round.emails += 1,
            Ok(false) => {}
            Err(err) => {
                round.failures += 1;
                tracing::warn!(%err, member = member.0, request = request.id.0, "a request notice was not mailed");
            }
        }
    }
    match crate::reminders::tell_group(state, &unit.path, words).await? {
        Some(true) => round.webhooks += 1,
        Some(false) => round.failures += 1,
        None => {}
    }
    Ok(())
}
