//! Members: lists for admins, roster imports (page and API), and
//! `/api/v1/members`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_app::members::RosterReport;
use suyuan_core::access::Role;
use suyuan_core::members::{MemberId, NewPassword};
use suyuan_core::units::{UnitId, UnitPath};
use suyuan_store::auth::SessionChange;
use suyuan_store::members::{Member, MemberFilter};

use crate::audit::{self, Concerns};
use crate::auth::{ApiUser, PageUser};
use crate::csrf::{CsrfForm, CsrfMultipart, NoFields};
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::units::{Crumb, breadcrumbs, managed_unit};
use crate::views::{Chrome, Page, Pager, role_name};
use crate::{AppState, paths};

/// The largest upload accepted (a roster of a few hundred thousand rows).
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
const PAGE_SIZE: u64 = 50;
const API_MAX_LIMIT: u64 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/members", get(members_page))
        .route("/members/{id}/password", post(reset_password))
        .route(paths::IMPORT_MEMBERS, get(import_page).post(import_upload))
        .route(paths::IMPORT_TEMPLATE, get(import_template))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_list_members))
        .routes(routes!(api_get_member))
        .routes(routes!(api_import_members))
}

pub struct MemberRow {
    pub name: String,
    pub number: String,
    pub phone: String,
    pub unit: String,
    pub role: &'static str,
    /// Where to reset the member's password (never one's own).
    pub reset: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    title: String,
    crumbs: Vec<Crumb>,
    rows: Vec<MemberRow>,
    query: String,
    found: String,
    pager: Pager,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u64>,
    /// A name or member number to find.
    #[serde(default)]
    q: String,
}

async fn members_page(
    State(state): State<AppState>,
    shared: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<(Extension<Concerns>, MembersPage), WebError> {
    let lang = shared.lang;
    let t = lang.texts();
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let found = find_page(
        &state,
        t,
        &unit.path,
        &query.q,
        query.page,
        PAGE_SIZE,
        &paths::unit_members(unit.id, 1),
    )
    .await?;
    let here = found.here.clone();
    let (total, wanted, pager, members) = (found.total, found.query, found.pager, found.members);
    let shown = audit::shows_personal_data(&unit.path);
    let page = MembersPage {
        chrome: Chrome::for_user(shared, &user, &here),
        title: fill(t.members_of, &[("unit", &unit.name)]),
        crumbs: breadcrumbs(&state, &user.principal, &unit).await?,
        rows: members
            .into_iter()
            .map(|m| MemberRow {
                reset: (m.id != user.member.id).then(|| paths::reset_password(m.id.0)),
                role: role_name(t, m.role),
                name: m.name,
                number: m.number,
                phone: m.phone.unwrap_or_default(),
                unit: m.unit.name,
            })
            .collect(),
        found: fill(t.members_found, &[("total", &total)]),
        query: wanted,
        pager,
    };
    Ok((shown, page))
}

#[derive(Template, WebTemplate)]
#[template(path = "password_reset.html")]
struct ResetPage {
    chrome: Chrome,
    name: String,
    password: String,
    members_href: String,
}

/// An admin gives a member of their subtree a temporary password, shown
/// once, to read out; the member must choose their own at next sign-in,
/// and is signed out everywhere.
async fn reset_password(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<ResetPage, WebError> {
    let member = state.store.member(MemberId(id)).await?;
    if !user.principal.unit_path.contains(&member.unit.path) || member.id == user.member.id {
        return Err(WebError::NotFound);
    }
    user.principal.may_manage_within(&member.unit.path)?;
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).map_err(|e| WebError::Internal(e.to_string()))?;
    let password = NewPassword::temporary(random);
    state
        .store
        .reset_password(member.id, &password, state.now())
        .await?;
    state.sessions.forget(&SessionChange::Member(member.id));
    Ok(ResetPage {
        chrome: Chrome::for_user(page, &user, &paths::unit_members(member.unit.id, 1)),
        name: member.name,
        password: password.expose().to_owned(),
        members_href: paths::unit_members(member.unit.id, 1),
    })
}

/// A page of the members of a subtree found by name or number: one
/// mechanism for every list of members (a unit's, the progress
/// drill-down, a test's results).
pub struct FoundMembers {
    /// The search, trimmed.
    pub query: String,
    pub total: u64,
    pub pager: Pager,
    pub members: Vec<Member>,
    /// This page's address, with its search.
    pub here: String,
}

pub async fn find_page(
    state: &AppState,
    t: &Texts,
    within: &UnitPath,
    q: &str,
    page: Option<u64>,
    size: u64,
    base: &str,
) -> Result<FoundMembers, WebError> {
    let query = q.trim().to_owned();
    let href = |page: u64| paths::with_search(base, &query, page);
    let (pager, total, members) = Pager::load(t, page, size, href, |offset| {
        let query = &query;
        async move {
            Ok(state
                .store
                .find_members(within, query, offset, size)
                .await?)
        }
    })
    .await?;
    let here = href(pager.page);
    Ok(FoundMembers {
        query,
        total,
        pager,
        members,
        here,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    scope: String,
    outcome: Option<String>,
    /// The roster's columns that were not imported, each named.
    warnings: Vec<String>,
    error: Option<String>,
}

async fn import_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<ImportPage, WebError> {
    user.principal.must_be_admin()?;
    let scope = state.store.unit(user.principal.unit_id).await?.name;
    Ok(ImportPage {
        chrome: Chrome::for_user(page, &user, paths::IMPORT_MEMBERS),
        scope,
        outcome: None,
        warnings: Vec::new(),
        error: None,
    })
}

/// A roster to fill in: the header row and one example. The byte-order
/// mark makes Excel read it as UTF-8.
async fn import_template(user: PageUser) -> Result<impl axum::response::IntoResponse, WebError> {
    user.principal.must_be_admin()?;
    let csv = "\u{feff}姓名,编号,单位,手机,角色\r\n王秀英,ZJ000001,浙江省/杭州市/西湖区,13800000000,党员\r\n";
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"members-template.csv\"",
            ),
        ],
        csv,
    ))
}

/// Parses, checks and imports a roster into the admin's subtree.
async fn import_roster(
    state: &AppState,
    within: &UnitPath,
    bytes: &[u8],
    initial_password: &str,
) -> Result<RosterReport, WebError> {
    let report = suyuan_app::members::import_roster(
        &state.store,
        bytes,
        Some(within),
        initial_password,
        state.now(),
    )
    .await?;
    // A re-import may have moved members or changed their roles.
    state.sessions.forget(&SessionChange::Everyone);
    Ok(report)
}

async fn import_upload(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    form: CsrfMultipart,
) -> Result<(axum::http::StatusCode, ImportPage), WebError> {
    let lang = page.lang;
    user.principal.must_be_admin()?;
    let t = lang.texts();
    let scope = state.store.unit(user.principal.unit_id).await?.name;
    let file = form.files.bytes("file");
    let password = form
        .fields
        .get("initial_password")
        .map(String::as_str)
        .unwrap_or_default();
    let outcome = import_roster(&state, &user.principal.unit_path, file, password).await;
    let chrome = Chrome::for_user(page, &user, paths::IMPORT_MEMBERS);
    match outcome {
        Ok(report) => Ok((
            axum::http::StatusCode::OK,
            ImportPage {
                chrome,
                scope,
                outcome: Some(fill(
                    t.imported,
                    &[
                        ("created", &report.imported.created),
                        ("updated", &report.imported.updated),
                    ],
                )),
                warnings: report
                    .ignored_columns
                    .iter()
                    .map(|column| fill(t.column_not_imported, &[("column", column)]))
                    .collect(),
                error: None,
            },
        )),
        Err(err @ WebError::Invalid(_)) => Ok((
            err.status(),
            ImportPage {
                chrome,
                scope,
                outcome: None,
                warnings: Vec::new(),
                error: Some(err.to_string()),
            },
        )),
        Err(err) => Err(err),
    }
}

/// A member as the API shows them.
#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    id: i64,
    member_number: String,
    name: String,
    phone: Option<String>,
    /// member, admin or site_manager
    #[schema(value_type = String, example = "member")]
    role: Role,
    unit_id: i64,
    unit_name: String,
    must_change_password: bool,
}

impl From<&Member> for MemberJson {
    fn from(member: &Member) -> Self {
        Self {
            id: member.id.0,
            member_number: member.number.clone(),
            name: member.name.clone(),
            phone: member.phone.clone(),
            role: member.role,
            unit_id: member.unit.id.0,
            unit_name: member.unit.name.clone(),
            must_change_password: member.must_change_password,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MembersQuery {
    /// The unit whose subtree to list (default: the caller's own unit).
    unit: Option<i64>,
    /// At most 1000 (default 100).
    limit: Option<u64>,
    offset: Option<u64>,
}

/// The members of a unit's subtree that the caller may see: all of them
/// for an admin of that subtree; only themself for anyone else.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", security(("bearer" = [])), params(MembersQuery),
    responses((status = 200, body = Vec<MemberJson>), (status = 404, description = "the unit is outside the caller's scope")))]
async fn api_list_members(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<MembersQuery>,
) -> Result<(Option<Extension<Concerns>>, Json<Vec<MemberJson>>), WebError> {
    let within = match query.unit {
        Some(id) => state.store.unit(UnitId(id)).await?.path,
        None => user.principal.unit_path.clone(),
    };
    if !user.principal.may_see_unit(&within) {
        return Err(WebError::NotFound);
    }
    let only = (!user.principal.is_admin() || !user.principal.unit_path.contains(&within))
        .then_some(user.principal.member_id);
    let shown = only.is_none().then(|| audit::shows_personal_data(&within));
    let members = state
        .store
        .list_members(&MemberFilter {
            within,
            only,
            limit: query.limit.unwrap_or(100).min(API_MAX_LIMIT),
            offset: query.offset.unwrap_or(0),
        })
        .await?;
    Ok((shown, Json(members.iter().map(MemberJson::from).collect())))
}

/// One member the caller may see.
#[utoipa::path(get, path = "/api/v1/members/{id}", params(("id" = i64, Path, description = "The member")), tag = "members", security(("bearer" = [])),
    responses((status = 200, body = MemberJson), (status = 404)))]
async fn api_get_member(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<(Option<Extension<Concerns>>, Json<MemberJson>), WebError> {
    let member = state.store.member(MemberId(id)).await?;
    if !user.principal.may_see_member(member.id, &member.unit.path) {
        return Err(WebError::NotFound);
    }
    let shown =
        (member.id != user.member.id).then(|| audit::shows_personal_data(&member.unit.path));
    Ok((shown, Json(MemberJson::from(&member))))
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    created: usize,
    updated: usize,
    /// The roster's columns that were not imported (by header, or by
    /// letter where the header is empty).
    ignored_columns: Vec<String>,
}

#[allow(dead_code)]
#[derive(ToSchema)]
struct ImportUpload {
    /// The roster: CSV (UTF-8 or GB18030) or XLSX.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The password new members first sign in with.
    initial_password: String,
}

/// Imports a roster into the caller's subtree, all or nothing.
#[utoipa::path(post, path = "/api/v1/members/import", tag = "members", security(("bearer" = [])),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportResult), (status = 422, description = "the rows and columns at fault; nothing imported")))]
async fn api_import_members(
    State(state): State<AppState>,
    user: ApiUser,
    multipart: Multipart,
) -> Result<Json<ImportResult>, WebError> {
    user.principal.must_be_admin()?;
    let (fields, files) = crate::csrf::read_multipart(multipart).await?;
    let file = files.bytes("file");
    let password = fields
        .get("initial_password")
        .map(String::as_str)
        .unwrap_or_default();
    let report = import_roster(&state, &user.principal.unit_path, file, password).await?;
    Ok(Json(ImportResult {
        created: report.imported.created,
        updated: report.imported.updated,
        ignored_columns: report.ignored_columns,
    }))
}
