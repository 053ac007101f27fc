//! What every page shares: the language, the signed-in person for the
//! header, the CSRF token its forms carry, and the notice of what the
//! last action did.

use suyuan_core::access::Role;
use suyuan_core::units::UnitKind;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::auth::PageUser;

use crate::csrf::CsrfToken;
use crate::error::WebError;
use crate::i18n::{Lang, Texts, lang_of};
use crate::notice::Notice;
use crate::paths;

pub struct NavUser {
    pub name: String,
    /// Whose page this is, for the readings a phone keeps offline.
    pub id: i64,
}

/// The main areas, one tab each: on a phone a bar at the bottom of every
/// page, at a desk a row under the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Home,
    Today,
    Library,
    Tests,
    Me,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Home, Tab::Today, Tab::Library, Tab::Tests, Tab::Me];
    /// Elder mode's tabs: the simplest navigation.
    pub const ELDER: [Tab; 3] = [Tab::Home, Tab::Today, Tab::Me];

    /// The tab a page belongs to, by its path.
    pub fn of(path: &str) -> Option<Tab> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let under = |prefix: &str| {
            path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if path == paths::HOME {
            Some(Tab::Home)
        } else if under(paths::TODAY) || under("/reading") {
            Some(Tab::Today)
        } else if under(paths::LIBRARY) || under("/excerpts") || under("/search") {
            Some(Tab::Library)
        } else if under(paths::TESTS) || under("/attempts") {
            Some(Tab::Tests)
        } else if under(paths::MY_PROGRESS) || under("/mistakes") || under("/account") {
            Some(Tab::Me)
        } else {
            None
        }
    }

    pub fn href(self) -> &'static str {
        match self {
            Tab::Home => paths::HOME,
            Tab::Today => paths::TODAY,
            Tab::Library => paths::LIBRARY,
            Tab::Tests => paths::TESTS,
            Tab::Me => paths::MY_PROGRESS,
        }
    }

    pub fn name(self, t: &Texts) -> &'static str {
        match self {
            Tab::Home => t.tab_home,
            Tab::Today => t.tab_today,
            Tab::Library => t.tab_library,
            Tab::Tests => t.tab_tests,
            Tab::Me => t.tab_me,
        }
    }
}

/// What a page handler takes from the request for its chrome.
pub struct Page {
    pub lang: Lang,
    pub csrf: String,
    pub notice: Option<Notice>,
    /// Whether this browser is set to elder mode.
    pub elder: bool,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let lang = lang_of(&parts.headers);
        let CsrfToken(csrf) = CsrfToken::from_request_parts(parts, state).await?;
        Ok(Page {
            lang,
            csrf,
            notice: Notice::of(parts),
            elder: crate::prefs::elder_in(&axum_extra::extract::CookieJar::from_headers(
                &parts.headers,
            )),
        })
    }
}

pub struct Chrome {
    pub t: &'static Texts,
    pub lang: Lang,
    pub csrf: String,
    /// What the action that led here did, in this page's words.
    pub notice: Option<String>,
    pub user: Option<NavUser>,
    /// Where the language switch leads, returning to this page.
    pub switch_href: String,
    /// The main area this page is in, for the tab bar.
    pub tab: Option<Tab>,
    /// Elder mode (长辈版): larger text and controls, fewer tabs.
    pub elder: bool,
    /// This page, for the forms that come back to it.
    pub here: String,
}

impl Chrome {
    pub fn anonymous(page: Page) -> Self {
        let Page {
            lang,
            csrf,
            notice,
            elder,
        } = page;
        Self {
            t: lang.texts(),
            lang,
            csrf,
            notice: notice.map(|notice| notice.text(lang.texts())),
            user: None,
            switch_href: paths::switch_language(lang.other().code(), paths::HOME),
            tab: None,
            elder,
            here: paths::HOME.to_owned(),
        }
    }

    pub fn for_user(page: Page, user: &PageUser, here: &str) -> Self {
        let nav = NavUser {
            name: user.member.name.clone(),
            id: user.member.id.0,
        };
        Self::for_member(page, nav, user.member.elder_mode, here)
    }

    /// The header of a signed-in person's page, from what it shows of them.
    pub fn for_member(page: Page, user: NavUser, elder: bool, here: &str) -> Self {
        Self {
            user: Some(user),
            switch_href: paths::switch_language(page.lang.other().code(), here),
            tab: Tab::of(here),
            elder,
            here: here.to_owned(),
            ..Self::anonymous(page)
        }
    }

    /// The tabs with whether each is this page's, and what each is
    /// called: in elder mode only the day's reading and one's points
    /// besides the home page.
    pub fn tabs(&self) -> Vec<(Tab, bool, &'static str)> {
        let tabs: &[Tab] = if self.elder { &Tab::ELDER } else { &Tab::ALL };
        tabs.iter()
            .map(|tab| {
                let name = match tab {
                    Tab::Me if self.elder => self.t.public.my_points,
                    _ => tab.name(self.t),
                };
                (*tab, self.tab == Some(*tab), name)
            })
            .collect()
    }

    pub fn returning_to(mut self, here: &str) -> Self {
        self.switch_href = paths::switch_language(self.lang.other().code(), here);
        self.here = here.to_owned();
        self
    }
}

/// The chrome of a page open to visitors: theirs, or a signed-in
/// person's, the language switch returning to `here` either way.
pub fn chrome(page: Page, user: &Option<PageUser>, here: &str) -> Chrome {
    match user {
        Some(user) => Chrome::for_user(page, user, here),
        None => Chrome::anonymous(page).returning_to(here),
    }
}

/// The highest page number taken as asked; one past it is a page past
/// the end, shown as the last.
const MOST_PAGES: u64 = 1_000_000;

/// Where a long list stands: "page 2 of 5" and the links either side.
/// One piece (`pager.html`) for every paged list.
pub struct Pager {
    /// From 1.
    pub page: u64,
    pub label: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// The page `asked` (from 1, clamped to those there are) of `total`
    /// rows `size` to a page; `href` gives a page's address.
    pub fn new(t: &Texts, asked: u64, total: u64, size: u64, href: impl Fn(u64) -> String) -> Self {
        let pages = total.div_ceil(size).max(1);
        let page = asked.clamp(1, pages);
        Self {
            page,
            label: crate::i18n::fill(t.page_of, &[("page", &page), ("pages", &pages)]),
            previous: (page > 1).then(|| href(page - 1)),
            next: (page < pages).then(|| href(page + 1)),
        }
    }

    /// Rows to skip to reach this page.
    pub fn offset(&self, size: u64) -> u64 {
        self.page.saturating_sub(1).saturating_mul(size)
    }

    /// The page asked for of a list that `fetch` reads from an offset,
    /// giving the count of all its rows with the page's: read once, and a
    /// second time only when the page asked for is past the end (the last
    /// is shown instead). Gives the pager, the count and the rows.
    pub async fn load<T, Fut>(
        t: &Texts,
        asked: Option<u64>,
        size: u64,
        href: impl Fn(u64) -> String,
        fetch: impl Fn(u64) -> Fut,
    ) -> Result<(Self, u64, Vec<T>), WebError>
    where
        Fut: std::future::Future<Output = Result<(u64, Vec<T>), WebError>>,
    {
        // A page past any list there could be is the last one.
        let asked = asked.unwrap_or(1).clamp(1, MOST_PAGES);
        let (total, rows) = fetch((asked - 1).saturating_mul(size)).await?;
        let pager = Self::new(t, asked, total, size, href);
        if pager.page == asked {
            return Ok((pager, total, rows));
        }
        let (_, rows) = fetch(pager.offset(size)).await?;
        Ok((pager, total, rows))
    }

    /// Whether there is more than one page to move between.
    pub fn shown(&self) -> bool {
        self.previous.is_some() || self.next.is_some()
    }
}

/// A time zone by the name people know it by; its code only when it is
/// none of those a campaign is offered.
pub fn zone_name(t: &Texts, zone: chrono_tz::Tz) -> String {
    t.zones
        .iter()
        .find(|(code, _)| *code == zone.name())
        .map_or_else(|| zone.name().to_owned(), |(_, name)| (*name).to_owned())
}

pub fn role_name(t: &Texts, role: Role) -> &'static str {
    match role {
        Role::Member => t.role_member,
        Role::Admin => t.role_admin,
        Role::SiteManager => t.role_site_manager,
    }
}

pub fn kind_name(t: &Texts, kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Province => t.kind_province,
        UnitKind::Office => t.kind_office,
        UnitKind::City => t.kind_city,
        UnitKind::District => t.kind_district,
        UnitKind::County => t.kind_county,
        UnitKind::Street => t.kind_street,
        UnitKind::Community => t.kind_community,
        UnitKind::Village => t.kind_village,
        UnitKind::Enterprise => t.kind_enterprise,
        UnitKind::Branch => t.kind_branch,
    }
}

pub fn weekday_name(t: &Texts, weekday: chrono::Weekday) -> &'static str {
    t.weekdays[weekday.num_days_from_monday() as usize]
}

/// A file to download: its content type and the (ASCII) name it is saved
/// under.
/// The content type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn attachment(
    content_type: &str,
    file_name: &str,
    body: impl Into<axum::body::Body>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// Text as a QR code at least `size` pixels wide, drawn on the server as
/// SVG (a check-in link, a booking's code, an authenticator's address).
pub fn qr_svg(text: &str, size: u32) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(size, size)
            .quiet_zone(true)
            .build(),
        // What we encode always fits; the page also shows it as text.
        Err(_) => String::new(),
    }
}

/// Photos decoded at once by this instance.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// An uploaded photo re-encoded as a JPEG of bounded size. Decoding a
/// camera's photo takes a moment and much memory: off the async threads,
/// one at a time.
pub async fn prepare_photo(
    bytes: Vec<u8>,
) -> Result<suyuan_core::gatherings::photo::Photo, WebError> {
    let _turn = DECODING.acquire().await?;
    Ok(
        tokio::task::spawn_blocking(move || suyuan_core::gatherings::photo::prepare(&bytes))
            .await??,
    )
}

/// One field of a form: what was typed and what is wrong with it.
#[derive(Debug, Default, Clone)]
pub struct Field {
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn typed(value: &str) -> Self {
        Self {
            value: value.to_owned(),
            error: None,
        }
    }
}

/// A photo we encoded, served as the JPEG it is; `cache` is its
/// Cache-Control (`public` for what anyone may see).
pub fn jpeg(bytes: Vec<u8>, cache: &'static str) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response()
}

/// A text's paragraphs: its lines that hold something, trimmed.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Units as a choice lists them: in tree order, each indented by its
/// depth below `base` (a full-width space a level), and `chosen` among them
/// (added if it is not, however deep) marked.
pub fn unit_options(
    mut units: Vec<suyuan_store::units::Unit>,
    base: i32,
    chosen: Option<&suyuan_store::units::Unit>,
) -> Vec<(i64, String, bool)> {
    if let Some(chosen) = chosen
        && !units.iter().any(|u| u.id == chosen.id)
    {
        units.push(chosen.clone());
    }
    units.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    units
        .into_iter()
        .map(|u| {
            let indent = "\u{3000}".repeat(usize::try_from(u.depth() - base).unwrap_or(0));
            let current = chosen.is_some_and(|c| c.id == u.id);
            (u.id.0, format!("{indent}{}", u.name), current)
        })
        .collect()
}

/// The unit a board's figures are for, or every top unit when none is
/// chosen (their subtrees together are everything).
pub async fn unit_or_roots(
    state: &AppState,
    unit: Option<&suyuan_store::units::Unit>,
) -> Result<Vec<suyuan_core::units::UnitId>, WebError> {
    Ok(match unit {
        Some(unit) => vec![unit.id],
        None => state
            .store
            .root_units()
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect(),
    })
}
