//! A unit's ledger (台账) of gatherings for a period: every gathering of
//! its subtree with its attendance, reflections and whether minutes were
//! kept, as a page that prints cleanly and as an XLSX workbook.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate, NaiveTime};

use suyuan_core::campaigns::{DEFAULT_ZONE, local_instant};
use suyuan_core::gatherings::Attendance;
use suyuan_core::progress::Rate;
use suyuan_core::table::{Cell, write_xlsx};
use suyuan_core::units::UnitId;
use suyuan_store::units::Unit;

use super::{attendance_name, kind_name, zone_of};
use crate::auth::PageUser;
use crate::dates::Period;

use crate::error::WebError;
use crate::i18n::{Lang, Texts};
use crate::views::{Chrome, Page, attachment};
use crate::{AppState, paths};

/// One gathering's line of the ledger, already in words and numbers.
pub struct Line {
    /// For the files: 2026-11-26.
    date: String,
    /// For the page: 11月26日 周四.
    day: String,
    time: String,
    kind: &'static str,
    title: String,
    href: String,
    unit: String,
    topic: String,
    /// Present, late, excused, absent.
    counts: [usize; 4],
    /// Known once the gathering is closed and everyone has a status.
    invited: Option<usize>,
    /// Those who came (present or late) of those invited.
    rate: Rate,
    reflections: String,
    minutes: &'static str,
    status: &'static str,
}

async fn lines(
    state: &AppState,
    t: &Texts,
    unit: &Unit,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Line>, WebError> {
    let gatherings = state
        .store
        .gatherings_within(
            &unit.path,
            local_instant(DEFAULT_ZONE, from, NaiveTime::MIN),
            local_instant(DEFAULT_ZONE, to + Duration::days(1), NaiveTime::MIN),
        )
        .await?;
    let ids: Vec<_> = gatherings.iter().map(|g| g.id).collect();
    let tallies = state.store.tallies(&ids).await?;
    let mut lines = Vec::with_capacity(gatherings.len());
    for gathering in &gatherings {
        let zone = zone_of(state, gathering).await?;
        let starts = gathering.slot.starts_at.with_timezone(&zone);
        let ends = gathering.slot.ends_at.with_timezone(&zone);
        let tally = tallies.get(&gathering.id).cloned().unwrap_or_default();
        let counts = Attendance::ALL.map(|status| tally.of(status));
        let invited = gathering.closed.then(|| counts.iter().sum::<usize>());
        let came = counts[0] + counts[1];
        lines.push(Line {
            date: starts.format("%Y-%m-%d").to_string(),
            day: crate::dates::day(t, starts.date_naive()),
            time: format!("{}–{}", starts.format("%H:%M"), ends.format("%H:%M")),
            kind: kind_name(t, gathering.kind),
            title: gathering.details.title.clone(),
            href: paths::gathering(gathering.id.0),
            unit: gathering.unit.name.clone(),
            topic: gathering.details.topic.clone(),
            counts,
            invited,
            rate: Rate::new(came as u64, invited.unwrap_or(0) as u64),
            reflections: format!("{}/{}", tally.accepted, tally.reflections),
            minutes: if gathering.minutes.is_empty() {
                t.no
            } else {
                t.yes
            },
            status: if gathering.cancelled {
                t.gathering_cancelled
            } else if gathering.closed {
                t.gathering_held
            } else {
                t.gathering_planned
            },
        });
    }
    Ok(lines)
}

async fn ledger_unit(state: &AppState, user: &PageUser, id: i64) -> Result<Unit, WebError> {
    let unit = state.store.unit(UnitId(id)).await?;
    if !user.principal.may_see_unit(&unit.path) {
        return Err(WebError::NotFound);
    }
    user.principal.may_manage_within(&unit.path)?;
    Ok(unit)
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    chrome: Chrome,
    unit_name: String,
    plan_href: String,
    from: String,
    to: String,
    /// "12月1日–31日".
    span: String,
    action: String,
    xlsx_href: String,
    lines: Vec<Line>,
    statuses: Vec<&'static str>,
}

pub async fn ledger_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(period): Query<Period>,
) -> Result<LedgerPage, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let unit = ledger_unit(&state, &user, id).await?;
    let (from, to) = period.days(state.now().with_timezone(&DEFAULT_ZONE).date_naive())?;
    let here = paths::unit_ledger(unit.id, from, to);
    Ok(LedgerPage {
        chrome: Chrome::for_user(page, &user, &here),
        lines: lines(&state, t, &unit, from, to).await?,
        plan_href: paths::unit_gatherings(unit.id),
        action: paths::unit_ledger_base(unit.id),
        xlsx_href: paths::unit_ledger_xlsx(unit.id, from, to),
        unit_name: unit.name,
        span: crate::dates::days(t, from, to),
        from: from.to_string(),
        to: to.to_string(),
        statuses: Attendance::ALL.map(|s| attendance_name(t, s)).to_vec(),
    })
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    lang: Lang,
    user: PageUser,
    Path(id): Path<i64>,
    Query(period): Query<Period>,
) -> Result<Response, WebError> {
    let t = lang.texts();
    let unit = ledger_unit(&state, &user, id).await?;
    let (from, to) = period.days(state.now().with_timezone(&DEFAULT_ZONE).date_naive())?;
    let mut header: Vec<Cell> = [
        t.date,
        t.gathering_when,
        t.gathering_kind,
        t.gathering_title,
        t.unit_col,
        t.gathering_topic,
        t.invited,
    ]
    .map(Cell::from)
    .to_vec();
    header.extend(Attendance::ALL.map(|s| Cell::from(attendance_name(t, s))));
    header.extend([t.attendance_rate, t.reflections, t.minutes, t.status_col].map(Cell::from));
    let mut rows = vec![header];
    for line in lines(&state, t, &unit, from, to).await? {
        let mut row: Vec<Cell> = vec![
            line.date.into(),
            line.time.into(),
            line.kind.into(),
            line.title.into(),
            line.unit.into(),
            line.topic.into(),
            line.invited.map_or(Cell::from("—"), Cell::from),
        ];
        row.extend(line.counts.map(Cell::from));
        row.extend([
            line.rate.value().map_or(Cell::from("—"), Cell::Percent),
            line.reflections.into(),
            line.minutes.into(),
            line.status.into(),
        ]);
        rows.push(row);
    }
    let bytes = write_xlsx(t.ledger, &rows)?;
    let file = format!("ledger-{}-{from}-{to}.xlsx", unit.code);
    Ok(attachment(crate::views::XLSX, &file, bytes))
}
