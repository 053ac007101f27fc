//! The audit log. One layer around every route writes it as each response
//! leaves (`record`): the signed-in person is known because the sign-in
//! extractor tells the request's `Witness`, and a handler that shows
//! personal data says so by putting `Concerns` on its response. Core's
//! `audit::deed` decides what is recorded. A unit's admins read the log of
//! their subtree at `/units/{id}/audit`, and download it as CSV or XLSX.

use std::sync::{Arc, OnceLock};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::{Duration, NaiveTime};
use serde::Deserialize;

use suyuan_core::access::Role;
use suyuan_core::audit::{self as rules, Deed, Entry, Seen};
use suyuan_core::campaigns::{DEFAULT_ZONE, local_instant};
use suyuan_core::members::MemberId;
use suyuan_core::table::{Cell, write_csv, write_xlsx};
use suyuan_core::units::{UnitId, UnitPath};
use suyuan_store::audit::AuditQuery;
use suyuan_store::members::Member;
use suyuan_store::units::Unit;

use crate::auth::PageUser;
use crate::dates::Period;
use crate::error::WebError;
use crate::i18n::{Lang, Texts, fill};
use crate::units::managed_unit;
use crate::views::{Chrome, Page, Pager, XLSX, attachment};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/audit", get(log_page))
        .route(
            "/units/{id}/audit.csv",
            get(|s, l, u, p, q| download(s, l, u, p, q, Format::Csv)),
        )
        .route(
            "/units/{id}/audit.xlsx",
            get(|s, l, u, p, q| download(s, l, u, p, q, Format::Xlsx)),
        )
}

// ------------------------------------------------------------ writing it

/// Who the request turned out to be from, told by the sign-in extractor:
/// for the audit log's entry, and for an error page's header. Made for
/// each request by `error::render_errors`, the outermost of the two.
#[derive(Clone, Default)]
pub struct Witness(Arc<OnceLock<Actor>>);

struct Actor {
    member: MemberId,
    name: String,
    number: String,
    role: Role,
    unit: UnitPath,
    elder: bool,
}

impl Witness {
    pub fn saw(&self, member: &Member) {
        let _ = self.0.set(Actor {
            member: member.id,
            name: member.name.clone(),
            number: member.number.clone(),
            role: member.role,
            unit: member.unit.path.clone(),
            elder: member.elder_mode,
        });
    }

    /// The signed-in person seen, as a page's header names them, and
    /// whether they read in elder mode.
    pub fn seen(&self) -> Option<(crate::views::NavUser, bool)> {
        self.0.get().map(|actor| {
            let user = crate::views::NavUser {
                name: actor.name.clone(),
                id: actor.member.0,
            };
            (user, actor.elder)
        })
    }
}

/// Put on a response by its handler: the part of the tree it concerns
/// (the entry is read by that unit's admins and those above), and whether
/// it shows someone's personal data.
#[derive(Clone, Debug)]
pub struct Concerns {
    scope: UnitPath,
    personal_data: bool,
}

/// The response shows personal data of people in `scope`: each showing
/// is recorded, and the data is sent only once it is.
pub fn shows_personal_data(scope: &UnitPath) -> Extension<Concerns> {
    Extension(Concerns {
        scope: scope.clone(),
        personal_data: true,
    })
}

/// The change concerns `scope`, not only the actor's own unit.
pub fn changes_within(scope: &UnitPath) -> Extension<Concerns> {
    Extension(Concerns {
        scope: scope.clone(),
        personal_data: false,
    })
}

/// The layer around every route (a route layer, which knows the route).
pub async fn record(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let witness = match request.extensions().get::<Witness>() {
        Some(witness) => witness.clone(),
        None => {
            let witness = Witness::default();
            request.extensions_mut().insert(witness.clone());
            witness
        }
    };
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(String::new, |p| p.as_str().to_owned());
    let target = request.uri().path().to_owned();
    let response = next.run(request).await;
    let Some(actor) = witness.0.get() else {
        return response;
    };
    let concerns = response.extensions().get::<Concerns>().cloned();
    let status = response.status();
    let seen = Seen {
        role: actor.role,
        writes: !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS),
        shows_personal_data: concerns.as_ref().is_some_and(|c| c.personal_data),
        succeeded: !(status.is_client_error() || status.is_server_error()),
    };
    let Some(deed) = rules::deed(seen) else {
        return response;
    };
    let entry = Entry {
        at: state.now(),
        actor: actor.member,
        actor_name: actor.name.clone(),
        actor_number: actor.number.clone(),
        deed,
        action: format!("{method} {route}"),
        target,
        scope: concerns.map_or_else(|| actor.unit.clone(), |c| c.scope),
        status: status.as_u16(),
    };
    match state.store.record(&entry).await {
        Ok(()) => response,
        // Personal data goes out only once its showing is written down.
        Err(err) if deed == Deed::Viewed => {
            tracing::error!("the audit log refused an entry, so the data was not shown: {err}");
            WebError::from(err).into_response()
        }
        // The change is made; it cannot be taken back for want of its entry.
        Err(err) => {
            tracing::error!(action = %entry.action, target = %entry.target, "the audit log refused an entry: {err}");
            response
        }
    }
}

// ------------------------------------------------------------ reading it

/// Entries to a page.
const PAGE_SIZE: u64 = 50;
/// Entries a downloaded file holds at most.
const MOST_IN_A_FILE: u64 = 100_000;

#[derive(Deserialize)]
struct Asked {
    #[serde(flatten)]
    period: Period,
    /// `changed`, `viewed`, or all.
    #[serde(default)]
    deed: String,
    page: Option<u64>,
}

impl Asked {
    fn query(
        &self,
        unit: &Unit,
        today: chrono::NaiveDate,
    ) -> Result<(AuditQuery, String), WebError> {
        let (from, to) = self.period.days(today)?;
        let deed = match self.deed.trim() {
            "" => None,
            asked => Some(Deed::parse(asked).ok_or_else(|| {
                WebError::Invalid(format!("deed: changed, viewed or nothing, not {asked:?}"))
            })?),
        };
        let query = AuditQuery {
            within: unit.path.clone(),
            from: local_instant(DEFAULT_ZONE, from, NaiveTime::MIN),
            until: local_instant(DEFAULT_ZONE, to + Duration::days(1), NaiveTime::MIN),
            deed,
        };
        let mut kept = format!("from={from}&to={to}");
        if let Some(deed) = deed {
            kept.push_str(&format!("&deed={}", deed.as_str()));
        }
        Ok((query, kept))
    }
}

/// One entry in words.
struct Line {
    when: String,
    who: String,
    number: String,
    deed: &'static str,
    area: &'static str,
    address: String,
    scope: String,
    /// For the files: the HTTP status it was answered with.
    status: u16,
    viewed: bool,
}

fn deed_name(t: &Texts, deed: Deed) -> &'static str {
    match deed {
        Deed::Changed => t.audit.changed,
        Deed::Viewed => t.audit.viewed,
    }
}

/// The part of the platform a route belongs to: its last word that names
/// one (`GET /units/{id}/members`: members; `POST /units/{id}/rename`:
/// units; `/api/v1/members`: members).
fn area_name(t: &Texts, action: &str) -> &'static str {
    let path = action.split_once(' ').map_or(action, |(_, path)| path);
    path.split(['/', '.'])
        .rev()
        .find_map(|word| t.audit.areas.iter().find(|(area, _)| *area == word))
        .map_or(t.audit.other_area, |(_, name)| name)
}

async fn lines(state: &AppState, t: &Texts, entries: Vec<Entry>) -> Result<Vec<Line>, WebError> {
    let units = state
        .store
        .units_by_ids(entries.iter().map(|e| e.scope.unit_id()))
        .await?;
    Ok(entries
        .into_iter()
        .map(|entry| Line {
            when: entry
                .at
                .with_timezone(&DEFAULT_ZONE)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            who: entry.actor_name,
            number: entry.actor_number,
            deed: deed_name(t, entry.deed),
            area: area_name(t, &entry.action),
            address: entry.target,
            scope: units
                .get(&entry.scope.unit_id())
                .map_or_else(String::new, |u| u.name.clone()),
            status: entry.status,
            viewed: entry.deed == Deed::Viewed,
        })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct LogPage {
    chrome: Chrome,
    unit_name: String,
    unit_href: String,
    action: String,
    from: String,
    to: String,
    deeds: Vec<(&'static str, &'static str, bool)>,
    csv_href: String,
    xlsx_href: String,
    files_hold: String,
    found: String,
    lines: Vec<Line>,
    pager: Pager,
}

async fn log_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(asked): Query<Asked>,
) -> Result<LogPage, WebError> {
    let t = page.lang.texts();
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let today = state.now().with_timezone(&DEFAULT_ZONE).date_naive();
    let (query, kept) = asked.query(&unit, today)?;
    let base = paths::unit_audit(unit.id);
    let (pager, total, entries) = Pager::load(
        t,
        asked.page,
        PAGE_SIZE,
        |n| format!("{base}?{kept}&page={n}"),
        |offset| {
            let (state, query) = (&state, &query);
            async move {
                let total = state.store.audit_count(query).await?;
                let entries = state.store.audit_entries(query, offset, PAGE_SIZE).await?;
                Ok((total, entries))
            }
        },
    )
    .await?;
    let here = format!("{base}?{kept}&page={}", pager.page);
    let from = query.from.with_timezone(&DEFAULT_ZONE).date_naive();
    let to = query.until.with_timezone(&DEFAULT_ZONE).date_naive() - Duration::days(1);
    Ok(LogPage {
        chrome: Chrome::for_user(page, &user, &here),
        unit_href: paths::unit(unit.id),
        action: base,
        from: from.to_string(),
        to: to.to_string(),
        deeds: std::iter::once(("", t.audit.every_deed, query.deed.is_none()))
            .chain(
                Deed::ALL
                    .into_iter()
                    .map(|d| (d.as_str(), deed_name(t, d), query.deed == Some(d))),
            )
            .collect(),
        csv_href: format!("{}?{kept}", paths::unit_audit_file(unit.id, "csv")),
        xlsx_href: format!("{}?{kept}", paths::unit_audit_file(unit.id, "xlsx")),
        files_hold: fill(t.audit.files_hold, &[("most", &MOST_IN_A_FILE)]),
        found: fill(t.audit.found, &[("total", &total)]),
        lines: lines(&state, t, entries).await?,
        pager,
        unit_name: unit.name,
    })
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Xlsx,
}

async fn download(
    State(state): State<AppState>,
    lang: Lang,
    user: PageUser,
    Path(id): Path<i64>,
    Query(asked): Query<Asked>,
    format: Format,
) -> Result<Response, WebError> {
    let t = lang.texts();
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let today = state.now().with_timezone(&DEFAULT_ZONE).date_naive();
    let (query, _) = asked.query(&unit, today)?;
    let entries = state.store.audit_entries(&query, 0, MOST_IN_A_FILE).await?;
    let a = t.audit;
    let mut rows: Vec<Vec<Cell>> = vec![
        [
            a.when,
            a.who,
            a.member_number,
            a.deed,
            a.area,
            a.address,
            a.scope,
            a.status,
        ]
        .map(Cell::from)
        .to_vec(),
    ];
    rows.extend(lines(&state, t, entries).await?.into_iter().map(|line| {
        vec![
            line.when.into(),
            line.who.into(),
            line.number.into(),
            line.deed.into(),
            line.area.into(),
            line.address.into(),
            line.scope.into(),
            Cell::from(usize::from(line.status)),
        ]
    }));
    let from = query.from.with_timezone(&DEFAULT_ZONE).date_naive();
    let to = query.until.with_timezone(&DEFAULT_ZONE).date_naive() - Duration::days(1);
    let name = format!("audit-{}-{from}-{to}", unit.code);
    Ok(match format {
        Format::Csv => attachment(
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
            write_csv(&rows),
        ),
        Format::Xlsx => attachment(XLSX, &format!("{name}.xlsx"), write_xlsx(a.title, &rows)?),
    })
}
