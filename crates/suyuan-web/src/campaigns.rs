//! Campaigns: the list, the form that starts one, a campaign's plan (day
//! by day, with moves for its admins) and today's reading completion
//! within the viewer's subtree; `/api/v1/campaigns` for scripts.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use suyuan_core::campaigns::{self, Topic};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::access::Principal;
use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE, parse_zone};
use suyuan_core::campaigns::{Campaign, CampaignId};
use suyuan_core::library::{CollectionId, ExcerptId};
use suyuan_core::reading::{Action, PointRules, ReadingPace};
use suyuan_core::units::{UnitCode, UnitPath};
use suyuan_store::campaigns::NewCampaign;

use crate::auth::{ApiUser, PageUser};
use crate::csrf::CsrfForm;
use crate::error::WebError;
use crate::i18n::fill;
use crate::notice::{Notice, done};
use crate::reading::Book;
use crate::views::{Chrome, Page};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::CAMPAIGNS, get(campaigns_page).post(create_campaign))
        .route("/campaigns/{id}", get(campaign_page))
        .route("/campaigns/{id}/plan/move", post(move_reading))
        .route("/campaigns/{id}/topics", post(set_topic))
        .route("/campaigns/{id}/edit", post(edit_campaign))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_campaigns, api_create_campaign))
        .routes(routes!(api_update_campaign))
        .routes(routes!(api_completion))
        .routes(routes!(api_set_topic))
}

/// A campaign the viewer may see, with its owner's path; anything else
/// is not found.
pub(crate) async fn visible(
    state: &AppState,
    who: &Principal,
    id: CampaignId,
) -> Result<(Campaign, UnitPath), WebError> {
    let campaign = state.store.campaign(id).await?;
    let owner = state.store.unit(campaign.owner).await?;
    if who.may_see_campaign(&owner.path, campaign.includes(&who.unit_path)) {
        Ok((campaign, owner.path))
    } else {
        Err(WebError::NotFound)
    }
}

/// How many members of a unit's subtree read today's whole assignment.
pub struct Completion {
    pub unit_name: String,
    pub read: u64,
    pub members: u64,
}

impl Completion {
    pub fn percent(&self) -> u64 {
        (self.read * 100).checked_div(self.members).unwrap_or(0)
    }
}

async fn completion(
    state: &AppState,
    book: &Book,
    unit: &suyuan_store::units::Unit,
    date: NaiveDate,
) -> Result<Completion, WebError> {
    let assigned = book.assignment(date).len();
    let (read, members) = if assigned == 0 {
        (0, state.store.count_members(&unit.path).await?)
    } else {
        state
            .store
            .completion(book.campaign.id, &unit.path, date, assigned)
            .await?
    };
    Ok(Completion {
        unit_name: unit.name.clone(),
        read,
        members,
    })
}

pub struct CampaignRow {
    pub title: String,
    pub href: String,
    pub dates: String,
    pub completion: Option<Completion>,
}

pub struct CollectionChoice {
    pub id: i64,
    pub title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    rows: Vec<CampaignRow>,
    /// For admins: the form that starts a campaign.
    new_form: Option<NewForm>,
}

pub struct NewForm {
    /// The units that may take part, by name, the admin's own first.
    pub units: Vec<UnitChoice>,
    pub unit_code: String,
    pub starts_on: String,
    pub ends_on: String,
    pub collections: Vec<CollectionChoice>,
}

pub struct UnitChoice {
    pub code: String,
    pub name: String,
    /// How far below the admin's unit: for indenting.
    pub depth: u8,
}

async fn campaigns_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<CampaignsPage, WebError> {
    let t = page.lang.texts();
    let who = &user.principal;
    let campaigns = if who.is_admin() {
        state.store.campaigns_within(&who.unit_path).await?
    } else {
        state.store.campaigns_for(&who.unit_path).await?
    };
    let now = state.now();
    let mut rows = Vec::with_capacity(campaigns.len());
    for campaign in campaigns {
        let today = campaign.calendar.date_at(now);
        let completion = if who.is_admin() && campaign.calendar.contains(today) {
            let book = state.books.get(&state, campaign.id).await?;
            Some(completion(&state, &book, &user.member.unit, today).await?)
        } else {
            None
        };
        rows.push(CampaignRow {
            href: paths::campaign(campaign.id.0),
            dates: crate::dates::days(t, campaign.calendar.start, campaign.calendar.end),
            title: campaign.title,
            completion,
        });
    }
    let new_form = if who.is_admin() {
        let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
        let own = &user.member.unit;
        let mut units = vec![UnitChoice {
            code: own.code.clone(),
            name: own.name.to_string(),
            depth: 0,
        }];
        // The admin's unit and two levels below: enough to pick cities and
        // districts by name; a unit ticked brings its whole subtree.
        for child in state.store.children(who.unit_id).await? {
            let grandchildren = state.store.children(child.id).await?;
            for (unit, depth) in
                std::iter::once((child, 1)).chain(grandchildren.into_iter().map(|g| (g, 2)))
            {
                units.push(UnitChoice {
                    code: unit.code.to_string(),
                    name: unit.name.to_string(),
                    depth,
                });
            }
        }
        Some(NewForm {
            units,
            unit_code: user.member.unit.code.clone(),
            starts_on: today.to_string(),
            ends_on: (today + Duration::days(29)).to_string(),
            collections: state
                .catalog
                .readable(&state, Some(who))
                .await?
                .into_iter()
                .map(|c| CollectionChoice {
                    id: c.id.0,
                    title: c.display_title,
                })
                .collect(),
        })
    } else {
        None
    };
    Ok(CampaignsPage {
        chrome: Chrome::for_user(page, &user, paths::CAMPAIGNS),
        rows,
        new_form,
    })
}

/// A new campaign as a form or a script sends it.
#[derive(Deserialize, ToSchema)]
pub struct CampaignRequest {
    title: String,
    #[serde(default)]
    theme: String,
    /// `YYYY-MM-DD`, in the campaign's zone.
    starts_on: String,
    ends_on: String,
    /// An IANA zone; Asia/Shanghai when empty.
    #[serde(default)]
    zone: String,
    /// `HH:MM`: when members who have not read are reminded; 20:00 when empty.
    #[serde(default)]
    evening: String,
    /// The fastest plausible reading, characters a minute; 1,000 when absent.
    #[serde(default)]
    reading_pace: Option<u32>,
    /// Codes of the participating units, separated by commas or spaces.
    units: String,
    /// The collections read, in order; the plan spreads them over the days.
    #[serde(default)]
    collections: Vec<i64>,
    /// Points per action with daily caps, and the streak length that earns
    /// the bonus; the defaults when absent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    point_rules: Option<PointRules>,
}

fn field<T, E: std::fmt::Display>(name: &str, parsed: Result<T, E>) -> Result<T, WebError> {
    parsed.map_err(|e| WebError::Invalid(format!("{name}: {e}")))
}

/// Checks a request against the rules and the creator's scope.
async fn new_campaign(
    state: &AppState,
    who: &Principal,
    request: CampaignRequest,
) -> Result<NewCampaign, WebError> {
    who.must_be_admin()?;
    let title = campaigns::title(&request.title)?;
    let theme = campaigns::theme(&request.theme)?;
    let date = |name: &str, text: &str| {
        field(
            name,
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| format!("{text:?} is not a date such as 2026-12-01")),
        )
    };
    let start = date("starts_on", &request.starts_on)?;
    let end = date("ends_on", &request.ends_on)?;
    let zone = match request.zone.trim() {
        "" => DEFAULT_ZONE,
        name => field("zone", parse_zone(name))?,
    };
    let calendar = field("ends_on", Calendar::new(zone, start, end))?;
    let evening = match request.evening.trim() {
        "" => NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
        text => field(
            "evening",
            NaiveTime::parse_from_str(text, "%H:%M")
                .map_err(|_| format!("{text:?} is not a time such as 20:00")),
        )?,
    };
    let pace = match request.reading_pace {
        None => ReadingPace::default(),
        Some(pace) => field("reading_pace", ReadingPace::new(pace))?,
    };
    let mut units = Vec::new();
    for code in request
        .units
        .split([',', ' ', '，'])
        .filter(|c| !c.trim().is_empty())
    {
        let code = field("units", UnitCode::parse(code))?;
        let unit = state
            .store
            .unit_by_code(&code)
            .await
            .map_err(|_| WebError::Invalid(format!("units: there is no unit {code}")))?;
        who.may_manage_within(&unit.path)
            .map_err(|_| WebError::Invalid(format!("units: {code} is outside your units")))?;
        units.push(unit.id);
    }
    if units.is_empty() {
        return Err(WebError::Invalid(
            "units: name at least one participating unit".into(),
        ));
    }
    if request.collections.is_empty() {
        return Err(WebError::Invalid(
            "collections: choose the material to read".into(),
        ));
    }
    let readable = state.catalog.readable(state, Some(who)).await?;
    for id in &request.collections {
        if !readable.iter().any(|c| c.id.0 == *id) {
            return Err(WebError::Invalid(format!(
                "collections: there is no collection {id}"
            )));
        }
    }
    let rules = match request.point_rules {
        None => PointRules::default(),
        Some(rules) => field("point_rules", rules.validate())?,
    };
    Ok(NewCampaign {
        owner: who.unit_id,
        title,
        theme,
        calendar,
        evening,
        pace,
        rules,
        units,
        collections: request.collections.into_iter().map(CollectionId).collect(),
    })
}

/// A form read field by field: the campaign form repeats `collections`,
/// and the edit form has a field per points rule, which a plain form
/// decoder cannot gather into a struct.
#[derive(Deserialize)]
#[serde(transparent)]
struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// The first value of a field, or empty.
    fn value(&self, name: &str) -> String {
        self.all(name).next().unwrap_or_default().to_owned()
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A whole-number field; the error names it.
    fn number(&self, name: &str) -> Result<u32, WebError> {
        let value = self.value(name);
        field(
            name,
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("{value:?} is not a whole number")),
        )
    }

    /// The ticked collections, in the order they were ticked: the page's
    /// script keeps that order in `picked`; without it, page order.
    fn collections_in_pick_order(&self) -> Result<Vec<i64>, WebError> {
        let mut ticked: Vec<i64> = self
            .all("collections")
            .map(|id| field("collections", id.trim().parse::<i64>()))
            .collect::<Result<_, _>>()?;
        let picked = self.value("picked");
        let order: Vec<&str> = picked.split(',').map(str::trim).collect();
        ticked.sort_by_key(|id| {
            order
                .iter()
                .position(|p| *p == id.to_string())
                .unwrap_or(usize::MAX)
        });
        Ok(ticked)
    }

    fn campaign_request(&self) -> Result<CampaignRequest, WebError> {
        let pace = self.value("reading_pace");
        Ok(CampaignRequest {
            title: self.value("title"),
            theme: self.value("theme"),
            starts_on: self.value("starts_on"),
            ends_on: self.value("ends_on"),
            zone: self.value("zone"),
            evening: self.value("evening"),
            reading_pace: match pace.trim() {
                "" => None,
                pace => Some(field("reading_pace", pace.parse::<u32>())?),
            },
            units: self.all("units").collect::<Vec<_>>().join(","),
            collections: self.collections_in_pick_order()?,
            point_rules: None,
        })
    }
}

async fn create_campaign(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(form): CsrfForm<FormFields>,
) -> Result<Response, WebError> {
    let new = new_campaign(&state, &user.principal, form.campaign_request()?).await?;
    let campaign = state.store.create_campaign(new, state.now()).await?;
    Ok(done(
        &paths::campaign(campaign.id.0),
        Notice::CampaignCreated,
    ))
}

pub struct PlanItem {
    pub excerpt_id: i64,
    pub label: String,
    pub href: String,
}

/// The head of a week in the plan: its Monday and study topic.
pub struct WeekHead {
    pub week_of: String,
    /// "第49周（11月30日–12月6日）".
    pub label: String,
    pub topic: String,
}

pub struct PlanDay {
    /// On the first day shown of each week.
    pub week: Option<WeekHead>,
    pub date: String,
    /// "12月5日 周六".
    pub label: String,
    pub is_today: bool,
    pub items: Vec<PlanItem>,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    id: i64,
    title: String,
    theme: String,
    dates: String,
    facts: String,
    completion: Vec<Completion>,
    days: Vec<PlanDay>,
    earlier: Option<String>,
    later: Option<String>,
    may_edit: bool,
    first_day: String,
    last_day: String,
    /// For its admins: the form that edits it.
    edit: Option<EditForm>,
}

/// A campaign's settings as its edit form shows them.
pub struct EditForm {
    pub title: String,
    pub theme: String,
    pub evening: String,
    pub pace: u32,
    pub rules: Vec<RuleRow>,
    pub streak_every: u32,
}

pub struct RuleRow {
    pub code: &'static str,
    pub label: &'static str,
    pub points: u32,
    pub cap: u32,
}

#[derive(Deserialize)]
struct FromQuery {
    from: Option<NaiveDate>,
}

/// Days of the plan shown at once.
const WEEK: i64 = 7;

async fn campaign_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<FromQuery>,
) -> Result<CampaignPage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let who = &user.principal;
    let (campaign, owner_path) = visible(&state, who, CampaignId(id)).await?;
    let book = state.books.get(&state, campaign.id).await?;
    let calendar = campaign.calendar;
    let today = calendar.date_at(state.now());
    let from = query
        .from
        .or_else(|| calendar.contains(today).then_some(today))
        .unwrap_or(calendar.start)
        .clamp(calendar.start, calendar.end);
    let to = (from + Duration::days(WEEK - 1)).min(calendar.end);
    let mut days = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        let mut items = Vec::new();
        for excerpt in book.assignment(date) {
            let found = state.store.excerpt(excerpt).await?;
            let collection = state.store.collection(found.collection).await?;
            items.push(PlanItem {
                excerpt_id: excerpt.0,
                label: format!("{} {}", collection.display_title, found.label)
                    .trim()
                    .to_owned(),
                href: paths::excerpt(excerpt),
            });
        }
        let week_of = Calendar::week_of(date);
        let week = (date == from || date == week_of).then(|| WeekHead {
            week_of: week_of.to_string(),
            label: crate::dates::week(t, week_of),
            topic: book.topics.get(&week_of).cloned().unwrap_or_default(),
        });
        days.push(PlanDay {
            week,
            date: date.to_string(),
            label: crate::dates::day(t, date),
            is_today: date == today,
            items,
        });
    }
    let mut completion_rows = Vec::new();
    if who.is_admin() && calendar.contains(today) {
        let own = &user.member.unit;
        completion_rows.push(completion(&state, &book, own, today).await?);
        for child in state.store.children(own.id).await? {
            completion_rows.push(completion(&state, &book, &child, today).await?);
        }
    }
    let here = paths::campaign(id);
    let may_edit = who.may_manage_within(&owner_path).is_ok();
    let edit = may_edit.then(|| EditForm {
        title: campaign.title.clone(),
        theme: campaign.theme.clone(),
        evening: campaign.evening.format("%H:%M").to_string(),
        pace: campaign.pace.chars_per_minute,
        rules: Action::ALL
            .into_iter()
            .map(|action| {
                let rule = campaign.rules.rule(action);
                RuleRow {
                    code: action.code(),
                    label: crate::reading::rule_name(t, action),
                    points: rule.map_or(0, |r| r.points),
                    cap: rule.map_or(0, |r| r.daily_cap),
                }
            })
            .collect(),
        streak_every: campaign.rules.streak_every,
    });
    Ok(CampaignPage {
        edit,
        chrome: Chrome::for_user(page, &user, &here),
        id,
        dates: format!(
            "{}{}{}{}",
            crate::dates::days(t, calendar.start, calendar.end),
            t.paren_open,
            crate::views::zone_name(t, calendar.zone),
            t.paren_close
        ),
        facts: fill(
            t.campaign_facts,
            &[
                ("pace", &campaign.pace.chars_per_minute),
                ("evening", &campaign.evening.format("%H:%M")),
            ],
        ),
        title: campaign.title,
        theme: campaign.theme,
        completion: completion_rows,
        days,
        earlier: (from > calendar.start)
            .then(|| paths::campaign_from(id, (from - Duration::days(WEEK)).max(calendar.start))),
        later: (to < calendar.end).then(|| paths::campaign_from(id, to + Duration::days(1))),
        may_edit,
        first_day: calendar.start.to_string(),
        last_day: calendar.end.to_string(),
    })
}

#[derive(Deserialize)]
struct MoveForm {
    excerpt_id: i64,
    to: String,
}

async fn move_reading(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, WebError> {
    let (campaign, owner_path) = visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner_path)?;
    let to = field(
        "to",
        NaiveDate::parse_from_str(form.to.trim(), "%Y-%m-%d")
            .map_err(|_| format!("{:?} is not a date", form.to)),
    )?;
    state
        .store
        .move_planned(&campaign, ExcerptId(form.excerpt_id), to)
        .await?;
    state.books.forget(campaign.id).await;
    Ok(done(
        &format!("{}#day-{to}", paths::campaign_from(id, to)),
        Notice::ReadingMoved,
    ))
}

async fn edit_campaign(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<FormFields>,
) -> Result<Response, WebError> {
    let (campaign, owner_path) = visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner_path)?;
    let mut rules = PointRules {
        rules: Default::default(),
        streak_every: form.number("streak_every")?,
    };
    for action in Action::ALL {
        let points = form.number(&format!("points_{}", action.code()))?;
        let daily_cap = form.number(&format!("cap_{}", action.code()))?;
        if points > 0 {
            rules
                .rules
                .insert(action, suyuan_core::reading::Rule { points, daily_cap });
        }
    }
    let change = campaign_change(CampaignPatch {
        title: Some(form.value("title")),
        theme: Some(form.value("theme")),
        evening: Some(form.value("evening")),
        reading_pace: Some(form.number("reading_pace")?),
        point_rules: Some(rules),
    })?;
    state.store.update_campaign(campaign.id, change).await?;
    state.books.forget(campaign.id).await;
    Ok(done(&paths::campaign(id), Notice::CampaignSaved))
}

#[derive(Deserialize)]
struct TopicForm {
    week_of: NaiveDate,
    topic: String,
}

async fn set_topic(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<TopicForm>,
) -> Result<Response, WebError> {
    let (campaign, owner_path) = visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner_path)?;
    state
        .store
        .set_week_topic(&campaign, form.week_of, &Topic::parse(&form.topic)?)
        .await?;
    state.books.forget(campaign.id).await;
    let from = form.week_of.max(campaign.calendar.start);
    Ok(done(
        &format!("{}#week-{}", paths::campaign_from(id, from), form.week_of),
        Notice::TopicSet,
    ))
}

// ---------------------------------------------------------------- the API

#[derive(Deserialize, ToSchema)]
pub struct TopicRequest {
    /// The week's group study topic; empty to clear it.
    topic: String,
}

/// Sets the group study topic of a week (by its Monday) of a campaign.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/topics/{week_of}", tag = "reading", security(("bearer" = [])),
    params(("id" = i64, Path), ("week_of" = String, Path, description = "the Monday of the week, YYYY-MM-DD")),
    request_body = TopicRequest, responses((status = 204), (status = 422, description = "not a week of the campaign")))]
async fn api_set_topic(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, week_of)): Path<(i64, String)>,
    Json(request): Json<TopicRequest>,
) -> Result<StatusCode, WebError> {
    let (campaign, owner_path) = visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner_path)?;
    let week_of = field(
        "week_of",
        NaiveDate::parse_from_str(&week_of, "%Y-%m-%d")
            .map_err(|_| format!("{week_of:?} is not a date")),
    )?;
    state
        .store
        .set_week_topic(&campaign, week_of, &Topic::parse(&request.topic)?)
        .await?;
    state.books.forget(campaign.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// What an edit changes; absent fields keep their value.
#[derive(Deserialize, ToSchema)]
pub struct CampaignPatch {
    title: Option<String>,
    theme: Option<String>,
    /// `HH:MM`.
    evening: Option<String>,
    reading_pace: Option<u32>,
    #[schema(value_type = Option<Object>)]
    point_rules: Option<PointRules>,
}

/// Checks an edit: each bad field is named.
fn campaign_change(
    patch: CampaignPatch,
) -> Result<suyuan_store::campaigns::CampaignChange, WebError> {
    let title = patch.title.as_deref().map(campaigns::title).transpose()?;
    let theme = patch.theme.as_deref().map(campaigns::theme).transpose()?;
    let evening = patch
        .evening
        .as_deref()
        .map(|text| {
            field(
                "evening",
                NaiveTime::parse_from_str(text.trim(), "%H:%M")
                    .map_err(|_| format!("{text:?} is not a time such as 20:00")),
            )
        })
        .transpose()?;
    let pace = patch
        .reading_pace
        .map(|pace| field("reading_pace", ReadingPace::new(pace)))
        .transpose()?;
    let rules = patch
        .point_rules
        .map(|rules| field("point_rules", rules.validate()))
        .transpose()?;
    Ok(suyuan_store::campaigns::CampaignChange {
        title,
        theme,
        evening,
        pace,
        rules,
    })
}

/// Edits a campaign (admins of its owner unit's subtree).
#[utoipa::path(patch, path = "/api/v1/campaigns/{id}", tag = "reading", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CampaignPatch,
    responses((status = 200, body = CampaignJson), (status = 422, description = "a field is wrong; the message names it")))]
async fn api_update_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Json(patch): Json<CampaignPatch>,
) -> Result<Json<CampaignJson>, WebError> {
    let (campaign, owner_path) = visible(&state, &user.principal, CampaignId(id)).await?;
    user.principal.may_manage_within(&owner_path)?;
    let change = campaign_change(patch)?;
    let updated = state.store.update_campaign(campaign.id, change).await?;
    state.books.forget(campaign.id).await;
    Ok(Json(CampaignJson::from(&updated)))
}

#[derive(Serialize, ToSchema)]
pub struct CampaignJson {
    id: i64,
    title: String,
    theme: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    zone: String,
    evening: String,
    reading_pace: u32,
    unit_ids: Vec<i64>,
    #[schema(value_type = Object)]
    point_rules: PointRules,
}

impl From<&Campaign> for CampaignJson {
    fn from(c: &Campaign) -> Self {
        Self {
            id: c.id.0,
            title: c.title.clone(),
            theme: c.theme.clone(),
            starts_on: c.calendar.start,
            ends_on: c.calendar.end,
            zone: c.calendar.zone.name().to_owned(),
            evening: c.evening.format("%H:%M").to_string(),
            reading_pace: c.pace.chars_per_minute,
            unit_ids: c.units.iter().map(|u| u.0).collect(),
            point_rules: c.rules.clone(),
        }
    }
}

/// The campaigns the caller takes part in (and, for an admin, those of
/// their subtree).
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "reading", security(("bearer" = [])), responses((status = 200, body = [CampaignJson])))]
async fn api_campaigns(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<CampaignJson>>, WebError> {
    let who = &user.principal;
    let campaigns = if who.is_admin() {
        state.store.campaigns_within(&who.unit_path).await?
    } else {
        state.store.campaigns_for(&who.unit_path).await?
    };
    Ok(Json(campaigns.iter().map(CampaignJson::from).collect()))
}

/// Starts a campaign owned by the caller's unit; its plan spreads the
/// collections over its days by length.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "reading", security(("bearer" = [])), request_body = CampaignRequest,
    responses((status = 201, body = CampaignJson), (status = 422, description = "a field is wrong; the message names it")))]
async fn api_create_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Json(request): Json<CampaignRequest>,
) -> Result<(StatusCode, Json<CampaignJson>), WebError> {
    let new = new_campaign(&state, &user.principal, request).await?;
    let campaign = state.store.create_campaign(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(CampaignJson::from(&campaign))))
}

#[derive(Deserialize, ToSchema)]
pub struct CompletionQuery {
    /// A unit of the caller's subtree; their own by default.
    unit: Option<i64>,
    /// A day of the campaign; today by default.
    date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct CompletionJson {
    unit_id: i64,
    date: NaiveDate,
    /// Members of the subtree who read the whole of the day's assignment on that day.
    read: u64,
    members: u64,
}

/// How many members of a subtree read a day's whole assignment (admins).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/completion", tag = "reading", security(("bearer" = [])),
    params(("id" = i64, Path), ("unit" = Option<i64>, Query), ("date" = Option<String>, Query)),
    responses((status = 200, body = CompletionJson)))]
async fn api_completion(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(query): Query<CompletionQuery>,
) -> Result<Json<CompletionJson>, WebError> {
    let who = &user.principal;
    let (campaign, _) = visible(&state, who, CampaignId(id)).await?;
    let unit = match query.unit {
        Some(unit) => state.store.unit(suyuan_core::units::UnitId(unit)).await?,
        None => user.member.unit.clone(),
    };
    who.may_manage_within(&unit.path)
        .map_err(|_| WebError::NotFound)?;
    let date = query
        .date
        .unwrap_or_else(|| campaign.calendar.date_at(state.now()));
    let book = state.books.get(&state, campaign.id).await?;
    let done = completion(&state, &book, &unit, date).await?;
    Ok(Json(CompletionJson {
        unit_id: unit.id.0,
        date,
        read: done.read,
        members: done.members,
    }))
}
