//! Booking a visit: the form (outside groups without an account, members
//! from theirs), its checks (a honeypot, a minimum time to fill it in,
//! rate limits per address and phone), and the tracking page a group
//! follows its booking on by its code: the offer of freed places to take
//! up, cancellation, the QR code for the door, the calendar event.

use axum::http::HeaderMap;
use axum::http::header;

use suyuan_core::sites::{
    BookingCode, BookingError, Contact, CreditCode, CreditCodeError, OrgIdentity, Organization,
    Party, RouteError, roster_names,
};
use suyuan_core::text::TextError;
use suyuan_store::StoreError;
use suyuan_store::sites::{Asker, Booked, Booking};
use suyuan_store::throttle::Limit;

use super::*;
use crate::csrf::{CsrfMultipart, Fields, Files, NoFields};
use crate::notice::{Notice, done};
pub use crate::views::Field;
pub use crate::visitors::ClientAddress;
use crate::visitors::TurnedAway;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/sites/{id}/book", get(book_page).post(book))
        .route("/bookings", get(find))
        .route("/bookings/{code}", get(tracking_page))
        .route("/bookings/{code}/cancel", post(cancel))
        .route("/bookings/{code}/accept", post(accept))
        .route("/bookings/{code}/event.ics", get(event))
}

/// Outside bookings per address and per phone.
const PER_ADDRESS: Limit = Limit {
    events: 20,
    within: Duration::hours(1),
};
const PER_PHONE: Limit = Limit {
    events: 6,
    within: Duration::days(1),
};
/// Tracking pages looked up per address: enough for any group, too few
/// to guess codes.
const LOOKUPS_PER_ADDRESS: Limit = Limit {
    events: 60,
    within: Duration::minutes(10),
};

/// The booking form's fields.
#[derive(Default, Clone)]
pub struct BookFields {
    pub organization: Field,
    /// `code` (a credit code) or `unit` (the member's own unit).
    pub identity: String,
    pub credit_code: Field,
    pub contact_name: Field,
    pub phone: Field,
    pub email: Field,
    pub headcount: Field,
    pub roster: Field,
    /// Errors not about one field (the slot, the organization's hold).
    pub form: Option<String>,
    /// The slot proved too full for the group: the form offers its
    /// waiting list.
    pub offer_waiting: bool,
}

impl BookFields {
    fn field_mut(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "organization" => &mut self.organization.error,
            "credit_code" => &mut self.credit_code.error,
            "contact" => &mut self.contact_name.error,
            "phone" => &mut self.phone.error,
            "email" => &mut self.email.error,
            "headcount" => &mut self.headcount.error,
            "roster" => &mut self.roster.error,
            _ => &mut self.form,
        }
    }

    fn refuse(&mut self, field: &str, message: String) {
        let slot = self.field_mut(field);
        if slot.is_none() {
            *slot = Some(message);
        }
    }

    /// The errors, for the summary at the top of the form.
    pub fn errors(&self) -> Vec<(&'static str, String)> {
        [
            ("organization", &self.organization.error),
            ("credit_code", &self.credit_code.error),
            ("contact_name", &self.contact_name.error),
            ("phone", &self.phone.error),
            ("email", &self.email.error),
            ("headcount", &self.headcount.error),
            ("roster", &self.roster.error),
        ]
        .into_iter()
        .filter_map(|(id, e)| e.clone().map(|e| (id, e)))
        .chain(self.form.clone().map(|e| ("top", e)))
        .collect()
    }
}

fn text_error(t: &Texts, err: &TextError) -> String {
    match err {
        TextError::Empty { .. } => t.sites.err_required.to_owned(),
        TextError::TooLong { limit, .. } => fill(t.sites.err_too_long, &[("limit", limit)]),
    }
}

/// A refusal in the page's words.
pub fn refusal(t: &Texts, zone: Tz, err: &BookingError) -> String {
    let s = &t.sites;
    match err {
        BookingError::Text(err) => text_error(t, err),
        BookingError::CreditCode(CreditCodeError::Length(n)) => {
            fill(s.err_credit_length, &[("n", n)])
        }
        BookingError::CreditCode(CreditCodeError::Character(c)) => {
            fill(s.err_credit_character, &[("c", c)])
        }
        BookingError::CreditCode(CreditCodeError::Check { expected, .. }) => {
            fill(s.err_credit_check, &[("expected", expected)])
        }
        BookingError::Phone(_) => s.err_phone.to_owned(),
        BookingError::Email(_) => s.err_email.to_owned(),
        BookingError::GroupSize { min, max, given } => fill(
            s.err_group_size,
            &[("min", min), ("max", max), ("given", given)],
        ),
        BookingError::RosterName { row } => fill(s.err_roster_name, &[("row", row)]),
        BookingError::RosterTooLong { names, headcount } => fill(
            s.err_roster_long,
            &[("names", names), ("headcount", headcount)],
        ),
        BookingError::Started => s.err_started.to_owned(),
        BookingError::TooEarly { days, opens } => fill(
            s.err_too_early,
            &[
                ("days", days),
                (
                    "opens",
                    &dates::day(t, opens.with_timezone(&zone).date_naive()),
                ),
            ],
        ),
        BookingError::TooLateToCancel { hours } => {
            fill(s.err_too_late_to_cancel, &[("hours", hours)])
        }
        BookingError::Full { free: 0 } => s.err_full.to_owned(),
        BookingError::Full { free } => fill(s.err_too_few, &[("free", free)]),
        BookingError::NotFull => s.err_not_full.to_owned(),
        BookingError::NoSuchSlot => s.err_no_such_slot.to_owned(),
        BookingError::SiteClosed => s.err_site_closed.to_owned(),
        BookingError::Held { count, days, until } => fill(
            s.err_held,
            &[
                ("count", count),
                ("days", days),
                (
                    "until",
                    &dates::day(t, until.with_timezone(&zone).date_naive()),
                ),
            ],
        ),
        BookingError::Route(RouteError::Empty) => s.err_no_such_slot.to_owned(),
        BookingError::Route(RouteError::NoStart { .. }) => s.err_full.to_owned(),
        BookingError::Route(RouteError::NoSlot {
            position, after, ..
        }) => fill(
            s.err_route_stop,
            &[
                ("position", position),
                ("after", &after.with_timezone(&zone).format("%H:%M")),
            ],
        ),
        BookingError::NotBooked(status) => {
            fill(s.err_not_booked, &[("status", &status_name(t, *status))])
        }
        BookingError::NotToday(day) => fill(s.err_not_today, &[("day", &dates::day(t, *day))]),
        BookingError::Headcount { max, .. } => fill(s.err_actual_headcount, &[("max", max)]),
        BookingError::NoOffer => s.err_no_offer.to_owned(),
    }
}

/// What the person is booking: a site's slot, or a route starting then.
pub enum Target {
    Slot {
        site: Site,
        at: DateTime<Utc>,
    },
    Route {
        route: suyuan_store::sites::Route,
        first: Site,
        at: DateTime<Utc>,
    },
}

impl Target {
    fn zone(&self) -> Tz {
        match self {
            Target::Slot { site, .. } | Target::Route { first: site, .. } => site.hours.zone,
        }
    }

    fn rules(&self) -> &suyuan_core::sites::VisitRules {
        match self {
            Target::Slot { site, .. } | Target::Route { first: site, .. } => &site.rules,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "site_book.html")]
pub struct BookPage {
    chrome: Chrome,
    title: String,
    back: String,
    back_label: String,
    action: String,
    place: String,
    when: String,
    free: String,
    group_rule: String,
    /// The slot is full: sending the form joins its waiting list.
    waiting: bool,
    /// "以本单位（翠苑一区社区）预约", for a signed-in member.
    as_my_unit: Option<String>,
    fields: BookFields,
    key: String,
    issued: String,
    min_group: u32,
    max_group: u32,
}

/// The booking form for `target`, with what was typed and its errors.
pub async fn book_form(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    target: &Target,
    fields: BookFields,
) -> Result<BookPage, WebError> {
    let t = page.lang.texts();
    let zone = target.zone();
    let (title, back, back_label, action, place, starts, free) = match target {
        Target::Slot { site, at } => {
            let places = state.store.slot_places(site, *at).await?;
            (
                t.sites.book_title.to_owned(),
                paths::site(site.id),
                site.details.name.clone(),
                paths::book_site(site.id, *at),
                format!("{} · {}", site.details.name, site.details.address),
                places.slot,
                places.load.free(),
            )
        }
        Target::Route { route, first, at } => {
            let places = state.store.slot_places(first, *at).await?;
            (
                t.sites.book_route_title.to_owned(),
                paths::route(route.id),
                route.name.clone(),
                paths::book_route(route.id, *at),
                fill(
                    t.sites.route_from,
                    &[("name", &route.name), ("first", &first.details.name)],
                ),
                places.slot,
                places.load.free(),
            )
        }
    };
    let rules = target.rules();
    let waiting =
        matches!(target, Target::Slot { .. }) && (free < rules.min_group || fields.offer_waiting);
    let member_unit = user.as_ref().map(|u| u.member.unit.name.clone());
    let mut fields = fields;
    if fields.identity.is_empty() {
        fields.identity = if member_unit.is_some() {
            "unit"
        } else {
            "code"
        }
        .to_owned();
    }
    if let Some(user) = user {
        if fields.contact_name.value.is_empty() {
            fields.contact_name.value = user.member.name.clone();
        }
        if fields.phone.value.is_empty() {
            fields.phone.value = user.member.phone.clone().unwrap_or_default();
        }
    }
    let here = action.clone();
    Ok(BookPage {
        title,
        back,
        back_label,
        action,
        place,
        when: dates::span(
            t,
            &starts.starts_at.with_timezone(&zone),
            &starts.ends_at.with_timezone(&zone),
        ),
        free: free_words(t, free),
        group_rule: fill(
            t.sites.rule_group,
            &[("min", &rules.min_group), ("max", &rules.max_group)],
        ),
        waiting,
        as_my_unit: member_unit.map(|unit| fill(t.sites.as_my_unit, &[("unit", &unit)])),
        fields,
        key: suyuan_store::auth::random_token().expose().to_owned(),
        issued: crate::visitors::issued_stamp(state),
        min_group: rules.min_group,
        max_group: rules.max_group,
        chrome: chrome(page, user, &here),
    })
}

#[derive(Deserialize)]
pub struct AtQuery {
    pub at: String,
}

async fn book_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    Path(id): Path<i64>,
    Query(query): Query<AtQuery>,
) -> Result<BookPage, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    let at = parse_start(&query.at)?;
    if site.hours.slot_at(at).is_none() {
        return Err(WebError::NotFound);
    }
    book_form(
        &state,
        page,
        &user,
        &Target::Slot { site, at },
        BookFields::default(),
    )
    .await
}

/// The form's fields as typed, and the group they describe if they hold.
pub fn read_party(
    t: &Texts,
    form: &Fields,
    files: &Files,
    user: &Option<PageUser>,
) -> (BookFields, Option<Party>) {
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let typed = |name: &str| Field {
        value: get(name),
        error: None,
    };
    let mut fields = BookFields {
        organization: typed("organization"),
        identity: get("identity"),
        credit_code: typed("credit_code"),
        contact_name: typed("contact_name"),
        phone: typed("phone"),
        email: typed("email"),
        headcount: typed("headcount"),
        roster: Field::default(),
        form: None,
        offer_waiting: false,
    };
    let identity = match (fields.identity.as_str(), user) {
        ("unit", Some(user)) => Some(OrgIdentity::Unit(user.member.unit.id)),
        ("unit", None) => {
            fields.refuse("credit_code", t.sites.err_unit_needs_sign_in.to_owned());
            None
        }
        _ => match CreditCode::parse(&fields.credit_code.value) {
            Ok(code) => Some(OrgIdentity::CreditCode(code)),
            Err(err) => {
                let zone = suyuan_core::campaigns::DEFAULT_ZONE;
                fields.refuse("credit_code", refusal(t, zone, &err.into()));
                None
            }
        },
    };
    let organization_name = match (fields.identity.as_str(), user) {
        ("unit", Some(user)) if fields.organization.value.trim().is_empty() => {
            user.member.unit.name.clone()
        }
        _ => fields.organization.value.clone(),
    };
    let organization = identity.and_then(|identity| {
        Organization::new(&organization_name, identity)
            .map_err(|err| fields.refuse("organization", refusal(t, Tz::UTC, &err)))
            .ok()
    });
    let contact = Contact::new(
        &fields.contact_name.value,
        &fields.phone.value,
        &fields.email.value,
    )
    .map_err(|err| fields.refuse(err.field(), refusal(t, Tz::UTC, &err)))
    .ok();
    let headcount = fields
        .headcount
        .value
        .trim()
        .parse::<u32>()
        .map_err(|_| fields.refuse("headcount", t.sites.err_headcount_number.to_owned()))
        .ok();
    let roster = match files
        .0
        .iter()
        .find(|f| f.field == "roster" && !f.bytes.is_empty())
    {
        None => Some(Vec::new()),
        Some(file) => suyuan_core::table::read(&file.bytes)
            .map_err(|err| {
                fields.refuse("roster", fill(t.sites.err_roster_file, &[("reason", &err)]))
            })
            .ok()
            .and_then(|rows| {
                roster_names(&rows)
                    .map_err(|err| fields.refuse("roster", refusal(t, Tz::UTC, &err)))
                    .ok()
            }),
    };
    let party = match (organization, contact, headcount, roster) {
        (Some(o), Some(c), Some(h), Some(r)) => Party::new(o, c, h, r)
            .map_err(|err| fields.refuse("roster", refusal(t, Tz::UTC, &err)))
            .ok(),
        _ => None,
    };
    (fields, party)
}

/// Checks that only a person sends the form, and not too often; `Err`
/// holds the refusal's words.
pub async fn screen(
    state: &AppState,
    t: &Texts,
    form: &Fields,
    user: &Option<PageUser>,
    address: &str,
    contact: Option<&Contact>,
) -> Result<Result<(), (String, chrono::Duration)>, WebError> {
    let mut keys = Vec::new();
    // A signed-in member's bookings are theirs to answer for.
    if user.is_none() {
        keys.push((format!("book-address:{address}"), PER_ADDRESS));
        if let Some(contact) = contact {
            keys.push((format!("book-phone:{}", contact.phone_key()), PER_PHONE));
        }
    }
    Ok(crate::visitors::screen(state, form, &keys)
        .await?
        .map_err(|turned| {
            let words = match turned {
                TurnedAway::Script => t.sites.err_too_fast,
                TurnedAway::TooOften(_) => t.sites.err_throttled,
            };
            (words.to_owned(), turned.wait())
        }))
}

/// Answers a booking request: to the tracking page, or back to the form
/// with what to fix.
pub async fn answer(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    target: &Target,
    mut fields: BookFields,
    outcome: Result<Booked, StoreError>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    match outcome {
        Ok(booked) => {
            let first = booked.bookings().first().ok_or(WebError::NotFound)?.clone();
            if let Booked::New(_) = booked {
                send_confirmation(state, t, &first, target.zone());
            }
            let notice = match (&booked, first.status) {
                (Booked::Repeat(_), _) => Notice::BookingRepeated,
                (_, BookingStatus::Waiting) => Notice::JoinedWaitingList,
                _ => Notice::Booked,
            };
            Ok(done(&paths::booking(&first.code), notice))
        }
        Err(StoreError::Booking(err)) => {
            let status = match err {
                BookingError::Full { .. } | BookingError::Route(_) => {
                    axum::http::StatusCode::CONFLICT
                }
                _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            };
            fields.offer_waiting = matches!(err, BookingError::Full { .. });
            let field = err.field();
            fields.refuse(field, refusal(t, target.zone(), &err));
            let form = book_form(state, page, user, target, fields).await?;
            Ok((status, form).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// Mails the booking's code where an e-mail was given, without making
/// the group wait for the mail server.
fn send_confirmation(state: &AppState, t: &'static Texts, booking: &Booking, zone: Tz) {
    let Some(email) = booking.email.clone() else {
        return;
    };
    let subject = fill(t.sites.mail_subject, &[("code", &booking.code)]);
    let body = fill(
        t.sites.mail_body,
        &[
            ("organization", &booking.organization),
            ("code", &booking.code),
            (
                "when",
                &dates::moment(t, &booking.starts_at.with_timezone(&zone)),
            ),
            ("link", &paths::booking(&booking.code)),
        ],
    );
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(err) = state.outbox.mail(&email, &subject, &body).await {
            tracing::warn!(%err, "a booking confirmation was not mailed");
        }
    });
}

async fn book(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Path(id): Path<i64>,
    Query(query): Query<AtQuery>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let site = state.store.site(SiteId(id)).await?;
    let at = parse_start(&query.at)?;
    send(
        &state,
        page,
        &user,
        &address,
        &Target::Slot { site, at },
        &form,
    )
    .await
}

/// A sent booking form, for a slot or a route: screened, read, booked
/// (or put on the waiting list), and answered.
pub async fn send(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    address: &str,
    target: &Target,
    form: &CsrfMultipart,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    // Screened before the roster is read, so that a visitor turned away
    // costs no spreadsheet.
    let field = |name: &str| form.fields.get(name).map_or("", String::as_str);
    let contact = Contact::new(field("contact_name"), field("phone"), field("email")).ok();
    if let Err((words, wait)) =
        screen(state, t, &form.fields, user, address, contact.as_ref()).await?
    {
        let (mut fields, _) = read_party(t, &form.fields, &Files::default(), user);
        fields.form = Some(words);
        let form = book_form(state, page, user, target, fields).await?;
        return Ok((
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            crate::error::retry_after(wait),
            form,
        )
            .into_response());
    }
    let (fields, party) = read_party(t, &form.fields, &form.files, user);
    let Some(party) = party else {
        let form = book_form(state, page, user, target, fields).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, form).into_response());
    };
    // The form's own key: sent twice, it books once.
    let key = form.fields.get("key").map(|k| format!("form:{}", k.trim()));
    let asker = Asker {
        party: &party,
        member: user.as_ref().map(|u| u.member.id),
        gathering: None,
        key: key.as_deref().filter(|k| k.len() > 10 && k.len() <= 100),
    };
    let (rule, now) = (&state.no_shows, state.now());
    let outcome = match target {
        Target::Slot { site, at } if form.fields.get("waiting").is_some_and(|v| v == "1") => {
            state
                .store
                .join_waiting_list(site, *at, asker, rule, now)
                .await
        }
        Target::Slot { site, at } => state.store.book(site, *at, asker, rule, now).await,
        Target::Route { route, at, .. } => {
            state.store.book_route(route, *at, asker, rule, now).await
        }
    };
    answer(state, page, user, target, fields, outcome).await
}

#[derive(Deserialize)]
struct FindQuery {
    #[serde(default)]
    code: String,
}

/// "Find my booking": a typed code leads to its page.
async fn find(
    lang: crate::i18n::Lang,
    Query(query): Query<FindQuery>,
) -> Result<Response, WebError> {
    let code = BookingCode::parse(&query.code)
        .ok_or_else(|| WebError::Invalid(lang.texts().sites.err_code.to_owned()))?;
    Ok(axum::response::Redirect::to(&paths::booking(&code)).into_response())
}

struct LegView {
    /// "参观", or "第 2 站" on a route.
    label: String,
    site: String,
    site_href: String,
    when: String,
    status: &'static str,
    checked_in: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "booking.html")]
struct TrackingPage {
    chrome: Chrome,
    /// Why the last action was refused, in the page's words.
    error: Option<String>,
    code: String,
    status: &'static str,
    status_code: &'static str,
    explanation: String,
    qr: String,
    legs: Vec<LegView>,
    organization: String,
    org_kind: &'static str,
    contact: String,
    headcount: String,
    offer_until: Option<String>,
    may_cancel: bool,
    cancel_closed: Option<String>,
    calendar: String,
}

async fn bookings_of(
    state: &AppState,
    t: &Texts,
    code: &str,
    address: &str,
    user: &Option<PageUser>,
) -> Result<(BookingCode, Vec<Booking>), WebError> {
    // Signed in or not: a code is the key to its booking.
    let mut keys = vec![(format!("lookup-address:{address}"), LOOKUPS_PER_ADDRESS)];
    if let Some(user) = user {
        keys.push((
            format!("lookup-member:{}", user.member.id.0),
            LOOKUPS_PER_ADDRESS,
        ));
    }
    if let Some(wait) = state.store.within_limits(&keys, state.now()).await? {
        return Err(WebError::Throttled(t.sites.err_lookups.to_owned(), wait));
    }
    let code = BookingCode::parse(code).ok_or(WebError::NotFound)?;
    let bookings = state.store.bookings_by_code(&code).await?;
    if bookings.is_empty() {
        return Err(WebError::NotFound);
    }
    Ok((code, bookings))
}

async fn tracking_page(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Path(code): Path<String>,
) -> Result<TrackingPage, WebError> {
    let (code, bookings) = bookings_of(&state, page.lang.texts(), &code, &address, &user).await?;
    tracking(&state, page, &user, code, bookings, None).await
}

async fn tracking(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    code: BookingCode,
    bookings: Vec<Booking>,
    error: Option<String>,
) -> Result<TrackingPage, WebError> {
    let t = page.lang.texts();
    let now = state.now();
    let mut legs = Vec::with_capacity(bookings.len());
    let mut cancel_closed = None;
    let mut zone = suyuan_core::campaigns::DEFAULT_ZONE;
    for booking in &bookings {
        let site = state.store.site(booking.site).await?;
        zone = site.hours.zone;
        if booking.status.cancellable()
            && booking.status != BookingStatus::Waiting
            && let Err(err) = suyuan_core::sites::may_cancel(&site.rules, booking.starts_at, now)
        {
            cancel_closed = Some(refusal(t, zone, &err));
        }
        legs.push(LegView {
            label: if bookings.len() > 1 {
                fill(t.sites.stop, &[("n", &(legs.len() + 1))])
            } else {
                t.sites.visit.to_owned()
            },
            site: site.details.name.clone(),
            site_href: paths::site(site.id),
            when: dates::span(
                t,
                &booking.starts_at.with_timezone(&zone),
                &booking.ends_at.with_timezone(&zone),
            ),
            status: status_name(t, booking.status),
            checked_in: booking.checked_in_at.map(|at| {
                fill(
                    t.sites.checked_in_at,
                    &[
                        ("time", &at.with_timezone(&zone).format("%H:%M")),
                        ("n", &booking.actual_headcount.unwrap_or(booking.headcount)),
                    ],
                )
            }),
        });
    }
    let first = &bookings[0];
    let explanation = match first.status {
        BookingStatus::Booked => t.sites.explain_booked,
        BookingStatus::Waiting => t.sites.explain_waiting,
        BookingStatus::Offered => t.sites.explain_offered,
        BookingStatus::CheckedIn => t.sites.explain_checked_in,
        BookingStatus::NoShow => t.sites.explain_no_show,
        BookingStatus::Cancelled => t.sites.explain_cancelled,
        BookingStatus::Lapsed => t.sites.explain_lapsed,
    }
    .to_owned();
    let here = paths::booking(&code);
    Ok(TrackingPage {
        code: code.to_string(),
        status: status_name(t, first.status),
        status_code: first.status.code(),
        explanation,
        qr: crate::views::qr_svg(&code.to_string(), 200),
        organization: first.organization.clone(),
        org_kind: org_kind_name(t, first.org_kind),
        contact: format!(
            "{} · {}",
            first.contact_name,
            fill(
                t.sites.phone_tail,
                &[("tail", &Contact::phone_tail(&first.phone))]
            )
        ),
        headcount: {
            let people = fill(t.sites.people, &[("n", &first.headcount)]);
            if first.roster.is_empty() {
                people
            } else {
                let names = fill(t.sites.roster_given, &[("n", &first.roster.len())]);
                format!("{people} · {names}")
            }
        },
        offer_until: first
            .offered_until
            .filter(|_| first.status == BookingStatus::Offered)
            .map(|until| {
                let until = dates::moment(t, &until.with_timezone(&zone));
                fill(t.sites.take_up_before, &[("until", &until)])
            }),
        may_cancel: cancel_closed.is_none() && bookings.iter().any(|b| b.status.cancellable()),
        cancel_closed: cancel_closed.filter(|_| bookings.iter().any(|b| b.status.cancellable())),
        calendar: paths::booking_event(&code),
        legs,
        error,
        chrome: chrome(page, user, &here),
    })
}

async fn cancel(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Path(code): Path<String>,
    _form: crate::csrf::CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let (code, _) = bookings_of(&state, page.lang.texts(), &code, &address, &user).await?;
    let outcome = state.store.cancel_booking(&code, state.now()).await;
    act(&state, page, &user, code, outcome, Notice::BookingCancelled).await
}

async fn accept(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    Path(code): Path<String>,
    _form: crate::csrf::CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let (code, _) = bookings_of(&state, page.lang.texts(), &code, &address, &user).await?;
    let outcome = state.store.accept_offer(&code, state.now()).await;
    act(&state, page, &user, code, outcome, Notice::OfferTakenUp).await
}

/// Answers what was done to a booking on its page: back to it with the
/// notice, or the page again with the refusal in its words.
async fn act(
    state: &AppState,
    page: Page,
    user: &Option<PageUser>,
    code: BookingCode,
    outcome: Result<Vec<Booking>, StoreError>,
    notice: Notice,
) -> Result<Response, WebError> {
    match outcome {
        Ok(_) => Ok(done(&paths::booking(&code), notice)),
        Err(StoreError::Booking(err)) => {
            let bookings = state.store.bookings_by_code(&code).await?;
            let zone = match bookings.first() {
                Some(b) => state.store.site(b.site).await?.hours.zone,
                None => suyuan_core::campaigns::DEFAULT_ZONE,
            };
            let words = refusal(page.lang.texts(), zone, &err);
            let page = tracking(state, page, user, code, bookings, Some(words)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// A booking as a calendar event.
pub fn booking_event(
    t: &Texts,
    origin: &str,
    booking: &Booking,
    site: &Site,
) -> suyuan_core::gatherings::ical::Event {
    suyuan_core::gatherings::ical::Event {
        uid: format!("booking-{}@suyuan", booking.id),
        sequence: u32::from(
            !booking.status.cancellable() && booking.status != BookingStatus::CheckedIn,
        ),
        stamp: booking.updated_at,
        starts_at: booking.starts_at,
        ends_at: booking.ends_at,
        summary: fill(
            t.sites.event_summary,
            &[
                ("site", &site.details.name),
                ("organization", &booking.organization),
            ],
        ),
        description: fill(
            t.sites.event_description,
            &[("code", &booking.code), ("headcount", &booking.headcount)],
        ),
        location: site.details.address.clone(),
        url: format!("{origin}{}", paths::booking(&booking.code)),
        cancelled: matches!(
            booking.status,
            BookingStatus::Cancelled | BookingStatus::Lapsed
        ),
    }
}

async fn event(
    State(state): State<AppState>,
    page: Page,
    MaybeSigned(user): MaybeUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let t = page.lang.texts();
    let code = code.strip_suffix(".ics").unwrap_or(&code).to_owned();
    let (code, bookings) = bookings_of(&state, page.lang.texts(), &code, &address, &user).await?;
    let origin = crate::security::origin(&state, &headers);
    let mut events = Vec::new();
    for booking in &bookings {
        let site = state.store.site(booking.site).await?;
        events.push(booking_event(t, &origin, booking, &site));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"booking.ics\"",
            ),
        ],
        suyuan_core::gatherings::ical::calendar(&code.to_string(), &events),
    )
        .into_response())
}
