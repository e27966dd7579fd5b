//! Enterprise demands (企业诉求): the lifecycle from submission to confirmation, scope per role,
//! re-routing with a reason, the response limit in working days, a demand turned into a
//! problem on the ladder, bad input answered 422 with the field named.

use crate::cases::active_project;
use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
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

async fn act(t: &TestApp, tok: &str, id: i64, body: Value) -> crate::helpers::Resp {
    let v = get(t, tok, &format!("/api/v1/demands/{id}")).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let mut body = body;
    body["version"] = v.json()["version"].clone();
    post(t, tok, &format!("/api/v1/demands/{id}/actions"), body).await
}

fn count(r: &crate::helpers::Resp) -> usize {
    r.json().as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_demand_is_routed_answered_closed_and_confirmed_and_each_role_sees_its_own() {
    let t = TestApp::new().await;
    let ta = unit_id(&t, "T-A").await;
    let tb = unit_id(&t, "T-B").await;
    let ent = t.token("ent.a").await;
    let entb = t.token("ent.b").await;
    let coord = t.token("coord").await;
    let agent_a = t.token("agent.a").await;
    let agent_b = t.token("agent.b").await;
    let helper = t.token("helper.x").await;
    let city = t.token("leader").await;

    // Bad input names each field.
    let r = post(
        &t,
        &ent,
        "/api/v1/demands",
        json!({"title": "", "description": " ", "category": "weather", "project_id": 999_999}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let c = codes(&r);
    for f in [
        ("title", "required"),
        ("description", "required"),
        ("category", "unknown"),
        ("project_id", "project"),
    ] {
        assert!(c.contains(&(f.0.into(), f.1.into())), "{c:?}");
    }
    assert_eq!(
        post(
            &t,
            &city,
            "/api/v1/demands",
            json!({"title": "x", "description": "y", "category": "other"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    let before = t.count("notifications").await;
    let r = post(
        &t,
        &ent,
        "/api/v1/demands",
        json!({"title": "厂区供水接入", "description": "新厂区需要接入市政供水管网，请协调供水公司。", "category": "utilities"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_i64().expect("id");
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["due_state"], "due");
    assert_eq!(v["enterprise_name"], "甲镇不锈钢有限公司");
    // The bureau's coordinator is asked to route it.
    assert_eq!(t.count("notifications").await - before, 1);

    // Scope: the bureau and the city leader see it; the other enterprise and the units not yet.
    assert_eq!(count(&get(&t, &coord, "/api/v1/demands").await), 1);
    assert_eq!(count(&get(&t, &city, "/api/v1/demands").await), 1);
    assert_eq!(count(&get(&t, &ent, "/api/v1/demands").await), 1);
    assert_eq!(count(&get(&t, &entb, "/api/v1/demands").await), 0);
    assert_eq!(count(&get(&t, &agent_a, "/api/v1/demands").await), 0);
    for tok in [&entb, &agent_a, &helper] {
        assert_eq!(
            get(&t, tok, &format!("/api/v1/demands/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    }

    // Only the bureau routes; the enterprise cannot.
    let r = act(&t, &ent, id, json!({"action": "route", "unit_id": tb})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = act(&t, &coord, id, json!({"action": "accept"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "demand_state");
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "route", "unit_id": 999_999}),
    )
    .await;
    assert!(
        codes(&r).contains(&("unit_id".into(), "unit".into())),
        "{}",
        r.text
    );
    let r = act(&t, &coord, id, json!({"action": "route", "unit_id": tb})).await;
    assert_eq!(r.json()["status"], "routed", "{}", r.text);
    assert_eq!(r.json()["unit_name"], "乙镇");
    assert_eq!(count(&get(&t, &agent_b, "/api/v1/demands").await), 1);
    assert_eq!(count(&get(&t, &agent_a, "/api/v1/demands").await), 0);

    // A re-route needs its reason, and moves the demand out of the first unit's sight.
    let r = act(&t, &coord, id, json!({"action": "route", "unit_id": ta})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(codes(&r).contains(&("note".into(), "required".into())));
    let r = act(
        &t,
        &coord,
        id,
        json!({"action": "route", "unit_id": ta, "note": "项目位于甲镇，改由甲镇代办"}),
    )
    .await;
    assert_eq!(r.json()["unit_name"], "甲镇", "{}", r.text);
    assert_eq!(
        get(&t, &agent_b, &format!("/api/v1/demands/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Another unit's staff cannot act on it.
    let r = post(
        &t,
        &agent_b,
        &format!("/api/v1/demands/{id}/actions"),
        json!({"action": "accept", "version": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The unit accepts, replies, closes with the outcome.
    let r = act(&t, &agent_a, id, json!({"action": "accept"})).await;
    assert_eq!(r.json()["status"], "accepted", "{}", r.text);
    let r = act(&t, &agent_a, id, json!({"action": "reply"})).await;
    assert!(codes(&r).contains(&("note".into(), "required".into())));
    let r = act(
        &t,
        &agent_a,
        id,
        json!({"action": "reply", "note": "已联系供水公司，下周现场踏勘。"}),
    )
    .await;
    assert_eq!(r.json()["status"], "in_progress", "{}", r.text);
    assert_eq!(r.json()["due_state"], "on_time");
    let r = act(
        &t,
        &agent_a,
        id,
        json!({"action": "close", "note": "供水接入方案已确定，施工中。"}),
    )
    .await;
    assert_eq!(r.json()["status"], "closed", "{}", r.text);
    assert_eq!(r.json()["outcome"], "供水接入方案已确定，施工中。");
    assert_eq!(r.json()["actions"], json!([]));
    // The enterprise sees what it may do, reopens with a reason, then confirms.
    let r = get(&t, &ent, &format!("/api/v1/demands/{id}")).await;
    assert_eq!(r.json()["actions"], json!(["confirm", "reopen"]));
    let r = act(&t, &ent, id, json!({"action": "reopen"})).await;
    assert!(codes(&r).contains(&("note".into(), "required".into())));
    let r = act(
        &t,
        &ent,
        id,
        json!({"action": "reopen", "note": "水压不足，未解决。"}),
    )
    .await;
    assert_eq!(r.json()["status"], "in_progress", "{}", r.text);
    assert_eq!(r.json()["due_state"], "due");
    let r = act(
        &t,
        &agent_a,
        id,
        json!({"action": "close", "note": "已加装增压泵。"}),
    )
    .await;
    assert_eq!(r.json()["status"], "closed");
    let r = act(&t, &agent_a, id, json!({"action": "confirm"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = act(&t, &ent, id, json!({"action": "confirm"})).await;
    assert_eq!(r.json()["status"], "confirmed", "{}", r.text);
    let events: Vec<String> = r.json()["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        events,
        [
            "submit", "route", "route", "accept", "reply", "close", "reopen", "close", "confirm"
        ]
    );
    // Every step is in the audit chain.
    let r = t
        .api(
            Method::GET,
            "/api/v1/audit/verify",
            Some(&t.token("auditor").await),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn an_unanswered_demand_turns_overdue_after_the_working_day_limit() {
    let t = TestApp::new().await;
    let agent = t.token("agent.a").await;
    let ent_a = t.enterprise_a;
    // Entered by the agent for an enterprise of its unit: routed to the agent's unit at once.
    let r = post(
        &t,
        &agent,
        "/api/v1/demands",
        json!({"title": "用地指标咨询", "description": "企业电话询问新增用地指标。", "category": "land", "enterprise_id": ent_a}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "routed");
    assert_eq!(r.json()["unit_name"], "甲镇");
    let id = r.json()["id"].as_i64().expect("id");
    // Not for another town's enterprise.
    let r = post(
        &t,
        &agent,
        "/api/v1/demands",
        json!({"title": "x", "description": "y", "category": "land", "enterprise_id": t.enterprise_b}),
    )
    .await;
    assert!(codes(&r).contains(&("enterprise_id".into(), "not_found".into())));

    // Friday 27 November 2026 + 5 working days: Friday 4 December, end of day.
    let v = get(&t, &agent, &format!("/api/v1/demands/{id}")).await;
    assert_eq!(v.json()["due_state"], "due");
    t.clock.advance(chrono::Duration::days(10));
    let agent = t.token("agent.a").await;
    let v = get(&t, &agent, &format!("/api/v1/demands/{id}")).await;
    assert_eq!(v.json()["due_state"], "overdue", "{}", v.text);
    let r = get(&t, &agent, "/api/v1/demands?overdue=true").await;
    assert_eq!(count(&r), 1);
    let r = act(&t, &agent, id, json!({"action": "accept"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "reply", "note": "已答复用地政策。"}),
    )
    .await;
    assert_eq!(r.json()["due_state"], "late", "{}", r.text);
}

#[tokio::test]
async fn a_demand_on_a_project_becomes_a_problem_on_the_ladder() {
    let t = TestApp::new().await;
    let (pid, _) = active_project(&t, &["XT-001"]).await;
    let dx = unit_id(&t, "D-X").await;
    let ta = unit_id(&t, "T-A").await;
    let ent = t.token("ent.a").await;
    let coord = t.token("coord").await;
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;

    // Without a project there is nothing to escalate.
    let r = post(
        &t,
        &ent,
        "/api/v1/demands",
        json!({"title": "政策咨询", "description": "咨询技改补贴政策。", "category": "policy"}),
    )
    .await;
    let plain = r.json()["id"].as_i64().expect("id");
    act(&t, &coord, plain, json!({"action": "route", "unit_id": ta})).await;
    let r = get(&t, &agent, &format!("/api/v1/demands/{plain}")).await;
    assert!(
        !r.json()["actions"]
            .as_array()
            .expect("actions")
            .contains(&json!("escalate"))
    );
    let r = act(
        &t,
        &agent,
        plain,
        json!({"action": "escalate", "department_id": dx}),
    )
    .await;
    assert!(
        codes(&r).contains(&("project_id".into(), "required".into())),
        "{}",
        r.text
    );

    let r = post(
        &t,
        &ent,
        "/api/v1/demands",
        json!({"title": "施工许可受阻", "description": "图审意见反复，施工许可迟迟不能办理。", "category": "approval", "project_id": pid}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["project_id"], pid);
    act(&t, &coord, id, json!({"action": "route", "unit_id": ta})).await;
    act(&t, &agent, id, json!({"action": "accept"})).await;
    // At a town unit the department must be named.
    let r = act(&t, &agent, id, json!({"action": "escalate"})).await;
    assert!(codes(&r).contains(&("department_id".into(), "not_department".into())));
    let problems_before = t.count("problems").await;
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "escalate", "department_id": dx, "note": "需住建局协调图审。"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["status"], "escalated");
    assert_eq!(v["problem"]["level"], "department");
    assert_eq!(v["problem"]["status"], "open");
    assert_eq!(v["problem"]["department_name"], "市住房和城乡建设局");
    assert_eq!(t.count("problems").await, problems_before + 1);
    let problem_id = v["problem"]["id"].as_i64().expect("problem");
    // The problem is the real one: the department's helper sees it on the ladder.
    let p = get(&t, &helper, &format!("/api/v1/problems/{problem_id}")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(p.json()["project_id"], pid);
    assert_eq!(p.json()["title"], "施工许可受阻");
    // Escalating twice is refused.
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "escalate", "department_id": dx}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The demand shows the problem's progress once the department resolves it.
    let pv = p.json()["version"].as_i64().expect("version");
    let r = post(
        &t,
        &helper,
        &format!("/api/v1/problems/{problem_id}/actions"),
        json!({"action": "resolve", "version": pv, "note": "图审已一次性出具意见。"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = get(&t, &ent, &format!("/api/v1/demands/{id}")).await;
    assert_eq!(v.json()["problem"]["status"], "resolved", "{}", v.text);
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "close", "note": "问题已由住建局解决。"}),
    )
    .await;
    assert_eq!(r.json()["status"], "closed", "{}", r.text);
}

#[tokio::test]
async fn the_demo_city_has_a_year_of_policy_news_and_demands() {
    use daiban_store::entity::{announcement, announcement_read, demand};
    use daiban_store::sea_orm::{EntityTrait, PaginatorTrait};
    let (app, _clock, _dir) = crate::helpers::bare_app().await;
    daiban_app::demo::load_with(&app, 24).await.expect("load");
    let db = &app.db.conn;
    let news = announcement::Entity::find().all(db).await.expect("news");
    assert!((15..=25).contains(&news.len()), "{}", news.len());
    let published = news.iter().filter(|a| a.status == "published").count();
    assert!(published >= 15, "{published}");
    assert!(news.iter().any(|a| a.status == "unpublished"));
    assert!(news.iter().filter(|a| a.pinned).count() >= 2);
    assert!(news.iter().filter(|a| a.public).count() >= 5);
    let reads = announcement_read::Entity::find()
        .count(db)
        .await
        .expect("reads");
    assert!(reads > 500, "read receipts: {reads}");

    let all = demand::Entity::find().all(db).await.expect("demands");
    assert!((35..=45).contains(&all.len()), "{}", all.len());
    let by = |s: &str| all.iter().filter(|d| d.status == s).count();
    assert!(by("confirmed") >= 10, "confirmed {}", by("confirmed"));
    assert!(by("submitted") >= 1 && by("routed") >= 1, "waiting ones");
    assert!(all.iter().filter(|d| d.problem_id.is_some()).count() >= 2);
    let now = app.now();
    let overdue = all
        .iter()
        .filter(|d| {
            !matches!(d.status.as_str(), "closed" | "confirmed")
                && d.responded_at.is_none()
                && now > d.due_at
        })
        .count();
    assert!(overdue >= 2, "overdue: {overdue}");
    assert!(
        all.iter()
            .any(|d| d.responded_at.is_some_and(|r| r > d.due_at)),
        "some answered late"
    );
}
