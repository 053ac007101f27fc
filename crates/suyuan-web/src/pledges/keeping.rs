//! Making and keeping pledges: a member pledges for themself, an admin
//! for their unit; the pledger (or an admin over the unit) writes updates
//! and completes it with evidence; an admin over a member's unit approves
//! or returns the member's pledge, and moderates the public's comments.
//! The desk gathers what waits for a person. The workflows here serve
//! both the pages and the API.

use chrono_tz::Tz;

use suyuan_core::access::Principal;
use suyuan_core::members::MemberId;
use suyuan_core::pledges::Pledger;
use suyuan_store::StoreError;
use suyuan_store::members::Member;

use super::*;
use crate::auth::PageUser;
use crate::csrf::CsrfMultipart;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(paths::PLEDGE_NEW, get(new_page).post(create))
        .route(paths::PLEDGE_DESK, get(desk))
        .route("/pledges/{id}/updates", post(add_update))
        .route("/pledges/{id}/completion", post(complete))
        .route("/pledges/{id}/decision", post(decide))
        .route("/pledges/{id}/comments/{comment}", post(moderate))
}

/// The zone pledges' deadlines are counted in.
pub const ZONE: Tz = suyuan_core::campaigns::DEFAULT_ZONE;

/// Evidence photos one completion may carry.
const MAX_PHOTOS: usize = 6;

/// What a pledge's form asks.
#[derive(Default, Clone)]
pub struct PledgeFields {
    /// `myself` or `unit`.
    pub pledger: String,
    pub title: Field,
    pub description: Field,
    pub beneficiaries: Field,
    pub place: Field,
    pub deadline: Field,
}

impl PledgeFields {
    /// The errors, for the summary at the top of the form.
    pub fn errors(&self) -> Vec<(&'static str, String)> {
        [
            ("title", &self.title.error),
            ("description", &self.description.error),
            ("beneficiaries", &self.beneficiaries.error),
            ("place", &self.place.error),
            ("deadline", &self.deadline.error),
        ]
        .into_iter()
        .filter_map(|(id, e)| e.clone().map(|e| (id, e)))
        .collect()
    }
}

/// A new pledge as typed, checked: what it promises and by when, or
/// `None` with the errors beside their fields.
pub fn read_pledge(
    t: &Texts,
    fields: &mut PledgeFields,
    today: NaiveDate,
) -> Option<(Promise, Timeline)> {
    let promise = Promise::new(
        &fields.title.value,
        &fields.description.value,
        &fields.beneficiaries.value,
        &fields.place.value,
    )
    .map_err(|err| {
        let words = refusal(t, &err);
        let field = match &err {
            PledgeError::Text(TextError::Empty { field } | TextError::TooLong { field, .. }) => {
                *field
            }
            _ => "title",
        };
        match field {
            "description" => fields.description.error = Some(words),
            "beneficiaries" => fields.beneficiaries.error = Some(words),
            "place" => fields.place.error = Some(words),
            _ => fields.title.error = Some(words),
        }
    });
    let timeline = match NaiveDate::parse_from_str(fields.deadline.value.trim(), "%Y-%m-%d") {
        Err(_) => {
            fields.deadline.error = Some(t.pledges.err_deadline_date.to_owned());
            None
        }
        Ok(day) => Timeline::new(day, ZONE, today)
            .map_err(|err| fields.deadline.error = Some(refusal(t, &err)))
            .ok(),
    };
    Some((promise.ok()?, timeline?))
}

/// Who a new pledge is from: the member, or (for an admin) a unit they
/// manage.
pub async fn pledger_for(
    state: &AppState,
    member: &Member,
    principal: &Principal,
    unit: Option<UnitId>,
) -> Result<(Unit, Pledger), WebError> {
    match unit {
        None => Ok((member.unit.clone(), Pledger::Member(member.id))),
        Some(id) => {
            let unit = state.store.unit(id).await?;
            principal.may_manage_within(&unit.path)?;
            let pledger = Pledger::Unit(unit.id);
            Ok((unit, pledger))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pledge_form.html")]
struct NewPage {
    chrome: Chrome,
    /// "以本单位（翠苑一区社区）承诺", for an admin.
    as_unit: Option<String>,
    fields: PledgeFields,
    today: String,
}

fn new_form(state: &AppState, page: Page, user: &PageUser, fields: PledgeFields) -> NewPage {
    let t = page.lang.texts();
    let today = state.now().with_timezone(&ZONE).date_naive();
    let mut fields = fields;
    if fields.pledger.is_empty() {
        fields.pledger = "myself".to_owned();
    }
    NewPage {
        as_unit: user
            .principal
            .is_admin()
            .then(|| fill(t.pledges.as_unit, &[("unit", &user.member.unit.name)])),
        fields,
        today: today.to_string(),
        chrome: Chrome::for_user(page, user, paths::PLEDGE_NEW),
    }
}

async fn new_page(State(state): State<AppState>, page: Page, user: PageUser) -> NewPage {
    new_form(&state, page, &user, PledgeFields::default())
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<crate::csrf::Fields>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let typed = |name: &str| Field::typed(form.get(name).map_or("", String::as_str));
    let mut fields = PledgeFields {
        pledger: form.get("pledger").cloned().unwrap_or_default(),
        title: typed("title"),
        description: typed("description"),
        beneficiaries: typed("beneficiaries"),
        place: typed("place"),
        deadline: typed("deadline"),
    };
    let now = state.now();
    let for_unit = (fields.pledger == "unit").then_some(user.member.unit.id);
    let today = now.with_timezone(&ZONE).date_naive();
    let Some((promise, timeline)) = read_pledge(t, &mut fields, today) else {
        let form = new_form(&state, page, &user, fields);
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, form).into_response());
    };
    let (unit, pledger) = pledger_for(&state, &user.member, &user.principal, for_unit).await?;
    let pledge = state
        .store
        .create_pledge(&unit, pledger, &promise, &timeline, user.member.id, now)
        .await?;
    Ok(done(
        &paths::pledge(pledge.id),
        Notice::PledgeMade {
            public: pledge.approval == Approval::Approved,
        },
    ))
}

/// What the pledge page offers those who keep it.
pub struct KeeperView {
    /// Not done yet: updates and completion.
    pub open: bool,
    /// Approved and not done: it can be completed.
    pub may_complete: bool,
    /// An admin's to approve or return.
    pub decide: bool,
    /// Every comment with its state, for a moderator.
    pub moderation: Option<Vec<CommentView>>,
}

pub(super) async fn keeper_view(
    state: &AppState,
    t: &Texts,
    user: Option<&PageUser>,
    pledge: &Pledge,
) -> Result<KeeperView, WebError> {
    let moderates = user.is_some_and(|u| u.principal.may_manage_within(&pledge.unit.path).is_ok());
    let open = pledge.timeline.completed_at.is_none();
    let moderation = if moderates {
        let mut names: std::collections::HashMap<MemberId, String> = Default::default();
        let mut views = Vec::new();
        for comment in state.store.pledge_comments(pledge.id, true).await? {
            let mut view = comment_view(t, pledge.timeline.zone, &comment);
            if let Some(by) = comment.moderated_by {
                if let std::collections::hash_map::Entry::Vacant(entry) = names.entry(by) {
                    entry.insert(state.store.member(by).await?.name);
                }
                view.moderated_by = names.get(&by).cloned();
            }
            views.push(view);
        }
        Some(views)
    } else {
        None
    };
    Ok(KeeperView {
        open: open && pledge.approval != Approval::Returned,
        may_complete: open && pledge.approval == Approval::Approved,
        decide: moderates && pledge.approval == Approval::Awaiting,
        moderation,
    })
}

/// A pledge the signed-in person keeps.
pub async fn kept(state: &AppState, principal: &Principal, id: i64) -> Result<Pledge, WebError> {
    let pledge = state.store.pledge(PledgeId(id)).await?;
    principal.may_keep_pledge(&pledge.unit.path, pledge.member)?;
    Ok(pledge)
}

/// A pledge whose approval and comments the signed-in admin decides.
pub async fn moderated(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<Pledge, WebError> {
    let pledge = state.store.pledge(PledgeId(id)).await?;
    principal.may_manage_within(&pledge.unit.path)?;
    Ok(pledge)
}

/// A store refusal as the person's words: what was asked of a pledge
/// that its state does not allow.
fn not_now(t: &Texts, err: StoreError) -> WebError {
    match err {
        StoreError::Invalid(_) => WebError::Invalid(t.pledges.err_not_now.to_owned()),
        other => other.into(),
    }
}

#[derive(Deserialize)]
struct UpdateForm {
    text: String,
}

async fn add_update(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<UpdateForm>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let pledge = kept(&state, &user.principal, id).await?;
    if pledge.timeline.completed_at.is_some() {
        return Err(WebError::Invalid(t.pledges.err_not_now.to_owned()));
    }
    state
        .store
        .add_pledge_update(pledge.id, &form.text, user.member.id, state.now())
        .await
        .map_err(|err| match err {
            StoreError::Invalid(_) => WebError::Invalid(t.pledges.err_update.to_owned()),
            other => other.into(),
        })?;
    Ok(done(
        &format!("{}#updates", paths::pledge(pledge.id)),
        Notice::PledgeUpdated,
    ))
}

/// Completes a pledge with its evidence and photos: the photos are
/// checked first, so a bad one changes nothing.
async fn complete(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let pledge = kept(&state, &user.principal, id).await?;
    let evidence = form.fields.get("evidence").cloned().unwrap_or_default();
    if suyuan_core::text::required("evidence", &evidence, 2000).is_err() {
        return Err(WebError::Invalid(t.pledges.err_evidence.to_owned()));
    }
    let uploads: Vec<&crate::csrf::Upload> = form
        .files
        .0
        .iter()
        .filter(|f| f.field == "photos" && !f.bytes.is_empty())
        .collect();
    if uploads.len() > MAX_PHOTOS {
        return Err(WebError::Invalid(fill(
            t.pledges.err_photos,
            &[("n", &MAX_PHOTOS)],
        )));
    }
    let mut photos = Vec::with_capacity(uploads.len());
    for upload in uploads {
        photos.push(crate::views::prepare_photo(upload.bytes.clone()).await?);
    }
    let now = state.now();
    state
        .store
        .complete_pledge(pledge.id, &evidence, now)
        .await
        .map_err(|err| not_now(t, err))?;
    for photo in &photos {
        state
            .store
            .add_pledge_photo(pledge.id, photo, user.member.id, now)
            .await?;
    }
    Ok(done(&paths::pledge(pledge.id), Notice::PledgeCompleted))
}

#[derive(Deserialize)]
struct DecisionForm {
    /// `approve` or `return`.
    decision: String,
    #[serde(default)]
    reason: String,
    /// Where to go back to: the desk or the pledge.
    #[serde(default)]
    back: String,
}

async fn decide(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let pledge = moderated(&state, &user.principal, id).await?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" if !form.reason.trim().is_empty() => false,
        "return" => return Err(WebError::Invalid(t.pledges.err_reason.to_owned())),
        other => {
            return Err(WebError::Invalid(format!(
                "decision: {other:?} is not approve or return"
            )));
        }
    };
    state
        .store
        .decide_pledge(
            pledge.id,
            approve,
            &form.reason,
            user.member.id,
            state.now(),
        )
        .await
        .map_err(|err| not_now(t, err))?;
    Ok(done(
        &back_to(&form.back, &pledge),
        Notice::PledgeDecided { approved: approve },
    ))
}

/// Back to the desk when the form came from there, else to the pledge.
fn back_to(back: &str, pledge: &Pledge) -> String {
    if back == paths::PLEDGE_DESK {
        paths::PLEDGE_DESK.to_owned()
    } else {
        paths::pledge(pledge.id)
    }
}

#[derive(Deserialize)]
struct ModerateForm {
    /// `shown` or `hidden`.
    state: String,
    #[serde(default)]
    back: String,
}

async fn moderate(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, comment)): Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<ModerateForm>,
) -> Result<Response, WebError> {
    let pledge = moderated(&state, &user.principal, id).await?;
    let shown = match CommentState::parse(&form.state) {
        Some(CommentState::Shown) => true,
        Some(CommentState::Hidden) => false,
        _ => {
            return Err(WebError::Invalid(format!(
                "state: {:?} is not shown or hidden",
                form.state
            )));
        }
    };
    let to = if shown {
        CommentState::Shown
    } else {
        CommentState::Hidden
    };
    state
        .store
        .moderate_comment(pledge.id, comment, to, user.member.id, state.now())
        .await?;
    let back = back_to(&form.back, &pledge);
    let back = if back == paths::PLEDGE_DESK {
        format!("{back}#comments")
    } else {
        format!("{back}#moderation")
    };
    Ok(done(&back, Notice::CommentModerated { shown }))
}

/// A pledge waiting for a decision, on the desk.
pub struct ToDecide {
    pub id: i64,
    pub row: PledgeRow,
    pub description: Vec<String>,
}

/// A comment waiting for a moderator, on the desk.
pub struct ToModerate {
    pub pledge_id: i64,
    pub pledge_title: String,
    pub pledge_href: String,
    pub comment: CommentView,
}

#[derive(Template, WebTemplate)]
#[template(path = "pledge_desk.html")]
struct DeskPage {
    chrome: Chrome,
    mine: Vec<(PledgeRow, Option<&'static str>)>,
    admin: bool,
    unit_name: String,
    open_within: Vec<PledgeRow>,
    to_decide: Vec<ToDecide>,
    to_moderate: Vec<ToModerate>,
}

/// Comments a moderator's desk lists at a time.
const HELD_ON_DESK: u64 = 50;
/// Open pledges of an admin's subtree the desk lists, nearest deadline
/// (or longest overdue) first.
const OPEN_ON_DESK: u64 = 20;

async fn desk(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<DeskPage, WebError> {
    let t = page.lang.texts();
    let now = state.now();
    let mine = state
        .store
        .member_pledges(user.member.id)
        .await?
        .iter()
        .map(|p| {
            let note = match p.approval {
                Approval::Approved => None,
                Approval::Awaiting => Some(t.pledges.awaiting),
                Approval::Returned => Some(t.pledges.returned),
            };
            (pledge_row(t, p, now, 0), note)
        })
        .collect();
    let admin = user.principal.is_admin();
    let within = &user.principal.unit_path;
    let (open_within, to_decide, to_moderate) = if admin {
        let open = state
            .store
            .open_pledges_within(within, OPEN_ON_DESK)
            .await?
            .iter()
            .map(|p| pledge_row(t, p, now, 0))
            .collect();
        let to_decide = state
            .store
            .pledges_to_decide(within)
            .await?
            .iter()
            .map(|p| ToDecide {
                id: p.id.0,
                row: pledge_row(t, p, now, 0),
                description: crate::views::paragraphs(&p.promise.description),
            })
            .collect();
        let to_moderate = state
            .store
            .held_comments(within, HELD_ON_DESK)
            .await?
            .iter()
            .map(|(p, c)| ToModerate {
                pledge_id: p.id.0,
                pledge_title: p.promise.title.clone(),
                pledge_href: paths::pledge(p.id),
                comment: comment_view(t, p.timeline.zone, c),
            })
            .collect();
        (open, to_decide, to_moderate)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(DeskPage {
        mine,
        admin,
        unit_name: user.member.unit.name.clone(),
        open_within,
        to_decide,
        to_moderate,
        chrome: Chrome::for_user(page, &user, paths::PLEDGE_DESK),
    })
}

/// What waits for a person about pledges, for the home page: their own
/// (and, for an admin, their unit's) due soon or overdue, pledges to
/// decide and comments to moderate.
pub async fn next_steps(
    state: &AppState,
    t: &Texts,
    member: MemberId,
    principal: &Principal,
) -> Result<Vec<(String, String)>, WebError> {
    let now = state.now();
    let mut steps = Vec::new();
    let mut watched = state.store.member_pledges(member).await?;
    if principal.is_admin() {
        watched.extend(state.store.open_pledges_of(principal.unit_id).await?);
    }
    for pledge in watched {
        if pledge.approval != Approval::Approved {
            continue;
        }
        let label = match pledge.standing(now) {
            Standing::Overdue => t.pledges.next_overdue,
            _ if pledge
                .timeline
                .reminder_due(now, super::round::REMIND_BEFORE) =>
            {
                t.pledges.next_due
            }
            _ => continue,
        };
        steps.push((
            fill(
                label,
                &[
                    ("title", &pledge.promise.title),
                    ("deadline", &dates::day(t, pledge.timeline.deadline)),
                ],
            ),
            paths::pledge(pledge.id),
        ));
    }
    if principal.is_admin() {
        let to_decide = state
            .store
            .pledges_to_decide(&principal.unit_path)
            .await?
            .len();
        if to_decide > 0 {
            steps.push((
                fill(t.pledges.next_decide, &[("n", &to_decide)]),
                paths::PLEDGE_DESK.to_owned(),
            ));
        }
        let held = state
            .store
            .held_comments(&principal.unit_path, HELD_ON_DESK)
            .await?
            .len();
        if held > 0 {
            steps.push((
                fill(t.pledges.next_moderate, &[("n", &held)]),
                format!("{}#comments", paths::PLEDGE_DESK),
            ));
        }
    }
    Ok(steps)
}
