//! Pages of projects and case items: the whole journey of one item through page posts, each
//! role's view of it, printable forms, the catalog and the inbox, and scope (404 outside it).

use crate::helpers::{Resp, TestApp, csrf_of};
use axum::http::{StatusCode, header};
use daiban_app::Meta;
use daiban_app::audit::ActorRef;

const CATALOG: &str = r#"
[catalog]
version = 1
title = "测试目录"

[[item]]
code = "T-001"
name = "建设工程规划许可证核发"
department = "D-X"
type = "committed"
committed_limit_days = 5
statutory_limit_days = 20
limits_source = "sourced"
source_note = "测试"
legal_basis = "《中华人民共和国城乡规划法》第四十条"
stage = "land_planning"

[[item.material]]
code = "M1"
name = "建设工程规划许可申请表"
format = "original"
copies = 1
source = "政务服务网下载"

[[item.material]]
code = "M2"
name = "建设工程设计方案总平面图"
format = "original_and_copy"
copies = 2
source = "设计单位出具"

[[item]]
code = "T-002"
name = "施工图设计文件审查备案"
department = "D-X"
type = "immediate"
committed_limit_days = 0
limits_source = "estimated"
stage = "construction_permit"
prerequisites = ["T-001"]

[[item.material]]
code = "M1"
name = "申请表"
format = "original"
copies = 1
source = "窗口领取"

[[item]]
code = "T-003"
name = "建筑工程施工许可证核发"
department = "D-X"
type = "committed"
committed_limit_days = 3
limits_source = "sourced"
stage = "construction_permit"
prerequisites = ["T-002"]

[[item.material]]
code = "M1"
name = "申请表"
format = "original"
copies = 1
source = "窗口领取"
"#;

async fn load_catalog(t: &TestApp) {
    let w = t.app.begin_write().await.expect("txn");
    let n = daiban_app::catalog::load_file(
        &w.txn,
        t.app.now(),
        &ActorRef::system(),
        &Meta::cli(),
        CATALOG,
    )
    .await
    .expect("test catalog loads");
    w.commit().await.expect("commit");
    assert_eq!(n, 3);
}

fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `version` hidden field of the first form after `marker`.
fn version_after(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"));
    let rest = &html[at..];
    let v = "name=\"version\" value=\"";
    let start = rest.find(v).expect("version field") + v.len();
    rest[start..].split('"').next().expect("version").to_owned()
}

async fn act(t: &TestApp, s: &str, case: i64, body: &str) {
    let page = t.page(&format!("/cases/{case}"), s).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.text);
    let version = version_after(&page.text, &format!("action=\"/cases/{case}/act\""));
    let r = t
        .post_form(
            &format!("/cases/{case}/act"),
            s,
            &format!("_csrf={csrf}&version={version}&{body}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{body}: {}", r.text);
}

#[tokio::test]
async fn an_item_goes_from_request_to_approval_through_the_pages() {
    let t = TestApp::new().await;
    load_catalog(&t).await;

    // The enterprise registers its project and signs the mandate.
    let ent = t.page_login("ent.a").await;
    let form = t.page("/projects/new", &ent).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("总投资"));
    let csrf = csrf_of(&form.text);
    let bad = t
        .post_form(
            "/projects",
            &ent,
            &format!("_csrf={csrf}&name=&investment_wan=abc&policy_standing=encouraged"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("field-error"));
    let r = t
        .post_form(
            "/projects",
            &ent,
            &format!(
                "_csrf={csrf}&name=%E4%B8%8D%E9%94%88%E9%92%A2%E6%96%B0%E5%8E%82%E6%88%BF&investment_wan=12000&industry=%E5%88%B6%E9%80%A0&kind=new&policy_standing=encouraged"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let loc = location(&r);
    let id: i64 = loc
        .trim_start_matches("/projects/")
        .split('?')
        .next()
        .and_then(|x| x.parse().ok())
        .expect("project id");
    let page = t.page(&loc, &ent).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("不锈钢新厂房"));
    assert!(page.text.contains("签订委托代办"));
    let v = version_after(&page.text, &format!("action=\"/projects/{id}/mandate\""));
    let unconfirmed = t
        .post_form(
            &format!("/projects/{id}/mandate"),
            &ent,
            &format!("_csrf={csrf}&version={v}&scope=%E5%85%A8%E7%A8%8B"),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.text.contains("请确认本委托出于自愿"));
    let r = t
        .post_form(
            &format!("/projects/{id}/mandate"),
            &ent,
            &format!("_csrf={csrf}&version={v}&scope=%E5%85%A8%E7%A8%8B&free_and_voluntary=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let print = t.page(&format!("/projects/{id}/mandate/print"), &ent).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.text.contains("委托书"));
    assert!(print.text.contains("测试agent.a"));

    // It requests two items from the catalog.
    let page = t.page(&format!("/projects/{id}"), &ent).await;
    assert!(page.text.contains("申请办理事项"));
    assert!(page.text.contains("建设工程规划许可证核发"));
    let r = t
        .post_form(
            &format!("/projects/{id}/items"),
            &ent,
            &format!("_csrf={csrf}&item=T-001&item=T-002&note="),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The agent takes it on: accepts, issues a one-time notice, completes, submits.
    let agent = t.page_login("agent.a").await;
    let page = t.page(&format!("/projects/{id}"), &agent).await;
    assert_eq!(page.status, StatusCode::OK);
    let first = page
        .text
        .split("href=\"/cases/")
        .skip(1)
        .find(|x| x.contains("\">建设工程规划许可证核发"))
        .and_then(|x| x.split('"').next())
        .expect("a case link");
    let case: i64 = first.parse().expect("case id");
    let cpage = t.page(&format!("/cases/{case}"), &agent).await;
    assert!(
        cpage.text.contains("建设工程规划许可证核发"),
        "the first case is T-001"
    );
    assert!(cpage.text.contains("受理"));
    act(&t, &agent, case, "action=accept&materials=M1&note=").await;
    act(
        &t,
        &agent,
        case,
        "action=notice_missing&demand=M2&problem_M2=missing&dnote_M2=%E9%9C%80%E7%9B%96%E7%AB%A0",
    )
    .await;
    let print = t
        .page(&format!("/cases/{case}/notices/1/print"), &agent)
        .await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.text.contains("一次性告知书"));
    assert!(print.text.contains("建设工程设计方案总平面图"));
    assert!(print.text.contains("设计单位出具"));
    assert!(print.text.contains("城乡规划法"));
    act(&t, &agent, case, "action=materials_complete&materials=M2").await;
    act(&t, &agent, case, "action=submit&note=").await;

    // A transition the state does not allow is refused in the page.
    let cpage = t.page(&format!("/cases/{case}"), &agent).await;
    let r = t
        .post_form(
            &format!("/cases/{case}/act"),
            &agent,
            &format!(
                "_csrf={}&version={}&action=accept",
                csrf_of(&cpage.text),
                version_after(&cpage.text, "name=\"version\"")
                    .parse::<i32>()
                    .map_or(0, |v| v)
            ),
        )
        .await;
    assert!(r.status == StatusCode::CONFLICT || r.status == StatusCode::FORBIDDEN);
    assert!(r.text.contains("class=\"error\""));

    // The helper accepts and approves.
    let helper = t.page_login("helper.x").await;
    let hpage = t.page(&format!("/cases/{case}"), &helper).await;
    assert_eq!(hpage.status, StatusCode::OK);
    assert!(hpage.text.contains("部门受理"));
    act(&t, &helper, case, "action=helper_accept&note=").await;
    let hpage = t.page(&format!("/cases/{case}"), &helper).await;
    assert!(hpage.text.contains("剩余工作日"), "the review clock shows");
    act(&t, &helper, case, "action=approve&note=%E5%87%86%E4%BA%88").await;
    let done = t.page(&format!("/cases/{case}"), &ent).await;
    assert!(done.text.contains("已准予"));
    assert!(done.text.contains("办理记录"));

    // Every role with the project in scope sees its pages.
    let coord = t.page_login("coord").await;
    let leader = t.page_login("leader").await;
    let lead = t.page_login("lead.a").await;
    for (who, s) in [
        ("ent.a", &ent),
        ("agent.a", &agent),
        ("helper.x", &helper),
        ("coord", &coord),
        ("leader", &leader),
        ("lead.a", &lead),
    ] {
        for path in [
            "/".to_owned(),
            "/projects".to_owned(),
            format!("/projects/{id}"),
            format!("/cases/{case}"),
            "/catalog".to_owned(),
            "/catalog/T-001".to_owned(),
            "/inbox".to_owned(),
        ] {
            let r = t.page(&path, s).await;
            assert_eq!(r.status, StatusCode::OK, "{who} {path}");
        }
        let list = t.page("/projects", s).await;
        assert!(
            list.text.contains("不锈钢新厂房"),
            "{who} lists the project"
        );
    }
    for s in [&coord, &leader] {
        let r = t.page("/projects/major", s).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let timeline = t.page(&format!("/projects/{id}"), &coord).await.text;
    assert!(timeline.contains("办理进度"));
    assert!(timeline.contains("准予"));
    assert!(timeline.contains("预计办结日期"));

    // Outside scope: 404.
    let other_agent = t.page_login("agent.b").await;
    assert_eq!(
        t.page(&format!("/projects/{id}"), &other_agent)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let other_ent = t.page_login("ent.b").await;
    assert_eq!(
        t.page(&format!("/cases/{case}"), &other_ent).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.page(&format!("/cases/{case}/notices/1/print"), &other_ent)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The enterprise's inbox holds the progress notices; one is marked read.
    let inbox = t.page("/inbox", &ent).await;
    assert!(inbox.text.contains("标为已读"));
    let nid: i64 = inbox
        .text
        .split("action=\"/inbox/")
        .skip(1)
        .find_map(|x| x.split('/').next()?.parse().ok())
        .expect("a notification");
    let r = t
        .post_form(
            &format!("/inbox/{nid}/read"),
            &ent,
            &format!("_csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.post_form(
            &format!("/inbox/{nid}/read"),
            &other_ent,
            &format!(
                "_csrf={}",
                csrf_of(&t.page("/inbox", &other_ent).await.text)
            )
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // The agent records a stage change back-dated (补录): without a reason it is refused.
    let page = t.page(&format!("/projects/{id}"), &agent).await;
    let v = version_after(&page.text, &format!("action=\"/projects/{id}/stage\""));
    let acsrf = csrf_of(&page.text);
    let earlier = (t.app.now() - chrono::Duration::hours(3))
        .with_timezone(&daiban_domain::clock::CHINA)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = t
        .post_form(
            &format!("/projects/{id}/stage"),
            &agent,
            &format!("_csrf={acsrf}&version={v}&stage=construction_permit&occurred_at={earlier}&backdate_reason="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("补录（发生时间早于录入时间）须说明原因"));
    let r = t
        .post_form(
            &format!("/projects/{id}/stage"),
            &agent,
            &format!("_csrf={acsrf}&version={v}&stage=construction_permit&occurred_at={earlier}&backdate_reason=%E7%B3%BB%E7%BB%9F%E6%95%85%E9%9A%9C"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.page(&format!("/projects/{id}"), &ent).await.text;
    assert!(page.contains("补录"));
    assert!(page.contains("系统故障"));
    assert!(page.contains("项目阶段变更"));

    // The enterprise suspends the mandate with a reason and prints the 中止单.
    let page = t.page(&format!("/projects/{id}"), &ent).await;
    let v = version_after(
        &page.text,
        &format!("action=\"/projects/{id}/mandate/suspend\""),
    );
    let r = t
        .post_form(
            &format!("/projects/{id}/mandate/suspend"),
            &ent,
            &format!("_csrf={csrf}&version={v}&reason="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            &format!("/projects/{id}/mandate/suspend"),
            &ent,
            &format!(
                "_csrf={csrf}&version={v}&reason=%E8%B5%84%E9%87%91%E6%9C%AA%E5%88%B0%E4%BD%8D"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let print = t
        .page(
            &format!("/projects/{id}/mandate/print?action=suspend"),
            &ent,
        )
        .await;
    assert!(print.text.contains("中止单"));
    assert!(print.text.contains("资金未到位"));
    let page = t.page(&format!("/projects/{id}"), &ent).await.text;
    assert!(page.contains("已中止"));
    assert!(page.contains("续办"));
}

#[tokio::test]
async fn the_admin_loads_the_default_catalog_from_the_page() {
    let t = TestApp::new().await;
    let admin = t.page_login("admin").await;
    let page = t.page("/catalog", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("加载默认事项目录"));
    // The fixture lacks the default catalog's departments: the load is refused, nothing written.
    let r = t
        .post_form(
            "/catalog/load",
            &admin,
            &format!("_csrf={}", csrf_of(&page.text)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    load_catalog(&t).await;
    let page = t.page("/catalog", &admin).await;
    assert!(!page.text.contains("加载默认事项目录"));
    assert!(page.text.contains("估计值"), "estimated limits are marked");
    let item = t.page("/catalog/T-003", &admin).await;
    assert!(item.text.contains("发布新版本"));
    let r = t
        .post_form(
            "/catalog/T-003",
            &admin,
            &format!(
                "_csrf={}&base_revision=1&change_note=x&spec=%7Bnot-json",
                csrf_of(&item.text)
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("JSON"));
    // Others read the guide but get no edit form.
    let agent = t.page_login("agent.a").await;
    let item = t.page("/catalog/T-003", &agent).await;
    assert_eq!(item.status, StatusCode::OK);
    assert!(!item.text.contains("发布新版本"));
    assert_eq!(
        t.page("/catalog/NOPE", &agent).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_restricted_project_is_declined_with_an_explanation() {
    let t = TestApp::new().await;
    let agent = t.page_login("agent.a").await;
    let form = t.page("/projects/new", &agent).await;
    assert!(form.text.contains("甲镇不锈钢有限公司"));
    let csrf = csrf_of(&form.text);
    let r = t
        .post_form(
            "/projects",
            &agent,
            &format!(
                "_csrf={csrf}&name=Old+kiln&enterprise_id={}&investment_wan=60000&kind=new&policy_standing=restricted",
                t.enterprise_a
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let loc = location(&r);
    let id = loc
        .trim_start_matches("/projects/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = t.page(&loc, &agent).await;
    assert!(page.text.contains("不予代办"));
    assert!(!page.text.contains("签订委托代办</h3>"));
    let v = version_after(&page.text, &format!("action=\"/projects/{id}/decline\""));
    let r = t
        .post_form(
            &format!("/projects/{id}/decline"),
            &agent,
            &format!("_csrf={csrf}&version={v}&explanation="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            &format!("/projects/{id}/decline"),
            &agent,
            &format!("_csrf={csrf}&version={v}&explanation=%E9%99%90%E5%88%B6%E7%B1%BB"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ent = t.page_login("ent.a").await;
    let page = t.page(&format!("/projects/{id}"), &ent).await;
    assert!(page.text.contains("不予代办的书面说明"));
    assert!(page.text.contains("限制类"));
    // A major project shows on the bureau's board, without a helper yet.
    let coord = t.page_login("coord").await;
    let board = t.page("/projects/major", &coord).await;
    assert!(board.text.contains("Old kiln"));
    assert!(board.text.contains("未指派帮办员"));
    // The English pages.
    let req = axum::http::Request::get(format!("/projects/{id}"))
        .header("cookie", format!("daiban_session={coord}; lang=en"))
        .body(axum::body::Body::empty())
        .expect("req");
    let r = t.send(req).await;
    assert!(r.text.contains("Project card"));
}
