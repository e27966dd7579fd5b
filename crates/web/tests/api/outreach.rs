//! The bureau's outreach through the API and the pages: trainings, seminars and enterprise
//! visits with attendance and discipline evidence; return visits with appraisals and problems;
//! the visit plan on the working-day calendar; who sees what.

use crate::cases::active_project;
use crate::helpers::{PASSWORD, Resp, TestApp, csrf_of};
use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use daiban_app::Meta;
use daiban_app::audit::ActorRef;
use daiban_app::error::Checks;
use serde_json::{Value, json};
use std::fmt::Write;

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

async fn get(t: &TestApp, tok: &str, path: &str) -> Resp {
    t.api(Method::GET, path, Some(tok), None).await
}

async fn unit_id(t: &TestApp, code: &str) -> i64 {
    daiban_app::units::find_by_code(&t.app.db.conn, code)
        .await
        .expect("query")
        .expect("unit")
        .id
}

/// A second agent in town A.
async fn second_agent(t: &TestApp) {
    let hash = daiban_app::auth::hash_password(PASSWORD)
        .await
        .expect("hash");
    daiban_app::users::create_with_hash(
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
    .expect("user");
}

fn china(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .expect("offset")
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("time")
        .with_timezone(&chrono::Utc)
}

async fn notices(t: &TestApp, user: i64, kind: &str) -> i64 {
    t.count(&format!(
        "notifications WHERE kind = '{kind}' AND user_id = {user}"
    ))
    .await
}

/// A training on Tuesday 1 December 2026 at 09:00 for town A and two named persons.
async fn schedule(t: &TestApp, coord: &str, users: &[i64]) -> Value {
    let r = post(
        t,
        coord,
        "/api/v1/activities",
        json!({"kind": "training", "topic": "项目审批政策法规培训", "scheduled_at": china(2026, 12, 1, 9), "place": "市政务服务中心 5 楼培训室", "notes": "请携带笔记本", "unit_ids": [unit_id(t, "T-A").await], "user_ids": users}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn invitee(a: &Value, name: &str) -> i64 {
    a["invitees"]
        .as_array()
        .expect("invitees")
        .iter()
        .find(|i| i["name"] == name)
        .and_then(|i| i["id"].as_i64())
        .unwrap_or_else(|| panic!("{name} is not invited: {a}"))
}

#[tokio::test]
async fn attendance_in_five_states_yields_exactly_the_discipline_evidence() {
    let t = TestApp::new().await;
    second_agent(&t).await;
    let coord = t.token("coord").await;
    let (agent_b, helper_x) = (t.user_id("agent.b").await, t.user_id("helper.x").await);
    let a = schedule(&t, &coord, &[agent_b, helper_x]).await;
    let id = a["id"].as_i64().expect("id");
    assert_eq!(a["status"], "scheduled");
    assert_eq!(a["kind"], "training");
    // Town A's agents and leader, and the two named persons.
    assert_eq!(a["invited_count"], 5, "{a}");
    for u in ["agent.a", "agent.a2", "lead.a", "agent.b", "helper.x"] {
        assert_eq!(
            notices(&t, t.user_id(u).await, "activity").await,
            1,
            "{u} is invited"
        );
    }
    let rows = |v: &Value| {
        json!([
            {"invitee_id": invitee(v, "测试agent.a"), "attendance": "present"},
            {"invitee_id": invitee(v, "测试agent.a2"), "attendance": "late", "note": "迟到 20 分钟"},
            {"invitee_id": invitee(v, "测试lead.a"), "attendance": "left_early"},
            {"invitee_id": invitee(v, "测试agent.b"), "attendance": "absent_with_leave", "note": "事先书面请假"},
            {"invitee_id": invitee(v, "测试helper.x"), "attendance": "absent_without_leave"},
        ])
    };
    // Not before it starts.
    let path = format!("/api/v1/activities/{id}/attendance");
    let r = post(
        &t,
        &coord,
        &path,
        json!({"version": 1, "attendance": rows(&a)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["code"], "activity_state");
    t.clock.set(china(2026, 12, 1, 12));
    // Tokens expire as the clock moves on: log in again.
    let coord = t.token("coord").await;
    // Every invitee, known codes only.
    let mut partial = rows(&a);
    partial.as_array_mut().expect("rows").pop();
    let r = post(
        &t,
        &coord,
        &path,
        json!({"version": 1, "attendance": partial}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("incomplete"), "{}", r.text);
    let mut bad = rows(&a);
    bad[0]["attendance"] = json!("asleep");
    let r = post(&t, &coord, &path, json!({"version": 1, "attendance": bad})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Only the coordinator records.
    let lead = t.token("lead.a").await;
    let r = post(
        &t,
        &lead,
        &path,
        json!({"version": 1, "attendance": rows(&a)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = post(
        &t,
        &coord,
        &path,
        json!({"version": 1, "attendance": rows(&a)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let held = r.json();
    assert_eq!(held["status"], "held");
    let points: Vec<(String, i64)> = held["invitees"]
        .as_array()
        .expect("invitees")
        .iter()
        .map(|i| {
            (
                i["attendance"].as_str().unwrap_or_default().to_owned(),
                i["discipline_points"].as_i64().expect("points"),
            )
        })
        .collect();
    assert!(points.contains(&("present".into(), 0)));
    assert!(points.contains(&("absent_with_leave".into(), 0)));
    assert!(points.contains(&("late".into(), 2)));

    // The evidence: exactly late, left early and absent without leave, −2 each.
    let r = get(&t, &coord, "/api/v1/discipline-evidence").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ev = r.json();
    let mut found: Vec<(String, String, i64)> = ev
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_owned(),
                e["attendance"].as_str().unwrap_or_default().to_owned(),
                e["points"].as_i64().expect("points"),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("测试agent.a2".into(), "late".into(), -2),
            ("测试helper.x".into(), "absent_without_leave".into(), -2),
            ("测试lead.a".into(), "left_early".into(), -2),
        ]
    );
    // By unit and by date range.
    let ta = unit_id(&t, "T-A").await;
    let r = get(
        &t,
        &coord,
        &format!("/api/v1/discipline-evidence?unit_id={ta}"),
    )
    .await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(2), "{}", r.text);
    let r = get(
        &t,
        &coord,
        "/api/v1/discipline-evidence?from=2026-12-01&to=2026-12-01",
    )
    .await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(3), "{}", r.text);
    let r = get(&t, &coord, "/api/v1/discipline-evidence?from=2026-12-02").await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(0), "{}", r.text);
    // A unit leader sees its own unit's; an agent none.
    let r = get(&t, &lead, "/api/v1/discipline-evidence").await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(2), "{}", r.text);
    let agent = t.token("agent.a").await;
    let r = get(&t, &agent, "/api/v1/discipline-evidence").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // The person's record counts it.
    let r = get(&t, &coord, &format!("/api/v1/staff/{helper_x}/record")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["discipline_count"], 1);
    assert_eq!(r.json()["discipline_points"], 2);
    assert_eq!(
        r.json()["activities"][0]["attendance"],
        "absent_without_leave"
    );
}

#[tokio::test]
async fn a_cancelled_activity_notifies_and_takes_no_attendance() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let helper_x = t.user_id("helper.x").await;
    let a = schedule(&t, &coord, &[helper_x]).await;
    let id = a["id"].as_i64().expect("id");
    let path = format!("/api/v1/activities/{id}/cancel");
    let r = post(&t, &coord, &path, json!({"version": 1, "reason": " "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["errors"][0]["field"], "reason", "{}", r.text);
    let r = post(
        &t,
        &coord,
        &path,
        json!({"version": 1, "reason": "与全市安全生产会议冲突，另行通知"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(
        notices(&t, helper_x, "activity").await,
        2,
        "invited, then cancelled"
    );
    assert_eq!(notices(&t, t.user_id("agent.a").await, "activity").await, 2);
    let r = post(
        &t,
        &coord,
        &path,
        json!({"version": 2, "reason": "再次取消"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "activity_state");
    let r = post(&t, &coord, &path, json!({"version": 1, "reason": "旧版本"})).await;
    assert_eq!(r.json()["code"], "version_conflict");
    t.clock.set(china(2026, 12, 1, 12));
    let coord = t.token("coord").await;
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/activities/{id}/attendance"),
        json!({"version": 2, "attendance": []}),
    )
    .await;
    assert!(
        r.status == StatusCode::CONFLICT || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.text
    );
    // Validation names each field.
    let r = post(
        &t,
        &coord,
        "/api/v1/activities",
        json!({"kind": "party", "topic": "", "scheduled_at": china(2026, 11, 1, 9), "place": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    for f in ["kind", "topic", "place", "scheduled_at", "invitees"] {
        assert!(fields.iter().any(|x| x == f), "{f} missing in {fields:?}");
    }
    // An enterprise user cannot be invited.
    let ent = t.user_id("ent.a").await;
    let r = post(
        &t,
        &coord,
        "/api/v1/activities",
        json!({"kind": "seminar", "topic": "座谈", "scheduled_at": china(2026, 12, 3, 9), "place": "会议室", "user_ids": [ent]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("not_staff"), "{}", r.text);
}

#[tokio::test]
async fn each_role_sees_its_own_slice() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let (agent_a, agent_b) = (t.user_id("agent.a").await, t.user_id("agent.b").await);
    let a = schedule(&t, &coord, &[agent_b]).await;
    let id = a["id"].as_i64().expect("id");
    // An agent sees its own invitation and its own history only.
    let agent = t.token("agent.a").await;
    let r = get(&t, &agent, "/api/v1/activities").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["invitees"].as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["invitees"][0]["name"], "测试agent.a");
    assert_eq!(
        get(&t, &agent, &format!("/api/v1/staff/{agent_a}/record"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&t, &agent, &format!("/api/v1/staff/{agent_b}/record"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A unit leader sees its unit's people, not another unit's.
    let lead = t.token("lead.a").await;
    let r = get(&t, &lead, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<&str> = r.json()["invitees"]
        .as_array()
        .expect("invitees")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .map(|s| if s.ends_with("agent.b") { "B" } else { "A" })
        .collect();
    assert!(
        !names.contains(&"B"),
        "a leader of town A sees town B's invitee"
    );
    assert_eq!(
        get(&t, &lead, &format!("/api/v1/staff/{agent_a}/record"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&t, &lead, &format!("/api/v1/staff/{agent_b}/record"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A helper not invited does not see it.
    let helper = t.token("helper.x").await;
    assert_eq!(
        get(&t, &helper, &format!("/api/v1/activities/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The city leader reads everything and writes nothing.
    let leader = t.token("leader").await;
    let r = get(&t, &leader, &format!("/api/v1/activities/{id}")).await;
    assert_eq!(r.json()["invitees"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        get(&t, &leader, &format!("/api/v1/staff/{agent_b}/record"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&t, &leader, "/api/v1/return-visits").await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&t, &leader, "/api/v1/visit-plan").await.status,
        StatusCode::OK
    );
    let r = post(
        &t,
        &leader,
        &format!("/api/v1/activities/{id}/cancel"),
        json!({"version": 1, "reason": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Enterprises see none of it.
    let ent = t.token("ent.a").await;
    for path in [
        "/api/v1/activities".to_owned(),
        format!("/api/v1/activities/{id}"),
        "/api/v1/return-visits".to_owned(),
        "/api/v1/visit-plan".to_owned(),
        "/api/v1/discipline-evidence".to_owned(),
        format!("/api/v1/staff/{agent_a}/record"),
    ] {
        assert_eq!(
            get(&t, &ent, &path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Agents and helpers do not read the visit records.
    assert_eq!(
        get(&t, &agent, "/api/v1/return-visits").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn return_visits_appraise_the_staff_who_served_and_raise_problems() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let agent = t.token("agent.a").await;
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/cases/{}/actions", ids[0]),
        json!({"action": "accept", "version": 1, "materials": ["M01"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let coord = t.token("coord").await;
    let (agent_a, helper_x) = (t.user_id("agent.a").await, t.user_id("helper.x").await);
    let r = get(
        &t,
        &coord,
        &format!("/api/v1/return-visits/served-staff?project_ids={pid}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let served: Vec<i64> = r
        .json()
        .as_array()
        .expect("served")
        .iter()
        .filter_map(|s| s["user_id"].as_i64())
        .collect();
    assert_eq!(served, vec![agent_a]);
    // Validation: method, day, feedback, projects of the enterprise, appraisals of those who
    // served.
    let r = post(
        &t,
        &coord,
        "/api/v1/return-visits",
        json!({"method": "fax", "visited_on": "2026-12-30", "enterprise_id": t.enterprise_b, "project_ids": [pid], "feedback": "", "appraisals": [{"user_id": helper_x, "rating": "satisfied"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let codes: Vec<String> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or("")
            )
        })
        .collect();
    for c in [
        "method:unknown",
        "visited_on:future",
        "feedback:required",
        "project_ids:not_of_enterprise",
        "appraisals:not_served",
    ] {
        assert!(codes.iter().any(|x| x == c), "{c} missing in {codes:?}");
    }
    let r = post(
        &t,
        &coord,
        "/api/v1/return-visits",
        json!({"method": "on_site", "visited_on": "2026-11-26", "enterprise_id": t.enterprise_a, "project_ids": [pid], "participants": "审批局张科长、企业李总", "feedback": "代办员服务热情，材料一次告知到位。", "appraisals": [{"user_id": agent_a, "rating": "very_satisfied", "comment": "主动上门，服务周到"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let visit = r.json();
    let vid = visit["id"].as_i64().expect("id");
    assert_eq!(visit["projects"][0]["id"], pid);
    assert_eq!(visit["appraisals"][0]["rating"], "very_satisfied");
    let r = post(
        &t,
        &coord,
        "/api/v1/return-visits",
        json!({"method": "phone", "visited_on": "2026-11-27", "enterprise_id": t.enterprise_a, "project_ids": [pid], "feedback": "企业反映办理进度及时告知。", "appraisals": [{"user_id": agent_a, "rating": "satisfied", "comment": "及时反馈"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The overall appraisal: count, means and comments.
    let r = get(&t, &coord, &format!("/api/v1/staff/{agent_a}/record")).await;
    let rec = r.json();
    assert_eq!(rec["appraisal_count"], 2, "{rec}");
    assert_eq!(rec["mean_stars_tenths"], 45);
    assert_eq!(rec["mean_points"], 90);
    assert_eq!(rec["appraisals"][0]["comment"], "及时反馈", "newest first");
    assert_eq!(rec["appraisals"][1]["comment"], "主动上门，服务周到");
    // The agent sees its own appraisal.
    let r = get(&t, &agent, &format!("/api/v1/staff/{agent_a}/record")).await;
    assert_eq!(r.json()["appraisal_count"], 2);
    // A problem found at the visit goes up the ladder from the department.
    let dx = unit_id(&t, "D-X").await;
    let path = format!("/api/v1/return-visits/{vid}/problems");
    let r = post(
        &t,
        &coord,
        &path,
        json!({"project_id": pid + 1000, "title": "竣工验收多头检查", "category": "approval", "department_id": dx}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("not_of_visit"), "{}", r.text);
    let r = post(
        &t,
        &coord,
        &path,
        json!({"project_id": pid, "title": "竣工验收多头检查", "description": "企业反映验收环节多个部门分别上门检查", "category": "approval", "department_id": dx}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let problem = r.json();
    assert_eq!(problem["level"], "department");
    assert_eq!(problem["raised_by_role"], "coordinator");
    let r = get(&t, &coord, &format!("/api/v1/return-visits/{vid}")).await;
    assert_eq!(r.json()["problems"][0]["id"], problem["id"]);
    // Only a coordinator raises from a visit.
    let leader = t.token("leader").await;
    let r = post(
        &t,
        &leader,
        &path,
        json!({"project_id": pid, "title": "x", "category": "approval", "department_id": dx}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_stage_change_puts_the_project_on_the_visit_plan_by_working_days() {
    let t = TestApp::new().await;
    let (pid, _) = active_project(&t, &["XT-001"]).await;
    // Monday 28 September 2026, 10:00 China time.
    t.clock.set(china(2026, 9, 28, 10));
    let agent = t.token("agent.a").await;
    let version = get(&t, &agent, &format!("/api/v1/projects/{pid}"))
        .await
        .json()["version"]
        .as_i64()
        .expect("version");
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/projects/{pid}/stage"),
        json!({"version": version, "stage": "approval"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let coord = t.token("coord").await;
    let plan = get(&t, &coord, "/api/v1/visit-plan").await.json();
    assert_eq!(plan.as_array().map(Vec::len), Some(1), "{plan}");
    assert_eq!(plan[0]["project_id"], pid);
    assert_eq!(plan[0]["stage"], "registration");
    assert_eq!(plan[0]["next_stage"], "approval");
    // 10 working days: 29, 30 September; 1–7 October off; 8, 9, the make-up Saturday 10, then
    // 12–16 October.
    assert_eq!(plan[0]["due_on"], "2026-10-16");
    assert_eq!(plan[0]["state"], "due");
    // Still due on the 16th, overdue on the 17th.
    t.clock.set(china(2026, 10, 16, 17));
    let coord = t.token("coord").await;
    let plan = get(&t, &coord, "/api/v1/visit-plan").await.json();
    assert_eq!(plan[0]["state"], "due");
    t.clock.set(china(2026, 10, 19, 9));
    let coord = t.token("coord").await;
    let agent = t.token("agent.a").await;
    let plan = get(&t, &coord, "/api/v1/visit-plan").await.json();
    assert_eq!(plan[0]["state"], "overdue");
    // A visit dated before the stage change does not cover it.
    let visit = |day: &str| json!({"method": "phone", "visited_on": day, "enterprise_id": t.enterprise_a, "project_ids": [pid], "feedback": "电话回访，企业对立项阶段服务满意。"});
    let r = post(&t, &coord, "/api/v1/return-visits", visit("2026-09-25")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let plan = get(&t, &coord, "/api/v1/visit-plan").await.json();
    assert_eq!(plan[0]["state"], "overdue");
    let r = post(&t, &coord, "/api/v1/return-visits", visit("2026-10-19")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let vid = r.json()["id"].as_i64().expect("id");
    let plan = get(&t, &coord, "/api/v1/visit-plan").await.json();
    assert_eq!(plan[0]["state"], "done_late", "{plan}");
    assert_eq!(plan[0]["visit_id"], vid);
    assert_eq!(plan[0]["visited_on"], "2026-10-19");
    // Moving on again adds the next entry; it comes before the done one.
    let version = get(&t, &agent, &format!("/api/v1/projects/{pid}"))
        .await
        .json()["version"]
        .as_i64()
        .expect("version");
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/projects/{pid}/stage"),
        json!({"version": version, "stage": "land_planning"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let plan = get(&t, &coord, "/api/v1/visit-plan").await.json();
    assert_eq!(plan.as_array().map(Vec::len), Some(2));
    assert_eq!(plan[0]["stage"], "approval");
    assert_eq!(plan[0]["state"], "due");
    assert_eq!(plan[1]["state"], "done_late");
}

#[tokio::test]
async fn the_outreach_pages_work_for_each_role() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let agent_tok = t.token("agent.a").await;
    post(
        &t,
        &agent_tok,
        &format!("/api/v1/cases/{}/actions", ids[0]),
        json!({"action": "accept", "version": 1, "materials": ["M01"]}),
    )
    .await;
    let agent_a = t.user_id("agent.a").await;
    // The coordinator schedules through the page.
    let s = t.page_login("coord").await;
    let page = t.page("/activities", &s).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("安排活动"), "schedule form");
    let csrf = csrf_of(&page.text);
    let ta = unit_id(&t, "T-A").await;
    let r = t
        .post_form(
            "/activities",
            &s,
            &format!("_csrf={csrf}&kind=seminar&topic=%E4%BB%A3%E5%8A%9E%E5%91%98%E5%BA%A7%E8%B0%88%E4%BC%9A&scheduled_at=2026-11-30T14%3A30&place=%E5%AE%A1%E6%89%B9%E5%B1%80&notes=&unit={ta}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = r
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    let id: i64 = to
        .trim_start_matches("/activities/")
        .split('?')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("id");
    // A form with errors is shown again with the messages.
    let r = t
        .post_form(
            "/activities",
            &s,
            &format!("_csrf={csrf}&kind=seminar&topic=&scheduled_at=&place="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("活动主题不能为空"), "{}", r.text);
    // After it starts, attendance through the page.
    t.clock.set(china(2026, 11, 30, 17));
    let s = t.page_login("coord").await;
    let page = t.page(&format!("/activities/{id}"), &s).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("记录出勤"), "attendance form");
    let csrf = csrf_of(&page.text);
    let v = get(
        &t,
        &t.token("coord").await,
        &format!("/api/v1/activities/{id}"),
    )
    .await
    .json();
    let mut body = format!("_csrf={csrf}&version={}", v["version"]);
    for i in v["invitees"].as_array().expect("invitees") {
        let iid = i["id"].as_i64().expect("id");
        let att = if i["name"] == "测试agent.a" {
            "late"
        } else {
            "present"
        };
        write!(body, "&att_{iid}={att}&attnote_{iid}=").expect("write");
    }
    let r = t
        .post_form(&format!("/activities/{id}/attendance"), &s, &body)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.page(&format!("/activities/{id}"), &s).await;
    assert!(page.text.contains("迟到"), "attendance shown");
    let sheet = t.page(&format!("/activities/{id}/sign-in"), &s).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.text.contains("签到表"));
    // A return visit through the page.
    let form = t
        .page(
            &format!("/return-visits/new?enterprise_id={}", t.enterprise_a),
            &s,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("测试agent.a"), "served staff offered");
    let r = t
        .post_form(
            "/return-visits",
            &s,
            &format!("_csrf={csrf}&enterprise_id={}&method=on_site&visited_on=2026-11-30&participants=&feedback=%E6%BB%A1%E6%84%8F&project={pid}&rating_{agent_a}=satisfied&comment_{agent_a}=%E5%A5%BD", t.enterprise_a),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    for path in ["/return-visits", "/visit-plan", "/activities"] {
        let r = t.page(path, &s).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let r = t.page(&format!("/staff/{agent_a}/record"), &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("综合评议") && r.text.contains("迟到"),
        "record page"
    );
    assert!(
        t.page("/staff", &s)
            .await
            .text
            .contains(&format!("/staff/{agent_a}/record"))
    );
    // English.
    let r = t
        .send(
            axum::http::Request::get(format!("/staff/{agent_a}/record"))
                .header(
                    axum::http::header::COOKIE,
                    format!("daiban_session={s}; lang=en"),
                )
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Overall appraisal"), "English record page");
    // Other roles.
    let s = t.page_login("agent.a").await;
    assert_eq!(t.page("/activities", &s).await.status, StatusCode::OK);
    assert_eq!(t.page("/my-record", &s).await.status, StatusCode::OK);
    assert_eq!(
        t.page("/return-visits", &s).await.status,
        StatusCode::FORBIDDEN
    );
    let s = t.page_login("lead.a").await;
    assert_eq!(
        t.page(&format!("/staff/{agent_a}/record"), &s).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.page(&format!("/activities/{id}"), &s).await.status,
        StatusCode::OK
    );
    let s = t.page_login("leader").await;
    for path in ["/return-visits", "/visit-plan", "/activities"] {
        let r = t.page(path, &s).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.text.contains("安排活动"), "the city leader only reads");
    }
    let s = t.page_login("ent.a").await;
    assert_eq!(
        t.page("/activities", &s).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.page("/visit-plan", &s).await.status,
        StatusCode::FORBIDDEN
    );
}
