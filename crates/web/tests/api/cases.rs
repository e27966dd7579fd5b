//! Projects and case items through the API: the whole journey, illegal transitions, scoping,
//! concurrent transitions, declines, and the deadline monitor's idempotence.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use daiban_app::Meta;
use daiban_app::audit::ActorRef;
use serde_json::{Value, json};

/// A three-item catalog for the test city's one department (D-X).
pub const TEST_CATALOG: &str = r#"
[catalog]
version = 1
title = "测试目录"

[[item]]
code = "XT-001"
name = "施工图审查"
department = "D-X"
type = "committed"
statutory_limit_days = 15
committed_limit_days = 3
limits_source = "sourced"
stage = "construction_permit"
[[item.material]]
code = "M01"
name = "申请表"
format = "original"
copies = 1
source = "申请人自备"
[[item.material]]
code = "M02"
name = "施工图"
format = "electronic"
copies = 1
source = "中介机构编制"
[[item.material]]
code = "M03"
name = "勘察报告"
format = "copy"
copies = 2
source = "中介机构编制"

[[item]]
code = "XT-003"
name = "登记备案"
department = "D-X"
type = "immediate"
committed_limit_days = 0
limits_source = "estimated"
stage = "construction_permit"
applies_when = "即办测试"
[[item.material]]
code = "M01"
name = "登记表"
format = "original"
copies = 1
source = "申请人自备"

[[item]]
code = "XT-002"
name = "上报核准"
department = "D-X"
type = "upward"
committed_limit_days = 5
report_up_limit_days = 3
limits_source = "estimated"
stage = "construction_permit"
prerequisites = ["XT-001"]
[[item.material]]
code = "M01"
name = "申请报告"
format = "original"
copies = 1
source = "申请人自备"

[[item.material]]
code = "M02"
name = "承诺书"
format = "original"
copies = 1
source = "申请人自备"
deferrable = true
"#;

pub async fn load_catalog(t: &TestApp) {
    let w = t.app.begin_write().await.expect("txn");
    daiban_app::catalog::load_file(
        &w.txn,
        t.app.now(),
        &ActorRef::system(),
        &Meta::cli(),
        TEST_CATALOG,
    )
    .await
    .expect("catalog");
    w.commit().await.expect("commit");
}

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> crate::helpers::Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

/// Registers a permitted project of enterprise A, signs its mandate and requests `codes`.
/// Returns (project id, case ids).
pub async fn active_project(t: &TestApp, codes: &[&str]) -> (i64, Vec<i64>) {
    load_catalog(t).await;
    let ent = t.token("ent.a").await;
    let p = post(
        t,
        &ent,
        "/api/v1/projects",
        json!({"name": "年产5万吨不锈钢管项目", "investment_wan": "12000.5", "policy_standing": "permitted", "industry": "金属制品"}),
    )
    .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let pid = p.json()["id"].as_i64().expect("id");
    assert_eq!(p.json()["status"], "requested");
    assert_eq!(p.json()["investment_wan"], "12000.5");
    let m = post(
        t,
        &ent,
        &format!("/api/v1/projects/{pid}/mandate"),
        json!({"project_version": 1, "scope": "施工许可阶段全部审批手续", "free_and_voluntary": true}),
    )
    .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
    let r = post(
        t,
        &ent,
        &format!("/api/v1/projects/{pid}/cases"),
        json!({"item_codes": codes}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ids = r
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    (pid, ids)
}

async fn act(t: &TestApp, tok: &str, id: i64, body: Value) -> crate::helpers::Resp {
    post(t, tok, &format!("/api/v1/cases/{id}/actions"), body).await
}

async fn version(t: &TestApp, tok: &str, id: i64) -> i64 {
    let r = t
        .api(Method::GET, &format!("/api/v1/cases/{id}"), Some(tok), None)
        .await;
    r.json()["version"].as_i64().expect("version")
}

#[tokio::test]
async fn the_whole_journey_of_a_committed_item() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;

    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "accept", "version": 1, "materials": ["M01"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["first_contact_name"], "测试agent.a");
    assert_eq!(r.json()["agent_name"], "测试agent.a");
    assert!(
        !r.json()["project_name"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    assert!(
        !r.json()["department_name"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );

    let r = act(&t, &agent, id, json!({"action": "notice_missing", "version": 2, "demands": [{"code": "M02", "note": "缺施工图电子版"}]})).await;
    assert_eq!(r.json()["state"], "awaiting_materials", "{}", r.text);
    // A later notice that demands something new breaches the one-time-notice rule.
    let r = act(&t, &agent, id, json!({"action": "notice_missing", "version": 3, "demands": [{"code": "M02"}, {"code": "M03", "problem": "wrong"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let notices = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}/notices"),
            Some(&agent),
            None,
        )
        .await
        .json();
    assert_eq!(notices[0]["breach_codes"], json!([]));
    assert_eq!(notices[1]["breach_codes"], json!(["M03"]));

    // Materials incomplete: refused, naming what is missing.
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 4}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("施工图"), "{}", r.text);
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 4, "materials": ["M02", "M03"]}),
    )
    .await;
    assert_eq!(r.json()["state"], "ready", "{}", r.text);
    // Friday 10:00 + 1 working day = Monday 30 November, 17:30 China time.
    assert_eq!(r.json()["submit_due_at"], "2026-11-30T09:30:00Z");

    // The helper cannot submit for the agent; approving now is not a transition of `ready`.
    let r = act(&t, &helper, id, json!({"action": "submit", "version": 5})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = act(&t, &agent, id, json!({"action": "approve", "version": 5})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "transition_not_allowed");
    assert!(
        r.text.contains("待报送") || r.text.contains("ready"),
        "{}",
        r.text
    );

    let r = act(&t, &agent, id, json!({"action": "submit", "version": 5})).await;
    assert_eq!(r.json()["state"], "submitted", "{}", r.text);
    let mats = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}/materials"),
            Some(&agent),
            None,
        )
        .await
        .json();
    assert!(
        mats.as_array()
            .expect("array")
            .iter()
            .all(|m| m["state"] == "transferred")
    );

    let r = act(
        &t,
        &helper,
        id,
        json!({"action": "helper_accept", "version": 6}),
    )
    .await;
    assert_eq!(r.json()["state"], "in_review", "{}", r.text);
    // Accepted Friday 10:00; 3 working days: Wednesday 2 December, 17:30.
    assert_eq!(r.json()["due_at"], "2026-12-02T09:30:00Z");
    // The answer's names (read before the writer slot) are those of the item as stored: the
    // helper who just accepted it, its agent, its project and department.
    assert_eq!(r.json()["helper_name"], "测试helper.x");
    let mut stored = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&helper),
            None,
        )
        .await
        .json();
    stored
        .as_object_mut()
        .expect("an item")
        .remove("allowed_actions");
    assert_eq!(r.json(), stored);
    let r = act(&t, &helper, id, json!({"action": "suspend", "version": 7, "reason": "组织专家评审", "suspension_reason": "expert_review"})).await;
    assert_eq!(r.json()["state"], "suspended", "{}", r.text);
    t.clock.advance(chrono::Duration::days(3)); // Monday 10:00
    let helper = t.token("helper.x").await;
    let agent = t.token("agent.a").await;
    let r = act(&t, &helper, id, json!({"action": "resume", "version": 8})).await;
    assert_eq!(r.json()["state"], "in_review", "{}", r.text);
    // Paused Friday → Monday: one working day (Friday) added; resume semantics.
    assert_eq!(r.json()["due_at"], "2026-12-03T09:30:00Z");
    let r = act(&t, &helper, id, json!({"action": "extend", "version": 9, "extension_days": 2, "approver": "局长", "reason": "需现场核查"})).await;
    assert_eq!(r.json()["due_at"], "2026-12-07T09:30:00Z", "{}", r.text);

    // Two conflicting transitions at once: one wins, the other gets 409.
    let (a, b) = tokio::join!(
        act(&t, &helper, id, json!({"action": "approve", "version": 10})),
        act(
            &t,
            &helper,
            id,
            json!({"action": "reject", "version": 10, "reason": "不符合规划"})
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text,
        b.text
    );
    // The loser had reserved the audit chain's next number with its update; its rollback
    // leaves the chain whole.
    assert!(
        matches!(
            daiban_app::audit::verify(&t.app.db.conn)
                .await
                .expect("verify"),
            daiban_app::audit::Verification::Intact { .. }
        ),
        "the chain broke"
    );

    let events = t
        .api(
            Method::GET,
            &format!("/api/v1/projects/{pid}/events"),
            Some(&agent),
            None,
        )
        .await
        .json();
    let kinds: Vec<&str> = events
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in [
        "case.accept",
        "case.notice_missing",
        "case.submit",
        "case.helper_accept",
        "case.extend",
        "mandate.sign",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    // Every transition wrote a progress notice for the enterprise in the same transaction.
    assert_eq!(t.count("notifications").await, 11);
}

#[tokio::test]
async fn back_dated_entries_need_a_reason_and_are_marked() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let agent = t.token("agent.a").await;
    let yesterday = "2026-11-26T02:00:00Z";
    let r = act(
        &t,
        &agent,
        ids[0],
        json!({"action": "accept", "version": 1, "occurred_at": yesterday}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("backdate_reason"), "{}", r.text);
    // Before the request itself: refused.
    let r = act(&t, &agent, ids[0], json!({"action": "accept", "version": 1, "occurred_at": yesterday, "backdate_reason": "窗口纸质受理后补录"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    t.clock.advance(chrono::Duration::hours(5));
    let r = act(&t, &agent, ids[0], json!({"action": "accept", "version": 1, "occurred_at": "2026-11-27T03:00:00Z", "backdate_reason": "窗口纸质受理后补录"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let events = t
        .api(
            Method::GET,
            &format!("/api/v1/projects/{pid}/events"),
            Some(&agent),
            None,
        )
        .await
        .json();
    let accept = events
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["kind"] == "case.accept")
        .expect("accept event");
    assert_eq!(accept["backdated"], true);
    assert_eq!(accept["backdate_reason"], "窗口纸质受理后补录");
    assert_eq!(accept["occurred_at"], "2026-11-27T03:00:00Z");
}

#[tokio::test]
async fn every_illegal_transition_is_refused_with_the_allowed_actions() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    for action in [
        "submit",
        "materials_complete",
        "helper_accept",
        "suspend",
        "resume",
        "extend",
        "report_up",
        "approve",
        "reject",
    ] {
        let tok = if matches!(action, "submit" | "materials_complete") {
            &agent
        } else {
            &helper
        };
        let r = act(
            &t,
            tok,
            ids[0],
            json!({"action": action, "version": 1, "reason": "x"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{action}: {}", r.text);
        assert_eq!(r.json()["code"], "transition_not_allowed", "{action}");
    }
    let r = act(&t, &agent, ids[0], json!({"action": "fly", "version": 1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A stale version.
    let r = act(
        &t,
        &agent,
        ids[0],
        json!({"action": "accept", "version": 7}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "version_conflict");
}

#[tokio::test]
async fn an_upward_item_is_reported_up_and_decided_above() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-002"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "accept", "version": 1, "materials": ["M01"]}),
    )
    .await;
    // M02 may be deferred (容缺): materials are complete without it.
    let r = act(
        &t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 2}),
    )
    .await;
    assert_eq!(r.json()["state"], "ready", "{}", r.text);
    act(&t, &agent, id, json!({"action": "submit", "version": 3})).await;
    let r = act(
        &t,
        &helper,
        id,
        json!({"action": "helper_accept", "version": 4}),
    )
    .await;
    // The report-up limit (3 working days) runs.
    assert_eq!(r.json()["due_at"], "2026-12-02T09:30:00Z", "{}", r.text);
    let r = act(&t, &helper, id, json!({"action": "approve", "version": 5})).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "an upward item is decided above"
    );
    let r = act(
        &t,
        &helper,
        id,
        json!({"action": "report_up", "version": 5}),
    )
    .await;
    assert_eq!(r.json()["state"], "reported_up", "{}", r.text);
    let r = act(
        &t,
        &helper,
        id,
        json!({"action": "approve", "version": 6, "note": "泰州市批复"}),
    )
    .await;
    assert_eq!(r.json()["state"], "approved", "{}", r.text);
}

#[tokio::test]
async fn projects_and_items_are_scoped_per_role() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    for (user, code) in [
        ("ent.a", StatusCode::OK),
        ("agent.a", StatusCode::OK),
        ("lead.a", StatusCode::OK),
        ("helper.x", StatusCode::OK),
        ("coord", StatusCode::OK),
        ("leader", StatusCode::OK),
        ("ent.b", StatusCode::NOT_FOUND),
        ("agent.b", StatusCode::NOT_FOUND),
        ("admin", StatusCode::NOT_FOUND),
        ("auditor", StatusCode::NOT_FOUND),
    ] {
        let tok = t.token(user).await;
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/projects/{pid}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, code, "{user} project");
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/cases/{}", ids[0]),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, code, "{user} case item");
    }
    let tok = t.token("agent.b").await;
    let r = t
        .api(Method::GET, "/api/v1/projects", Some(&tok), None)
        .await;
    assert_eq!(r.json()["total"], 0);
    let tok = t.token("admin").await;
    let r = t
        .api(Method::GET, "/api/v1/projects", Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another town's agent cannot act on the item either.
    let tok = t.token("agent.b").await;
    let r = act(&t, &tok, ids[0], json!({"action": "accept", "version": 1})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn restricted_projects_are_declined_with_an_explanation_and_eligible_ones_cannot_be() {
    let t = TestApp::new().await;
    let ent = t.token("ent.a").await;
    let agent = t.token("agent.a").await;
    let p = post(
        &t,
        &ent,
        "/api/v1/projects",
        json!({"name": "小化工项目", "investment_wan": "800", "policy_standing": "restricted"}),
    )
    .await;
    let pid = p.json()["id"].as_i64().expect("id");
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/projects/{pid}/mandate"),
        json!({"project_version": 1, "scope": "全部", "free_and_voluntary": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/projects/{pid}/decline"),
        json!({"version": 1, "explanation": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(&t, &agent, &format!("/api/v1/projects/{pid}/decline"), json!({"version": 1, "explanation": "属《产业结构调整指导目录》限制类，不属于无偿代办范围"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "declined");
    let seen = t
        .api(
            Method::GET,
            &format!("/api/v1/projects/{pid}"),
            Some(&ent),
            None,
        )
        .await;
    assert!(
        seen.json()["decline_reason"]
            .as_str()
            .expect("reason")
            .contains("限制类")
    );

    let p = post(&t, &ent, "/api/v1/projects", json!({"name": "智能装备项目", "investment_wan": "60000", "policy_standing": "encouraged", "code": "2611-321281-04-01-123456"})).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    assert_eq!(p.json()["major"], true, "≥ 50,000 万元 is a major project");
    let pid = p.json()["id"].as_i64().expect("id");
    let r = post(
        &t,
        &agent,
        &format!("/api/v1/projects/{pid}/decline"),
        json!({"version": 1, "explanation": "不想办"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("policy_standing"), "{}", r.text);
    // Bad inputs name the field and the rule.
    let p = post(&t, &ent, "/api/v1/projects", json!({"name": "x", "investment_wan": "1e5", "policy_standing": "permitted", "code": "2611-32128-04-01-123456"})).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text.contains("investment_wan") && p.text.contains("\"code\""),
        "{}",
        p.text
    );
}

#[tokio::test]
async fn the_monitor_raises_each_alert_once_across_restarts() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]}),
    )
    .await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 2}),
    )
    .await;
    act(&t, &agent, id, json!({"action": "submit", "version": 3})).await;
    act(
        &t,
        &helper,
        id,
        json!({"action": "helper_accept", "version": 4}),
    )
    .await;
    // Due Wednesday 2 December 17:30; Thursday the item is red.
    t.clock.advance(chrono::Duration::days(6));
    let first = daiban_app::monitor::run_once(&t.app).await.expect("run");
    assert!(first.ran);
    assert!(first.alerts_raised >= 2, "{first:?}");
    let again = daiban_app::monitor::run_once(&t.app)
        .await
        .expect("run again");
    assert_eq!(again.alerts_raised, 0);
    // A restarted instance over the same database raises nothing new either.
    let restarted = daiban_app::App::new(
        t.app.db.clone(),
        t.clock.clone(),
        daiban_app::AuthPolicy::default(),
    );
    let third = daiban_app::monitor::run_once(&restarted)
        .await
        .expect("run after restart");
    assert_eq!(third.alerts_raised, 0);
    let helper = t.token("helper.x").await;
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&helper),
            None,
        )
        .await;
    assert_eq!(r.json()["warning"], "red");
    assert_eq!(
        version(&t, &helper, id).await,
        5,
        "the monitor does not bump the version"
    );
}

#[tokio::test]
async fn the_monitor_looks_at_an_item_again_only_when_its_warning_can_change() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]}),
    )
    .await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 2}),
    )
    .await;
    act(&t, &agent, id, json!({"action": "submit", "version": 3})).await;
    act(
        &t,
        &helper,
        id,
        json!({"action": "helper_accept", "version": 4}),
    )
    .await;
    let run = || async { daiban_app::monitor::run_once(&t.app).await.expect("run") };
    // Just changed: looked at, nothing to raise yet; then not again until something can change.
    let first = run().await;
    assert_eq!((first.checked, first.alerts_raised), (1, 0), "{first:?}");
    assert_eq!(run().await.checked, 0);
    t.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        run().await.checked,
        0,
        "two hours later nothing can have changed"
    );
    // Due Wednesday 2 December 17:30: by Thursday it went yellow and red, and one run raises
    // what is due.
    t.clock.advance(chrono::Duration::days(6));
    let late = run().await;
    assert_eq!(late.checked, 1, "{late:?}");
    assert!(late.alerts_raised >= 2, "{late:?}");
    // The whole item's clock runs a day longer than the department's: by a month later both
    // are red, and red stays red: never looked at again by time alone...
    t.clock.advance(chrono::Duration::days(30));
    let month = run().await;
    assert!(month.checked <= 1, "{month:?}");
    t.clock.advance(chrono::Duration::days(30));
    assert_eq!(run().await.checked, 0);
    // ...but at once after a transition.
    let helper = t.token("helper.x").await;
    let r = act(
        &t,
        &helper,
        id,
        json!({"action": "suspend", "version": 5, "suspension_reason": "expert_review", "reason": "专家评审"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(run().await.checked, 1);
    assert_eq!(run().await.checked, 0, "a pause freezes the clock");
}

#[tokio::test]
async fn a_provisional_due_date_becomes_exact_when_the_year_is_imported() {
    let t = TestApp::new().await;
    t.clock.advance(chrono::Duration::days(32)); // Tuesday 29 December 2026, 10:00
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "accept", "version": 1, "materials": ["M01", "M02", "M03"]}),
    )
    .await;
    act(
        &t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 2}),
    )
    .await;
    act(&t, &agent, id, json!({"action": "submit", "version": 3})).await;
    let r = act(
        &t,
        &helper,
        id,
        json!({"action": "helper_accept", "version": 4}),
    )
    .await;
    // 3 working days from Tuesday reach into 2027, whose holidays are not published: counted on
    // weekends alone (Friday 1 January) and marked provisional.
    assert_eq!(r.json()["due_at"], "2027-01-01T09:30:00Z", "{}", r.text);
    assert_eq!(r.json()["due_provisional"], true);
    let admin = t.token("admin").await;
    let fixture: Value = serde_json::from_str(include_str!(
        "../../../daiban/tests/fixtures/2027-test.json"
    ))
    .expect("fixture");
    let imp = post(&t, &admin, "/api/v1/calendar/imports", fixture).await;
    assert_eq!(imp.status, StatusCode::CREATED, "{}", imp.text);
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&helper),
            None,
        )
        .await;
    // 1–3 January are off in the imported arrangement: due Monday 4 January, exact now.
    assert_eq!(r.json()["due_at"], "2027-01-04T09:30:00Z", "{}", r.text);
    assert_eq!(r.json()["due_provisional"], false);
    let events = t
        .api(
            Method::GET,
            &format!("/api/v1/projects/{pid}/events"),
            Some(&helper),
            None,
        )
        .await
        .json();
    let change = events
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["kind"] == "due.changed")
        .expect("the change of due date is in the item's history");
    assert_eq!(change["data"]["old_due_at"], "2027-01-01T09:30:00Z");
    assert_eq!(change["data"]["new_due_at"], "2027-01-04T09:30:00Z");
    assert_eq!(change["data"]["was_provisional"], true);
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "daibanTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    t: &TestApp,
    tok: &str,
    id: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> crate::helpers::Resp {
    let (ct, body) = multipart(fields, file);
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/cases/{id}/uploads"))
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {tok}"))
        .header(axum::http::header::CONTENT_TYPE, ct)
        .body(axum::body::Body::from(body))
        .expect("request");
    t.send(req).await
}

#[tokio::test]
async fn the_enterprise_uploads_a_material_and_only_its_side_can_read_it() {
    let t = TestApp::new().await;
    let (_, ids) = active_project(&t, &["XT-001"]).await;
    let id = ids[0];
    let ent = t.token("ent.a").await;
    let pdf = b"%PDF-1.4\n% test drawing\n";
    let r = upload(
        &t,
        &ent,
        id,
        &[("material", "M02"), ("note", "施工图电子版")],
        Some(("施工图.pdf", pdf)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let up = r.json();
    assert_eq!(up["material_code"], "M02");
    assert_eq!(up["size_bytes"], pdf.len());
    // Wrong type, unknown material, no file: each named.
    let r = upload(&t, &ent, id, &[("material", "M02")], Some(("x.exe", b"MZ"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("file_type"), "{}", r.text);
    let r = upload(&t, &ent, id, &[("material", "M99")], Some(("a.pdf", pdf))).await;
    assert!(r.text.contains("unknown_material"), "{}", r.text);
    let r = upload(&t, &ent, id, &[("material", "M02")], Some(("a.pdf", b""))).await;
    assert!(r.text.contains("empty"), "{}", r.text);
    // Another enterprise cannot upload to it or read it; the agent of the unit can read it.
    let other = t.token("ent.b").await;
    let r = upload(&t, &other, id, &[("material", "M02")], Some(("a.pdf", pdf))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let uid = up["id"].as_i64().expect("id");
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/uploads/{uid}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let agent = t.token("agent.a").await;
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/uploads/{uid}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text.as_bytes(), pdf);
    assert!(
        r.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .contains("attachment")
    );
    let list = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}/uploads"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(list.json().as_array().expect("array").len(), 1);
    // A file above 20 MB is refused with a 422, not a 500.
    let big = vec![b'a'; daiban_app::uploads::MAX_UPLOAD_BYTES + 1];
    let r = upload(
        &t,
        &ent,
        id,
        &[("material", "M02")],
        Some(("big.pdf", &big)),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &r.text[..r.text.len().min(300)]
    );
}

/// Takes an item from request to the department's acceptance at the clock's current time.
async fn to_review(t: &TestApp, id: i64) -> Value {
    let agent = t.token("agent.a").await;
    let helper = t.token("helper.x").await;
    let mats: Vec<String> = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}/materials"),
            Some(&agent),
            None,
        )
        .await
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["code"].as_str().expect("code").to_owned())
        .collect();
    act(
        t,
        &agent,
        id,
        json!({"action": "accept", "version": 1, "materials": mats}),
    )
    .await;
    let r = act(
        t,
        &agent,
        id,
        json!({"action": "materials_complete", "version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let submit_due = r.json()["submit_due_at"].clone();
    act(t, &agent, id, json!({"action": "submit", "version": 3})).await;
    let r = act(
        t,
        &helper,
        id,
        json!({"action": "helper_accept", "version": 4}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut v = r.json();
    v["submit_due_at_seen"] = submit_due;
    v
}

/// Adds the department D-Y and the catalog's joint item XT-004, led by D-X with D-Y as
/// co-department. Returns D-Y's id.
async fn add_joint_item(t: &TestApp) -> i64 {
    let unit = daiban_app::units::create_unchecked(
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
    let w = t.app.begin_write().await.expect("txn");
    daiban_app::catalog::load_file(
        &w.txn,
        t.app.now(),
        &ActorRef::system(),
        &Meta::cli(),
        r#"
[catalog]
version = 2
title = "联办测试"
[[item]]
code = "XT-004"
name = "联合验收"
department = "D-X"
co_departments = ["D-Y"]
type = "joint"
committed_limit_days = 4
limits_source = "estimated"
stage = "completion"
[[item.material]]
code = "M01"
name = "竣工验收报告"
format = "original"
copies = 1
source = "申请人自备"
"#,
    )
    .await
    .expect("joint item");
    w.commit().await.expect("commit");
    unit.id
}

#[tokio::test]
async fn a_co_departments_open_joint_items_follow_the_items_state() {
    use daiban_store::sea_orm::ConnectionTrait;
    let t = TestApp::new().await;
    let dy = add_joint_item(&t).await;
    let (_, ids) = active_project(&t, &["XT-004"]).await;
    let id = ids[0];
    // The link's mark, kept by the database's triggers (migration m0021).
    let mark = || async {
        let db = &t.app.db.conn;
        let row = db
            .query_one_raw(daiban_store::sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT CASE WHEN item_open THEN 1 ELSE 0 END AS o \
                     FROM case_item_departments WHERE case_item_id = {id} AND department_id = {dy}"
                ),
            ))
            .await
            .expect("query")
            .expect("the link");
        row.try_get::<i32>("", "o").expect("o") == 1
    };
    // D-Y's helper, as the scope sees it.
    let helper = daiban_app::Actor {
        user_id: 0,
        username: "dy.helper".into(),
        name: "D-Y".into(),
        role: daiban_domain::role::Role::Helper,
        unit_id: Some(dy),
        unit_name: "市自然资源和规划局".into(),
        unit_kind: Some(daiban_domain::unit::UnitKind::Department),
        enterprise_id: None,
        locale: "zh-CN".into(),
        csrf_token: String::new(),
    };
    let open = || async {
        daiban_app::cases::count(
            &t.app.db.conn,
            &helper,
            &daiban_app::cases::CaseFilter {
                state: Some("open".into()),
                ..daiban_app::cases::CaseFilter::default()
            },
            t.app.now(),
        )
        .await
        .expect("count")
    };
    assert!(mark().await, "requested: open");
    assert_eq!(open().await, 1);
    let v = to_review(&t, id).await;
    assert!(mark().await, "in review: open");
    let lead = t.token("helper.x").await;
    let r = act(
        &t,
        &lead,
        id,
        json!({"action": "approve", "version": v["version"], "note": "同意"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!mark().await, "approved: closed");
    assert_eq!(open().await, 0, "no longer among D-Y's open items");
    // Still D-Y's item, among all its items.
    let all = daiban_app::cases::count(
        &t.app.db.conn,
        &helper,
        &daiban_app::cases::CaseFilter::default(),
        t.app.now(),
    )
    .await
    .expect("count");
    assert_eq!(all, 1);
}

#[tokio::test]
async fn each_type_s_clock_across_the_national_day_holiday() {
    use chrono::TimeZone;
    let t = TestApp::new().await;
    // Wednesday 30 September 2026, 10:00 China time; 1–7 October are off, Saturday 10 October
    // is a make-up working day.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 9, 30, 2, 0, 0)
            .single()
            .expect("time"),
    );
    // A joint item (联办件) led by D-X with D-Y.
    add_joint_item(&t).await;
    let (_, ids) = active_project(&t, &["XT-001", "XT-002", "XT-003", "XT-004"]).await;
    let items: Vec<Value> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(to_review(&t, *id).await);
        }
        v
    };
    let by_code = |code: &str| {
        items
            .iter()
            .find(|i| i["item_code"] == code)
            .expect("item")
            .clone()
    };
    // The agent's submission: 1 working day after the materials are complete → Thursday 8 October.
    assert_eq!(
        by_code("XT-001")["submit_due_at_seen"],
        "2026-10-08T09:30:00Z"
    );
    // Committed, 3 working days: 8, 9, 10 (the make-up Saturday) October.
    assert_eq!(by_code("XT-001")["due_at"], "2026-10-10T09:30:00Z");
    // Upward: reported up within 3 working days, the same walk.
    assert_eq!(by_code("XT-002")["due_at"], "2026-10-10T09:30:00Z");
    // Immediate: the same working day.
    assert_eq!(by_code("XT-003")["due_at"], "2026-09-30T09:30:00Z");
    // Joint, 4 working days: 8, 9, 10 and Monday 12 October; one acceptance lists the co-department.
    assert_eq!(by_code("XT-004")["due_at"], "2026-10-12T09:30:00Z");
    assert_eq!(
        by_code("XT-004")["co_department_names"],
        json!(["市自然资源和规划局"])
    );
}

#[tokio::test]
async fn the_expected_completion_follows_the_prerequisites() {
    let t = TestApp::new().await;
    let (pid, _) = active_project(&t, &["XT-001"]).await;
    let ent = t.token("ent.a").await;
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/projects/{pid}/expected-completion"),
            Some(&ent),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let x = r.json();
    // Today Friday 27 November. XT-001 (requested, not started): the agent's day plus 3 → Thursday
    // 3 December. XT-002 needs XT-001: the agent's day plus its 5 committed days from 3 December
    // → Friday 11 December. XT-003 applies only to some projects and is not counted.
    assert_eq!(x["date"], "2026-12-11");
    assert_eq!(x["provisional"], false);
    let path: Vec<&str> = x["critical_path"]
        .as_array()
        .expect("path")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(path, ["XT-001", "XT-002"]);
    assert_eq!(x["not_started"], 1);
}

#[tokio::test]
async fn a_catalog_revision_never_rewrites_what_an_open_item_was_told() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let admin = t.token("admin").await;
    let current = t
        .api(Method::GET, "/api/v1/catalog/XT-001", Some(&admin), None)
        .await
        .json();
    let item = &current[0];
    assert_eq!(item["revision"], 1);
    let body = json!({"base_revision": 1, "change_note": "承诺时限调整为 5 个工作日，增加消防设计文件",
               "item": {"code": "XT-001", "name": item["name"], "department": "D-X", "type": "committed",
                        "statutory_limit_days": 15, "committed_limit_days": 5, "limits_source": "sourced",
                        "stage": "construction_permit",
                        "material": [{"code": "M01", "name": "申请表", "format": "original", "copies": 1, "source": "申请人自备"},
                                     {"code": "M04", "name": "消防设计文件", "format": "electronic", "copies": 1, "source": "中介机构编制"}]}});
    let r = post(&t, &admin, "/api/v1/catalog/XT-001", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["revision"], 2);
    // A stale base revision is a conflict.
    let stale = post(&t, &admin, "/api/v1/catalog/XT-001", body).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    // The open case item keeps revision 1: its limit and its materials.
    let agent = t.token("agent.a").await;
    let told = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{}/catalog-item", ids[0]),
            Some(&agent),
            None,
        )
        .await
        .json();
    assert_eq!(told["revision"], 1);
    assert_eq!(told["committed_limit_days"], 3);
    let mats = t
        .api(
            Method::GET,
            &format!("/api/v1/cases/{}/materials", ids[0]),
            Some(&agent),
            None,
        )
        .await
        .json();
    assert_eq!(mats.as_array().expect("materials").len(), 3);
    // A new request takes revision 2.
    let ent = t.token("ent.a").await;
    act(
        &t,
        &agent,
        ids[0],
        json!({"action": "withdraw", "version": 1, "reason": "企业调整方案后重新申请"}),
    )
    .await;
    let r = post(
        &t,
        &ent,
        &format!("/api/v1/projects/{pid}/cases"),
        json!({"item_codes": ["XT-001"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()[0]["limit_days"], 5);
}

#[tokio::test]
async fn the_project_list_puts_projects_with_a_red_item_first_across_pages() {
    use daiban_store::sea_orm::ConnectionTrait;
    let t = TestApp::new().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (pid, cases) = active_project(&t, &["XT-001"]).await;
        ids.push((pid, cases[0]));
    }
    // The second and the fourth have an overdue item.
    for (_, case) in [ids[1], ids[3]] {
        t.app
            .db
            .conn
            .execute_unprepared(&format!(
                "UPDATE case_items SET warning = 'red' WHERE id = {case}"
            ))
            .await
            .expect("red");
    }
    let want = [ids[3].0, ids[1].0, ids[4].0, ids[2].0, ids[0].0];
    let coord = t.token("coord").await;
    // Unfiltered, the bureau's red projects are counted from the items alone; with a filter,
    // through the projects: the same pages either way.
    for filter in ["", "&status=active"] {
        let mut paged = Vec::new();
        for offset in [0, 2, 4] {
            let r = t
                .api(
                    Method::GET,
                    &format!("/api/v1/projects?limit=2&offset={offset}{filter}"),
                    Some(&coord),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.json()["total"], 5);
            paged.extend(
                r.json()["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|p| p["id"].as_i64().expect("id")),
            );
        }
        assert_eq!(
            paged, want,
            "red first, then the newest, page after page ({filter})"
        );
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/projects?overdue=true&limit=1&offset=1{filter}"),
                Some(&coord),
                None,
            )
            .await;
        assert_eq!(r.json()["total"], 2, "{filter}");
        let only: Vec<i64> = r.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(only, [ids[1].0], "{filter}");
    }
}

#[tokio::test]
async fn the_case_list_puts_red_then_yellow_items_first_by_due_date_across_pages() {
    use daiban_store::sea_orm::ConnectionTrait;
    let t = TestApp::new().await;
    let mut cases = Vec::new();
    for _ in 0..6 {
        let (_, c) = active_project(&t, &["XT-001"]).await;
        cases.push(c[0]);
    }
    // Warning levels and due dates set directly: two red, two yellow, two without a warning,
    // each pair due in the reverse order of creation.
    for (k, (case, warning)) in cases
        .iter()
        .zip(["red", "red", "yellow", "yellow", "none", "none"])
        .enumerate()
    {
        let day = 20 - k;
        t.app
            .db
            .conn
            .execute_unprepared(&format!(
                "UPDATE case_items SET warning = '{warning}', \
                 due_at = '2026-12-{day:02}T09:00:00+00:00' WHERE id = {case}"
            ))
            .await
            .expect("warning");
    }
    let want = [cases[1], cases[0], cases[3], cases[2], cases[5], cases[4]];
    let coord = t.token("coord").await;
    let mut paged = Vec::new();
    for offset in [0, 3] {
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/cases?limit=3&offset={offset}"),
                Some(&coord),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        paged.extend(
            r.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["id"].as_i64().expect("id")),
        );
    }
    assert_eq!(
        paged, want,
        "red, then yellow, then the rest, each soonest due first"
    );
}
