//! The requests' scenarios. `request-submit`: visitors send the request
//! form with every abuse check on — the CSRF token, the honeypot, the
//! signed stamp at least three seconds old, and the limits per address
//! and per phone (each request from an address and a phone of its own,
//! as people behind the load balancer send, so that no limit trips) — and
//! each is routed, its clocks set and its first event counted. They send
//! it "anyway", past the similar-request check, so that every request is
//! a submission. `request-track`: visitors open requests' tracking pages
//! by their codes.

use anyhow::{Context, Result};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;

use suyuan_core::requests::{Category, ClockRules, Contact, Submission, Urgency};
use suyuan_store::Store;
use suyuan_store::requests::{NewRequest, RequestFilter};

use super::data::Dataset;
use super::load::MakeRequest;

/// Requests made before the tracking pages are opened.
const TRACKED: usize = 2_000;
const BOUNDARY: &str = "suyuan-bench-boundary";

/// What the scenarios need: codes to track, and a form handed out.
#[derive(Clone)]
pub struct Asking {
    codes: Arc<Vec<String>>,
    area: i64,
    cookie: String,
    csrf: String,
    issued: String,
    /// Where this run's addresses and phones start: the limits count in
    /// the database, across runs.
    salt: u64,
}

/// Makes the category and the requests to track (once per data set).
pub async fn prepare(store: &Store, dataset: &Dataset, now: DateTime<Utc>) -> Result<Vec<String>> {
    let category = Category::new("bench", "路灯照明", "", "", ClockRules::default())?;
    let category = store.save_request_category(&category, 0, true).await?;
    let area = store.unit(dataset.middle_units[0]).await?;
    let have = store
        .count_requests(&RequestFilter {
            category: Some(category.id),
            ..Default::default()
        })
        .await?;
    for n in have as usize..TRACKED {
        let asked = Submission::new(
            &format!("第 {n} 号楼前的路灯不亮，晚上很黑"),
            "测试地址",
            None,
            Urgency::Normal,
        )?;
        store
            .submit_request(
                NewRequest {
                    category: &category,
                    submission: &asked,
                    area: &area,
                    contact: &Contact::default(),
                    zone: suyuan_core::campaigns::DEFAULT_ZONE,
                    key: None,
                    photos: &[],
                },
                now,
            )
            .await?;
    }
    let (found, _) = store
        .requests(
            &RequestFilter {
                category: Some(category.id),
                ..Default::default()
            },
            TRACKED as u64,
            0,
        )
        .await?;
    Ok(found.iter().map(|r| r.code.as_str().to_owned()).collect())
}

fn field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// Opens the form as a visitor would, and waits out the stamp's minimum.
pub async fn hand_out(
    address: std::net::SocketAddr,
    dataset: &Dataset,
    codes: Vec<String>,
) -> Result<Asking> {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let request = Request::builder()
        .uri(format!("http://{address}/requests/new"))
        .body(Full::new(Bytes::new()))?;
    let response = client.request(request).await?;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let page = String::from_utf8(response.into_body().collect().await?.to_bytes().to_vec())?;
    let asking = Asking {
        codes: Arc::new(codes),
        area: dataset.middle_units[0].0,
        cookie,
        csrf: field(&page, "csrf").context("the form's CSRF token")?,
        issued: field(&page, "issued").context("the form's stamp")?,
        salt: u64::from_le_bytes(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos()
                .to_le_bytes()[..8]
                .try_into()?,
        ) % 100_000_000,
    };
    tokio::time::sleep(std::time::Duration::from_millis(3_200)).await;
    Ok(asking)
}

/// The request form, sent: a fresh address and phone each time.
pub fn submit(address: std::net::SocketAddr, asking: &Asking) -> MakeRequest {
    let asking = asking.clone();
    let url = format!("http://{address}/requests/new");
    Arc::new(move |client, n| {
        let serial = asking.salt + client as u64 * 1_000_000 + n;
        let fields = [
            ("csrf", asking.csrf.clone()),
            ("issued", asking.issued.clone()),
            ("website", String::new()),
            ("anyway", "1".into()),
            ("category", "bench".into()),
            ("area", asking.area.to_string()),
            ("description", format!("楼道灯坏了，第 {serial} 次反映")),
            ("address", "测试地址 3 号楼".into()),
            ("urgency", "normal".into()),
            ("phone", format!("139{:08}", serial % 100_000_000)),
        ];
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{BOUNDARY}--\r\n"));
        let forwarded = format!(
            "10.{}.{}.{}",
            (serial >> 16) & 255,
            (serial >> 8) & 255,
            serial & 255
        );
        Request::builder()
            .method("POST")
            .uri(url.as_str())
            .header("cookie", asking.cookie.as_str())
            .header("x-forwarded-for", forwarded)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|_| unreachable!("the bench builds valid requests"))
    })
}

/// A request's tracking page, by its code.
pub fn track(address: std::net::SocketAddr, asking: &Asking) -> MakeRequest {
    let codes = asking.codes.clone();
    Arc::new(move |client, n| {
        let code = &codes[super::spread(client, n) % codes.len().max(1)];
        Request::builder()
            .method("GET")
            .uri(format!("http://{address}/track/{code}"))
            .body(Full::new(Bytes::new()))
            .unwrap_or_else(|_| unreachable!("the bench builds valid requests"))
    })
}
