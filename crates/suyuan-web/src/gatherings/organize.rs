//! Gatherings as organizers run them: planning a unit's gatherings (one,
//! or a weekly or monthly series), the check-in screen with its rotating
//! code and QR code, marking attendance, deciding leave, reviewing
//! reflections, writing minutes, moving and cancelling.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use suyuan_app::gatherings::{Planned, plan};
use suyuan_core::campaigns::{Campaign, CampaignId};
use suyuan_core::gatherings::{
    Attendance, CheckInCode, Kind, Nth, Recurrence, Review, Schedule, Slot,
};
use suyuan_core::gatherings::{Details, LeaveDecision, ReflectionReview, Text};
use suyuan_core::members::MemberId;
use suyuan_core::units::UnitId;
use suyuan_store::gatherings::{Gathering, Presence};
use suyuan_store::members::Member;

use super::{Row, attendance_name, counted, kind_name, review_name, row_of, visible, zone_of};
use crate::auth::PageUser;
use crate::csrf::{CsrfForm, CsrfMultipart, NoFields};
use crate::error::WebError;
use crate::i18n::{Lang, Texts, fill};
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page, Pager};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/gatherings/{id}/run", get(run_page))
        .route("/gatherings/{id}/roll", get(roll_page))
        .route("/gatherings/{id}/attendance", post(mark))
        .route("/gatherings/{id}/attendance/bulk", post(mark_bulk))
        .route("/gatherings/{id}/leaves/{member}", post(decide_leave))
        .route("/gatherings/{id}/reflections/{member}", post(review))
        .route("/gatherings/{id}/minutes", post(minutes))
        .route("/gatherings/{id}/reschedule", post(reschedule))
        .route("/gatherings/{id}/cancel", post(cancel))
        .route("/gatherings/{id}/edit", post(edit))
        .route("/gatherings/{id}/photos", post(add_photo))
        .route("/gatherings/{id}/photos/{photo}/delete", post(delete_photo))
        .route("/units/{id}/gatherings", get(plan_page).post(create))
        .route(
            "/units/{id}/gatherings/feed/reset",
            post(super::calendar::reset_unit_feed),
        )
}

/// Fills in "absent" at every gathering that has ended (each instance
/// runs this every half minute; a gathering is closed once).
pub async fn close_ended(state: &AppState) -> Result<usize, WebError> {
    Ok(state.store.close_ended(state.now()).await?)
}

/// A gathering the signed-in admin organizes, or "not found".
async fn organized(state: &AppState, user: &PageUser, id: i64) -> Result<Gathering, WebError> {
    let (gathering, role) = visible(state, &user.principal, id).await?;
    if !role.organizes() {
        return Err(WebError::NotFound);
    }
    Ok(gathering)
}

pub struct LeaveRow {
    pub(super) name: String,
    pub(super) reason: String,
    pub(super) state: &'static str,
    pub(super) pending: bool,
    pub(super) action: String,
}

pub struct ReflectionRow {
    pub(super) name: String,
    pub(super) text: String,
    pub(super) state: &'static str,
    pub(super) comment: String,
    pub(super) pending: bool,
    pub(super) action: String,
}

/// What the record page adds for its organizer.
pub struct Desk {
    pub(super) run_href: String,
    pub(super) tally: String,
    pub(super) leaves: Vec<LeaveRow>,
    pub(super) leaves_decided: usize,
    pub(super) leaves_decided_caption: String,
    pub(super) reflections: Vec<ReflectionRow>,
    pub(super) reflections_reviewed: usize,
    pub(super) reflections_reviewed_caption: String,
    pub(super) may_change: bool,
    pub(super) date: String,
    pub(super) time: String,
    pub(super) minutes: i64,
}

pub(super) async fn desk(
    state: &AppState,
    t: &Texts,
    gathering: &Gathering,
    zone: Tz,
) -> Result<Desk, WebError> {
    let id = gathering.id.0;
    // Counts, not the whole roll: a lecture's record page should not load
    // every member of a district.
    let invited = state.store.count_members(&gathering.unit.path).await?;
    let counts = state
        .store
        .tallies(&[gathering.id])
        .await?
        .remove(&gathering.id)
        .unwrap_or_default()
        .attendance;
    let leaves: Vec<LeaveRow> = state
        .store
        .leaves(gathering.id)
        .await?
        .into_iter()
        .map(|leave| LeaveRow {
            state: review_name(t, leave.state, true),
            pending: leave.state == Review::Pending,
            action: paths::gathering_leave(id, leave.member.0),
            name: leave.name,
            reason: leave.reason,
        })
        .collect();
    let reflections: Vec<ReflectionRow> = state
        .store
        .reflections(gathering.id, None)
        .await?
        .into_iter()
        .map(|r| ReflectionRow {
            state: review_name(t, r.state, false),
            pending: r.state == Review::Pending,
            action: paths::gathering_reflection(id, r.member.0),
            name: r.name,
            text: r.text,
            comment: r.comment,
        })
        .collect();
    let starts = gathering.slot.starts_at.with_timezone(&zone);
    let leaves_decided = leaves.iter().filter(|l: &&LeaveRow| !l.pending).count();
    let reflections_reviewed = reflections
        .iter()
        .filter(|r: &&ReflectionRow| !r.pending)
        .count();
    Ok(Desk {
        run_href: paths::gathering_run(id),
        tally: tally(t, usize::try_from(invited).unwrap_or(usize::MAX), counts),
        leaves_decided_caption: counted(t.leaves_decided, leaves_decided),
        leaves_decided,
        leaves,
        reflections_reviewed_caption: counted(t.reflections_reviewed, reflections_reviewed),
        reflections_reviewed,
        reflections,
        // Moved, edited or cancelled: while it may still be moved.
        may_change: gathering
            .occasion()
            .may_move(&gathering.slot, state.now())
            .is_ok(),
        date: starts.format("%Y-%m-%d").to_string(),
        time: starts.format("%H:%M").to_string(),
        minutes: (gathering.slot.ends_at - gathering.slot.starts_at).num_minutes(),
    })
}

/// "Invited 12 · present 8 · late 1 · excused 1 · absent 0", from the
/// counts in the order of `Attendance::ALL`.
fn tally(t: &Texts, invited: usize, counts: [usize; 4]) -> String {
    let mut parts = vec![counted(t.invited_count, invited)];
    for (status, count) in Attendance::ALL.into_iter().zip(counts) {
        parts.push(format!("{} {count}", attendance_name(t, status)));
    }
    parts.join(" · ")
}

pub struct RollRow {
    name: String,
    unit: String,
    /// The status marked, or "not marked" — never a default that looks
    /// like one.
    marked: String,
    status: Option<Attendance>,
    action: String,
    member: i64,
    /// The row after it on the page, if any.
    next: Option<i64>,
}

pub struct StatusChoice {
    code: &'static str,
    name: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering_run.html")]
struct RunPage {
    chrome: Chrome,
    title: String,
    gathering_href: String,
    roll_href: String,
    when: String,
    open: bool,
    code: String,
    /// What it opens: the record page with the code on screen filled in.
    qr: String,
    /// The link to forward to the group, good for the whole window.
    forward: String,
    /// Seconds until the code rotates: the page reloads then.
    refresh: i64,
    tally: String,
}

/// "Invited 12 · present 8 · …" for a gathering's roll.
fn roll_tally(t: &Texts, roll: &[(Member, Option<Presence>)]) -> String {
    tally(
        t,
        roll.len(),
        Attendance::ALL.map(|status| {
            roll.iter()
                .filter(|(_, p)| p.as_ref().is_some_and(|p| p.status == status))
                .count()
        }),
    )
}

async fn run_page(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<RunPage, WebError> {
    let t = page.lang.texts();
    let gathering = organized(&state, &user, id).await?;
    let zone = zone_of(&state, &gathering).await?;
    let now = state.now();
    let open = !gathering.cancelled && gathering.slot.check_in_open(now);
    let codes = CheckInCode::new(&gathering.code_secret);
    let code = codes.at(now);
    let origin = crate::security::origin(&state, &headers);
    let link = format!("{origin}{}", paths::gathering_with_code(id, &code));
    let forward = format!(
        "{origin}{}",
        paths::gathering_with_code(id, &codes.for_window(&gathering.slot))
    );
    let roll = state.store.roll(&gathering).await?;
    let here = paths::gathering_run(id);
    Ok(RunPage {
        chrome: Chrome::for_user(page, &user, &here),
        title: gathering.details.title.clone(),
        gathering_href: paths::gathering(id),
        roll_href: paths::gathering_roll(id),
        when: super::when(t, zone, &gathering),
        open,
        qr: if open {
            crate::views::qr_svg(&link, 220)
        } else {
            String::new()
        },
        forward,
        code: if open { code } else { String::new() },
        refresh: (CheckInCode::rotates_at(now) - now).num_seconds().max(1),
        tally: roll_tally(t, &roll),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering_roll.html")]
struct RollPage {
    chrome: Chrome,
    title: String,
    run_href: String,
    when: String,
    tally: String,
    query: RollQuery,
    /// The view as a form field, to come back to after marking.
    back: String,
    /// Whom to show: every one, the unmarked, or those of one status
    /// (address, name, whether shown now).
    shows: Vec<(String, String, bool)>,
    found: String,
    /// The view without its search.
    clear_search: String,
    roll: Vec<RollRow>,
    /// The unmarked on this page, for marking them all at once, and the
    /// words offering it.
    unmarked: Vec<i64>,
    mark_unmarked: String,
    statuses: Vec<StatusChoice>,
    /// Before check-in opens: when the other marks may be made.
    early_note: Option<String>,
    pager: Pager,
    bulk_action: String,
}

/// Members on a page of the roll.
const ROLL_PAGE: u64 = 50;

/// The roll's view, in the address: a search, whom to show, a page.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct RollQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    /// `unmarked`, a status's code, or empty for every one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    show: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
}

impl RollQuery {
    fn href(&self, id: i64, page: u64) -> String {
        let view = RollQuery {
            page: Some(page).filter(|p| *p > 1),
            ..self.clone()
        };
        paths::with_query(&paths::gathering_roll(id), &view)
    }

    /// The view a form came from (never an address from elsewhere).
    fn from_back(back: &str) -> Self {
        serde_urlencoded::from_str(back).unwrap_or_default()
    }

    /// Whether a member marked `status` (or not at all) is in the view.
    fn shows(&self, status: Option<Attendance>) -> bool {
        match (self.show.as_str(), status) {
            ("", _) => true,
            ("unmarked", marked) => marked.is_none(),
            (code, Some(status)) => status.code() == code,
            (_, None) => false,
        }
    }
}

/// The roll to mark by hand: no reloads, so marking one keeps the place;
/// found by name or unit, shown by status, a page at a time.
async fn roll_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<RollQuery>,
) -> Result<(axum::Extension<crate::audit::Concerns>, RollPage), WebError> {
    let t = page.lang.texts();
    let gathering = organized(&state, &user, id).await?;
    let zone = zone_of(&state, &gathering).await?;
    let roll = state.store.roll(&gathering).await?;
    let opens = gathering.slot.starts_at - Slot::OPENS_BEFORE;
    let early = state.now() < opens;
    let wanted = query.q.trim().to_owned();
    let chosen: Vec<&(Member, Option<Presence>)> = roll
        .iter()
        .filter(|(member, presence)| {
            query.shows(presence.as_ref().map(|p| p.status))
                && (wanted.is_empty()
                    || member.name.contains(&wanted)
                    || member.unit.name.to_string().contains(&wanted))
        })
        .collect();
    let pager = Pager::new(
        t,
        query.page.unwrap_or(1),
        chosen.len() as u64,
        ROLL_PAGE,
        |p| query.href(id, p),
    );
    let rows: Vec<RollRow> = chosen
        .iter()
        .skip(pager.offset(ROLL_PAGE) as usize)
        .take(ROLL_PAGE as usize)
        .map(|(member, presence)| RollRow {
            marked: match presence {
                Some(p) => match p.checked_in_at {
                    Some(at) => format!(
                        "{} {}",
                        attendance_name(t, p.status),
                        at.with_timezone(&zone).format("%H:%M")
                    ),
                    None => attendance_name(t, p.status).to_owned(),
                },
                None => t.not_marked.to_owned(),
            },
            status: presence.as_ref().map(|p| p.status),
            name: member.name.clone(),
            unit: member.unit.name.to_string(),
            action: paths::gathering_attendance(id),
            member: member.id.0,
            next: None,
        })
        .collect();
    let mut rows = rows;
    for at in 1..rows.len() {
        rows[at - 1].next = Some(rows[at].member);
    }
    let count = |show: &str| {
        let view = RollQuery {
            show: show.to_owned(),
            ..RollQuery::default()
        };
        roll.iter()
            .filter(|(_, p)| view.shows(p.as_ref().map(|p| p.status)))
            .count()
    };
    let show = |value: &str, name: String| {
        let view = RollQuery {
            show: value.to_owned(),
            q: wanted.clone(),
            page: None,
        };
        (view.href(id, 1), name, value == query.show)
    };
    let mut shows = vec![
        show("", fill(t.roll_show_all, &[("n", &roll.len())])),
        show(
            "unmarked",
            format!("{} {}", t.not_marked, count("unmarked")),
        ),
    ];
    for status in Attendance::ALL {
        shows.push(show(
            status.code(),
            format!("{} {}", attendance_name(t, status), count(status.code())),
        ));
    }
    let back = serde_urlencoded::to_string(&RollQuery {
        page: Some(pager.page),
        q: wanted.clone(),
        ..query.clone()
    })
    .unwrap_or_default();
    let here = query.href(id, pager.page);
    // Members by name, with how each came or why not.
    let shown = crate::audit::shows_personal_data(&gathering.unit.path);
    let page = RollPage {
        chrome: Chrome::for_user(page, &user, &here),
        title: gathering.details.title.clone(),
        run_href: paths::gathering_run(id),
        when: super::when(t, zone, &gathering),
        tally: roll_tally(t, &roll),
        found: fill(t.members_found, &[("total", &chosen.len())]),
        clear_search: RollQuery {
            show: query.show.clone(),
            ..RollQuery::default()
        }
        .href(id, 1),
        mark_unmarked: fill(
            t.mark_page_unmarked,
            &[("n", &rows.iter().filter(|r| r.status.is_none()).count())],
        ),
        unmarked: rows
            .iter()
            .filter(|r| r.status.is_none())
            .map(|r| r.member)
            .collect(),
        roll: rows,
        query: RollQuery { q: wanted, ..query },
        back,
        shows,
        // Before check-in opens only leave can be marked: offer no more.
        statuses: Attendance::ALL
            .into_iter()
            .filter(|status| !early || *status == Attendance::Excused)
            .map(|status| StatusChoice {
                code: status.code(),
                name: attendance_name(t, status),
            })
            .collect(),
        early_note: early.then(|| {
            fill(
                t.marks_open_at,
                &[(
                    "when",
                    &crate::dates::moment(t, &opens.with_timezone(&zone)),
                )],
            )
        }),
        pager,
        bulk_action: paths::gathering_attendance_bulk(id),
    };
    Ok((shown, page))
}

#[derive(Deserialize)]
struct MarkForm {
    member: i64,
    status: String,
    /// The roll's view the form was on.
    #[serde(default)]
    back: String,
    /// The row after this one: the place to return to when the marked
    /// row leaves the view (as it does when only the unmarked are shown).
    next: Option<i64>,
}

/// Whether attendance may be marked at all now, and with `status`.
fn may_mark(gathering: &Gathering, status: Attendance, now: DateTime<Utc>) -> Result<(), WebError> {
    if gathering.cancelled {
        return Err(WebError::Invalid(
            "status: this gathering is cancelled".into(),
        ));
    }
    if status != Attendance::Excused && now < gathering.slot.starts_at - Slot::OPENS_BEFORE {
        return Err(WebError::Invalid(
            "status: attendance is marked from when check-in opens; before that, only leave".into(),
        ));
    }
    Ok(())
}

async fn mark(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MarkForm>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    let status = Attendance::parse(&form.status)
        .ok_or_else(|| WebError::Invalid(format!("status: unknown status {:?}", form.status)))?;
    let now = state.now();
    may_mark(&gathering, status, now)?;
    let member = state.store.member(MemberId(form.member)).await?;
    if !gathering.unit.path.contains(&member.unit.path) {
        return Err(WebError::Invalid(
            "member: not one of this gathering's members".into(),
        ));
    }
    state
        .store
        .mark_attendance(gathering.id, member.id, status, user.member.id, now)
        .await?;
    let view = RollQuery::from_back(&form.back);
    let place = match form.next {
        Some(next) if !view.shows(Some(status)) => next,
        _ => member.id.0,
    };
    Ok(done(
        &format!("{}#m-{place}", view.href(id, view.page.unwrap_or(1))),
        Notice::AttendanceMarked {
            name: member.name,
            status: status.code().to_owned(),
        },
    ))
}

/// Marks every member the form lists (the unmarked of a page of the
/// roll) with one status: a roll taken on paper.
async fn mark_bulk(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let status = Attendance::parse(field("status")).ok_or_else(|| {
        WebError::Invalid(format!("status: unknown status {:?}", field("status")))
    })?;
    let now = state.now();
    may_mark(&gathering, status, now)?;
    let mut marks = Vec::new();
    for (_, value) in fields.iter().filter(|(k, _)| k == "member") {
        let member = value
            .parse()
            .map_err(|_| WebError::Invalid(format!("member: {value:?} is not a member")))?;
        let member = state.store.member(MemberId(member)).await?;
        if !gathering.unit.path.contains(&member.unit.path) {
            return Err(WebError::Invalid(format!(
                "member: {} is not one of this gathering's members",
                member.name
            )));
        }
        marks.push((member.id, status));
    }
    if marks.is_empty() {
        return Err(WebError::Invalid("member: nobody to mark".into()));
    }
    state
        .store
        .mark_many(gathering.id, &marks, user.member.id, now)
        .await?;
    let view = RollQuery::from_back(field("back"));
    Ok(done(
        &format!("{}#roll", view.href(id, view.page.unwrap_or(1))),
        Notice::AttendanceMarkedMany {
            count: marks.len(),
            status: status.code().to_owned(),
        },
    ))
}

#[derive(Deserialize)]
struct DecisionForm {
    /// "accept" or "return" (refuse, for leave).
    decision: String,
    #[serde(default)]
    comment: String,
}

impl DecisionForm {
    fn unknown(&self) -> WebError {
        WebError::Invalid(format!(
            "decision: expected accept or return, not {:?}",
            self.decision
        ))
    }

    fn on_leave(&self) -> Result<LeaveDecision, WebError> {
        match self.decision.as_str() {
            "accept" => Ok(LeaveDecision::Approve),
            "return" => Ok(LeaveDecision::Refuse),
            _ => Err(self.unknown()),
        }
    }

    fn on_reflection(&self) -> Result<ReflectionReview, WebError> {
        Ok(match self.decision.as_str() {
            "accept" => ReflectionReview::accept(&self.comment)?,
            "return" => ReflectionReview::return_with(&self.comment)?,
            _ => return Err(self.unknown()),
        })
    }
}

async fn decide_leave(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, member)): Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    state
        .store
        .decide_leave(
            gathering.id,
            MemberId(member),
            form.on_leave()?,
            user.member.id,
            state.now(),
        )
        .await?;
    Ok(done(
        &format!("{}#leaves", paths::gathering(id)),
        Notice::LeaveDecided,
    ))
}

async fn review(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, member)): Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    state
        .store
        .review_reflection(
            gathering.id,
            MemberId(member),
            &form.on_reflection()?,
            user.member.id,
            state.now(),
        )
        .await?;
    Ok(done(
        &format!("{}#reflections", paths::gathering(id)),
        Notice::ReflectionReviewed,
    ))
}

#[derive(Deserialize)]
struct MinutesForm {
    minutes: String,
}

async fn minutes(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MinutesForm>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    state
        .store
        .set_minutes(
            gathering.id,
            &Text::optional("minutes", &form.minutes)?,
            state.now(),
        )
        .await?;
    Ok(done(
        &format!("{}#minutes", paths::gathering(id)),
        Notice::MinutesSaved,
    ))
}

#[derive(Deserialize)]
struct RescheduleForm {
    date: String,
    time: String,
    minutes: i64,
}

fn parse_date(field: &str, value: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::Invalid(format!("{field}: a date such as 2026-11-26, not {value:?}"))
    })
}

fn parse_time(value: &str) -> Result<NaiveTime, WebError> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .map_err(|_| WebError::Invalid(format!("time: a time such as 19:30, not {value:?}")))
}

async fn reschedule(
    State(state): State<AppState>,
    lang: Lang,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RescheduleForm>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    let zone = zone_of(&state, &gathering).await?;
    let schedule = Schedule {
        recurrence: Recurrence::Once,
        from: parse_date("date", &form.date)?,
        until: parse_date("date", &form.date)?,
        starts: parse_time(&form.time)?,
        minutes: form.minutes,
    }
    .validate()?;
    let slot = Slot::local(zone, schedule.from, schedule.starts, schedule.minutes);
    state
        .store
        .reschedule(gathering.id, slot, state.now())
        .await?;
    let moved = Gathering { slot, ..gathering };
    let t = lang.texts();
    let notice = fill(
        t.notice_moved,
        &[
            ("title", &moved.details.title),
            ("when", &super::when(t, zone, &moved)),
        ],
    );
    crate::reminders::tell_group(&state, &moved.unit.path, &notice).await?;
    Ok(done(&paths::gathering(id), Notice::Rescheduled))
}

#[derive(Deserialize)]
struct EditForm {
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    meeting_point: String,
    #[serde(default)]
    materials: String,
}

async fn edit(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    let details = Details {
        title: form.title,
        topic: form.topic,
        speaker: form.speaker,
        place: form.place,
        meeting_point: form.meeting_point,
        materials: form.materials,
    };
    state
        .store
        .edit_gathering(gathering.id, details, state.now())
        .await?;
    Ok(done(&paths::gathering(id), Notice::GatheringSaved))
}

async fn cancel(
    State(state): State<AppState>,
    lang: Lang,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    if gathering.cancelled {
        return Ok(Redirect::to(&paths::gathering(id)).into_response());
    }
    state
        .store
        .cancel_gathering(gathering.id, state.now())
        .await?;
    let t = lang.texts();
    let zone = zone_of(&state, &gathering).await?;
    let notice = fill(
        t.notice_cancelled,
        &[
            ("title", &gathering.details.title),
            ("when", &super::when(t, zone, &gathering)),
        ],
    );
    crate::reminders::tell_group(&state, &gathering.unit.path, &notice).await?;
    Ok(done(&paths::gathering(id), Notice::GatheringCancelled))
}

async fn add_photo(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    let photo = crate::views::prepare_photo(form.files.bytes("photo").to_vec()).await?;
    state
        .store
        .add_photo(gathering.id, &photo, user.member.id, state.now())
        .await?;
    Ok(done(
        &format!("{}#photos", paths::gathering(id)),
        Notice::PhotoAdded,
    ))
}

async fn delete_photo(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, photo)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let gathering = organized(&state, &user, id).await?;
    state.store.delete_photo(gathering.id, photo).await?;
    Ok(done(
        &format!("{}#photos", paths::gathering(id)),
        Notice::PhotoRemoved,
    ))
}

pub struct Choice {
    value: String,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "unit_gatherings.html")]
struct PlanPage {
    chrome: Chrome,
    unit_name: String,
    unit_href: String,
    ledger_href: String,
    upcoming: Vec<Row>,
    recent: Vec<Row>,
    /// "12 more in the window: see the ledger", when some are left out.
    more: Option<String>,
    action: String,
    kinds: Vec<Choice>,
    campaigns: Vec<Choice>,
    weekdays: Vec<Choice>,
    nths: Vec<Choice>,
    today: String,
    feed_url: String,
    webcal_url: String,
    /// The teaching sites an activity day can be held at.
    sites: Vec<Choice>,
    phone: String,
}

/// Gatherings listed each side of now on the plan page.
const PLAN_SHOWN: usize = 20;

async fn plan_page(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<PlanPage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let unit = state.store.unit(UnitId(id)).await?;
    if !user.principal.may_see_unit(&unit.path) {
        return Err(WebError::NotFound);
    }
    user.principal.may_manage_within(&unit.path)?;
    let now = state.now();
    let (over, ahead): (Vec<Gathering>, Vec<Gathering>) = state
        .store
        .gatherings_within(
            &unit.path,
            now - Duration::days(PLAN_BACK_DAYS),
            now + Duration::days(PLAN_AHEAD_DAYS),
        )
        .await?
        .into_iter()
        .partition(|g| g.slot.is_over(now));
    // The next and the latest few; the ledger holds every one.
    let mut upcoming = Vec::new();
    for gathering in ahead.iter().take(PLAN_SHOWN) {
        upcoming.push(row_of(&state, t, gathering, String::new()).await?);
    }
    let mut recent = Vec::new();
    for gathering in over.iter().rev().take(PLAN_SHOWN) {
        recent.push(row_of(&state, t, gathering, String::new()).await?);
    }
    let more = ahead.len().saturating_sub(PLAN_SHOWN) + over.len().saturating_sub(PLAN_SHOWN);
    let campaigns = state
        .store
        .campaigns_for(&unit.path)
        .await?
        .into_iter()
        .filter(|c| c.calendar.end >= c.calendar.date_at(now))
        .map(|c| Choice {
            value: c.id.0.to_string(),
            name: c.title,
        })
        .collect();
    let feed_url = super::calendar::unit_feed_url(&state, &headers, unit.id).await?;
    let here = paths::unit_gatherings(unit.id);
    Ok(PlanPage {
        chrome: Chrome::for_user(page, &user, &here),
        unit_href: paths::unit(unit.id),
        ledger_href: paths::unit_ledger_base(unit.id),
        unit_name: unit.name,
        upcoming,
        recent,
        more: (more > 0).then(|| fill(t.more_in_ledger, &[("n", &more)])),
        action: here,
        kinds: Kind::ALL
            .into_iter()
            .map(|kind| Choice {
                value: kind.code().to_owned(),
                name: kind_name(t, kind).to_owned(),
            })
            .collect(),
        campaigns,
        weekdays: WEEKDAYS
            .into_iter()
            .map(|day| Choice {
                value: day.num_days_from_monday().to_string(),
                name: format!("{}{}", t.weekday_prefix, crate::views::weekday_name(t, day)),
            })
            .collect(),
        nths: Nth::ALL
            .into_iter()
            .map(|nth| Choice {
                value: nth.code().to_owned(),
                name: nth_name(t, nth).to_owned(),
            })
            .collect(),
        today: now
            .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
            .format("%Y-%m-%d")
            .to_string(),
        webcal_url: super::calendar::webcal(&feed_url),
        feed_url,
        sites: state
            .store
            .sites(false)
            .await?
            .into_iter()
            .map(|site| Choice {
                value: site.id.0.to_string(),
                name: site.details.name,
            })
            .collect(),
        phone: user.member.phone.clone().unwrap_or_default(),
    })
}

/// How far the plan page looks back and ahead; the ledger covers any
/// period.
const PLAN_BACK_DAYS: i64 = 21;
const PLAN_AHEAD_DAYS: i64 = 35;

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn nth_name(t: &Texts, nth: Nth) -> &'static str {
    match nth {
        Nth::First => t.nth_first,
        Nth::Second => t.nth_second,
        Nth::Third => t.nth_third,
        Nth::Fourth => t.nth_fourth,
        Nth::Last => t.nth_last,
    }
}

#[derive(Deserialize)]
struct PlanForm {
    kind: String,
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    meeting_point: String,
    #[serde(default)]
    materials: String,
    #[serde(default)]
    campaign: String,
    date: String,
    time: String,
    minutes: i64,
    /// once, weekly, monthly_weekday or monthly_day
    repeat: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    nth: String,
    /// A teaching site the activity day is held at, whose slot starting
    /// then is booked for it.
    #[serde(default)]
    site: String,
    #[serde(default)]
    headcount: String,
    #[serde(default)]
    contact_phone: String,
}

impl PlanForm {
    fn recurrence(&self, first: NaiveDate) -> Result<Recurrence, WebError> {
        let weekday = || -> Result<Weekday, WebError> {
            self.weekday
                .trim()
                .parse::<u8>()
                .ok()
                .and_then(|day| Weekday::try_from(day).ok())
                .ok_or_else(|| WebError::Invalid("weekday: choose a day of the week".into()))
        };
        Ok(match self.repeat.as_str() {
            "once" => Recurrence::Once,
            "weekly" => Recurrence::Weekly(weekday()?),
            "monthly_weekday" => Recurrence::MonthlyOnWeekday(
                Nth::parse(&self.nth).ok_or_else(|| {
                    WebError::Invalid("nth: choose which week of the month".into())
                })?,
                weekday()?,
            ),
            "monthly_day" => Recurrence::MonthlyOnDay(chrono::Datelike::day(&first)),
            other => {
                return Err(WebError::Invalid(format!(
                    "repeat: expected once, weekly, monthly_weekday or monthly_day, not {other:?}"
                )));
            }
        })
    }
}

/// Books the slot of a teaching site an activity day is held at: the
/// day's date and start must be one of the site's slots. The place is the
/// site's when none was given. Gives the booking's code.
#[allow(clippy::too_many_arguments)]
async fn book_site(
    state: &AppState,
    user: &PageUser,
    unit: &suyuan_store::units::Unit,
    (headcount, phone): (&str, &str),
    kind: Kind,
    schedule: &Schedule,
    site: &str,
    details: &mut Details,
) -> Result<suyuan_core::sites::BookingCode, WebError> {
    use suyuan_core::sites::{Contact, OrgIdentity, Organization, Party, SiteId};
    if kind != Kind::ActivityDay || !matches!(schedule.recurrence, Recurrence::Once) {
        return Err(WebError::Invalid(
            "site: a teaching site is booked for a single activity day".into(),
        ));
    }
    let site = site
        .parse::<i64>()
        .map_err(|_| WebError::Invalid(format!("site: {site:?} is not a site")))?;
    let site = state.store.site(SiteId(site)).await?;
    let at = suyuan_core::campaigns::local_instant(site.hours.zone, schedule.from, schedule.starts);
    let slot = site.hours.slot_at(at).ok_or_else(|| {
        let times: Vec<String> = site
            .hours
            .slots_on(schedule.from)
            .iter()
            .map(|s| s.times.starts.format("%H:%M").to_string())
            .collect();
        WebError::Invalid(if times.is_empty() {
            format!("date: {} is closed that day", site.details.name)
        } else {
            format!(
                "time: {}'s slots that day start at {}",
                site.details.name,
                times.join(", ")
            )
        })
    })?;
    let headcount = suyuan_core::sites::number("headcount", headcount, 1, 10_000)?;
    let organization = Organization::new(&unit.name, OrgIdentity::Unit(unit.id))?;
    let contact = Contact::new(&user.member.name, phone, "")?;
    let party = Party::new(organization, contact, headcount, Vec::new())?;
    let booked = state
        .store
        .book(
            &site,
            slot.starts_at,
            suyuan_store::sites::Asker {
                party: &party,
                member: Some(user.member.id),
                gathering: None,
                key: None,
            },
            &state.no_shows,
            state.now(),
        )
        .await?;
    if details.place.trim().is_empty() {
        details.place = format!("{} · {}", site.details.name, site.details.address);
    }
    Ok(booked.bookings()[0].code.clone())
}

/// Plans a gathering, or a series of them. A weekly study in a campaign
/// with no topic of its own takes each week's topic from the plan.
async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Result<Response, WebError> {
    let unit = state.store.unit(UnitId(id)).await?;
    if !user.principal.may_see_unit(&unit.path) {
        return Err(WebError::NotFound);
    }
    user.principal.may_manage_within(&unit.path)?;
    let kind = Kind::parse(&form.kind)
        .ok_or_else(|| WebError::Invalid(format!("kind: unknown kind {:?}", form.kind)))?;
    let campaign: Option<Campaign> = match form.campaign.trim() {
        "" => None,
        value => {
            let id = value
                .parse()
                .map_err(|_| WebError::Invalid(format!("campaign: {value:?} is not a campaign")))?;
            Some(state.store.campaign(CampaignId(id)).await?)
        }
    };
    let from = parse_date("date", &form.date)?;
    let until = match form.until.trim() {
        "" => campaign.as_ref().map_or(from, |c| c.calendar.end),
        value => parse_date("until", value)?,
    };
    let schedule = Schedule {
        recurrence: form.recurrence(from)?,
        from,
        until,
        starts: parse_time(&form.time)?,
        minutes: form.minutes,
    }
    .validate()?;
    let (site, headcount, contact_phone) = (
        form.site.clone(),
        form.headcount.clone(),
        form.contact_phone.clone(),
    );
    let details = Details {
        title: form.title,
        topic: form.topic,
        speaker: form.speaker,
        place: form.place,
        meeting_point: form.meeting_point,
        materials: form.materials,
    };
    let mut details = details;
    let booked = match site.trim() {
        "" => None,
        site => Some(
            book_site(
                &state,
                &user,
                &unit,
                (&headcount, &contact_phone),
                kind,
                &schedule,
                site,
                &mut details,
            )
            .await?,
        ),
    };
    let planned = Planned {
        unit: unit.id,
        campaign,
        kind,
        details,
        schedule,
    };
    let planned = match plan(&state.store, vec![planned], user.member.id, state.now()).await {
        Ok(planned) => planned,
        Err(err) => {
            if let Some(code) = &booked {
                state.store.withdraw_booking(code, state.now()).await?;
            }
            return Err(err.into());
        }
    };
    if let (Some(code), [one]) = (&booked, planned.as_slice()) {
        state.store.link_booking(code, one.0).await?;
    }
    let count = planned.len();
    Ok(done(
        &match planned.as_slice() {
            [one] => paths::gathering(one.0),
            _ => paths::unit_gatherings(unit.id),
        },
        Notice::GatheringsPlanned { count },
    ))
}
