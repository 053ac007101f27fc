//! What every response shares for the browser's safety, in one place:
//! security headers, every cookie's attributes (and, behind TLS, the
//! `__Host-` prefix and `Secure`), HSTS, the origin a form must come from,
//! the site's own origin for absolute links, and who may read `/metrics`.

use axum::extract::{Request, State};
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use ipnet::IpNet;
use std::net::IpAddr;

use crate::AppState;

/// Behind TLS every cookie of ours carries this prefix: the browser then
/// takes it only with `Secure`, `Path=/` and no `Domain`, so a neighbour
/// on another subdomain cannot plant one.
const HOST_PREFIX: &str = "__Host-";

/// Our cookies' names all start so; another name is a cookie of someone
/// else's on the same host, passed through untouched.
const OURS: &str = "sy_";

/// How long a browser keeps to HTTPS once told (two years).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Where the site is published and who may read its metrics.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The site's public origin (`https://study.example.org`), when set:
    /// absolute links use it, forms must come from it, and when it is
    /// HTTPS cookies are `Secure` with the `__Host-` prefix and HSTS is on.
    public_origin: Option<String>,
    /// A bearer token that may read `/metrics`.
    metrics_token: Option<String>,
    /// Addresses that may read `/metrics`; none set: this machine only.
    metrics_from: Vec<IpNet>,
}

impl Policy {
    /// Checks the settings: the public URL must be an http(s) origin, and
    /// each metrics address an address or a network.
    pub fn new(
        public_url: Option<&str>,
        metrics_token: Option<&str>,
        metrics_from: &[String],
    ) -> Result<Self, String> {
        let public_origin = public_url
            .map(|raw| {
                let url = url::Url::parse(raw)
                    .map_err(|e| format!("the public URL {raw:?} is not a URL: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(format!(
                        "the public URL {raw:?} must be http:// or https:// with a host"
                    ));
                }
                Ok(url.origin().ascii_serialization())
            })
            .transpose()?;
        let metrics_from = metrics_from
            .iter()
            .map(|raw| {
                network(raw).ok_or_else(|| {
                    format!("the metrics address {raw:?} is not an address or a network")
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            public_origin,
            metrics_token: metrics_token
                .filter(|t| !t.trim().is_empty())
                .map(str::to_owned),
            metrics_from,
        })
    }

    /// Whether the site is served over TLS (its public URL is HTTPS).
    pub fn tls(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }
}

/// A network (`10.0.0.0/8`) or a single address (`127.0.0.1`), as an
/// operator writes one in a setting.
pub fn network(raw: &str) -> Option<IpNet> {
    raw.parse::<IpNet>()
        .ok()
        .or_else(|| raw.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The scheme and host of the site, for absolute links: the public URL
/// when set, else the host the request came to (a proxy in front says
/// `X-Forwarded-Proto: https`).
pub fn origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(origin) = &state.security.public_origin {
        return origin.clone();
    }
    let host = request_host(headers).unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn request_host(headers: &HeaderMap) -> Option<&str> {
    headers.get(HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    })
}

/// Whether a form was sent from one of our own pages, as far as the
/// browser tells: its `Origin` (sent by browsers with every POST) names
/// our site, and `Sec-Fetch-Site` does not say another site. A request
/// that says neither (a script, an older browser) is left to the token.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let Some(sent) = headers.get(ORIGIN) else {
        return !cross_site;
    };
    let Ok(sent) = sent.to_str() else {
        return false;
    };
    let ours = match &state.security.public_origin {
        Some(origin) => sent == origin,
        None => sent
            .split_once("://")
            .is_some_and(|(_, host)| request_host(headers) == Some(host)),
    };
    ours && !cross_site
}

/// Whether this request may read `/metrics`: it brings the configured
/// token, or comes straight (not through a proxy) from an allowed address
/// — this machine when none is configured.
pub fn may_read_metrics(state: &AppState, headers: &HeaderMap, peer: Option<IpAddr>) -> bool {
    let policy = &state.security;
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(token), Some(bearer)) = (&policy.metrics_token, bearer) {
        use hmac::digest::Digest;
        // Compared as hashes, so the time taken says nothing of the token.
        return sha2::Sha256::digest(token.as_bytes()) == sha2::Sha256::digest(bearer.as_bytes());
    }
    let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    let Some(peer) = peer.filter(|_| !proxied) else {
        return false;
    };
    if policy.metrics_from.is_empty() {
        policy.metrics_token.is_none() && peer.is_loopback()
    } else {
        policy.metrics_from.iter().any(|net| net.contains(&peer))
    }
}

/// The headers every response carries, and every cookie's attributes:
/// `HttpOnly`, `SameSite=Lax`, `Path=/`, and behind TLS `Secure` with the
/// `__Host-` prefix (which the request side takes off again, so handlers
/// know each cookie by one name), plus HSTS.
pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let tls = state.security.tls();
    if tls {
        unprefix_cookies(request.headers_mut());
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if tls {
        headers.insert("strict-transport-security", HeaderValue::from_static(HSTS));
    }
    let set: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    if !set.is_empty() {
        headers.remove(SET_COOKIE);
        for value in set {
            headers.append(SET_COOKIE, harden(value, tls));
        }
    }
    response
}

/// One `Set-Cookie` with our attributes; one that does not parse is sent
/// as it was (none of ours is such).
fn harden(value: HeaderValue, tls: bool) -> HeaderValue {
    let Some(mut cookie) = value
        .to_str()
        .ok()
        .and_then(|v| Cookie::parse(v.to_owned()).ok())
    else {
        return value;
    };
    if !cookie.name().starts_with(OURS) {
        return value;
    }
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.unset_domain();
    if tls {
        cookie.set_secure(true);
        cookie.set_name(format!("{HOST_PREFIX}{}", cookie.name()));
    }
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(value)
}

/// Behind TLS, our cookies are read only under their prefix: an
/// unprefixed one of ours could have been planted, so it is dropped.
fn unprefix_cookies(headers: &mut HeaderMap) {
    let sent: Vec<String> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| match pair.strip_prefix(HOST_PREFIX) {
            Some(ours) => ours.starts_with(OURS).then(|| ours.to_owned()),
            None => (!pair.starts_with(OURS)).then(|| pair.to_owned()),
        })
        .collect();
    headers.remove(COOKIE);
    if !sent.is_empty()
        && let Ok(value) = HeaderValue::from_str(&sent.join("; "))
    {
        headers.insert(COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behind_tls_our_cookies_are_prefixed_and_secure() {
        let hardened = harden(HeaderValue::from_static("sy_session=abc; Max-Age=60"), true);
        let text = hardened.to_str().unwrap_or_default();
        assert!(text.starts_with("__Host-sy_session=abc"), "{text}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
            assert!(text.contains(attribute), "{attribute} in {text}");
        }
        let plain = harden(HeaderValue::from_static("sy_lang=en"), false);
        let text = plain.to_str().unwrap_or_default();
        assert!(
            text.starts_with("sy_lang=en") && !text.contains("Secure"),
            "{text}"
        );
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Lax"),
            "{text}"
        );
        let theirs = harden(HeaderValue::from_static("other=1"), true);
        assert_eq!(theirs, "other=1");
    }

    #[test]
    fn behind_tls_an_unprefixed_cookie_of_ours_is_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("sy_session=planted; __Host-sy_session=real; other=1"),
        );
        unprefix_cookies(&mut headers);
        assert_eq!(headers[COOKIE], "sy_session=real; other=1");
    }

    #[test]
    fn the_public_url_is_checked() {
        assert!(Policy::new(Some("ftp://example.org"), None, &[]).is_err());
        assert!(Policy::new(None, None, &["10.0.0.0/8".into(), "not".into()]).is_err());
        let policy = Policy::new(Some("https://study.example.org/app/"), None, &[]);
        assert_eq!(
            policy.map(|p| (p.tls(), p.public_origin)),
            Ok((true, Some("https://study.example.org".to_owned())))
        );
    }
}
