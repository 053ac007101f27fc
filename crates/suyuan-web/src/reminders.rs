//! Evening reminders: at each campaign's evening time, members who have
//! not read today's assignment are reminded once — on their home page, by
//! e-mail if they gave an address, and through their unit's group robot
//! (the WeCom and DingTalk kind: a JSON POST to a configured URL). With
//! several instances, the database lets exactly one of them do a day's
//! round for a campaign, and notes each member reminded, so nobody hears
//! it twice.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::campaigns::Campaign;
use suyuan_core::members::{Email, MemberId};
use suyuan_core::units::UnitId;
use suyuan_store::members::Member;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::WebError;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_set_email))
        .routes(routes!(api_set_hook))
}

/// What one round of reminders did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Round {
    /// Campaigns whose evening round this instance ran.
    pub campaigns: usize,
    pub reminded: usize,
    pub emails: usize,
    pub webhooks: usize,
    /// Messages that could not be delivered (logged; not retried).
    pub failures: usize,
}

/// Runs every campaign's round that is due and not yet run (by any
/// instance) today.
pub async fn remind(state: &AppState) -> Result<Round, WebError> {
    let now = state.now();
    let mut round = Round::default();
    for campaign in state.store.all_campaigns().await? {
        let today = campaign.calendar.date_at(now);
        if !campaign.calendar.contains(today)
            || !campaign.calendar.is_evening(now, campaign.evening)
        {
            continue;
        }
        if !state
            .store
            .claim_reminder_run(campaign.id, today, now)
            .await?
        {
            continue;
        }
        round.campaigns += 1;
        let book = state.books.get(state, campaign.id).await?;
        let assigned = book.assignment(today).len();
        if assigned > 0 {
            let unread = state
                .store
                .unread_members(&campaign, today, assigned)
                .await?;
            let ids: Vec<MemberId> = unread.iter().map(|m| m.id).collect();
            let noted: HashSet<MemberId> = state
                .store
                .note_reminders(campaign.id, today, &ids, now)
                .await?
                .into_iter()
                .collect();
            let fresh: Vec<&Member> = unread.iter().filter(|m| noted.contains(&m.id)).collect();
            round.reminded += fresh.len();
            send_mail(state, &campaign, &fresh, &mut round).await?;
            post_to_groups(state, &campaign, today, &fresh, &mut round).await?;
        }
        state
            .store
            .finish_reminder_run(campaign.id, today, now)
            .await?;
    }
    Ok(round)
}

async fn send_mail(
    state: &AppState,
    campaign: &Campaign,
    members: &[&Member],
    round: &mut Round,
) -> Result<(), WebError> {
    if !state.outbox.mails() {
        return Ok(());
    }
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let names: HashMap<MemberId, &str> = members.iter().map(|m| (m.id, m.name.as_str())).collect();
    for (member, address) in state.store.emails_of(&ids).await? {
        let name = names.get(&member).copied().unwrap_or_default();
        let body = format!(
            "{name}同志：您好！\n\n您今天在「{}」中的阅读还没有完成，请在今天结束前读完。\n\n溯源学习平台",
            campaign.title
        );
        match state
            .outbox
            .mail(&address, "【溯源】今日阅读提醒", &body)
            .await
        {
            Ok(_) => round.emails += 1,
            Err(err) => {
                round.failures += 1;
                tracing::warn!(%err, member = member.0, "a reminder e-mail was not sent");
            }
        }
    }
    Ok(())
}

/// One message per group robot: the names of its unit's members who have
/// not read, each under the nearest unit (up their path) that has one.
async fn post_to_groups(
    state: &AppState,
    campaign: &Campaign,
    day: chrono::NaiveDate,
    members: &[&Member],
    round: &mut Round,
) -> Result<(), WebError> {
    let mut hook_of_unit: HashMap<UnitId, Option<String>> = HashMap::new();
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for member in members {
        let unit = member.unit.id;
        if let std::collections::hash_map::Entry::Vacant(entry) = hook_of_unit.entry(unit) {
            let nearest = state
                .store
                .hooks_on_path(&member.unit.path)
                .await?
                .pop()
                .map(|(_, url)| url);
            entry.insert(nearest);
        }
        if let Some(Some(url)) = hook_of_unit.get(&unit) {
            groups.entry(url.clone()).or_default().push(&member.name);
        }
    }
    for (url, names) in groups {
        let content = format!(
            "【{}】今天（{day}）的阅读还没有完成的同志：{}。请在今晚读完。",
            campaign.title,
            names.join("、")
        );
        if state.outbox.post_to_robot(&url, &content).await {
            round.webhooks += 1;
        } else {
            round.failures += 1;
        }
    }
    Ok(())
}

/// Tells the group of the unit at `path` — through its robot, or the
/// nearest one above it — about a change: whether the robot took it, or
/// `None` when there is no robot to tell.
pub async fn tell_group(
    state: &AppState,
    path: &suyuan_core::units::UnitPath,
    content: &str,
) -> Result<Option<bool>, WebError> {
    match state.store.hooks_on_path(path).await?.pop() {
        Some((_, url)) => Ok(Some(state.outbox.post_to_robot(&url, content).await)),
        None => Ok(None),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct EmailRequest {
    /// An address for reminders, or null to stop them.
    email: Option<String>,
}

/// Sets (or clears) the caller's e-mail address for reminders.
#[utoipa::path(put, path = "/api/v1/me/email", tag = "reading", security(("bearer" = [])), request_body = EmailRequest,
    responses((status = 204), (status = 422, description = "not an e-mail address")))]
async fn api_set_email(
    State(state): State<AppState>,
    user: ApiUser,
    Json(request): Json<EmailRequest>,
) -> Result<StatusCode, WebError> {
    let email = request
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(Email::parse)
        .transpose()
        .map_err(|e| WebError::Invalid(format!("email: {e}")))?;
    state
        .store
        .set_email(user.member.id, email.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct HookRequest {
    /// The group robot's webhook (http or https), or null to remove it.
    url: Option<String>,
}

/// Sets (or removes) the group robot of a unit of the caller's subtree:
/// its members who have not read are named there each evening.
#[utoipa::path(put, path = "/api/v1/units/{id}/reminder-hook", tag = "reading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HookRequest,
    responses((status = 204), (status = 404, description = "no such unit in the caller's scope"),
        (status = 422, description = "not an http(s) URL, or one on this machine or a private network")))]
async fn api_set_hook(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<HookRequest>,
) -> Result<StatusCode, WebError> {
    let unit = state.store.unit(UnitId(id)).await?;
    user.principal
        .may_manage_within(&unit.path)
        .map_err(|_| WebError::NotFound)?;
    let url = request
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if let Some(url) = url {
        state
            .outbox
            .check_robot(url)
            .await
            .map_err(|e| WebError::Invalid(format!("url: {e}")))?;
    }
    state
        .store
        .set_reminder_hook(unit.id, url, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
