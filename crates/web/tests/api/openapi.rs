//! The OpenAPI document: 3.1, every `/api/v1` route, every operation documented.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn the_document_is_valid_and_complete() {
    let t = TestApp::new().await;
    let r = t.api(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    let expected = [
        ("/api/v1/auth/token", vec!["post", "delete"]),
        ("/api/v1/me", vec!["get"]),
        ("/api/v1/units", vec!["get", "post"]),
        ("/api/v1/units/{id}", vec!["get", "patch"]),
        ("/api/v1/units/{id}/active", vec!["post"]),
        ("/api/v1/users", vec!["get", "post"]),
        ("/api/v1/users/{id}", vec!["get", "patch"]),
        ("/api/v1/users/{id}/active", vec!["post"]),
        ("/api/v1/users/{id}/password", vec!["post"]),
        ("/api/v1/enterprises", vec!["get", "post"]),
        ("/api/v1/enterprises/{id}", vec!["get"]),
        ("/api/v1/audit", vec!["get"]),
        ("/api/v1/audit/verify", vec!["get"]),
        ("/api/v1/catalog", vec!["get"]),
        ("/api/v1/catalog/load-default", vec!["post"]),
        ("/api/v1/catalog/{code}", vec!["get", "post"]),
        ("/api/v1/projects", vec!["get", "post"]),
        ("/api/v1/projects/{id}", vec!["get"]),
        ("/api/v1/projects/{id}/decline", vec!["post"]),
        ("/api/v1/projects/{id}/stage", vec!["post"]),
        ("/api/v1/projects/{id}/bureau-helper", vec!["post"]),
        ("/api/v1/projects/{id}/events", vec!["get"]),
        ("/api/v1/projects/{id}/expected-completion", vec!["get"]),
        ("/api/v1/projects/{id}/mandate", vec!["get", "post"]),
        ("/api/v1/projects/{id}/mandate/actions", vec!["post"]),
        ("/api/v1/projects/{id}/cases", vec!["post"]),
        ("/api/v1/cases", vec!["get"]),
        ("/api/v1/cases/{id}", vec!["get"]),
        ("/api/v1/cases/{id}/actions", vec!["post"]),
        ("/api/v1/cases/{id}/notices", vec!["get"]),
        ("/api/v1/cases/{id}/materials", vec!["get"]),
        (
            "/api/v1/cases/{id}/materials/{material_id}/moves",
            vec!["post"],
        ),
        ("/api/v1/cases/{id}/catalog-item", vec!["get"]),
        ("/api/v1/cases/{id}/uploads", vec!["get", "post"]),
        ("/api/v1/uploads/{id}", vec!["get"]),
        ("/api/v1/problems", vec!["get"]),
        ("/api/v1/projects/{id}/problems", vec!["post"]),
        ("/api/v1/problems/{id}", vec!["get"]),
        ("/api/v1/problems/{id}/actions", vec!["post"]),
        ("/api/v1/problems/{id}/leader-decision", vec!["post"]),
        ("/api/v1/meetings", vec!["get", "post"]),
        ("/api/v1/meetings/suggest-kind", vec!["get"]),
        ("/api/v1/meetings/{id}", vec!["get"]),
        ("/api/v1/meetings/{id}/record", vec!["post"]),
        ("/api/v1/action-items", vec!["get"]),
        ("/api/v1/action-items/{id}/done", vec!["post"]),
        ("/api/v1/cases/{id}/ratings", vec!["get", "post"]),
        ("/api/v1/rectifications", vec!["get"]),
        ("/api/v1/rectifications/{id}/steps", vec!["post"]),
        ("/api/v1/activities", vec!["get", "post"]),
        ("/api/v1/activities/{id}", vec!["get"]),
        ("/api/v1/activities/{id}/cancel", vec!["post"]),
        ("/api/v1/activities/{id}/attendance", vec!["post"]),
        ("/api/v1/discipline-evidence", vec!["get"]),
        ("/api/v1/return-visits", vec!["get", "post"]),
        ("/api/v1/return-visits/served-staff", vec!["get"]),
        ("/api/v1/return-visits/{id}", vec!["get"]),
        ("/api/v1/return-visits/{id}/problems", vec!["post"]),
        ("/api/v1/visit-plan", vec!["get"]),
        ("/api/v1/staff/{id}/record", vec!["get"]),
        ("/api/v1/calendar/days/{date}", vec!["get"]),
        ("/api/v1/calendar/add", vec!["get"]),
        ("/api/v1/calendar/between", vec!["get"]),
        ("/api/v1/calendar/export", vec!["get"]),
        ("/api/v1/calendar/versions", vec!["get"]),
        ("/api/v1/calendar/imports", vec!["post"]),
        ("/api/v1/personnel/register", vec!["get"]),
        ("/api/v1/findings", vec!["get", "post"]),
        ("/api/v1/findings/{id}", vec!["get"]),
        ("/api/v1/findings/{id}/decision", vec!["post"]),
        ("/api/v1/evaluation/{quarter}/detection", vec!["post"]),
        ("/api/v1/evaluation/{quarter}", vec!["get"]),
        (
            "/api/v1/evaluation/{quarter}/publications",
            vec!["get", "post"],
        ),
        ("/api/v1/personnel/units/{id}", vec!["get"]),
        ("/api/v1/personnel/evidence", vec!["get"]),
        ("/api/v1/filings", vec!["get", "post"]),
        ("/api/v1/filings/{id}", vec!["get"]),
        ("/api/v1/filings/{id}/decision", vec!["post"]),
        ("/api/v1/filings/{id}/withdrawal", vec!["post"]),
        ("/api/v1/handovers/{id}", vec!["get"]),
        ("/api/v1/handovers/{id}/confirmations", vec!["post"]),
        ("/api/v1/surveys", vec!["get", "post"]),
        ("/api/v1/surveys/{id}", vec!["get"]),
        ("/api/v1/surveys/{id}/close", vec!["post"]),
        ("/api/v1/surveys/{id}/reopen", vec!["post"]),
        ("/api/v1/surveys/{id}/respondents", vec!["get", "post"]),
        ("/api/v1/surveys/{id}/results", vec!["get"]),
        ("/api/v1/surveys/{id}/decisions", vec!["post"]),
        ("/api/v1/survey-responses/{token}", vec!["get", "put"]),
        ("/api/v1/complaints", vec!["get", "post"]),
        ("/api/v1/complaints/{id}", vec!["get"]),
        ("/api/v1/complaints/{id}/actions", vec!["post"]),
        ("/api/v1/consultations", vec!["get", "post"]),
        ("/api/v1/consultations/overdue", vec!["get"]),
        ("/api/v1/consultations/{id}", vec!["get"]),
        ("/api/v1/consultations/{id}/messages", vec!["post"]),
        ("/api/v1/consultations/{id}/resolution", vec!["post"]),
        ("/api/v1/consultations/{id}/route", vec!["post"]),
        ("/api/v1/consultations/{id}/faq", vec!["post"]),
        ("/api/v1/faq", vec!["get"]),
        ("/api/v1/faq/{id}", vec!["get"]),
        ("/api/v1/faq/{id}/unpublish", vec!["post"]),
        ("/api/v1/faq/{id}/republish", vec!["post"]),
        ("/api/v1/search", vec!["get"]),
        ("/api/v1/monthly-reports", vec!["get"]),
        ("/api/v1/announcements", vec!["get", "post"]),
        ("/api/v1/announcements/{id}", vec!["get", "put"]),
        ("/api/v1/announcements/{id}/actions", vec!["post"]),
        ("/api/v1/announcements/{id}/receipts", vec!["get"]),
        ("/api/v1/announcements/{id}/attachments", vec!["post"]),
        ("/api/v1/announcement-attachments/{id}", vec!["get"]),
        ("/api/v1/public/announcements", vec!["get"]),
        ("/api/v1/public/announcements/{id}", vec!["get"]),
        ("/api/v1/demands", vec!["get", "post"]),
        ("/api/v1/demands/{id}", vec!["get"]),
        ("/api/v1/demands/{id}/actions", vec!["post"]),
        ("/api/v1/monthly-reports/{unit_id}/{month}", vec!["get"]),
        (
            "/api/v1/monthly-reports/{unit_id}/{month}/submission",
            vec!["post"],
        ),
        ("/api/v1/inbox", vec!["get"]),
        ("/api/v1/inbox/unread-count", vec!["get"]),
        ("/api/v1/inbox/{id}/read", vec!["post"]),
        ("/api/v1/inbox/read-all", vec!["post"]),
        (
            "/api/v1/account/notification-preferences",
            vec!["get", "put"],
        ),
        ("/api/v1/admin/deliveries", vec!["get"]),
        ("/api/v1/admin/deliveries/{id}/retry", vec!["post"]),
    ];
    assert_eq!(
        paths.len(),
        expected.len(),
        "documented paths: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    for (path, methods) in expected {
        let item = paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not documented"));
        for m in methods {
            let op = &item[m];
            assert!(op.is_object(), "{m} {path} is not documented");
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{m} {path} has no responses"
            );
        }
    }
    // Every documented route answers (not 404/405) — the document describes what is served.
    let admin = t.token("admin").await;
    for path in paths.keys() {
        let concrete = path
            .replace("{id}", "1")
            .replace("{material_id}", "1")
            .replace("{code}", "XH-FGW-001");
        for m in paths[path].as_object().expect("item").keys() {
            let method: Method = m.to_uppercase().parse().expect("method");
            let r = t
                .api(
                    method.clone(),
                    &concrete,
                    Some(&admin),
                    Some(serde_json::json!({})),
                )
                .await;
            assert!(
                r.status != StatusCode::METHOD_NOT_ALLOWED
                    && !(r.status == StatusCode::NOT_FOUND && r.json()["detail"] == "接口不存在"),
                "{method} {concrete} is documented but not served: {}",
                r.status
            );
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let t = TestApp::new().await;
    let r = t.api(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("swagger"),
        "{}",
        &r.text[..r.text.len().min(200)]
    );
}
