//! `/api/v1/pledges`: the board for anyone, filtered as the page filters
//! it; making, updating, completing, approving and moderating with a
//! token, under the same rules as the pages.

use axum::Json;
use axum::http::StatusCode;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::keeping::{ZONE, kept, moderated, pledger_for};
use super::*;
use crate::auth::{ApiUser, MaybeApiUser};

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one))
        .routes(routes!(add_update))
        .routes(routes!(complete))
        .routes(routes!(decide))
        .routes(routes!(moderate))
}

#[derive(Serialize, ToSchema)]
pub struct PledgeJson {
    id: i64,
    title: String,
    description: String,
    beneficiaries: String,
    place: String,
    /// The last day, in the pledge's zone.
    deadline: NaiveDate,
    zone: String,
    /// in_progress, done_on_time, done_late or overdue.
    status: &'static str,
    /// awaiting, approved or returned (only approved ones are public).
    approval: &'static str,
    /// The pledging unit, or the member's own.
    unit_id: i64,
    unit: String,
    /// Who pledged: the unit's name, or the member's.
    pledger: String,
    /// Whether a member pledged it for themself.
    by_member: bool,
    completed_at: Option<DateTime<Utc>>,
    evidence: String,
    confirmations: u64,
    /// Its page, to share.
    url: String,
}

fn pledge_json(pledge: &Pledge, now: DateTime<Utc>, confirmations: u64) -> PledgeJson {
    PledgeJson {
        id: pledge.id.0,
        title: pledge.promise.title.clone(),
        description: pledge.promise.description.clone(),
        beneficiaries: pledge.promise.beneficiaries.clone(),
        place: pledge.promise.place.clone(),
        deadline: pledge.timeline.deadline,
        zone: pledge.timeline.zone.name().to_owned(),
        status: pledge.standing(now).code(),
        approval: pledge.approval.code(),
        unit_id: pledge.unit.id.0,
        unit: pledge.unit.name.clone(),
        pledger: pledge.pledger_name.clone(),
        by_member: pledge.member.is_some(),
        completed_at: pledge.timeline.completed_at,
        evidence: pledge.evidence.clone(),
        confirmations,
        url: paths::pledge(pledge.id),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PledgesQuery {
    /// A unit's id: its pledges and those of the units below it.
    unit: Option<i64>,
    /// in_progress, done_on_time, done_late or overdue.
    status: Option<String>,
    /// The month of the deadline, `2026-12`.
    month: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/pledges", tag = "pledges", params(PledgesQuery), responses((status = 200, body = Vec<PledgeJson>), (status = 404), (status = 422)))]
async fn list(
    State(state): State<AppState>,
    Query(query): Query<PledgesQuery>,
) -> Result<Json<Vec<PledgeJson>>, WebError> {
    let found = find(
        &state,
        &BoardQuery {
            unit: query.unit,
            status: query.status.unwrap_or_default(),
            month: query.month.unwrap_or_default(),
            page: None,
        },
    )
    .await?;
    let ids: Vec<PledgeId> = found.pledges.iter().map(|p| p.id).collect();
    let confirmed = state.store.confirmation_counts(&ids).await?;
    let now = state.now();
    Ok(Json(
        found
            .pledges
            .iter()
            .map(|p| pledge_json(p, now, confirmed.get(&p.id).copied().unwrap_or(0)))
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct UpdateJson {
    text: String,
    at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentJson {
    id: i64,
    author: String,
    text: String,
    /// held, shown or hidden: the public sees only shown ones.
    state: &'static str,
    /// The member who showed or hid it (for moderators).
    #[serde(skip_serializing_if = "Option::is_none")]
    moderated_by: Option<i64>,
    created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PledgeDetailJson {
    #[serde(flatten)]
    pledge: PledgeJson,
    updates: Vec<UpdateJson>,
    /// Addresses of the evidence photos (JPEG).
    photos: Vec<String>,
    /// The shown comments; every comment for a moderator.
    comments: Vec<CommentJson>,
}

#[utoipa::path(get, path = "/api/v1/pledges/{id}", params(("id" = i64, Path, description = "The pledge")), tag = "pledges", responses((status = 200, body = PledgeDetailJson), (status = 404)))]
async fn one(
    State(state): State<AppState>,
    MaybeSigned(user): MaybeApiUser,
    Path(id): Path<i64>,
) -> Result<Json<PledgeDetailJson>, WebError> {
    let pledge = state.store.pledge(PledgeId(id)).await?;
    let keeper = user.as_ref().is_some_and(|u| {
        u.principal
            .may_keep_pledge(&pledge.unit.path, pledge.member)
            .is_ok()
    });
    if pledge.approval != Approval::Approved && !keeper {
        return Err(WebError::NotFound);
    }
    let moderator = user
        .as_ref()
        .is_some_and(|u| u.principal.may_manage_within(&pledge.unit.path).is_ok());
    detail(&state, &pledge, moderator).await.map(Json)
}

async fn detail(
    state: &AppState,
    pledge: &Pledge,
    moderator: bool,
) -> Result<PledgeDetailJson, WebError> {
    let confirmations = state.store.confirmations(pledge.id).await?;
    Ok(PledgeDetailJson {
        pledge: pledge_json(pledge, state.now(), confirmations),
        updates: state
            .store
            .pledge_updates(pledge.id)
            .await?
            .into_iter()
            .map(|u| UpdateJson {
                text: u.text,
                at: u.at,
            })
            .collect(),
        photos: state
            .store
            .pledge_photos(pledge.id)
            .await?
            .into_iter()
            .map(|photo| paths::pledge_photo(pledge.id, photo))
            .collect(),
        comments: state
            .store
            .pledge_comments(pledge.id, moderator)
            .await?
            .into_iter()
            .map(|c| CommentJson {
                id: c.id,
                author: c.author,
                text: c.text,
                state: c.state.code(),
                moderated_by: c.moderated_by.filter(|_| moderator).map(|m| m.0),
                created_at: c.created_at,
            })
            .collect(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct NewPledgeRequest {
    title: String,
    description: String,
    /// Who benefits.
    beneficiaries: String,
    #[serde(default)]
    place: String,
    /// The last day (YYYY-MM-DD), from today to two years ahead.
    deadline: NaiveDate,
    /// A unit the admin manages, to pledge for it; left out, the member
    /// pledges for themself (an admin of their unit approves it).
    unit: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/pledges", tag = "pledges", security(("bearer" = [])), request_body = NewPledgeRequest, responses((status = 201, body = PledgeJson), (status = 403), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    Json(request): Json<NewPledgeRequest>,
) -> Result<(StatusCode, Json<PledgeJson>), WebError> {
    let (unit, pledger) = pledger_for(
        &state,
        &user.member,
        &user.principal,
        request.unit.map(UnitId),
    )
    .await?;
    let now = state.now();
    let invalid = |err: PledgeError| WebError::Invalid(err.to_string());
    let promise = Promise::new(
        &request.title,
        &request.description,
        &request.beneficiaries,
        &request.place,
    )
    .map_err(invalid)?;
    let today = now.with_timezone(&ZONE).date_naive();
    let timeline = Timeline::new(request.deadline, ZONE, today).map_err(invalid)?;
    let pledge = state
        .store
        .create_pledge(&unit, pledger, &promise, &timeline, user.member.id, now)
        .await?;
    Ok((StatusCode::CREATED, Json(pledge_json(&pledge, now, 0))))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateRequest {
    text: String,
}

#[utoipa::path(post, path = "/api/v1/pledges/{id}/updates", params(("id" = i64, Path, description = "The pledge")), tag = "pledges", security(("bearer" = [])), request_body = UpdateRequest, responses((status = 201, body = UpdateJson), (status = 403), (status = 404), (status = 422)))]
async fn add_update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdateRequest>,
) -> Result<(StatusCode, Json<UpdateJson>), WebError> {
    let pledge = kept(&state, &user.principal, id).await?;
    if pledge.timeline.completed_at.is_some() {
        return Err(WebError::Invalid("pledge: it is done already".into()));
    }
    let now = state.now();
    state
        .store
        .add_pledge_update(pledge.id, &request.text, user.member.id, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UpdateJson {
            text: request.text.trim().to_owned(),
            at: now,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CompletionRequest {
    /// What was done, as evidence (photos are added on the page).
    evidence: String,
}

#[utoipa::path(post, path = "/api/v1/pledges/{id}/completion", params(("id" = i64, Path, description = "The pledge")), tag = "pledges", security(("bearer" = [])), request_body = CompletionRequest, responses((status = 200, body = PledgeJson), (status = 403), (status = 404), (status = 422)))]
async fn complete(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<CompletionRequest>,
) -> Result<Json<PledgeJson>, WebError> {
    let pledge = kept(&state, &user.principal, id).await?;
    let now = state.now();
    let done = state
        .store
        .complete_pledge(pledge.id, &request.evidence, now)
        .await?;
    let confirmations = state.store.confirmations(done.id).await?;
    Ok(Json(pledge_json(&done, now, confirmations)))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// true approves the member's pledge (it becomes public); false
    /// returns it with the reason.
    approve: bool,
    #[serde(default)]
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/pledges/{id}/decision", params(("id" = i64, Path, description = "The pledge")), tag = "pledges", security(("bearer" = [])), request_body = DecisionRequest, responses((status = 200, body = PledgeJson), (status = 403), (status = 404), (status = 422)))]
async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<DecisionRequest>,
) -> Result<Json<PledgeJson>, WebError> {
    let pledge = moderated(&state, &user.principal, id).await?;
    if !request.approve && request.reason.trim().is_empty() {
        return Err(WebError::Invalid(
            "reason: say why the pledge is returned".into(),
        ));
    }
    let now = state.now();
    let decided = state
        .store
        .decide_pledge(
            pledge.id,
            request.approve,
            &request.reason,
            user.member.id,
            now,
        )
        .await?;
    Ok(Json(pledge_json(&decided, now, 0)))
}

#[derive(Deserialize, ToSchema)]
pub struct ModerationRequest {
    /// shown or hidden.
    state: String,
}

#[utoipa::path(post, path = "/api/v1/pledges/{id}/comments/{comment}", params(("id" = i64, Path, description = "The pledge"), ("comment" = i64, Path, description = "The comment")), tag = "pledges", security(("bearer" = [])), request_body = ModerationRequest, responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn moderate(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, comment)): Path<(i64, i64)>,
    Json(request): Json<ModerationRequest>,
) -> Result<StatusCode, WebError> {
    let pledge = moderated(&state, &user.principal, id).await?;
    let to = match CommentState::parse(&request.state) {
        Some(s @ (CommentState::Shown | CommentState::Hidden)) => s,
        _ => {
            return Err(WebError::Invalid(format!(
                "state: {:?} is not shown or hidden",
                request.state
            )));
        }
    };
    state
        .store
        .moderate_comment(pledge.id, comment, to, user.member.id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
