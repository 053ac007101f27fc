//! `/api/v1/sites`, `/api/v1/routes` and `/api/v1/bookings`: the network
//! and its free places for anyone; booking and check-in with a token.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::sites::{BookingCode, Contact, CreditCode, OrgIdentity, Organization, Party};
use suyuan_store::sites::{Asker, Booked, Booking, CheckedIn};

use super::booking::ClientAddress;
use super::*;
use crate::auth::ApiUser;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sites))
        .routes(routes!(one_site))
        .routes(routes!(book))
        .routes(routes!(check_in))
        .routes(routes!(one_booking))
        .routes(routes!(list_routes))
}

#[derive(Serialize, ToSchema)]
pub struct SiteJson {
    id: i64,
    name: String,
    /// memorial_hall, exhibition_hall, historic_site, village, community.
    kind: &'static str,
    address: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    /// The managing unit.
    unit: String,
    /// The district or county it is in.
    district: Option<String>,
    /// Free places on the day asked for (`date`), when one was.
    free_on_date: Option<u32>,
}

fn site_json(found: &NetworkSite) -> SiteJson {
    let site = &found.site;
    SiteJson {
        id: site.id.0,
        name: site.details.name.clone(),
        kind: site.details.kind.code(),
        address: site.details.address.clone(),
        latitude: site.details.coordinates.map(|c| c.latitude),
        longitude: site.details.coordinates.map(|c| c.longitude),
        unit: site.unit.name.clone(),
        district: found.district.as_ref().map(|d| d.name.clone()),
        free_on_date: found.free_on_date,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SitesQuery {
    /// A kind of site.
    kind: Option<String>,
    /// A district's or county's unit id.
    district: Option<i64>,
    /// Only sites with free places on this day (YYYY-MM-DD).
    date: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", params(SitesQuery), responses((status = 200, body = Vec<SiteJson>)))]
async fn list_sites(
    State(state): State<AppState>,
    Query(query): Query<SitesQuery>,
) -> Result<Json<Vec<SiteJson>>, WebError> {
    let found = network(
        &state,
        query.kind.as_deref().unwrap_or_default(),
        query.district,
        query.date.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(found.iter().map(site_json).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct SlotJson {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    free: u32,
    /// Whether it can be booked now (begun, closed, or not yet open for
    /// booking: false).
    bookable: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SiteDetailJson {
    #[serde(flatten)]
    site: SiteJson,
    description: String,
    /// IANA time zone the hours are in.
    zone: String,
    /// Opening windows Monday to Sunday, as `09:00-12:00, 13:30-16:30`.
    week: Vec<String>,
    slot_capacity: u32,
    day_capacity: u32,
    min_group: u32,
    max_group: u32,
    days_ahead: u32,
    cancel_hours: u32,
    /// The slots of the coming two weeks.
    slots: Vec<SlotJson>,
}

#[utoipa::path(get, path = "/api/v1/sites/{id}", params(("id" = i64, Path, description = "The teaching site")), tag = "sites", responses((status = 200, body = SiteDetailJson), (status = 404)))]
async fn one_site(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SiteDetailJson>, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    if site.archived {
        return Err(WebError::NotFound);
    }
    let now = state.now();
    let from = today(&state, site.hours.zone);
    let places = state
        .store
        .places(&site, from, from + Duration::days(13))
        .await?;
    let mut known = HashMap::new();
    let district = district_of(&state, &site.unit, &mut known).await?;
    let r = site.rules;
    Ok(Json(SiteDetailJson {
        description: site.details.description.clone(),
        zone: site.hours.zone.name().to_owned(),
        week: site
            .hours
            .week()
            .iter()
            .map(|w| suyuan_core::sites::SlotTimes::list_text(w))
            .collect(),
        slot_capacity: r.slot_capacity,
        day_capacity: r.day_capacity,
        min_group: r.min_group,
        max_group: r.max_group,
        days_ahead: r.days_ahead,
        cancel_hours: r.cancel_hours,
        slots: places
            .iter()
            .map(|p| SlotJson {
                starts_at: p.slot.starts_at,
                ends_at: p.slot.ends_at,
                free: p.load.free(),
                bookable: bookable(&site.rules, &p.slot, now).is_ok() && !p.load.closed,
            })
            .collect(),
        site: site_json(&NetworkSite {
            site: site.clone(),
            district,
            free_on_date: None,
        }),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct BookingRequest {
    /// The slot's start.
    starts_at: DateTime<Utc>,
    organization: String,
    /// The organization's unified social credit code; leave out to book
    /// for the member's own unit.
    credit_code: Option<String>,
    contact_name: String,
    phone: String,
    email: Option<String>,
    headcount: u32,
    #[serde(default)]
    roster: Vec<String>,
    /// Join the waiting list of a full slot instead of booking.
    #[serde(default)]
    waiting: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BookingJson {
    /// Shown at the door; its page is `/bookings/{code}`.
    code: String,
    site: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// waiting, offered, booked, checked_in, no_show, cancelled, lapsed.
    status: &'static str,
    organization: String,
    headcount: u32,
    offered_until: Option<DateTime<Utc>>,
    checked_in_at: Option<DateTime<Utc>>,
    actual_headcount: Option<u32>,
}

fn booking_json(b: &Booking) -> BookingJson {
    BookingJson {
        code: b.code.to_string(),
        site: b.site.0,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        status: b.status.code(),
        organization: b.organization.clone(),
        headcount: b.headcount,
        offered_until: b.offered_until,
        checked_in_at: b.checked_in_at,
        actual_headcount: b.actual_headcount,
    }
}

/// Books a slot. Send an `Idempotency-Key` header: a retried request with
/// the same key books once and gets the first booking back (200 instead
/// of 201). A full slot answers 409.
#[utoipa::path(post, path = "/api/v1/sites/{id}/bookings", params(("id" = i64, Path, description = "The teaching site")), tag = "sites", security(("bearer" = [])), request_body = BookingRequest, responses((status = 201, body = BookingJson), (status = 200, body = BookingJson), (status = 409), (status = 422)))]
async fn book(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(request): Json<BookingRequest>,
) -> Result<(StatusCode, Json<BookingJson>), WebError> {
    let site = state.store.site(SiteId(id)).await?;
    let identity = match request.credit_code.as_deref() {
        Some(code) => OrgIdentity::CreditCode(
            CreditCode::parse(code).map_err(|e| WebError::Invalid(e.to_string()))?,
        ),
        None => OrgIdentity::Unit(user.member.unit.id),
    };
    let organization = Organization::new(&request.organization, identity)
        .map_err(|e| WebError::Invalid(e.to_string()))?;
    let contact = Contact::new(
        &request.contact_name,
        &request.phone,
        request.email.as_deref().unwrap_or_default(),
    )
    .map_err(|e| WebError::Invalid(e.to_string()))?;
    let party = Party::new(organization, contact, request.headcount, request.roster)
        .map_err(|e| WebError::Invalid(e.to_string()))?;
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value.to_str().map(str::trim).unwrap_or_default();
            if key.is_empty() || key.len() > 64 {
                return Err(WebError::BadRequest(
                    "Idempotency-Key: 1 to 64 characters".into(),
                ));
            }
            Some(format!("api:{}:{key}", user.member.id.0))
        }
    };
    let asker = Asker {
        party: &party,
        member: Some(user.member.id),
        gathering: None,
        key: key.as_deref(),
    };
    let now = state.now();
    let booked = if request.waiting {
        state
            .store
            .join_waiting_list(&site, request.starts_at, asker, &state.no_shows, now)
            .await?
    } else {
        state
            .store
            .book(&site, request.starts_at, asker, &state.no_shows, now)
            .await?
    };
    let status = match booked {
        Booked::New(_) => StatusCode::CREATED,
        Booked::Repeat(_) => StatusCode::OK,
    };
    let first = booked.bookings().first().ok_or(WebError::NotFound)?;
    Ok((status, Json(booking_json(first))))
}

#[utoipa::path(get, path = "/api/v1/bookings/{code}", params(("code" = String, Path, description = "The booking code shown at the door")), tag = "sites", responses((status = 200, body = Vec<BookingJson>), (status = 404), (status = 429, description = "too many codes looked up from this address")))]
async fn one_booking(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(code): Path<String>,
) -> Result<Json<Vec<BookingJson>>, WebError> {
    let keys = [(
        format!("lookup-address:{address}"),
        suyuan_store::throttle::Limit {
            events: 60,
            within: Duration::minutes(10),
        },
    )];
    if let Some(wait) = state.store.within_limits(&keys, state.now()).await? {
        return Err(WebError::Throttled(
            "too many booking codes looked up from this address".into(),
            wait,
        ));
    }
    let code = BookingCode::parse(&code).ok_or(WebError::NotFound)?;
    let bookings = state.store.bookings_by_code(&code).await?;
    if bookings.is_empty() {
        return Err(WebError::NotFound);
    }
    Ok(Json(bookings.iter().map(booking_json).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInRequest {
    code: String,
    actual_headcount: Option<u32>,
    /// When the code was scanned, for a door that was offline then;
    /// now when left out.
    scanned_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckInJson {
    /// `checked_in`, or `already` when this booking was checked in before
    /// (it counts once).
    outcome: &'static str,
    booking: BookingJson,
}

#[utoipa::path(post, path = "/api/v1/sites/{id}/check-ins", params(("id" = i64, Path, description = "The teaching site")), tag = "sites", security(("bearer" = [])), request_body = CheckInRequest, responses((status = 200, body = CheckInJson), (status = 403), (status = 404), (status = 422)))]
async fn check_in(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(request): Json<CheckInRequest>,
) -> Result<Json<CheckInJson>, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    let named = state
        .store
        .site_managers(site.id)
        .await?
        .contains(&user.member.id);
    user.principal.may_manage_site(&site.unit.path, named)?;
    let code = BookingCode::parse(&request.code).ok_or_else(|| {
        WebError::Invalid(format!("code: {:?} is not a booking code", request.code))
    })?;
    let now = state.now();
    let checked = state
        .store
        .check_in_booking(
            &site,
            &code,
            request.actual_headcount,
            request.scanned_at.unwrap_or(now),
            now,
        )
        .await?;
    Ok(Json(match checked {
        CheckedIn::Now(b) => CheckInJson {
            outcome: "checked_in",
            booking: booking_json(&b),
        },
        CheckedIn::Already(b) => CheckInJson {
            outcome: "already",
            booking: booking_json(&b),
        },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RouteJson {
    id: i64,
    name: String,
    description: String,
    /// Site ids in order, with the travel from the stop before.
    stops: Vec<RouteStopJson>,
}

#[derive(Serialize, ToSchema)]
pub struct RouteStopJson {
    site: i64,
    travel_minutes: u32,
}

#[utoipa::path(get, path = "/api/v1/routes", tag = "sites", responses((status = 200, body = Vec<RouteJson>)))]
async fn list_routes(State(state): State<AppState>) -> Result<Json<Vec<RouteJson>>, WebError> {
    Ok(Json(
        state
            .store
            .routes()
            .await?
            .into_iter()
            .map(|r| RouteJson {
                id: r.id.0,
                stops: r
                    .stops
                    .iter()
                    .map(|s| RouteStopJson {
                        site: s.site.0,
                        travel_minutes: s.travel_minutes,
                    })
                    .collect(),
                name: r.name,
                description: r.description,
            })
            .collect(),
    ))
}
