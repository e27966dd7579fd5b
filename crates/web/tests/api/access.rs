//! Scoping per role, enforced below HTTP.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn an_agent_sees_only_its_own_towns_enterprises() {
    let t = TestApp::new().await;
    let tok = t.token("agent.a").await;
    let list = t
        .api(Method::GET, "/api/v1/enterprises", Some(&tok), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<i64> = list
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![t.enterprise_a]);
    let other = t
        .api(
            Method::GET,
            &format!("/api/v1/enterprises/{}", t.enterprise_b),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "town B's enterprise must look absent to town A's agent"
    );
    let own = t
        .api(
            Method::GET,
            &format!("/api/v1/enterprises/{}", t.enterprise_a),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
}

#[tokio::test]
async fn an_enterprise_user_cannot_list_other_enterprises() {
    let t = TestApp::new().await;
    let tok = t.token("ent.a").await;
    let list = t
        .api(Method::GET, "/api/v1/enterprises", Some(&tok), None)
        .await;
    assert_eq!(list.json().as_array().map(Vec::len), Some(1));
    assert_eq!(list.json()[0]["id"].as_i64(), Some(t.enterprise_a));
    let other = t
        .api(
            Method::GET,
            &format!("/api/v1/enterprises/{}", t.enterprise_b),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let users = t.api(Method::GET, "/api/v1/users", Some(&tok), None).await;
    let users = users.json();
    let names: Vec<&str> = users
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(names, vec!["ent.a"]);
    let units = t.api(Method::GET, "/api/v1/units", Some(&tok), None).await;
    assert_eq!(units.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_agent_sees_only_accounts_of_its_unit() {
    let t = TestApp::new().await;
    let tok = t.token("agent.a").await;
    let users = t.api(Method::GET, "/api/v1/users", Some(&tok), None).await;
    let mut names: Vec<String> = users
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["username"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names, vec!["agent.a".to_owned(), "lead.a".to_owned()]);
    let b = t
        .api(Method::GET, "/api/v1/users?q=agent.b", Some(&tok), None)
        .await;
    assert_eq!(b.json().as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_helper_has_no_enterprise_listing_and_the_coordinator_sees_all() {
    let t = TestApp::new().await;
    let helper = t.token("helper.x").await;
    assert_eq!(
        t.api(Method::GET, "/api/v1/enterprises", Some(&helper), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let coord = t.token("coord").await;
    let all = t
        .api(Method::GET, "/api/v1/enterprises", Some(&coord), None)
        .await;
    assert_eq!(all.json().as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn only_the_administrator_manages_units_and_accounts() {
    let t = TestApp::new().await;
    let body =
        serde_json::json!({"code": "T-C", "kind": "town", "name": "丙镇", "agency_window": true});
    for who in ["coord", "agent.a", "auditor", "leader"] {
        let tok = t.token(who).await;
        let r = t
            .api(
                Method::POST,
                "/api/v1/units",
                Some(&tok),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{who} must not create units"
        );
    }
    let admin = t.token("admin").await;
    let r = t
        .api(Method::POST, "/api/v1/units", Some(&admin), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn the_administrator_cannot_read_business_data_or_the_audit_log() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    assert_eq!(
        t.api(Method::GET, "/api/v1/audit", Some(&admin), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.api(Method::GET, "/api/v1/enterprises", Some(&admin), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let auditor = t.token("auditor").await;
    assert_eq!(
        t.api(Method::GET, "/api/v1/audit", Some(&auditor), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.api(Method::GET, "/api/v1/units", Some(&auditor), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.api(Method::GET, "/api/v1/users", Some(&auditor), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let units = t
        .api(Method::GET, "/api/v1/units?q=T-A", Some(&admin), None)
        .await
        .json();
    let id = units[0]["id"].as_i64().expect("id");
    let v = units[0]["version"].as_i64().expect("version");
    let ok = t
        .api(
            Method::PATCH,
            &format!("/api/v1/units/{id}"),
            Some(&admin),
            Some(serde_json::json!({"version": v, "phone": "0523-83000000"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let stale = t
        .api(
            Method::PATCH,
            &format!("/api/v1/units/{id}"),
            Some(&admin),
            Some(serde_json::json!({"version": v, "phone": "0523-83000001"})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["code"], "version_conflict");
}

#[tokio::test]
async fn deactivating_an_account_ends_its_sessions() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let agent = t.token("agent.b").await;
    let users = t
        .api(Method::GET, "/api/v1/users?q=agent.b", Some(&admin), None)
        .await
        .json();
    let id = users[0]["id"].as_i64().expect("id");
    let r = t
        .api(
            Method::POST,
            &format!("/api/v1/users/{id}/active"),
            Some(&admin),
            Some(serde_json::json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        t.api(Method::GET, "/api/v1/me", Some(&agent), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn enterprise_codes_valid_checksum_override_and_malformed() {
    let t = TestApp::new().await;
    let agent = t.token("agent.a").await;
    let coord = t.token("coord").await;
    let body = |uscc: &str, reason: &str| serde_json::json!({"uscc": uscc, "name": "甲镇新材料有限公司", "unit": "T-A", "uscc_override_reason": reason});
    // Valid after trimming and upper-casing (the standard's worked example, lower case).
    let r = t
        .api(
            Method::POST,
            "/api/v1/enterprises",
            Some(&coord),
            Some(body(" 91350100m000100y43 ", "")),
        )
        .await;
    // Already registered by the fixture: the duplicate is named.
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("duplicate"), "{}", r.text);
    // A pilot code failing only the checksum: refused for the agent, with the rule named…
    let pilot = "91350100M0001TGQXM";
    let r = t
        .api(
            Method::POST,
            "/api/v1/enterprises",
            Some(&agent),
            Some(body(pilot, "")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("uscc_checksum"), "{}", r.text);
    let r = t
        .api(
            Method::POST,
            "/api/v1/enterprises",
            Some(&agent),
            Some(body(pilot, "试点代码")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("coordinator_only"), "{}", r.text);
    // …accepted by a coordinator with a recorded reason.
    let r = t
        .api(
            Method::POST,
            "/api/v1/enterprises",
            Some(&coord),
            Some(body(pilot, "福建2015年试点代码，经市场监管部门核实有效")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["uscc"], pilot);
    assert!(
        r.json()["uscc_override_reason"]
            .as_str()
            .expect("reason")
            .contains("试点")
    );
    // A malformed code is never accepted, not even by a coordinator.
    for bad in [
        "91350100M000100Y4",
        "91350100M000100YOZ",
        "91350100M000100Y43X",
    ] {
        let r = t
            .api(
                Method::POST,
                "/api/v1/enterprises",
                Some(&coord),
                Some(body(bad, "理由")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.text.contains("uscc_format"), "{bad}: {}", r.text);
    }
    // A valid new code from the agent of its own unit.
    let code = daiban_domain::enterprise::complete_uscc("91321281MA2000001").expect("code");
    let r = t
        .api(
            Method::POST,
            "/api/v1/enterprises",
            Some(&agent),
            Some(body(code.as_str(), "")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["uscc_override_reason"], serde_json::Value::Null);
    // Another town's unit is outside the agent's registration.
    let r = t
        .api(
            Method::POST,
            "/api/v1/enterprises",
            Some(&agent),
            Some(serde_json::json!({"uscc": code.as_str(), "name": "乙", "unit": "T-B"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
