//! The evaluation: one case per detected rule, recorded findings, only confirmed ones counted,
//! floors, several findings in one category, ranking ties, the JSON contract.

use crate::cases::active_project;
use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use serde_json::{Value, json};

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> crate::helpers::Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

async fn get(t: &TestApp, tok: &str, path: &str) -> crate::helpers::Resp {
    t.api(Method::GET, path, Some(tok), None).await
}

async fn unit_id(t: &TestApp, code: &str) -> i64 {
    daiban_app::units::find_by_code(&t.app.db.conn, code)
        .await
        .expect("db")
        .expect("unit")
        .id
}

fn line<'a>(result: &'a Value, code: &str) -> &'a Value {
    result["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_code"] == code)
        .unwrap_or_else(|| panic!("{code} in {result}"))
}

async fn result(t: &TestApp, tok: &str, q: &str) -> Value {
    let r = get(t, tok, &format!("/api/v1/evaluation/{q}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn record(t: &TestApp, tok: &str, unit: i64, rule: &str, day: &str) -> Value {
    let r = post(
        t,
        tok,
        "/api/v1/findings",
        json!({"unit_id": unit, "rule": rule, "occurred_on": day, "note": "经查：群众来电反映，已核实"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

async fn decide(
    t: &TestApp,
    tok: &str,
    f: &Value,
    state: &str,
    reason: &str,
) -> crate::helpers::Resp {
    post(
        t,
        tok,
        &format!("/api/v1/findings/{}/decision", f["id"]),
        json!({"state": state, "reason": reason, "version": f["version"]}),
    )
    .await
}

#[tokio::test]
async fn the_json_contract_post_setup_and_shared_ranks() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let r = get(&t, &coord, "/api/v1/evaluation/2026Q4").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    // Numbers with two decimals, as written.
    assert!(r.text.contains("\"post_setup\": 10.00"), "{}", r.text);
    assert!(r.text.contains("\"appraisal\": null"), "{}", r.text);
    let v = r.json();
    assert_eq!(v["quarter"], "2026Q4");
    assert_eq!(v["scheme"], "xinghua-2019.1");
    let codes: Vec<&str> = v["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["unit_code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        codes,
        ["T-A", "T-B", "D-X"],
        "the bureau is not evaluated; best first"
    );
    // Towns with their window: 10 + 10 + 30 + 10 + 10 (no appraisal yet) = 70; the department
    // has no service-center window and no helper filed: post set-up 0.
    assert_eq!(line(&v, "T-A")["total"], 70.0);
    assert_eq!(line(&v, "T-A")["rank"], 1);
    assert_eq!(line(&v, "T-B")["rank"], 1, "equal totals share a rank");
    assert_eq!(line(&v, "D-X")["categories"]["post_setup"], 0.0);
    assert_eq!(line(&v, "D-X")["rank"], 3);
    let keys: Vec<&String> = line(&v, "D-X")["categories"]
        .as_object()
        .expect("categories")
        .keys()
        .collect();
    assert_eq!(keys.len(), 6);
    // CSV with a BOM; a unit's staff see only their line; an enterprise nothing; a bad quarter.
    let csv = get(&t, &coord, "/api/v1/evaluation/2026Q4?format=csv").await;
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(
        csv.text
            .contains("1,T-A,甲镇,10.00,10.00,30.00,10.00,—,10.00,70.00"),
        "{}",
        csv.text
    );
    let lead = t.token("lead.a").await;
    assert_eq!(
        result(&t, &lead, "2026Q4").await["units"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let ent = t.token("ent.a").await;
    assert_eq!(
        get(&t, &ent, "/api/v1/evaluation/2026Q4").await.status,
        StatusCode::FORBIDDEN
    );
    let bad = get(&t, &coord, "/api/v1/evaluation/2026Q5").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["field"], "quarter");
    let x = get(&t, &coord, "/api/v1/evaluation/2026Q4?format=xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
}

#[tokio::test]
async fn only_confirmed_findings_count_and_a_category_stops_at_zero() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let ta = unit_id(&t, "T-A").await;
    // Three refusals (−3 each): two confirmed, one dismissed with its reason.
    let mut service = Vec::new();
    for day in ["2026-10-09", "2026-10-20", "2026-11-02"] {
        service.push(record(&t, &coord, ta, "refused_eligible", day).await);
    }
    assert_eq!(service[0]["state"], "proposed");
    assert_eq!(service[0]["points"], "3.00");
    assert_eq!(service[0]["quarter"], "2026Q4");
    // Proposed findings do not count yet.
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "T-A")["categories"]["service"],
        30.0
    );
    for f in &service[..2] {
        assert_eq!(
            decide(&t, &coord, f, "confirmed", "").await.status,
            StatusCode::OK
        );
    }
    let r = decide(&t, &coord, &service[2], "dismissed", "").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a dismissal needs its reason"
    );
    let r = decide(
        &t,
        &coord,
        &service[2],
        "dismissed",
        "企业撤回反映，经核实系误解",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        decide(&t, &coord, &r.json(), "dismissed", "x").await.status,
        StatusCode::CONFLICT
    );
    // Paid service twice (−10 each): the category stops at zero.
    for day in ["2026-10-15", "2026-11-10"] {
        let f = record(&t, &coord, ta, "paid_service", day).await;
        assert_eq!(
            decide(&t, &coord, &f, "confirmed", "").await.status,
            StatusCode::OK
        );
    }
    let v = result(&t, &coord, "2026Q4").await;
    let a = line(&v, "T-A");
    assert_eq!(a["categories"]["service"], 24.0);
    assert_eq!(a["categories"]["discipline"], 0.0, "扣完为止");
    assert_eq!(a["total"], 10.0 + 10.0 + 24.0 + 0.0 + 10.0);
    assert_eq!(a["rank"], 3);
    // A finding of another quarter does not count in this one.
    let f = record(&t, &coord, ta, "touting", "2026-09-30").await;
    assert_eq!(f["quarter"], "2026Q3");
    decide(&t, &coord, &f, "confirmed", "").await;
    assert_eq!(
        line(&result(&t, &coord, "2026Q3").await, "T-A")["categories"]["discipline"],
        7.0
    );
    // Rules: a detected rule cannot be recorded by hand, an unknown one is named; a future date.
    let r = post(
        &t,
        &coord,
        "/api/v1/findings",
        json!({"unit_id": ta, "rule": "attendance", "occurred_on": "2026-11-02", "note": "x"}),
    )
    .await;
    assert_eq!(r.json()["errors"][0]["code"], "detected_rule");
    let r = post(
        &t,
        &coord,
        "/api/v1/findings",
        json!({"unit_id": ta, "rule": "sloth", "occurred_on": "2026-12-02", "note": "x"}),
    )
    .await;
    let body = r.json();
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["unknown_rule", "future"]);
    // Only coordinators record and decide; a unit reads its own findings, not another's.
    let lead = t.token("lead.a").await;
    assert_eq!(
        decide(&t, &lead, &service[0], "dismissed", "x")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let own = get(&t, &lead, "/api/v1/findings?quarter=2026Q4")
        .await
        .json();
    assert_eq!(own.as_array().map(Vec::len), Some(5));
    let other = t.token("agent.b").await;
    assert_eq!(
        get(
            &t,
            &other,
            &format!("/api/v1/findings/{}", service[0]["id"])
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&t, &other, "/api/v1/findings")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

const CONDITIONS: [&str; 6] = [
    "integrity",
    "dedication",
    "responsibility",
    "knowledge",
    "service",
    "computer",
];

#[tokio::test]
async fn staffing_and_attendance_are_detected_once() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let dx = unit_id(&t, "D-X").await;
    let hid: i64 = {
        use daiban_store::entity::user;
        use daiban_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Username.eq("helper.x"))
            .one(&t.app.db.conn)
            .await
            .expect("db")
            .expect("user")
            .id
    };
    // The department's helper is a window head, but it has no service-center window.
    let f = post(&t, &coord, "/api/v1/filings", json!({"kind": "selection", "unit_id": dx, "candidate_id": hid, "cadre": "window_head", "conditions": CONDITIONS})).await.json();
    post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    let d = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({})).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.json()["staffing"], 1, "D-X non-qualifying");
    // The monitor records the towns' below-count episodes and detects them as it goes.
    let m = daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    assert_eq!(m.findings_detected, 2, "T-A and T-B below their count");
    let again = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({}))
        .await
        .json();
    assert_eq!(again["staffing"], 0, "detection is idempotent");
    let list = get(
        &t,
        &coord,
        &format!("/api/v1/findings?quarter=2026Q4&unit_id={dx}"),
    )
    .await
    .json();
    assert_eq!(list[0]["rule"], "non_qualifying_cadre");
    assert_eq!(list[0]["source"], "detected");
    assert_eq!(
        decide(&t, &coord, &list[0], "confirmed", "").await.status,
        StatusCode::OK
    );
    let v = result(&t, &coord, "2026Q4").await;
    assert_eq!(line(&v, "D-X")["categories"]["staffing"], 5.0);
    assert_eq!(
        line(&v, "D-X")["categories"]["post_setup"],
        10.0,
        "a helper is named now"
    );

    // An activity on 1 December with one late arrival: one −2 finding for the town.
    let ta = unit_id(&t, "T-A").await;
    let at = chrono::FixedOffset::east_opt(8 * 3600)
        .expect("tz")
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("time");
    let a = post(&t, &coord, "/api/v1/activities", json!({"kind": "training", "topic": "一次性告知制度培训", "scheduled_at": at, "place": "市民中心", "unit_ids": [ta]})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let a = a.json();
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 1, 6, 0, 0)
            .single()
            .expect("time"),
    );
    let coord = t.token("coord").await;
    let rows: Vec<Value> = a["invitees"]
        .as_array()
        .expect("invitees")
        .iter()
        .map(|i| {
            let late = i["name"] == "测试agent.a";
            json!({"invitee_id": i["id"], "attendance": if late { "late" } else { "present" }})
        })
        .collect();
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/activities/{}/attendance", a["id"]),
        json!({"version": a["version"], "attendance": rows}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({}))
        .await
        .json();
    assert_eq!(d["attendance"], 1);
    let list = get(
        &t,
        &coord,
        &format!("/api/v1/findings?quarter=2026Q4&unit_id={ta}&category=discipline"),
    )
    .await
    .json();
    assert_eq!(list[0]["rule"], "attendance");
    assert_eq!(list[0]["points"], "2.00");
    assert!(
        list[0]["evidence_label"]
            .as_str()
            .unwrap_or_default()
            .contains("测试agent.a")
    );
}

#[tokio::test]
async fn an_overdue_submission_is_detected_against_the_town_and_a_late_review_against_the_department()
 {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let agent = t.token("agent.a").await;
    let id = ids[0];
    let act = |body: Value| {
        let t = &t;
        let agent = agent.clone();
        async move { post(t, &agent, &format!("/api/v1/cases/{id}/actions"), body).await }
    };
    act(json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]})).await;
    let r = act(json!({"action": "materials_complete", "version": 2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The agent does not submit within 1 working day: the submission step goes red.
    t.clock.advance(chrono::Duration::days(6));
    let m = daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    assert!(
        m.findings_detected >= 1,
        "the monitor detects as it raises: {m:?}"
    );
    let coord = t.token("coord").await;
    let d = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({}))
        .await
        .json();
    assert_eq!(d["overdue_steps"], 0, "already detected: {d}");
    let ta = unit_id(&t, "T-A").await;
    let list = get(
        &t,
        &coord,
        &format!("/api/v1/findings?quarter=2026Q4&unit_id={ta}&category=service"),
    )
    .await
    .json();
    assert_eq!(list[0]["rule"], "coordination_delay");
    assert_eq!(list[0]["evidence_kind"], "deadline_alert");
    assert!(list[0]["project_id"].is_i64());
    assert!(
        list[0]["evidence_label"]
            .as_str()
            .unwrap_or_default()
            .contains("代办报送超时")
    );
}

#[tokio::test]
async fn the_evaluation_pages_for_each_role_and_the_public_notice() {
    use crate::helpers::csrf_of;
    use crate::problem_pages::form;
    let t = TestApp::new().await;
    let ta = unit_id(&t, "T-A").await;
    let coord = t.page_login("coord").await;
    let r = t.page("/evaluation?quarter=2026Q4", &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("甲镇") && r.text.contains("从业务数据发现扣分项"));
    // Record a finding through the form, confirm it, and see it on the scorecard.
    let r = t.page("/findings?quarter=2026Q4", &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = form(&[
        ("_csrf", csrf_of(&r.text)),
        ("unit_id", ta.to_string()),
        ("rule", "poor_explanation".into()),
        ("occurred_on", "2026-11-03".into()),
        ("note", "对不予受理事项未作解释，企业来电不满".into()),
    ]);
    let r = t.post_form("/findings", &coord, &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .page("/findings?quarter=2026Q4&state=proposed", &coord)
        .await;
    assert!(r.text.contains("对不予受理事项未作解释"));
    let id: String = r
        .text
        .split("action=\"/findings/")
        .nth(1)
        .expect("form")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let body = form(&[
        ("_csrf", csrf_of(&r.text)),
        ("version", "1".into()),
        ("state", "confirmed".into()),
        ("reason", String::new()),
        ("quarter", "2026Q4".into()),
    ]);
    let r = t.post_form(&format!("/findings/{id}"), &coord, &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .page(&format!("/evaluation/2026Q4/units/{ta}"), &coord)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("27.00") && r.text.contains("−3.00"),
        "{}",
        r.text
    );
    // A unit's leader sees their scorecard; another unit's is not theirs; an enterprise none.
    let lead = t.page_login("lead.a").await;
    assert_eq!(
        t.page(&format!("/evaluation/2026Q4/units/{ta}"), &lead)
            .await
            .status,
        StatusCode::OK
    );
    let tb = unit_id(&t, "T-B").await;
    assert_eq!(
        t.page(&format!("/evaluation/2026Q4/units/{tb}"), &lead)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let ent = t.page_login("ent.a").await;
    assert_eq!(
        t.page("/evaluation", &ent).await.status,
        StatusCode::FORBIDDEN
    );
    let csv = t.page("/evaluation/2026Q4/export/csv", &coord).await;
    assert!(csv.text.starts_with('\u{feff}'));
    // The public notice needs no login.
    let r = t
        .send(
            axum::http::Request::get("/public/evaluation")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("尚未通报"));
}

#[tokio::test]
async fn a_notice_breach_and_a_lost_material_are_detected_against_the_agents_town() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let act = |body: Value| {
        let t = &t;
        let agent = agent.clone();
        async move { post(t, &agent, &format!("/api/v1/cases/{id}/actions"), body).await }
    };
    act(json!({"action": "accept", "version": 1, "materials": ["M01"]})).await;
    act(json!({"action": "notice_missing", "version": 2, "demands": [{"code": "M02"}]})).await;
    let r = act(json!({"action": "notice_missing", "version": 3, "demands": [{"code": "M02"}, {"code": "M03", "problem": "wrong"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mats = get(&t, &agent, &format!("/api/v1/cases/{id}/materials"))
        .await
        .json();
    let held = mats
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["state"] == "held")
        .expect("a held material")
        .clone();
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/cases/{id}/materials/{}/moves", held["id"]),
        json!({"event": "report_lost", "version": held["version"], "note": "窗口整理时遗失"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let coord = t.token("coord").await;
    let d = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({}))
        .await
        .json();
    assert_eq!(d["notice_breaches"], 1, "{d}");
    assert_eq!(d["lost_materials"], 1, "{d}");
    let ta = unit_id(&t, "T-A").await;
    let list = get(
        &t,
        &coord,
        &format!("/api/v1/findings?quarter=2026Q4&unit_id={ta}"),
    )
    .await
    .json();
    let rules: Vec<&str> = list
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default())
        .collect();
    assert!(
        rules.contains(&"no_first_contact_or_notice") && rules.contains(&"materials_lost"),
        "{rules:?}"
    );
    // Confirmed, two −3 in service.
    for f in list.as_array().expect("findings") {
        decide(&t, &coord, f, "confirmed", "").await;
    }
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "T-A")["categories"]["service"],
        24.0
    );
}

/// A closed 2026Q3 survey: town A excellent, town B satisfied, the department 不了解 only (so it
/// needs a decision); returns the survey.
async fn q3_survey(t: &TestApp, coord: &str) -> Value {
    let s = post(
        t,
        coord,
        "/api/v1/surveys",
        json!({"quarter": "2026Q3", "title": "2026年第三季度满意度测评", "opens_on": "2026-11-27", "closes_on": "2026-11-30"}),
    )
    .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    let s = s.json();
    let r = post(
        t,
        coord,
        &format!("/api/v1/surveys/{}/respondents", s["id"]),
        json!({"people": [{"name": "政务服务中心窗口 张敏", "group": "service_center"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let token = r.json()[0]["token"].as_str().expect("token").to_owned();
    let (ta, tb, dx) = (
        unit_id(t, "T-A").await,
        unit_id(t, "T-B").await,
        unit_id(t, "D-X").await,
    );
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/survey-responses/{token}"),
            None,
            Some(json!({"answers": [
                {"unit_id": ta, "answer": "excellent"},
                {"unit_id": tb, "answer": "satisfied"},
                {"unit_id": dx, "answer": "unknown"},
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = get(t, coord, &format!("/api/v1/surveys/{}", s["id"]))
        .await
        .json();
    let r = post(
        t,
        coord,
        &format!("/api/v1/surveys/{}/close", s["id"]),
        json!({"version": s["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    s
}

#[tokio::test]
async fn a_published_quarter_is_frozen_and_corrected_only_by_a_new_revision() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let ta = unit_id(&t, "T-A").await;
    let dx = unit_id(&t, "D-X").await;
    // Not before the quarter is over.
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q4/publications",
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "quarter_open");
    // Not without the appraisal of every unit.
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q3/publications",
        json!({}),
    )
    .await;
    assert_eq!(r.json()["code"], "appraisal_unresolved", "{}", r.text);
    assert!(r.text.contains("甲镇"), "the units are named: {}", r.text);
    let s = q3_survey(&t, &coord).await;
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q3/publications",
        json!({}),
    )
    .await;
    assert_eq!(r.json()["code"], "appraisal_unresolved");
    assert!(
        r.text.contains("市住房和城乡建设局") && !r.text.contains("甲镇"),
        "{}",
        r.text
    );
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/surveys/{}/decisions", s["id"]),
        json!({"unit_id": dx, "points": "24.00", "reason": "无人了解其工作：按全市平均分认定"}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text);
    // Not with findings still to review.
    let f = record(&t, &coord, ta, "refused_eligible", "2026-08-12").await;
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q3/publications",
        json!({}),
    )
    .await;
    assert_eq!(r.json()["code"], "findings_pending");
    decide(&t, &coord, &f, "confirmed", "").await;
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q3/publications",
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let p = r.json();
    assert_eq!(p["revision"], 1);
    assert_eq!(p["scheme"], "xinghua-2019.1");
    let a = p["result"]["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_code"] == "T-A")
        .expect("T-A")
        .clone();
    // 10 + 10 + (30 − 3) + 10 + 30 (excellent) + 10 = 97.
    assert_eq!(a["total"], 9700);
    assert_eq!(a["categories"]["appraisal"], 3000);
    assert_eq!(p["result"]["findings"].as_array().map(Vec::len), Some(1));
    // Later data does not change the publication; the live result moves.
    let f = record(&t, &coord, ta, "touting", "2026-09-03").await;
    decide(&t, &coord, &f, "confirmed", "").await;
    let pubs = get(&t, &coord, "/api/v1/evaluation/2026Q3/publications")
        .await
        .json();
    assert_eq!(pubs.as_array().map(Vec::len), Some(1));
    assert_eq!(pubs[0]["result"]["units"][0]["total"], 9700);
    assert_eq!(
        line(&result(&t, &coord, "2026Q3").await, "T-A")["total"],
        94.0
    );
    // A correction needs its reason, and keeps the first revision visible.
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q3/publications",
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &t,
        &coord,
        "/api/v1/evaluation/2026Q3/publications",
        json!({"reason": "补充一项经查实的拉中介业务扣分"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["revision"], 2);
    let public = t
        .send(
            axum::http::Request::get("/public/evaluation/2026Q3")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.text.contains("94.00") && public.text.contains("rev=1"),
        "{}",
        public.text
    );
    let first = t
        .send(
            axum::http::Request::get("/public/evaluation/2026Q3?rev=1")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert!(first.text.contains("97.00"));
    // The year-end ranking from what is published: the towns tie at 94 (town A after the
    // correction; town B 10+10+30+10+24+10), the department has no helper named (84).
    let ranking = daiban_app::evaluation::year_ranking(&t.app.db.conn, 2026)
        .await
        .expect("ranking");
    let ranks: Vec<(String, u32, i64)> = ranking
        .iter()
        .map(|l| (l.unit_code.clone(), l.rank, l.mean))
        .collect();
    assert_eq!(
        ranks,
        [
            ("T-A".to_owned(), 1, 9400),
            ("T-B".to_owned(), 1, 9400),
            ("D-X".to_owned(), 3, 8400)
        ]
    );
    // Only coordinators publish.
    let lead = t.token("lead.a").await;
    assert_eq!(
        post(
            &t,
            &lead,
            "/api/v1/evaluation/2026Q3/publications",
            json!({"reason": "x"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_adjustment_against_the_rules_is_one_person_time() {
    use daiban_app::Meta;
    use daiban_app::audit::ActorRef;
    use daiban_app::error::Checks;
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let ta = unit_id(&t, "T-A").await;
    let id_of = |name: &'static str| {
        let t = &t;
        async move {
            use daiban_store::entity::user;
            use daiban_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            user::Entity::find()
                .filter(user::Column::Username.eq(name))
                .one(&t.app.db.conn)
                .await
                .expect("db")
                .expect("user")
                .id
        }
    };
    let agent_a = id_of("agent.a").await;
    let hash = daiban_app::auth::hash_password(crate::helpers::PASSWORD)
        .await
        .expect("hash");
    let successor = daiban_app::users::create_with_hash(
        &t.app,
        &ActorRef::system(),
        &daiban_app::users::UserInput {
            username: "agent.a2".into(),
            name: "测试agent.a2".into(),
            role: "agent".into(),
            unit: "T-A".into(),
            ..daiban_app::users::UserInput::default()
        },
        "agent.a2",
        hash,
        Checks::default(),
        &Meta::cli(),
    )
    .await
    .expect("user")
    .id;
    let f = post(&t, &coord, "/api/v1/filings", json!({"kind": "selection", "unit_id": ta, "candidate_id": agent_a, "cadre": "young_reserve", "conditions": CONDITIONS, "appointed_on": "2025-06-01"})).await.json();
    post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    // November, after a year and a half, no work change: two rules, one person-time.
    let f = post(&t, &coord, "/api/v1/filings", json!({"kind": "adjustment", "unit_id": ta, "candidate_id": successor, "outgoing_id": agent_a, "cadre": "young_reserve", "conditions": CONDITIONS, "reason": "个人申请"})).await.json();
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({}))
        .await
        .json();
    assert!(d["staffing"].as_u64().unwrap_or(0) >= 1, "{d}");
    let list = get(
        &t,
        &coord,
        &format!("/api/v1/findings?quarter=2026Q4&unit_id={ta}&category=staffing"),
    )
    .await
    .json();
    let adjustments: Vec<&Value> = list
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "adjustment_violation")
        .collect();
    assert_eq!(adjustments.len(), 1, "{list}");
    assert_eq!(adjustments[0]["points"], "5.00");
    assert_eq!(
        adjustments[0]["evidence_label"],
        "short_tenure,out_of_window"
    );
    for f in list.as_array().expect("findings") {
        decide(&t, &coord, f, "confirmed", "").await;
    }
    // With the town below its count this quarter too: 10 − 5 − 5 = 0.
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "T-A")["categories"]["staffing"],
        0.0
    );
}

#[tokio::test]
async fn a_problem_left_too_long_at_the_department_is_late_reporting_against_it() {
    let t = TestApp::new().await;
    // Monday 2 November 2026, 10:00 China time.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 2, 2, 0, 0)
            .single()
            .expect("time"),
    );
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let ent = t.token("ent.a").await;
    let dx = unit_id(&t, "D-X").await;
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/projects/{pid}/problems"),
        json!({"title": "消防设计审查意见反复", "description": "三次提出新的修改意见", "category": "approval", "department_id": dx, "case_item_ids": ids}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Two working days at the department (3 and 4 November); on Thursday it is late.
    t.clock.advance(chrono::Duration::days(3));
    let m = daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    assert_eq!(m.problems_escalated, 1, "{m:?}");
    let coord = t.token("coord").await;
    let list = get(
        &t,
        &coord,
        &format!("/api/v1/findings?quarter=2026Q4&unit_id={dx}&category=service"),
    )
    .await
    .json();
    let late: Vec<&Value> = list
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["evidence_kind"] == "problem_overdue")
        .collect();
    assert_eq!(late.len(), 1, "{list}");
    assert_eq!(late[0]["rule"], "coordination_delay");
    assert_eq!(late[0]["project_id"], pid);
    assert_eq!(late[0]["state"], "proposed");
    // Nothing counts until confirmed; then −3 in service for the department, not for the town.
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "D-X")["categories"]["service"],
        30.0
    );
    let r = decide(&t, &coord, late[0], "confirmed", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = result(&t, &coord, "2026Q4").await;
    assert_eq!(line(&v, "D-X")["categories"]["service"], 27.0);
    assert_eq!(line(&v, "T-A")["categories"]["service"], 30.0);
    // A second run detects nothing new.
    let d = post(&t, &coord, "/api/v1/evaluation/2026Q4/detection", json!({}))
        .await
        .json();
    assert_eq!(d["late_problems"], 0, "{d}");
}

#[tokio::test]
async fn a_project_lost_through_the_agents_fault_is_a_proposed_finding_against_the_town() {
    let t = TestApp::new().await;
    let (pid, _) = active_project(&t, &["XT-001"]).await;
    let ent = t.token("ent.a").await;
    let agent_id = t.user_id("agent.a").await;
    let terminate = |body: Value| {
        let t = &t;
        let ent = ent.clone();
        async move {
            post(
                t,
                &ent,
                &format!("/api/v1/projects/{pid}/mandate/actions"),
                body,
            )
            .await
        }
    };
    // A termination names its cause; a staff fault names someone who served the project.
    let r = terminate(json!({"action": "terminate", "version": 1, "reason": "转至外地"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("\"cause\""), "{}", r.text);
    let r = terminate(
        json!({"action": "terminate", "version": 1, "reason": "转至外地", "cause": "bad_luck"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = terminate(
        json!({"action": "terminate", "version": 1, "reason": "转至外地", "cause": "staff_fault"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("fault_user_id"), "{}", r.text);
    let outsider = t.user_id("agent.b").await;
    let r = terminate(json!({"action": "terminate", "version": 1, "reason": "转至外地", "cause": "staff_fault", "fault_user_id": outsider})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("fault_user_id"), "{}", r.text);
    let coord = t.token("coord").await;
    let ta = unit_id(&t, "T-A").await;
    let findings = |unit: i64| {
        let t = &t;
        let coord = coord.clone();
        async move {
            get(
                t,
                &coord,
                &format!("/api/v1/findings?quarter=2026Q4&unit_id={unit}"),
            )
            .await
            .json()
        }
    };
    assert_eq!(findings(ta).await, json!([]), "refused: nothing written");
    let r = terminate(json!({"action": "terminate", "version": 1, "reason": "代办员多次推诿，企业决定转至外地", "cause": "staff_fault", "fault_user_id": agent_id})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = r.json();
    assert_eq!(m["state"], "terminated");
    assert_eq!(m["termination_cause"], "staff_fault");
    assert_eq!(m["fault_user_name"], "测试agent.a");
    let list = findings(ta).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let f = &list[0];
    assert_eq!(f["rule"], "project_lost");
    assert_eq!(f["category"], "service");
    assert_eq!(f["evidence_kind"], "project");
    assert_eq!(f["project_id"], pid);
    assert_eq!(f["state"], "proposed");
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "T-A")["categories"]["service"],
        30.0,
        "proposed: not counted"
    );
    let r = decide(&t, &coord, f, "confirmed", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "T-A")["categories"]["service"],
        25.0,
        "−5 per project lost"
    );
}

#[tokio::test]
async fn a_units_appraisal_stays_hidden_from_it_until_the_survey_closes_then_the_scorecard_shows_its_answers()
 {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let s = post(
        &t,
        &coord,
        "/api/v1/surveys",
        json!({"quarter": "2026Q4", "title": "2026年第四季度满意度测评", "opens_on": "2026-11-27", "closes_on": "2026-12-20"}),
    )
    .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    let s = s.json();
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/surveys/{}/respondents", s["id"]),
        json!({"people": [{"name": "政务服务中心窗口 张敏", "group": "service_center"}]}),
    )
    .await;
    let token = r.json()[0]["token"].as_str().expect("token").to_owned();
    let (ta, tb, dx) = (
        unit_id(&t, "T-A").await,
        unit_id(&t, "T-B").await,
        unit_id(&t, "D-X").await,
    );
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/survey-responses/{token}"),
            None,
            Some(json!({"answers": [
                {"unit_id": ta, "answer": "satisfied"},
                {"unit_id": tb, "answer": "excellent"},
                {"unit_id": dx, "answer": "dissatisfied"},
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The bureau sees the running appraisal; the town's leader not while the survey is open.
    assert_eq!(
        line(&result(&t, &coord, "2026Q4").await, "T-A")["categories"]["appraisal"],
        24.0
    );
    let lead = t.token("lead.a").await;
    let own = result(&t, &lead, "2026Q4").await;
    assert_eq!(line(&own, "T-A")["categories"]["appraisal"], Value::Null);
    let session = t.page_login("lead.a").await;
    let card = t
        .page(&format!("/evaluation/2026Q4/units/{ta}"), &session)
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text);
    assert!(card.text.contains("评议结束后显示"), "{}", card.text);
    assert!(!card.text.contains("作答人数"));
    // Closed: the leader sees the points and, on the scorecard, the answers behind them.
    let s = get(&t, &coord, &format!("/api/v1/surveys/{}", s["id"]))
        .await
        .json();
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/surveys/{}/close", s["id"]),
        json!({"version": s["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        line(&result(&t, &lead, "2026Q4").await, "T-A")["categories"]["appraisal"],
        24.0
    );
    let card = t
        .page(&format!("/evaluation/2026Q4/units/{ta}"), &session)
        .await;
    assert!(card.text.contains("作答人数 1"), "{}", card.text);
    assert!(card.text.contains(&format!("/surveys/{}", s["id"])));
}
