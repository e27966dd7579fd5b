//! Complaints (举报投诉) and monthly reports (月报表): the lifecycle, the finding of a verified
//! complaint, who sees the complainant, the report's figures and due date, late and missing
//! reports and their findings.

use crate::cases::active_project;
use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use daiban_store::entity::finding;
use daiban_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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

async fn findings_of(t: &TestApp, rule: &str) -> Vec<finding::Model> {
    finding::Entity::find()
        .filter(finding::Column::Rule.eq(rule))
        .all(&t.app.db.conn)
        .await
        .expect("db")
}

async fn act(t: &TestApp, tok: &str, id: i64, body: Value) -> crate::helpers::Resp {
    post(t, tok, &format!("/api/v1/complaints/{id}/actions"), body).await
}

fn codes(r: &crate::helpers::Resp) -> Vec<(String, String)> {
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

#[tokio::test]
async fn a_portal_complaint_verified_is_a_confirmed_finding_and_the_identity_stays_with_the_bureau()
{
    let t = TestApp::new().await;
    let ta = unit_id(&t, "T-A").await;
    let ent = t.token("ent.a").await;
    let p = post(
        &t,
        &ent,
        "/api/v1/projects",
        json!({"name": "不锈钢管项目", "investment_wan": "500", "policy_standing": "permitted", "industry": "金属制品"}),
    )
    .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let pid = p.json()["id"].as_i64().unwrap();

    // Another enterprise cannot name this project.
    let entb = t.token("ent.b").await;
    let r = post(
        &t,
        &entb,
        "/api/v1/complaints",
        json!({"unit_id": ta, "project_id": pid, "subject": "推诿", "body": "多次推诿"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(codes(&r).contains(&("project_id".into(), "project".into())));
    // Subject and body are required, in both languages.
    let r = post(
        &t,
        &ent,
        "/api/v1/complaints",
        json!({"unit_id": ta, "subject": " ", "body": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let c = codes(&r);
    assert!(c.contains(&("subject".into(), "required".into())), "{c:?}");
    assert!(c.contains(&("body".into(), "required".into())), "{c:?}");

    let r = post(&t, &ent, "/api/v1/complaints", json!({"unit_id": ta, "project_id": pid, "staff_name": "王某", "subject": "代办员收受礼品", "body": "办理施工许可时代办员要求报销餐费。"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["channel"], "portal");
    assert_eq!(v["status"], "received");
    assert_eq!(v["complainant_name"], "企业ent.a");
    assert_eq!(v["identity_visible"], true);

    // Who sees what before the conclusion.
    let coord = t.token("coord").await;
    let r = get(&t, &coord, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(r.json()["complainant_name"], "企业ent.a");
    assert_eq!(r.json()["project_id"], pid);
    let lead = t.token("lead.a").await;
    assert_eq!(
        get(&t, &lead, &format!("/api/v1/complaints/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&t, &lead, "/api/v1/complaints").await.json(), json!([]));
    let agent = t.token("agent.a").await;
    assert_eq!(
        get(&t, &agent, "/api/v1/complaints").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&t, &entb, &format!("/api/v1/complaints/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&t, &entb, "/api/v1/complaints").await.json(), json!([]));
    let city = t.token("leader").await;
    let r = get(&t, &city, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["complainant_name"], "");
    assert_eq!(r.json()["complainant_user_id"], Value::Null);

    // Only a coordinator acts, and only in order.
    let r = act(
        &t,
        &ent,
        id,
        json!({"action": "assign", "assignee_id": 1, "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "conclude", "verified": true, "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "complaint_transition_not_allowed");
    let agent_id = t.user_id("agent.a").await;
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "assign", "assignee_id": agent_id, "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(codes(&r).contains(&("assignee_id".into(), "assignee".into())));
    let coord_id = t.user_id("coord").await;
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "assign", "assignee_id": coord_id, "reason": "本人承办", "version": 1}),
    )
    .await;
    assert_eq!(r.json()["status"], "assigned", "{}", r.text);
    assert_eq!(r.json()["assignee_name"], "测试coord");
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "investigate", "version": 1}),
    )
    .await;
    assert_eq!(r.json()["code"], "version_conflict", "{}", r.text);
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "investigate", "version": 2}),
    )
    .await;
    assert_eq!(r.json()["status"], "investigating", "{}", r.text);
    // Verification needs the findings and the reason.
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "conclude", "verified": true, "version": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let c = codes(&r);
    assert!(c.contains(&("findings".into(), "required".into())), "{c:?}");
    assert!(c.contains(&("reason".into(), "required".into())), "{c:?}");
    let r = act(&t, &coord, id, json!({"action": "conclude", "verified": true, "findings": "经调查，代办员确有要求企业报销餐费。", "reason": "证据确凿", "version": 3})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "verified");
    let fid = r.json()["finding_id"].as_i64().expect("finding");
    assert_eq!(r.json()["events"].as_array().unwrap().len(), 4);

    let f = findings_of(&t, "verified_complaint").await;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].id, fid);
    assert_eq!(f[0].unit_id, ta);
    assert_eq!(f[0].points, 1000);
    assert_eq!(f[0].category, "complaints");
    assert_eq!(f[0].state, "confirmed");
    assert_eq!(f[0].decided_by, Some(coord_id));
    assert_eq!(f[0].evidence_kind, "complaint");
    assert_eq!(f[0].evidence_id, Some(id));
    assert_eq!(f[0].quarter, "2026Q4");

    // Concluded: the unit's leader sees substance and outcome, not who complained.
    let r = get(&t, &lead, "/api/v1/complaints").await;
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(list[0]["status"], "verified");
    assert_eq!(list[0]["findings"], "经调查，代办员确有要求企业报销餐费。");
    assert_eq!(list[0]["complainant_name"], "");
    assert_eq!(list[0]["complainant_contact"], "");
    assert_eq!(list[0]["complainant_enterprise_id"], Value::Null);
    assert_eq!(list[0]["project_id"], Value::Null);
    assert_eq!(list[0]["finding_id"], Value::Null);
    assert_eq!(list[0]["events"], json!([]));
    assert!(!r.text.contains("企业ent.a"), "{}", r.text);
    // The enterprise sees its complaint's outcome, and was told.
    let r = get(&t, &ent, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(r.json()["status"], "verified");
    assert_eq!(r.json()["conclusion_reason"], "证据确凿");
    // The audit trail does not carry the identity either.
    let audit = t.token("auditor").await;
    let r = get(&t, &audit, "/api/v1/audit?object_type=complaint").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("complaint.conclude"), "{}", r.text);
    assert!(
        !r.text.contains("\"complainant_name\":\"企业ent.a\""),
        "{}",
        r.text
    );
    // Concluded is final.
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "assign", "assignee_id": coord_id, "version": 4}),
    )
    .await;
    assert_eq!(r.json()["code"], "complaint_transition_not_allowed");
}

#[tokio::test]
async fn a_phone_complaint_not_verified_makes_no_finding() {
    let t = TestApp::new().await;
    let dx = unit_id(&t, "D-X").await;
    let bureau = unit_id(&t, "BUREAU").await;
    let coord = t.token("coord").await;
    let r = post(
        &t,
        &coord,
        "/api/v1/complaints",
        json!({"channel": "portal", "unit_id": bureau, "subject": "s", "body": "b"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let c = codes(&r);
    assert!(c.contains(&("channel".into(), "channel".into())), "{c:?}");
    assert!(
        c.contains(&("complainant_name".into(), "required".into())),
        "{c:?}"
    );
    assert!(c.contains(&("unit_id".into(), "unit".into())), "{c:?}");
    let msg = r.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!msg.is_empty());

    let r = post(&t, &coord, "/api/v1/complaints", json!({"channel": "phone", "unit_id": dx, "complainant_name": "李先生", "complainant_contact": "13800000000", "subject": "审批拖延", "body": "电话反映施工许可迟迟未办。"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["complainant_contact"], "13800000000");
    let coord_id = t.user_id("coord").await;
    act(
        &t,
        &coord,
        id,
        json!({"action": "assign", "assignee_id": coord_id, "version": 1}),
    )
    .await;
    act(
        &t,
        &coord,
        id,
        json!({"action": "investigate", "version": 2}),
    )
    .await;
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "conclude", "verified": false, "version": 3}),
    )
    .await;
    assert!(
        codes(&r).contains(&("reason".into(), "required".into())),
        "{}",
        r.text
    );
    let r = act(&t, &coord, id, json!({"action": "conclude", "verified": false, "reason": "经核实系企业材料不全所致", "version": 3})).await;
    assert_eq!(r.json()["status"], "not_verified", "{}", r.text);
    assert_eq!(r.json()["finding_id"], Value::Null);
    assert!(findings_of(&t, "verified_complaint").await.is_empty());
    // Not the enterprise's: it sees nothing; the helper of D-X neither.
    let ent = t.token("ent.a").await;
    assert_eq!(get(&t, &ent, "/api/v1/complaints").await.json(), json!([]));
    let helper = t.token("helper.x").await;
    assert_eq!(
        get(&t, &helper, &format!("/api/v1/complaints/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = get(&t, &coord, "/api/v1/complaints?status=not_verified").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_monthly_report_is_compiled_submitted_on_time_and_the_missing_ones_found_once() {
    let t = TestApp::new().await;
    let ta = unit_id(&t, "T-A").await;
    let tb = unit_id(&t, "T-B").await;
    let dx = unit_id(&t, "D-X").await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let agent = t.token("agent.a").await;
    let path = format!("/api/v1/cases/{}/actions", ids[0]);
    let r = post(
        &t,
        &agent,
        &path,
        json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let lead = t.token("lead.a").await;
    let r = get(&t, &lead, &format!("/api/v1/monthly-reports/{ta}/2026-11")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["status"], "draft");
    assert_eq!(v["due_on"], "2026-12-07");
    assert_eq!(v["figures"]["items_accepted"], 1, "{v}");
    assert_eq!(v["figures"]["items_concluded"], 0);
    assert_eq!(v["figures"]["items_overdue"], 0);
    assert_eq!(v["may_submit"], true);
    // October was another month.
    let r = get(&t, &lead, &format!("/api/v1/monthly-reports/{ta}/2026-10")).await;
    assert_eq!(r.json()["figures"]["items_accepted"], 0);

    // Who may submit, and the rules.
    let sub = format!("/api/v1/monthly-reports/{ta}/2026-11/submission");
    let r = post(&t, &agent, &sub, json!({"remarks": ""})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&t, &lead, &sub, json!({"remarks": "长".repeat(2001)})).await;
    assert!(
        codes(&r).contains(&("remarks".into(), "too_long".into())),
        "{}",
        r.text
    );
    let r = post(
        &t,
        &lead,
        &format!("/api/v1/monthly-reports/{ta}/2026-13/submission"),
        json!({}),
    )
    .await;
    assert!(
        codes(&r).contains(&("month".into(), "month".into())),
        "{}",
        r.text
    );
    let r = post(
        &t,
        &lead,
        &format!("/api/v1/monthly-reports/{ta}/2026-12/submission"),
        json!({}),
    )
    .await;
    assert!(
        codes(&r).contains(&("month".into(), "future_month".into())),
        "{}",
        r.text
    );
    let r = get(&t, &lead, &format!("/api/v1/monthly-reports/{tb}/2026-11")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = post(&t, &lead, &sub, json!({"remarks": "本月新受理1件。"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "on_time");
    assert_eq!(r.json()["remarks"], "本月新受理1件。");
    assert_eq!(r.json()["may_submit"], false);
    let r = post(&t, &lead, &sub, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "monthly_report_submitted");

    // After the due date: the missing reports are found, once each; the on-time one is not.
    t.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap()); // 12-07 23:00 China
    daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    assert!(
        findings_of(&t, "monthly_report_late").await.is_empty(),
        "due date itself is on time"
    );
    t.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 8, 1, 0, 0).unwrap());
    daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    let f = findings_of(&t, "monthly_report_late").await;
    let mut keys: Vec<_> = f.iter().filter_map(|f| f.detected_key.clone()).collect();
    keys.sort();
    let mut want = vec![
        format!("monthly_report:{tb}:2026-11"),
        format!("monthly_report:{dx}:2026-11"),
    ];
    want.sort();
    assert_eq!(keys, want);
    assert!(
        f.iter()
            .all(|f| f.points == 200 && f.state == "proposed" && f.source == "detected")
    );
    assert!(
        f.iter()
            .all(|f| f.occurred_on.to_string() == "2026-12-07"
                && f.evidence_kind == "monthly_report")
    );

    // The bureau's grid (fresh tokens: the clock moved).
    let coord = t.token("coord").await;
    let lead = t.token("lead.a").await;
    let r = get(&t, &coord, "/api/v1/monthly-reports?month=2026-11").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let units = r.json()["units"].as_array().unwrap().clone();
    let status = |id: i64| {
        units
            .iter()
            .find(|u| u["unit_id"] == id)
            .map(|u| u["status"].clone())
    };
    assert_eq!(status(ta), Some(json!("on_time")));
    assert_eq!(status(tb), Some(json!("missing")));
    assert_eq!(status(dx), Some(json!("missing")));
    assert_eq!(units.len(), 3, "the bureau does not report");
    let r = get(&t, &lead, "/api/v1/monthly-reports?month=2026-11").await;
    assert_eq!(r.json()["units"].as_array().unwrap().len(), 1);
    let ent = t.token("ent.a").await;
    assert_eq!(
        get(&t, &ent, "/api/v1/monthly-reports?month=2026-11")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&t, &coord, "/api/v1/monthly-reports?month=11")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_late_report_is_one_finding_and_the_due_date_follows_the_working_day_calendar() {
    let t = TestApp::new().await;
    let ta = unit_id(&t, "T-A").await;
    let lead = t.token("lead.a").await;
    // September's report: National Day holiday, then the Saturday make-up day.
    let r = get(&t, &lead, &format!("/api/v1/monthly-reports/{ta}/2026-09")).await;
    assert_eq!(r.json()["due_on"], "2026-10-13", "{}", r.text);
    let cal = t.app.calendar();
    let due = daiban_domain::report::Month::parse("2026-09")
        .unwrap()
        .due_on(&cal, 5)
        .unwrap();
    assert_eq!(due.to_string(), "2026-10-13");
    assert_eq!(r.json()["status"], "missing", "past due, not submitted");
    // November's, submitted on 8 December: late, one finding; the monitor adds none.
    t.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 8, 2, 0, 0).unwrap());
    let lead = t.token("lead.a").await;
    let r = post(
        &t,
        &lead,
        &format!("/api/v1/monthly-reports/{ta}/2026-11/submission"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "late");
    daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    let f: Vec<_> = findings_of(&t, "monthly_report_late")
        .await
        .into_iter()
        .filter(|f| f.unit_id == ta)
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].detected_key.as_deref(),
        Some(format!("monthly_report:{ta}:2026-11").as_str())
    );
    assert!(f[0].evidence_id.is_some());
    assert_eq!(f[0].occurred_on.to_string(), "2026-12-07");
}

#[tokio::test]
async fn complaints_and_monthly_reports_through_the_pages_for_each_role() {
    use crate::helpers::csrf_of;
    use crate::problem_pages::{form, id_in, location};
    let t = TestApp::new().await;
    let ta = unit_id(&t, "T-A").await;
    let coord_id = t.user_id("coord").await;

    // The enterprise files on the portal; a missing subject comes back named.
    let ent = t.page_login("ent.a").await;
    let r = t.page("/complaints", &ent).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("href=\"/complaints\""), "nav entry");
    let r = t.page("/complaints/new", &ent).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("<label for=\"subject\">"));
    assert!(
        !r.text.contains("complainant_name"),
        "the enterprise is the complainant"
    );
    let csrf = csrf_of(&r.text);
    let r = t
        .post_form(
            "/complaints",
            &ent,
            &form(&[
                ("_csrf", csrf.clone()),
                ("unit_id", ta.to_string()),
                ("subject", String::new()),
                ("body", "推诿".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("标题不能为空"), "{}", r.text);
    let r = t
        .post_form(
            "/complaints",
            &ent,
            &form(&[
                ("_csrf", csrf),
                ("unit_id", ta.to_string()),
                ("subject", "推诿不办".into()),
                ("body", "多次推诿。".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id = id_in(&location(&r), "/complaints/");
    let r = t.page(&format!("/complaints/{id}"), &ent).await;
    assert!(
        r.text.contains("推诿不办") && r.text.contains("已受理"),
        "{}",
        r.text
    );

    // The coordinator sees who, and steps it through to a verified conclusion.
    let coord = t.page_login("coord").await;
    let r = t.page("/complaints", &coord).await;
    assert!(r.text.contains("企业ent.a"), "{}", r.text);
    let r = t.page("/complaints/new", &coord).await;
    assert!(
        r.text.contains("<label for=\"complainant_name\">"),
        "{}",
        r.text
    );
    let r = t.page(&format!("/complaints/{id}"), &coord).await;
    let csrf = csrf_of(&r.text);
    for (action, version, extra) in [
        ("assign", 1, vec![("assignee_id", coord_id.to_string())]),
        ("investigate", 2, vec![]),
    ] {
        let mut f = vec![
            ("_csrf", csrf.clone()),
            ("action", action.to_owned()),
            ("version", version.to_string()),
        ];
        f.extend(extra);
        let r = t
            .post_form(&format!("/complaints/{id}"), &coord, &form(&f))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.text);
    }
    let r = t
        .post_form(
            &format!("/complaints/{id}"),
            &coord,
            &form(&[
                ("_csrf", csrf.clone()),
                ("action", "conclude".into()),
                ("version", "3".into()),
                ("verified", "yes".into()),
                ("reason", "属实".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("查实的举报投诉须写明"), "{}", r.text);
    let r = t
        .post_form(
            &format!("/complaints/{id}"),
            &coord,
            &form(&[
                ("_csrf", csrf.clone()),
                ("action", "conclude".into()),
                ("version", "3".into()),
                ("verified", "yes".into()),
                ("findings", "确有推诿".into()),
                ("reason", "属实".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.page(&format!("/complaints/{id}"), &coord).await;
    assert!(
        r.text.contains("经查属实") && r.text.contains("−10"),
        "{}",
        r.text
    );

    // The unit's leader sees the outcome, not who complained; an agent has no complaints page.
    let lead = t.page_login("lead.a").await;
    let r = t.page(&format!("/complaints/{id}"), &lead).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("确有推诿") && !r.text.contains("企业ent.a"),
        "{}",
        r.text
    );
    let agent = t.page_login("agent.a").await;
    assert_eq!(
        t.page("/complaints", &agent).await.status,
        StatusCode::FORBIDDEN
    );

    // The unit leader's monthly report: draft, submit, printable.
    let r = t.page("/monthly-reports", &lead).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let draft = format!("/monthly-reports/{ta}/2026-11");
    assert!(
        r.text.contains(&draft),
        "October was due on 6 November: November now: {}",
        r.text
    );
    let r = t.page(&draft, &lead).await;
    assert!(
        r.text.contains("报送月报表") && r.text.contains("<label for=\"remarks\">"),
        "{}",
        r.text
    );
    let csrf = csrf_of(&r.text);
    let r = t
        .post_form(
            &draft,
            &lead,
            &form(&[("_csrf", csrf), ("remarks", "本月无新项目。".into())]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.page(&draft, &lead).await;
    assert!(
        r.text.contains("按时报送") && !r.text.contains("<label for=\"remarks\">"),
        "{}",
        r.text
    );
    let r = t.page(&format!("{draft}/print"), &lead).await;
    assert!(
        r.text.contains("项目代办帮办工作月报表") && r.text.contains("本月无新项目。"),
        "{}",
        r.text
    );

    // The bureau's grid.
    let r = t.page("/monthly-reports?month=2026-11", &coord).await;
    assert!(
        r.text.contains("按时报送") && r.text.contains("乙镇") && r.text.contains("待报送"),
        "{}",
        r.text
    );
    let r = t
        .page("/monthly-reports?month=2026-10&lang=en", &coord)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("未报送"),
        "October is missing for every unit: {}",
        r.text
    );
    let city = t.page_login("leader").await;
    assert_eq!(
        t.page("/monthly-reports", &city).await.status,
        StatusCode::OK
    );
    assert_eq!(t.page("/complaints", &city).await.status, StatusCode::OK);
    assert_eq!(
        t.page("/monthly-reports", &ent).await.status,
        StatusCode::FORBIDDEN
    );
}
