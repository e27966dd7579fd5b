//! The working-day calendar API and pages: queries, the 422 naming an unpublished year,
//! versions, and the administrator's import.

use crate::helpers::{TestApp, csrf_of};
use axum::http::{Method, StatusCode, header};
use serde_json::Value;

/// A made-up 2027 arrangement: a TEST fixture, not official data.
const FIXTURE_2027: &str = include_str!("../../../daiban/tests/fixtures/2027-test.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE_2027).expect("fixture")
}

#[tokio::test]
async fn a_day_names_its_holiday_and_kind() {
    let t = TestApp::new().await;
    let tok = t.token("agent.a").await;
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/days/2026-02-14",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["kind"], "makeup_workday");
    assert_eq!(v["working"], true);
    assert_eq!(v["name"], "春节");
    assert_eq!(v["name_code"], "spring_festival");
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/days/2026-03-07",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.json()["kind"], "weekend");
    assert_eq!(r.json()["name"], Value::Null);
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/days/2026-02-30",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "date");
    let r = t
        .api(Method::GET, "/api/v1/calendar/days/2026-02-14", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_worked_cases() {
    let t = TestApp::new().await;
    let tok = t.token("helper.x").await;
    for (q, want) in [
        ("date=2026-02-13&n=1", "2026-02-14"),
        ("date=2025-12-31&n=1", "2026-01-04"),
        ("date=2026-02-15&n=0", "2026-02-24"),
    ] {
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/calendar/add?{q}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
        assert_eq!(r.json()["result"], want, "{q}");
        assert_eq!(r.json()["provisional"], false);
    }
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/between?from=2026-02-13&to=2026-03-02",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["days"], 7);
    for q in [
        "date=2026-02-13",
        "date=2026-02-13&n=-1",
        "date=x&n=1",
        "n=1",
    ] {
        let r = t
            .api(
                Method::GET,
                &format!("/api/v1/calendar/add?{q}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(
            r.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{q}"
        );
    }
}

#[tokio::test]
async fn an_unpublished_year_is_a_422_naming_it() {
    let t = TestApp::new().await;
    let tok = t.token("coord").await;
    for (path, field) in [
        ("/api/v1/calendar/days/2027-03-01", "date"),
        ("/api/v1/calendar/add?date=2026-12-31&n=1", "date"),
        (
            "/api/v1/calendar/between?from=2026-12-01&to=2027-01-10",
            "to",
        ),
        (
            "/api/v1/calendar/between?from=2027-01-10&to=2026-12-01",
            "from",
        ),
        ("/api/v1/calendar/export?from=2026&to=2027", "to"),
    ] {
        let r = t.api(Method::GET, path, Some(&tok), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
        let e = &r.json()["errors"][0];
        assert_eq!(e["field"], field, "{path}");
        assert_eq!(e["code"], "calendar_year_unknown");
        assert!(
            e["message"]
                .as_str()
                .unwrap_or_default()
                .contains("2027年的节假日安排尚未公布"),
            "{path}: {e}"
        );
    }
    let r = t
        .api_lang(
            Method::GET,
            "/api/v1/calendar/days/2027-03-01",
            Some(&tok),
            None,
            Some("en"),
        )
        .await;
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("The 2027 holiday arrangement has not been published"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn export_is_csv_with_a_byte_order_mark() {
    let t = TestApp::new().await;
    let tok = t.token("agent.a").await;
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/export?from=2026&to=2026",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(r.text.starts_with("\u{feff}date,kind,name\n"));
    assert_eq!(r.text.lines().count(), 366);
    assert!(r.text.contains("2026-02-14,makeup_workday,春节\n"));
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/export?from=2026&to=2025",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn only_the_administrator_imports() {
    let t = TestApp::new().await;
    for user in ["coord", "agent.a", "auditor", "ent.a"] {
        let tok = t.token(user).await;
        let r = t
            .api(
                Method::POST,
                "/api/v1/calendar/imports",
                Some(&tok),
                Some(fixture()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        // Refused before the body is even read.
        let r = t
            .api(
                Method::POST,
                "/api/v1/calendar/imports",
                Some(&tok),
                Some(serde_json::json!({})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    assert_eq!(t.count("calendar_versions").await, 0);
}

#[tokio::test]
async fn a_provisional_date_becomes_exact_after_the_import() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let agent = t.token("agent.a").await;
    let path = "/api/v1/calendar/add?date=2026-12-31&n=1&provisional=true";
    let r = t.api(Method::GET, path, Some(&agent), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["result"], "2027-01-01");
    assert_eq!(r.json()["provisional"], true);

    let audit_before = t.count("audit_log").await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/calendar/imports",
            Some(&admin),
            Some(fixture()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let o = r.json();
    assert_eq!(o["version"]["year"], 2027);
    assert_eq!(o["version"]["version"], 1);
    assert_eq!(o["version"]["source"], "api");
    assert_eq!(o["version"]["imported_by_name"], "测试admin");
    assert_eq!(o["recompute"]["items_checked"], 0);
    assert_eq!(t.count("audit_log").await, audit_before + 1);

    let r = t.api(Method::GET, path, Some(&agent), None).await;
    assert_eq!(r.json()["result"], "2027-01-04");
    assert_eq!(r.json()["provisional"], false);
    let r = t
        .api(
            Method::GET,
            "/api/v1/calendar/add?date=2026-12-31&n=1",
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["result"], "2027-01-04");

    // The same arrangement again: 409, nothing written.
    let r = t
        .api(
            Method::POST,
            "/api/v1/calendar/imports",
            Some(&admin),
            Some(fixture()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["code"], "calendar_unchanged");
    assert_eq!(t.count("calendar_versions").await, 1);

    // Versions: 2027 imported, 2026 shipped.
    let r = t
        .api(Method::GET, "/api/v1/calendar/versions", Some(&agent), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.json();
    let list = list.as_array().expect("array");
    assert_eq!(list[0]["year"], 2027);
    assert_eq!(list[0]["current"], true);
    assert_eq!(list[1]["year"], 2026);
    assert_eq!(list[1]["source"], "shipped");
    assert_eq!(list[1]["version"], 0);
    assert_eq!(list[1]["notice_number"], "国办发明电〔2025〕7号");
    assert!(list.iter().any(|v| v["year"] == 2004));
}

#[tokio::test]
async fn an_invalid_arrangement_lists_every_error() {
    let t = TestApp::new().await;
    let admin = t.token("admin").await;
    let mut a = fixture();
    let days = a["days"].as_array_mut().expect("days");
    // A make-up working day on a Monday; a lone Saturday off; a date of another year.
    days.push(serde_json::json!({"date": "2027-03-01", "off": false, "name": "春节"}));
    days.push(serde_json::json!({"date": "2027-03-13", "off": true, "name": "清明节"}));
    days.push(serde_json::json!({"date": "2028-01-03", "off": true, "name": "元旦"}));
    let r = t
        .api(
            Method::POST,
            "/api/v1/calendar/imports",
            Some(&admin),
            Some(a),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let errors = r.json()["errors"].clone();
    let pairs: Vec<(String, String)> = errors
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
        ("2027-03-01", "workday_not_weekend"),
        ("2027-03-13", "weekend_off_outside_span"),
        ("2028-01-03", "outside_year"),
    ] {
        assert!(
            pairs.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} in {pairs:?}"
        );
    }
    let r = t
        .api(
            Method::POST,
            "/api/v1/calendar/imports",
            Some(&admin),
            Some(serde_json::json!({"year": 2027})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "arrangement");
    assert_eq!(t.count("calendar_versions").await, 0);
}

#[tokio::test]
async fn the_year_page_shows_the_months_and_the_calculator() {
    let t = TestApp::new().await;
    for user in ["agent.a", "helper.x", "lead.a", "coord", "leader", "admin"] {
        let s = t.page_login(user).await;
        let home = t.page("/", &s).await;
        assert!(home.text.contains("href=\"/calendar\""), "{user}: menu");
        let r = t.page("/calendar/2026", &s).await;
        assert_eq!(r.status, StatusCode::OK, "{user}");
    }
    let s = t.page_login("agent.a").await;
    let r = t.page("/calendar/2026", &s).await;
    assert!(
        r.text
            .contains("国务院办公厅关于2026年部分节假日安排的通知")
    );
    assert!(r.text.contains("十二月"));
    assert!(
        r.text.contains("<td class=\"day makeup\""),
        "make-up days marked"
    );
    assert!(
        r.text.contains("<td class=\"day holiday\""),
        "holidays marked"
    );
    // The calculator, without JavaScript: a GET form.
    let r = t
        .page(
            "/calendar/2026?start=2026-02-13&n=1&from=2026-02-13&to=2026-03-02",
            &s,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("2026-02-14"), "add result");
    assert!(r.text.contains("<output"), "results shown");
    let r = t.page("/calendar/2026?start=2026-12-31&n=1", &s).await;
    assert!(r.text.contains("2027年的节假日安排尚未公布"));
    let r = t.page("/calendar/2027", &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("2027年的节假日安排尚未公布"));
    let r = t.page("/calendar", &s).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Enterprises have no staff calendar page.
    let s = t.page_login("ent.a").await;
    assert_eq!(
        t.page("/calendar/2026", &s).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_administrator_imports_through_the_page() {
    let t = TestApp::new().await;
    let s = t.page_login("admin").await;
    let page = t.page("/admin/calendar", &s).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("国办发明电〔2025〕7号"));
    assert!(page.text.contains("href=\"/admin/calendar\""));
    let csrf = csrf_of(&page.text);
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    // Without the token: refused.
    let r = t
        .post_form(
            "/admin/calendar",
            &s,
            &format!("arrangement={}", enc(FIXTURE_2027)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Invalid: every error in the form, by date.
    let bad = FIXTURE_2027.replace(
        r#"{"date": "2027-04-25", "off": false"#,
        r#"{"date": "2027-04-26", "off": false"#,
    );
    let r = t
        .post_form(
            "/admin/calendar",
            &s,
            &format!("arrangement={}&_csrf={csrf}", enc(&bad)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("2027-04-26"));
    assert!(r.text.contains("调休上班日必须是星期六或星期日"));
    assert_eq!(t.count("calendar_versions").await, 0);
    // Valid: redirected to a confirmation naming year, version and recomputed deadlines.
    let r = t
        .post_form(
            "/admin/calendar",
            &s,
            &format!("arrangement={}&_csrf={csrf}", enc(FIXTURE_2027)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = r.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let r = t.page(&to, &s).await;
    assert!(r.text.contains("class=\"flash\""), "{}", r.text);
    assert!(r.text.contains("已导入 2027 年第 1 版"), "flash");
    assert!(r.text.contains("TEST FIXTURE"));
    // Others may not see or post the admin page.
    let s = t.page_login("coord").await;
    assert_eq!(
        t.page("/admin/calendar", &s).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn another_instance_picks_up_an_import() {
    let t = TestApp::new().await;
    // A second instance over the same database, as several stateless servers share PostgreSQL.
    let other = daiban_app::App::new(
        t.app.db.clone(),
        t.clock.clone(),
        daiban_app::AuthPolicy::default(),
    );
    assert!(
        !daiban_app::calendar::refresh_if_changed(&other)
            .await
            .expect("refresh")
    );
    let admin = t.token("admin").await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/calendar/imports",
            Some(&admin),
            Some(fixture()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(
        t.app.calendar().covers(2027),
        "the importing instance reloads at once"
    );
    assert!(!other.calendar().covers(2027));
    assert!(
        daiban_app::calendar::refresh_if_changed(&other)
            .await
            .expect("refresh")
    );
    assert!(other.calendar().covers(2027));
    assert!(
        !daiban_app::calendar::refresh_if_changed(&other)
            .await
            .expect("refresh")
    );
    // A fresh instance loads the imported year at start.
    let started = daiban_app::App::start(
        t.app.db.clone(),
        t.clock.clone(),
        daiban_app::AuthPolicy::default(),
    )
    .await
    .expect("start");
    assert!(started.calendar().covers(2027));
}
