//! Pages of problems, coordination meetings and action items, through page posts: an enterprise
//! raises a problem from its project page, the department's helper responds and escalates, the
//! monitor escalates it when the limit passes, the bureau convenes a meeting that records
//! attendance and a decision resolving it with an action item, the record prints, the
//! enterprise reopens it, the department reports the action item done; every role's view and
//! scope (404 outside it).

use crate::cases::active_project;
use crate::helpers::{TestApp, csrf_of};
use axum::http::{StatusCode, header};
use std::fmt::Write as _;

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub(crate) fn form(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn location(r: &crate::helpers::Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The id in a redirect such as `/problems/7?done=raise`.
pub(crate) fn id_in(loc: &str, prefix: &str) -> i64 {
    loc.strip_prefix(prefix)
        .and_then(|r| r.split('?').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no id in {loc}"))
}

/// The value of the first hidden input `name` in a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("field") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// Every number following `prefix` in a page (attendee ids, action-item ids).
fn numbers_after(html: &str, prefix: &str) -> Vec<i64> {
    html.split(prefix)
        .skip(1)
        .filter_map(|p| {
            let n: String = p.chars().take_while(char::is_ascii_digit).collect();
            n.parse().ok()
        })
        .collect()
}

async fn unit_id(t: &TestApp, code: &str) -> i64 {
    daiban_app::units::find_by_code(&t.app.db.conn, code)
        .await
        .expect("db")
        .expect("unit")
        .id
}

#[tokio::test]
async fn a_problem_climbs_the_ladder_meets_and_is_reopened_through_the_pages() {
    let t = TestApp::new().await;
    let (pid, ids) = active_project(&t, &["XT-001"]).await;
    let dx = unit_id(&t, "D-X").await;
    let ta = unit_id(&t, "T-A").await;

    // The enterprise raises a problem from its project page.
    let ent = t.page_login("ent.a").await;
    let r = t.page(&format!("/projects/{pid}"), &ent).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("问题与诉求"), "{}", r.text);
    assert!(r.text.contains("施工图审查"));
    let csrf = csrf_of(&r.text);
    // Without a department the form comes back with the message.
    let r = t
        .post_form(
            &format!("/projects/{pid}/problems"),
            &ent,
            &form(&[
                ("_csrf", csrf.clone()),
                ("title", "施工图审查迟迟未受理".into()),
                ("category", "approval".into()),
                ("department_id", String::new()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("请选择责任部门"));
    let r = t
        .post_form(
            &format!("/projects/{pid}/problems"),
            &ent,
            &form(&[
                ("_csrf", csrf.clone()),
                ("title", "施工图审查迟迟未受理".into()),
                ("category", "approval".into()),
                ("department_id", dx.to_string()),
                ("case_item", ids[0].to_string()),
                ("description", "材料已齐全，部门两周未答复".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id = id_in(&location(&r), "/problems/");
    let r = t.page(&format!("/problems/{id}"), &ent).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("施工图审查迟迟未受理"));
    assert!(r.text.contains(&format!("/cases/{}", ids[0])));
    assert!(r.text.contains("责任部门"));
    // A post without the CSRF token is refused.
    let r = t
        .post_form(
            &format!("/problems/{id}/act"),
            &ent,
            "action=confirm&version=1",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The department's helper responds, then escalates.
    let helper = t.page_login("helper.x").await;
    let r = t.page(&format!("/problems/{id}"), &helper).await;
    assert!(r.text.contains("答复内容"), "{}", r.text);
    let csrf_h = csrf_of(&r.text);
    let r = t
        .post_form(
            &format!("/problems/{id}/act"),
            &helper,
            &form(&[
                ("_csrf", csrf_h.clone()),
                ("action", "respond".into()),
                ("version", "1".into()),
                ("note", "已联系窗口，正在核实".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A stale version is a conflict shown in the page.
    let r = t
        .post_form(
            &format!("/problems/{id}/act"),
            &helper,
            &form(&[
                ("_csrf", csrf_h.clone()),
                ("action", "escalate".into()),
                ("version", "1".into()),
                ("note", "需部门领导协调".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let page = t.page(&format!("/problems/{id}"), &helper).await;
    let v = hidden(&page.text, "version");
    let r = t
        .post_form(
            &format!("/problems/{id}/act"),
            &helper,
            &form(&[
                ("_csrf", csrf_h.clone()),
                ("action", "escalate".into()),
                ("version", v),
                ("note", "需部门领导协调".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // Nobody answers at the leader's level: the monitor moves it up.
    t.clock.advance(chrono::Duration::days(10));
    daiban_app::monitor::run_once(&t.app)
        .await
        .expect("monitor");
    let coord = t.page_login("coord").await;
    let r = t.page(&format!("/problems/{id}"), &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("超时自动上报"), "{}", r.text);
    assert!(r.text.contains("市行政审批局"));

    // The bureau convenes a meeting with it on the agenda.
    let r = t.page("/meetings", &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("召开会议"));
    assert!(r.text.contains(&format!("name=\"problem\" value=\"{id}\"")));
    let csrf_c = csrf_of(&r.text);
    let r = t
        .post_form(
            "/meetings",
            &coord,
            &form(&[
                ("_csrf", csrf_c.clone()),
                ("kind", String::new()),
                ("title", "施工图审查协调碰头会".into()),
                ("scheduled_at", String::new()),
                ("place", "审批局三楼会议室".into()),
                ("problem", id.to_string()),
                ("unit", dx.to_string()),
                ("unit", ta.to_string()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("请填写会议时间"));
    assert!(
        r.text.contains("审批局三楼会议室"),
        "the form keeps what was typed"
    );
    let r = t
        .post_form(
            "/meetings",
            &coord,
            &form(&[
                ("_csrf", csrf_c.clone()),
                ("kind", String::new()),
                ("title", "施工图审查协调碰头会".into()),
                ("scheduled_at", "2026-12-21T09:30".into()),
                ("place", "审批局三楼会议室".into()),
                ("problem", id.to_string()),
                ("unit", dx.to_string()),
                ("unit", ta.to_string()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mid = id_in(&location(&r), "/meetings/");
    let r = t.page(&format!("/meetings/{mid}"), &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("项目碰头会"), "the suggested kind");
    assert!(r.text.contains("2026-12-21 09:30"), "China time as entered");
    let attendees = numbers_after(&r.text, "name=\"att_");
    assert_eq!(attendees.len(), 2, "{}", r.text);
    let version = hidden(&r.text, "version");
    let r = t
        .post_form(
            &format!("/meetings/{mid}/record"),
            &coord,
            &form(&[
                ("_csrf", csrf_c.clone()),
                ("version", version),
                ("minutes", "与会单位就施工图审查受理问题进行了协调。".into()),
                (&format!("att_{}", attendees[0]), "present".into()),
                (
                    &format!("att_{}", attendees[1]),
                    "absent_without_leave".into(),
                ),
                ("d_text_1", "住建局三个工作日内完成受理".into()),
                ("d_problem_1", id.to_string()),
                ("d_resolves_1", "1".into()),
                ("d_1_ai_title_0", "完成施工图审查受理并反馈企业".into()),
                ("d_1_ai_unit_0", dx.to_string()),
                ("d_1_ai_days_0", "3".into()),
                ("d_text_2", String::new()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.page(&format!("/meetings/{mid}"), &coord).await;
    assert!(r.text.contains("无故缺席"));
    assert!(r.text.contains("完成施工图审查受理并反馈企业"));
    assert!(!r.text.contains("name=\"minutes\""), "recorded once");

    // The printable record.
    let r = t.page(&format!("/meetings/{mid}/print"), &coord).await;
    assert_eq!(r.status, StatusCode::OK);
    for s in [
        "会议纪要",
        "施工图审查协调碰头会",
        "审批局三楼会议室",
        "无故缺席",
        "住建局三个工作日内完成受理",
        "完成施工图审查受理并反馈企业",
        "市住房和城乡建设局",
    ] {
        assert!(r.text.contains(s), "print lacks {s}");
    }

    // The enterprise is not satisfied and reopens it (new sessions: the clock moved on).
    let ent = t.page_login("ent.a").await;
    let r = t.page(&format!("/problems/{id}"), &ent).await;
    let csrf = csrf_of(&r.text);
    assert!(r.text.contains("已解决待确认"), "{}", r.text);
    assert!(r.text.contains("重新提出"));
    let v = hidden(&r.text, "version");
    let r = t
        .post_form(
            &format!("/problems/{id}/act"),
            &ent,
            &form(&[
                ("_csrf", csrf.clone()),
                ("action", "reopen".into()),
                ("version", v),
                ("note", "至今仍未受理".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.page(&format!("/problems/{id}"), &ent).await;
    assert!(r.text.contains("至今仍未受理"));
    assert!(r.text.contains("处理中"));

    // The department reports the action item done.
    let helper = t.page_login("helper.x").await;
    let r = t.page("/action-items", &helper).await;
    let csrf_h = csrf_of(&r.text);
    assert_eq!(r.status, StatusCode::OK);
    let items = numbers_after(&r.text, "/action-items/");
    assert_eq!(items.len(), 1, "{}", r.text);
    let v = hidden(&r.text, "version");
    let r = t
        .post_form(
            &format!("/action-items/{}/done", items[0]),
            &helper,
            &form(&[
                ("_csrf", csrf_h.clone()),
                ("version", v),
                ("note", "已受理并告知企业".into()),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.page("/action-items", &helper).await;
    assert!(r.text.contains("已落实"));
    assert!(!r.text.contains("/done\""));

    // Every role's pages.
    for (user, paths) in [
        ("ent.a", vec!["/", "/problems", &*format!("/problems/{id}")]),
        (
            "coord",
            vec![
                "/",
                "/problems",
                "/meetings",
                "/action-items",
                "/projects/major",
                &*format!("/meetings/{mid}"),
            ],
        ),
        (
            "leader",
            vec![
                "/",
                "/problems",
                "/meetings",
                "/action-items",
                "/projects/major",
                &*format!("/problems/{id}"),
            ],
        ),
        (
            "helper.x",
            vec![
                "/",
                "/problems",
                "/meetings",
                "/action-items",
                &*format!("/meetings/{mid}"),
            ],
        ),
        (
            "agent.a",
            vec![
                "/",
                "/problems",
                "/meetings",
                "/action-items",
                &*format!("/problems/{id}"),
                &*format!("/meetings/{mid}"),
            ],
        ),
        (
            "lead.a",
            vec!["/", "/problems", "/meetings", "/action-items"],
        ),
        (
            "agent.b",
            vec!["/", "/problems", "/meetings", "/action-items"],
        ),
    ] {
        let s = t.page_login(user).await;
        for p in paths {
            let r = t.page(p, &s).await;
            assert_eq!(r.status, StatusCode::OK, "{user} {p}: {}", r.text);
        }
    }
    // Outside scope: not found.
    for (user, p) in [
        ("ent.b", format!("/problems/{id}")),
        ("agent.b", format!("/problems/{id}")),
        ("agent.b", format!("/meetings/{mid}")),
        ("ent.a", format!("/meetings/{mid}")),
        ("ent.b", format!("/meetings/{mid}/print")),
    ] {
        let s = t.page_login(user).await;
        let r = t.page(&p, &s).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} {p}");
    }
}
