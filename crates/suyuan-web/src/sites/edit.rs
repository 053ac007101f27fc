//! Making and changing a site: an admin adds a site under a unit of
//! theirs and names its managers; the managers and the admins above keep
//! its details, hours (with closed days and special openings), rules and
//! photos.

use suyuan_core::members::{MemberId, MemberNumber};
use suyuan_core::sites::{Coordinates, OpeningHours, SiteDetails, SlotTimes, VisitRules, number};
use suyuan_store::sites::SiteForm;

use super::*;
use crate::csrf::{CsrfForm, CsrfMultipart, NoFields};
use crate::notice::{Notice, done};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sites/new", get(new_page).post(create))
        .route("/sites/{id}/edit", get(edit_page).post(update))
        .route("/sites/{id}/photos", post(add_photo))
        .route("/sites/{id}/photos/{photo}/delete", post(delete_photo))
        .route("/sites/{id}/managers", post(add_manager))
        .route("/sites/{id}/managers/{member}/remove", post(remove_manager))
}

/// The form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct SiteFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    slot_minutes: String,
    #[serde(default)]
    hours_0: String,
    #[serde(default)]
    hours_1: String,
    #[serde(default)]
    hours_2: String,
    #[serde(default)]
    hours_3: String,
    #[serde(default)]
    hours_4: String,
    #[serde(default)]
    hours_5: String,
    #[serde(default)]
    hours_6: String,
    #[serde(default)]
    closed_days: String,
    #[serde(default)]
    special_days: String,
    #[serde(default)]
    slot_capacity: String,
    #[serde(default)]
    day_capacity: String,
    #[serde(default)]
    min_group: String,
    #[serde(default)]
    max_group: String,
    #[serde(default)]
    days_ahead: String,
    #[serde(default)]
    cancel_hours: String,
    #[serde(default)]
    offer_hours: String,
}

impl SiteFields {
    fn hours(&self) -> [&str; 7] {
        [
            &self.hours_0,
            &self.hours_1,
            &self.hours_2,
            &self.hours_3,
            &self.hours_4,
            &self.hours_5,
            &self.hours_6,
        ]
    }

    /// A new site's fields: open Tuesday to Sunday.
    fn fresh(unit: UnitId) -> Self {
        let day = "09:00-11:30, 13:30-16:30".to_owned();
        Self {
            kind: SiteKind::MemorialHall.code().into(),
            unit: unit.0.to_string(),
            zone: suyuan_core::campaigns::DEFAULT_ZONE.name().into(),
            slot_minutes: "90".into(),
            hours_1: day.clone(),
            hours_2: day.clone(),
            hours_3: day.clone(),
            hours_4: day.clone(),
            hours_5: day.clone(),
            hours_6: day,
            slot_capacity: "60".into(),
            day_capacity: "300".into(),
            min_group: "5".into(),
            max_group: "60".into(),
            days_ahead: "30".into(),
            cancel_hours: "24".into(),
            offer_hours: "12".into(),
            ..Self::default()
        }
    }

    fn of(site: &Site) -> Self {
        let week = site.hours.week();
        let day = |i: usize| SlotTimes::list_text(&week[i]);
        let r = &site.rules;
        Self {
            name: site.details.name.clone(),
            kind: site.details.kind.code().into(),
            address: site.details.address.clone(),
            latitude: site
                .details
                .coordinates
                .map(|c| c.latitude.to_string())
                .unwrap_or_default(),
            longitude: site
                .details
                .coordinates
                .map(|c| c.longitude.to_string())
                .unwrap_or_default(),
            description: site.details.description.clone(),
            unit: site.unit.id.0.to_string(),
            zone: site.hours.zone.name().into(),
            slot_minutes: site.hours.slot_minutes.to_string(),
            hours_0: day(0),
            hours_1: day(1),
            hours_2: day(2),
            hours_3: day(3),
            hours_4: day(4),
            hours_5: day(5),
            hours_6: day(6),
            closed_days: site
                .hours
                .closed_days()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            special_days: site
                .hours
                .special_days()
                .map(|(d, w)| format!("{d} {}", SlotTimes::list_text(w)))
                .collect::<Vec<_>>()
                .join("\n"),
            slot_capacity: r.slot_capacity.to_string(),
            day_capacity: r.day_capacity.to_string(),
            min_group: r.min_group.to_string(),
            max_group: r.max_group.to_string(),
            days_ahead: r.days_ahead.to_string(),
            cancel_hours: r.cancel_hours.to_string(),
            offer_hours: r.offer_hours.to_string(),
        }
    }

    /// The site the fields describe, or the first thing wrong, naming
    /// its field (and line).
    fn form(&self) -> Result<SiteForm, WebError> {
        let coordinates = Coordinates::parse(&self.latitude, &self.longitude)?;
        let details = SiteDetails::new(
            &self.name,
            &self.kind,
            &self.address,
            coordinates,
            &self.description,
        )?;
        let zone: Tz = self
            .zone
            .parse()
            .map_err(|_| WebError::Invalid(format!("zone: {:?} is not a time zone", self.zone)))?;
        let slot_minutes = number("slot_minutes", &self.slot_minutes, 15, 480)?;
        let mut week: [Vec<SlotTimes>; 7] = Default::default();
        for (i, (day, text)) in week.iter_mut().zip(self.hours()).enumerate() {
            *day = SlotTimes::parse_list(text)
                .map_err(|err| WebError::Invalid(format!("hours_{i}: {err}")))?;
        }
        let mut hours = OpeningHours::new(zone, slot_minutes, week)?;
        for (i, line) in lines(&self.closed_days) {
            let mut days = line.split([' ', '至', '~', '～']).filter(|p| !p.is_empty());
            let from = date("closed_days", i, days.next().unwrap_or_default())?;
            let to = match days.next() {
                Some(to) => date("closed_days", i, to)?,
                None => from,
            };
            if to < from || (to - from).num_days() > 366 {
                return Err(WebError::Invalid(format!(
                    "closed_days: line {i}: the days run backwards or past a year"
                )));
            }
            hours.close(from, to);
        }
        for (i, line) in lines(&self.special_days) {
            let (day, windows) = line.split_once([' ', '\t']).unwrap_or((line, ""));
            let day = date("special_days", i, day)?;
            let windows = SlotTimes::parse_list(windows)
                .map_err(|err| WebError::Invalid(format!("special_days: line {i}: {err}")))?;
            if windows.is_empty() {
                return Err(WebError::Invalid(format!(
                    "special_days: line {i}: give the day's hours after its date, such as 2026-12-14 14:00-15:30"
                )));
            }
            hours
                .open_specially(day, windows)
                .map_err(|err| WebError::Invalid(format!("special_days: line {i}: {err}")))?;
        }
        let rule = |field, value: &str, min, max| number(field, value, min, max);
        let rules = VisitRules::new(
            rule("slot_capacity", &self.slot_capacity, 1, 10_000)?,
            rule("day_capacity", &self.day_capacity, 1, 100_000)?,
            (
                rule("min_group", &self.min_group, 1, 10_000)?,
                rule("max_group", &self.max_group, 1, 10_000)?,
            ),
            rule("days_ahead", &self.days_ahead, 1, 366)?,
            rule("cancel_hours", &self.cancel_hours, 0, 720)?,
            rule("offer_hours", &self.offer_hours, 1, 168)?,
        )?;
        let unit = self
            .unit
            .trim()
            .parse::<i64>()
            .map(UnitId)
            .map_err(|_| WebError::Invalid("unit: pick the managing unit".into()))?;
        Ok(SiteForm {
            unit,
            details,
            hours,
            rules,
        })
    }
}

/// The lines of a text box that hold something, numbered from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn date(field: &str, line: usize, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::Invalid(format!(
            "{field}: line {line}: {text:?} is not a date such as 2026-12-30"
        ))
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "site_form.html")]
struct SiteFormPage {
    chrome: Chrome,
    title: String,
    action: String,
    back: String,
    f: SiteFields,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(i64, String)>,
    zones: Vec<(&'static str, &'static str)>,
    weekdays: Vec<(usize, String)>,
    /// The site's desk: photos and managers (not when adding a site).
    site: Option<SiteDesk>,
}

struct SiteDesk {
    id: i64,
    photos: Vec<(i64, String)>,
    managers: Vec<(i64, String, String)>,
    may_name_managers: bool,
}

/// The units an admin may put a site under: their own and two levels
/// below, in tree order.
async fn unit_choices(state: &AppState, user: &PageUser) -> Result<Vec<(i64, String)>, WebError> {
    let own = &user.principal.unit_path;
    let depth = own.depth();
    let mut units = Vec::new();
    for level in depth..=depth + 2 {
        units.extend(state.store.units_at_depth(own, level).await?);
    }
    units.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    Ok(units
        .into_iter()
        .map(|u| {
            let indent = "　".repeat(usize::try_from(u.depth() - depth).unwrap_or(0));
            (u.id.0, format!("{indent}{}", u.name))
        })
        .collect())
}

async fn form_page(
    state: &AppState,
    page: Page,
    user: &PageUser,
    fields: SiteFields,
    site: Option<&Site>,
) -> Result<SiteFormPage, WebError> {
    let t = page.lang.texts();
    let (title, action, back, here) = match site {
        Some(site) => (
            fill(t.sites.edit_title, &[("name", &site.details.name)]),
            paths::site_edit(site.id),
            paths::site_bookings(site.id),
            paths::site_edit(site.id),
        ),
        None => (
            t.sites.new_title.to_owned(),
            paths::SITE_NEW.to_owned(),
            paths::SITES.to_owned(),
            paths::SITE_NEW.to_owned(),
        ),
    };
    let mut units = if user.principal.is_admin() {
        unit_choices(state, user).await?
    } else {
        Vec::new()
    };
    if let Some(site) = site
        && !units.iter().any(|(id, _)| *id == site.unit.id.0)
    {
        units.insert(0, (site.unit.id.0, site.unit.name.clone()));
    }
    let desk = match site {
        Some(site) => {
            let mut managers = Vec::new();
            for member in state.store.site_managers(site.id).await? {
                let m = state.store.member(member).await?;
                managers.push((m.id.0, m.name, m.number));
            }
            Some(SiteDesk {
                id: site.id.0,
                photos: state
                    .store
                    .site_photos(site.id)
                    .await?
                    .into_iter()
                    .map(|p| (p, paths::site_photo(site.id, p)))
                    .collect(),
                managers,
                may_name_managers: user
                    .principal
                    .may_manage_site(&site.unit.path, false)
                    .is_ok(),
            })
        }
        None => None,
    };
    Ok(SiteFormPage {
        title,
        action,
        back,
        f: fields,
        kinds: SiteKind::ALL
            .iter()
            .map(|k| (k.code(), kind_name(t, *k)))
            .collect(),
        units,
        zones: t.zones.to_vec(),
        weekdays: t
            .weekdays
            .iter()
            .enumerate()
            .map(|(i, day)| (i, format!("{}{day}", t.weekday_prefix)))
            .collect(),
        site: desk,
        chrome: Chrome::for_user(page, user, &here),
    })
}

async fn new_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
) -> Result<SiteFormPage, WebError> {
    user.principal.must_be_admin()?;
    let fields = SiteFields::fresh(user.principal.unit_id);
    form_page(&state, page, &user, fields, None).await
}

/// The unit a site goes under, which must be within the admin's subtree.
async fn checked_unit(state: &AppState, user: &PageUser, unit: UnitId) -> Result<Unit, WebError> {
    let unit = state.store.unit(unit).await?;
    user.principal.may_manage_within(&unit.path)?;
    Ok(unit)
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(fields): CsrfForm<SiteFields>,
) -> Result<Response, WebError> {
    user.principal.must_be_admin()?;
    let form = fields.form()?;
    checked_unit(&state, &user, form.unit).await?;
    let site = state.store.create_site(&form, state.now()).await?;
    Ok(done(
        &paths::site_edit(site.id),
        Notice::SiteAdded {
            name: site.details.name,
        },
    ))
}

async fn edit_page(
    State(state): State<AppState>,
    page: Page,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<SiteFormPage, WebError> {
    let site = super::door::managed(&state, &user, id).await?;
    let fields = SiteFields::of(&site);
    form_page(&state, page, &user, fields, Some(&site)).await
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(fields): CsrfForm<SiteFields>,
) -> Result<Response, WebError> {
    let site = super::door::managed(&state, &user, id).await?;
    let mut form = fields.form()?;
    if form.unit != site.unit.id {
        // Only an admin over both moves a site to another unit.
        user.principal.may_manage_site(&site.unit.path, false)?;
        checked_unit(&state, &user, form.unit).await?;
    }
    form.unit = if form.unit == site.unit.id {
        site.unit.id
    } else {
        form.unit
    };
    state.store.update_site(site.id, &form, state.now()).await?;
    Ok(done(&paths::site_edit(site.id), Notice::SiteSaved))
}

async fn add_photo(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let site = super::door::managed(&state, &user, id).await?;
    let photo = crate::views::prepare_photo(form.files.bytes("photo").to_vec()).await?;
    state
        .store
        .add_site_photo(site.id, &photo, user.member.id, state.now())
        .await?;
    Ok(done(
        &format!("{}#photos", paths::site_edit(site.id)),
        Notice::PhotoAdded,
    ))
}

async fn delete_photo(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, photo)): Path<(i64, i64)>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let site = super::door::managed(&state, &user, id).await?;
    state.store.remove_site_photo(site.id, photo).await?;
    Ok(done(
        &format!("{}#photos", paths::site_edit(site.id)),
        Notice::PhotoRemoved,
    ))
}

#[derive(Deserialize)]
struct ManagerForm {
    number: String,
}

async fn add_manager(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ManagerForm>,
) -> Result<Response, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    user.principal.may_manage_site(&site.unit.path, false)?;
    let number = MemberNumber::parse(&form.number)?;
    let member = state.store.member_by_number(&number).await.map_err(|_| {
        WebError::Invalid(format!(
            "number: no member has the number {:?}",
            form.number.trim()
        ))
    })?;
    state.store.add_site_manager(site.id, member.id).await?;
    Ok(done(
        &format!("{}#managers", paths::site_edit(site.id)),
        Notice::ManagerNamed { name: member.name },
    ))
}

async fn remove_manager(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, member)): Path<(i64, i64)>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    user.principal.may_manage_site(&site.unit.path, false)?;
    state
        .store
        .remove_site_manager(site.id, MemberId(member))
        .await?;
    // The feed carries every booking's code: one who no longer manages
    // the site must not keep it.
    state
        .store
        .reset_feed(suyuan_store::gatherings::FeedOwner::Site(site.id))
        .await?;
    Ok(done(
        &format!("{}#managers", paths::site_edit(site.id)),
        Notice::ManagerRemoved,
    ))
}
