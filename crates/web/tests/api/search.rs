//! Chinese full-text search: substrings of 1, 2 and 3+ characters (the trigram index and the
//! scan give the same answer), a match in the middle of a word, Latin case-insensitive, the
//! same results and order on SQLite and PostgreSQL (this suite runs on both), the scope per
//! role, audiences, the public FAQ search, escaping of highlighted matches, the backfill; the
//! project list's search of names and codes through the same index.

use crate::helpers::{Resp, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use daiban_app::search::{self, Audience};
use serde_json::{Value, json};

async fn post(t: &TestApp, tok: &str, path: &str, body: Value) -> Resp {
    t.api(Method::POST, path, Some(tok), Some(body)).await
}

/// `(kind, title)` of every hit, in order.
async fn found(t: &TestApp, who: &str, q: &str) -> Vec<(String, String)> {
    let tok = t.token(who).await;
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/search?q={}", crate::consultations::enc(q)),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{who} {q}: {}", r.text);
    let mut out = Vec::new();
    for g in r.json()["groups"].as_array().expect("groups") {
        for h in g["hits"].as_array().expect("hits") {
            out.push((
                h["kind"].as_str().unwrap_or_default().to_owned(),
                h["title"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out
}

fn hits(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
        .collect()
}

/// Two projects of enterprise A (甲镇), one of B (乙镇), and two FAQ entries.
async fn city(t: &TestApp) {
    for (who, name, industry) in [
        ("ent.a", "年产5万吨不锈钢管项目", "金属制品"),
        ("ent.a", "土地整理及厂房扩建项目", "金属制品"),
        ("ent.b", "年产2万吨速冻食品项目", "食品制造"),
    ] {
        let tok = t.token(who).await;
        let r = post(
            t,
            &tok,
            "/api/v1/projects",
            json!({"name": name, "investment_wan": "3000", "policy_standing": "permitted", "industry": industry}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let coord = t.token("coord").await;
    let asker = t.token("ent.a").await;
    for (q, a, cat) in [
        (
            "建设项目环境影响评价文件如何审批？",
            "编制环评报告书或报告表（EIA），报生态环境局审批。",
            "环境影响评价",
        ),
        (
            "土地出让金可以分期缴纳吗？",
            "首期不低于50%，余款一年内缴清。",
            "用地规划",
        ),
    ] {
        let c = post(
            t,
            &asker,
            "/api/v1/consultations",
            json!({"subject": "问题", "body": q}),
        )
        .await;
        let id = c.json()["id"].as_i64().expect("id");
        let r = post(
            t,
            &coord,
            &format!("/api/v1/consultations/{id}/messages"),
            json!({"body": a, "version": 1}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = post(
            t,
            &coord,
            &format!("/api/v1/consultations/{id}/faq"),
            json!({"category": cat, "question": q, "answer": a}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
}

#[tokio::test]
async fn chinese_substrings_of_any_length_are_found_the_same_way() {
    let t = TestApp::new().await;
    city(&t).await;
    // Three or more characters (the trigram index), in the middle of a word.
    assert_eq!(
        found(&t, "coord", "影响评").await,
        hits(&[("faq", "建设项目环境影响评价文件如何审批？")])
    );
    assert_eq!(
        found(&t, "coord", "不锈钢").await,
        hits(&[
            ("project", "年产5万吨不锈钢管项目"),
            ("enterprise", "甲镇不锈钢有限公司"),
        ])
    );
    // Two characters (a scan with the same semantics): 环评 inside 环评报告书, 钢管 inside a name.
    assert_eq!(
        found(&t, "coord", "环评").await,
        hits(&[("faq", "建设项目环境影响评价文件如何审批？")])
    );
    assert_eq!(
        found(&t, "coord", "钢管").await,
        hits(&[("project", "年产5万吨不锈钢管项目")])
    );
    // 土地 in two FAQ titles' neighbours and a project: title matches first, newest first.
    assert_eq!(
        found(&t, "coord", "土地").await,
        hits(&[
            ("faq", "土地出让金可以分期缴纳吗？"),
            ("project", "土地整理及厂房扩建项目"),
        ])
    );
    // One character; and the order within a kind is newest first.
    assert_eq!(
        found(&t, "coord", "吨").await,
        hits(&[
            ("project", "年产2万吨速冻食品项目"),
            ("project", "年产5万吨不锈钢管项目"),
        ])
    );
    // Latin letters, case-insensitive; spaces collapse; LIKE wildcards are literal.
    assert_eq!(
        found(&t, "coord", "eia").await,
        found(&t, "coord", "  EIA ").await
    );
    assert_eq!(found(&t, "coord", "eia").await.len(), 1);
    assert_eq!(
        found(&t, "coord", "%").await,
        hits(&[("faq", "土地出让金可以分期缴纳吗？")])
    );
    assert!(found(&t, "coord", "_").await.is_empty());
    assert!(found(&t, "coord", "50%").await.len() == 1);
    assert!(
        found(&t, "coord", "环境评价").await.is_empty(),
        "not a subsequence match"
    );
}

#[tokio::test]
async fn results_are_scoped_per_role_and_audience() {
    let t = TestApp::new().await;
    city(&t).await;
    assert_eq!(
        found(&t, "ent.a", "有限公司").await,
        hits(&[("enterprise", "甲镇不锈钢有限公司")])
    );
    assert_eq!(
        found(&t, "ent.b", "有限公司").await,
        hits(&[("enterprise", "乙镇食品有限公司")])
    );
    assert_eq!(
        found(&t, "agent.a", "项目").await,
        hits(&[
            ("faq", "建设项目环境影响评价文件如何审批？"),
            ("project", "土地整理及厂房扩建项目"),
            ("project", "年产5万吨不锈钢管项目"),
        ])
    );
    assert_eq!(
        found(&t, "ent.b", "项目").await,
        hits(&[
            ("faq", "建设项目环境影响评价文件如何审批？"),
            ("project", "年产2万吨速冻食品项目"),
        ])
    );
    // A department's helper sees the projects of its items (none yet) and no enterprises.
    assert_eq!(
        found(&t, "helper.x", "项目").await,
        hits(&[("faq", "建设项目环境影响评价文件如何审批？")])
    );
    assert_eq!(found(&t, "coord", "有限公司").await.len(), 2);
    // Audiences of other kinds (how announcements are hooked in): staff only, signed in.
    {
        let w = t.app.begin_write().await.expect("txn");
        search::index(
            &w.txn,
            "announcement",
            7,
            "关于环评审批提速的内部通知",
            "仅工作人员",
            Audience::Staff,
        )
        .await
        .expect("index");
        search::index(
            &w.txn,
            "announcement",
            8,
            "环评容缺受理公告",
            "面向企业",
            Audience::SignedIn,
        )
        .await
        .expect("index");
        w.commit().await.expect("commit");
    }
    let ann = |v: Vec<(String, String)>| {
        v.into_iter()
            .filter(|(k, _)| k == "announcement")
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ann(found(&t, "agent.b", "环评").await),
        ["环评容缺受理公告", "关于环评审批提速的内部通知"]
    );
    assert_eq!(ann(found(&t, "ent.a", "环评").await), ["环评容缺受理公告"]);
    // The public FAQ search, without login: published FAQ entries only.
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/faq?q={}", crate::consultations::enc("环评")),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/search?q={}", crate::consultations::enc("环评")),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    {
        let w = t.app.begin_write().await.expect("txn");
        search::remove(&w.txn, "announcement", 7)
            .await
            .expect("remove");
        w.commit().await.expect("commit");
    }
    assert_eq!(
        ann(found(&t, "agent.b", "环评").await),
        ["环评容缺受理公告"]
    );
}

#[tokio::test]
async fn bad_queries_are_422_and_matches_are_escaped() {
    let t = TestApp::new().await;
    let tok = t.token("coord").await;
    for q in [
        String::new(),
        "%20%20".to_owned(),
        crate::consultations::enc(&"环".repeat(101)),
    ] {
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/search?q={q}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.text
        );
        assert_eq!(r.json()["errors"][0]["field"], "q");
    }
    let r = t
        .api(
            Method::GET,
            "/api/v1/search?q=abc&kind=meeting",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "kind");
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/faq?q={}", "a".repeat(101)),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A published answer with markup: highlighted, escaped.
    let ent = t.token("ent.a").await;
    let c = post(
        &t,
        &ent,
        "/api/v1/consultations",
        json!({"subject": "s", "body": "脚本<script>alert(1)</script>问题"}),
    )
    .await;
    let id = c.json()["id"].as_i64().expect("id");
    post(
        &t,
        &tok,
        &format!("/api/v1/consultations/{id}/messages"),
        json!({"body": "答", "version": 1}),
    )
    .await;
    let r = post(
        &t,
        &tok,
        &format!("/api/v1/consultations/{id}/faq"),
        json!({"category": "其他", "question": "脚本<script>alert(1)</script>问题", "answer": "答"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let page = t
        .send(
            Request::get(format!(
                "/public/faq?q={}",
                crate::consultations::enc("<script>")
            ))
            .body(Body::empty())
            .expect("req"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("<mark>&#60;script&#62;</mark>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("<script>alert"));
    let session = t.page_login("coord").await;
    let p = t
        .page(
            &format!("/search?q={}", crate::consultations::enc("script")),
            &session,
        )
        .await;
    assert!(
        p.text.contains("&#60;<mark>script</mark>&#62;"),
        "{}",
        p.text
    );
    let p = t.page("/search?q=", &session).await;
    assert_eq!(p.status, StatusCode::OK);
}

#[tokio::test]
async fn rows_written_before_the_index_are_backfilled() {
    let t = TestApp::new().await;
    city(&t).await;
    {
        use daiban_store::sea_orm::ConnectionTrait;
        t.app
            .db
            .conn
            .execute_unprepared("DELETE FROM search_index WHERE kind IN ('project', 'enterprise')")
            .await
            .expect("delete");
    }
    assert!(found(&t, "coord", "有限公司").await.is_empty());
    let added = search::backfill(&t.app).await.expect("backfill");
    assert_eq!(added, 5, "three projects and two enterprises");
    assert_eq!(search::backfill(&t.app).await.expect("again"), 0);
    assert_eq!(found(&t, "coord", "有限公司").await.len(), 2);
}

/// The names the project list gives for `q`, as `who`.
async fn listed(t: &TestApp, who: &str, q: &str) -> Vec<String> {
    let tok = t.token(who).await;
    let r = t
        .api(
            Method::GET,
            &format!("/api/v1/projects?q={}", crate::consultations::enc(q)),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{who} {q}: {}", r.text);
    let mut names: Vec<String> = r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        r.json()["total"].as_u64(),
        Some(names.len() as u64),
        "{who} {q}: the total counts what is listed"
    );
    names
}

#[tokio::test]
async fn the_project_list_searches_names_by_substrings_of_any_length_within_scope() {
    let t = TestApp::new().await;
    city(&t).await;
    let both = ["土地整理及厂房扩建项目", "年产5万吨不锈钢管项目"];
    // Three characters or more (trigrams on SQLite), two (bigrams), one (a scan): the same
    // substring semantics.
    assert_eq!(listed(&t, "coord", "不锈钢管").await, [both[1]]);
    assert_eq!(listed(&t, "coord", "钢管").await, [both[1]]);
    assert_eq!(listed(&t, "coord", "土地").await, [both[0]]);
    assert_eq!(listed(&t, "coord", "吨").await.len(), 2);
    assert_eq!(listed(&t, "coord", "年产").await.len(), 2);
    assert_eq!(listed(&t, "coord", "项目").await.len(), 3);
    assert!(listed(&t, "coord", "钢铁").await.is_empty());
    // The list matches the name and the code, not the industry the search index also holds.
    assert!(listed(&t, "coord", "金属制品").await.is_empty());
    assert!(
        listed(&t, "coord", "食品").await.len() == 1,
        "速冻食品 is in a name"
    );
    // Paged newest first, the total counting every match.
    let coord = t.token("coord").await;
    let mut seen = Vec::new();
    for offset in 0..4 {
        let r = t
            .api(
                Method::GET,
                &format!(
                    "/api/v1/projects?limit=1&offset={offset}&q={}",
                    crate::consultations::enc("项目")
                ),
                Some(&coord),
                None,
            )
            .await;
        assert_eq!(r.json()["total"], 3, "{}", r.text);
        for p in r.json()["items"].as_array().expect("items") {
            seen.push(p["id"].as_i64().expect("id"));
        }
    }
    assert_eq!(seen.len(), 3, "one per page, none past the end");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );
    // Scope: enterprise A sees its own two.
    assert_eq!(listed(&t, "ent.a", "项目").await, both);
    assert!(listed(&t, "ent.b", "钢管").await.is_empty());
}
