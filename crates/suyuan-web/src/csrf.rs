//! CSRF protection for every form that changes something: a random
//! cookie per browser, made anew at sign-in and sign-out, and in each form
//! a token that is the HMAC of that cookie and the session's under a key
//! kept in the database (so any instance can check it). A cross-site page
//! can neither read the cookies nor forge the token, and a form whose
//! browser says it came from another site is refused before its token is
//! read. Handlers that change something take `CsrfForm` or
//! `CsrfMultipart`, so a form without a valid token never reaches them.

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::header::{COOKIE as COOKIE_HEADER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;
use std::collections::HashMap;

use crate::AppState;
use crate::error::WebError;

const COOKIE: &str = "sy_csrf";
const FIELD: &str = "csrf";

/// This browser's CSRF cookie, when the middleware had to make one.
#[derive(Clone)]
struct FreshSeed(String);

/// What a form's token signs: this browser's CSRF cookie and its session
/// (none before sign-in), so a token is good for one session only.
fn seed_of(parts: &Parts) -> Option<String> {
    seed_from(&parts.headers, parts.extensions.get::<FreshSeed>())
}

fn seed_from(headers: &HeaderMap, fresh: Option<&FreshSeed>) -> Option<String> {
    let jar = CookieJar::from_headers(headers);
    let seed = fresh
        .map(|seed| seed.0.clone())
        .or_else(|| jar.get(COOKIE).map(|c| c.value().to_owned()))?;
    let session = jar
        .get(crate::auth::SESSION_COOKIE)
        .map_or("", |c| c.value());
    Some(format!("{seed}\n{session}"))
}

/// A new CSRF cookie for this browser, at sign-in and sign-out: forms
/// handed out before no longer pass.
pub fn rotated(jar: CookieJar) -> CookieJar {
    jar.add(seed_cookie(
        suyuan_store::auth::random_token().expose().to_owned(),
    ))
}

fn seed_cookie(seed: String) -> Cookie<'static> {
    Cookie::build((COOKIE, seed))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

fn mac(key: &[u8], seed: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(seed.as_bytes());
    mac
}

/// Signs a text with the instances' shared key, for values a page hands
/// out and takes back (such as when a reading page was opened).
pub fn sign(state: &AppState, text: &str) -> String {
    hex::encode(mac(&state.csrf_key, text).finalize().into_bytes())
}

/// Whether `signature` is `sign(state, text)`, compared in constant time.
pub fn signed(state: &AppState, text: &str, signature: &str) -> bool {
    hex::decode(signature)
        .is_ok_and(|bytes| mac(&state.csrf_key, text).verify_slice(&bytes).is_ok())
}

/// Gives a browser without one a CSRF cookie (pages only).
pub async fn ensure_cookie(mut request: Request, next: Next) -> Response {
    let needs_seed = !request.uri().path().starts_with("/api/")
        && CookieJar::from_headers(request.headers())
            .get(COOKIE)
            .is_none();
    let seed = needs_seed.then(|| suyuan_store::auth::random_token().expose().to_owned());
    if let Some(seed) = &seed {
        request.extensions_mut().insert(FreshSeed(seed.clone()));
    }
    let mut response = next.run(request).await;
    if let Some(seed) = seed
        && let Ok(value) = seed_cookie(seed).to_string().parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// The token a page puts in its forms.
pub struct CsrfToken(pub String);

impl FromRequestParts<AppState> for CsrfToken {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(CsrfToken(token_of(state, seed_of(parts))))
    }
}

fn token_of(state: &AppState, seed: Option<String>) -> String {
    let seed = seed.unwrap_or_default();
    hex::encode(mac(&state.csrf_key, &seed).finalize().into_bytes())
}

/// What a page's token is made from, kept from a request whose answer may
/// need the token once the handler has had the request (an error page's
/// header): its cookies, cheap to keep, made into a token only if asked.
pub struct TokenSeed {
    cookies: Vec<HeaderValue>,
    fresh: Option<FreshSeed>,
}

impl TokenSeed {
    pub fn of(request: &Request) -> Self {
        Self {
            cookies: request
                .headers()
                .get_all(COOKIE_HEADER)
                .iter()
                .cloned()
                .collect(),
            fresh: request.extensions().get::<FreshSeed>().cloned(),
        }
    }

    pub fn token(&self, state: &AppState) -> String {
        let mut headers = HeaderMap::new();
        for cookie in &self.cookies {
            headers.append(COOKIE_HEADER, cookie.clone());
        }
        token_of(state, seed_from(&headers, self.fresh.as_ref()))
    }
}

fn verify(state: &AppState, parts: &Parts, token: Option<&str>) -> Result<(), WebError> {
    if !crate::security::same_origin(state, &parts.headers) {
        return Err(WebError::BadCsrf);
    }
    let seed = seed_of(parts).ok_or(WebError::BadCsrf)?;
    let token = token
        .and_then(|t| hex::decode(t).ok())
        .ok_or(WebError::BadCsrf)?;
    mac(&state.csrf_key, &seed)
        .verify_slice(&token)
        .map_err(|_| WebError::BadCsrf)
}

/// A form with nothing but its CSRF token (sign out, archive).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A urlencoded form whose CSRF token has been checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)?;
        let token = fields
            .iter()
            .find(|(name, _)| name == FIELD)
            .map(|(_, v)| v.as_str());
        verify(state, &parts, token)?;
        let Form(value) =
            Form::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state).await?;
        Ok(CsrfForm(value))
    }
}

/// A multipart form (with file uploads), read whole and CSRF-checked.
pub struct CsrfMultipart {
    pub fields: Fields,
    pub files: Files,
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let multipart =
            Multipart::from_request(Request::from_parts(parts.clone(), body), state).await?;
        let (fields, files) = read_multipart(multipart).await?;
        verify(state, &parts, fields.get(FIELD).map(String::as_str))?;
        Ok(CsrfMultipart { fields, files })
    }
}

pub type Fields = HashMap<String, String>;

/// A file from a form: the field it came in, its name, its bytes.
pub struct Upload {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The uploaded files of a form, in the order they came.
#[derive(Default)]
pub struct Files(pub Vec<Upload>);

impl Files {
    /// The bytes of the first file sent in `field` (empty when none was).
    pub fn bytes(&self, field: &str) -> &[u8] {
        self.0
            .iter()
            .find(|u| u.field == field)
            .map_or(&[], |u| u.bytes.as_slice())
    }

    /// Every file sent in `field`, taken out of the form.
    pub fn take_all(self, field: &str) -> impl Iterator<Item = Upload> {
        self.0.into_iter().filter(move |u| u.field == field)
    }

    /// Every file sent in `field`, by file name.
    pub fn all(&self, field: &str) -> impl Iterator<Item = &Upload> {
        self.0.iter().filter(move |u| u.field == field)
    }
}

/// Reads a whole multipart body (bounded by the body limit): text fields
/// by name, and files by name with their file names.
pub async fn read_multipart(mut multipart: Multipart) -> Result<(Fields, Files), WebError> {
    let mut fields = HashMap::new();
    let mut files = Files::default();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let bytes = field.bytes().await?;
                files.0.push(Upload {
                    field: name,
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
            None => {
                let text = field.text().await?;
                fields.insert(name, text);
            }
        }
    }
    Ok((fields, files))
}
