//! Online consultation (在线咨询) and the FAQ: the answer limit on the working-day calendar
//! across the National Day week, yellow and red once each across monitor runs and a restart,
//! routing, who sees what per role, re-routing, publishing to the public FAQ, and 422s.

use crate::helpers::{Resp, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::TimeZone;
use daiban_domain::clock::CHINA;
use serde_json::{Value, json};
use std::fmt::Write as _;

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

async fn get(t: &TestApp, tok: &str, path: &str) -> Resp {
    t.api(Method::GET, path, Some(tok), None).await
}

async fn unit_id(t: &TestApp, code: &str) -> i64 {
    daiban_app::units::find_by_code(&t.app.db.conn, code)
        .await
        .expect("db")
        .expect("unit")
        .id
}

fn china(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<chrono::Utc> {
    CHINA
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("time")
        .with_timezone(&chrono::Utc)
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn ids(r: &Resp) -> Vec<i64> {
    r.json()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {} {}", r.status, r.text))
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

fn field_codes(r: &Resp) -> Vec<(String, String)> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn project_of_a(t: &TestApp) -> i64 {
    let ent = t.token("ent.a").await;
    let p = post(
        t,
        &ent,
        "/api/v1/projects",
        json!({"name": "年产5万吨不锈钢管项目", "investment_wan": "12000", "policy_standing": "permitted", "industry": "金属制品"}),
    )
    .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    p.json()["id"].as_i64().expect("id")
}

async fn alerts(t: &TestApp) -> i64 {
    t.count("consultation_alerts").await
}

#[tokio::test]
async fn the_answer_limit_skips_the_national_day_week_and_each_level_alerts_once() {
    let t = TestApp::new().await;
    // Wednesday 30 September 2026, 10:00: the holiday runs 1–7 October.
    t.clock.set(china(2026, 9, 30, 10, 0));
    let ent = t.token("ent.a").await;
    let pid = project_of_a(&t).await;
    let r = post(
        &t,
        &ent,
        "/api/v1/consultations",
        json!({"subject": "环评手续", "body": "请问需要编制环评报告书吗？", "project_id": pid}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_i64().expect("id");
    assert_eq!(v["routed_by"], "project");
    assert_eq!(v["unit_id"], unit_id(&t, "T-A").await);
    assert_eq!(v["status"], "open");
    // Two working days after 30 September: Thursday 8 and Friday 9 October, 17:30.
    let due: chrono::DateTime<chrono::Utc> = v["due_at"].as_str().expect("due").parse().expect("t");
    assert_eq!(due, china(2026, 10, 9, 17, 30));
    assert_eq!(v["warning"], "none");

    // 8 October: one working day left, no alert.
    t.clock.set(china(2026, 10, 8, 9, 0));
    daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(alerts(&t).await, 0);
    // 9 October, the last working day: yellow, once.
    t.clock.set(china(2026, 10, 9, 9, 0));
    let first = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(first.consultation_alerts, 1);
    let again = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(again.consultation_alerts, 0);
    let agent = t.token("agent.a").await;
    let home = get(&t, &agent, &format!("/api/v1/consultations/{id}")).await;
    assert_eq!(home.json()["warning"], "yellow");
    // Saturday 10 October is a make-up working day: past the due time, red, once.
    t.clock.set(china(2026, 10, 10, 9, 0));
    let red = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(red.consultation_alerts, 1);
    let red_again = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(red_again.consultation_alerts, 0);
    // A restarted instance over the same database does not notify again.
    let restarted = daiban_app::App::new(
        t.app.db.clone(),
        t.clock.clone(),
        daiban_app::AuthPolicy::default(),
    );
    let third = daiban_app::monitor::run_once(&restarted)
        .await
        .expect("run");
    assert_eq!(third.consultation_alerts, 0);
    assert_eq!(alerts(&t).await, 2);
    let notes = t.count("notifications").await;
    assert!(notes > 0);

    // The unit sees it red on its list; the bureau on its overdue list.
    let agent = t.token("agent.a").await;
    let list = get(&t, &agent, "/api/v1/consultations?warning=red").await;
    assert_eq!(ids(&list), vec![id]);
    let coord = t.token("coord").await;
    let overdue = get(&t, &coord, "/api/v1/consultations/overdue").await;
    assert_eq!(overdue.status, StatusCode::OK, "{}", overdue.text);
    assert_eq!(ids(&overdue), vec![id]);
    assert_eq!(overdue.json()[0]["warning"], "red");
    let refused = get(&t, &agent, "/api/v1/consultations/overdue").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The late answer stops the clock and is marked late; the alerts stay on record.
    let a = post(
        &t,
        &agent,
        &format!("/api/v1/consultations/{id}/messages"),
        json!({"body": "需要编制报告表，请到生态环境局窗口预审。", "version": 1}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.json()["status"], "answered");
    assert_eq!(a.json()["answered_late"], true);
    assert_eq!(a.json()["warning"], "none");
    let after = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(after.consultation_alerts, 0);
    let overdue = get(&t, &coord, "/api/v1/consultations/overdue").await;
    assert!(ids(&overdue).is_empty());
}

#[tokio::test]
async fn each_role_sees_its_own_and_the_thread_runs_to_resolution() {
    let t = TestApp::new().await;
    let pid = project_of_a(&t).await;
    let dx = unit_id(&t, "D-X").await;
    let ent_a = t.token("ent.a").await;
    let ent_b = t.token("ent.b").await;
    let a = post(
        &t,
        &ent_a,
        "/api/v1/consultations",
        json!({"subject": "施工许可材料", "body": "施工许可需要哪些材料？", "project_id": pid}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let a_id = a.json()["id"].as_i64().expect("id");
    let b = post(
        &t,
        &ent_b,
        "/api/v1/consultations",
        json!({"subject": "图审时限", "body": "施工图审查多久出合格书？", "unit_id": dx}),
    )
    .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
    let b_id = b.json()["id"].as_i64().expect("id");
    assert_eq!(b.json()["routed_by"], "unit");
    let c = post(
        &t,
        &ent_b,
        "/api/v1/consultations",
        json!({"subject": "代办是否收费", "body": "委托代办需要付费吗？"}),
    )
    .await;
    assert_eq!(c.json()["routed_by"], "bureau");
    assert_eq!(c.json()["unit_id"], unit_id(&t, "BUREAU").await);
    let c_id = c.json()["id"].as_i64().expect("id");

    for (who, want) in [
        ("ent.a", vec![a_id]),
        ("ent.b", vec![c_id, b_id]),
        ("agent.a", vec![a_id]),
        ("lead.a", vec![a_id]),
        ("agent.b", vec![]),
        ("helper.x", vec![b_id]),
        ("coord", vec![c_id, b_id, a_id]),
        ("leader", vec![c_id, b_id, a_id]),
    ] {
        let tok = t.token(who).await;
        let r = get(&t, &tok, "/api/v1/consultations").await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text);
        assert_eq!(ids(&r), want, "{who}");
    }
    for who in ["admin", "auditor"] {
        let tok = t.token(who).await;
        let r = get(&t, &tok, "/api/v1/consultations").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // Out of sight is not found, for reading and for writing.
    let agent_b = t.token("agent.b").await;
    assert_eq!(
        get(&t, &agent_b, &format!("/api/v1/consultations/{a_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&t, &ent_b, &format!("/api/v1/consultations/{a_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = post(
        &t,
        &agent_b,
        &format!("/api/v1/consultations/{a_id}/messages"),
        json!({"body": "答复", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The unit answers; the asker follows up, the unit adds to it, the asker resolves.
    let agent_a = t.token("agent.a").await;
    let r = post(
        &t,
        &agent_a,
        &format!("/api/v1/consultations/{a_id}/messages"),
        json!({"body": "需施工合同、监理合同等，代办员可帮办。", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "answered");
    assert_eq!(r.json()["answered_late"], false);
    let r = post(
        &t,
        &ent_a,
        &format!("/api/v1/consultations/{a_id}/messages"),
        json!({"body": "能否上门指导？", "version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let kinds: Vec<String> = r.json()["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(kinds, ["question", "answer", "follow_up"]);
    assert_eq!(r.json()["may_resolve"], true);
    // A stale version is refused.
    let stale = post(
        &t,
        &ent_a,
        &format!("/api/v1/consultations/{a_id}/resolution"),
        json!({"version": 2}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["code"], "version_conflict");
    // Only the asker resolves.
    let r = post(
        &t,
        &agent_a,
        &format!("/api/v1/consultations/{a_id}/resolution"),
        json!({"version": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &ent_a,
        &format!("/api/v1/consultations/{a_id}/resolution"),
        json!({"note": "已解决", "version": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "resolved");
    let r = post(
        &t,
        &ent_a,
        &format!("/api/v1/consultations/{a_id}/messages"),
        json!({"body": "再问一句", "version": 4}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "consultation_state");
    // An unanswered question cannot be resolved.
    let r = post(
        &t,
        &ent_b,
        &format!("/api/v1/consultations/{b_id}/resolution"),
        json!({"version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Every command left its audit entry.
    let audit = t.count("audit_log").await;
    assert!(audit >= 6, "{audit}");
}

#[tokio::test]
async fn the_bureau_reroutes_and_publishes_to_the_public_faq() {
    let t = TestApp::new().await;
    let dx = unit_id(&t, "D-X").await;
    let ent = t.token("ent.a").await;
    let coord = t.token("coord").await;
    let r = post(
        &t,
        &ent,
        "/api/v1/consultations",
        json!({"subject": "人防易地建设费", "body": "厂房是否需要缴纳人防易地建设费？", "unit_id": unit_id(&t, "T-A").await}),
    )
    .await;
    let id = r.json()["id"].as_i64().expect("id");
    // The reason is required, and the unit must change.
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/consultations/{id}/route"),
        json!({"unit_id": dx, "reason": " ", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&r), [("reason".into(), "required".into())]);
    let agent = t.token("agent.a").await;
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/consultations/{id}/route"),
        json!({"unit_id": dx, "reason": "属住建部门职责", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/consultations/{id}/route"),
        json!({"unit_id": dx, "reason": "属住建部门职责", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["routed_by"], "reroute");
    assert_eq!(
        get(&t, &agent, &format!("/api/v1/consultations/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let helper = t.token("helper.x").await;
    assert_eq!(
        get(&t, &helper, &format!("/api/v1/consultations/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    // Not published before it has an answer.
    let faq = json!({"category": "施工许可", "question": "工业厂房是否缴纳人防易地建设费？", "answer": "工业厂房按规定可减免，由住建部门（人防）核定。"});
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/consultations/{id}/faq"),
        faq.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "consultation_state");
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/consultations/{id}/messages"),
        json!({"body": "可减免。", "version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/consultations/{id}/faq"),
        faq.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/consultations/{id}/faq"),
        faq.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let faq_id = r.json()["id"].as_i64().expect("id");

    // Public, without login: the API and the page.
    let r = t.api(Method::GET, "/api/v1/faq", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(ids(&r), vec![faq_id]);
    assert!(
        r.json()[0]["consultation_id"].is_null(),
        "the public does not see the thread"
    );
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/faq?q={}", enc("人防")),
            None,
            None,
        )
        .await;
    assert_eq!(ids(&r), vec![faq_id]);
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/faq?q={}", enc("消防")),
            None,
            None,
        )
        .await;
    assert!(ids(&r).is_empty());
    let page = t
        .send(
            Request::get("/public/faq?q=%E4%BA%BA%E9%98%B2")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<mark>人防</mark>"), "{}", page.text);
    assert!(page.text.contains("lang=\"zh-CN\""));
    // Everyone signed in sees it too.
    let session = t.page_login("agent.b").await;
    let p = t.page("/faq", &session).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("工业厂房是否缴纳人防易地建设费"));

    // Unpublished: gone from the public FAQ and from search.
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/faq/{faq_id}/unpublish"),
        json!({"version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t.api(Method::GET, "/api/v1/faq", None, None).await;
    assert!(ids(&r).is_empty());
    assert_eq!(
        t.api(Method::GET, &format!("/api/v1/faq/{faq_id}"), None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let s = get(&t, &coord, &format!("/api/v1/search?q={}", enc("人防易地"))).await;
    assert_eq!(s.json()["groups"], json!([]));
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/faq/{faq_id}/republish"),
        json!({"version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = get(&t, &coord, &format!("/api/v1/search?q={}", enc("人防易地"))).await;
    assert_eq!(s.json()["groups"][0]["kind"], "faq");
}

#[tokio::test]
async fn bad_input_is_a_422_naming_the_field_in_both_languages() {
    let t = TestApp::new().await;
    let pid = project_of_a(&t).await;
    let ent_b = t.token("ent.b").await;
    let r = post(
        &t,
        &ent_b,
        "/api/v1/consultations",
        json!({"subject": "", "body": "问题", "project_id": pid, "unit_id": 999_999, "catalog_item_id": 999_999}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let codes = field_codes(&r);
    for f in ["subject", "unit_id", "catalog_item_id", "project_id"] {
        assert!(codes.iter().any(|(x, _)| x == f), "{f}: {codes:?}");
    }
    assert!(r.text.contains("咨询标题不能为空"), "{}", r.text);
    let en = t
        .api_lang(
            Method::POST,
            "/api/v1/consultations",
            Some(&ent_b),
            Some(json!({"subject": "x".repeat(201), "body": "问题"})),
            Some("en"),
        )
        .await;
    assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&en), [("subject".into(), "too_long".into())]);
    assert!(
        en.text.contains("subject must be at most 200 characters"),
        "{}",
        en.text
    );
    let r = t
        .api(
            Method::POST,
            "/api/v1/consultations",
            Some(&ent_b),
            Some(json!({"subject": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = get(&t, &ent_b, "/api/v1/consultations?status=closed").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&r), [("status".into(), "unknown".into())]);
    let c = post(
        &t,
        &ent_b,
        "/api/v1/consultations",
        json!({"subject": "问题", "body": "问题"}),
    )
    .await;
    let id = c.json()["id"].as_i64().expect("id");
    let r = post(
        &t,
        &ent_b,
        &format!("/api/v1/consultations/{id}/messages"),
        json!({"body": "  ", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&r), [("body".into(), "required".into())]);
    let coord = t.token("coord").await;
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/consultations/{id}/messages"),
        json!({"body": "免费。", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/consultations/{id}/faq"),
        json!({"category": "", "question": "", "answer": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&r).len(), 3);
    // Nothing was written by the refused commands.
    assert_eq!(t.count("faq_entries").await, 0);
    assert_eq!(t.count("consultations").await, 1);
}

#[tokio::test]
async fn the_pages_of_each_role() {
    let t = TestApp::new().await;
    let pid = project_of_a(&t).await;
    let session = t.page_login("ent.a").await;
    let p = t.page("/consultations/new", &session).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("<label for=\"subject\">"));
    let csrf = crate::helpers::csrf_of(&p.text);
    let body = format!(
        "_csrf={csrf}&subject=%E7%8E%AF%E8%AF%84&body=%E9%97%AE%E9%A2%98&project_id={pid}&catalog_item_id=&unit_id="
    );
    let r = t.post_form("/consultations", &session, &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let bad = t
        .post_form(
            "/consultations",
            &session,
            &format!("_csrf={csrf}&subject=&body="),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("role=\"alert\""));
    let list = t.page("/consultations", &session).await;
    assert!(list.text.contains("环评"));
    let staff = t.page_login("agent.a").await;
    let home = t.page("/", &staff).await;
    assert!(home.text.contains("在线咨询答复"), "{}", home.text);
    let list = t.page("/consultations", &staff).await;
    assert!(list.text.contains("环评"));
    let coord = t.page_login("coord").await;
    let o = t.page("/consultations/overdue", &coord).await;
    assert_eq!(o.status, StatusCode::OK);
    let en = t.page("/consultations?lang=en", &coord).await;
    assert_eq!(en.status, StatusCode::OK);
    let search = t
        .page("/search?q=%E4%B8%8D%E9%94%88%E9%92%A2", &coord)
        .await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(
        search.text.contains("<mark>不锈钢</mark>"),
        "{}",
        search.text
    );
}
