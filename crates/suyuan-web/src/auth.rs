//! Who is asking: sessions from the cookie (pages) or a bearer token (the
//! API), sign-in and sign-out, password changes and the language choice.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use suyuan_core::access::Principal;
use suyuan_core::members::MemberId;
use suyuan_core::members::{FieldError, NewPassword};
use suyuan_store::Store;
use suyuan_store::auth::{
    KnownDevice, SessionChange, SessionKind, SessionLookup, SessionQuery, SignInError, SignInFrom,
    Token,
};
use suyuan_store::members::Member;
use suyuan_store::second_factor::SecondFactor;

use crate::csrf::{CsrfForm, NoFields};
use crate::error::WebError;
use crate::i18n::{LANG_COOKIE, Lang, fill};
use crate::members::MemberJson;
use crate::notice::{Notice, done};
use crate::views::{Chrome, Page};
use crate::visitors::ClientAddress;
use crate::{AppState, paths};

pub(crate) const SESSION_COOKIE: &str = "sy_session";

/// Says that a member signed in on this phone or browser before (signed,
/// so it cannot be made up): their way in while someone else is trying
/// their account.
const DEVICE_COOKIE: &str = "sy_device";

/// How long a phone stays known without signing in again.
const DEVICE_KEPT: chrono::Duration = chrono::Duration::days(365);

/// The known device this browser shows, when its cookie is ours.
fn known_device(state: &AppState, jar: &CookieJar) -> Option<KnownDevice> {
    let value = jar.get(DEVICE_COOKIE)?.value().to_owned();
    let (claim, signature) = value.rsplit_once('.')?;
    let (member, id) = claim.split_once('.')?;
    let member = MemberId(member.parse().ok()?);
    crate::csrf::signed(state, &format!("device:{claim}"), signature).then(|| KnownDevice {
        member,
        id: id.to_owned(),
    })
}

/// Makes this browser known for `member` (kept when it already is).
fn remember_device(state: &AppState, jar: CookieJar, member: MemberId) -> CookieJar {
    if known_device(state, &jar).is_some_and(|device| device.member == member) {
        return jar;
    }
    let claim = format!("{member}.{}", suyuan_store::auth::random_token().expose());
    let signature = crate::csrf::sign(state, &format!("device:{claim}"));
    jar.add(
        Cookie::build((DEVICE_COOKIE, format!("{claim}.{signature}")))
            .path("/")
            .max_age(time_from(DEVICE_KEPT))
            .build(),
    )
}

/// How long an instance trusts a session it has looked up, at most.
/// Changes to sessions (sign-outs, new passwords, moves) reach every
/// instance sooner, through the recorded session changes; this bounds
/// how long an expired session is still taken.
const SESSION_FRESH_FOR: Duration = Duration::from_secs(60);
/// How often an instance looks for session changes made elsewhere: the
/// longest a sign-out on one instance takes to reach the others.
const CHANGES_CHECKED_EVERY: Duration = Duration::from_secs(1);
/// Each look goes back this far before the last one (by the app's
/// clock), so that a change committed late, or stamped by an instance
/// whose clock is a little behind, is still seen.
const CHANGES_OVERLAP: chrono::Duration = chrono::Duration::seconds(10);
/// Sessions remembered at most; past this the memory starts afresh.
const SESSIONS_REMEMBERED: usize = 100_000;

/// Sessions looked up recently, so that a burst of calls (the morning
/// peak of reading marks) does not read the same session every time; and
/// the lookups of the others, which share reads when they come together.
pub struct SessionCache {
    /// By token (looked up without copying it): when it was read, its
    /// kind, and whose it is.
    entries: RwLock<HashMap<String, (Instant, SessionKind, Member)>>,
    /// When the session changes were last read: the instant, and the
    /// app's time they were read from.
    checked: Mutex<Option<(Instant, DateTime<Utc>)>>,
    lookup: SessionLookup,
}

impl SessionCache {
    /// Starts the lookups on the current runtime.
    pub fn new(store: &Store) -> Self {
        Self {
            entries: Default::default(),
            checked: Default::default(),
            lookup: store.session_lookup(),
        }
    }

    /// The member whose session this is: remembered, or looked up.
    async fn member(
        &self,
        token: &Token,
        kind: SessionKind,
        now: DateTime<Utc>,
    ) -> Result<Option<Member>, WebError> {
        if let Some(member) = self.get(token, kind) {
            return Ok(Some(member));
        }
        let query = SessionQuery {
            token: token.clone(),
            kind,
            now,
        };
        let member = self.lookup.submit(query).await?;
        if let Some(member) = &member {
            self.put(token, kind, member);
        }
        Ok(member)
    }

    fn get(&self, token: &Token, kind: SessionKind) -> Option<Member> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let (at, seen_as, member) = entries.get(token.expose())?;
        (*seen_as == kind && at.elapsed() < SESSION_FRESH_FOR).then(|| member.clone())
    }

    fn put(&self, token: &Token, kind: SessionKind, member: &Member) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= SESSIONS_REMEMBERED {
            entries.clear();
        }
        entries.insert(
            token.expose().to_owned(),
            (Instant::now(), kind, member.clone()),
        );
    }

    /// Forgets what the change touched.
    pub fn forget(&self, change: &SessionChange) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        match change {
            SessionChange::Everyone => entries.clear(),
            SessionChange::Member(id) => entries.retain(|_, (_, _, member)| member.id != *id),
        }
    }

    /// Reads the session changes made since the last look, on any
    /// instance, and forgets what they touched: at most once a
    /// `CHANGES_CHECKED_EVERY`, by whichever request comes first.
    async fn catch_up(&self, store: &Store, now: DateTime<Utc>) -> Result<(), WebError> {
        let since = {
            let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
            match *checked {
                Some((at, _)) if at.elapsed() < CHANGES_CHECKED_EVERY => return Ok(()),
                // The first look: nothing is remembered yet.
                None => {
                    *checked = Some((Instant::now(), now));
                    return Ok(());
                }
                Some((_, last)) => {
                    // Claimed now, so that the requests meanwhile go on.
                    *checked = Some((Instant::now(), now));
                    last - CHANGES_OVERLAP
                }
            }
        };
        for change in store.session_changes_since(since).await? {
            self.forget(&change);
        }
        Ok(())
    }
}

/// How fast one API token may call: a burst of `burst`, then `per_second`
/// a second. Kept per instance, in memory: behind a balancer that spreads
/// calls, a token's pace is this times the instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiPace {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for ApiPace {
    /// Well above what a person's phone or an export script needs.
    fn default() -> Self {
        Self {
            per_second: 20,
            burst: 200,
        }
    }
}

/// Each API token's calls so far, for `ApiPace`.
pub struct ApiPacer(Option<governor::DefaultKeyedRateLimiter<String>>);

impl ApiPacer {
    /// `None`: no limit (the bench's server, which measures throughput).
    pub fn new(pace: Option<ApiPace>) -> Self {
        Self(pace.and_then(|pace| {
            let quota = governor::Quota::per_second(std::num::NonZeroU32::new(pace.per_second)?)
                .allow_burst(std::num::NonZeroU32::new(pace.burst)?);
            Some(governor::RateLimiter::keyed(quota))
        }))
    }

    /// Counts a call with `token`: refused, with how long to wait, when
    /// the token is over its pace.
    fn call(&self, token: &Token) -> Result<(), WebError> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(&token.hash()).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            WebError::Throttled(
                "too many calls with this token; wait and try again".into(),
                chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1)),
            )
        })
    }

    /// Forgets tokens that have been quiet long enough to be full again.
    pub fn forget_quiet(&self) {
        if let Some(limiter) = &self.0 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Where a request's session token comes from.
pub trait Channel: Send + Sync + 'static {
    const KIND: SessionKind;
    fn token(parts: &Parts) -> Option<Token>;
}

/// Pages: the session cookie.
pub struct ByCookie;
/// The API: `Authorization: Bearer TOKEN`.
pub struct ByBearer;

impl Channel for ByCookie {
    const KIND: SessionKind = SessionKind::Web;
    fn token(parts: &Parts) -> Option<Token> {
        CookieJar::from_headers(&parts.headers)
            .get(SESSION_COOKIE)
            .map(|c| Token::new(c.value().to_owned()))
    }
}

impl Channel for ByBearer {
    const KIND: SessionKind = SessionKind::Api;
    fn token(parts: &Parts) -> Option<Token> {
        let header = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = header.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Token::new(token.trim().to_owned()))
    }
}

/// A signed-in person whose password is their own. Every route that needs
/// a person takes this (or `Pending` on the password routes), and asks
/// `principal` what they may see.
pub struct Signed<C> {
    pub member: Member,
    pub principal: Principal,
    pub token: Token,
    channel: PhantomData<C>,
}

pub type PageUser = Signed<ByCookie>;
pub type ApiUser = Signed<ByBearer>;

/// A signed-in person who may still have to change their password.
pub struct Pending<C>(pub Signed<C>);

fn principal_of(member: &Member) -> Principal {
    Principal {
        member_id: member.id,
        unit_id: member.unit.id,
        unit_path: member.unit.path.clone(),
        role: member.role,
    }
}

impl<C: Channel> FromRequestParts<AppState> for Pending<C> {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = C::token(parts).ok_or(WebError::SignInRequired)?;
        if C::KIND == SessionKind::Api {
            state.api_pacer.call(&token)?;
        }
        state.sessions.catch_up(&state.store, state.now()).await?;
        let member = state
            .sessions
            .member(&token, C::KIND, state.now())
            .await?
            .ok_or(WebError::SignInRequired)?;
        if let Some(witness) = parts.extensions.get::<crate::audit::Witness>() {
            witness.saw(&member);
        }
        Ok(Pending(Signed {
            principal: principal_of(&member),
            member,
            token,
            channel: PhantomData,
        }))
    }
}

impl<C: Channel> FromRequestParts<AppState> for Signed<C> {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Pending(user) = Pending::<C>::from_request_parts(parts, state).await?;
        if user.member.must_change_password {
            return Err(WebError::PasswordChangeRequired);
        }
        Ok(user)
    }
}

/// A signed-in person, if any; for what anyone may see.
pub struct MaybeSigned<C>(pub Option<Signed<C>>);

pub type MaybeUser = MaybeSigned<ByCookie>;
pub type MaybeApiUser = MaybeSigned<ByBearer>;

impl<C: Channel> FromRequestParts<AppState> for MaybeSigned<C> {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Signed::<C>::from_request_parts(parts, state).await {
            Ok(user) => Ok(MaybeSigned(Some(user))),
            Err(WebError::SignInRequired) => Ok(MaybeSigned(None)),
            Err(other) => Err(other),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::LOGIN, get(login_page).post(login))
        .route(paths::LOGOUT, post(logout))
        .route(paths::PASSWORD, get(password_page).post(change_password))
        .route("/lang/{code}", get(switch_language))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_login))
        .routes(routes!(api_logout))
        .routes(routes!(api_change_password))
        .routes(routes!(api_me))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    login: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

pub(crate) fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| paths::is_local(n))
        .unwrap_or(paths::HOME)
        .to_owned()
}

async fn login_page(
    page: Page,
    MaybeSigned(user): MaybeUser,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Redirect::to(&next).into_response();
    }
    login_page_with(page, next, None).into_response()
}

/// The sign-in page, from the start, with why when there is a reason.
pub(crate) fn login_page_with(
    page: Page,
    next: String,
    error: Option<String>,
) -> impl IntoResponse {
    LoginPage {
        chrome: Chrome::anonymous(page).returning_to(paths::LOGIN),
        login: String::new(),
        next,
        error,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

fn session_cookie(token: &Token, kind: SessionKind) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token.expose().to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time_from(kind.lifetime()))
        .build()
}

fn time_from(duration: chrono::Duration) -> time::Duration {
    time::Duration::seconds(duration.num_seconds())
}

async fn login(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let next = safe_next(form.next.as_deref());
    let from = SignInFrom {
        address: Some(address),
        known_device: known_device(&state, &jar),
    };
    match state
        .store
        .sign_in(&form.login, &form.password, &from, state.now())
        .await
    {
        Ok(member) => {
            crate::second_factor::after_password(&state, page.elder, jar, member, next).await
        }
        Err(err @ (SignInError::WrongCredentials | SignInError::Throttled { .. })) => {
            let (status, message, wait) = match err {
                SignInError::Throttled { retry_after } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    fill(
                        t.throttled,
                        &[("minutes", &suyuan_store::auth::retry_minutes(retry_after))],
                    ),
                    Some(crate::error::retry_after(retry_after)),
                ),
                _ => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t.wrong_credentials.to_owned(),
                    None,
                ),
            };
            let page = LoginPage {
                chrome: Chrome::anonymous(page).returning_to(paths::LOGIN),
                login: form.login,
                next,
                error: Some(message),
            };
            Ok((status, wait, page).into_response())
        }
        Err(SignInError::Store(err)) => Err(err.into()),
    }
}

/// Starts a signed-in person's browser session, once every step of
/// sign-in is passed: the session and CSRF cookies, this browser made
/// known for them, and their elder mode brought along (`elder`: this
/// browser was in elder mode before).
pub(crate) async fn start_session(
    state: &AppState,
    elder: bool,
    jar: CookieJar,
    member: Member,
    next: String,
) -> Result<Response, WebError> {
    let token = state
        .store
        .create_session(&member, SessionKind::Web, state.now())
        .await?;
    let target = if member.must_change_password {
        paths::PASSWORD.to_owned()
    } else {
        next
    };
    let jar = crate::csrf::rotated(jar.add(session_cookie(&token, SessionKind::Web)));
    let jar = remember_device(state, jar, member.id);
    let (mut jar, another) = crate::offline::signed_in(state, jar, member.id);
    // Elder mode chosen on this phone before signing in is kept
    // with the person (unless the phone was another person's);
    // theirs is kept on this phone.
    if elder && !another && !member.elder_mode {
        state
            .store
            .set_elder_mode(member.id, true, state.now())
            .await?;
    }
    if member.elder_mode {
        jar = jar.add(crate::prefs::mode_cookie(true));
    }
    let mut response = (jar, Redirect::to(&target)).into_response();
    if another {
        let (name, value) = crate::offline::CLEAR_SITE_DATA;
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let token = Token::new(cookie.value().to_owned());
        let remembered = state.sessions.get(&token, ByCookie::KIND);
        state.store.end_session(&token, state.now()).await?;
        if let Some(member) = remembered {
            state.sessions.forget(&SessionChange::Member(member.id));
        }
    }
    // The phone forgets what it kept of the person (their pages, readings
    // waiting) and their elder mode, which stays with them for next time.
    let jar = crate::csrf::rotated(jar)
        .remove(Cookie::build(SESSION_COOKIE).path("/"))
        .remove(Cookie::build(crate::prefs::MODE_COOKIE).path("/"));
    let mut response = (jar, Redirect::to(paths::LOGIN)).into_response();
    let (name, value) = crate::offline::CLEAR_SITE_DATA;
    response.headers_mut().insert(name, value);
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    must_change: bool,
    error: Option<String>,
}

async fn password_page(page: Page, Pending(user): Pending<ByCookie>) -> PasswordPage {
    PasswordPage {
        chrome: Chrome::for_user(page, &user, paths::PASSWORD),
        must_change: user.member.must_change_password,
        error: None,
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    page: Page,
    Pending(user): Pending<ByCookie>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let lang = page.lang;
    let t = lang.texts();
    let outcome = set_password(
        &state,
        &user,
        &form.current_password,
        &form.new_password,
        Some(&form.confirm_password),
    )
    .await;
    let message = match outcome {
        Ok(()) => return Ok(done(paths::HOME, Notice::PasswordChanged)),
        Err(PasswordProblem::Differ) => t.passwords_differ.to_owned(),
        Err(PasswordProblem::Same) => t.password_unchanged.to_owned(),
        Err(PasswordProblem::WrongCurrent) => t.wrong_current_password.to_owned(),
        Err(PasswordProblem::Rule(rule)) => rule_words(t, &rule),
        Err(PasswordProblem::Web(err)) => return Err(err),
    };
    let page = PasswordPage {
        chrome: Chrome::for_user(page, &user, paths::PASSWORD),
        must_change: user.member.must_change_password,
        error: Some(message),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

enum PasswordProblem {
    Differ,
    Same,
    WrongCurrent,
    Rule(FieldError),
    Web(WebError),
}

/// A broken password rule, in the page's language.
fn rule_words(t: &suyuan_i18n::Texts, rule: &FieldError) -> String {
    match rule {
        FieldError::PasswordTooShort(min) => fill(t.password_too_short, &[("min", min)]),
        FieldError::PasswordTooLong(max) => fill(t.password_too_long, &[("max", max)]),
        FieldError::PasswordPersonal => t.password_personal.to_owned(),
        FieldError::PasswordCommon => t.password_common.to_owned(),
        other => other.to_string(),
    }
}

impl From<WebError> for PasswordProblem {
    fn from(err: WebError) -> Self {
        PasswordProblem::Web(err)
    }
}

/// The one password-change rule for pages and the API: the current
/// password must be right and the new one meet the policy; the member's
/// other sessions end.
async fn set_password<C>(
    state: &AppState,
    user: &Signed<C>,
    current: &str,
    new: &str,
    confirm: Option<&str>,
) -> Result<(), PasswordProblem> {
    if confirm.is_some_and(|confirm| confirm != new) {
        return Err(PasswordProblem::Differ);
    }
    // An imported member's first password is known to everyone imported
    // with them: keeping it is no change.
    if new == current {
        return Err(PasswordProblem::Same);
    }
    let member = &user.member;
    let personal = [
        member.number.as_str(),
        member.name.as_str(),
        member.phone.as_deref().unwrap_or_default(),
    ];
    let password = NewPassword::chosen(new, &personal).map_err(PasswordProblem::Rule)?;
    match state
        .store
        .sign_in(&member.number, current, &SignInFrom::default(), state.now())
        .await
    {
        Ok(_) => {}
        Err(SignInError::WrongCredentials) => return Err(PasswordProblem::WrongCurrent),
        Err(other) => return Err(WebError::from(other).into()),
    }
    state
        .store
        .change_password(user.member.id, &password, Some(&user.token), state.now())
        .await
        .map_err(WebError::from)?;
    state
        .sessions
        .forget(&SessionChange::Member(user.member.id));
    Ok(())
}

async fn switch_language(
    Path(code): Path<String>,
    Query(query): Query<NextQuery>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let lang = Lang::parse(&code).ok_or(WebError::NotFound)?;
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time_from(chrono::Duration::days(365)))
        .build();
    Ok((
        jar.add(cookie),
        Redirect::to(&safe_next(query.next.as_deref())),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// A member number or a mobile phone number.
    login: String,
    password: String,
    /// For an account with two-step sign-in on: the code its
    /// authenticator app shows, or one of its recovery codes.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    token: String,
    /// When true, every other call answers 403 `password_change_required`
    /// until `POST /api/v1/auth/password` succeeds.
    must_change_password: bool,
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 422, description = "wrong sign-in name or password, or a second-step code missing or wrong"), (status = 429, description = "too many failed attempts")))]
async fn api_login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, WebError> {
    let from = SignInFrom {
        address: Some(address),
        known_device: None,
    };
    let member = state
        .store
        .sign_in(&request.login, &request.password, &from, state.now())
        .await?;
    if let Some(SecondFactor::On { .. }) = state.store.second_factor(member.id).await? {
        let code = request.code.as_deref().unwrap_or_default();
        if code.trim().is_empty() {
            return Err(WebError::Invalid(
                "this account signs in in two steps: send the code its authenticator app shows (or a recovery code) as `code`".into(),
            ));
        }
        state
            .store
            .pass_second_factor(member.id, code, state.now())
            .await?;
    }
    let token = state
        .store
        .create_session(&member, SessionKind::Api, state.now())
        .await?;
    Ok(Json(LoginResponse {
        token: token.expose().to_owned(),
        must_change_password: member.must_change_password,
    }))
}

/// Ends the bearer token's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204)))]
async fn api_logout(
    State(state): State<AppState>,
    Pending(user): Pending<ByBearer>,
) -> Result<StatusCode, WebError> {
    state.store.end_session(&user.token, state.now()).await?;
    state
        .sessions
        .forget(&SessionChange::Member(user.member.id));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordRequest {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordRequest,
    responses((status = 204), (status = 422, description = "wrong current password, or the new one breaks the policy")))]
async fn api_change_password(
    State(state): State<AppState>,
    Pending(user): Pending<ByBearer>,
    Json(request): Json<PasswordRequest>,
) -> Result<StatusCode, WebError> {
    match set_password(
        &state,
        &user,
        &request.current_password,
        &request.new_password,
        None,
    )
    .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(PasswordProblem::WrongCurrent) => {
            Err(WebError::Invalid("the current password is wrong".into()))
        }
        Err(PasswordProblem::Same) => Err(WebError::Invalid(
            "the new password must differ from the current one".into(),
        )),
        Err(PasswordProblem::Differ) => Err(WebError::Invalid("the new passwords differ".into())),
        Err(PasswordProblem::Rule(rule)) => Err(WebError::Invalid(rule.to_string())),
        Err(PasswordProblem::Web(err)) => Err(err),
    }
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "members", security(("bearer" = [])), responses((status = 200, body = MemberJson)))]
async fn api_me(user: ApiUser) -> Json<MemberJson> {
    Json(MemberJson::from(&user.member))
}
