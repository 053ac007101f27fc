//! Asking without an account: the request form (which first shows the
//! open requests like the one being written, to follow instead of filing
//! another), and following a request by its code — the requester's page,
//! where the answer is rated and confirmed or the request reopened.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::Duration;

use suyuan_core::requests::{
    Contact, Point, RequestError, Stars, Submission, TrackingCode, Urgency,
};
use suyuan_core::text::TextError;
use suyuan_core::units::UnitKind;
use suyuan_store::requests::{NewRequest, RequestCategory, Response as Reply};
use suyuan_store::throttle::Limit;

use super::*;
use crate::csrf::{CsrfForm, CsrfMultipart, Fields};
use crate::notice::{Notice, done};
use crate::views::Field;
use crate::visitors::{ClientAddress, TurnedAway, issued_stamp};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(paths::REQUEST_NEW, get(new_page).post(submit))
        .route(paths::TRACK, get(track))
        .route("/track/{code}", get(tracked))
        .route("/track/{code}/response", post(respond))
}

/// Photos one request may carry.
const MAX_PHOTOS: usize = 3;
/// Requests from one address.
const PER_ADDRESS: Limit = Limit {
    events: 10,
    within: Duration::hours(1),
};
/// Requests giving one phone or e-mail.
const PER_CONTACT: Limit = Limit {
    events: 5,
    within: Duration::days(1),
};
/// Similar open requests shown before sending.
const SIMILAR_SHOWN: usize = 3;

/// A request's refusal in the page's words.
pub fn refusal(t: &Texts, err: &RequestError) -> String {
    match err {
        RequestError::Text(TextError::Empty { .. }) => t.requests.err_required.to_owned(),
        RequestError::Text(TextError::TooLong { limit, .. }) => {
            fill(t.requests.err_too_long, &[("limit", limit)])
        }
        RequestError::Phone(_) => t.requests.err_phone.to_owned(),
        RequestError::Email(_) => t.requests.err_email.to_owned(),
        RequestError::Location => t.requests.err_location.to_owned(),
        RequestError::Stars => t.requests.err_stars.to_owned(),
        RequestError::CategoryCode(_) | RequestError::NoCategory(_) => {
            t.requests.err_category.to_owned()
        }
        other => other.to_string(),
    }
}

/// What the request form asks.
#[derive(Default, Clone)]
pub struct AskFields {
    pub category: Field,
    pub area: Field,
    pub description: Field,
    pub address: Field,
    pub urgency: String,
    pub lat: Field,
    pub long: Field,
    pub name: Field,
    pub phone: Field,
    pub email: Field,
    pub photos: Option<String>,
    /// Why the whole form was turned away (too fast, too often).
    pub form: Option<String>,
}

impl AskFields {
    /// The errors, for the summary at the top of the form.
    pub fn errors(&self) -> Vec<(&'static str, String)> {
        [
            ("category", &self.category.error),
            ("area", &self.area.error),
            ("description", &self.description.error),
            ("address", &self.address.error),
            ("lat", &self.lat.error),
            ("photos", &self.photos),
            ("name", &self.name.error),
            ("phone", &self.phone.error),
            ("email", &self.email.error),
        ]
        .into_iter()
        .filter_map(|(id, e)| e.clone().map(|e| (id, e)))
        .collect()
    }

    fn from_form(form: &Fields) -> Self {
        let typed = |name: &str| Field::typed(form.get(name).map_or("", String::as_str));
        Self {
            category: typed("category"),
            area: typed("area"),
            description: typed("description"),
            address: typed("address"),
            urgency: form.get("urgency").cloned().unwrap_or_default(),
            lat: typed("lat"),
            long: typed("long"),
            name: typed("name"),
            phone: typed("phone"),
            email: typed("email"),
            photos: None,
            form: None,
        }
    }
}

/// Choices under headings: the heading, and each choice's value, label
/// and whether it is chosen.
type Grouped<V> = Vec<(String, Vec<(V, String, bool)>)>;

/// An open request like the one being written.
pub struct Similar {
    pub href: String,
    pub row: RequestRow,
    pub description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "request_form.html")]
struct AskPage {
    chrome: Chrome,
    /// Category code and name, by group.
    groups: Grouped<String>,
    /// Area id and name, by the unit above them.
    areas: Grouped<i64>,
    fields: AskFields,
    similar: Vec<Similar>,
    issued: String,
}

/// The areas a request can be about: the communities and villages (every
/// unit below the top, where there are none), under the unit above each.
async fn area_choices(state: &AppState, chosen: &str) -> Result<Grouped<i64>, WebError> {
    let mut areas = state
        .store
        .units_of_kinds(&[UnitKind::Community, UnitKind::Village])
        .await?;
    if areas.is_empty() {
        for root in state.store.root_units().await? {
            areas.extend(
                state
                    .store
                    .subtree(&root.path, false)
                    .await?
                    .into_iter()
                    .filter(|u| u.depth() > 0),
            );
        }
    }
    let parents = state
        .store
        .units_by_ids(areas.iter().filter_map(|u| u.parent_id))
        .await?;
    let mut groups: Grouped<i64> = Vec::new();
    for area in areas {
        let above = area
            .parent_id
            .and_then(|p| parents.get(&p))
            .map_or_else(String::new, |u| u.name.clone());
        let choice = (
            area.id.0,
            area.name.clone(),
            chosen == area.id.0.to_string(),
        );
        match groups.last_mut() {
            Some((name, list)) if *name == above => list.push(choice),
            _ => groups.push((above, vec![choice])),
        }
    }
    Ok(groups)
}

fn category_choices(categories: &[RequestCategory], chosen: &str) -> Grouped<String> {
    let mut groups: Grouped<String> = Vec::new();
    for c in categories {
        let code = c.category.code.as_str().to_owned();
        let choice = (code.clone(), c.category.name.clone(), code == chosen);
        match groups.iter_mut().find(|(g, _)| *g == c.category.group) {
            Some((_, list)) => list.push(choice),
            None => groups.push((c.category.group.clone(), vec![choice])),
        }
    }
    groups
}

async fn ask_page(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    fields: AskFields,
    similar: Vec<Similar>,
) -> Result<AskPage, WebError> {
    let categories = state.store.request_categories(true).await?;
    Ok(AskPage {
        groups: category_choices(&categories, &fields.category.value),
        areas: area_choices(state, &fields.area.value).await?,
        fields,
        similar,
        issued: issued_stamp(state),
        chrome: chrome(page, user, paths::REQUEST_NEW),
    })
}

#[derive(Deserialize)]
struct Prefill {
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
}

async fn new_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Query(prefill): Query<Prefill>,
) -> Result<AskPage, WebError> {
    let fields = AskFields {
        category: Field::typed(&prefill.category),
        area: Field::typed(&prefill.area),
        ..Default::default()
    };
    ask_page(&state, page, &user, fields, Vec::new()).await
}

/// The form as sent, checked: what the request says, or `None` with the
/// errors beside their fields.
async fn read(
    state: &AppState,
    t: &Texts,
    fields: &mut AskFields,
) -> Result<Option<(RequestCategory, Unit, Submission, Contact)>, WebError> {
    let category = match suyuan_core::requests::CategoryCode::parse(&fields.category.value) {
        Ok(code) => match state.store.request_category(&code).await {
            Ok(category) if category.active => Some(category),
            _ => None,
        },
        Err(_) => None,
    };
    if category.is_none() {
        fields.category.error = Some(t.requests.err_category.to_owned());
    }
    let area = match fields.area.value.trim().parse::<i64>() {
        Ok(id) => state
            .store
            .unit(UnitId(id))
            .await
            .ok()
            .filter(|u| !u.archived),
        Err(_) => None,
    };
    if area.is_none() {
        fields.area.error = Some(t.requests.err_area.to_owned());
    }
    let urgency = Urgency::parse(&fields.urgency).unwrap_or_default();
    let point = Point::from_fields(&fields.lat.value, &fields.long.value)
        .map_err(|e| fields.lat.error = Some(refusal(t, &e)))
        .ok()
        .flatten();
    let submission = Submission::new(
        &fields.description.value,
        &fields.address.value,
        point,
        urgency,
    )
    .map_err(|e| {
        let words = refusal(t, &e);
        match e.field() {
            "address" => fields.address.error = Some(words),
            _ => fields.description.error = Some(words),
        }
    })
    .ok();
    let contact = Contact::new(&fields.name.value, &fields.phone.value, &fields.email.value)
        .map_err(|e| {
            let words = refusal(t, &e);
            match e.field() {
                "phone" => fields.phone.error = Some(words),
                "email" => fields.email.error = Some(words),
                _ => fields.name.error = Some(words),
            }
        })
        .ok();
    Ok(match (category, area, submission, contact) {
        (Some(c), Some(a), Some(s), Some(k)) if fields.lat.error.is_none() => Some((c, a, s, k)),
        _ => None,
    })
}

/// Receives a request: checked; shown the open ones like it unless sent
/// anyway; screened (a person, within the limits of its address and its
/// contact); then routed, with its photos.
async fn submit(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let mut fields = AskFields::from_form(&form.fields);
    let uploads: Vec<&crate::csrf::Upload> = form
        .files
        .0
        .iter()
        .filter(|f| f.field == "photos" && !f.bytes.is_empty())
        .collect();
    // Photos are read first: one that is not a picture is named beside
    // the field, before anything is counted.
    let mut photos = Vec::with_capacity(uploads.len());
    if uploads.len() > MAX_PHOTOS {
        fields.photos = Some(fill(t.requests.err_photos, &[("n", &MAX_PHOTOS)]));
    } else {
        for upload in &uploads {
            match crate::views::prepare_photo(upload.bytes.clone()).await {
                Ok(photo) => photos.push(photo),
                Err(err) => {
                    fields.photos = Some(format!("{}: {err}", upload.file_name));
                    break;
                }
            }
        }
    }
    let read = read(&state, t, &mut fields).await?;
    let Some((category, area, submission, contact)) = read.filter(|_| fields.photos.is_none())
    else {
        let page = ask_page(&state, page, &user, fields, Vec::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let anyway = form.fields.get("anyway").is_some_and(|v| v == "1");
    if !anyway {
        let similar = similar(&state, t, &category, &submission).await?;
        if !similar.is_empty() {
            if !uploads.is_empty() {
                fields.photos = Some(t.requests.photos_again.to_owned());
            }
            return Ok(ask_page(&state, page, &user, fields, similar)
                .await?
                .into_response());
        }
    }
    let mut keys = vec![(format!("request-address:{address}"), PER_ADDRESS)];
    keys.extend(contact.limit_keys().into_iter().map(|k| (k, PER_CONTACT)));
    if let Err(turned) = crate::visitors::screen(&state, &form.fields, &keys).await? {
        fields.form = Some(match turned {
            TurnedAway::Script => t.requests.err_too_fast.to_owned(),
            TurnedAway::TooOften(_) => t.requests.err_throttled.to_owned(),
        });
        let page = ask_page(&state, page, &user, fields, Vec::new()).await?;
        let wait = crate::error::retry_after(turned.wait());
        return Ok((StatusCode::TOO_MANY_REQUESTS, wait, page).into_response());
    }
    let request = state
        .store
        .submit_request(
            NewRequest {
                category: &category,
                submission: &submission,
                area: &area,
                contact: &contact,
                zone: suyuan_core::campaigns::DEFAULT_ZONE,
                key: None,
                photos: &photos,
            },
            state.now(),
        )
        .await?;
    Ok(done(&paths::track(&request.code), Notice::RequestSent))
}

/// The open requests of the category most like what is being asked.
pub async fn similar(
    state: &AppState,
    t: &Texts,
    category: &RequestCategory,
    submission: &Submission,
) -> Result<Vec<Similar>, WebError> {
    state.requests_index.catch_up(&state.store).await?;
    let text = format!("{}\n{}", submission.description, submission.address);
    let ids = state
        .requests_index
        .similar(category.id, &text, SIMILAR_SHOWN)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = RequestFilter {
        ids: ids.clone(),
        ..Default::default()
    };
    let (found, _) = state
        .store
        .requests(&filter, SIMILAR_SHOWN as u64, 0)
        .await?;
    let now = state.now();
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|r| r.id == *id && !r.hidden))
        .map(|r| Similar {
            href: paths::request(r.id),
            row: request_row(t, r, paths::request(r.id), now),
            description: r.submission.description.chars().take(120).collect(),
        })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "request_track.html")]
struct TrackPage {
    chrome: Chrome,
    code: Field,
}

#[derive(Deserialize)]
struct TrackQuery {
    #[serde(default)]
    code: Option<String>,
}

/// "查询办理进度": the code typed, to the request's page.
async fn track(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Query(query): Query<TrackQuery>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let typed = query.code.filter(|c| !c.trim().is_empty());
    let mut code = Field::typed(typed.as_deref().unwrap_or_default());
    if typed.is_some() {
        match by_code(&state, t, &code.value, &address).await {
            Ok(request) => {
                return Ok(
                    axum::response::Redirect::to(&paths::track(&request.code)).into_response()
                );
            }
            Err(err @ WebError::Throttled(..)) => return Err(err),
            Err(_) => code.error = Some(t.requests.err_code.to_owned()),
        }
    }
    let status = if code.error.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let page = TrackPage {
        code,
        chrome: chrome(page, &user, paths::TRACK),
    };
    Ok((status, page).into_response())
}

/// The requester's answer form.
#[derive(Default, Clone)]
pub struct RespondView {
    pub action: String,
    pub reopen_until: String,
    pub stars: Field,
    pub reason: Field,
}

/// Tracking codes looked up from one address: a code is its request's
/// only key, so no address may try many.
const LOOKUPS_PER_ADDRESS: Limit = Limit {
    events: 60,
    within: Duration::minutes(10),
};

/// The request a tracking code names, counted against its address's
/// lookups.
pub async fn by_code(
    state: &AppState,
    t: &Texts,
    code: &str,
    address: &str,
) -> Result<Request, WebError> {
    let keys = [(format!("track-address:{address}"), LOOKUPS_PER_ADDRESS)];
    if let Some(wait) = state.store.within_limits(&keys, state.now()).await? {
        return Err(WebError::Throttled(t.sites.err_lookups.to_owned(), wait));
    }
    let code = TrackingCode::parse(code).ok_or(WebError::NotFound)?;
    Ok(state.store.request_by_code(&code).await?)
}

async fn tracked_page(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    headers: &HeaderMap,
    request: &Request,
    respond: RespondView,
) -> Result<RequestPage, WebError> {
    let origin = crate::security::origin(state, headers);
    let mut shown = desk::show(state, page, user, &origin, request, None).await?;
    let t = shown.chrome.t;
    shown.code = Some(request.code.to_string());
    shown.respond = request.handling.reopen_until().map(|until| RespondView {
        action: format!("{}/response", paths::track(&request.code)),
        reopen_until: fill(
            t.requests.reopen_until,
            &[("due", &local(t, request.zone, until))],
        ),
        ..respond
    });
    Ok(shown)
}

async fn tracked(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<RequestPage, WebError> {
    let request = by_code(&state, page.lang.texts(), &code, &address).await?;
    tracked_page(
        &state,
        page,
        &user,
        &headers,
        &request,
        RespondView::default(),
    )
    .await
}

/// The requester confirms the answer (with stars) or reopens the request
/// (with a reason, stars if they like).
async fn respond(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let request = by_code(&state, t, &code, &address).await?;
    let typed = |name: &str| Field::typed(form.get(name).map_or("", String::as_str));
    let mut fields = RespondView {
        stars: typed("stars"),
        reason: typed("reason"),
        ..Default::default()
    };
    let stars = match fields.stars.value.trim() {
        "" => None,
        n => match n
            .parse()
            .map_err(|_| RequestError::Stars)
            .and_then(Stars::new)
        {
            Ok(stars) => Some(stars),
            Err(e) => {
                fields.stars.error = Some(refusal(t, &e));
                None
            }
        },
    };
    let reopening = form.get("action").is_some_and(|a| a == "reopen");
    let reply = if reopening {
        if fields.reason.value.trim().is_empty() {
            fields.reason.error = Some(t.requests.err_reason.to_owned());
        } else if fields.reason.value.trim().chars().count() > 500 {
            fields.reason.error = Some(fill(t.requests.err_too_long, &[("limit", &500)]));
        }
        Reply::Reopen {
            stars,
            reason: fields.reason.value.clone(),
        }
    } else {
        match stars {
            Some(stars) => Reply::Confirm(stars),
            None => {
                fields.stars.error = Some(t.requests.err_stars.to_owned());
                Reply::Confirm(Stars::new(5)?)
            }
        }
    };
    if fields.stars.error.is_some() || fields.reason.error.is_some() {
        let page = tracked_page(&state, page, &user, &headers, &request, fields).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .respond_to_request(request.id, &reply, state.now())
        .await?;
    Ok(done(
        &paths::track(&request.code),
        Notice::RequestResponded {
            reopened: reopening,
        },
    ))
}
