//! Democratic appraisal (民主评议): a survey from opening to results, answers through personal
//! links (API and the public page), the arithmetic with 不了解, units without a counted answer
//! resolved by a decision, the freeze on closing, and who sees what.

use crate::helpers::{Resp, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use daiban_domain::evaluation::Quarter;
use serde_json::{Value, json};

async fn call(t: &TestApp, m: Method, tok: Option<&str>, path: &str, body: Option<Value>) -> Resp {
    t.api(m, path, tok, body).await
}

async fn unit_id(t: &TestApp, code: &str) -> i64 {
    daiban_app::units::find_by_code(&t.app.db.conn, code)
        .await
        .expect("db")
        .expect("unit")
        .id
}

fn field_codes(r: &Resp) -> Vec<(String, String)> {
    r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Opens 2026Q4's survey (today is 2026-11-27) and returns its id.
async fn open_q4(t: &TestApp, coord: &str) -> i64 {
    let r = call(
        t,
        Method::POST,
        Some(coord),
        "/api/v1/surveys",
        Some(json!({
            "quarter": "2026Q4",
            "title": "2026年第四季度项目代办帮办工作满意度测评",
            "opens_on": "2026-11-20",
            "closes_on": "2026-12-10",
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json()["unit_count"],
        3,
        "T-A, T-B and D-X; not the bureau"
    );
    r.json()["id"].as_i64().expect("id")
}

fn answers(pairs: &[(i64, &str)]) -> Value {
    json!({"answers": pairs.iter().map(|(u, a)| json!({"unit_id": u, "answer": a})).collect::<Vec<_>>()})
}

async fn put(t: &TestApp, token: &str, body: Value) -> Resp {
    call(
        t,
        Method::PUT,
        None,
        &format!("/api/v1/survey-responses/{token}"),
        Some(body),
    )
    .await
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one survey's whole story")]
async fn a_survey_from_opening_to_results_and_decision() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    let id = open_q4(&t, &coord).await;
    let (ta, tb, dx) = (
        unit_id(&t, "T-A").await,
        unit_id(&t, "T-B").await,
        unit_id(&t, "D-X").await,
    );

    // One survey per quarter.
    let again = call(
        &t,
        Method::POST,
        Some(&coord),
        "/api/v1/surveys",
        Some(json!({"quarter": "2026Q4", "title": "重复", "opens_on": "2026-11-27", "closes_on": "2026-12-10"})),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "survey_exists");

    // Respondents: an agent by account, every enterprise user, a service-center clerk without one.
    let notes_before = t.count("notifications").await;
    let agent_a = t.user_id("agent.a").await;
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/respondents"),
        Some(json!({
            "user_ids": [agent_a],
            "group": "enterprise",
            "people": [{"name": "王芳", "group": "service_center", "phone": "0523-83200000"}],
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let links = r.json();
    let links = links.as_array().expect("links");
    assert_eq!(links.len(), 4);
    let groups: Vec<&str> = links
        .iter()
        .map(|l| l["respondent"]["group"].as_str().expect("group"))
        .collect();
    assert_eq!(
        groups,
        ["agent", "enterprise", "enterprise", "service_center"]
    );
    let tokens: Vec<String> = links
        .iter()
        .map(|l| l["token"].as_str().expect("token").to_owned())
        .collect();
    assert!(tokens.iter().all(|t| t.len() == 64));
    assert_eq!(
        links[0]["path"].as_str(),
        Some(format!("/survey/{}", tokens[0]).as_str())
    );
    assert_eq!(
        t.count("notifications").await - notes_before,
        3,
        "the three account holders get their link in the inbox"
    );
    // Only the hash is stored.
    let stored: i64 = t.count("survey_respondents").await;
    assert_eq!(stored, 4);
    {
        use daiban_store::entity::survey_respondent;
        use daiban_store::sea_orm::EntityTrait;
        let rows = survey_respondent::Entity::find()
            .all(&t.app.db.conn)
            .await
            .expect("db");
        assert!(rows.iter().all(|r| !tokens.contains(&r.token_hash)));
    }
    // Asking the same account twice adds nobody.
    let dup = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/respondents"),
        Some(json!({"user_ids": [agent_a]})),
    )
    .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dup.text);
    assert_eq!(field_codes(&dup)[0].1, "no_respondents");

    // The form: every unit, nothing pre-selected.
    let f = call(
        &t,
        Method::GET,
        None,
        &format!("/api/v1/survey-responses/{}", tokens[0]),
        None,
    )
    .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.text);
    let f = f.json();
    assert_eq!(f["state"], "open");
    assert_eq!(f["units"].as_array().expect("units").len(), 3);
    assert!(
        f["units"]
            .as_array()
            .expect("units")
            .iter()
            .all(|u| u["answer"].is_null())
    );

    // Every unit must be answered, once, with a known answer.
    let r = put(&t, &tokens[0], answers(&[(ta, "excellent")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes = field_codes(&r);
    assert!(codes.contains(&(format!("answers.{tb}"), "required".into())));
    assert!(codes.contains(&(format!("answers.{dx}"), "required".into())));
    let r = put(
        &t,
        &tokens[0],
        answers(&[
            (ta, "excellent"),
            (ta, "satisfied"),
            (tb, "great"),
            (dx, "unknown"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes = field_codes(&r);
    assert!(codes.contains(&(format!("answers.{ta}"), "duplicate".into())));
    assert!(codes.contains(&(format!("answers.{tb}"), "answer".into())));
    let r = put(
        &t,
        &tokens[0],
        answers(&[
            (ta, "excellent"),
            (tb, "unknown"),
            (dx, "unknown"),
            (9999, "excellent"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_codes(&r).contains(&("answers".into(), "unknown_unit".into())));
    assert_eq!(t.count("survey_answers").await, 0, "nothing half-saved");

    // T-A: 优秀, 满意, 不了解 → (100+80)/2 × 0.3 = 27.00. T-B: only 不了解. D-X: 不满意, 优秀, 优秀
    // → 220/3 × 0.3 = 22.00.
    for (tok, a) in [
        (
            &tokens[0],
            [(ta, "excellent"), (tb, "unknown"), (dx, "dissatisfied")],
        ),
        (
            &tokens[1],
            [(ta, "satisfied"), (tb, "unknown"), (dx, "excellent")],
        ),
        (
            &tokens[2],
            [(ta, "dissatisfied"), (tb, "unknown"), (dx, "excellent")],
        ),
    ] {
        let r = put(&t, tok, answers(&a)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Answers can change until the survey closes: the third respondent does not know T-A after
    // all. One answer per respondent and unit remains.
    let r = put(
        &t,
        &tokens[2],
        answers(&[(ta, "unknown"), (tb, "unknown"), (dx, "excellent")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(t.count("survey_answers").await, 9);
    let mine = r.json();
    let a_ta = mine["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_id"] == ta)
        .expect("T-A")["answer"]
        .clone();
    assert_eq!(a_ta, "unknown", "the respondent sees their own answer");

    // Results for the bureau.
    let res = call(
        &t,
        Method::GET,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/results"),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = res.json();
    let row = |u: i64| {
        res["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|r| r["unit_id"] == u)
            .expect("row")
            .clone()
    };
    assert_eq!(row(ta)["score"], "27.00");
    assert_eq!(
        (
            row(ta)["excellent"].clone(),
            row(ta)["satisfied"].clone(),
            row(ta)["unknown"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(row(dx)["score"], "22.00");
    assert!(row(tb)["score"].is_null(), "only 不了解: no appraisal");
    assert_eq!(row(tb)["unknown"], 3);
    assert_eq!(row(tb)["unresolved"], true);
    assert_eq!(res["survey"]["answered"], 3);

    // The function the quarterly evaluation calls.
    let q4: Quarter = "2026Q4".parse().expect("quarter");
    let a = daiban_app::surveys::appraisal(&t.app.db.conn, &t.app.scheme, q4)
        .await
        .expect("appraisal");
    assert_eq!(a[&ta].score, Some(2700));
    assert_eq!(a[&ta].respondents, 3);
    assert_eq!(a[&dx].score, Some(2200));
    assert_eq!(a[&tb].score, None);
    assert_eq!(
        daiban_app::surveys::unresolved(&t.app.db.conn, &t.app.scheme, q4)
            .await
            .expect("unresolved"),
        vec![tb]
    );

    // A unit's staff see nothing while it is open; a decision waits for the close.
    let agent = t.token("agent.a").await;
    let r = call(
        &t,
        Method::GET,
        Some(&agent),
        &format!("/api/v1/surveys/{id}/results"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let decision =
        json!({"unit_id": tb, "points": "24.00", "reason": "无计入统计的评议，参照上季度得分认定"});
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/decisions"),
        Some(decision.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "survey_open");

    // Closing freezes it.
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/close"),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["state"], "closed");
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/close"),
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(r.json()["code"], "survey_closed");
    let r = put(
        &t,
        &tokens[3],
        answers(&[(ta, "excellent"), (tb, "excellent"), (dx, "excellent")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "survey_closed");
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/respondents"),
        Some(json!({"people": [{"name": "李四", "group": "service_center"}]})),
    )
    .await;
    assert_eq!(r.json()["code"], "survey_closed");

    // The decision: not for a unit with counted answers; points within 0–30 with two
    // decimals; a reason.
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/decisions"),
        Some(json!({"unit_id": ta, "points": "20", "reason": "x"})),
    )
    .await;
    assert_eq!(r.json()["code"], "appraisal_counted");
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/decisions"),
        Some(json!({"unit_id": tb, "points": "30.5", "reason": ""})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes = field_codes(&r);
    assert!(
        codes.contains(&("points".into(), "points".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("reason".into(), "required".into())),
        "{codes:?}"
    );
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/decisions"),
        Some(decision),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["decided_points"], "24.00");
    assert_eq!(r.json()["unresolved"], false);
    assert!(
        daiban_app::surveys::unresolved(&t.app.db.conn, &t.app.scheme, q4)
            .await
            .expect("unresolved")
            .is_empty()
    );
    let a = daiban_app::surveys::appraisal(&t.app.db.conn, &t.app.scheme, q4)
        .await
        .expect("appraisal");
    assert_eq!(a[&tb].decided.as_ref().map(|d| d.0), Some(2400));

    // Once closed, a unit's staff see their own unit only.
    for (who, unit) in [("agent.a", ta), ("lead.a", ta), ("helper.x", dx)] {
        let tok = t.token(who).await;
        let r = call(
            &t,
            Method::GET,
            Some(&tok),
            &format!("/api/v1/surveys/{id}/results"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text);
        let units = r.json()["units"].clone();
        assert_eq!(units.as_array().map(Vec::len), Some(1), "{who}");
        assert_eq!(units[0]["unit_id"], unit, "{who}");
        assert_eq!(
            r.json()["survey"]["respondents"],
            0,
            "{who}: no respondent counts"
        );
        let r = call(
            &t,
            Method::GET,
            Some(&tok),
            &format!("/api/v1/surveys/{id}/respondents"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // The city leader reads every unit, and changes nothing.
    let leader = t.token("leader").await;
    let r = call(
        &t,
        Method::GET,
        Some(&leader),
        &format!("/api/v1/surveys/{id}/results"),
        None,
    )
    .await;
    assert_eq!(r.json()["units"].as_array().map(Vec::len), Some(3));
    let r = call(
        &t,
        Method::POST,
        Some(&leader),
        &format!("/api/v1/surveys/{id}/reopen"),
        Some(json!({"closes_on": "2026-12-20", "version": 2})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Enterprises see nothing of it.
    let ent = t.token("ent.a").await;
    let r = call(&t, Method::GET, Some(&ent), "/api/v1/surveys", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &t,
        Method::GET,
        Some(&ent),
        &format!("/api/v1/surveys/{id}/results"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Reopened (more answers wanted), the clerk answers.
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/reopen"),
        Some(json!({"closes_on": "2026-12-20", "version": 2})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["state"], "open");
    let r = put(
        &t,
        &tokens[3],
        answers(&[(ta, "excellent"), (tb, "satisfied"), (dx, "excellent")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = daiban_app::surveys::appraisal(&t.app.db.conn, &t.app.scheme, q4)
        .await
        .expect("appraisal");
    assert_eq!(a[&tb].score, Some(2400), "80 × 0.3");
    // Past its closing day a survey takes no answers even if not closed by hand.
    t.clock.advance(chrono::Duration::days(30));
    let r = put(
        &t,
        &tokens[3],
        answers(&[(ta, "excellent"), (tb, "excellent"), (dx, "excellent")]),
    )
    .await;
    assert_eq!(r.json()["code"], "survey_closed");
}

#[tokio::test]
async fn tokens_roles_and_opening_rules() {
    let t = TestApp::new().await;
    let coord = t.token("coord").await;
    // A bad token is a 404, through the API and the page.
    for tok in ["nope", &"a".repeat(64)] {
        let r = call(
            &t,
            Method::GET,
            None,
            &format!("/api/v1/survey-responses/{tok}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = t
            .send(
                Request::get(format!("/survey/{tok}"))
                    .body(Body::empty())
                    .expect("req"),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    // Only a coordinator opens a survey.
    for who in [
        "leader", "agent.a", "lead.a", "helper.x", "ent.a", "admin", "auditor",
    ] {
        let tok = t.token(who).await;
        let r = call(
            &t,
            Method::POST,
            Some(&tok),
            "/api/v1/surveys",
            Some(json!({"quarter": "2026Q4", "title": "x", "opens_on": "2026-11-27", "closes_on": "2026-12-10"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // Validation, named in both languages.
    let r = t
        .api_lang(
            Method::POST,
            "/api/v1/surveys",
            Some(&coord),
            Some(json!({"quarter": "2026Q9", "title": " ", "opens_on": "2026-12-10", "closes_on": "2026-12-01"})),
            Some("en"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes = field_codes(&r);
    for want in [
        ("quarter", "quarter"),
        ("title", "required"),
        ("closes_on", "before_open"),
    ] {
        assert!(codes.contains(&(want.0.into(), want.1.into())), "{codes:?}");
    }
    assert!(r.text.contains("closing day"), "{}", r.text);
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        "/api/v1/surveys",
        Some(json!({"quarter": "2026Q2", "title": "x", "opens_on": "2026-11-20", "closes_on": "2026-12-01"})),
    )
    .await;
    assert!(field_codes(&r).contains(&("opens_on".into(), "outside_quarter".into())));
    assert!(r.text.contains("开始日期"), "{}", r.text);

    // Without a survey every evaluated unit is unresolved and no appraisal exists.
    let q3: Quarter = "2026Q3".parse().expect("quarter");
    let un = daiban_app::surveys::unresolved(&t.app.db.conn, &t.app.scheme, q3)
        .await
        .expect("unresolved");
    assert_eq!(un.len(), 3);
    assert!(
        daiban_app::surveys::appraisal(&t.app.db.conn, &t.app.scheme, q3)
            .await
            .expect("appraisal")
            .is_empty()
    );

    // Respondents: unknown group, an account outside the four groups, a person without a name.
    let id = open_q4(&t, &coord).await;
    let leader = t.user_id("leader").await;
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/respondents"),
        Some(json!({"user_ids": [leader], "group": "mayor", "people": [{"name": "", "group": "helper"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes = field_codes(&r);
    for want in [
        ("user_ids", "not_respondent"),
        ("group", "group"),
        ("people[0].name", "required"),
    ] {
        assert!(codes.contains(&(want.0.into(), want.1.into())), "{codes:?}");
    }
    // Unit staff do not see an open survey at all.
    let agent = t.token("agent.a").await;
    let r = call(&t, Method::GET, Some(&agent), "/api/v1/surveys", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json().as_array().map(Vec::len), Some(0));
    let r = call(
        &t,
        Method::GET,
        Some(&agent),
        &format!("/api/v1/surveys/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Respondents by group and unit: the agents of T-A.
    let ta = unit_id(&t, "T-A").await;
    let r = call(
        &t,
        Method::POST,
        Some(&coord),
        &format!("/api/v1/surveys/{id}/respondents"),
        Some(json!({"group": "agent", "unit_id": ta})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let names: Vec<String> = r
        .json()
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            l["respondent"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["测试agent.a"]);
}

fn link_tokens(html: &str) -> Vec<String> {
    html.match_indices("/survey/")
        .filter_map(|(i, m)| {
            let rest = &html[i + m.len()..];
            let tok: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            (tok.len() == 64).then_some(tok)
        })
        .collect()
}

async fn post_public(t: &TestApp, path: &str, body: &str, origin: Option<&str>) -> Resp {
    let mut b = Request::post(path).header(
        axum::http::header::CONTENT_TYPE,
        "application/x-www-form-urlencoded",
    );
    b = b.header(axum::http::header::HOST, "daiban.local");
    if let Some(o) = origin {
        b = b.header(axum::http::header::ORIGIN, o);
    }
    t.send(b.body(Body::from(body.to_owned())).expect("req"))
        .await
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "the pages of one survey, end to end")]
async fn the_pages_from_opening_to_the_public_answer_form() {
    let t = TestApp::new().await;
    let coord = t.page_login("coord").await;
    let list = t.page("/surveys", &coord).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("发起本季度评议"), "{}", list.text);
    assert!(list.text.contains("href=\"/surveys\""), "nav entry");
    let csrf = crate::helpers::csrf_of(&list.text);
    let r = t
        .post_form(
            "/surveys",
            &coord,
            &format!("_csrf={csrf}&quarter=2026Q4&title=%E6%B5%8B%E8%AF%84&opens_on=2026-11-27&closes_on=2026-12-09"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let loc = r.headers["location"].to_str().expect("location").to_owned();
    let path = loc.split('?').next().expect("path").to_owned();
    // A refused post comes back with its message.
    let r = t
        .post_form(
            "/surveys",
            &coord,
            &format!(
                "_csrf={csrf}&quarter=2026Q4&title=x&opens_on=2026-11-27&closes_on=2026-12-09"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("已有民主评议"), "{}", r.text);

    let show = t.page(&loc, &coord).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(show.text.contains("评议已发起"));
    assert!(
        show.text.contains("无评议"),
        "no answers yet: every unit without appraisal"
    );
    // One person without an account: the link is shown once, on a printable page.
    let r = t
        .post_form(
            &format!("{path}/respondents"),
            &coord,
            &format!("_csrf={csrf}&group=&unit_id=&person_name=%E7%8E%8B%E8%8A%B3&person_group=service_center&person_phone="),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("只显示这一次"));
    let tokens = link_tokens(&r.text);
    assert_eq!(tokens.len(), 1, "{}", r.text);
    let tok = &tokens[0];
    let again = t.page(&path, &coord).await;
    assert!(link_tokens(&again.text).is_empty(), "never shown again");
    assert!(again.text.contains("王芳"));
    // Nothing chosen: a message in the form.
    let r = t
        .post_form(
            &format!("{path}/respondents"),
            &coord,
            &format!("_csrf={csrf}&group=&unit_id=&person_name=&person_group=service_center&person_phone="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("没有可添加的评议对象"));

    // The public page: no login, one fieldset per unit, nothing pre-selected.
    let form = t
        .send(
            Request::get(format!("/survey/{tok}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert_eq!(form.text.matches("<fieldset").count(), 3);
    assert_eq!(form.text.matches("<legend>").count(), 3);
    assert_eq!(form.text.matches("type=\"radio\"").count(), 12);
    assert!(!form.text.contains(" checked"));
    assert!(form.text.contains("不了解"));
    assert_eq!(form.headers["cache-control"], "no-store");
    let (ta, tb, dx) = (
        unit_id(&t, "T-A").await,
        unit_id(&t, "T-B").await,
        unit_id(&t, "D-X").await,
    );
    // Another site's page cannot post for the respondent.
    let body = format!("u{ta}=excellent&u{tb}=unknown&u{dx}=satisfied");
    let r = post_public(
        &t,
        &format!("/survey/{tok}"),
        &body,
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("survey_answers").await, 0);
    // A unit left out: the form comes back with the message at that unit, the rest kept.
    let r = post_public(
        &t,
        &format!("/survey/{tok}"),
        &format!("u{ta}=excellent&u{dx}=satisfied"),
        Some("http://daiban.local"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains(&format!("id=\"e-{tb}\"")), "{}", r.text);
    assert_eq!(r.text.matches(" checked").count(), 2);
    let r = post_public(
        &t,
        &format!("/survey/{tok}"),
        &body,
        Some("http://daiban.local"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let saved = t
        .send(
            Request::get(format!("/survey/{tok}?saved=1"))
                .header(axum::http::header::COOKIE, "lang=en")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert!(saved.text.contains("Your answers are saved"));
    assert_eq!(saved.text.matches(" checked").count(), 3);

    // Results: T-A 30.00, D-X 24.00, T-B without appraisal (highlighted), decided after closing.
    let show = t.page(&path, &coord).await;
    assert!(show.text.contains("30.00") && show.text.contains("24.00"));
    assert!(show.text.contains("class=\"warn\""));
    let v: i64 = 1;
    let r = t
        .post_form(
            &format!("{path}/close"),
            &coord,
            &format!("_csrf={csrf}&version={v}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let show = t.page(&path, &coord).await;
    assert!(
        show.text.contains(&format!("id=\"points-{tb}\"")),
        "decision form for T-B"
    );
    let r = t
        .post_form(
            &format!("{path}/decisions"),
            &coord,
            &format!("_csrf={csrf}&unit_id={tb}&points=abc&reason="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("分数应为"));
    let r = t
        .post_form(
            &format!("{path}/decisions"),
            &coord,
            &format!("_csrf={csrf}&unit_id={tb}&points=25.5&reason=%E5%8F%82%E7%85%A7%E4%B8%8A%E5%AD%A3%E5%BA%A6"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let show = t.page(&path, &coord).await;
    assert!(show.text.contains("25.50") && show.text.contains("参照上季度"));
    // The closed form: no radio can be changed, the post is refused.
    let form = t
        .send(
            Request::get(format!("/survey/{tok}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert!(form.text.contains("本次评议已结束"));
    assert!(!form.text.contains("提交评议"));
    let r = post_public(&t, &format!("/survey/{tok}"), &body, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The unit's staff: their own unit's result, nothing of the respondents.
    let agent = t.page_login("agent.a").await;
    let page = t.page(&path, &agent).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("甲镇") && page.text.contains("30.00"));
    assert!(!page.text.contains("乙镇") && !page.text.contains("王芳"));
    let ent = t.page_login("ent.a").await;
    assert_eq!(t.page("/surveys", &ent).await.status, StatusCode::FORBIDDEN);
    assert!(!t.page("/", &ent).await.text.contains("href=\"/surveys\""));
}
