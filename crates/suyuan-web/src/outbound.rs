//! What goes out of the platform: e-mail through the configured SMTP
//! server, and messages to the group robots admins configure. Neither may
//! reach this machine or its network (core's `outbound::is_public`)
//! unless the operator allowed that network (`--outbound-allow`): a
//! robot's name is resolved once for each connection, its private
//! addresses dropped, and the connection made to what is left; an address
//! written as a number is checked as it stands, redirects included; a
//! robot has 10 s to answer and is read no further than its status. The
//! SMTP server's name is resolved and checked once at start, and mail
//! goes to that address.

use ipnet::IpNet;
use lettre::message::Mailbox;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::StartError;

/// Where mail and robot messages go out, as the operator set them.
#[derive(Debug, Clone, Default)]
pub struct OutboundSettings {
    /// An SMTP server: `smtp://host:25` (plain, for a relay on the same
    /// network), `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465`.
    pub smtp_url: Option<String>,
    /// The sender of mail, such as `溯源 <study@example.org>`.
    pub mail_from: Option<String>,
    /// Networks (or single addresses) outside the public internet that
    /// mail and robots may still reach: the operator's own relay, say.
    pub allow: Vec<String>,
}

/// How long a robot or the mail server has to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// Redirects a robot's address may take, each checked like the first.
const MOST_REDIRECTS: usize = 3;

/// Which addresses outbound connections may reach.
#[derive(Debug, Clone, Default)]
struct Reach {
    allowed: Vec<IpNet>,
}

impl Reach {
    fn permits(&self, ip: IpAddr) -> bool {
        suyuan_core::outbound::is_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Whether a URL may be sent to as it stands: http(s), and its host,
    /// when written as an address, one we may reach. (A name is checked
    /// when it is resolved.)
    fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err("use an http or https address".into());
        }
        match url.host() {
            None => Err("the address has no host".into()),
            Some(url::Host::Ipv4(ip)) if !self.permits(ip.into()) => Err(format!(
                "{ip} is on this machine or a private network, which robots may not reach"
            )),
            Some(url::Host::Ipv6(ip)) if !self.permits(ip.into()) => Err(format!(
                "{ip} is on this machine or a private network, which robots may not reach"
            )),
            Some(_) => Ok(()),
        }
    }

    /// The addresses a name resolves to that we may reach; an error
    /// naming the name when it has none.
    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("{host} cannot be resolved: {e}"))?
            .collect();
        let kept: Vec<SocketAddr> = found
            .iter()
            .copied()
            .filter(|a| self.permits(a.ip()))
            .collect();
        if kept.is_empty() {
            return Err(format!(
                "{host} resolves only to addresses on this machine or a private network ({}), which may not be reached",
                found
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(kept)
    }
}

/// reqwest's resolver for robots: each connection goes to an address the
/// name resolved to just then and that passed `Reach`.
struct Checked(Arc<Reach>);

impl reqwest::dns::Resolve for Checked {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let reach = self.0.clone();
        Box::pin(async move {
            let kept = reach.resolve(name.as_str(), 0).await?;
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The outbound channels, made once at start.
pub struct Outbox {
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
    reach: Arc<Reach>,
}

impl Outbox {
    pub async fn new(settings: &OutboundSettings) -> Result<Self, StartError> {
        let allowed = settings
            .allow
            .iter()
            .map(|raw| {
                crate::security::network(raw).ok_or_else(|| {
                    StartError::Settings(format!(
                        "--outbound-allow {raw:?}: not an address or a network"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let reach = Arc::new(Reach { allowed });
        let mail = match &settings.smtp_url {
            None => None,
            Some(url) => {
                let transport = smtp_transport(url, &reach).await.map_err(|e| {
                    StartError::Settings(format!(
                        "--smtp-url {}: {e} (a mail server of your own there: allow its address with --outbound-allow)",
                        without_password(url)
                    ))
                })?;
                let from = settings.mail_from.as_deref().unwrap_or("suyuan@localhost");
                let from: Mailbox = from
                    .parse()
                    .map_err(|e| StartError::Settings(format!("--mail-from {from:?}: {e}")))?;
                Some((transport, from))
            }
        };
        let redirects = reach.clone();
        let http = reqwest::Client::builder()
            // A proxy from the environment would resolve the robot's name
            // itself, past the checked resolver.
            .no_proxy()
            .timeout(ANSWER_WITHIN)
            .connect_timeout(ANSWER_WITHIN / 2)
            .dns_resolver(Arc::new(Checked(reach.clone())))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MOST_REDIRECTS {
                    attempt.error("too many redirects")
                } else if let Err(why) = redirects.check_url(attempt.url()) {
                    attempt.error(why)
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| StartError::Settings(format!("cannot make the robots' client: {e}")))?;
        Ok(Self { mail, http, reach })
    }

    /// Whether mail goes out at all (an SMTP server is set).
    pub fn mails(&self) -> bool {
        self.mail.is_some()
    }

    /// Mails one message, when a mail server is set; whether it went.
    pub async fn mail(&self, to: &str, subject: &str, body: &str) -> Result<bool, String> {
        let Some((transport, from)) = &self.mail else {
            return Ok(false);
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        transport.send(message).await.map_err(|e| e.to_string())?;
        Ok(true)
    }

    /// Whether a robot's address may be set: http(s), and not an address
    /// (or a name that resolves only to addresses) we may not reach. A
    /// name that does not resolve now is taken, and checked again each
    /// time a message goes.
    pub async fn check_robot(&self, url: &str) -> Result<(), String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
        self.reach.check_url(&parsed)?;
        if let Some(url::Host::Domain(name)) = parsed.host() {
            let port = parsed.port_or_known_default().unwrap_or(443);
            if let Ok(found) = tokio::net::lookup_host((name, port)).await {
                let found: Vec<SocketAddr> = found.collect();
                if !found.is_empty() && !found.iter().any(|a| self.reach.permits(a.ip())) {
                    return Err(format!(
                        "{name} resolves only to addresses on this machine or a private network, which robots may not reach"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Posts a text message to a group robot (the JSON WeCom and DingTalk
    /// robots take); a failure is logged and reported as `false`.
    pub async fn post_to_robot(&self, url: &str, content: &str) -> bool {
        let checked = reqwest::Url::parse(url)
            .map_err(|e| e.to_string())
            .and_then(|parsed| self.reach.check_url(&parsed).map(|()| parsed));
        let parsed = match checked {
            Ok(parsed) => parsed,
            Err(err) => {
                tracing::warn!(%err, "a group robot's address was refused");
                return false;
            }
        };
        let body = serde_json::json!({"msgtype": "text", "text": {"content": content}});
        // Only the status is read: whatever the robot sends after it is
        // dropped with the connection.
        let posted = self.http.post(parsed).json(&body).send().await;
        match posted.and_then(|r| r.error_for_status()) {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(%err, "a group robot did not take a message");
                false
            }
        }
    }
}

/// The SMTP URL without its password, for messages.
fn without_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "(not a URL)".into(),
    }
}

/// The mail transport, connecting to the address the server's name
/// resolved to at start (checked), with TLS still verified for the name.
async fn smtp_transport(
    url: &str,
    reach: &Reach,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = match parsed.host() {
        Some(url::Host::Domain(name)) => name.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("no host".into()),
    };
    let wrapped = parsed.scheme() == "smtps";
    let port = parsed.port().unwrap_or(if wrapped { 465 } else { 25 });
    let address = reach.resolve(&host, port).await?[0].ip();
    let mut pinned = parsed.clone();
    pinned
        .set_host(Some(&address.to_string()))
        .map_err(|e| e.to_string())?;
    let tls_mode = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let parameters = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
    let tls = match (wrapped, tls_mode.as_deref()) {
        (true, _) => Tls::Wrapper(parameters()?),
        (false, Some("required")) => Tls::Required(parameters()?),
        (false, Some("opportunistic")) => Tls::Opportunistic(parameters()?),
        _ => Tls::None,
    };
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::from_url(pinned.as_str())
            .map_err(|e| e.to_string())?
            .port(port)
            .tls(tls)
            .timeout(Some(ANSWER_WITHIN))
            .build(),
    )
}
