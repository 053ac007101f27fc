//! What requests are handled with, set by admins: the categories and
//! their clocks, and the working-day calendar imported a year at a time
//! (a top-level admin's, as they hold for everyone); the routing rules
//! within an admin's subtree; and the Open311 keys of their unit, each
//! shown once when issued.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::Datelike;

use suyuan_core::access::Principal;
use suyuan_core::requests::{
    Category, CategoryCode, ClockRules, Clocks, DayKind, Span, WorkCalendar,
};

use super::*;
use crate::csrf::{CsrfForm, CsrfMultipart, Fields};
use crate::notice::{Notice, done};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(paths::REQUEST_SETTINGS, get(settings))
        .route("/requests/settings/categories", post(save_category))
        .route("/requests/settings/calendar", post(import_calendar))
        .route("/requests/settings/routes", post(add_route))
        .route("/requests/settings/routes/{id}/delete", post(delete_route))
        .route("/requests/settings/keys", post(issue_key))
        .route("/requests/settings/keys/{id}/revoke", post(revoke_key))
}

pub struct CategoryRow {
    pub code: String,
    pub name: String,
    pub group: String,
    pub description: String,
    pub clocks: [String; 4],
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "request_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    everyone: bool,
    categories: Vec<CategoryRow>,
    /// Year, holidays, make-up working days.
    years: Vec<(i32, usize, usize)>,
    next_year: i32,
    /// Rule id, category, area, unit.
    routes: Vec<(i64, String, String, String)>,
    /// Category code and name, for the rule form.
    codes: Vec<(String, String)>,
    units: Vec<(i64, String, bool)>,
    keys: Vec<(i64, String, String)>,
    unit_name: String,
    /// A key just issued: shown this once.
    new_key: Option<String>,
    /// The section an error is about, and the error.
    error: Option<(&'static str, String)>,
}

async fn page(
    state: &AppState,
    page: Page,
    user: PageUser,
    new_key: Option<String>,
    error: Option<(&'static str, String)>,
) -> Result<SettingsPage, WebError> {
    let t = page.lang.texts();
    user.principal.must_be_admin()?;
    let categories = state.store.request_categories(false).await?;
    let calendar = state.store.work_calendar().await?;
    let mut years: Vec<(i32, usize, usize)> = Vec::new();
    for (day, kind) in calendar.days() {
        if years.last().is_none_or(|(y, _, _)| *y != day.year()) {
            years.push((day.year(), 0, 0));
        }
        if let Some(last) = years.last_mut() {
            match kind {
                DayKind::Holiday => last.1 += 1,
                DayKind::Workday => last.2 += 1,
            }
        }
    }
    let own = state.store.unit(user.principal.unit_id).await?;
    let subtree = state.store.subtree(&own.path, false).await?;
    let units = crate::views::unit_options(subtree.clone(), own.depth(), None);
    let names: std::collections::HashMap<i64, &str> =
        subtree.iter().map(|u| (u.id.0, u.name.as_str())).collect();
    let rules = state.store.routing_rules().await?;
    let routes = rules
        .iter()
        .filter(|r| own.path.contains(&r.route.area))
        .map(|r| {
            let category = r.route.category.as_ref().map_or_else(
                || t.requests.any_category.to_owned(),
                |code| {
                    categories
                        .iter()
                        .find(|c| &c.category.code == code)
                        .map_or_else(|| code.as_str().to_owned(), |c| c.category.name.clone())
                },
            );
            let area = names
                .get(&r.route.area.unit_id().0)
                .copied()
                .unwrap_or_default();
            let unit = names.get(&r.route.unit.0).copied().unwrap_or("—");
            (r.id, category, area.to_owned(), unit.to_owned())
        })
        .collect();
    let keys = state
        .store
        .open311_keys_of(&own)
        .await?
        .into_iter()
        .map(|k| (k.id, k.name, local(t, DEFAULT_ZONE, k.created_at)))
        .collect();
    let today = state.now().with_timezone(&DEFAULT_ZONE).date_naive();
    Ok(SettingsPage {
        everyone: user.principal.speaks_for_all(),
        categories: categories
            .iter()
            .map(|c| {
                let k = c.category.clocks;
                CategoryRow {
                    code: c.category.code.as_str().to_owned(),
                    name: c.category.name.clone(),
                    group: c.category.group.clone(),
                    description: c.category.description.clone(),
                    clocks: [
                        k.normal.acknowledge.to_string(),
                        k.normal.resolve.to_string(),
                        k.urgent.acknowledge.to_string(),
                        k.urgent.resolve.to_string(),
                    ],
                    active: c.active,
                }
            })
            .collect(),
        years,
        next_year: today.year() + 1,
        routes,
        codes: categories
            .iter()
            .map(|c| (c.category.code.as_str().to_owned(), c.category.name.clone()))
            .collect(),
        units,
        keys,
        unit_name: own.name,
        new_key,
        error,
        chrome: chrome(page, &Some(user), paths::REQUEST_SETTINGS),
    })
}

const DEFAULT_ZONE: chrono_tz::Tz = suyuan_core::campaigns::DEFAULT_ZONE;

async fn settings(
    State(state): State<AppState>,
    page_: Page,
    user: PageUser,
) -> Result<SettingsPage, WebError> {
    page(&state, page_, user, None, None).await
}

/// The settings page again, with an error in one of its sections.
async fn refused(
    state: &AppState,
    page_: Page,
    user: PageUser,
    section: &'static str,
    error: String,
) -> Result<Response, WebError> {
    let shown = page(state, page_, user, None, Some((section, error))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
}

/// A category as the form gives it, or the reason it is not one.
fn read_category(t: &Texts, form: &Fields) -> Result<(Category, i32, bool), String> {
    let field = |name: &str| form.get(name).map_or("", |v| v.trim());
    let span = |name: &'static str| {
        Span::parse(field(name)).ok_or_else(|| {
            fill(
                t.requests.err_span,
                &[("field", &name), ("value", &field(name))],
            )
        })
    };
    let clocks = ClockRules {
        normal: Clocks {
            acknowledge: span("normal_acknowledge")?,
            resolve: span("normal_resolve")?,
        },
        urgent: Clocks {
            acknowledge: span("urgent_acknowledge")?,
            resolve: span("urgent_resolve")?,
        },
    };
    let category = Category::new(
        field("code"),
        field("name"),
        field("description"),
        field("group"),
        clocks,
    )
    .map_err(|e| e.to_string())?;
    let position = field("position").parse().unwrap_or(0);
    Ok((category, position, form.contains_key("active")))
}

async fn save_category(
    State(state): State<AppState>,
    page_: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    let t = page_.lang.texts();
    if !user.principal.speaks_for_all() {
        return Err(suyuan_core::access::Denied.into());
    }
    match read_category(t, &form) {
        Ok((category, position, active)) => {
            state
                .store
                .save_request_category(&category, position, active)
                .await?;
            Ok(done(
                &format!("{}#categories", paths::REQUEST_SETTINGS),
                Notice::RequestStep {
                    step: "settings".into(),
                },
            ))
        }
        Err(error) => refused(&state, page_, user, "categories", error).await,
    }
}

/// Imports a year's named days from a CSV or XLSX table: all or nothing,
/// an error naming its line.
async fn import_calendar(
    State(state): State<AppState>,
    page_: Page,
    user: PageUser,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let t = page_.lang.texts();
    if !user.principal.speaks_for_all() {
        return Err(suyuan_core::access::Denied.into());
    }
    let year = form.fields.get("year").map_or("", |y| y.trim());
    let Ok(year) = year
        .parse::<i32>()
        .map_err(|_| ())
        .and_then(|y| (2000..=2100).contains(&y).then_some(y).ok_or(()))
    else {
        let error = fill(t.requests.err_year, &[("year", &year)]);
        return refused(&state, page_, user, "calendar", error).await;
    };
    let Some(file) = form
        .files
        .0
        .iter()
        .find(|f| f.field == "file" && !f.bytes.is_empty())
    else {
        return refused(
            &state,
            page_,
            user,
            "calendar",
            t.requests.err_file.to_owned(),
        )
        .await;
    };
    let read = suyuan_core::table::read(&file.bytes)
        .map_err(|e| e.to_string())
        .and_then(|rows| WorkCalendar::read_year(year, &rows).map_err(|e| e.to_string()));
    match read {
        Ok(days) => {
            state.store.set_calendar_year(year, &days).await?;
            Ok(done(
                &format!("{}#calendar", paths::REQUEST_SETTINGS),
                Notice::RequestStep {
                    step: "settings".into(),
                },
            ))
        }
        Err(error) => refused(&state, page_, user, "calendar", error).await,
    }
}

async fn add_route(
    State(state): State<AppState>,
    page_: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    let t = page_.lang.texts();
    user.principal.must_be_admin()?;
    let unit_of = |name: &str| form.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let (Some(area), Some(to)) = (unit_of("area"), unit_of("unit")) else {
        return refused(
            &state,
            page_,
            user,
            "routes",
            t.requests.err_route.to_owned(),
        )
        .await;
    };
    let area = state.store.unit(UnitId(area)).await?;
    let to = state.store.unit(UnitId(to)).await?;
    user.principal.may_manage_within(&area.path)?;
    user.principal.may_manage_within(&to.path)?;
    let category = match form.get("category").map_or("", |c| c.trim()) {
        "" => None,
        code => Some(
            state
                .store
                .request_category(&CategoryCode::parse(code)?)
                .await?,
        ),
    };
    // A rule set above (its target outside this admin's subtree) is
    // not theirs to replace.
    let code = category.as_ref().map(|c| c.category.code.clone());
    if let Some(same) = state
        .store
        .routing_rules()
        .await?
        .into_iter()
        .find(|r| r.route.area == area.path && r.route.category == code)
    {
        may_change_rule(&state, &user.principal, &same).await?;
    }
    state
        .store
        .set_routing_rule(category.as_ref(), &area, &to)
        .await?;
    Ok(done(
        &format!("{}#routes", paths::REQUEST_SETTINGS),
        Notice::RequestStep {
            step: "settings".into(),
        },
    ))
}

async fn delete_route(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    let rule = state
        .store
        .routing_rules()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(WebError::NotFound)?;
    may_change_rule(&state, &user.principal, &rule).await?;
    state.store.delete_routing_rule(id).await?;
    Ok(done(
        &format!("{}#routes", paths::REQUEST_SETTINGS),
        Notice::RequestStep {
            step: "settings".into(),
        },
    ))
}

/// A rule is an admin's to change when both its area and the unit it
/// sends to are in their subtree.
async fn may_change_rule(
    state: &AppState,
    principal: &Principal,
    rule: &suyuan_store::requests::RoutingRule,
) -> Result<(), WebError> {
    principal.may_manage_within(&rule.route.area)?;
    let target = state.store.unit(rule.route.unit).await?;
    principal.may_manage_within(&target.path)?;
    Ok(())
}

async fn issue_key(
    State(state): State<AppState>,
    page_: Page,
    user: PageUser,
    CsrfForm(form): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    user.principal.must_be_admin()?;
    let own = state.store.unit(user.principal.unit_id).await?;
    let name = form.get("name").map_or("", |n| n.trim());
    match state
        .store
        .issue_open311_key(&own, name, user.member.id, state.now())
        .await
    {
        Ok((_, token)) => {
            let key = token.expose().to_owned();
            Ok(page(&state, page_, user, Some(key), None)
                .await?
                .into_response())
        }
        Err(suyuan_store::StoreError::Invalid(error)) => {
            refused(&state, page_, user, "keys", error).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_key(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    user.principal.must_be_admin()?;
    let own = state.store.unit(user.principal.unit_id).await?;
    state
        .store
        .revoke_open311_key(&own, id, state.now())
        .await?;
    Ok(done(
        &format!("{}#keys", paths::REQUEST_SETTINGS),
        Notice::RequestStep {
            step: "settings".into(),
        },
    ))
}
