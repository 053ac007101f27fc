use reqwest::StatusCode;
use serde_json::Value;

use crate::TestApp;

/// The OpenAPI document the app serves.
async fn document(app: &TestApp) -> Value {
    reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    for path in [
        "/api/v1/auth/login",
        "/api/v1/units",
        "/api/v1/units/{id}",
        "/api/v1/members",
        "/api/v1/members/import",
        "/api/v1/me",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} is missing from the document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["paths"]["/api/v1/noop"].is_null(), "the bench's route");
    // A mark carries the opening stamp handed out with its excerpt.
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("MarkRequest", "stamp"),
        ("AssignedJson", "stamp"),
        ("ExcerptJson", "opening_stamp"),
    ] {
        let described = schemas[schema]["properties"][field]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            described.contains("stamp"),
            "{schema}.{field}: {described:?}"
        );
    }
    let marks = doc["paths"]["/api/v1/reading/marks"]["post"].to_string();
    assert!(marks.contains("422") && marks.contains("stamp"), "{marks}");
    app.stop().await;
}

/// Every JSON route the router serves is in the document, with each of
/// its path's parameters declared in the path and every query parameter
/// in the query; every operation names the refusals every route may give.
#[tokio::test]
async fn the_openapi_document_is_complete_for_every_route_the_router_serves() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let routes = app.instance_with(&crate::settings()).await.route_paths();
    let mut problems = Vec::new();
    for route in routes
        .iter()
        .filter(|r| r.starts_with("/api/v1/") && *r != "/api/v1/openapi.json")
    {
        let item = &doc["paths"][route.as_str()];
        if !item.is_object() {
            problems.push(format!("{route}: not in the document"));
            continue;
        }
        let names: Vec<&str> = route
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        for (method, operation) in item.as_object().into_iter().flatten() {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for name in &names {
                let declared = parameters
                    .iter()
                    .any(|p| p["name"] == *name && p["in"] == "path");
                if !declared {
                    problems.push(format!(
                        "{method} {route}: {{{name}}} not declared in the path"
                    ));
                }
            }
            for p in &parameters {
                if p["in"] == "path" && !names.contains(&p["name"].as_str().unwrap_or_default()) {
                    problems.push(format!(
                        "{method} {route}: {} is no part of the path",
                        p["name"]
                    ));
                }
            }
            let responses = &operation["responses"];
            let mut owed = vec!["400"];
            let has_query = parameters.iter().any(|p| p["in"] == "query");
            let has_body = operation["requestBody"].is_object();
            if !names.is_empty() || has_query || has_body {
                owed.extend(["404", "422"]);
            }
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                owed.extend(["401", "403", "429"]);
            }
            if has_body {
                owed.extend(["413", "415"]);
            }
            // Any write may find what must be unique taken.
            if !method.eq_ignore_ascii_case("get") {
                owed.push("409");
            }
            for status in owed {
                if !responses[status].is_object() {
                    problems.push(format!("{method} {route}: {status} not documented"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.stop().await;
}

/// The no-op routes the bench measures the HTTP stack by are not mounted
/// on a served instance: nobody can post large bodies to them.
#[tokio::test]
async fn a_served_instance_has_no_bench_routes() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let get = client
        .get(app.url("/api/v1/noop"))
        .send()
        .await
        .expect("get");
    assert_eq!(get.status(), StatusCode::NOT_FOUND);
    let post = client
        .post(app.url("/api/v1/noop"))
        .body(vec![b'x'; 1 << 20])
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn errors_are_json_with_a_code_and_a_message() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let unauthenticated = client
        .get(app.url("/api/v1/units"))
        .send()
        .await
        .expect("get");
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    let body: Value = unauthenticated.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(body["error"]["message"].is_string());

    let wrong = client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "xihu-admin", "password": "nope"}))
        .send()
        .await
        .expect("login");
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let token = app.token("province-admin").await;
    let taken = client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"parent_id": app.world.hangzhou.id.0, "name": "另一个区", "code": "zj-hz-xh", "kind": "district"}))
        .send()
        .await
        .expect("create");
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let bad_code = client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"parent_id": app.world.hangzhou.id.0, "name": "另一个区", "code": "西湖", "kind": "district"}))
        .send()
        .await
        .expect("create");
    assert_eq!(bad_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad_code.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("unit code"),
        "{body}"
    );
    let under_itself = client
        .patch(app.url(&format!("/api/v1/units/{}", app.world.hangzhou.id)))
        .bearer_auth(&token)
        .json(&serde_json::json!({"parent_id": app.world.cuiyuan.id.0}))
        .send()
        .await
        .expect("move");
    assert_eq!(under_itself.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

#[tokio::test]
async fn units_are_created_renamed_moved_and_archived_over_the_api() {
    for app in TestApp::spawn_each().await {
        let token = app.token("province-admin").await;
        let client = reqwest::Client::new();
        let created: Value = client
            .post(app.url("/api/v1/units"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"parent_id": app.world.xihu.id.0, "name": "文新街道", "code": "zj-hz-xh-wx", "kind": "street"}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["parent_id"], app.world.xihu.id.0);
        let moved: Value = client
            .patch(app.url(&format!("/api/v1/units/{}", app.world.cuiyuan.id)))
            .bearer_auth(&token)
            .json(&serde_json::json!({"parent_id": id, "name": "翠苑一区"}))
            .send()
            .await
            .expect("move")
            .json()
            .await
            .expect("json");
        assert_eq!(moved["parent_id"], id);
        assert_eq!(moved["name"], "翠苑一区");
        assert_eq!(moved["depth"], 4);
        // The member below moved with it and is still in Xihu's scope.
        let xihu = app.token("xihu-admin").await;
        let member = client
            .get(app.url(&format!("/api/v1/members/{}", app.world.xihu_member)))
            .bearer_auth(&xihu)
            .send()
            .await
            .expect("get");
        assert_eq!(member.status(), StatusCode::OK);
        let empty: Value = client
            .post(app.url("/api/v1/units"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"parent_id": id, "name": "临时党支部", "code": "tmp", "kind": "branch"}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let archived: Value = client
            .post(app.url(&format!("/api/v1/units/{}/archive", empty["id"])))
            .bearer_auth(&token)
            .send()
            .await
            .expect("archive")
            .json()
            .await
            .expect("json");
        assert_eq!(archived["archived"], true);
        app.stop().await;
    }
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let health = reqwest::get(app.url("/healthz")).await.expect("get");
    assert_eq!(health.status(), StatusCode::OK);
    let _ = reqwest::get(app.url("/login")).await.expect("get");
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/login\""), "{metrics}");
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_json_errors_too() {
    let app = TestApp::spawn().await;
    let token = app.token("province-admin").await;
    let client = reqwest::Client::new();
    let bad_json = client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad_json.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "bad_request");
    let bad_id = client
        .get(app.url("/api/v1/units/abc"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(bad_id.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad_id.json().await.expect("a JSON error");
    assert!(body["error"]["message"].is_string());
    let nowhere = client
        .get(app.url("/api/v1/nowhere"))
        .send()
        .await
        .expect("get");
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    let body: Value = nowhere.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "not_found");
    // Pages get a page.
    let page = reqwest::get(app.url("/no-such-page")).await.expect("get");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.expect("body").contains("<html"));
    app.stop().await;
}
