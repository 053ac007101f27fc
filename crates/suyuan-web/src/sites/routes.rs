//! Routes: chains of sites visited on one day ("in the footsteps of …"),
//! drawn from their coordinates on the server (no map tiles can be
//! fetched here), and booked all or nothing.

use suyuan_core::sites::RouteId;
use suyuan_store::sites::Route;

use super::booking::{BookFields, BookPage, ClientAddress, Target, book_form};
use super::*;
use crate::csrf::CsrfMultipart;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ROUTES, get(routes_page))
        .route("/routes/{id}", get(route_page))
        .route("/routes/{id}/book", get(book_page).post(book))
}

struct RouteRow {
    name: String,
    href: String,
    stops: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "routes.html")]
struct RoutesPage {
    chrome: Chrome,
    rows: Vec<RouteRow>,
}

async fn routes_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
) -> Result<RoutesPage, WebError> {
    let t = page.lang.texts();
    let mut rows = Vec::new();
    for route in state.store.routes().await? {
        let sites = state.store.route_sites(&route).await?;
        rows.push(RouteRow {
            href: paths::route(route.id),
            stops: sites
                .iter()
                .map(|s| s.details.name.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
            name: route.name,
        });
    }
    let _ = t;
    Ok(RoutesPage {
        rows,
        chrome: chrome(page, &user, paths::ROUTES),
    })
}

/// The route's sites as an SVG drawing: each site a numbered dot where
/// its coordinates put it (the list beside names them), the legs as
/// dashed lines between them, centred and scaled to fill the frame.
fn route_svg(sites: &[Site]) -> String {
    let points: Vec<(f64, f64)> = sites
        .iter()
        .filter_map(|s| s.details.coordinates.map(|c| (c.longitude, c.latitude)))
        .collect();
    if points.len() < 2 {
        return String::new();
    }
    // Degrees of longitude shrink with the cosine of the latitude.
    let mean_lat = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let squeeze = mean_lat.to_radians().cos();
    let xs: Vec<f64> = points.iter().map(|p| p.0 * squeeze).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let (min_x, max_x) = bounds(&xs);
    let (min_y, max_y) = bounds(&ys);
    let (width, height, pad) = (600.0, 360.0, 40.0);
    let scale = ((width - 2.0 * pad) / (max_x - min_x).max(1e-6))
        .min((height - 2.0 * pad) / (max_y - min_y).max(1e-6));
    // Centred: what the scale leaves over is shared out on both sides.
    let left = (width - (max_x - min_x) * scale) / 2.0;
    let top = (height - (max_y - min_y) * scale) / 2.0;
    let at = |i: usize| {
        (
            left + (xs[i] - min_x) * scale,
            top + (max_y - ys[i]) * scale,
        )
    };
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="route-map">"#
    );
    let line: Vec<String> = (0..points.len())
        .map(|i| {
            let (x, y) = at(i);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    svg.push_str(&format!(
        r##"<polyline points="{}" fill="none" stroke="#b71c1c" stroke-width="4" stroke-dasharray="10 8"/>"##,
        line.join(" ")
    ));
    for i in 0..points.len() {
        let (x, y) = at(i);
        svg.push_str(&format!(
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="22" fill="#b71c1c" stroke="#fff" stroke-width="3"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#fff" font-size="24" font-weight="bold">{}</text>"##,
            y + 8.0,
            i + 1,
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn bounds(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
}

struct StopView {
    name: String,
    href: String,
    travel: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "route.html")]
struct RoutePage {
    chrome: Chrome,
    id: i64,
    name: String,
    description: Vec<String>,
    map: String,
    stops: Vec<StopView>,
    date: String,
    day: String,
    starts: Vec<SlotView>,
    first_site: String,
}

#[derive(Deserialize, Serialize, Default)]
struct RouteQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    date: String,
}

async fn route_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
    Query(query): Query<RouteQuery>,
) -> Result<RoutePage, WebError> {
    let t = page.lang.texts();
    let route = state.store.route(RouteId(id)).await?;
    let sites = state.store.route_sites(&route).await?;
    let first = sites.first().ok_or(WebError::NotFound)?;
    let zone = first.hours.zone;
    let first_day = today(&state, zone) + Duration::days(1);
    let day = NaiveDate::parse_from_str(query.date.trim(), "%Y-%m-%d")
        .unwrap_or(first_day)
        .max(first_day);
    let now = state.now();
    let starts = state
        .store
        .places(first, day, day)
        .await?
        .iter()
        .map(|p| {
            let mut view = slot_view(t, first, p, now);
            // A route has no waiting list: a full first slot is only full.
            if view.state == "full" {
                view.words = t.sites.full.to_owned();
                view.state = "later";
            }
            view.href =
                (view.state == "open").then(|| paths::book_route(route.id, p.slot.starts_at));
            view
        })
        .collect();
    let stops = route
        .stops
        .iter()
        .zip(&sites)
        .enumerate()
        .map(|(i, (stop, site))| StopView {
            name: site.details.name.clone(),
            href: paths::site(site.id),
            travel: (i > 0).then(|| fill(t.sites.travel_minutes, &[("n", &stop.travel_minutes)])),
        })
        .collect();
    let here = paths::with_query(&paths::route(route.id), &query);
    Ok(RoutePage {
        id,
        map: route_svg(&sites),
        description: crate::views::paragraphs(&route.description),
        stops,
        date: day.to_string(),
        day: dates::day(t, day),
        starts,
        first_site: first.details.name.clone(),
        name: route.name,
        chrome: chrome(page, &user, &here),
    })
}

async fn target(state: &AppState, id: i64, at: &str) -> Result<Target, WebError> {
    let route: Route = state.store.route(RouteId(id)).await?;
    let first_id = route.stops.first().ok_or(WebError::NotFound)?.site;
    let first = state.store.site(first_id).await?;
    let at = parse_start(at)?;
    if first.hours.slot_at(at).is_none() {
        return Err(WebError::NotFound);
    }
    Ok(Target::Route { route, first, at })
}

async fn book_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
    Query(query): Query<super::booking::AtQuery>,
) -> Result<BookPage, WebError> {
    let target = target(&state, id, &query.at).await?;
    book_form(&state, page, &user, &target, BookFields::default()).await
}

async fn book(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Path(id): Path<i64>,
    Query(query): Query<super::booking::AtQuery>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let target = target(&state, id, &query.at).await?;
    super::booking::send(&state, page, &user, &address, &target, &form).await
}
