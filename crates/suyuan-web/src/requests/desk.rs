//! The units' side: the desk of requests owed within an admin's subtree
//! (nearest deadline first) and the extensions waiting on them, and every
//! step on a request's page — acknowledge, answer, send on below, send
//! back up, reroute (a dispatcher above), ask for and decide an extension
//! (a level up), hide abusive text, and read the requester's contact
//! (the handling unit's own admins only, each reading recorded, the
//! record read by the admins above).

use axum::Extension;
use axum::routing::post;
use chrono::{Duration, NaiveTime};

use suyuan_core::access::Principal;
use suyuan_core::requests::SEND_BACK_WITHIN;
use suyuan_store::requests::ContactView;

use super::*;
use crate::audit::{self, Concerns};
use crate::csrf::CsrfForm;
use crate::notice::{Notice, done};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(paths::REQUEST_DESK, get(desk))
        .route("/requests/{id}/steps/{step}", post(step))
        .route("/requests/{id}/contact", post(contact))
}

/// Units a "send on" or "reroute" list offers at most.
const MOVE_CHOICES: usize = 300;
/// Requests the desk lists.
const DESK_SIZE: u64 = 100;

/// Whether the admin is strictly above the request's unit: a dispatcher,
/// who reroutes and decides extensions.
fn above(principal: &Principal, request: &Request) -> bool {
    principal.may_manage_within(&request.unit.path).is_ok()
        && principal.unit_path != request.unit.path
}

/// The handling unit's own admins: they alone read the requester's
/// contact and ask for more time (which the levels above decide).
fn own_unit(principal: &Principal, request: &Request) -> bool {
    principal.is_admin() && principal.unit_id == request.unit.id
}

/// What the request page offers those who handle it.
pub struct DeskView {
    pub owed: bool,
    pub acknowledge: bool,
    pub send_back: bool,
    pub send_on_to: Vec<(i64, String, bool)>,
    /// For a dispatcher above.
    pub reroute_to: Vec<(i64, String, bool)>,
    pub may_ask_extension: bool,
    /// Until when an extension is asked for (the reason is in the history).
    pub extension_asked: Option<String>,
    pub decide_extension: bool,
    pub today: String,
    pub hidden: bool,
    pub reads_contact: bool,
    /// Hiding abusive text is for the levels above the unit.
    pub moderates: bool,
    pub has_contact: bool,
    /// Shown once, right after it was asked for (and recorded).
    pub contact: Option<suyuan_core::requests::Contact>,
    /// Who read the contact, for the admins above.
    pub contact_log: Option<Vec<(String, String)>>,
}

/// Units below `unit` to choose from, indented under it.
async fn units_below(state: &AppState, unit: &Unit) -> Result<Vec<(i64, String, bool)>, WebError> {
    let below: Vec<Unit> = state
        .store
        .subtree(&unit.path, false)
        .await?
        .into_iter()
        .filter(|u| u.id != unit.id)
        .take(MOVE_CHOICES)
        .collect();
    Ok(crate::views::unit_options(below, unit.depth() + 1, None))
}

/// The request page, with what the person looking may do.
pub(super) async fn show(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    origin: &str,
    request: &Request,
    contact: Option<suyuan_core::requests::Contact>,
) -> Result<RequestPage, WebError> {
    let t = page.lang.texts();
    let handler = user
        .as_ref()
        .filter(|u| u.principal.may_manage_within(&request.unit.path).is_ok());
    let view = request_view(state, t, request, origin, handler.is_some()).await?;
    let desk = match handler {
        Some(user) => Some(desk_view(state, t, &user.principal, request, contact).await?),
        None => None,
    };
    Ok(RequestPage {
        view,
        code: None,
        respond: None,
        desk,
        chrome: chrome(page, user, &paths::request(request.id)),
    })
}

async fn desk_view(
    state: &AppState,
    t: &Texts,
    principal: &Principal,
    request: &Request,
    contact: Option<suyuan_core::requests::Contact>,
) -> Result<DeskView, WebError> {
    let now = state.now();
    let owed = request.state().awaits_unit();
    let dispatcher = above(principal, request);
    let reroute_to = if owed && dispatcher {
        let own = state.store.unit(principal.unit_id).await?;
        let mut units = units_below(state, &own).await?;
        units.insert(0, (own.id.0, own.name.clone(), false));
        units.retain(|(id, _, _)| *id != request.unit.id.0);
        units
    } else {
        Vec::new()
    };
    let contact_log = if dispatcher {
        let views: Vec<ContactView> = state.store.request_contact_views(request.id).await?;
        Some(
            views
                .into_iter()
                .map(|v| (v.member_name, local(t, request.zone, v.at)))
                .collect(),
        )
    } else {
        None
    };
    let extension_asked = request
        .handling
        .extension_asked
        .map(|until| local(t, request.zone, until));
    Ok(DeskView {
        owed,
        acknowledge: request.state() == Stage::Open,
        send_back: request.state() == Stage::Open
            && now - request.handling.assigned_at <= SEND_BACK_WITHIN
            && request.unit.parent_id.is_some(),
        send_on_to: if owed {
            units_below(state, &request.unit).await?
        } else {
            Vec::new()
        },
        reroute_to,
        may_ask_extension: owed && extension_asked.is_none() && own_unit(principal, request),
        decide_extension: dispatcher && extension_asked.is_some(),
        extension_asked,
        today: now.with_timezone(&request.zone).date_naive().to_string(),
        hidden: request.hidden,
        reads_contact: own_unit(principal, request),
        moderates: dispatcher,
        has_contact: request.has_contact,
        contact,
        contact_log,
    })
}

/// A request the signed-in admin handles (its unit's, or above).
async fn handled(state: &AppState, principal: &Principal, id: i64) -> Result<Request, WebError> {
    let request = state.store.request(RequestId(id)).await?;
    principal.may_manage_within(&request.unit.path)?;
    Ok(request)
}

fn back_to(request: &Request, place: &str) -> String {
    format!("{}#{place}", paths::request(request.id))
}

fn step_done(request: &Request, step: &str) -> Response {
    done(
        &back_to(request, "desk"),
        Notice::RequestStep {
            step: step.to_owned(),
        },
    )
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    until: String,
    #[serde(default)]
    decision: String,
}

/// A unit's step on a request, by its name in the address: each checks
/// who may take it, and the store checks whether it may be taken now.
async fn step(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, step)): Path<(i64, String)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<Response, WebError> {
    let request = handled(&state, &user.principal, id).await?;
    let (store, by, now) = (&state.store, user.member.id, state.now());
    let chosen_unit = || async {
        let id = form
            .unit
            .ok_or_else(|| WebError::Invalid("unit: choose a unit".into()))?;
        Ok::<_, WebError>(store.unit(UnitId(id)).await?)
    };
    // Rerouting, deciding an extension and moderating are for the levels
    // above; asking for more time is for the unit itself.
    let allowed = match step.as_str() {
        "reroute" | "extension-decision" | "moderation" => above(&user.principal, &request),
        "extension" => own_unit(&user.principal, &request),
        _ => true,
    };
    if !allowed {
        return Err(suyuan_core::access::Denied.into());
    }
    let id = request.id;
    let done = match step.as_str() {
        "acknowledge" => {
            store.acknowledge_request(id, by, now).await?;
            "acknowledged"
        }
        "answer" => {
            store.answer_request(id, &form.text, by, now).await?;
            "answered"
        }
        "send-on" => {
            let to = chosen_unit().await?;
            store.send_request_on(id, &to, &form.text, by, now).await?;
            "sent_on"
        }
        "send-back" => {
            store.send_request_back(id, &form.text, by, now).await?;
            "sent_back"
        }
        "reroute" => {
            let to = chosen_unit().await?;
            user.principal.may_manage_within(&to.path)?;
            store.reroute_request(id, &to, &form.text, by, now).await?;
            "rerouted"
        }
        // The end of the day chosen, in the request's zone.
        "extension" => {
            let day =
                chrono::NaiveDate::parse_from_str(form.until.trim(), "%Y-%m-%d").map_err(|_| {
                    WebError::Invalid(format!(
                        "until: {:?} is not a day like 2026-12-20",
                        form.until
                    ))
                })?;
            let until = suyuan_core::campaigns::local_instant(
                request.zone,
                day + Duration::days(1),
                NaiveTime::MIN,
            );
            store
                .ask_request_extension(id, until, &form.text, by, now)
                .await?;
            "extension_asked"
        }
        "extension-decision" => {
            let grant = match form.decision.as_str() {
                "grant" => true,
                "refuse" => false,
                other => {
                    return Err(WebError::Invalid(format!(
                        "decision: {other:?} is not grant or refuse"
                    )));
                }
            };
            store
                .decide_request_extension(id, grant, &form.text, by, now)
                .await?;
            "extension_decided"
        }
        "moderation" => {
            let hide = form.decision == "hide";
            store
                .set_request_hidden(id, hide, &form.text, by, now)
                .await?;
            if hide { "hidden" } else { "shown" }
        }
        _ => return Err(WebError::NotFound),
    };
    Ok(step_done(&request, done))
}

/// Shows the requester's contact to an admin of the handling unit, once,
/// on the page that follows: the reading is recorded first.
async fn contact(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<crate::csrf::Fields>,
) -> Result<(Extension<Concerns>, RequestPage), WebError> {
    let request = handled(&state, &user.principal, id).await?;
    if !own_unit(&user.principal, &request) {
        return Err(suyuan_core::access::Denied.into());
    }
    let shown = audit::shows_personal_data(&request.unit.path);
    let contact = state
        .store
        .request_contact(request.id, user.member.id, state.now())
        .await?;
    let origin = crate::security::origin(&state, &headers);
    let page = show(&state, page, &Some(user), &origin, &request, Some(contact)).await?;
    Ok((shown, page))
}

#[derive(Template, WebTemplate)]
#[template(path = "request_desk.html")]
struct DeskPage {
    chrome: Chrome,
    scope: String,
    owed: Vec<(RequestRow, Option<String>)>,
    extensions: Vec<RequestRow>,
}

async fn desk(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<DeskPage, WebError> {
    let t = page.lang.texts();
    user.principal.must_be_admin()?;
    let now = state.now();
    let within = &user.principal.unit_path;
    let owed = state.store.requests_owed_within(within, DESK_SIZE).await?;
    let extensions = owed
        .iter()
        .filter(|r| r.handling.extension_asked.is_some() && r.unit.path != *within)
        .map(|r| request_row(t, r, format!("{}#extension", paths::request(r.id)), now))
        .collect();
    let own = state.store.unit(user.principal.unit_id).await?;
    Ok(DeskPage {
        scope: own.name,
        owed: owed
            .iter()
            .map(|r| {
                (
                    request_row(t, r, paths::request(r.id), now),
                    deadline_line(t, r),
                )
            })
            .collect(),
        extensions,
        chrome: chrome(page, &Some(user), paths::REQUEST_DESK),
    })
}

/// What the home page lists for an admin: requests of their own unit past
/// or near a deadline, and extensions waiting on them.
pub async fn next_steps(
    state: &AppState,
    t: &Texts,
    principal: &Principal,
) -> Result<Vec<(String, String)>, WebError> {
    if !principal.is_admin() {
        return Ok(Vec::new());
    }
    let now = state.now();
    let owed = state
        .store
        .requests_owed_within(&principal.unit_path, DESK_SIZE)
        .await?;
    let mut steps = Vec::new();
    for request in &owed {
        let name = &request.category.category.name;
        let label = if request.handling.extension_asked.is_some() && above(principal, request) {
            t.requests.next_extension
        } else if request.unit.id != principal.unit_id {
            continue;
        } else if request.handling.overdue(now) {
            t.requests.next_overdue
        } else if request
            .handling
            .next_deadline()
            .is_some_and(|due| due - now <= Duration::days(1))
        {
            t.requests.next_due
        } else {
            continue;
        };
        steps.push((
            fill(
                label,
                &[("category", name), ("place", &request.submission.address)],
            ),
            paths::request(request.id),
        ));
    }
    Ok(steps)
}
