//! Questions generated from a campaign's readings: proposed for a period,
//! reviewed by an admin one by one (or all at once), and only then in the
//! bank.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use suyuan_app::questions::propose_from_readings;
use suyuan_core::campaigns::CampaignId;
use suyuan_core::campaigns::{DEFAULT_ZONE, Dekad};
use suyuan_core::questions::{Kind, QuestionId};
use suyuan_store::questions::{Owners, QuestionFilter, Status};

use super::{QuestionView, view};
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::i18n::fill;
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, Pager};
use crate::{AppState, paths};

#[derive(Template, WebTemplate)]
#[template(path = "proposals.html")]
pub struct ProposalsPage {
    chrome: Chrome,
    /// "Accept all 30 on this page".
    accept_page: String,
    /// The campaigns the admin may generate from: id and title.
    campaigns: Vec<(i64, String)>,
    /// The form's default period: the current dekad so far.
    from: String,
    to: String,
    total: String,
    /// The filters as chosen, to show them and to come back to them.
    query: ProposalsQuery,
    back: String,
    kinds: Vec<(&'static str, &'static str)>,
    categories: Vec<(String, u64)>,
    /// Each proposal: its id, how it reads, and the one after it (the
    /// place to come back to once it is reviewed).
    proposals: Vec<(i64, QuestionView, Option<i64>)>,
    pager: Pager,
}

/// Proposals on a page; accepting or dropping brings up the next.
const PAGE_SIZE: u64 = 30;

/// The list's filters, in the address so that each view can be shared
/// and returned to.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ProposalsQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
}

impl ProposalsQuery {
    fn filter(&self, user: &PageUser) -> QuestionFilter {
        QuestionFilter {
            status: Status::Proposed,
            text: Some(self.q.clone()),
            kind: Kind::parse(&self.kind),
            category: Some(self.category.clone()).filter(|c| !c.is_empty()),
            ..QuestionFilter::bank(Owners::Within(user.principal.unit_path.clone()))
        }
    }

    /// The list's address with these filters, at `page`.
    fn href(&self, page: u64) -> String {
        let view = ProposalsQuery {
            page: Some(page).filter(|p| *p > 1),
            ..self.clone()
        };
        paths::with_query(paths::PROPOSALS, &view)
    }

    /// Where a review made from the list returns to: the same view, read
    /// back from the form's `back` (never an address from elsewhere), at
    /// the question that followed the one reviewed.
    fn back_from(back: &str, next: Option<i64>) -> String {
        let query: ProposalsQuery = serde_urlencoded::from_str(back).unwrap_or_default();
        let place = next.map_or_else(|| "proposals".to_owned(), |id| format!("q-{id}"));
        format!("{}#{place}", query.href(query.page.unwrap_or(1)))
    }
}

pub async fn proposals_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Query(query): Query<ProposalsQuery>,
) -> Result<ProposalsPage, WebError> {
    user.principal.must_be_admin()?;
    let t = page.lang.texts();
    let (pager, total, proposals) = super::page_of_questions(
        &state,
        t,
        &query.filter(&user),
        (query.page, PAGE_SIZE),
        |p| query.href(p),
    )
    .await?;
    let categories = state
        .store
        .question_categories(&QuestionFilter {
            status: Status::Proposed,
            ..QuestionFilter::bank(Owners::Within(user.principal.unit_path.clone()))
        })
        .await?;
    let campaigns = state
        .store
        .campaigns_within(&user.principal.unit_path)
        .await?;
    let today = state.now().with_timezone(&DEFAULT_ZONE).date_naive();
    let from = Dekad::of(today).first_day();
    let back = serde_urlencoded::to_string(&ProposalsQuery {
        page: Some(pager.page),
        ..query.clone()
    })
    .unwrap_or_default();
    let here = query.href(pager.page);
    Ok(ProposalsPage {
        accept_page: fill(t.accept_page, &[("n", &proposals.len())]),
        chrome: Chrome::for_user(page, &user, &here),
        campaigns: campaigns.into_iter().map(|c| (c.id.0, c.title)).collect(),
        from: from.to_string(),
        to: today.to_string(),
        total: fill(t.proposals_total, &[("total", &total)]),
        back,
        query,
        kinds: Kind::ALL
            .into_iter()
            .map(|kind| (kind.code(), super::kind_name(t, kind)))
            .collect(),
        categories,
        proposals: proposals
            .iter()
            .enumerate()
            .map(|(at, q)| {
                let next = proposals.get(at + 1).map(|n| n.id.0);
                (q.id.0, view(t, q.id.0, &q.question), next)
            })
            .collect(),
        pager,
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
) -> Result<Response, WebError> {
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
    Ok(done(
        &format!("{}#proposals", paths::PROPOSALS),
        Notice::QuestionsProposed {
            added: added.added,
            already: added.already,
        },
    ))
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

/// A review made from the list: where to return to.
#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    back: String,
    next: Option<i64>,
}

pub async fn accept(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> Result<Response, WebError> {
    let id = reviewable(&state, &user, id).await?;
    state.store.accept_question(id).await?;
    Ok(done(
        &ProposalsQuery::back_from(&form.back, form.next),
        Notice::QuestionsAccepted { count: 1 },
    ))
}

pub async fn drop(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> Result<Response, WebError> {
    let id = reviewable(&state, &user, id).await?;
    state.store.drop_proposed_question(id).await?;
    Ok(done(
        &ProposalsQuery::back_from(&form.back, form.next),
        Notice::QuestionsDropped { count: 1 },
    ))
}

/// Accepts the proposals ticked on a page (all those shown, unless some
/// were unticked): every one must be the admin's to review.
pub async fn accept_many(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    // "Accept the ticked" sends the ticked boxes (`id`); "accept the
    // whole page" every question shown (`shown`).
    let whole_page = fields.iter().any(|(k, v)| k == "which" && v == "page");
    let wanted = if whole_page { "shown" } else { "id" };
    let mut ids = Vec::new();
    let mut back = String::new();
    for (name, value) in fields {
        if name == wanted {
            let id = value
                .parse()
                .map_err(|_| WebError::Invalid(format!("id: {value:?} is not a question")))?;
            ids.push(reviewable(&state, &user, id).await?);
        } else if name == "back" {
            back = value;
        }
    }
    if ids.is_empty() {
        return Err(WebError::Invalid(
            "id: tick at least one question to accept".into(),
        ));
    }
    let count = state.store.accept_questions(&ids).await?;
    Ok(done(
        &ProposalsQuery::back_from(&back, None),
        Notice::QuestionsAccepted { count },
    ))
}
