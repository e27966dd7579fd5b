//! Tokens, lockout, sessions.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn a_token_identifies_the_user() {
    let t = TestApp::new().await;
    let tok = t.token("agent.a").await;
    let me = t.api(Method::GET, "/api/v1/me", Some(&tok), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["role"], "agent");
    assert_eq!(me.json()["unit_name"], "甲镇");
    assert_eq!(
        t.api(Method::GET, "/api/v1/me", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.api(Method::GET, "/api/v1/me", Some("forged"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let t = TestApp::new().await;
    let bad = serde_json::json!({"username": "agent.a", "password": "wrong-password1"});
    for i in 1..=4 {
        let r = t
            .api(Method::POST, "/api/v1/auth/token", None, Some(bad.clone()))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let fifth = t
        .api(Method::POST, "/api/v1/auth/token", None, Some(bad))
        .await;
    assert_eq!(fifth.status, StatusCode::LOCKED);
    assert_eq!(fifth.json()["code"], "account_locked");
    let good = serde_json::json!({"username": "agent.a", "password": PASSWORD});
    let refused = t
        .api(Method::POST, "/api/v1/auth/token", None, Some(good.clone()))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::LOCKED,
        "even the right password is refused while locked"
    );
    t.clock.advance(chrono::Duration::minutes(16));
    let ok = t
        .api(Method::POST, "/api/v1/auth/token", None, Some(good))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let auditor = t.token("auditor").await;
    let locks = t
        .api(
            Method::GET,
            "/api/v1/audit?action=auth.locked",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(locks.json()["total"], 1);
    let failures = t
        .api(
            Method::GET,
            "/api/v1/audit?action=auth.login_failed",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(failures.json()["total"], 5);
}

#[tokio::test]
async fn a_revoked_token_no_longer_works() {
    let t = TestApp::new().await;
    let tok = t.token("coord").await;
    assert_eq!(
        t.api(Method::DELETE, "/api/v1/auth/token", Some(&tok), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.api(Method::GET, "/api/v1/me", Some(&tok), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_idle_browser_session_expires() {
    let t = TestApp::new().await;
    let s = t.page_login("agent.a").await;
    assert_eq!(t.page("/", &s).await.status, StatusCode::OK);
    t.clock.advance(chrono::Duration::minutes(31));
    let r = t.page("/", &s).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}
