//! Extreme input on every route the router serves (read from the router
//! itself, so a new route is swept too): each path parameter at its
//! extremes answers 4xx to a signed-in admin and 4xx or the way to sign
//! in to a visitor; numeric and date query parameters at their extremes
//! never answer 5xx, and the API's documented integer parameters answer
//! 4xx to what is not one. Never a 5xx, never a dropped connection.

use reqwest::{Client, Method, StatusCode};
use std::sync::Arc;

use crate::{TestApp, location};

/// Values each path parameter takes in turn.
fn path_extremes() -> Vec<String> {
    let mut values: Vec<String> = [
        "-1",
        "0",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "340282366920938463463374607431768211457",
        "1e3",
        "1.5",
        "abc",
        "%00",
        "%2e%2e%2f%2e%2e",
        "%E4%B8%AD",
    ]
    .iter()
    .map(|v| (*v).to_owned())
    .collect();
    values.push("9".repeat(4_000));
    values
}

/// Query parameters the handlers read as signed or unsigned numbers, and
/// as dates, with the values each takes in turn.
const SIGNED: &[&str] = &["campaign", "unit", "district", "collection", "root"];
const UNSIGNED: &[&str] = &["page", "limit", "offset", "confirm"];
const DATES: &[&str] = &["on", "date", "from", "to", "month", "at"];
const SIGNED_EXTREMES: &[&str] = &[
    "-1",
    "0",
    "-9223372036854775808",
    "9223372036854775807",
    "9223372036854775808",
    "abc",
];
const UNSIGNED_EXTREMES: &[&str] = &[
    "0",
    "-1",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "abc",
];
const DATE_EXTREMES: &[&str] = &[
    "0000-01-01",
    "-0001-12-31",
    "262143-12-31",
    "262144-01-01",
    "9999-12",
    "2026-13-45",
    "-1",
];

/// Who sends: nobody, or the province's admin (a session for pages, a
/// token for the API).
#[derive(Clone)]
struct Caller {
    name: &'static str,
    pages: Client,
    csrf: Option<String>,
    bearer: Option<String>,
}

/// What a request must answer.
#[derive(Clone, Copy)]
enum Expect {
    /// 4xx.
    Refused,
    /// 4xx, or the way to sign in.
    RefusedOrSignIn,
    /// Anything but a 5xx (a parameter the route does not read).
    NoFailure,
}

/// A request's outcome, when it is not what was expected.
fn verdict(
    caller: &Caller,
    expect: Expect,
    method: &Method,
    url: &str,
    status: Option<StatusCode>,
    to: &str,
) -> Option<String> {
    let Some(status) = status else {
        return Some(format!(
            "{} {method} {url}: the connection was dropped",
            caller.name
        ));
    };
    let fine = !status.is_server_error()
        && match expect {
            Expect::Refused => status.is_client_error(),
            Expect::RefusedOrSignIn => {
                status.is_client_error() || (status.is_redirection() && to.starts_with("/login"))
            }
            Expect::NoFailure => true,
        };
    let url: String = url.chars().take(160).collect();
    (!fine).then(|| format!("{} {method} {url}: {status} {to}", caller.name))
}

async fn send(
    caller: &Caller,
    base: &str,
    method: &Method,
    path_and_query: &str,
) -> (Option<StatusCode>, String) {
    let url = format!("{base}{path_and_query}");
    let api = path_and_query.starts_with("/api/");
    let mut request = caller.pages.request(method.clone(), &url);
    if api {
        if let Some(bearer) = &caller.bearer {
            request = request.bearer_auth(bearer);
        }
        if *method != Method::GET {
            request = request.json(&serde_json::json!({}));
        }
    } else if *method != Method::GET {
        let csrf = caller.csrf.clone().unwrap_or_default();
        request = request.form(&[("csrf", csrf)]);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let to = location(&response);
            // The whole answer must arrive, not only its head.
            match response.bytes().await {
                Ok(_) => (Some(status), to),
                Err(_) => (None, to),
            }
        }
        Err(_) => (None, String::new()),
    }
}

/// The methods a path answers, as its 405 lists them (`Allow`).
async fn methods(client: &Client, base: &str, path: &str) -> Vec<Method> {
    let response = client
        .request(Method::TRACE, format!("{base}{path}"))
        .send()
        .await
        .expect("trace");
    assert_eq!(
        response.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "{path} answers TRACE"
    );
    response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .filter_map(|m| m.trim().parse::<Method>().ok())
        .filter(|m| *m != Method::HEAD && *m != Method::OPTIONS)
        .collect()
}

fn with_parameters(path: &str, value: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                value
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Runs requests a few at a time; the failures they report.
async fn sweep(jobs: Vec<(Caller, Expect, Method, String)>, base: &str) -> (usize, Vec<String>) {
    let tried = jobs.len();
    let base: Arc<str> = base.into();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(8));
    let mut set = tokio::task::JoinSet::new();
    for (caller, expect, method, url) in jobs {
        let base = base.clone();
        let permit = semaphore.clone().acquire_owned().await.expect("permit");
        set.spawn(async move {
            let _permit = permit;
            let (status, to) = send(&caller, &base, &method, &url).await;
            verdict(&caller, expect, &method, &url, status, &to)
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = set.join_next().await {
        failures.extend(done.expect("request task"));
    }
    failures.sort();
    (tried, failures)
}

#[tokio::test]
async fn every_route_answers_extreme_parameters_with_4xx() {
    for app in TestApp::spawn_each().await {
        sweep_every_route(app).await;
    }
}

async fn sweep_every_route(app: TestApp) {
    let backend = app.backend();
    let routes = app.instance_with(&Default::default()).await.route_paths();
    assert!(routes.len() > 150, "the router's routes: {routes:?}");
    let public = Caller {
        name: "public",
        pages: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        csrf: None,
        bearer: None,
    };
    let browser = app.signed_in("province-admin").await;
    let admin = Caller {
        name: "province-admin",
        csrf: Some(browser.csrf("/").await),
        pages: browser.client.clone(),
        bearer: Some(app.token("province-admin").await),
    };

    let mut path_jobs = Vec::new();
    let mut query_jobs = Vec::new();
    for route in &routes {
        let methods = methods(&public.pages, &app.base, &with_parameters(route, "1")).await;
        assert!(!methods.is_empty(), "{route} lists no method");
        if route.contains('{') {
            for value in path_extremes() {
                for method in &methods {
                    let url = with_parameters(route, &value);
                    path_jobs.push((
                        public.clone(),
                        Expect::RefusedOrSignIn,
                        method.clone(),
                        url.clone(),
                    ));
                    path_jobs.push((admin.clone(), Expect::Refused, method.clone(), url));
                }
            }
        }
        if methods.contains(&Method::GET) {
            let path = with_parameters(route, "1");
            let mut queries = Vec::new();
            for value in SIGNED_EXTREMES {
                let signed = SIGNED.iter().map(|n| format!("{n}={value}"));
                let unsigned = UNSIGNED.iter().map(|n| format!("{n}=1"));
                queries.push(signed.chain(unsigned).collect::<Vec<_>>().join("&"));
            }
            for value in UNSIGNED_EXTREMES {
                let signed = SIGNED.iter().map(|n| format!("{n}=1"));
                let unsigned = UNSIGNED.iter().map(|n| format!("{n}={value}"));
                queries.push(signed.chain(unsigned).collect::<Vec<_>>().join("&"));
            }
            for value in DATE_EXTREMES {
                queries.push(
                    DATES
                        .iter()
                        .map(|n| format!("{n}={value}"))
                        .collect::<Vec<_>>()
                        .join("&"),
                );
            }
            for query in queries {
                // With words to look for, so that a search reads its
                // page and offset rather than answering nothing at once.
                query_jobs.push((
                    admin.clone(),
                    Expect::NoFailure,
                    Method::GET,
                    format!("{path}?{query}&q=%E5%AE%AA%E6%B3%95"),
                ));
            }
        }
    }

    let (tried, failures) = sweep(path_jobs, &app.base).await;
    eprintln!(
        "{backend:?}: {} routes, {tried} path extremes",
        routes.len()
    );
    assert!(
        failures.is_empty(),
        "{backend:?}: {} of {tried} path extremes failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // A query parameter a route does not read changes nothing, so a
    // query sweep's 200 is fine: what must never come is a 5xx or a
    // dropped connection.
    // The API says which parameters are integers: what is not one is
    // refused there.
    let spec: serde_json::Value = public
        .pages
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("spec")
        .json()
        .await
        .expect("json");
    let mut documented = 0;
    for (path, operations) in spec["paths"].as_object().expect("paths") {
        let Some(parameters) = operations["get"]["parameters"].as_array() else {
            continue;
        };
        for parameter in parameters {
            let kind = &parameter["schema"]["type"];
            let integer = kind == "integer"
                || kind
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == "integer"));
            if parameter["in"] != "query" || !integer {
                continue;
            }
            documented += 1;
            let name = parameter["name"].as_str().expect("name");
            for value in ["abc", "99999999999999999999", "1.5"] {
                let url = format!("{}?{name}={value}", with_parameters(path, "1"));
                query_jobs.push((admin.clone(), Expect::Refused, Method::GET, url));
            }
        }
    }
    assert!(
        documented >= 1,
        "integer query parameters in the API: {documented}"
    );
    let (tried, failures) = sweep(query_jobs, &app.base).await;
    eprintln!("{backend:?}: {tried} query extremes");
    assert!(
        failures.is_empty(),
        "{backend:?}: {} of {tried} query extremes failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.stop().await;
}
