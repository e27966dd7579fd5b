//! Bad input: a 422 problem naming each field and rule, in both languages, and nothing written.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode, header};

#[tokio::test]
async fn invalid_unit_gets_field_errors_in_chinese_by_default() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/units",
            Some(&admin),
            Some(serde_json::json!({"code": "甲 镇", "kind": "village", "name": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let p = r.json();
    assert_eq!(p["status"], 422);
    assert_eq!(p["code"], "validation_failed");
    let fields: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default(),
                e["code"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("code", "unit_code"),
            ("kind", "unit_kind"),
            ("name", "required")
        ]
    );
    assert!(
        p["errors"][2]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("单位名称")
    );
}

#[tokio::test]
async fn field_errors_come_in_english_on_request() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let r = t.api_lang(Method::POST, "/api/v1/users", Some(&admin), Some(serde_json::json!({"username": "x", "name": "张三", "role": "agent", "unit": "T-A", "password": "short"})), Some("en-US,en;q=0.9")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = r.json();
    assert_eq!(p["detail"], "The input breaks some rules; see errors");
    let msgs: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("at least 8")), "{msgs:?}");
    assert!(
        msgs.iter().any(|m| m.contains("username must be 3-32")),
        "{msgs:?}"
    );
}

#[tokio::test]
async fn a_failed_write_leaves_no_row_and_no_audit_entry() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let (users, audit) = (t.count("users").await, t.count("audit_log").await);
    let r = t.api(Method::POST, "/api/v1/users", Some(&admin), Some(serde_json::json!({"username": "new.agent", "name": "新人", "role": "agent", "unit": "NOPE", "password": "daiban2026"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "unit");
    let dup = t
        .api(
            Method::POST,
            "/api/v1/units",
            Some(&admin),
            Some(serde_json::json!({"code": "T-A", "kind": "town", "name": "重复"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (t.count("users").await, t.count("audit_log").await),
        (users, audit)
    );
}

#[tokio::test]
async fn an_agent_role_requires_a_town_unit() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let r = t.api(Method::POST, "/api/v1/users", Some(&admin), Some(serde_json::json!({"username": "wrong.unit", "name": "错配", "role": "agent", "unit": "D-X", "password": "daiban2026"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "unit_kind_for_role");
}

#[tokio::test]
async fn malformed_json_and_unknown_routes_are_problems_not_500s() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let req = axum::http::Request::post("/api/v1/units")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from("{not json"))
        .expect("req");
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "body");
    let r = t
        .api(Method::GET, "/api/v1/units/abc", Some(&admin), None)
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = t
        .api(Method::GET, "/api/v1/nothing-here", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    let r = t
        .api(Method::GET, "/api/v1/audit?page=-1", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn probes_answer() {
    let t = TestApp::new().await;
    assert_eq!(
        t.api(Method::GET, "/healthz", None, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.api(Method::GET, "/readyz", None, None).await.status,
        StatusCode::OK
    );
}
