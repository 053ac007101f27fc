//! Questions generated from a campaign's readings: proposed for a period,
//! reviewed by an admin one by one (or all at once), and only then in the
//! bank.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use chrono::NaiveDate;
use serde::Deserialize;

use suyuan_app::questions::propose_from_readings;
use suyuan_core::campaigns::CampaignId;
use suyuan_core::campaigns::{DEFAULT_ZONE, Dekad};
use suyuan_core::questions::QuestionId;
use suyuan_store::questions::{Owners, QuestionFilter, Status};

use super::{QuestionView, view};
use crate::auth::PageUser;
use crate::csrf::{CsrfForm, CsrfToken, NoFields};
use crate::error::WebError;
use crate::i18n::{Lang, fill};
use crate::views::Chrome;
use crate::{AppState, paths};

#[derive(Template, WebTemplate)]
#[template(path = "proposals.html")]
pub struct ProposalsPage {
    chrome: Chrome,
    outcome: Option<String>,
    /// The campaigns the admin may generate from: id and title.
    campaigns: Vec<(i64, String)>,
    /// The form's default period: the current dekad so far.
    from: String,
    to: String,
    total: String,
    proposals: Vec<(i64, QuestionView)>,
}

#[derive(Deserialize)]
pub struct OutcomeQuery {
    added: Option<usize>,
    already: Option<usize>,
}

/// Proposals listed at once; accepting or dropping brings up the next.
const LISTED: u64 = 50;

fn proposed_within(user: &PageUser) -> QuestionFilter {
    QuestionFilter {
        status: Status::Proposed,
        limit: LISTED,
        ..QuestionFilter::bank(Owners::Within(user.principal.unit_path.clone()))
    }
}

pub async fn proposals_page(
    State(state): State<AppState>,
    lang: Lang,
    CsrfToken(csrf): CsrfToken,
    user: PageUser,
    Query(outcome): Query<OutcomeQuery>,
) -> Result<ProposalsPage, WebError> {
    user.principal.must_be_admin()?;
    let t = lang.texts();
    let (total, proposals) = state.store.questions(&proposed_within(&user)).await?;
    let campaigns = state
        .store
        .campaigns_within(&user.principal.unit_path)
        .await?;
    let today = state.now().with_timezone(&DEFAULT_ZONE).date_naive();
    let from = Dekad::of(today).first_day();
    Ok(ProposalsPage {
        chrome: Chrome::for_user(lang, csrf, &user, paths::PROPOSALS),
        outcome: outcome.added.zip(outcome.already).map(|(added, already)| {
            fill(
                t.questions_proposed,
                &[("added", &added), ("already", &already)],
            )
        }),
        campaigns: campaigns.into_iter().map(|c| (c.id.0, c.title)).collect(),
        from: from.to_string(),
        to: today.to_string(),
        total: fill(t.proposals_total, &[("total", &total)]),
        proposals: proposals
            .iter()
            .map(|q| (q.id.0, view(t, &q.question)))
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct GenerateForm {
    campaign_id: i64,
    from: NaiveDate,
    to: NaiveDate,
}

pub async fn generate(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<GenerateForm>,
) -> Result<Redirect, WebError> {
    user.principal.must_be_admin()?;
    let campaign = state.store.campaign(CampaignId(form.campaign_id)).await?;
    let looked_after = state
        .store
        .campaigns_within(&user.principal.unit_path)
        .await?
        .iter()
        .any(|c| c.id == campaign.id);
    if !looked_after {
        return Err(WebError::NotFound);
    }
    if form.to < form.from {
        return Err(WebError::Invalid(format!(
            "to: the period ends ({}) before it starts ({})",
            form.to, form.from
        )));
    }
    let added = propose_from_readings(
        &state.store,
        user.principal.unit_id,
        &campaign,
        form.from..=form.to,
        Status::Proposed,
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "{}?added={}&already={}",
        paths::PROPOSALS,
        added.added,
        added.already
    )))
}

/// A proposal the admin may review: one owned within their subtree.
async fn reviewable(state: &AppState, user: &PageUser, id: i64) -> Result<QuestionId, WebError> {
    let question = state.store.question(QuestionId(id)).await?;
    let owner = state.store.unit(question.owner).await?;
    if question.status != Status::Proposed || !user.principal.unit_path.contains(&owner.path) {
        return Err(WebError::NotFound);
    }
    user.principal.may_manage_within(&owner.path)?;
    Ok(question.id)
}

pub async fn accept(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, WebError> {
    let id = reviewable(&state, &user, id).await?;
    state.store.accept_question(id).await?;
    Ok(Redirect::to(paths::PROPOSALS))
}

pub async fn drop(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, WebError> {
    let id = reviewable(&state, &user, id).await?;
    state.store.drop_proposed_question(id).await?;
    Ok(Redirect::to(paths::PROPOSALS))
}
