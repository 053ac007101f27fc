//! Pledges of practical things for the people, on the web. So far the
//! round every instance runs: pledges whose deadline has passed undone
//! are counted overdue (once each, whichever instance gets there first).

use crate::AppState;
use crate::error::WebError;

/// How often an instance looks for pledges that have become overdue.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Counts the pledges that became overdue since the last round.
pub async fn count_overdue(state: &AppState) -> Result<u64, WebError> {
    Ok(state.store.count_overdue_pledges(state.now()).await?)
}
