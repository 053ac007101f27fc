//! What the forms open to visitors without an account share: where a
//! request came from (rate limits count by it), and the two checks that a
//! person, not a script, filled a form in — a field people never see (the
//! honeypot, `website`) left empty, and a signed stamp of when the form
//! was handed out (`issued`), a few seconds at least before it came back.

use std::net::IpAddr;

use crate::AppState;
use crate::csrf::Fields;
use crate::error::WebError;

/// A form filled in faster than this is a script's.
const MIN_FILL_SECONDS: i64 = 3;

/// The address a request came from: the peer's, or where a proxy on this
/// machine or network says it came from.
pub struct ClientAddress(pub String);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, WebError> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let behind_proxy = peer.is_none_or(|ip| match ip {
            IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
            IpAddr::V6(v6) => v6.is_loopback(),
        });
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| v.parse::<IpAddr>().is_ok());
        Ok(ClientAddress(match (behind_proxy, forwarded, peer) {
            (true, Some(forwarded), _) => forwarded,
            (_, _, Some(peer)) => peer.to_string(),
            _ => "unknown".to_owned(),
        }))
    }
}

/// The signed stamp of when a form was handed out, for its `issued` field.
pub fn issued_stamp(state: &AppState) -> String {
    let at = state.now().timestamp().to_string();
    let signature = crate::csrf::sign(state, &format!("form:{at}"));
    format!("{at}.{signature}")
}

/// Whether a sent form was filled in by a person: its honeypot empty, and
/// its stamp ours and at least `MIN_FILL_SECONDS` old.
pub fn filled_by_a_person(state: &AppState, form: &Fields) -> bool {
    let honeypot = form.get("website").is_some_and(|v| !v.trim().is_empty());
    let stamp = form.get("issued").map(String::as_str).unwrap_or_default();
    let Some((at, signature)) = stamp.split_once('.') else {
        return false;
    };
    let Ok(issued) = at.parse::<i64>() else {
        return false;
    };
    !honeypot
        && crate::csrf::signed(state, &format!("form:{at}"), signature)
        && state.now().timestamp() - issued >= MIN_FILL_SECONDS
}

/// Why a visitor's form was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnedAway {
    /// Its honeypot was filled in, or it came back too fast or unstamped.
    Script,
    /// One of its keys (an address, a phone) is over its limit, for this
    /// long yet.
    TooOften(chrono::Duration),
}

impl TurnedAway {
    /// How long before sending again may pass: a form sent too fast may
    /// come back once it has been open long enough; one over a limit,
    /// once the limit has room.
    pub fn wait(self) -> chrono::Duration {
        match self {
            TurnedAway::Script => chrono::Duration::seconds(MIN_FILL_SECONDS),
            TurnedAway::TooOften(wait) => wait,
        }
    }
}

/// Screens a sent form: a person's, and each key within its limit (each
/// key counts an event when it passes).
pub async fn screen(
    state: &AppState,
    form: &Fields,
    keys: &[(String, suyuan_store::throttle::Limit)],
) -> Result<Result<(), TurnedAway>, WebError> {
    if !filled_by_a_person(state, form) {
        return Ok(Err(TurnedAway::Script));
    }
    match state.store.within_limits(keys, state.now()).await? {
        None => Ok(Ok(())),
        Some(wait) => Ok(Err(TurnedAway::TooOften(wait))),
    }
}
