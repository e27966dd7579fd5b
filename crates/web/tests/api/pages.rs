//! Pages: login, every role's home, CSRF, the administrator's forms.

use crate::helpers::{TestApp, csrf_of};
use axum::http::StatusCode;

#[tokio::test]
async fn every_role_gets_its_home_page_in_chinese() {
    let t = TestApp::new().await;
    for (user, menu) in [
        ("admin", "单位管理"),
        ("auditor", "审计日志"),
        ("coord", "单位通讯录"),
        ("leader", "岗位设置与人员到位"),
        ("agent.a", "甲镇"),
        ("lead.a", "本单位人员"),
        ("helper.x", "市住房和城乡建设局"),
        ("ent.a", "甲镇不锈钢有限公司"),
    ] {
        let s = t.page_login(user).await;
        let r = t.page("/", &s).await;
        assert_eq!(r.status, StatusCode::OK, "{user}");
        assert!(r.text.contains("lang=\"zh-CN\""), "{user}");
        assert!(r.text.contains(menu), "{user}'s home lacks {menu}");
        assert!(r.text.contains("退出登录"));
    }
}

#[tokio::test]
async fn menus_link_only_to_pages_that_answer() {
    let t = TestApp::new().await;
    for user in [
        "admin", "auditor", "coord", "leader", "agent.a", "lead.a", "helper.x", "ent.a",
    ] {
        let s = t.page_login(user).await;
        let home = t.page("/", &s).await.text;
        let nav = home
            .split("<nav class=\"side\"")
            .nth(1)
            .and_then(|x| x.split("</nav>").next())
            .expect("menu");
        for href in nav
            .split("href=\"")
            .skip(1)
            .filter_map(|x| x.split('"').next())
        {
            let r = t.page(href, &s).await;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::SEE_OTHER,
                "{user}: {href} answered {}",
                r.status
            );
        }
    }
}

#[tokio::test]
async fn pages_outside_a_role_are_refused() {
    let t = TestApp::new().await;
    let s = t.page_login("agent.a").await;
    assert_eq!(
        t.page("/admin/units", &s).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.page("/audit", &s).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.page(&format!("/enterprises/{}", t.enterprise_b), &s)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.page("/no-such-page", &s).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused() {
    let t = TestApp::new().await;
    let s = t.page_login("admin").await;
    let before = t.count("units").await;
    let r = t
        .post_form(
            "/admin/units",
            &s,
            "code=T-C&kind=town&name=%E4%B8%99%E9%95%87",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            "/admin/units",
            &s,
            "code=T-C&kind=town&name=%E4%B8%99%E9%95%87&_csrf=wrong",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("units").await, before);
    let csrf = csrf_of(&t.page("/admin/units/new", &s).await.text);
    let r = t
        .post_form(
            "/admin/units",
            &s,
            &format!("code=T-C&kind=town&name=%E4%B8%99%E9%95%87&agency_window=on&_csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.count("units").await, before + 1);
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_cookie() {
    let t = TestApp::new().await;
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "username=admin&password=daiban2026&_csrf=abc",
        ))
        .expect("req");
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("登录页面已过期"));
    assert!(crate::helpers::set_cookie(&r, "daiban_session").is_none());
}

#[tokio::test]
async fn a_form_with_bad_input_shows_the_messages_in_the_form() {
    let t = TestApp::new().await;
    let s = t.page_login("admin").await;
    let csrf = csrf_of(&t.page("/admin/users/new", &s).await.text);
    let r = t
        .post_form(
            "/admin/users",
            &s,
            &format!("username=AB&name=&role=agent&unit=T-A&password=abc&_csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("用户名须为 3–32 位"), "username rule shown");
    assert!(r.text.contains("姓名不能为空"));
    assert!(r.text.contains("密码至少 8 个字符"));
}

#[tokio::test]
async fn the_language_switch_turns_pages_english() {
    let t = TestApp::new().await;
    let s = t.page_login("coord").await;
    let req = axum::http::Request::get("/")
        .header("cookie", format!("daiban_session={s}; lang=en"))
        .body(axum::body::Body::empty())
        .expect("req");
    let r = t.send(req).await;
    assert!(r.text.contains("Workbench"));
    assert!(r.text.contains("lang=\"en\""));
}

#[tokio::test]
async fn enterprises_are_registered_through_the_page_with_the_uscc_rules_in_the_form() {
    let t = TestApp::new().await;
    let agent = t.page_login("agent.a").await;
    let page = t.page("/enterprises", &agent).await;
    assert!(
        page.text.contains("登记企业"),
        "agents register enterprises"
    );
    let csrf = crate::helpers::csrf_of(&page.text);
    let r = t
        .post_form(
            "/enterprises",
            &agent,
            &format!("_csrf={csrf}&uscc=91350100M000100Y4&name=%E7%94%B2&unit=T-A"),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("统一社会信用代码格式错误"), "{}", r.text);
    // The coordinator accepts a pilot code failing only the checksum, with a reason.
    let coord = t.page_login("coord").await;
    let page = t.page("/enterprises", &coord).await;
    let csrf = crate::helpers::csrf_of(&page.text);
    let r = t
        .post_form(
            "/enterprises",
            &coord,
            &format!("_csrf={csrf}&uscc=91350100M0001TGQXM&name=%E8%AF%95%E7%82%B9&unit=T-A&uscc_override_reason=%E6%A0%B8%E5%AE%9E%E6%9C%89%E6%95%88"),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{}", r.text);
    let to = r.headers[axum::http::header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let shown = t.page(&to, &coord).await;
    assert!(
        shown.text.contains("经协调员核准") && shown.text.contains("核实有效"),
        "{}",
        shown.text
    );
}
