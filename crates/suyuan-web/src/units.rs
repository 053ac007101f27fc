//! The unit tree: an admin's pages for their subtree, and `/api/v1/units`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::access::Principal;
use suyuan_core::units::{UnitCode, UnitId, UnitKind, UnitName};
use suyuan_store::auth::SessionChange;
use suyuan_store::units::{NewUnit, Unit, UnitCount};

use crate::audit;
use crate::auth::{ApiUser, PageUser};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, kind_name};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{id}", get(unit_page))
        .route("/units/{id}/children", post(create_child))
        .route("/units/{id}/rename", post(rename))
        .route("/units/{id}/move", post(move_unit))
        .route("/units/{id}/archive", post(archive))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_list_units, api_create_unit))
        .routes(routes!(api_get_unit, api_update_unit))
        .routes(routes!(api_archive_unit))
}

/// Loads a unit the principal administers (their unit or one below it).
/// Anything else is "not found", so that nobody learns what lies outside
/// their scope.
pub async fn managed_unit(
    state: &AppState,
    principal: &Principal,
    id: UnitId,
) -> Result<Unit, WebError> {
    let unit = state.store.unit(id).await?;
    principal
        .may_manage_within(&unit.path)
        .map_err(|_| WebError::NotFound)?;
    Ok(unit)
}

/// A unit on the way from the root to the one shown; linked when the
/// viewer may open it.
pub struct Crumb {
    pub name: String,
    pub href: Option<String>,
}

pub async fn breadcrumbs(
    state: &AppState,
    principal: &Principal,
    unit: &Unit,
) -> Result<Vec<Crumb>, WebError> {
    Ok(state
        .store
        .path_to_root(&unit.path)
        .await?
        .into_iter()
        .map(|u| Crumb {
            href: principal
                .may_manage_within(&u.path)
                .is_ok()
                .then(|| paths::unit(u.id)),
            name: u.name,
        })
        .collect())
}

pub struct ChildRow {
    pub name: String,
    pub kind: &'static str,
    pub members: u64,
    pub href: String,
}

pub fn child_rows(lang: Lang, counts: Vec<UnitCount>) -> Vec<ChildRow> {
    counts
        .into_iter()
        .map(|c| ChildRow {
            href: paths::unit(c.unit.id),
            kind: kind_name(lang.texts(), c.unit.kind),
            name: c.unit.name,
            members: c.members,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: Unit,
    kind: &'static str,
    crumbs: Vec<Crumb>,
    children: Vec<ChildRow>,
    total_members: u64,
    members_href: String,
    progress_href: String,
    gatherings_href: String,
    ledger_href: String,
    audit_href: String,
    may_change: bool,
    kinds: Vec<(&'static str, &'static str)>,
    action_children: String,
    action_rename: String,
    action_move: String,
    action_archive: String,
    /// The search for a new parent, and the units it found (by name,
    /// with where each stands).
    parent_query: String,
    parents: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct UnitQuery {
    #[serde(default)]
    parent_q: String,
}

/// New parents offered at once.
const PARENTS_FOUND: u64 = 20;

async fn unit_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<UnitQuery>,
) -> Result<UnitPage, WebError> {
    let lang = page.lang;
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let parent_query = query.parent_q.trim().to_owned();
    let mut parents = Vec::new();
    if !parent_query.is_empty() {
        let scope = state.store.unit(user.principal.unit_id).await?;
        for found in state
            .store
            .find_units(&user.principal.unit_path, &parent_query, PARENTS_FOUND)
            .await?
        {
            // Not the unit itself nor anything below it.
            if unit.path.contains(&found.path) {
                continue;
            }
            let mut place: Vec<String> = state
                .store
                .path_to_root(&found.path)
                .await?
                .into_iter()
                .filter(|u| scope.path.contains(&u.path) && u.id != found.id)
                .map(|u| u.name.to_string())
                .collect();
            place.push(found.name.to_string());
            parents.push((found.code.to_string(), place.join(" › ")));
        }
    }
    let here = paths::unit(unit.id);
    let t = lang.texts();
    Ok(UnitPage {
        chrome: Chrome::for_user(page, &user, &here),
        kind: kind_name(t, unit.kind),
        crumbs: breadcrumbs(&state, &user.principal, &unit).await?,
        children: child_rows(lang, state.store.children_with_member_counts(&unit).await?),
        total_members: state.store.count_members(&unit.path).await?,
        members_href: paths::unit_members(unit.id, 1),
        progress_href: paths::unit_progress(unit.id),
        gatherings_href: paths::unit_gatherings(unit.id),
        ledger_href: paths::unit_ledger_base(unit.id),
        audit_href: paths::unit_audit(unit.id),
        may_change: user.principal.may_change_unit(&unit.path).is_ok(),
        kinds: UnitKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_name(t, *k)))
            .collect(),
        action_children: paths::unit_action(unit.id, "children"),
        action_rename: paths::unit_action(unit.id, "rename"),
        action_move: paths::unit_action(unit.id, "move"),
        action_archive: paths::unit_action(unit.id, "archive"),
        parent_query,
        parents,
        unit,
    })
}

#[derive(Deserialize)]
struct ChildForm {
    name: String,
    code: String,
    kind: String,
}

async fn create_child(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ChildForm>,
) -> Result<Response, WebError> {
    let parent = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let code = match form.code.trim() {
        "" => free_code_below(&state, &parent).await?,
        code => UnitCode::parse(code)?,
    };
    let new = NewUnit {
        parent: Some(parent.id),
        code,
        name: UnitName::parse(&form.name)?,
        kind: UnitKind::parse(&form.kind)?,
    };
    let child = state.store.create_unit(new, state.now()).await?;
    let added = done(
        &paths::unit(child.id),
        Notice::UnitAdded {
            name: child.name.to_string(),
        },
    );
    Ok((audit::changes_within(&parent.path), added).into_response())
}

/// A code for a new unit below `parent` when none is given: the
/// parent's, then the next free number (`zj-hz-xh-4`).
async fn free_code_below(state: &AppState, parent: &Unit) -> Result<UnitCode, WebError> {
    let mut number = state.store.children(parent.id).await?.len() + 1;
    loop {
        let code = UnitCode::parse(&format!("{}-{number}", parent.code))?;
        match state.store.unit_by_code(&code).await {
            Err(suyuan_store::StoreError::NotFound) => return Ok(code),
            Err(other) => return Err(other.into()),
            Ok(_) => number += 1,
        }
    }
}

/// Loads a unit the principal may rename, move or archive.
async fn changeable_unit(
    state: &AppState,
    principal: &Principal,
    id: UnitId,
) -> Result<Unit, WebError> {
    let unit = managed_unit(state, principal, id).await?;
    principal.may_change_unit(&unit.path)?;
    Ok(unit)
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RenameForm>,
) -> Result<Response, WebError> {
    let unit = changeable_unit(&state, &user.principal, UnitId(id)).await?;
    let name = UnitName::parse(&form.name)?;
    state.store.rename_unit(unit.id, name.clone()).await?;
    let renamed = done(
        &paths::unit(unit.id),
        Notice::UnitRenamed {
            name: name.to_string(),
        },
    );
    Ok((audit::changes_within(&unit.path), renamed).into_response())
}

#[derive(Deserialize)]
struct MoveForm {
    parent_code: String,
}

/// Moves within the admin's own subtree only: both the unit and its new
/// parent must be theirs.
async fn move_within_scope(
    state: &AppState,
    principal: &Principal,
    id: UnitId,
    parent: Unit,
) -> Result<Unit, WebError> {
    let unit = changeable_unit(state, principal, id).await?;
    principal
        .may_manage_within(&parent.path)
        .map_err(|_| WebError::NotFound)?;
    let moved = state
        .store
        .move_unit(unit.id, parent.id, state.now())
        .await?;
    // Members below it now belong elsewhere in the tree.
    state.sessions.forget(&SessionChange::Everyone);
    Ok(moved)
}

async fn move_unit(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, WebError> {
    let parent = state
        .store
        .unit_by_code(&UnitCode::parse(&form.parent_code)?)
        .await?;
    let moved = move_within_scope(&state, &user.principal, UnitId(id), parent).await?;
    let done = done(&paths::unit(moved.id), Notice::UnitMoved);
    Ok((audit::changes_within(&moved.path), done).into_response())
}

async fn archive(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let unit = changeable_unit(&state, &user.principal, UnitId(id)).await?;
    state.store.archive_unit(unit.id, state.now()).await?;
    let archived = done(
        &unit
            .parent_id
            .map_or_else(|| paths::HOME.to_owned(), paths::unit),
        Notice::UnitArchived {
            name: unit.name.to_string(),
        },
    );
    Ok((audit::changes_within(&unit.path), archived).into_response())
}

/// A unit as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct UnitJson {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    code: String,
    /// province, office, city, district, county, street, community,
    /// village, enterprise or branch
    #[schema(value_type = String, example = "district")]
    kind: UnitKind,
    /// The ids from the root down to this unit, as `/1/5/23/`.
    path: String,
    depth: i32,
    archived: bool,
}

impl From<Unit> for UnitJson {
    fn from(unit: Unit) -> Self {
        Self {
            id: unit.id.0,
            parent_id: unit.parent_id.map(|p| p.0),
            depth: unit.depth(),
            path: unit.path.to_string(),
            name: unit.name,
            code: unit.code,
            kind: unit.kind,
            archived: unit.archived,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UnitsQuery {
    /// Only this unit and its subtree (default: all the caller may see).
    root: Option<i64>,
}

/// The units the caller may see: an admin's whole subtree; for anyone
/// else, the units from the root down to their own.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", security(("bearer" = [])), params(UnitsQuery),
    responses((status = 200, body = Vec<UnitJson>)))]
async fn api_list_units(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<UnitsQuery>,
) -> Result<Json<Vec<UnitJson>>, WebError> {
    let units = if user.principal.is_admin() {
        let root = match query.root {
            Some(id) => {
                managed_unit(&state, &user.principal, UnitId(id))
                    .await?
                    .path
            }
            None => user.principal.unit_path.clone(),
        };
        state.store.subtree(&root, false).await?
    } else {
        let own = state.store.path_to_root(&user.principal.unit_path).await?;
        match query.root {
            Some(id) => own.into_iter().skip_while(|u| u.id.0 != id).collect(),
            None => own,
        }
    };
    Ok(Json(units.into_iter().map(UnitJson::from).collect()))
}

/// One unit of the caller's scope.
#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path, description = "The unit")), tag = "units", security(("bearer" = [])),
    responses((status = 200, body = UnitJson), (status = 404)))]
async fn api_get_unit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<UnitJson>, WebError> {
    let unit = state.store.unit(UnitId(id)).await?;
    if !user.principal.may_see_unit(&unit.path) {
        return Err(WebError::NotFound);
    }
    Ok(Json(unit.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUnit {
    parent_id: i64,
    name: String,
    code: String,
    /// province, office, city, district, county, street, community,
    /// village, enterprise or branch
    kind: String,
}

/// Creates a unit below one the caller administers.
#[utoipa::path(post, path = "/api/v1/units", tag = "units", security(("bearer" = [])), request_body = CreateUnit,
    responses((status = 201, body = UnitJson), (status = 409, description = "code or sibling name taken"), (status = 422)))]
async fn api_create_unit(
    State(state): State<AppState>,
    user: ApiUser,
    Json(request): Json<CreateUnit>,
) -> Result<(StatusCode, Json<UnitJson>), WebError> {
    let parent = managed_unit(&state, &user.principal, UnitId(request.parent_id)).await?;
    let new = NewUnit {
        parent: Some(parent.id),
        code: UnitCode::parse(&request.code)?,
        name: UnitName::parse(&request.name)?,
        kind: UnitKind::parse(&request.kind)?,
    };
    let unit = state.store.create_unit(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(unit.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUnit {
    name: Option<String>,
    /// Move the unit (and its subtree) under this unit.
    parent_id: Option<i64>,
}

/// Renames and/or moves a unit below the caller's own.
#[utoipa::path(patch, path = "/api/v1/units/{id}", params(("id" = i64, Path, description = "The unit")), tag = "units", security(("bearer" = [])), request_body = UpdateUnit,
    responses((status = 200, body = UnitJson), (status = 404), (status = 409), (status = 422)))]
async fn api_update_unit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<UpdateUnit>,
) -> Result<Json<UnitJson>, WebError> {
    let mut unit = changeable_unit(&state, &user.principal, UnitId(id)).await?;
    let name = request.name.as_deref().map(UnitName::parse).transpose()?;
    if let Some(parent_id) = request.parent_id {
        let parent = state.store.unit(UnitId(parent_id)).await?;
        unit = move_within_scope(&state, &user.principal, unit.id, parent).await?;
    }
    if let Some(name) = name {
        unit = state.store.rename_unit(unit.id, name).await?;
    }
    Ok(Json(unit.into()))
}

/// Archives an empty unit below the caller's own.
#[utoipa::path(post, path = "/api/v1/units/{id}/archive", params(("id" = i64, Path, description = "The unit")), tag = "units", security(("bearer" = [])),
    responses((status = 200, body = UnitJson), (status = 404), (status = 422, description = "the unit still has units or members")))]
async fn api_archive_unit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<UnitJson>, WebError> {
    let unit = changeable_unit(&state, &user.principal, UnitId(id)).await?;
    Ok(Json(
        state.store.archive_unit(unit.id, state.now()).await?.into(),
    ))
}
