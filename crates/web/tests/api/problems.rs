//! Problems on the escalation ladder, meetings and action items through the API.

use crate::cases::active_project;
use crate::helpers::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use daiban_app::Meta;
use daiban_app::audit::ActorRef;
use daiban_app::error::Checks;
use serde_json::{Value, json};

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> crate::helpers::Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

async fn get(t: &TestApp, tok: &str, path: &str) -> crate::helpers::Resp {
    t.api(Method::GET, path, Some(tok), None).await
}

/// A second department with its helper, and a leader for D-X.
async fn more_staff(t: &TestApp) {
    daiban_app::units::create_unchecked(
        &t.app,
        &ActorRef::system(),
        &daiban_app::units::UnitInput {
            code: "D-Y".into(),
            kind: "department".into(),
            name: "市自然资源和规划局".into(),
            ..daiban_app::units::UnitInput::default()
        },
        &Meta::cli(),
    )
    .await
    .expect("unit");
    let hash = daiban_app::auth::hash_password(PASSWORD)
        .await
        .expect("hash");
    for (u, role, unit) in [
        ("helper.y", "helper", "D-Y"),
        ("lead.x", "unit_leader", "D-X"),
    ] {
        daiban_app::users::create_with_hash(
            &t.app,
            &ActorRef::system(),
            &daiban_app::users::UserInput {
                username: u.into(),
                name: format!("测试{u}"),
                role: role.into(),
                unit: unit.into(),
                ..daiban_app::users::UserInput::default()
            },
            u,
            hash.clone(),
            Checks::default(),
            &Meta::cli(),
        )
        .await
        .expect("user");
    }
}

async fn unit_id(t: &TestApp, code: &str) -> i64 {
    daiban_app::units::find_by_code(&t.app.db.conn, code)
        .await
        .expect("query")
        .expect("unit")
        .id
}

async fn raise(t: &TestApp, tok: &str, pid: i64, dept: i64, blocks: &[i64]) -> Value {
    let r = post(
        t,
        tok,
        &format!("/api/v1/projects/{pid}/problems"),
        json!({"title": "施工图审查意见反复", "description": "审图机构三次提出新的修改意见", "category": "approval", "department_id": dept, "case_item_ids": blocks}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

#[tokio::test]
async fn the_ladder_climbs_on_working_days_across_the_holiday_once_per_level() {
    let t = TestApp::new().await;
    more_staff(&t).await;
    // Wednesday 30 September 2026, 10:00 China time.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 9, 30, 2, 0, 0)
            .single()
            .expect("time"),
    );
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let ent = t.token("ent.a").await;
    let p = raise(&t, &ent, pid, unit_id(&t, "D-X").await, &ids).await;
    let id = p["id"].as_i64().expect("id");
    assert_eq!(p["level"], "department");
    assert_eq!(p["owner_name"], "测试helper.x");
    assert_eq!(p["blocks"][0]["id"], ids[0]);
    // 2 working days at the department: 1–7 October are off, so 8 and 9 October.
    assert_eq!(p["level_due_at"], "2026-10-09T09:30:00Z");
    // Not yet due on the 9th at 17:00: nothing moves.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 10, 9, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let r = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(r.problems_escalated, 0);
    // At 18:00 it is late: it climbs to the department's leader, whose 2 days count from the
    // make-up Saturday 10 October (day 0): 12 and 13 October.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 10, 9, 10, 0, 0)
            .single()
            .expect("time"),
    );
    let r = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(r.problems_escalated, 1);
    let again = daiban_app::monitor::run_once(&t.app).await.expect("again");
    assert_eq!(again.problems_escalated, 0, "once per level");
    let restarted = daiban_app::App::new(
        t.app.db.clone(),
        t.clock.clone(),
        daiban_app::AuthPolicy::default(),
    );
    let third = daiban_app::monitor::run_once(&restarted)
        .await
        .expect("after a restart");
    assert_eq!(
        third.problems_escalated, 0,
        "once per level, across a restart"
    );
    let coord = t.token("coord").await;
    let d = get(&t, &coord, &format!("/api/v1/problems/{id}"))
        .await
        .json();
    assert_eq!(d["level"], "department_leader");
    assert_eq!(d["level_due_at"], "2026-10-13T09:30:00Z");
    let kinds: Vec<&str> = d["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["raise", "auto_escalate"]);
    // Late reporting is recorded against the department that held it.
    assert_eq!(t.count("problem_overdue").await, 1);
    // The leader was notified once.
    let lead = t.token("lead.x").await;
    let inbox = daiban_app::inbox::list(
        &t.app.db.conn,
        &daiban_app::auth::authenticate(&t.app, &lead, daiban_app::auth::SessionKind::Api)
            .await
            .expect("actor"),
    )
    .await
    .expect("inbox");
    assert_eq!(inbox.iter().filter(|n| n.kind == "problem").count(), 1);
}

#[tokio::test]
async fn a_department_sees_only_its_problems() {
    let t = TestApp::new().await;
    more_staff(&t).await;
    let (pid, _) = active_project(&t, &["XT-001"]).await;
    let agent = t.token("agent.a").await;
    let p = raise(&t, &agent, pid, unit_id(&t, "D-Y").await, &[]).await;
    let id = p["id"].as_i64().expect("id");
    for (user, status) in [
        ("helper.y", StatusCode::OK),
        ("ent.a", StatusCode::OK),
        ("agent.a", StatusCode::OK),
        ("coord", StatusCode::OK),
        ("leader", StatusCode::OK),
        ("helper.x", StatusCode::NOT_FOUND),
        ("agent.b", StatusCode::NOT_FOUND),
        ("ent.b", StatusCode::NOT_FOUND),
        ("admin", StatusCode::NOT_FOUND),
    ] {
        let tok = t.token(user).await;
        assert_eq!(
            get(&t, &tok, &format!("/api/v1/problems/{id}"))
                .await
                .status,
            status,
            "{user}"
        );
    }
    let tok = t.token("helper.x").await;
    assert_eq!(
        get(&t, &tok, "/api/v1/problems")
            .await
            .json()
            .as_array()
            .expect("list")
            .len(),
        0
    );
    // Only a handler at the level acts there.
    let r = post(
        &t,
        &tok,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "resolve", "version": 1, "note": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "resolve", "version": 1, "note": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_meeting_settles_a_problem_the_enterprise_reopens_and_the_action_item_is_done() {
    let t = TestApp::new().await;
    more_staff(&t).await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let ent = t.token("ent.a").await;
    let helper = t.token("helper.x").await;
    let coord = t.token("coord").await;
    let dx = unit_id(&t, "D-X").await;
    let dy = unit_id(&t, "D-Y").await;
    let p = raise(&t, &ent, pid, dx, &ids).await;
    let id = p["id"].as_i64().expect("id");
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "respond", "version": 1, "note": "已联系审图机构"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Escalating needs a reason.
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "escalate", "version": 2, "note": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "escalate", "version": 2, "note": "涉及规划条件，本部门无法解决"}),
    )
    .await;
    assert_eq!(r.json()["level"], "department_leader", "{}", r.text);
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "escalate", "version": 3, "note": "需多部门会商"}),
    )
    .await;
    assert_eq!(r.json()["level"], "bureau", "{}", r.text);
    let s = get(
        &t,
        &coord,
        &format!("/api/v1/meetings/suggest-kind?problem_ids={id}"),
    )
    .await;
    assert_eq!(s.json()["kind"], "huddle");
    let m = post(
        &t,
        &coord,
        "/api/v1/meetings",
        json!({"title": "不锈钢管项目碰头会", "scheduled_at": "2026-11-30T06:00:00Z", "place": "市行政审批局 3 楼会议室", "project_id": pid, "problem_ids": [id], "invitees": [{"unit_id": dx}, {"unit_id": dy}]}),
    )
    .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
    let m = m.json();
    assert_eq!(m["kind"], "huddle");
    let mid = m["id"].as_i64().expect("id");
    let d = get(&t, &coord, &format!("/api/v1/problems/{id}"))
        .await
        .json();
    assert_eq!(d["level"], "meeting");
    assert_eq!(d["meeting_id"], mid);
    // The invited department sees the meeting; another town's agent does not.
    assert_eq!(
        get(&t, &helper, &format!("/api/v1/meetings/{mid}"))
            .await
            .status,
        StatusCode::OK
    );
    let other = t.token("agent.b").await;
    assert_eq!(
        get(&t, &other, &format!("/api/v1/meetings/{mid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let att = &m["attendees"];
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/meetings/{mid}/record"),
        json!({
            "version": 1,
            "minutes": "会议听取了项目进展，研究了施工图审查问题。",
            "attendance": [
                {"attendee_id": att[0]["id"], "attendance": "present"},
                {"attendee_id": att[1]["id"], "attendance": "absent_without_leave", "note": "未请假"}
            ],
            "decisions": [{"text": "由住建局牵头，审图意见一次性出具", "problem_id": id, "resolves_problem": true,
                           "action_items": [{"title": "一次性出具全部审图意见", "owner_unit_id": dx, "due_days": 3}]}]
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let held = r.json();
    assert_eq!(held["status"], "held");
    assert_eq!(held["attendees"][1]["attendance"], "absent_without_leave");
    assert_eq!(held["action_items"][0]["due_days"], 3);
    // Recording twice is refused.
    let again = post(
        &t,
        &coord,
        &format!("/api/v1/meetings/{mid}/record"),
        json!({"version": 2, "minutes": "x"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let d = get(&t, &ent, &format!("/api/v1/problems/{id}"))
        .await
        .json();
    assert_eq!(d["status"], "resolved");
    assert!(
        d["allowed_actions"]
            .as_array()
            .expect("actions")
            .iter()
            .any(|a| a == "reopen")
    );
    // The enterprise says it is not really solved.
    let v = d["version"].as_i64().expect("version");
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "reopen", "version": v, "note": "审图机构仍在提出新意见"}),
    )
    .await;
    assert_eq!(r.json()["status"], "open", "{}", r.text);
    assert_eq!(r.json()["level"], "meeting");
    // The department's action item is on its list until done.
    let items = get(&t, &helper, "/api/v1/action-items?status=open")
        .await
        .json();
    let aid = items[0]["id"].as_i64().expect("id");
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/action-items/{aid}/done"),
        json!({"version": 1, "note": "已一次性出具审图意见"}),
    )
    .await;
    assert_eq!(r.json()["status"], "done", "{}", r.text);
    assert_eq!(
        get(&t, &helper, "/api/v1/action-items?status=open")
            .await
            .json()
            .as_array()
            .expect("list")
            .len(),
        0
    );
    let kinds: Vec<String> = get(&t, &coord, &format!("/api/v1/problems/{id}"))
        .await
        .json()["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "raise",
            "respond",
            "escalate",
            "escalate",
            "meeting",
            "decision",
            "reopen",
            "action_done"
        ]
    );
}

#[tokio::test]
async fn the_city_leader_decides_at_the_top_and_action_items_run_on_the_clock() {
    let t = TestApp::new().await;
    more_staff(&t).await;
    let (pid, _) = active_project(&t, &["XT-001"]).await;
    let coord = t.token("coord").await;
    let leader = t.token("leader").await;
    let dx = unit_id(&t, "D-X").await;
    let p = raise(&t, &coord, pid, dx, &[]).await;
    let id = p["id"].as_i64().expect("id");
    for v in 1..=4 {
        let r = post(
            &t,
            &coord,
            &format!("/api/v1/problems/{id}/actions"),
            json!({"action": "escalate", "version": v, "note": "请上级协调"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{v}: {}", r.text);
    }
    // The coordinator does not act for the city leader.
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "resolve", "version": 5, "note": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/problems/{id}/actions"),
        json!({"action": "escalate", "version": 5, "note": "x"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "nothing above the city leader"
    );
    let r = post(
        &t,
        &leader,
        &format!("/api/v1/problems/{id}/leader-decision"),
        json!({"version": 5, "text": "请住建局三个工作日内办结", "resolves_problem": true,
               "action_items": [{"title": "办结施工图审查", "owner_unit_id": dx, "due_days": 3}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Friday 27 November + 3 working days: Wednesday 2 December, 17:30.
    assert_eq!(r.json()[0]["due_at"], "2026-12-02T09:30:00Z");
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 3, 2, 0, 0)
            .single()
            .expect("time"),
    );
    let run = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert_eq!(run.action_alerts, 1, "red, once");
    assert_eq!(
        daiban_app::monitor::run_once(&t.app)
            .await
            .expect("again")
            .action_alerts,
        0
    );
    let helper = t.token("helper.x").await;
    let items = get(&t, &helper, "/api/v1/action-items").await.json();
    assert_eq!(items[0]["warning"], "red");
}

#[tokio::test]
async fn a_bad_rating_opens_a_rectification_loop_with_its_deadline() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let ent = t.token("ent.a").await;
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    let coord = t.token("coord").await;
    // Not concluded yet: no rating.
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/cases/{id}/ratings"),
        json!({"rating": "satisfied"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    for (tok, body) in [
        (
            &agent,
            json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]}),
        ),
        (
            &agent,
            json!({"action": "materials_complete", "version": 2}),
        ),
        (&agent, json!({"action": "submit", "version": 3})),
        (&helper, json!({"action": "helper_accept", "version": 4})),
        (&helper, json!({"action": "approve", "version": 5})),
    ] {
        let r = post(&t, tok, &format!("/api/v1/cases/{id}/actions"), body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Only the enterprise rates; a bad rating needs its reason.
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/cases/{id}/ratings"),
        json!({"rating": "very_satisfied"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/cases/{id}/ratings"),
        json!({"rating": "dissatisfied"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/cases/{id}/ratings"),
        json!({"rating": "dissatisfied", "comment": "窗口答复不清楚，多跑了两次"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let again = post(
        &t,
        &ent,
        &format!("/api/v1/cases/{id}/ratings"),
        json!({"rating": "satisfied"}),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "one first rating per item"
    );
    // The department has 5 working days: Friday 27 November → Friday 4 December, 17:30.
    let list = get(&t, &helper, "/api/v1/rectifications").await.json();
    assert_eq!(list.as_array().expect("list").len(), 1);
    let rect = &list[0];
    assert_eq!(rect["due_at"], "2026-12-04T09:30:00Z");
    assert_eq!(rect["status"], "open");
    let rid = rect["id"].as_i64().expect("id");
    // The bureau cannot visit before the department replies; another town's agent sees nothing.
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/rectifications/{rid}/steps"),
        json!({"version": 1, "note": "已约谈窗口人员并制作办事指引图"}),
    )
    .await;
    assert_eq!(r.json()["status"], "rectified", "{}", r.text);
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/rectifications/{rid}/steps"),
        json!({"version": 2, "note": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the visit is the bureau's");
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/rectifications/{rid}/steps"),
        json!({"version": 2, "note": "电话回访，企业认可整改措施"}),
    )
    .await;
    assert_eq!(r.json()["status"], "visited", "{}", r.text);
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/cases/{id}/ratings"),
        json!({"rating": "satisfied", "comment": "整改到位"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["rerating"], true);
    let list = get(&t, &coord, "/api/v1/rectifications").await.json();
    assert_eq!(list[0]["status"], "closed");
    assert_eq!(list[0]["rerating"], "satisfied");
    let ratings = get(&t, &ent, &format!("/api/v1/cases/{id}/ratings"))
        .await
        .json();
    assert_eq!(ratings.as_array().expect("ratings").len(), 2);
    // Every level can be submitted: the scale offers five.
    assert_eq!(daiban_domain::rating::Rating::ALL.len(), 5);
}

#[tokio::test]
async fn the_rating_form_offers_every_level_unselected_and_the_loop_runs_through_the_pages() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    for (tok, body) in [
        (
            &agent,
            json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]}),
        ),
        (
            &agent,
            json!({"action": "materials_complete", "version": 2}),
        ),
        (&agent, json!({"action": "submit", "version": 3})),
        (&helper, json!({"action": "helper_accept", "version": 4})),
        (&helper, json!({"action": "approve", "version": 5})),
    ] {
        assert_eq!(
            post(&t, tok, &format!("/api/v1/cases/{id}/actions"), body)
                .await
                .status,
            StatusCode::OK
        );
    }
    let ent = t.page_login("ent.a").await;
    let page = t.page(&format!("/cases/{id}"), &ent).await;
    assert_eq!(
        page.text.matches("name=\"rating\"").count(),
        5,
        "five levels offered"
    );
    assert!(
        !page
            .text
            .contains("name=\"rating\" value=\"very_satisfied\" checked"),
        "none pre-selected"
    );
    assert!(
        !page.text.contains(" checked"),
        "nothing pre-selected on the form"
    );
    let csrf = crate::helpers::csrf_of(&page.text);
    let r = t
        .post_form(
            &format!("/cases/{id}/rating"),
            &ent,
            &format!("_csrf={csrf}&rating=very_dissatisfied"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad rating needs its reason"
    );
    let r = t
        .post_form(
            &format!("/cases/{id}/rating"),
            &ent,
            &format!(
                "_csrf={csrf}&rating=very_dissatisfied&comment=%E7%AD%94%E5%A4%8D%E4%B8%8D%E6%B8%85"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let h = t.page_login("helper.x").await;
    let list = t.page("/rectifications", &h).await;
    assert!(list.text.contains("待整改"), "{}", list.text);
    let csrf = crate::helpers::csrf_of(&list.text);
    let rid = daiban_app::ratings::rectifications(
        &t.app.db.conn,
        &daiban_app::auth::authenticate(&t.app, &helper, daiban_app::auth::SessionKind::Api)
            .await
            .expect("actor"),
        t.app.now(),
    )
    .await
    .expect("list")[0]
        .id;
    let r = t
        .post_form(
            &format!("/rectifications/{rid}"),
            &h,
            &format!("_csrf={csrf}&version=1&note=%E5%B7%B2%E6%95%B4%E6%94%B9"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let c = t.page_login("coord").await;
    let list = t.page("/rectifications", &c).await;
    let csrf = crate::helpers::csrf_of(&list.text);
    let r = t
        .post_form(
            &format!("/rectifications/{rid}"),
            &c,
            &format!("_csrf={csrf}&version=2&note=%E5%B7%B2%E5%9B%9E%E8%AE%BF"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The enterprise is asked to rate again, and the form is back.
    let page = t.page(&format!("/cases/{id}"), &ent).await;
    assert_eq!(page.text.matches("name=\"rating\"").count(), 5);
    let csrf = crate::helpers::csrf_of(&page.text);
    let r = t
        .post_form(
            &format!("/cases/{id}/rating"),
            &ent,
            &format!("_csrf={csrf}&rating=satisfied"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.page(&format!("/cases/{id}"), &ent).await;
    assert!(page.text.contains("整改后复评"), "{}", page.text);
    assert_eq!(
        page.text.matches("name=\"rating\"").count(),
        0,
        "no third rating"
    );
}
