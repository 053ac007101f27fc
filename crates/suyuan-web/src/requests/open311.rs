//! Open311 GeoReport v2 under `/open311/v2/`, in JSON only (the discovery
//! document says so): the categories as services, requests listed and
//! read by anyone (never their contact), and requests sent with an API
//! key issued to a unit — the key's unit is the area the request is about.
//! A sent request gets its `service_request_id` at once, and its tracking
//! code as its `token`: `tokens/{token}.json` gives the id back. Errors
//! are the standard's: a list of `{code, description}` with the status.

use axum::Json;
use axum::extract::{Form, RawQuery};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;

use suyuan_core::requests::{CategoryCode, Contact, Point, Submission, Urgency};
use suyuan_store::requests::NewRequest;
use suyuan_store::throttle::Limit;

use super::*;
use crate::visitors::ClientAddress;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/discovery.json", get(discovery))
        .route("/open311/v2/services.json", get(services))
        .route("/open311/v2/services/{file}", get(service))
        .route("/open311/v2/requests.json", get(list).post(create))
        .route("/open311/v2/requests/{file}", get(one))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// The most requests one list returns, and the default window.
const LIST_LIMIT: u64 = 1000;
const DEFAULT_WINDOW: Duration = Duration::days(90);
/// Requests one key may send.
const PER_KEY: Limit = Limit {
    events: 600,
    within: Duration::hours(1),
};

/// An Open311 error: a list of one, with its status.
struct Open311Error(StatusCode, String, Option<chrono::Duration>);

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Error {
            code: u16,
            description: String,
        }
        let body = vec![Error {
            code: self.0.as_u16(),
            description: self.1,
        }];
        let wait = self.2.map(crate::error::retry_after);
        (self.0, wait, Json(body)).into_response()
    }
}

impl From<WebError> for Open311Error {
    fn from(err: WebError) -> Self {
        let wait = match &err {
            WebError::Throttled(_, wait) => Some(*wait),
            _ => None,
        };
        Open311Error(err.status(), err.to_string(), wait)
    }
}

fn bad(description: impl Into<String>) -> Open311Error {
    Open311Error(StatusCode::BAD_REQUEST, description.into(), None)
}

fn not_found(what: &str) -> Open311Error {
    Open311Error(StatusCode::NOT_FOUND, format!("{what} not found"), None)
}

/// `name.json` to `name`; any other format is refused.
fn json_file(file: &str) -> Result<&str, Open311Error> {
    file.strip_suffix(".json").ok_or_else(|| {
        Open311Error(
            StatusCode::NOT_FOUND,
            "only JSON is offered here (.json)".into(),
            None,
        )
    })
}

async fn discovery(State(state): State<AppState>, headers: HeaderMap) -> Json<serde_json::Value> {
    let origin = crate::security::origin(&state, &headers);
    Json(serde_json::json!({
        "changeset": "2026-12-05T00:00:00Z",
        "contact": "The admins of the unit that issued your key.",
        "key_service": "An admin issues a key to their unit on the request desk's settings.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{origin}/open311/v2"),
            "changeset": "2026-12-05T00:00:00Z",
            "type": "production",
            "formats": ["application/json"],
        }],
        "notes": "JSON only: XML is not offered.",
    }))
}

#[derive(Serialize)]
struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

async fn services(State(state): State<AppState>) -> Result<Json<Vec<Service>>, Open311Error> {
    let categories = state
        .store
        .request_categories(true)
        .await
        .map_err(WebError::from)?;
    Ok(Json(
        categories
            .into_iter()
            .map(|c| Service {
                service_code: c.category.code.as_str().to_owned(),
                service_name: c.category.name,
                description: c.category.description,
                metadata: false,
                kind: "realtime",
                keywords: String::new(),
                group: c.category.group,
            })
            .collect(),
    ))
}

async fn service(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Json<serde_json::Value>, Open311Error> {
    let code = CategoryCode::parse(json_file(&file)?).map_err(|_| not_found("service"))?;
    let category = state
        .store
        .request_category(&code)
        .await
        .map_err(|_| not_found("service"))?;
    Ok(Json(serde_json::json!({
        "service_code": category.category.code.as_str(),
        "attributes": [],
    })))
}

/// A request as Open311 shows it.
#[derive(Serialize)]
struct ServiceRequest {
    service_request_id: String,
    status: &'static str,
    status_notes: String,
    service_name: String,
    service_code: String,
    description: String,
    agency_responsible: String,
    service_notice: String,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: String,
    address: String,
    address_id: String,
    zipcode: String,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: String,
}

fn w3(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn service_request(request: &Request, origin: &str, media: Option<i64>) -> ServiceRequest {
    ServiceRequest {
        service_request_id: request.id.0.to_string(),
        status: request.state().open311_status(),
        status_notes: request.answer.clone(),
        service_name: request.category.category.name.clone(),
        service_code: request.category.category.code.as_str().to_owned(),
        description: if request.hidden {
            String::new()
        } else {
            request.submission.description.clone()
        },
        agency_responsible: request.unit.name.clone(),
        service_notice: String::new(),
        requested_datetime: w3(request.received_at),
        updated_datetime: w3(request.updated_at),
        // When the answer is due, while it is owed.
        expected_datetime: if request.state().awaits_unit() {
            w3(request.handling.resolve_due)
        } else {
            String::new()
        },
        address: request.submission.address.clone(),
        address_id: String::new(),
        zipcode: String::new(),
        lat: request.submission.point.map(|p| p.lat),
        long: request.submission.point.map(|p| p.long),
        media_url: media
            .filter(|_| !request.hidden)
            .map(|photo| format!("{origin}{}", paths::request_photo(request.id, photo)))
            .unwrap_or_default(),
    }
}

async fn service_requests(
    state: &AppState,
    origin: &str,
    requests: &[Request],
) -> Result<Vec<ServiceRequest>, Open311Error> {
    let mut out = Vec::with_capacity(requests.len());
    for request in requests {
        let media = state
            .store
            .request_photos(request.id)
            .await
            .map_err(WebError::from)?
            .first()
            .copied();
        out.push(service_request(request, origin, media));
    }
    Ok(out)
}

/// The query's parameters, each possibly repeated or comma delimited.
fn params(raw: Option<String>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&raw.unwrap_or_default()).unwrap_or_default();
    for (key, value) in pairs {
        out.entry(key).or_default().extend(
            value
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
        );
    }
    out
}

fn datetime(name: &str, value: &str) -> Result<DateTime<Utc>, Open311Error> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            bad(format!(
                "{name}: {value:?} is not a w3 datetime like 2026-12-01T00:00:00Z"
            ))
        })
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<ServiceRequest>>, Open311Error> {
    let params = params(raw);
    let origin = crate::security::origin(&state, &headers);
    let ids: Vec<RequestId> = params
        .get("service_request_id")
        .into_iter()
        .flatten()
        .map(|id| {
            id.parse()
                .map(RequestId)
                .map_err(|_| bad(format!("service_request_id: {id:?} is not an id")))
        })
        .collect::<Result<_, _>>()?;
    let mut filter = RequestFilter {
        ids: ids.clone(),
        ..Default::default()
    };
    // Ids given override every other parameter, as the standard says.
    if ids.is_empty() {
        let first = |name: &str| params.get(name).and_then(|v| v.first()).cloned();
        let end = match first("end_date") {
            Some(v) => datetime("end_date", &v)?,
            None => state.now(),
        };
        let start = match first("start_date") {
            Some(v) => datetime("start_date", &v)?,
            None => end - DEFAULT_WINDOW,
        };
        if start > end {
            return Err(bad("start_date: after end_date"));
        }
        filter.received_from = Some(start);
        filter.received_until = Some(end + Duration::seconds(1));
        if let Some(statuses) = params.get("status") {
            for status in statuses {
                match status.as_str() {
                    "open" => filter.states.extend([Stage::Open, Stage::Acknowledged]),
                    "closed" => filter.states.extend([Stage::Answered, Stage::Resolved]),
                    other => return Err(bad(format!("status: {other:?} is not open or closed"))),
                }
            }
        }
        let codes = params.get("service_code").cloned().unwrap_or_default();
        if codes.len() > 1 {
            // One category per query in the store; several are read one by one.
            let mut all = Vec::new();
            for code in codes {
                let mut one = filter.clone();
                one.category = Some(category_id(&state, &code).await?);
                all.extend(
                    state
                        .store
                        .requests(&one, LIST_LIMIT, 0)
                        .await
                        .map_err(WebError::from)?
                        .0,
                );
            }
            all.sort_by_key(|r| std::cmp::Reverse(r.received_at));
            all.truncate(LIST_LIMIT as usize);
            return Ok(Json(service_requests(&state, &origin, &all).await?));
        }
        if let Some(code) = codes.first() {
            filter.category = Some(category_id(&state, code).await?);
        }
    }
    let (found, _) = state
        .store
        .requests(&filter, LIST_LIMIT, 0)
        .await
        .map_err(WebError::from)?;
    Ok(Json(service_requests(&state, &origin, &found).await?))
}

async fn category_id(state: &AppState, code: &str) -> Result<i64, Open311Error> {
    let code = CategoryCode::parse(code).map_err(|e| bad(e.to_string()))?;
    Ok(state
        .store
        .request_category(&code)
        .await
        .map_err(|_| bad(format!("service_code: no service {:?}", code.as_str())))?
        .id)
}

async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Json<Vec<ServiceRequest>>, Open311Error> {
    let id: i64 = json_file(&file)?
        .parse()
        .map_err(|_| not_found("service request"))?;
    let request = state
        .store
        .request(RequestId(id))
        .await
        .map_err(|_| not_found("service request"))?;
    let origin = crate::security::origin(&state, &headers);
    Ok(Json(service_requests(&state, &origin, &[request]).await?))
}

async fn token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(file): Path<String>,
) -> Result<Json<serde_json::Value>, Open311Error> {
    let t = crate::Lang::En.texts();
    let request = match super::asking::by_code(&state, t, json_file(&file)?, &address).await {
        Ok(request) => request,
        Err(err @ WebError::Throttled(..)) => return Err(err.into()),
        Err(_) => return Err(not_found("token")),
    };
    let code = request.code.clone();
    Ok(Json(serde_json::json!([{
        "service_request_id": request.id.0.to_string(),
        "token": code.as_str(),
    }])))
}

/// POST requests.json: form fields as the standard names them.
async fn create(
    State(state): State<AppState>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<impl IntoResponse, Open311Error> {
    let field = |name: &str| form.get(name).map_or("", |v| v.trim());
    let key = field("api_key");
    if key.is_empty() {
        return Err(Open311Error(
            StatusCode::FORBIDDEN,
            "api_key: a key issued to a unit is required to send requests".into(),
            None,
        ));
    }
    let key = state
        .store
        .open311_key(key)
        .await
        .map_err(WebError::from)?
        .ok_or_else(|| {
            Open311Error(
                StatusCode::FORBIDDEN,
                "api_key: not a key we issued".into(),
                None,
            )
        })?;
    let code =
        CategoryCode::parse(field("service_code")).map_err(|_| bad("service_code: required"))?;
    let category = state
        .store
        .request_category(&code)
        .await
        .ok()
        .filter(|c| c.active)
        .ok_or_else(|| bad(format!("service_code: no service {:?}", code.as_str())))?;
    let point = Point::from_fields(field("lat"), field("long")).map_err(|e| bad(e.to_string()))?;
    let address = match field("address_string") {
        "" => key.unit.name.clone(),
        given => given.to_owned(),
    };
    if point.is_none() && field("address_string").is_empty() && field("address_id").is_empty() {
        return Err(bad(
            "lat and long, address_string or address_id: one is required",
        ));
    }
    let urgency = match field("attribute[urgency]") {
        "urgent" => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    let submission = Submission::new(field("description"), &address, point, urgency)
        .map_err(|e| bad(e.to_string()))?;
    let name = format!("{}{}", field("last_name"), field("first_name"));
    let contact =
        Contact::new(&name, field("phone"), field("email")).map_err(|e| bad(e.to_string()))?;
    let keys = [(format!("open311-key:{}", key.id), PER_KEY)];
    if let Some(wait) = state
        .store
        .within_limits(&keys, state.now())
        .await
        .map_err(WebError::from)?
    {
        return Err(WebError::Throttled(
            "too many requests with this key; wait a while".into(),
            wait,
        )
        .into());
    }
    let request = state
        .store
        .submit_request(
            NewRequest {
                category: &category,
                submission: &submission,
                area: &key.unit,
                contact: &contact,
                zone: suyuan_core::campaigns::DEFAULT_ZONE,
                key: Some(key.id),
                photos: &[],
            },
            state.now(),
        )
        .await
        .map_err(WebError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!([{
            "service_request_id": request.id.0.to_string(),
            "token": request.code.as_str(),
            "service_notice": format!("sent to {}", request.unit.name),
            "account_id": null,
        }])),
    ))
}
