//! A unit's progress for its admins: the unit's figures for a period of a
//! campaign, a row per child unit ranked fairly by rates, a trend drawn on
//! the server, drill-down to children and (where the unit has members of
//! its own) to its members; the same table as XLSX and CSV, a period
//! report with a sheet per figure, and the API scripts use. Everything is
//! read from the summaries kept on write (`suyuan_store::progress`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_app::progress::{
    Base, Chosen, Column, ReportFormat, change, choose, file_name, ranked, report, write_report,
};
use suyuan_core::members::MemberId;
use suyuan_core::progress::{Figures, Period, PeriodKind};
use suyuan_core::units::UnitId;
use suyuan_store::progress::{Report, UnitFigures};
use suyuan_store::units::Unit;

use super::kind_name;
use crate::auth::{ApiUser, PageUser};

use crate::error::WebError;
use crate::i18n::{Lang, Texts, fill};
use crate::units::managed_unit;
use crate::views::{Chrome, Page, Pager, attachment};
use crate::{AppState, paths};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/progress", get(dashboard))
        .route(
            "/units/{id}/progress.xlsx",
            get(|s, l, u, p, q| download(s, l, u, p, q, ReportFormat::SummaryXlsx)),
        )
        .route(
            "/units/{id}/progress.csv",
            get(|s, l, u, p, q| download(s, l, u, p, q, ReportFormat::Csv)),
        )
        .route(
            "/units/{id}/progress/report.xlsx",
            get(|s, l, u, p, q| download(s, l, u, p, q, ReportFormat::Xlsx)),
        )
        .route("/units/{id}/progress/members", get(members_page))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(progress_api))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Asked {
    /// The campaign; by default the latest one the unit takes part in or
    /// owns.
    campaign: Option<i64>,
    /// `day`, `week`, `dekad`, `month`, `campaign` (the one holding today)
    /// or a period: `2026-11-26`, `2026-W47`, `2026-11-D2`, `2026-11`,
    /// `campaign:ID`. This week by default.
    period: Option<String>,
    /// With a kind of period (`week`, …): the period of that kind
    /// holding this day, as the page's form asks for one.
    on: Option<chrono::NaiveDate>,
    /// A column to sort the child units by (page only).
    sort: Option<String>,
    /// `asc` to sort the lowest first (page only).
    dir: Option<String>,
}

/// The unit's report for what was asked, or why there is none.
async fn report_for(
    state: &AppState,
    unit: &Unit,
    asked: &Asked,
) -> Result<Option<(Chosen, Report)>, WebError> {
    Ok(report(
        &state.store,
        unit,
        asked.campaign,
        asked.period.as_deref(),
        state.now(),
    )
    .await?)
}

// ---------------------------------------------------------------- the page

pub struct Cells {
    name: String,
    href: Option<String>,
    values: Vec<String>,
    place: String,
    change: String,
}

pub struct Heading {
    name: &'static str,
    href: String,
    sorted: Option<&'static str>,
}

pub struct Choice {
    name: String,
    href: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    chrome: Chrome,
    unit_name: String,
    up_href: Option<String>,
    campaign_title: String,
    campaigns: Vec<Choice>,
    periods: Vec<Choice>,
    days: String,
    /// The change column's heading: what it compares with ("比上周").
    change_heading: String,
    /// The form to pick another period: a day in it, and its kind.
    on: String,
    kinds: Vec<Choice>,
    action: String,
    campaign_id: i64,
    /// Name, figure, what it is over, and its change.
    tiles: Vec<(&'static str, String, String, Option<String>)>,
    chart: String,
    headings: Vec<Heading>,
    total: Option<Cells>,
    rows: Vec<Cells>,
    xlsx_href: String,
    csv_href: String,
    report_href: String,
    members_href: Option<String>,
    /// The pledges of the unit's subtree over the same days (this month
    /// when no campaign is chosen).
    pledges: crate::pledges::FiguresView,
    pledges_href: String,
    /// The requests its subtree handled over the same days.
    requests: crate::requests::FiguresView,
    requests_href: String,
}

const PERIOD_KINDS: [PeriodKind; 5] = [
    PeriodKind::Day,
    PeriodKind::Week,
    PeriodKind::Dekad,
    PeriodKind::Month,
    PeriodKind::Campaign,
];

/// A kind of period as the form offers it: "那一周".
fn span_name(t: &Texts, kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Day => t.span_day,
        PeriodKind::Week => t.span_week,
        PeriodKind::Dekad => t.span_dekad,
        PeriodKind::Month => t.span_month,
        PeriodKind::Campaign => t.whole_campaign,
    }
}

/// A query string for the dashboard and its exports.
fn query(campaign: i64, period: &str, sort: Option<(&str, bool)>) -> String {
    let mut out = format!("?campaign={campaign}&period={}", paths::encode(period));
    if let Some((column, ascending)) = sort {
        out.push_str(&format!("&sort={column}"));
        if ascending {
            out.push_str("&dir=asc");
        }
    }
    out
}

/// A line chart of the on-time rate (and with the caught-up days on top),
/// day by day, drawn as SVG on the server.
fn trend_svg(t: &Texts, daily: &[(NaiveDate, Figures)]) -> String {
    const W: f64 = 320.0;
    const H: f64 = 140.0;
    const LEFT: f64 = 30.0;
    const TOP: f64 = 8.0;
    const BOTTOM: f64 = 20.0;
    let plot_w = W - LEFT - 6.0;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| {
        if daily.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (daily.len() - 1) as f64
        }
    };
    let y = |share: f64| TOP + plot_h * (1.0 - share.clamp(0.0, 1.0));
    let mut svg = format!(
        r#"<svg class="chart trend" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#,
        t.trend_title
    );
    for share in [0.0, 0.5, 1.0] {
        svg.push_str(&format!(
            r#"<line class="axis" x1="{LEFT}" x2="{}" y1="{y0:.1}" y2="{y0:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{:.0}%</text>"#,
            W - 6.0,
            LEFT - 4.0,
            y(share) + 3.0,
            share * 100.0,
            y0 = y(share)
        ));
    }
    let line = |shares: Vec<Option<f64>>, class: &str| {
        let points: Vec<String> = shares
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| format!("{:.1},{:.1}", x(i), y(s))))
            .collect();
        format!(
            r#"<polyline class="{class}" fill="none" points="{}"/>"#,
            points.join(" ")
        )
    };
    let read: Vec<Option<f64>> = daily.iter().map(|(_, f)| f.on_time().value()).collect();
    let with_late: Vec<Option<f64>> = daily
        .iter()
        .map(|(_, f)| Some(f.on_time().value()? + f.late().value()?))
        .collect();
    svg.push_str(&line(with_late, "late-line"));
    svg.push_str(&line(read, "on-time-line"));
    if let (Some((first, _)), Some((last, _))) = (daily.first(), daily.last()) {
        svg.push_str(&format!(
            r#"<text x="{LEFT}" y="{}">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
            H - 4.0,
            crate::dates::short(t, *first),
            W - 6.0,
            H - 4.0,
            crate::dates::short(t, *last)
        ));
    }
    svg.push_str("</svg>");
    svg
}

async fn dashboard(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(mut asked): Query<Asked>,
) -> Result<Dashboard, WebError> {
    let lang = page.lang;
    // The form names a day and a kind; the campaign's own period needs
    // no day.
    if let (Some(on), Some(kind)) = (
        asked.on,
        asked.period.as_deref().and_then(PeriodKind::parse),
    ) && kind != PeriodKind::Campaign
    {
        asked.period = Some(Period::holding(kind, on, 0).code());
    }
    let t = lang.texts();
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let here = paths::unit_progress(unit.id);
    let up_href = match unit.parent_id {
        Some(parent) => {
            let parent = state.store.unit(parent).await?;
            user.principal
                .may_manage_within(&parent.path)
                .is_ok()
                .then(|| paths::unit_progress(parent.id))
        }
        None => None,
    };
    let today = state
        .now()
        .with_timezone(&suyuan_core::campaigns::DEFAULT_ZONE)
        .date_naive();
    let month = (today.with_day(1).unwrap_or(today), today);
    let pledge_figures = |days: (NaiveDate, NaiveDate)| {
        let state = state.clone();
        let unit = unit.clone();
        async move {
            let counts = crate::pledges::counts_within(&state, Some(&unit), days).await?;
            let over = crate::dates::days(t, days.0, days.1);
            Ok::<_, WebError>(crate::pledges::figures_view(t, over, &counts))
        }
    };
    let request_figures = |days: (NaiveDate, NaiveDate)| {
        let state = state.clone();
        let unit = unit.clone();
        async move {
            let counts = crate::requests::counts_within(&state, Some(&unit), days).await?;
            let over = crate::dates::days(t, days.0, days.1);
            Ok::<_, WebError>(crate::requests::figures_view(t, over, &counts))
        }
    };
    let mut page = Dashboard {
        pledges: pledge_figures(month).await?,
        requests: request_figures(month).await?,
        requests_href: format!("{}?unit={}", paths::REQUESTS, unit.id.0),
        pledges_href: format!("{}?unit={}", paths::PLEDGES, unit.id.0),
        chrome: Chrome::for_user(page, &user, &here),
        unit_name: unit.name.clone(),
        up_href,
        campaign_title: String::new(),
        campaigns: Vec::new(),
        periods: Vec::new(),
        days: String::new(),
        change_heading: String::new(),
        on: String::new(),
        kinds: Vec::new(),
        action: here.clone(),
        campaign_id: 0,
        tiles: Vec::new(),
        chart: String::new(),
        headings: Vec::new(),
        total: None,
        rows: Vec::new(),
        xlsx_href: String::new(),
        csv_href: String::new(),
        report_href: String::new(),
        members_href: None,
    };
    let Some((chosen, report)) = report_for(&state, &unit, &asked).await? else {
        return Ok(page);
    };
    let campaign_id = chosen.campaign.id.0;
    let code = chosen.period.code();
    let sort = asked
        .sort
        .as_deref()
        .and_then(Column::parse)
        .unwrap_or(Column::OnTime);
    let ascending = asked.dir.as_deref() == Some("asc");
    page.pledges = pledge_figures(chosen.days).await?;
    page.requests = request_figures(chosen.days).await?;
    page.campaign_title = chosen.campaign.title.clone();
    page.campaign_id = campaign_id;
    page.campaigns = chosen
        .campaigns
        .iter()
        .map(|c| Choice {
            name: c.title.clone(),
            href: format!("{here}{}", query(c.id.0, "week", None)),
            current: c.id == chosen.campaign.id,
        })
        .collect();
    page.periods = PERIOD_KINDS
        .iter()
        .map(|kind| Choice {
            name: kind_name(t, *kind).to_owned(),
            href: format!("{here}{}", query(campaign_id, kind.code(), None)),
            current: chosen.period.kind() == *kind,
        })
        .collect();
    page.days = crate::dates::days(t, chosen.days.0, chosen.days.1);
    let kind = chosen.period.kind();
    page.change_heading = super::before_name(t, kind).map_or_else(
        || t.change_col.to_owned(),
        |before| fill(t.change_vs, &[("before", &before)]),
    );
    let figures = &report.unit.now;
    let tile = |column: Column| {
        let changed = match column {
            Column::OnTime => change(&report.unit).map(|pp| super::change_words(t, kind, pp)),
            _ => None,
        };
        let base = match column.base(figures) {
            Base::Nothing => String::new(),
            Base::OfWhole(part, whole) => format!("{part} / {whole}"),
            Base::Over(0) => String::new(),
            Base::Over(n) => fill(t.over_sittings, &[("n", &n)]),
        };
        (column.name(t), column.shown(figures), base, changed)
    };
    page.tiles = [
        Column::Members,
        Column::OnTime,
        Column::Late,
        Column::Participation,
        Column::AverageScore,
        Column::Study,
        Column::PointsPerMember,
    ]
    .into_iter()
    .map(tile)
    .collect();
    page.chart = trend_svg(t, &report.daily);
    page.headings = Column::ALL
        .iter()
        .map(|column| {
            let current = *column == sort;
            // A second click on the sorted column turns the order round.
            let next_ascending = current && !ascending;
            Heading {
                name: column.name(t),
                href: format!(
                    "{here}{}",
                    query(campaign_id, &code, Some((column.key(), next_ascending)),)
                ),
                sorted: current.then_some(if ascending { "↑" } else { "↓" }),
            }
        })
        .collect();
    let cells = |row: &UnitFigures, place: Option<usize>, href: Option<String>| Cells {
        name: row.unit.name.clone(),
        href,
        values: Column::ALL.iter().map(|c| c.shown(&row.now)).collect(),
        place: place.map_or_else(String::new, |p| p.to_string()),
        change: change(row).map_or_else(String::new, |pp| {
            format!("{:+.1}", if pp.abs() < 0.05 { 0.0 } else { pp })
        }),
    };
    page.total = Some(cells(&report.unit, None, None));
    let places = ranked(&report.children);
    let mut rows: Vec<(usize, &UnitFigures)> = report.children.iter().enumerate().collect();
    rows.sort_by(|(_, a), (_, b)| {
        let (a, b) = (sort.number(&a.now), sort.number(&b.now));
        // Those without the figure go last either way.
        match (a, b) {
            (Some(a), Some(b)) if ascending => a.total_cmp(&b),
            (Some(a), Some(b)) => b.total_cmp(&a),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    let query_here = query(campaign_id, &code, None);
    page.rows = rows
        .into_iter()
        .map(|(index, row)| {
            cells(
                row,
                places[index],
                Some(format!("{}{query_here}", paths::unit_progress(row.unit.id))),
            )
        })
        .collect();
    page.xlsx_href = format!("{}{query_here}", paths::unit_progress_file(unit.id, "xlsx"));
    page.csv_href = format!("{}{query_here}", paths::unit_progress_file(unit.id, "csv"));
    page.report_href = format!("{}{query_here}", paths::unit_progress_report(unit.id));
    // Every member of the subtree, found by name.
    page.members_href = Some(format!(
        "{}{query_here}",
        paths::unit_progress_members(unit.id)
    ));
    page.on = chosen.days.0.to_string();
    page.kinds = PERIOD_KINDS[..4]
        .iter()
        .map(|kind| Choice {
            name: span_name(t, *kind).to_owned(),
            href: kind.code().to_owned(),
            current: kind == &chosen.period.kind(),
        })
        .collect();
    Ok(page)
}

async fn download(
    State(state): State<AppState>,
    lang: Lang,
    user: PageUser,
    Path(id): Path<i64>,
    Query(asked): Query<Asked>,
    format: ReportFormat,
) -> Result<Response, WebError> {
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let (chosen, report) = report_for(&state, &unit, &asked)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(attachment(
        format.content_type(),
        &file_name(&unit, &chosen, format.extension()),
        write_report(lang.texts(), &report, format)?,
    ))
}

// ------------------------------------------------------------ the members

#[derive(Template, WebTemplate)]
#[template(path = "dashboard_members.html")]
pub struct MembersPage {
    chrome: Chrome,
    unit_name: String,
    back_href: String,
    days: String,
    campaign: i64,
    period: String,
    query: String,
    found: String,
    headings: Vec<&'static str>,
    rows: Vec<MemberRow>,
    pager: Pager,
}

pub struct MemberRow {
    name: String,
    unit: String,
    values: Vec<String>,
}

/// The columns that mean something for one member.
const MEMBER_COLUMNS: [Column; 9] = [
    Column::OnTime,
    Column::Late,
    Column::OnStreak,
    Column::Participation,
    Column::AverageScore,
    Column::Study,
    Column::Lecture,
    Column::Activity,
    Column::Points,
];

/// Members on a page of the drill-down.
const MEMBERS_PAGE: u64 = 50;

#[derive(Deserialize)]
struct MembersAsked {
    campaign: Option<i64>,
    period: Option<String>,
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

/// Every member of the unit's subtree (a page at a time, found by name
/// or number), each with their own figures, from their own records.
async fn members_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
    Query(asked): Query<MembersAsked>,
) -> Result<(axum::Extension<crate::audit::Concerns>, MembersPage), WebError> {
    let t = page.lang.texts();
    let unit = managed_unit(&state, &user.principal, UnitId(id)).await?;
    let now = state.now();
    let chosen = choose(
        &state.store,
        &unit,
        asked.campaign,
        asked.period.as_deref(),
        now,
    )
    .await?
    .ok_or(WebError::NotFound)?;
    let code = chosen.period.code();
    let base = format!(
        "{}{}",
        paths::unit_progress_members(unit.id),
        query(chosen.campaign.id.0, &code, None)
    );
    let found = crate::members::find_page(
        &state,
        t,
        &unit.path,
        &asked.q,
        asked.page,
        MEMBERS_PAGE,
        &base,
    )
    .await?;
    let (total, wanted, pager, members, here) = (
        found.total,
        found.query,
        found.pager,
        found.members,
        found.here,
    );
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let days = state.store.member_days(&chosen.campaign, &ids).await?;
    let basis = state.store.progress_basis(&chosen.campaign, now).await?;
    let rows = members
        .iter()
        .zip(days)
        .map(|(member, days)| {
            let enrolled = chosen.campaign.includes(&member.unit.path);
            let figures = basis.figures(u64::from(enrolled), &days, chosen.days);
            MemberRow {
                name: member.name.clone(),
                unit: member.unit.name.to_string(),
                values: MEMBER_COLUMNS.iter().map(|c| c.shown(&figures)).collect(),
            }
        })
        .collect();
    // Each member's own figures.
    let shown = crate::audit::shows_personal_data(&unit.path);
    let page = MembersPage {
        chrome: Chrome::for_user(page, &user, &here),
        back_href: format!(
            "{}{}",
            paths::unit_progress(unit.id),
            query(chosen.campaign.id.0, &code, None)
        ),
        unit_name: unit.name,
        days: format!(
            "{} · {}",
            chosen.campaign.title,
            crate::dates::days(t, chosen.days.0, chosen.days.1)
        ),
        campaign: chosen.campaign.id.0,
        period: code,
        query: wanted,
        found: fill(t.members_found, &[("total", &total)]),
        headings: MEMBER_COLUMNS.iter().map(|c| c.name(t)).collect(),
        rows,
        pager,
    };
    Ok((shown, page))
}

// ---------------------------------------------------------------- the API

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// The unit's id.
    unit: i64,
    /// As on the page: `week` or `2026-W47`, `2026-11`, `2026-11-D2`,
    /// `2026-11-26`, `campaign:ID`.
    period: Option<String>,
    /// The campaign, when the period does not name it.
    campaign: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitProgressJson {
    unit_id: i64,
    name: String,
    /// Each figure by its key (`members`, `on_time`, `late`, `on_streak`,
    /// `participation`, `average_score`, `pass_rate`, `weekly_study`,
    /// `lecture`, `activity_day`, `points`, `points_per_member`): rates as
    /// shares of one; null when there is nothing to count.
    #[schema(value_type = Object)]
    figures: serde_json::Map<String, serde_json::Value>,
    /// The place among its siblings by the on-time rate (children only).
    rank: Option<usize>,
    /// The on-time rate's change since the period before, in percentage
    /// points.
    change: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressJson {
    campaign_id: i64,
    period: String,
    from: NaiveDate,
    to: NaiveDate,
    unit: UnitProgressJson,
    children: Vec<UnitProgressJson>,
}

fn unit_json(row: &UnitFigures, rank: Option<usize>) -> UnitProgressJson {
    UnitProgressJson {
        unit_id: row.unit.id.0,
        name: row.unit.name.clone(),
        figures: Column::ALL
            .iter()
            .map(|c| {
                (
                    c.key().to_owned(),
                    c.number(&row.now)
                        .map_or(serde_json::Value::Null, serde_json::Value::from),
                )
            })
            .collect(),
        rank,
        change: change(row),
    }
}

/// A unit's figures for a period and a row per child unit (admins, for
/// units within their scope).
#[utoipa::path(get, path = "/api/v1/progress", tag = "progress", params(ProgressParams), security(("bearer" = [])), responses((status = 200, body = ProgressJson), (status = 404), (status = 422)))]
async fn progress_api(
    State(state): State<AppState>,
    user: ApiUser,
    Query(params): Query<ProgressParams>,
) -> Result<axum::Json<ProgressJson>, WebError> {
    let unit = managed_unit(&state, &user.principal, UnitId(params.unit)).await?;
    let asked = Asked {
        campaign: params.campaign,
        period: params.period,
        ..Asked::default()
    };
    let (chosen, report) = report_for(&state, &unit, &asked)
        .await?
        .ok_or(WebError::NotFound)?;
    let places = ranked(&report.children);
    Ok(axum::Json(ProgressJson {
        campaign_id: chosen.campaign.id.0,
        period: chosen.period.code(),
        from: chosen.days.0,
        to: chosen.days.1,
        unit: unit_json(&report.unit, None),
        children: report
            .children
            .iter()
            .zip(places)
            .map(|(row, place)| unit_json(row, place))
            .collect(),
    }))
}

/// For the command line: a unit's table (CSV) or period report (XLSX), in
/// Chinese, as the page would give it.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trend_is_an_svg_with_a_point_a_day() {
        let t = Lang::En.texts();
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let figures = Figures {
            members: 10,
            reading_days: 1,
            tests: 0,
            counts: suyuan_core::progress::Counts {
                read_on_time: 5,
                ..Default::default()
            },
        };
        let svg = trend_svg(t, &[(day(1), figures), (day(2), figures)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r#"class="on-time-line" fill="none" points="30.0,64.0 314.0,64.0""#),
            "{svg}"
        );
    }
}
