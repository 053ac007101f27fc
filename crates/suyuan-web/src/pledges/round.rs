//! The round every instance runs each minute: pledges whose deadline has
//! passed undone are counted overdue, and pledgers whose deadline is near
//! are reminded — by e-mail (a member, or the admins of a pledging unit)
//! and through the unit's group robot; the home page says it too, without
//! a round. Each pledge is counted and reminded once, whichever instance
//! gets there first.

use serde::Serialize;

use super::*;
use crate::i18n::Lang;

/// How often an instance runs the round.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// How long before its deadline a pledger is reminded.
pub const REMIND_BEFORE: Duration = Duration::days(3);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Round {
    /// Pledges counted overdue.
    pub overdue: u64,
    /// Pledges whose pledgers were reminded.
    pub reminded: usize,
    pub emails: usize,
    pub webhooks: usize,
    /// Messages that could not be delivered (logged; not retried).
    pub failures: usize,
}

pub async fn sweep(state: &AppState) -> Result<Round, WebError> {
    let now = state.now();
    let mut round = Round {
        overdue: state.store.count_overdue_pledges(now).await?,
        ..Round::default()
    };
    // Reminders go out in the campaign's language, as the evening ones do.
    let t = Lang::Zh.texts();
    for pledge in state
        .store
        .claim_pledge_reminders(now, REMIND_BEFORE)
        .await?
    {
        round.reminded += 1;
        let deadline = dates::day(t, pledge.timeline.deadline);
        let link = paths::pledge(pledge.id);
        let words: [(&str, &(dyn std::fmt::Display + Sync)); 4] = [
            ("title", &pledge.promise.title),
            ("deadline", &deadline),
            ("pledger", &pledge.pledger_name),
            ("link", &link),
        ];
        let to = match pledge.member {
            Some(member) => vec![member],
            None => state.store.admins_of(pledge.unit.id).await?,
        };
        let subject = fill(t.pledges.mail_subject, &words);
        let body = fill(t.pledges.mail_body, &words);
        for (member, address) in state.store.emails_of(&to).await? {
            match state.outbox.mail(&address, &subject, &body).await {
                Ok(true) => round.emails += 1,
                Ok(false) => {}
                Err(err) => {
                    round.failures += 1;
                    tracing::warn!(%err, member = member.0, "a pledge reminder was not mailed");
                }
            }
        }
        let group = fill(t.pledges.group_message, &words);
        match crate::reminders::tell_group(state, &pledge.unit.path, &group).await? {
            Some(true) => round.webhooks += 1,
            Some(false) => round.failures += 1,
            None => {}
        }
    }
    Ok(round)
}
