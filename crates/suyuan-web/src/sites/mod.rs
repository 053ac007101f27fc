//! Teaching sites as the public meets them: the network of sites with its
//! filters and figures, and each site's page (hours, rules, free places,
//! how to get there). Booking and the tracking page are in `booking`, the
//! door and the manager's desk in `door`, making and changing sites in
//! `edit`, routes in `routes`, the JSON API in `api`.

mod api;
mod booking;
mod door;
mod edit;
mod routes;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use suyuan_core::sites::{BookingStatus, OrgKind, SiteId, SiteKind, bookable};
use suyuan_core::units::{UnitId, UnitKind};
use suyuan_store::sites::{Site, SlotPlaces, VisitFigures};
use suyuan_store::units::Unit;

use crate::auth::{MaybeSigned, MaybeUser, PageUser};
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::views::{Chrome, Page};
use crate::{AppState, dates, paths};

pub use api::api;
pub use booking::booking_event;
pub use door::close_ended;

/// How often an instance marks no-shows and lapses offers.
pub const CLOSE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::SITES, get(network_page))
        .route("/sites/{id}", get(site_page))
        .route("/sites/{id}/photos/{photo}", get(photo))
        .merge(booking::router())
        .merge(door::router())
        .merge(edit::router())
        .merge(routes::router())
}

use crate::views::chrome;

pub fn kind_name(t: &Texts, kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::MemorialHall => t.sites.kind_memorial_hall,
        SiteKind::ExhibitionHall => t.sites.kind_exhibition_hall,
        SiteKind::HistoricSite => t.sites.kind_historic_site,
        SiteKind::Village => t.sites.kind_village,
        SiteKind::Community => t.sites.kind_community,
    }
}

pub fn org_kind_name(t: &Texts, kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Agency => t.sites.org_agency,
        OrgKind::Institution => t.sites.org_institution,
        OrgKind::Enterprise => t.sites.org_enterprise,
        OrgKind::SocialOrganization => t.sites.org_social,
        OrgKind::PartyOrganization => t.sites.org_party,
        OrgKind::Other => t.sites.org_other,
    }
}

pub fn status_name(t: &Texts, status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Waiting => t.sites.status_waiting,
        BookingStatus::Offered => t.sites.status_offered,
        BookingStatus::Booked => t.sites.status_booked,
        BookingStatus::CheckedIn => t.sites.status_checked_in,
        BookingStatus::NoShow => t.sites.status_no_show,
        BookingStatus::Cancelled => t.sites.status_cancelled,
        BookingStatus::Lapsed => t.sites.status_lapsed,
    }
}

/// "余 40 位" / "40 places left"; "已满" when none.
fn free_words(t: &Texts, free: u32) -> String {
    if free == 0 {
        t.sites.full.to_owned()
    } else {
        fill(t.sites.places_left, &[("n", &free)])
    }
}

/// Today in a site's zone.
fn today(state: &AppState, zone: Tz) -> NaiveDate {
    state.now().with_timezone(&zone).date_naive()
}

/// The instants a month and a year began in `zone`, for the figures.
fn month_and_year_start(zone: Tz, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = now.with_timezone(&zone).date_naive();
    let start =
        |date: NaiveDate| suyuan_core::campaigns::local_instant(zone, date, chrono::NaiveTime::MIN);
    let month = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    let year = NaiveDate::from_ymd_opt(local.year(), 1, 1).unwrap_or(local);
    (start(month), start(year))
}

/// Visits this month and this year, in words and by kind.
pub struct FiguresView {
    pub month: String,
    pub year: String,
    /// The visitors as a number, and what they are with the groups.
    pub month_visitors: u32,
    pub month_unit: String,
    pub year_visitors: u32,
    pub year_unit: String,
    /// (kind, "12 批 · 480 人次"), this year.
    pub by_kind: Vec<(&'static str, String)>,
}

fn visits_words(t: &Texts, figures: &VisitFigures) -> String {
    fill(
        t.sites.visits_and_visitors,
        &[
            ("groups", &figures.total.groups),
            ("visitors", &figures.total.visitors),
        ],
    )
}

async fn figures_view(
    state: &AppState,
    t: &Texts,
    site: Option<SiteId>,
    zone: Tz,
) -> Result<FiguresView, WebError> {
    let now = state.now();
    let (month, year) = month_and_year_start(zone, now);
    let end = now + Duration::days(1);
    let this_month = state.store.visit_figures(site, month, end).await?;
    let this_year = state.store.visit_figures(site, year, end).await?;
    let unit = |figures: &VisitFigures| {
        fill(
            t.sites.visitors_in_groups,
            &[
                ("groups", &figures.total.groups),
                ("visitors", &figures.total.visitors),
            ],
        )
    };
    Ok(FiguresView {
        month: visits_words(t, &this_month),
        year: visits_words(t, &this_year),
        month_visitors: this_month.total.visitors,
        month_unit: unit(&this_month),
        year_visitors: this_year.total.visitors,
        year_unit: unit(&this_year),
        by_kind: this_year
            .by_kind
            .iter()
            .map(|(kind, visits)| {
                (
                    org_kind_name(t, *kind),
                    fill(
                        t.sites.visits_and_visitors,
                        &[("groups", &visits.groups), ("visitors", &visits.visitors)],
                    ),
                )
            })
            .collect(),
    })
}

/// A slot as a list shows it.
pub struct SlotView {
    pub times: String,
    pub words: String,
    /// Where booking it (or joining its waiting list) starts.
    pub href: Option<String>,
    /// `open`, `full` or `later` (not yet bookable, or past).
    pub state: &'static str,
}

fn slot_view(t: &Texts, site: &Site, places: &SlotPlaces, now: DateTime<Utc>) -> SlotView {
    let free = places.load.free();
    let href = paths::book_site(site.id, places.slot.starts_at);
    let times = places.slot.times.to_string();
    match bookable(&site.rules, &places.slot, now) {
        Err(suyuan_core::sites::BookingError::TooEarly { opens, .. }) => SlotView {
            times,
            words: fill(
                t.sites.opens_on,
                &[(
                    "date",
                    &dates::short(t, opens.with_timezone(&site.hours.zone).date_naive()),
                )],
            ),
            href: None,
            state: "later",
        },
        Err(_) => SlotView {
            times,
            words: t.sites.slot_past.to_owned(),
            href: None,
            state: "later",
        },
        Ok(()) if places.load.closed => SlotView {
            times,
            words: t.sites.slot_closed.to_owned(),
            href: None,
            state: "later",
        },
        Ok(()) if free >= site.rules.min_group => SlotView {
            times,
            words: free_words(t, free),
            href: Some(href),
            state: "open",
        },
        Ok(()) => SlotView {
            times,
            words: t.sites.full_join_waiting.to_owned(),
            href: Some(href),
            state: "full",
        },
    }
}

/// The district or county a unit is in (itself when it is one), for the
/// network's filter.
async fn district_of(
    state: &AppState,
    unit: &Unit,
    known: &mut HashMap<UnitId, Unit>,
) -> Result<Option<Unit>, WebError> {
    for id in unit.path.ids().into_iter().rev() {
        let unit = match known.get(&id) {
            Some(unit) => unit.clone(),
            None => {
                let found = state.store.unit(id).await?;
                known.insert(id, found.clone());
                found
            }
        };
        if matches!(unit.kind, UnitKind::District | UnitKind::County) {
            return Ok(Some(unit));
        }
    }
    Ok(None)
}

#[derive(Deserialize, Serialize, Default)]
struct NetworkQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    district: Option<i64>,
    /// Only sites with free places on this day.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    date: String,
}

struct SiteRow {
    name: String,
    href: String,
    meta: String,
    address: String,
    /// The next free slot, or the free places on the date asked for.
    free: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sites.html")]
struct NetworkPage {
    chrome: Chrome,
    figures: FiguresView,
    kinds: Vec<(&'static str, &'static str, bool)>,
    districts: Vec<(i64, String, bool)>,
    date: String,
    filtered: bool,
    count_line: String,
    rows: Vec<SiteRow>,
    may_add: bool,
    managed: Vec<(String, String)>,
}

/// How far ahead the network's list looks for a site's next free slot.
const LOOK_AHEAD_DAYS: i64 = 14;

/// A site of the network as its filters found it.
pub struct NetworkSite {
    pub site: Site,
    pub district: Option<Unit>,
    /// Free bookable places on the day asked for, when one was.
    pub free_on_date: Option<u32>,
}

/// The network's sites of a kind, in a district, with free places on a
/// day: each filter only when given.
async fn network(
    state: &AppState,
    kind: &str,
    district: Option<i64>,
    date: &str,
) -> Result<Vec<NetworkSite>, WebError> {
    let kind =
        match kind.trim() {
            "" => None,
            code => Some(SiteKind::parse(code).ok_or_else(|| {
                WebError::Invalid(format!("kind: {code:?} is not a kind of site"))
            })?),
        };
    let date = match date.trim() {
        "" => None,
        text => Some(
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| WebError::Invalid(format!("date: {text:?} is not a date")))?,
        ),
    };
    let now = state.now();
    let mut known = HashMap::new();
    let mut found = Vec::new();
    for site in state.store.sites(false).await? {
        let in_district = district_of(state, &site.unit, &mut known).await?;
        if kind.is_some_and(|k| k != site.details.kind)
            || district.is_some_and(|id| in_district.as_ref().is_none_or(|d| d.id.0 != id))
        {
            continue;
        }
        let free_on_date = match date {
            Some(date) => {
                let free: u32 = state
                    .store
                    .places(&site, date, date)
                    .await?
                    .iter()
                    .filter(|p| bookable(&site.rules, &p.slot, now).is_ok())
                    .map(|p| p.load.free())
                    .sum();
                if free == 0 {
                    continue;
                }
                Some(free)
            }
            None => None,
        };
        found.push(NetworkSite {
            site,
            district: in_district,
            free_on_date,
        });
    }
    Ok(found)
}

/// Every district or county with a site, by name.
async fn districts(state: &AppState) -> Result<BTreeMap<String, i64>, WebError> {
    let mut known = HashMap::new();
    let mut districts = BTreeMap::new();
    for site in state.store.sites(false).await? {
        if let Some(d) = district_of(state, &site.unit, &mut known).await? {
            districts.insert(d.name, d.id.0);
        }
    }
    Ok(districts)
}

async fn network_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Query(query): Query<NetworkQuery>,
) -> Result<NetworkPage, WebError> {
    let t = page.lang.texts();
    let now = state.now();
    let found = network(&state, &query.kind, query.district, &query.date).await?;
    let mut rows = Vec::with_capacity(found.len());
    for NetworkSite {
        site,
        district,
        free_on_date,
    } in &found
    {
        let zone = site.hours.zone;
        let free = match free_on_date {
            Some(free) => fill(t.sites.free_on_day, &[("n", free)]),
            None => {
                let from = today(&state, zone);
                let places = state
                    .store
                    .places(site, from, from + Duration::days(LOOK_AHEAD_DAYS))
                    .await?;
                match places.iter().find(|p| {
                    bookable(&site.rules, &p.slot, now).is_ok()
                        && !p.load.closed
                        && p.load.free() >= site.rules.min_group
                }) {
                    Some(p) => fill(
                        t.sites.next_free,
                        &[
                            (
                                "when",
                                &dates::moment(t, &p.slot.starts_at.with_timezone(&zone)),
                            ),
                            ("free", &free_words(t, p.load.free())),
                        ],
                    ),
                    None => t.sites.no_free_soon.to_owned(),
                }
            }
        };
        rows.push(SiteRow {
            name: site.details.name.clone(),
            href: paths::site(site.id),
            meta: match district {
                Some(d) => format!("{} · {}", kind_name(t, site.details.kind), d.name),
                None => kind_name(t, site.details.kind).to_owned(),
            },
            address: site.details.address.clone(),
            free,
        });
    }
    let (may_add, managed) = match &user {
        Some(user) => {
            let managed = state
                .store
                .managed_sites(user.member.id)
                .await?
                .into_iter()
                .map(|s| (s.details.name, paths::site_door(s.id)))
                .collect();
            (user.principal.is_admin(), managed)
        }
        None => (false, Vec::new()),
    };
    let kind = SiteKind::parse(&query.kind);
    let here = paths::with_query(paths::SITES, &query);
    Ok(NetworkPage {
        figures: figures_view(&state, t, None, suyuan_core::campaigns::DEFAULT_ZONE).await?,
        kinds: SiteKind::ALL
            .iter()
            .map(|k| (k.code(), kind_name(t, *k), Some(*k) == kind))
            .collect(),
        districts: districts(&state)
            .await?
            .into_iter()
            .map(|(name, id)| (id, name, query.district == Some(id)))
            .collect(),
        date: query.date.trim().to_owned(),
        filtered: kind.is_some() || query.district.is_some() || !query.date.trim().is_empty(),
        count_line: fill(t.sites.count_sites, &[("n", &rows.len())]),
        rows,
        may_add,
        managed,
        chrome: chrome(page, &user, &here),
    })
}

#[derive(Deserialize, Serialize, Default)]
struct SiteQuery {
    /// The first day of the week of slots shown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
}

pub struct DayView {
    pub label: String,
    pub slots: Vec<SlotView>,
    /// Its slots have all begun (today, late on).
    pub over: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "site.html")]
struct SitePage {
    chrome: Chrome,
    id: i64,
    name: String,
    meta: String,
    address: String,
    map_links: Vec<(&'static str, String)>,
    description: Vec<String>,
    photos: Vec<String>,
    week_hours: Vec<(String, String)>,
    exceptions: Vec<String>,
    rules: Vec<String>,
    days: Vec<DayView>,
    week_label: String,
    previous_week: Option<String>,
    next_week: Option<String>,
    figures: FiguresView,
    manages: bool,
    archived: bool,
}

/// Slots are shown a week at a time.
const WEEK: i64 = 7;

/// Links that open a place in a phone's map app: the system's (a `geo:`
/// address) and Amap's, which takes WGS-84 coordinates when told.
fn map_links(t: &Texts, site: &Site) -> Vec<(&'static str, String)> {
    let Some(c) = site.details.coordinates else {
        return Vec::new();
    };
    let name = paths::encode(&site.details.name);
    vec![
        (
            t.sites.open_in_map_app,
            format!(
                "geo:{lat},{lon}?q={lat},{lon}({name})",
                lat = c.latitude,
                lon = c.longitude
            ),
        ),
        (
            t.sites.open_in_amap,
            format!(
                "https://uri.amap.com/marker?position={lon},{lat}&name={name}&coordinate=wgs84&callnative=1",
                lat = c.latitude,
                lon = c.longitude
            ),
        ),
    ]
}

/// The weekly hours as lines: days with the same windows together
/// ("周二至周日", "09:00–12:00、13:30–16:30").
fn week_hours(t: &Texts, site: &Site) -> Vec<(String, String)> {
    let week = site.hours.week();
    let mut lines: Vec<(usize, usize, String)> = Vec::new();
    for (day, windows) in week.iter().enumerate() {
        let text = if windows.is_empty() {
            t.sites.closed_day.to_owned()
        } else {
            windows
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(t.sites.list_separator)
        };
        match lines.last_mut() {
            Some((_, last, same)) if *same == text && *last + 1 == day => *last = day,
            _ => lines.push((day, day, text)),
        }
    }
    let day = |i: usize| format!("{}{}", t.weekday_prefix, t.weekdays[i]);
    lines
        .into_iter()
        .map(|(first, last, text)| {
            let days = if first == last {
                day(first)
            } else {
                fill(
                    t.sites.weekday_range,
                    &[("from", &day(first)), ("to", &day(last))],
                )
            };
            (days, text)
        })
        .collect()
}

/// Closed days and special openings from today on, as lines.
fn exceptions(t: &Texts, site: &Site, from: NaiveDate) -> Vec<String> {
    let mut lines: Vec<(NaiveDate, String)> = Vec::new();
    let mut closed: Vec<NaiveDate> = site.hours.closed_days().filter(|d| *d >= from).collect();
    closed.sort();
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for day in closed {
        match runs.last_mut() {
            Some((_, last)) if *last + Duration::days(1) == day => *last = day,
            _ => runs.push((day, day)),
        }
    }
    for (first, last) in runs {
        lines.push((
            first,
            fill(t.sites.closed_on, &[("days", &dates::days(t, first, last))]),
        ));
    }
    for (day, windows) in site.hours.special_days().filter(|(d, _)| *d >= from) {
        let times = windows
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(t.sites.list_separator);
        lines.push((
            day,
            fill(
                t.sites.open_specially_on,
                &[("day", &dates::day(t, day)), ("times", &times)],
            ),
        ));
    }
    lines.sort();
    lines.into_iter().map(|(_, line)| line).take(10).collect()
}

fn rules_lines(t: &Texts, site: &Site) -> Vec<String> {
    let r = &site.rules;
    vec![
        fill(
            t.sites.rule_group,
            &[("min", &r.min_group), ("max", &r.max_group)],
        ),
        fill(t.sites.rule_ahead, &[("days", &r.days_ahead)]),
        if r.cancel_hours == 0 {
            t.sites.rule_cancel_any_time.to_owned()
        } else {
            fill(t.sites.rule_cancel, &[("hours", &r.cancel_hours)])
        },
        fill(
            t.sites.rule_capacity,
            &[("slot", &r.slot_capacity), ("day", &r.day_capacity)],
        ),
    ]
}

/// Whether a signed-in person manages a site.
pub async fn manages(state: &AppState, user: &PageUser, site: &Site) -> Result<bool, WebError> {
    let named = state
        .store
        .site_managers(site.id)
        .await?
        .contains(&user.member.id);
    Ok(user
        .principal
        .may_manage_site(&site.unit.path, named)
        .is_ok())
}

async fn site_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
    Query(query): Query<SiteQuery>,
) -> Result<SitePage, WebError> {
    let t = page.lang.texts();
    let site = state.store.site(SiteId(id)).await?;
    let manages = match &user {
        Some(user) => manages(&state, user, &site).await?,
        None => false,
    };
    if site.archived && !manages {
        return Err(WebError::NotFound);
    }
    let zone = site.hours.zone;
    let now = state.now();
    let first_day = today(&state, zone);
    let last_day = first_day + Duration::days(i64::from(site.rules.days_ahead));
    let from = NaiveDate::parse_from_str(query.from.trim(), "%Y-%m-%d")
        .unwrap_or(first_day)
        .clamp(first_day, last_day);
    let to = from + Duration::days(WEEK - 1);
    let places = state.store.places(&site, from, to).await?;
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|day| {
            let of_day: Vec<&SlotPlaces> = places.iter().filter(|p| p.slot.date == day).collect();
            // Slots that have begun are no use to anyone booking.
            let slots: Vec<SlotView> = of_day
                .iter()
                .filter(|p| p.slot.starts_at > now)
                .map(|p| slot_view(t, &site, p, now))
                .collect();
            DayView {
                label: dates::day(t, day),
                over: slots.is_empty() && !of_day.is_empty(),
                slots,
            }
        })
        .collect();
    let week_href = |day: NaiveDate| {
        paths::with_query(
            &paths::site(site.id),
            &SiteQuery {
                from: day.to_string(),
            },
        ) + "#slots"
    };
    let photos = state
        .store
        .site_photos(site.id)
        .await?
        .into_iter()
        .map(|photo| paths::site_photo(site.id, photo))
        .collect();
    let here = paths::with_query(&paths::site(site.id), &query);
    Ok(SitePage {
        id,
        name: site.details.name.clone(),
        meta: format!(
            "{} · {}",
            kind_name(t, site.details.kind),
            district_of(&state, &site.unit, &mut HashMap::new())
                .await?
                .map_or_else(|| site.unit.name.clone(), |d| d.name)
        ),
        address: site.details.address.clone(),
        map_links: map_links(t, &site),
        description: crate::views::paragraphs(&site.details.description),
        photos,
        week_hours: week_hours(t, &site),
        exceptions: exceptions(t, &site, first_day),
        rules: rules_lines(t, &site),
        days,
        week_label: dates::days(t, from, to),
        previous_week: (from > first_day).then(|| week_href(from - Duration::days(WEEK))),
        next_week: (to < last_day).then(|| week_href(to + Duration::days(1))),
        figures: figures_view(&state, t, Some(site.id), zone).await?,
        manages,
        archived: site.archived,
        chrome: chrome(page, &user, &here),
    })
}

async fn photo(
    State(state): State<AppState>,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let bytes = state.store.site_photo(SiteId(id), photo).await?;
    Ok(crate::views::jpeg(bytes, "public, max-age=86400"))
}

/// The start of a slot as a form or address carries it (seconds since
/// 1970, which no zone can misread).
pub fn parse_start(input: &str) -> Result<DateTime<Utc>, WebError> {
    input
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
        .ok_or_else(|| WebError::Invalid(format!("at: {input:?} is not a slot's start")))
}
