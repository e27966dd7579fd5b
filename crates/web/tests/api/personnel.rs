//! Personnel filing: the approval gate, the rules, the register's flags and evidence, and the
//! handover of an adjustment (atomic, and the invariant `daiban check` proves).

use crate::cases::active_project;
use crate::helpers::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use chrono::TimeZone;
use daiban_app::Meta;
use daiban_app::audit::ActorRef;
use daiban_app::error::Checks;
use daiban_store::sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const ALL_CONDITIONS: [&str; 6] = [
    "integrity",
    "dedication",
    "responsibility",
    "knowledge",
    "service",
    "computer",
];

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

/// An extra account.
async fn account(t: &TestApp, username: &str, role: &str, unit: &str) -> i64 {
    let hash = daiban_app::auth::hash_password(PASSWORD)
        .await
        .expect("hash");
    daiban_app::users::create_with_hash(
        &t.app,
        &ActorRef::system(),
        &daiban_app::users::UserInput {
            username: username.into(),
            name: format!("测试{username}"),
            role: role.into(),
            unit: unit.into(),
            ..daiban_app::users::UserInput::default()
        },
        username,
        hash,
        Checks::default(),
        &Meta::cli(),
    )
    .await
    .expect("user")
    .id
}

fn selection(candidate: i64, cadre: &str) -> Value {
    json!({"kind": "selection", "candidate_id": candidate, "cadre": cadre, "conditions": ALL_CONDITIONS})
}

/// Proposes (as `proposer`) and approves (as the coordinator); returns the approved filing.
async fn file(t: &TestApp, proposer: &str, body: Value) -> Value {
    let tok = t.token(proposer).await;
    let r = post(t, &tok, "/api/v1/filings", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let f = r.json();
    let coord = t.token("coord").await;
    let d = post(
        t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": f["version"]}),
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    d.json()
}

fn unit_of<'a>(register: &'a Value, code: &str) -> &'a Value {
    register
        .as_array()
        .expect("array")
        .iter()
        .find(|u| u["unit_code"] == code)
        .expect("unit on the register")
}

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| {
            x.as_str().map_or_else(
                || x["code"].as_str().unwrap_or_default().to_owned(),
                str::to_owned,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_selection_takes_effect_only_when_the_bureau_approves() {
    let t = TestApp::new().await;
    let lead = t.token("lead.a").await;
    let coord = t.token("coord").await;
    let agent_a = t.user_id("agent.a").await;

    let reg = get(&t, &coord, "/api/v1/personnel/register").await;
    assert_eq!(reg.status, StatusCode::OK, "{}", reg.text);
    let ta = unit_of(&reg.json(), "T-A").clone();
    assert_eq!(ta["holders"].as_array().map(Vec::len), Some(0));
    assert_eq!(codes(&ta["flags"]), ["below_count"]);
    assert_eq!(ta["unfiled"][0]["id"], agent_a);
    // The bureau's own unit files no post.
    assert!(
        reg.json()
            .as_array()
            .expect("array")
            .iter()
            .all(|u| u["unit_code"] != "BUREAU")
    );

    let r = post(
        &t,
        &lead,
        "/api/v1/filings",
        selection(agent_a, "young_reserve"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let f = r.json();
    assert_eq!(f["status"], "proposed");
    assert_eq!(f["post"], "agent");
    assert_eq!(f["cadre_qualifies"], true);
    // Proposed is not in effect.
    let ta = unit_of(
        &get(&t, &coord, "/api/v1/personnel/register").await.json(),
        "T-A",
    )
    .clone();
    assert_eq!(ta["holders"].as_array().map(Vec::len), Some(0));
    assert_eq!(ta["pending"], 1);
    // Only the bureau decides; the unit's own agent cannot propose.
    let agent = t.token("agent.a").await;
    let d = post(
        &t,
        &lead,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    assert_eq!(d.status, StatusCode::FORBIDDEN);
    let p = post(
        &t,
        &agent,
        "/api/v1/filings",
        selection(agent_a, "young_reserve"),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    let d = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.json()["status"], "approved");
    let ta = unit_of(
        &get(&t, &lead, "/api/v1/personnel/register").await.json(),
        "T-A",
    )
    .clone();
    assert_eq!(ta["holders"][0]["user_id"], agent_a);
    assert_eq!(ta["holders"][0]["since"], "2026-11-27");
    // One agent is still fewer than two.
    assert_eq!(codes(&ta["flags"]), ["below_count"]);
    assert!(
        ta["flags"][0]["zh"]
            .as_str()
            .unwrap_or_default()
            .contains("少于应配 2 人")
    );
    // Deciding twice is refused, naming why.
    let again = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": false, "note": "x", "version": 2}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "transition_not_allowed");
    // Audited.
    let n = t
        .count("audit_log WHERE action IN ('filing.propose','filing.approve')")
        .await;
    assert_eq!(n, 2);
    // A unit leader sees only their unit; an enterprise nothing.
    let own = get(&t, &lead, "/api/v1/personnel/register").await.json();
    assert_eq!(own.as_array().map(Vec::len), Some(1));
    let ent = t.token("ent.a").await;
    assert_eq!(
        get(&t, &ent, "/api/v1/personnel/register").await.status,
        StatusCode::FORBIDDEN
    );
    let other = t.token("agent.b").await;
    let tid = unit_id(&t, "T-A").await;
    assert_eq!(
        get(&t, &other, &format!("/api/v1/personnel/units/{tid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&t, &other, &format!("/api/v1/filings/{}", f["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_broken_rule_of_a_proposal_is_named() {
    let t = TestApp::new().await;
    let lead = t.token("lead.a").await;
    let agent_a = t.user_id("agent.a").await;
    let agent_b = t.user_id("agent.b").await;

    let r = post(
        &t,
        &lead,
        "/api/v1/filings",
        json!({"kind": "selection", "candidate_id": agent_b, "cadre": "cadet", "conditions": ["integrity", "computer"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields: Vec<(String, String)> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for want in [
        ("cadre", "cadre"),
        ("conditions", "conditions_incomplete"),
        ("candidate_id", "candidate"),
    ] {
        assert!(
            fields.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} in {fields:?}"
        );
    }
    let zh = r.text.clone();
    assert!(
        zh.contains("熟悉政策法律法规"),
        "the missing condition is named: {zh}"
    );

    // An adjustment needs someone in the post and a reason.
    let r = post(
        &t,
        &lead,
        "/api/v1/filings",
        json!({"kind": "adjustment", "candidate_id": agent_a, "outgoing_id": agent_b, "cadre": "young_reserve", "conditions": ALL_CONDITIONS}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text.clone();
    assert!(
        text.contains("\"outgoing_id\"") && text.contains("\"reason\""),
        "{text}"
    );

    // A department has exactly one helper: a second selection is refused.
    let helper_x = t.user_id("helper.x").await;
    let dx = unit_id(&t, "D-X").await;
    file(&t, "coord", json!({"kind": "selection", "unit_id": dx, "candidate_id": helper_x, "cadre": "middle_level", "conditions": ALL_CONDITIONS})).await;
    let second = account(&t, "helper.x2", "helper", "D-X").await;
    let coord = t.token("coord").await;
    let r = post(&t, &coord, "/api/v1/filings", json!({"kind": "selection", "unit_id": dx, "candidate_id": second, "cadre": "middle_level", "conditions": ALL_CONDITIONS})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "post_full");
    // A future appointment date is refused.
    let r = post(&t, &lead, "/api/v1/filings", json!({"kind": "selection", "candidate_id": agent_a, "cadre": "young_reserve", "conditions": ALL_CONDITIONS, "appointed_on": "2026-12-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "appointed_on");

    // A rejection needs a reason and is shown to the unit.
    let f = post(
        &t,
        &lead,
        "/api/v1/filings",
        selection(agent_a, "young_reserve"),
    )
    .await
    .json();
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": false, "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "note");
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": false, "note": "请补充任职文件", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let seen = get(&t, &lead, &format!("/api/v1/filings/{}", f["id"]))
        .await
        .json();
    assert_eq!(seen["status"], "rejected");
    assert_eq!(seen["decision_note"], "请补充任职文件");
    // Nothing took effect.
    let ta = unit_of(
        &get(&t, &lead, "/api/v1/personnel/register").await.json(),
        "T-A",
    )
    .clone();
    assert_eq!(ta["holders"].as_array().map(Vec::len), Some(0));
    // A pending proposal can be withdrawn by its unit, once.
    let f = post(
        &t,
        &lead,
        "/api/v1/filings",
        selection(agent_a, "station_head"),
    )
    .await
    .json();
    let w = post(
        &t,
        &lead,
        &format!("/api/v1/filings/{}/withdrawal", f["id"]),
        json!({"version": 1}),
    )
    .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    assert_eq!(w.json()["status"], "withdrawn");
    let w = post(
        &t,
        &lead,
        &format!("/api/v1/filings/{}/withdrawal", f["id"]),
        json!({"version": 2}),
    )
    .await;
    assert_eq!(w.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn staffing_flags_are_recorded_as_evidence_while_they_last() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let dx = unit_id(&t, "D-X").await;
    let helper_x = t.user_id("helper.x").await;
    // D-X has no service-center window: a window head does not qualify as its helper.
    file(&t, "coord", json!({"kind": "selection", "unit_id": dx, "candidate_id": helper_x, "cadre": "window_head", "conditions": ALL_CONDITIONS, "appointed_on": "2024-09-01"})).await;
    let reg = get(&t, &coord, "/api/v1/personnel/register").await.json();
    let d = unit_of(&reg, "D-X");
    assert_eq!(codes(&d["flags"]), ["non_qualifying"]);
    assert_eq!(d["holders"][0]["qualifies"], false);
    assert_eq!(d["holders"][0]["since"], "2024-09-01");
    // Flagged units first: every unit here is flagged (the towns have no agents filed yet).
    assert!(
        reg.as_array()
            .expect("array")
            .iter()
            .all(|u| !codes(&u["flags"]).is_empty())
    );

    let ev = get(
        &t,
        &coord,
        &format!("/api/v1/personnel/evidence?unit_id={dx}"),
    )
    .await
    .json();
    let open: Vec<&Value> = ev
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["closed_on"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{ev}");
    assert_eq!(open[0]["kind"], "non_qualifying");
    assert_eq!(open[0]["detail"], "window_head");
    // The monitor keeps it as is (idempotent) and opens the towns' below-count episodes.
    daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    let again = daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    assert_eq!(again.staffing_changes, 0);
    let ta = unit_id(&t, "T-A").await;
    let ev = get(
        &t,
        &coord,
        &format!("/api/v1/personnel/evidence?unit_id={ta}"),
    )
    .await
    .json();
    assert_eq!(ev[0]["kind"], "below_count");
    assert_eq!(ev[0]["detail"], "0/2");
    // Within a date range: the episode from today overlaps today, not last month.
    let ev = get(
        &t,
        &coord,
        &format!("/api/v1/personnel/evidence?unit_id={ta}&from=2026-10-01&to=2026-10-31"),
    )
    .await
    .json();
    assert_eq!(ev.as_array().map(Vec::len), Some(0));
    // A unit's staff read only their own unit's evidence.
    let lead = t.token("lead.a").await;
    assert_eq!(
        get(
            &t,
            &lead,
            &format!("/api/v1/personnel/evidence?unit_id={dx}")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

/// T-A files agent.a (since 2025-03-01); a project's items are accepted by agent.a, who holds
/// their materials and is named on the mandate. Returns (agent.a, successor, case item ids).
async fn agent_with_work(t: &TestApp) -> (i64, i64, Vec<i64>) {
    let agent_a = t.user_id("agent.a").await;
    file(t, "lead.a", json!({"kind": "selection", "candidate_id": agent_a, "cadre": "young_reserve", "conditions": ALL_CONDITIONS, "appointed_on": "2025-03-01"})).await;
    let successor = account(t, "agent.a2", "agent", "T-A").await;
    let (_pid, ids) = active_project(t, &["XT-001", "XT-002"]).await;
    let agent = t.token("agent.a").await;
    let r = post(
        t,
        &agent,
        &format!("/api/v1/cases/{}/actions", ids[0]),
        json!({"action": "accept", "version": 1, "materials": ["M01"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (agent_a, successor, ids)
}

async fn case_agent(t: &TestApp, id: i64) -> Option<i64> {
    use daiban_store::entity::case_item;
    use daiban_store::sea_orm::EntityTrait;
    case_item::Entity::find_by_id(id)
        .one(&t.app.db.conn)
        .await
        .expect("db")
        .expect("item")
        .agent_id
}

#[tokio::test]
async fn an_adjustment_hands_over_all_open_work_and_closes_the_account_after_both_confirm() {
    let t = TestApp::new().await;
    let (agent_a, successor, ids) = agent_with_work(&t).await;
    assert_eq!(case_agent(&t, ids[0]).await, Some(agent_a));
    // The administrator cannot simply close an account with open work.
    let admin = t.token("admin").await;
    let r = post(
        &t,
        &admin,
        &format!("/api/v1/users/{agent_a}/active"),
        json!({"active": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["code"], "open_work");

    // November, after 1 year 9 months, no work change: both rules broken, shown before deciding.
    let lead = t.token("lead.a").await;
    let r = post(&t, &lead, "/api/v1/filings", json!({"kind": "adjustment", "candidate_id": successor, "outgoing_id": agent_a, "cadre": "station_head", "conditions": ALL_CONDITIONS, "reason": "借调县委办"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let f = r.json();
    assert_eq!(f["violations"], json!(["short_tenure", "out_of_window"]));
    assert_eq!(f["outgoing_since"], "2025-03-01");
    // A violation does not block the decision.
    let coord = t.token("coord").await;
    let d = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let f = d.json();
    assert_eq!(f["violations"], json!(["short_tenure", "out_of_window"]));
    let hid = f["handover_id"].as_i64().expect("handover");

    // Everything moved in the decision's transaction.
    assert_eq!(case_agent(&t, ids[0]).await, Some(successor));
    let h = get(&t, &coord, &format!("/api/v1/handovers/{hid}"))
        .await
        .json();
    let kinds: Vec<&str> = h["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default())
        .collect();
    for k in ["case_item_agent", "material", "mandate"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let mats = get(&t, &coord, &format!("/api/v1/cases/{}/materials", ids[0]))
        .await
        .json();
    let held: Vec<&Value> = mats
        .as_array()
        .expect("materials")
        .iter()
        .filter(|m| m["state"] == "held")
        .collect();
    assert!(!held.is_empty(), "{mats}");
    assert!(
        held.iter().all(|m| m["holder_name"] == "测试agent.a2"),
        "{mats}"
    );
    // One person-time of staffing evidence, with both rules.
    let ta = unit_id(&t, "T-A").await;
    let ev = get(
        &t,
        &coord,
        &format!("/api/v1/personnel/evidence?unit_id={ta}"),
    )
    .await
    .json();
    let rule: Vec<&Value> = ev
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["kind"] == "adjustment_rule")
        .collect();
    assert_eq!(rule.len(), 1);
    assert_eq!(rule[0]["detail"], "short_tenure,out_of_window");
    assert_eq!(rule[0]["user_id"], agent_a);
    // The register: the successor holds the post; the history keeps agent.a's.
    let hist = get(&t, &lead, &format!("/api/v1/personnel/units/{ta}"))
        .await
        .json();
    assert_eq!(hist["register"]["holders"][0]["user_id"], successor);
    let ended: Vec<&Value> = hist["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter(|p| p["user_id"] == agent_a)
        .collect();
    assert_eq!(ended[0]["until"], "2026-11-27");
    assert!(
        daiban_app::handover::orphaned_work(&t.app.db.conn)
            .await
            .expect("check")
            .is_empty()
    );

    // Both confirm; then the outgoing account is closed.
    let old = t.token("agent.a").await;
    let r = post(
        &t,
        &old,
        &format!("/api/v1/handovers/{hid}/confirmations"),
        json!({"side": "to", "version": 1}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the successor confirms receipt"
    );
    let r = post(
        &t,
        &old,
        &format!("/api/v1/handovers/{hid}/confirmations"),
        json!({"side": "from", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "open");
    let new = t.token("agent.a2").await;
    let r = post(
        &t,
        &new,
        &format!("/api/v1/handovers/{hid}/confirmations"),
        json!({"side": "to", "version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "confirmed");
    let me = get(&t, &old, "/api/v1/me").await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "the closed account's token is revoked"
    );
    assert!(
        daiban_app::handover::orphaned_work(&t.app.db.conn)
            .await
            .expect("check")
            .is_empty()
    );
    let r = post(
        &t,
        &new,
        &format!("/api/v1/handovers/{hid}/confirmations"),
        json!({"side": "to", "version": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_year_end_adjustment_after_two_years_breaks_no_rule_and_the_bureau_confirms_for_who_left()
{
    let t = TestApp::new().await;
    let (agent_a, successor, _ids) = agent_with_work(&t).await;
    // 2027-03-01 would be two years; in December 2026 the tenure rule is still broken, but not
    // the window. A work change waives only the window.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 10, 2, 0, 0)
            .single()
            .expect("time"),
    );
    let lead = t.token("lead.a").await;
    let f = post(&t, &lead, "/api/v1/filings", json!({"kind": "adjustment", "candidate_id": successor, "outgoing_id": agent_a, "cadre": "young_reserve", "conditions": ALL_CONDITIONS, "reason": "年底集中调整"})).await.json();
    assert_eq!(f["violations"], json!(["short_tenure"]));
    let coord = t.token("coord").await;
    let f = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await
    .json();
    let hid = f["handover_id"].as_i64().expect("handover");
    // The coordinator confirms for the person who left, with a note.
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/handovers/{hid}/confirmations"),
        json!({"side": "from", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/handovers/{hid}/confirmations"),
        json!({"side": "from", "note": "本人已调离，由审批局代为确认", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json()["from_confirmed_by"]
            .as_str()
            .unwrap_or_default()
            .contains("coord")
    );

    // Two years later, in December, no rule is broken.
    t.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2028, 12, 15, 2, 0, 0)
            .single()
            .expect("time"),
    );
    let third = account(&t, "agent.a3", "agent", "T-A").await;
    let lead = t.token("lead.a").await;
    let f = post(&t, &lead, "/api/v1/filings", json!({"kind": "adjustment", "candidate_id": third, "outgoing_id": successor, "cadre": "young_reserve", "conditions": ALL_CONDITIONS, "reason": "年底集中调整"})).await.json();
    assert_eq!(f["violations"], json!([]));
}

#[tokio::test]
async fn a_failed_approval_changes_nothing() {
    let t = TestApp::new().await;
    let (agent_a, successor, ids) = agent_with_work(&t).await;
    let lead = t.token("lead.a").await;
    let f = post(&t, &lead, "/api/v1/filings", json!({"kind": "adjustment", "candidate_id": successor, "outgoing_id": agent_a, "cadre": "young_reserve", "conditions": ALL_CONDITIONS, "work_change": true, "reason": "调任镇党政办"})).await.json();
    // Make the last statement of the handover fail: the listing of what moved.
    let conn = &t.app.db.conn;
    let sqlite = t.app.db.backend == daiban_store::Backend::Sqlite;
    if sqlite {
        conn.execute_unprepared("CREATE TRIGGER fail_handover BEFORE INSERT ON handover_entries BEGIN SELECT RAISE(ABORT, 'injected'); END")
            .await
            .expect("trigger");
    } else {
        conn.execute_unprepared("CREATE FUNCTION fail_handover() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$ LANGUAGE plpgsql")
            .await
            .expect("function");
        conn.execute_unprepared("CREATE TRIGGER fail_handover BEFORE INSERT ON handover_entries FOR EACH ROW EXECUTE FUNCTION fail_handover()")
            .await
            .expect("trigger");
    }
    let coord = t.token("coord").await;
    let before_audit = t.count("audit_log").await;
    let d = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    assert_eq!(d.status, StatusCode::INTERNAL_SERVER_ERROR);
    // Nothing half-written: the filing, the posts, the items, the evidence, the audit log.
    assert_eq!(
        get(&t, &coord, &format!("/api/v1/filings/{}", f["id"]))
            .await
            .json()["status"],
        "proposed"
    );
    assert_eq!(case_agent(&t, ids[0]).await, Some(agent_a));
    assert_eq!(t.count("handovers").await, 0);
    assert_eq!(t.count("posts WHERE until IS NOT NULL").await, 0);
    assert_eq!(t.count("audit_log").await, before_audit);
    conn.execute_unprepared(if sqlite {
        "DROP TRIGGER fail_handover"
    } else {
        "DROP TRIGGER fail_handover ON handover_entries"
    })
    .await
    .expect("drop");
    let d = post(
        &t,
        &coord,
        &format!("/api/v1/filings/{}/decision", f["id"]),
        json!({"approve": true, "version": 1}),
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(
        d.json()["violations"],
        json!(["short_tenure"]),
        "a work change waives the window only"
    );
    assert_eq!(case_agent(&t, ids[0]).await, Some(successor));
}

#[tokio::test]
async fn the_check_finds_work_left_with_an_inactive_account() {
    let t = TestApp::new().await;
    let (agent_a, _successor, ids) = agent_with_work(&t).await;
    assert!(
        daiban_app::handover::orphaned_work(&t.app.db.conn)
            .await
            .expect("check")
            .is_empty()
    );
    // Bypass the use cases, as a careless script would.
    t.app
        .db
        .conn
        .execute_unprepared(&format!(
            "UPDATE users SET active = FALSE WHERE id = {agent_a}"
        ))
        .await
        .expect("update");
    let orphans = daiban_app::handover::orphaned_work(&t.app.db.conn)
        .await
        .expect("check");
    assert!(
        orphans
            .iter()
            .any(|o| o.kind == "case_item_agent" && o.ref_id == ids[0]),
        "{orphans:?}"
    );
    assert!(orphans.iter().any(|o| o.kind == "material"), "{orphans:?}");
    assert!(orphans.iter().all(|o| o.user_id == agent_a));
}

#[tokio::test]
async fn filing_proposing_deciding_and_handing_over_through_the_pages() {
    use crate::helpers::csrf_of;
    use crate::problem_pages::{form, hidden, id_in, location};
    let t = TestApp::new().await;
    let agent_a = t.user_id("agent.a").await;
    let ta = unit_id(&t, "T-A").await;
    let lead = t.page_login("lead.a").await;

    let r = t.page("/personnel", &lead).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("甲镇") && r.text.contains("少于应配 2 人"),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("乙镇"),
        "a unit leader sees only their unit"
    );
    let r = t.page("/personnel/filings/new", &lead).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("测试agent.a"));
    let csrf = csrf_of(&r.text);
    // Conditions not attested: the form comes back naming them.
    let body = form(&[
        ("_csrf", csrf.clone()),
        ("unit_id", ta.to_string()),
        ("kind", "selection".into()),
        ("candidate_id", agent_a.to_string()),
        ("cadre", "young_reserve".into()),
        ("conditions", "integrity".into()),
    ]);
    let r = t.post_form("/personnel/filings", &lead, &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("须逐项确认"), "{}", r.text);
    let mut fields = vec![
        ("_csrf", csrf.clone()),
        ("unit_id", ta.to_string()),
        ("kind", "selection".into()),
        ("candidate_id", agent_a.to_string()),
        ("cadre", "young_reserve".into()),
        ("appointed_on", "2023-06-01".into()),
    ];
    fields.extend(
        ALL_CONDITIONS
            .iter()
            .map(|c| ("conditions", (*c).to_owned())),
    );
    let r = t
        .post_form("/personnel/filings", &lead, &form(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let fid = id_in(&location(&r), "/personnel/filings/");

    let coord = t.page_login("coord").await;
    let r = t.page("/personnel", &coord).await;
    assert!(
        r.text.contains(&format!("/personnel/filings/{fid}")),
        "pending on the bureau's register"
    );
    let r = t.page(&format!("/personnel/filings/{fid}"), &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("value=\"approve\""));
    let body = form(&[
        ("_csrf", csrf_of(&r.text)),
        ("version", hidden(&r.text, "version")),
        ("decision", "approve".into()),
    ]);
    let r = t
        .post_form(&format!("/personnel/filings/{fid}"), &coord, &body)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The adjustment, through the form; the approval leads to the handover record.
    let successor = account(&t, "agent.a2", "agent", "T-A").await;
    let r = t
        .page(&format!("/personnel/filings/new?unit_id={ta}"), &lead)
        .await;
    let mut fields = vec![
        ("_csrf", csrf_of(&r.text)),
        ("unit_id", ta.to_string()),
        ("kind", "adjustment".into()),
        ("candidate_id", successor.to_string()),
        ("outgoing_id", agent_a.to_string()),
        ("cadre", "station_head".into()),
        ("work_change", "1".into()),
        ("reason", "调任镇党政办".into()),
    ];
    fields.extend(
        ALL_CONDITIONS
            .iter()
            .map(|c| ("conditions", (*c).to_owned())),
    );
    let r = t
        .post_form("/personnel/filings", &lead, &form(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let fid = id_in(&location(&r), "/personnel/filings/");
    let r = t.page(&format!("/personnel/filings/{fid}"), &coord).await;
    assert!(
        r.text.contains("符合调整规定"),
        "3 years, with a work change: {}",
        r.text
    );
    let body = form(&[
        ("_csrf", csrf_of(&r.text)),
        ("version", hidden(&r.text, "version")),
        ("decision", "approve".into()),
    ]);
    let r = t
        .post_form(&format!("/personnel/filings/{fid}"), &coord, &body)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let hid = id_in(&location(&r), "/personnel/handovers/");

    for who in ["agent.a", "agent.a2"] {
        let s = t.page_login(who).await;
        let home = t.page("/personnel", &s).await;
        assert!(
            home.text.contains(&format!("/personnel/handovers/{hid}")),
            "{who} is reminded"
        );
        let r = t.page(&format!("/personnel/handovers/{hid}"), &s).await;
        assert_eq!(r.status, StatusCode::OK);
        let body = form(&[
            ("_csrf", csrf_of(&r.text)),
            ("version", hidden(&r.text, "version")),
            ("side", hidden(&r.text, "side")),
            ("note", String::new()),
        ]);
        let r = t
            .post_form(&format!("/personnel/handovers/{hid}"), &s, &body)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.text);
    }
    let r = t.page(&format!("/personnel/handovers/{hid}"), &coord).await;
    assert!(r.text.contains("已确认"), "{}", r.text);
    let r = t.page(&format!("/personnel/units/{ta}"), &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("2023-06-01") && r.text.contains("测试agent.a2"));
    let r = t.page(&format!("/personnel/units/{ta}/print"), &lead).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("项目代办帮办人员报备表") && r.text.contains("熟练掌握计算机操作技能"));

    // Scope: another town's agent, an enterprise.
    let other = t.page_login("agent.b").await;
    assert_eq!(
        t.page(&format!("/personnel/units/{ta}"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.page(&format!("/personnel/filings/{fid}"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let ent = t.page_login("ent.a").await;
    assert_eq!(
        t.page("/personnel", &ent).await.status,
        StatusCode::FORBIDDEN
    );
}
