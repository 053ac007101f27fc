//! The site manager's desk: the door, where groups are checked in by the
//! code they show (typed, or scanned into the field), with today's
//! bookings; the bookings of a day with the slots' places, where a slot
//! is closed or resized; the calendar feed of the site's bookings; and
//! the sweep that marks no-shows.

use axum::Extension;
use suyuan_core::sites::{BookingCode, VisitSlot};
use suyuan_store::StoreError;
use suyuan_store::gatherings::FeedOwner;
use suyuan_store::sites::{Booking, CheckedIn};

use super::booking::refusal;
use super::*;
use crate::audit::{self, Concerns};
use crate::csrf::CsrfForm;
use crate::notice::{Notice, done};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sites/{id}/door", get(door_page))
        .route("/sites/{id}/check-in", post(check_in))
        .route("/sites/{id}/bookings", get(bookings_page))
        .route("/sites/{id}/slots", post(set_slot))
}

/// Marks no-shows and lapses offers, on whichever instance gets there.
pub async fn close_ended(state: &AppState) -> Result<u64, WebError> {
    let now = state.now();
    state.store.forget_old_events(now).await?;
    Ok(state.store.close_ended_bookings(now).await?)
}

/// A site the signed-in person manages, or why not.
pub async fn managed(state: &AppState, user: &PageUser, id: i64) -> Result<Site, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    if manages(state, user, &site).await? {
        Ok(site)
    } else {
        Err(WebError::Forbidden(
            "only this site's managers and the admins above it manage it".into(),
        ))
    }
}

pub struct BookingRow {
    pub code: String,
    pub organization: String,
    pub meta: String,
    pub status: &'static str,
    pub status_code: &'static str,
    /// The quick check-in for a group not yet in.
    pub check_in: bool,
}

fn booking_row(t: &Texts, booking: &Booking, zone: Tz) -> BookingRow {
    let mut meta = vec![
        booking
            .starts_at
            .with_timezone(&zone)
            .format("%H:%M")
            .to_string(),
        fill(t.sites.people, &[("n", &booking.headcount)]),
        booking.contact_name.clone(),
        booking.phone.clone(),
    ];
    if let Some(at) = booking.checked_in_at {
        meta.push(fill(
            t.sites.checked_in_at,
            &[
                ("time", &at.with_timezone(&zone).format("%H:%M")),
                ("n", &booking.actual_headcount.unwrap_or(booking.headcount)),
            ],
        ));
    }
    BookingRow {
        code: booking.code.to_string(),
        organization: booking.organization.clone(),
        meta: meta.join(" · "),
        status: status_name(t, booking.status),
        status_code: booking.status.code(),
        check_in: matches!(
            booking.status,
            BookingStatus::Booked | BookingStatus::NoShow
        ),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "site_door.html")]
struct DoorPage {
    chrome: Chrome,
    id: i64,
    name: String,
    today: String,
    code: String,
    error: Option<String>,
    arrived_line: String,
    rows: Vec<BookingRow>,
}

#[derive(Deserialize, Default)]
struct DoorQuery {
    #[serde(default)]
    code: String,
}

/// The bookings of a site's day, by start.
async fn day_bookings(
    state: &AppState,
    site: &Site,
    day: NaiveDate,
) -> Result<Vec<Booking>, WebError> {
    let zone = site.hours.zone;
    let start = suyuan_core::campaigns::local_instant(zone, day, chrono::NaiveTime::MIN);
    let end = suyuan_core::campaigns::local_instant(
        zone,
        day + Duration::days(1),
        chrono::NaiveTime::MIN,
    );
    Ok(state.store.site_bookings(site.id, start, end).await?)
}

async fn door(
    state: &AppState,
    page: Page,
    user: &PageUser,
    site: &Site,
    code: String,
    error: Option<String>,
) -> Result<(Extension<Concerns>, DoorPage), WebError> {
    let t = page.lang.texts();
    let zone = site.hours.zone;
    let day = today(state, zone);
    let bookings = day_bookings(state, site, day).await?;
    let expected: u32 = bookings
        .iter()
        .filter(|b| b.status.holds_places())
        .map(|b| b.headcount)
        .sum();
    let arrived: u32 = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::CheckedIn)
        .map(|b| b.actual_headcount.unwrap_or(b.headcount))
        .sum();
    let rows = bookings
        .iter()
        .filter(|b| b.status.holds_places())
        .map(|b| booking_row(t, b, zone))
        .collect();
    let here = paths::site_door(site.id);
    let page = DoorPage {
        id: site.id.0,
        name: site.details.name.clone(),
        today: dates::day(t, day),
        code,
        error,
        arrived_line: fill(
            t.sites.arrived_of_expected,
            &[("arrived", &arrived), ("expected", &expected)],
        ),
        rows,
        chrome: Chrome::for_user(page, user, &here),
    };
    // The groups' contacts are on it.
    Ok((audit::shows_personal_data(&site.unit.path), page))
}

async fn door_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<DoorQuery>,
) -> Result<(Extension<Concerns>, DoorPage), WebError> {
    let site = managed(&state, &user, id).await?;
    door(&state, page, &user, &site, query.code, None).await
}

#[derive(Deserialize)]
struct CheckInForm {
    code: String,
    #[serde(default)]
    actual_headcount: String,
    /// When the code was scanned, in seconds since 1970, when the door
    /// sends it later than that.
    #[serde(default)]
    scanned_at: String,
}

async fn check_in(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CheckInForm>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let site = managed(&state, &user, id).await?;
    let zone = site.hours.zone;
    let refuse = |page, message: String| {
        let state = state.clone();
        let site = site.clone();
        let code = form.code.clone();
        let user = &user;
        async move {
            let page = door(&state, page, user, &site, code, Some(message)).await?;
            Ok::<Response, WebError>(
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
            )
        }
    };
    let Some(code) = BookingCode::parse(&form.code) else {
        return refuse(page, t.sites.err_code.to_owned()).await;
    };
    let actual = match form.actual_headcount.trim() {
        "" => None,
        typed => match typed.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => return refuse(page, t.sites.err_headcount_number.to_owned()).await,
        },
    };
    let now = state.now();
    let at = match form.scanned_at.trim() {
        "" => now,
        typed => parse_start(typed)?,
    };
    match state
        .store
        .check_in_booking(&site, &code, actual, at, now)
        .await
    {
        Ok(CheckedIn::Now(booking)) => Ok(done(
            &format!("{}#code", paths::site_door(site.id)),
            Notice::GroupCheckedIn {
                organization: booking.organization,
                people: booking.actual_headcount.unwrap_or(booking.headcount),
            },
        )),
        Ok(CheckedIn::Already(booking)) => Ok(done(
            &format!("{}#code", paths::site_door(site.id)),
            Notice::GroupAlreadyIn {
                organization: booking.organization,
                time: booking
                    .checked_in_at
                    .map(|at| at.with_timezone(&zone).format("%H:%M").to_string())
                    .unwrap_or_default(),
            },
        )),
        Err(StoreError::NotFound) => refuse(page, t.sites.err_code_unknown.to_owned()).await,
        Err(StoreError::Booking(err)) => refuse(page, refusal(t, zone, &err)).await,
        Err(other) => Err(other.into()),
    }
}

pub struct SlotRow {
    pub times: String,
    pub at: i64,
    pub taken: u32,
    pub capacity: u32,
    pub taken_line: String,
    pub not_below: String,
    pub closed: bool,
    pub bookings: Vec<BookingRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "site_bookings.html")]
struct BookingsPage {
    chrome: Chrome,
    id: i64,
    name: String,
    day: String,
    date: String,
    previous: String,
    next: String,
    slots: Vec<SlotRow>,
    waiting: Vec<BookingRow>,
    feed: String,
    edit: String,
}

#[derive(Deserialize, Serialize, Default)]
struct DayQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    date: String,
}

async fn bookings_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    Query(query): Query<DayQuery>,
) -> Result<(Extension<Concerns>, BookingsPage), WebError> {
    let t = page.lang.texts();
    let site = managed(&state, &user, id).await?;
    let zone = site.hours.zone;
    let day = NaiveDate::parse_from_str(query.date.trim(), "%Y-%m-%d")
        .unwrap_or_else(|_| today(&state, zone));
    let places = state.store.places(&site, day, day).await?;
    let bookings = day_bookings(&state, &site, day).await?;
    let slots = places
        .iter()
        .map(|p| SlotRow {
            times: p.slot.times.to_string(),
            at: p.slot.starts_at.timestamp(),
            taken: p.load.slot_taken,
            capacity: p.load.slot_capacity,
            taken_line: fill(
                t.sites.taken_of,
                &[
                    ("taken", &p.load.slot_taken),
                    ("capacity", &p.load.slot_capacity),
                ],
            ),
            not_below: fill(t.sites.not_below_booked, &[("n", &p.load.slot_taken)]),
            closed: p.load.closed,
            bookings: bookings
                .iter()
                .filter(|b| b.starts_at == p.slot.starts_at && b.status.holds_places())
                .map(|b| booking_row(t, b, zone))
                .collect(),
        })
        .collect();
    let waiting = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::Waiting)
        .map(|b| booking_row(t, b, zone))
        .collect();
    let token = state
        .store
        .feed_token(FeedOwner::Site(site.id), state.now())
        .await?;
    let day_href = |d: NaiveDate| {
        paths::with_query(
            &paths::site_bookings(site.id),
            &DayQuery {
                date: d.to_string(),
            },
        )
    };
    let here = day_href(day);
    let shown = audit::shows_personal_data(&site.unit.path);
    Ok((
        shown,
        BookingsPage {
            id,
            name: site.details.name.clone(),
            day: dates::day(t, day),
            date: day.to_string(),
            previous: day_href(day - Duration::days(1)),
            next: day_href(day + Duration::days(1)),
            slots,
            waiting,
            feed: format!(
                "{}{}",
                crate::security::origin(&state, &headers),
                paths::calendar_feed(&token)
            ),
            edit: paths::site_edit(site.id),
            chrome: Chrome::for_user(page, &user, &here),
        },
    ))
}

#[derive(Deserialize)]
struct SlotForm {
    at: String,
    capacity: String,
    /// `closed` or `open`.
    #[serde(default)]
    state: String,
}

async fn set_slot(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<SlotForm>,
) -> Result<Response, WebError> {
    let site = managed(&state, &user, id).await?;
    let at = parse_start(&form.at)?;
    let slot: VisitSlot = site.hours.slot_at(at).ok_or(WebError::NotFound)?;
    let capacity = suyuan_core::sites::number("capacity", &form.capacity, 0, 10_000)?;
    let taken = state.store.slot_places(&site, at).await?.load.slot_taken;
    if capacity < taken {
        let t = lang.texts();
        return Err(WebError::Invalid(fill(
            t.sites.not_below_booked,
            &[("n", &taken)],
        )));
    }
    state
        .store
        .set_slot(&site, &slot, capacity, form.state == "closed", state.now())
        .await?;
    let back = paths::with_query(
        &paths::site_bookings(site.id),
        &DayQuery {
            date: slot.date.to_string(),
        },
    );
    Ok(done(
        &format!("{back}#slot-{}", slot.starts_at.timestamp()),
        Notice::SlotChanged,
    ))
}
