//! Announcements (政策动态): drafts seen by the bureau only, publication and withdrawal, pinned
//! first, the public view without login, staff read receipts counted once, attachments, safe
//! Markdown, the notifications of a publication, bad input answered 422 with the field named.

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> crate::helpers::Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

async fn get(t: &TestApp, tok: &str, path: &str) -> crate::helpers::Resp {
    t.api(Method::GET, path, Some(tok), None).await
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

fn ids(r: &crate::helpers::Resp) -> Vec<i64> {
    r.json()
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

async fn draft(t: &TestApp, tok: &str, title: &str, public: bool, pinned: bool) -> i64 {
    let r = post(
        t,
        tok,
        "/api/v1/announcements",
        json!({"title": title, "body": "## 要点\n\n**企业**可在线申请。\n\n<script>alert(1)</script>", "category": "policy", "public": public, "pinned": pinned}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "draft");
    r.json()["id"].as_i64().expect("id")
}

async fn publish(t: &TestApp, tok: &str, id: i64) -> crate::helpers::Resp {
    let v = get(t, tok, &format!("/api/v1/announcements/{id}")).await;
    let version = v.json()["version"].as_i64().expect("version");
    post(
        t,
        tok,
        &format!("/api/v1/announcements/{id}/actions"),
        json!({"action": "publish", "version": version}),
    )
    .await
}

#[tokio::test]
async fn a_draft_is_the_bureaus_until_published_and_public_ones_need_no_login() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let agent = t.token("agent.a").await;
    let ent = t.token("ent.a").await;

    // Only the bureau writes; bad input names the field.
    let r = post(
        &t,
        &agent,
        "/api/v1/announcements",
        json!({"title": "x", "body": "y", "category": "policy"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &t,
        &coord,
        "/api/v1/announcements",
        json!({"title": " ", "body": "", "category": "gossip"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let c = codes(&r);
    assert!(c.contains(&("title".into(), "required".into())), "{c:?}");
    assert!(c.contains(&("body".into(), "required".into())), "{c:?}");
    assert!(c.contains(&("category".into(), "unknown".into())), "{c:?}");
    let en = t
        .api_lang(
            Method::POST,
            "/api/v1/announcements",
            Some(&coord),
            Some(json!({"title": "", "body": "b", "category": "policy"})),
            Some("en"),
        )
        .await;
    assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        en.json()["errors"][0]["message"]
            .as_str()
            .is_some_and(str::is_ascii),
        "{}",
        en.text
    );

    let public = draft(&t, &coord, "关于优化项目审批代办服务的通知", true, false).await;
    let internal = draft(&t, &coord, "代办员业务培训安排", false, true).await;

    // Drafts: the bureau sees them; nobody else does, not even by id; not public.
    assert_eq!(
        ids(&get(&t, &coord, "/api/v1/announcements").await).len(),
        2
    );
    assert!(ids(&get(&t, &agent, "/api/v1/announcements").await).is_empty());
    assert!(ids(&get(&t, &ent, "/api/v1/announcements").await).is_empty());
    for tok in [&agent, &ent] {
        let r = get(&t, tok, &format!("/api/v1/announcements/{public}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/public/announcements/{public}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .send(page_req(&format!("/public/announcements/{public}")))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Publishing: recorded with time and who; notifies staff and enterprises.
    let before = t.count("notifications").await;
    let r = publish(&t, &coord, public).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "published");
    assert_eq!(r.json()["published_by_name"], "测试coord");
    assert!(r.json()["published_at"].is_string());
    // 5 staff besides the publisher (not the administrator nor the auditor), 2 enterprises.
    assert_eq!(t.count("notifications").await - before, 5 + 2);
    let r = publish(&t, &coord, public).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "announcement_state");
    assert_eq!(publish(&t, &coord, internal).await.status, StatusCode::OK);

    // Pinned first for everyone; the rendered body is safe.
    let list = get(&t, &ent, "/api/v1/announcements").await;
    assert_eq!(ids(&list), vec![internal, public]);
    let html = list.json()[1]["body_html"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(html.contains("<strong>企业</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");

    // The public sees only the public one, without login, through the API and the page.
    let r = t
        .api(Method::GET, "/api/v1/public/announcements", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(ids(&r), vec![public]);
    assert_eq!(r.json()[0]["author_name"], "");
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/public/announcements/{internal}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.send(page_req("/public/announcements")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("关于优化项目审批代办服务的通知"));
    assert!(!r.text.contains("代办员业务培训安排"));
    let r = t
        .send(page_req(&format!("/public/announcements/{public}")))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<h2>要点</h2>"), "{}", r.text);
    assert!(!r.text.contains("<script>alert"));

    // Unpublishing hides it again, and from the public.
    let v = get(&t, &coord, &format!("/api/v1/announcements/{public}")).await;
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/announcements/{public}/actions"),
        json!({"action": "unpublish", "version": v.json()["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "unpublished");
    assert_eq!(r.json()["unpublished_by_name"], "测试coord");
    assert_eq!(
        get(&t, &ent, &format!("/api/v1/announcements/{public}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = t
        .api(Method::GET, "/api/v1/public/announcements", None, None)
        .await;
    assert!(ids(&r).is_empty());

    // Editing keeps the version honest.
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/announcements/{public}"),
            Some(&coord),
            Some(json!({"title": "新标题", "body": "正文", "category": "notice", "version": 1})),
        )
        .await;
    assert_eq!(r.json()["code"], "version_conflict", "{}", r.text);
    let v = get(&t, &coord, &format!("/api/v1/announcements/{public}")).await;
    let r = t
        .api(
            Method::PUT,
            &format!("/api/v1/announcements/{public}"),
            Some(&coord),
            Some(json!({"title": "新标题", "body": "正文", "category": "notice", "public": true, "version": v.json()["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["title"], "新标题");
    assert_eq!(r.json()["category"], "notice");
}

fn page_req(path: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(path)
        .body(axum::body::Body::empty())
        .expect("request")
}

#[tokio::test]
async fn staff_read_receipts_are_counted_once_and_listed_by_unit() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let id = draft(&t, &coord, "2026年第四季度考评工作安排", false, false).await;
    // Opening a draft leaves no receipt.
    get(&t, &coord, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(t.count("announcement_reads").await, 0);
    assert_eq!(publish(&t, &coord, id).await.status, StatusCode::OK);

    let agent = t.token("agent.a").await;
    let r = get(&t, &agent, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let first = r.json()["read_at"].clone();
    assert!(first.is_string(), "{}", r.text);
    t.clock.advance(chrono::Duration::hours(3));
    let r = get(&t, &agent, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(r.json()["read_at"], first, "the first reading stays");
    let helper = t.token("helper.x").await;
    get(&t, &helper, &format!("/api/v1/announcements/{id}")).await;
    // An enterprise reading is not a staff receipt.
    let ent = t.token("ent.a").await;
    get(&t, &ent, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(t.count("announcement_reads").await, 2);

    // Only the bureau sees the receipts.
    assert_eq!(
        get(&t, &agent, &format!("/api/v1/announcements/{id}/receipts"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = get(&t, &coord, &format!("/api/v1/announcements/{id}/receipts")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    // Staff: coord, leader (bureau), agent.a, lead.a (T-A), agent.b (T-B), helper.x (D-X).
    assert_eq!(v["staff"], 6);
    assert_eq!(v["read"], 2);
    let units = v["units"].as_array().expect("units");
    let ta = units
        .iter()
        .find(|u| u["unit_name"] == "甲镇")
        .expect("T-A");
    assert_eq!(ta["staff"], 2);
    assert_eq!(ta["read"], 1);
    assert_eq!(ta["unread"], json!(["测试lead.a"]));
    let dx = units
        .iter()
        .find(|u| u["unit_name"] == "市住房和城乡建设局")
        .expect("D-X");
    assert_eq!(dx["unread"], json!([]));
    // Units with unread staff come first.
    assert_eq!(
        units.last().expect("last")["unit_name"],
        "市住房和城乡建设局"
    );
}

fn multipart(file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "daibanTestBoundaryAnn0001";
    let mut body = Vec::new();
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

async fn attach(
    t: &TestApp,
    tok: &str,
    id: i64,
    file: Option<(&str, &[u8])>,
) -> crate::helpers::Resp {
    let (ct, body) = multipart(file);
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/announcements/{id}/attachments"))
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {tok}"))
        .header(axum::http::header::CONTENT_TYPE, ct)
        .body(axum::body::Body::from(body))
        .expect("request");
    t.send(req).await
}

#[tokio::test]
async fn attachments_follow_the_upload_rules_and_the_announcements_visibility() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let id = draft(&t, &coord, "施工许可办事指南", true, false).await;
    let r = attach(&t, &coord, id, Some(("指南.exe", b"MZ"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(codes(&r).contains(&("file".into(), "file_type".into())));
    let r = attach(&t, &coord, id, Some(("指南.pdf", b""))).await;
    assert!(codes(&r).contains(&("file".into(), "empty".into())));
    let agent = t.token("agent.a").await;
    assert_eq!(
        attach(&t, &agent, id, Some(("a.pdf", b"%PDF-1.4")))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = attach(
        &t,
        &coord,
        id,
        Some(("施工许可办事指南.pdf", b"%PDF-1.4 guide")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let aid = r.json()["id"].as_i64().expect("id");
    assert_eq!(r.json()["content_type"], "application/pdf");

    // A draft's attachment is the bureau's only.
    let path = format!("/api/v1/announcement-attachments/{aid}");
    assert_eq!(get(&t, &agent, &path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&t, &coord, &path).await.status, StatusCode::OK);
    let r = t
        .send(page_req(&format!("/public/announcement-attachments/{aid}")))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(publish(&t, &coord, id).await.status, StatusCode::OK);
    let r = get(&t, &agent, &path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text, "%PDF-1.4 guide");
    let r = t
        .send(page_req(&format!("/public/announcement-attachments/{aid}")))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment"))
    );
    let v = get(&t, &agent, &format!("/api/v1/announcements/{id}")).await;
    assert_eq!(
        v.json()["attachments"][0]["filename"],
        "施工许可办事指南.pdf"
    );
}

/// The titles of the announcements `who` finds for `q`.
async fn searched(t: &TestApp, tok: &str, q: &str) -> Vec<String> {
    let r = get(
        t,
        tok,
        &format!("/api/v1/search?q={}", crate::consultations::enc(q)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["hits"].as_array().cloned().unwrap_or_default())
        .filter(|h| h["kind"] == "announcement")
        .map(|h| h["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_published_announcement_is_found_by_a_chinese_substring_until_it_is_withdrawn() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let ent = t.token("ent.a").await;
    let id = draft(
        &t,
        &coord,
        "关于优化工业项目施工许可办理的通知",
        false,
        false,
    )
    .await;
    assert!(searched(&t, &coord, "施工许可").await.is_empty(), "a draft");
    let r = publish(&t, &coord, id).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Two characters (the scan), and three or more (the trigram index), in the middle of a word;
    // the body's plain text too.
    for q in ["许可", "工业项目施", "在线申请"] {
        assert_eq!(
            searched(&t, &ent, q).await,
            ["关于优化工业项目施工许可办理的通知"],
            "{q}"
        );
    }
    let v = get(&t, &coord, &format!("/api/v1/announcements/{id}")).await;
    let r = post(
        &t,
        &coord,
        &format!("/api/v1/announcements/{id}/actions"),
        json!({"action": "unpublish", "version": v.json()["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(searched(&t, &ent, "许可").await.is_empty(), "withdrawn");
}

#[tokio::test]
async fn the_pages_of_each_role_show_the_news_and_the_demands() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let id = draft(&t, &coord, "企业开办一件事办事指南", true, true).await;
    // The bureau's editor and its draft, with the publication controls.
    let s = t.page_login("coord").await;
    let r = t.page("/announcements/new", &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("name=\"body\""));
    let r = t.page(&format!("/announcements/{id}"), &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("value=\"publish\""), "{}", r.text);
    let csrf = crate::helpers::csrf_of(&r.text);
    let r = t
        .post_form(
            &format!("/announcements/{id}/act"),
            &s,
            &format!("_csrf={csrf}&action=publish&version=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A bad edit is answered in the form with the field's message.
    let r = t
        .post_form(
            &format!("/announcements/{id}"),
            &s,
            &format!("_csrf={csrf}&title=&body=x&category=notice&version=2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("field-error"));
    let r = t.page(&format!("/announcements/{id}"), &s).await;
    assert!(
        r.text.contains("h-receipts"),
        "the bureau sees the receipts"
    );

    // The coordinator who opened the published item is staff too: one receipt so far.
    assert_eq!(t.count("announcement_reads").await, 1);

    // An agent reads it (and leaves a receipt, once); the page is in Chinese with the nav entries.
    let s = t.page_login("agent.a").await;
    let r = t.page("/announcements", &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("企业开办一件事办事指南"));
    assert!(r.text.contains("href=\"/demands\""));
    assert!(!r.text.contains("/announcements/new"));
    let r = t.page(&format!("/announcements/{id}"), &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.contains("h-receipts"));
    assert_eq!(t.count("announcement_reads").await, 2);
    t.page(&format!("/announcements/{id}"), &s).await;
    assert_eq!(
        t.count("announcement_reads").await,
        2,
        "a second read adds none"
    );

    // The enterprise raises a demand through its form.
    let s = t.page_login("ent.a").await;
    let r = t.page("/demands/new", &s).await;
    assert_eq!(r.status, StatusCode::OK);
    let csrf = crate::helpers::csrf_of(&r.text);
    let r = t
        .post_form(
            "/demands",
            &s,
            &format!("_csrf={csrf}&title=&description=&category=land"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            "/demands",
            &s,
            &format!(
                "_csrf={csrf}&title=%E7%94%A8%E5%9C%B0&description=%E5%92%A8%E8%AF%A2&category=land"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t.page("/demands", &s).await;
    assert!(r.text.contains("用地"), "{}", r.text);
    let s = t.page_login("coord").await;
    let r = t.page("/demands", &s).await;
    assert!(r.text.contains("待分派"));
    let id = t.count("demands").await;
    let r = t.page(&format!("/demands/{id}"), &s).await;
    assert!(r.text.contains("value=\"route\""), "{}", r.text);
}
