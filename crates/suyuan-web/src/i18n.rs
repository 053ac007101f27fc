//! The language of a request: one of `suyuan_i18n`'s catalogs, chosen by
//! the remembered cookie or else the browser's preference.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use std::convert::Infallible;

pub use suyuan_i18n::{Lang, Texts, fill};

use crate::AppState;

pub const LANG_COOKIE: &str = "sy_lang";

/// The remembered choice, else the browser's first preference between our
/// two, else Chinese.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let jar = CookieJar::from_headers(headers);
    if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return lang;
    }
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|header| {
            header.split(',').find_map(|item| {
                let tag = item
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                if tag.starts_with("zh") {
                    Some(Lang::Zh)
                } else if tag.starts_with("en") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
        })
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(lang_of(&parts.headers))
    }
}
