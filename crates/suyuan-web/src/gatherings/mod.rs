//! Gatherings as members meet them: their upcoming and recent gatherings,
//! a gathering's record page (check in, ask for leave, write a
//! reflection), and calendar feeds. Organizers' pages are in `organize`.

mod calendar;
mod ledger;
mod organize;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::access::Principal;
use suyuan_core::campaigns::Campaign;
use suyuan_core::campaigns::DEFAULT_ZONE;
use suyuan_core::gatherings::{Attendance, CheckInCode, CheckInError, Kind, Review, Slot, Text};
use suyuan_core::reading::{Action, Event};
use suyuan_store::gatherings::{Gathering, GatheringId};
use suyuan_store::members::Member;

use crate::audit::Concerns;
use crate::auth::PageUser;
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::i18n::{Texts, fill};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub use organize::close_ended;

/// How often an instance closes the gatherings that have ended.
pub const CLOSE_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::GATHERINGS, get(my_gatherings))
        .route("/gatherings/{id}", get(gathering_page))
        .route("/gatherings/{id}/check-in", post(check_in))
        .route("/gatherings/{id}/leave", post(ask_leave))
        .route("/gatherings/{id}/reflection", post(submit_reflection))
        .route("/gatherings/feed/reset", post(calendar::reset_my_feed))
        .route("/gatherings/{id}/event.ics", get(calendar::single_event))
        .route("/photos/{id}", get(photo))
        .route("/calendar/{file}", get(calendar::feed))
        .route("/units/{id}/ledger", get(ledger::ledger_page))
        .route("/units/{id}/ledger.xlsx", get(ledger::ledger_xlsx))
        .merge(organize::router())
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(calendar::api_my_calendar))
}

/// Wrong codes a member may type for one gathering: a guess among a
/// million codes then has no real chance.
const MAX_WRONG_CODES: u32 = 10;

/// How long back and ahead a member's list of gatherings reaches.
const RECENT_DAYS: i64 = 30;
const AHEAD_DAYS: i64 = 90;

/// The zone a gathering's times are shown in: its campaign's, or the
/// default.
async fn zone_of(state: &AppState, gathering: &Gathering) -> Result<Tz, WebError> {
    // Through the campaigns kept in memory: lists ask this for every row.
    Ok(match gathering.campaign {
        Some(campaign) => {
            state
                .books
                .get(state, campaign)
                .await?
                .campaign
                .calendar
                .zone
        }
        None => DEFAULT_ZONE,
    })
}

/// "11月26日 周四 19:00–20:30", in the gathering's zone.
fn when(t: &Texts, zone: Tz, gathering: &Gathering) -> String {
    crate::dates::span(
        t,
        &gathering.slot.starts_at.with_timezone(&zone),
        &gathering.slot.ends_at.with_timezone(&zone),
    )
}

pub fn kind_name(t: &Texts, kind: Kind) -> &'static str {
    match kind {
        Kind::WeeklyStudy => t.kind_weekly_study,
        Kind::Lecture => t.kind_lecture,
        Kind::ActivityDay => t.kind_activity_day,
    }
}

pub fn attendance_name(t: &Texts, status: Attendance) -> &'static str {
    match status {
        Attendance::Present => t.att_present,
        Attendance::Late => t.att_late,
        Attendance::Excused => t.att_excused,
        Attendance::Absent => t.att_absent,
    }
}

fn review_name(t: &Texts, review: Review, leave: bool) -> &'static str {
    match (review, leave) {
        (Review::Pending, _) => t.review_pending,
        (Review::Accepted, true) => t.leave_approved,
        (Review::Returned, true) => t.leave_refused,
        (Review::Accepted, false) => t.reflection_accepted,
        (Review::Returned, false) => t.reflection_returned,
    }
}

/// Who may open a gathering: the members it is for (its unit's subtree)
/// and the admins over its unit. Anyone else gets "not found".
pub(crate) async fn visible(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> Result<(Gathering, Role), WebError> {
    let gathering = state.store.gathering(GatheringId(id)).await?;
    if who.may_manage_within(&gathering.unit.path).is_ok() {
        let invited = gathering.unit.path.contains(&who.unit_path);
        Ok((gathering, Role::Organizer { invited }))
    } else if gathering.unit.path.contains(&who.unit_path) {
        Ok((gathering, Role::Invited))
    } else {
        Err(WebError::NotFound)
    }
}

/// How the person looking at a gathering stands to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Invited,
    /// An admin over its unit; `invited` when they are also one of its
    /// members.
    Organizer {
        invited: bool,
    },
}

impl Role {
    fn invited(self) -> bool {
        matches!(self, Role::Invited | Role::Organizer { invited: true })
    }

    fn organizes(self) -> bool {
        matches!(self, Role::Organizer { .. })
    }
}

/// The points-earning actions of a member at a campaign's gatherings.
pub async fn events_of(
    state: &AppState,
    member: &Member,
    campaign: &Campaign,
) -> Result<Vec<Event>, WebError> {
    let record = state.store.gathering_record(member.id, campaign.id).await?;
    let day = |at: DateTime<Utc>| campaign.calendar.date_at(at);
    Ok(record
        .attended
        .into_iter()
        .map(|at| Event {
            on: day(at),
            action: Action::Attendance,
        })
        .chain(record.reflections_accepted.into_iter().map(|at| Event {
            on: day(at),
            action: Action::ReflectionAccepted,
        }))
        .collect())
}

/// A gathering in a list.
pub struct Row {
    pub href: String,
    pub title: String,
    pub kind: &'static str,
    pub when: String,
    pub unit: String,
    /// "Cancelled", "time changed", or how the member attended.
    pub note: String,
    pub cancelled: bool,
}

pub(crate) async fn row_of(
    state: &AppState,
    t: &Texts,
    gathering: &Gathering,
    note: String,
) -> Result<Row, WebError> {
    let zone = zone_of(state, gathering).await?;
    let note = if gathering.cancelled {
        t.gathering_cancelled.to_owned()
    } else if note.is_empty() && gathering.sequence > 0 {
        t.gathering_moved.to_owned()
    } else {
        note
    };
    Ok(Row {
        href: paths::gathering(gathering.id.0),
        title: gathering.details.title.clone(),
        kind: kind_name(t, gathering.kind),
        when: when(t, zone, gathering),
        unit: gathering.unit.name.clone(),
        note,
        cancelled: gathering.cancelled,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "gatherings.html")]
struct MyGatherings {
    chrome: Chrome,
    upcoming: Vec<Row>,
    recent: Vec<Row>,
    feed_url: String,
    webcal_url: String,
    /// An admin's link to plan their unit's gatherings.
    plan_href: Option<String>,
}

async fn my_gatherings(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    user: PageUser,
) -> Result<MyGatherings, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let now = state.now();
    let mut upcoming = Vec::new();
    let mut recent = Vec::new();
    for gathering in state
        .store
        .gatherings_for(
            &user.member.unit.path,
            now - Duration::days(RECENT_DAYS),
            now + Duration::days(AHEAD_DAYS),
        )
        .await?
    {
        if gathering.slot.is_over(now) {
            let note = match state.store.presence(gathering.id, user.member.id).await? {
                Some(presence) => attendance_name(t, presence.status).to_owned(),
                None => String::new(),
            };
            recent.push(row_of(&state, t, &gathering, note).await?);
        } else {
            upcoming.push(row_of(&state, t, &gathering, String::new()).await?);
        }
    }
    recent.reverse();
    let feed_url = calendar::member_feed_url(&state, &headers, &user.member).await?;
    Ok(MyGatherings {
        chrome: Chrome::for_user(page, &user, paths::GATHERINGS),
        upcoming,
        recent,
        webcal_url: calendar::webcal(&feed_url),
        feed_url,
        plan_href: user
            .principal
            .is_admin()
            .then(|| paths::unit_gatherings(user.member.unit.id)),
    })
}

/// A photo on the record page.
struct PhotoView {
    src: String,
    width: u32,
    height: u32,
    delete: String,
}

/// A photo of a gathering, for those who may open the gathering. It is
/// always a JPEG we encoded, served as one.
async fn photo(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, WebError> {
    let (gathering, content_type, bytes) = state.store.photo(id).await?;
    visible(&state, &user.principal, gathering.0).await?;
    if content_type != "image/jpeg" {
        return Err(WebError::NotFound);
    }
    Ok(crate::views::jpeg(bytes, "private, max-age=86400"))
}

/// The member's own part in a gathering.
struct Mine {
    status: Option<String>,
    /// The check-in form, while check-in is open and they are not in.
    check_in: bool,
    /// When check-in opens, while it is still to open.
    check_in_opens: Option<String>,
    leave: Option<String>,
    /// The leave form, before the end.
    may_ask_leave: bool,
    reflection: Option<MyReflection>,
    /// The reflection form, once it has begun.
    may_reflect: bool,
}

struct MyReflection {
    text: String,
    state: String,
    comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering.html")]
struct GatheringPage {
    chrome: Chrome,
    id: i64,
    title: String,
    kind: &'static str,
    when: String,
    unit: String,
    cancelled: bool,
    moved: bool,
    topic: String,
    speaker: String,
    place: String,
    meeting_point: String,
    materials: String,
    minutes: String,
    photos: Vec<PhotoView>,
    code: String,
    mine: Option<Mine>,
    organizer: Option<organize::Desk>,
    /// The teaching site visits booked for it: what, and the booking's
    /// page.
    visits: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct CodeQuery {
    /// Prefilled from the organizer's QR code.
    code: Option<String>,
}

async fn gathering_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<CodeQuery>,
) -> Result<(Option<axum::Extension<Concerns>>, GatheringPage), WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let now = state.now();
    let (gathering, role) = visible(&state, &user.principal, id).await?;
    let zone = zone_of(&state, &gathering).await?;
    let mine = if role.invited() && !gathering.cancelled {
        let member = user.member.id;
        let presence = state.store.presence(gathering.id, member).await?;
        let attended = presence.as_ref().is_some_and(|p| p.status.attended());
        let leave = state
            .store
            .leaves(gathering.id)
            .await?
            .into_iter()
            .find(|l| l.member == member);
        let reflection = state
            .store
            .reflections(gathering.id, Some(member))
            .await?
            .pop();
        let occasion = gathering.occasion();
        Some(Mine {
            status: presence.map(|p| attendance_name(t, p.status).to_owned()),
            check_in: !attended && gathering.slot.check_in_open(now),
            check_in_opens: (!gathering.cancelled
                && now < gathering.slot.starts_at - Slot::OPENS_BEFORE)
                .then(|| {
                    let opens =
                        (gathering.slot.starts_at - Slot::OPENS_BEFORE).with_timezone(&zone);
                    fill(
                        t.check_in_opens_at,
                        &[("when", &crate::dates::moment(t, &opens))],
                    )
                }),
            leave: leave.map(|l| format!("{} · {}", review_name(t, l.state, true), l.reason)),
            may_ask_leave: !attended && occasion.may_ask_leave(now).is_ok(),
            may_reflect: occasion.may_reflect(now).is_ok()
                && !reflection
                    .as_ref()
                    .is_some_and(|r| r.state == Review::Accepted),
            reflection: reflection.map(|r| MyReflection {
                state: review_name(t, r.state, false).to_owned(),
                text: r.text,
                comment: r.comment,
            }),
        })
    } else {
        None
    };
    let organizer = if role.organizes() {
        Some(organize::desk(&state, t, &gathering, zone).await?)
    } else {
        None
    };
    // Members' leave reasons, on the organizer's desk.
    let shown = organizer
        .as_ref()
        .filter(|desk| !desk.leaves.is_empty())
        .map(|_| crate::audit::shows_personal_data(&gathering.unit.path));
    let photos = state
        .store
        .photos(gathering.id)
        .await?
        .into_iter()
        .map(|p| PhotoView {
            src: paths::photo(p.id),
            width: p.width,
            height: p.height,
            delete: paths::delete_photo(id, p.id),
        })
        .collect();
    let here = paths::gathering(id);
    let mut visits = Vec::new();
    for booking in state.store.gathering_bookings(gathering.id.0).await? {
        let site = state.store.site(booking.site).await?;
        visits.push((
            format!(
                "{} · {} · {}",
                site.details.name,
                crate::sites::status_name(t, booking.status),
                booking.code
            ),
            paths::booking(&booking.code),
        ));
    }
    let page = GatheringPage {
        visits,
        chrome: Chrome::for_user(page, &user, &here),
        id,
        kind: kind_name(t, gathering.kind),
        when: when(t, zone, &gathering),
        unit: gathering.unit.name.clone(),
        cancelled: gathering.cancelled,
        moved: gathering.sequence > 0 && !gathering.cancelled,
        title: gathering.details.title,
        topic: gathering.details.topic,
        speaker: gathering.details.speaker,
        place: gathering.details.place,
        meeting_point: gathering.details.meeting_point,
        materials: gathering.details.materials,
        minutes: gathering.minutes,
        photos,
        code: query
            .code
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .take(6)
            .collect(),
        mine,
        organizer,
    };
    Ok((shown, page))
}

/// The gathering a member acts on: one they are invited to and that is
/// not cancelled.
async fn invited_to(state: &AppState, who: &Principal, id: i64) -> Result<Gathering, WebError> {
    let (gathering, role) = visible(state, who, id).await?;
    if !role.invited() {
        return Err(WebError::Forbidden(
            "this gathering is for the members of its unit".into(),
        ));
    }
    if gathering.cancelled {
        return Err(WebError::Invalid("this gathering is cancelled".into()));
    }
    Ok(gathering)
}

#[derive(Deserialize)]
struct CheckInForm {
    code: String,
}

async fn check_in(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CheckInForm>,
) -> Result<Response, WebError> {
    let gathering = invited_to(&state, &user.principal, id).await?;
    let now = state.now();
    let member = user.member.id;
    if state.store.wrong_codes(gathering.id, member).await? >= MAX_WRONG_CODES {
        return Err(WebError::Invalid(
            "code: too many wrong codes; ask the organizer to mark you".into(),
        ));
    }
    if let Err(err) =
        CheckInCode::new(&gathering.code_secret).check(&form.code, &gathering.slot, now)
    {
        if err != CheckInError::Closed {
            state
                .store
                .note_wrong_code(gathering.id, member, now)
                .await?;
        }
        return Err(WebError::Invalid(err.to_string()));
    }
    let presence = state.store.check_in(&gathering, member, now).await?;
    Ok(done(
        &format!("{}#mine", paths::gathering(id)),
        Notice::CheckedIn {
            late: presence.status == Attendance::Late,
        },
    ))
}

#[derive(Deserialize)]
struct LeaveForm {
    reason: String,
}

async fn ask_leave(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<LeaveForm>,
) -> Result<Response, WebError> {
    let gathering = invited_to(&state, &user.principal, id).await?;
    state
        .store
        .ask_leave(
            &gathering,
            user.member.id,
            &Text::required("reason", &form.reason)?,
            state.now(),
        )
        .await?;
    Ok(done(
        &format!("{}#mine", paths::gathering(id)),
        Notice::LeaveAsked,
    ))
}

#[derive(Deserialize)]
struct ReflectionForm {
    text: String,
}

async fn submit_reflection(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReflectionForm>,
) -> Result<Response, WebError> {
    let gathering = invited_to(&state, &user.principal, id).await?;
    state
        .store
        .submit_reflection(
            &gathering,
            user.member.id,
            &Text::required("text", &form.text)?,
            state.now(),
        )
        .await?;
    Ok(done(
        &format!("{}#my-reflection", paths::gathering(id)),
        Notice::ReflectionSent,
    ))
}

/// The home page's line about gatherings: the next one, and notices of
/// those cancelled or moved in the last week that are still to come.
pub struct Upcoming {
    pub next: Option<Row>,
    pub notices: Vec<Row>,
}

pub async fn upcoming_for(
    state: &AppState,
    t: &Texts,
    member: &Member,
) -> Result<Upcoming, WebError> {
    let now = state.now();
    let gatherings = state
        .store
        .gatherings_for(&member.unit.path, now, now + Duration::days(AHEAD_DAYS))
        .await?;
    let mut next = None;
    let mut notices = Vec::new();
    for gathering in &gatherings {
        if gathering
            .changed_at
            .is_some_and(|at| at > now - Duration::days(7))
        {
            notices.push(row_of(state, t, gathering, String::new()).await?);
        }
        if next.is_none() && !gathering.cancelled {
            next = Some(row_of(state, t, gathering, String::new()).await?);
        }
    }
    Ok(Upcoming { next, notices })
}

/// A caption with numbers filled in, for the templates.
pub(crate) fn counted(text: &str, count: usize) -> String {
    fill(text, &[("count", &count)])
}
