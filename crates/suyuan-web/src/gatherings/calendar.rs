//! Gatherings in phone calendars: a member's feed and a unit's, each
//! behind an unguessable token so that a calendar app can subscribe
//! without signing in, and each gathering as a single event to download.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::Serialize;
use utoipa::ToSchema;

use suyuan_core::gatherings::ical::{self, Event};
use suyuan_core::units::UnitId;
use suyuan_store::gatherings::{FeedOwner, Gathering};
use suyuan_store::members::Member;

use super::{kind_name, visible};
use crate::auth::{ApiUser, PageUser};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::notice::{Notice, done};
use crate::views::attachment;
use crate::{AppState, paths};

/// How far back a feed reaches; calendars keep what they already have.
const FEED_PAST_DAYS: i64 = 92;
const FEED_AHEAD_DAYS: i64 = 366;

/// The same feed for calendar apps that subscribe by `webcal:`.
pub fn webcal(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.to_owned(),
    }
}

pub async fn member_feed_url(
    state: &AppState,
    headers: &HeaderMap,
    member: &Member,
) -> Result<String, WebError> {
    let token = state
        .store
        .feed_token(FeedOwner::Member(member.id), state.now())
        .await?;
    Ok(format!(
        "{}{}",
        crate::security::origin(state, headers),
        paths::calendar_feed(&token)
    ))
}

pub async fn unit_feed_url(
    state: &AppState,
    headers: &HeaderMap,
    unit: UnitId,
) -> Result<String, WebError> {
    let token = state
        .store
        .feed_token(FeedOwner::Unit(unit), state.now())
        .await?;
    Ok(format!(
        "{}{}",
        crate::security::origin(state, headers),
        paths::calendar_feed(&token)
    ))
}

fn event(lang: Lang, origin: &str, gathering: &Gathering) -> Event {
    let t = lang.texts();
    let details = &gathering.details;
    let mut description = vec![format!(
        "{} · {}",
        kind_name(t, gathering.kind),
        gathering.unit.name
    )];
    for value in [
        &details.topic,
        &details.speaker,
        &details.meeting_point,
        &details.materials,
    ] {
        if !value.is_empty() {
            description.push(value.clone());
        }
    }
    Event {
        uid: format!("gathering-{}@suyuan", gathering.id.0),
        sequence: gathering.sequence,
        stamp: gathering.updated_at,
        starts_at: gathering.slot.starts_at,
        ends_at: gathering.slot.ends_at,
        summary: details.title.clone(),
        description: description.join("\n"),
        location: details.place.clone(),
        url: format!("{origin}{}", paths::gathering(gathering.id.0)),
        cancelled: gathering.cancelled,
    }
}

const CALENDAR: &str = "text/calendar; charset=utf-8";

/// `/calendar/TOKEN.ics`: the feed, with no sign-in (the token is the key).
pub async fn feed(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let token = file.strip_suffix(".ics").ok_or(WebError::NotFound)?;
    let owner = state
        .store
        .feed_owner(token)
        .await?
        .ok_or(WebError::NotFound)?;
    let now = state.now();
    let (from, to) = (
        now - Duration::days(FEED_PAST_DAYS),
        now + Duration::days(FEED_AHEAD_DAYS),
    );
    let origin = crate::security::origin(&state, &headers);
    let t = lang.texts();
    let (name, events) = match owner {
        FeedOwner::Member(member) => {
            let member = state.store.member(member).await?;
            let gatherings = state
                .store
                .gatherings_for(&member.unit.path, from, to)
                .await?;
            let mut events: Vec<Event> =
                gatherings.iter().map(|g| event(lang, &origin, g)).collect();
            // The visits the member booked from their account.
            for booking in state.store.member_bookings(member.id).await? {
                if booking.starts_at >= from && booking.starts_at < to {
                    let site = state.store.site(booking.site).await?;
                    events.push(crate::sites::booking_event(t, &origin, &booking, &site));
                }
            }
            (member.name, events)
        }
        FeedOwner::Unit(unit) => {
            let unit = state.store.unit(unit).await?;
            let gatherings = state.store.gatherings_within(&unit.path, from, to).await?;
            let events = gatherings.iter().map(|g| event(lang, &origin, g)).collect();
            (unit.name, events)
        }
        FeedOwner::Site(site) => {
            let site = state.store.site(site).await?;
            let events = state
                .store
                .site_bookings(site.id, from, to)
                .await?
                .iter()
                .filter(|b| b.status != suyuan_core::sites::BookingStatus::Waiting)
                .map(|b| crate::sites::booking_event(t, &origin, b, &site))
                .collect();
            (site.details.name, events)
        }
    };
    let name = format!("{} · {}", lang.texts().app_name, name);
    Ok((
        [(header::CONTENT_TYPE, CALENDAR)],
        ical::calendar(&name, &events),
    )
        .into_response())
}

/// One gathering as an `.ics` file to add to a calendar.
pub async fn single_event(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (gathering, _) = visible(&state, &user.principal, id).await?;
    let event = event(lang, &crate::security::origin(&state, &headers), &gathering);
    Ok(attachment(
        CALENDAR,
        &format!("gathering-{id}.ics"),
        ical::calendar(&gathering.details.title, &[event]),
    ))
}

/// A new link for the member's feed; the old one stops working.
pub async fn reset_my_feed(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    state
        .store
        .reset_feed(FeedOwner::Member(user.member.id))
        .await?;
    Ok(done(paths::GATHERINGS, Notice::FeedReset))
}

/// A new link for a unit's feed (its admins'); the old one stops working.
pub async fn reset_unit_feed(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let unit = state.store.unit(UnitId(id)).await?;
    if !user.principal.may_see_unit(&unit.path) {
        return Err(WebError::NotFound);
    }
    user.principal.may_manage_within(&unit.path)?;
    state.store.reset_feed(FeedOwner::Unit(unit.id)).await?;
    Ok(done(&paths::unit_gatherings(unit.id), Notice::FeedReset))
}

#[derive(Serialize, ToSchema)]
pub struct CalendarJson {
    /// The member's calendar feed; it needs no sign-in.
    url: String,
}

#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "gatherings", security(("bearer" = [])), responses((status = 200, body = CalendarJson)))]
pub async fn api_my_calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: ApiUser,
) -> Result<Json<CalendarJson>, WebError> {
    Ok(Json(CalendarJson {
        url: member_feed_url(&state, &headers, &user.member).await?,
    }))
}
