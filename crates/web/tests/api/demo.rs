//! The demo city loads whole, once, and its accounts work.

use crate::helpers::bare_app;
use daiban_app::audit::{Verification, verify};
use daiban_app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, Loaded, load_if_empty, load_with};

#[tokio::test]
async fn the_demo_city_loads_once_with_an_intact_audit_chain() {
    let (app, _clock, _dir) = bare_app().await;
    let loaded = load_with(&app, 24).await.expect("load");
    let Loaded::City {
        units,
        staff,
        enterprises,
        enterprise_users,
        activity,
    } = loaded
    else {
        panic!("an empty database must get the city");
    };
    assert!(
        units >= 57,
        "bureau, center, ≥30 town units, ≥25 departments: {units}"
    );
    assert!(staff > 100 && enterprises >= 12 && enterprise_users >= enterprises);
    assert_eq!(
        load_if_empty(&app).await.expect("second load"),
        Loaded::AlreadyPopulated
    );
    assert_eq!(activity.projects, 24);
    assert!(activity.case_items > activity.projects, "{activity:?}");
    let entries = units + staff + enterprises + enterprise_users;
    match verify(&app.db.conn).await.expect("verify") {
        Verification::Intact { entries: n } => {
            assert!(
                n > i64::try_from(entries).expect("fits"),
                "the activity is audited too"
            );
        }
        broken @ Verification::Broken { .. } => {
            panic!("the demo's audit chain must be intact: {broken:?}")
        }
    }
    // The bureau's outreach: activities held with discipline evidence, return visits with
    // appraisals, and a visit plan with entries still open.
    assert!(activity.activities >= 6, "about monthly: {activity:?}");
    assert!(activity.return_visits > 0, "{activity:?}");
    let coord = daiban_app::auth::login(
        &app,
        "bureau.coord1",
        DEMO_PASSWORD,
        daiban_app::auth::SessionKind::Api,
        &daiban_app::Meta::cli(),
    )
    .await
    .expect("coordinator")
    .actor;
    let db = &app.db.conn;
    let held = daiban_app::activities::list(db, &coord)
        .await
        .expect("activities");
    assert!(held.iter().any(|a| a.status == "held"));
    let evidence = daiban_app::activities::discipline_evidence(
        db,
        &coord,
        &daiban_app::activities::DisciplineFilter::default(),
    )
    .await
    .expect("evidence");
    assert!(
        !evidence.is_empty() && evidence.iter().all(|e| e.points == -2),
        "a few late, left early or absent without leave"
    );
    let visits = daiban_app::visits::list(db, &coord).await.expect("visits");
    assert!(visits.iter().any(|v| !v.appraisals.is_empty()));
    let plan = daiban_app::visits::plan(db, &coord, app.now())
        .await
        .expect("plan");
    assert!(
        plan.iter().any(|e| e.visit_id.is_some()),
        "visits cover plan entries"
    );
    assert!(
        plan.iter().any(|e| e.visit_id.is_none()),
        "some entries are open"
    );
    for (role, username) in DEMO_ACCOUNTS {
        let issued = daiban_app::auth::login(
            &app,
            username,
            DEMO_PASSWORD,
            daiban_app::auth::SessionKind::Api,
            &daiban_app::Meta::cli(),
        )
        .await
        .expect("demo login");
        assert_eq!(issued.actor.role.code(), role);
    }
}

#[tokio::test]
async fn the_demo_city_has_a_filing_history_with_adjustments_and_no_orphaned_work() {
    use daiban_store::entity::{filing, handover, post, staffing_evidence};
    use daiban_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (app, clock, _dir) = bare_app().await;
    // Loaded in December, the year-end window itself: the plots still break only their rules.
    clock.set(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 7, 2, 0, 0)
            .single()
            .expect("time"),
    );
    load_with(&app, 24).await.expect("load");
    let db = &app.db.conn;
    let count = |status: &'static str, kind: &'static str| async move {
        filing::Entity::find()
            .filter(filing::Column::Status.eq(status))
            .filter(filing::Column::Kind.eq(kind))
            .count(db)
            .await
            .expect("count")
    };
    assert!(
        count("approved", "selection").await > 80,
        "every unit's register"
    );
    assert_eq!(count("approved", "adjustment").await, 4);
    assert_eq!(count("rejected", "adjustment").await, 1);
    assert_eq!(
        count("proposed", "adjustment").await,
        1,
        "one awaits the bureau"
    );
    // The one awaiting the bureau breaks a rule whatever the month: the outgoing agent has
    // served under two years, which the bureau sees before deciding.
    let pending = filing::Entity::find()
        .filter(filing::Column::Status.eq("proposed"))
        .one(db)
        .await
        .expect("pending")
        .expect("one pending");
    let since = post::Entity::find()
        .filter(post::Column::UserId.eq(pending.outgoing_id.expect("outgoing")))
        .filter(post::Column::Until.is_null())
        .one(db)
        .await
        .expect("post")
        .expect("in the post")
        .since;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    assert!(
        daiban_domain::personnel::adjustment_violations(
            since,
            today,
            app.adjustment_window,
            pending.work_change
        )
        .contains(&daiban_domain::personnel::AdjustmentRule::ShortTenure),
        "{since}"
    );
    let open = handover::Entity::find()
        .filter(handover::Column::Status.eq("open"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(
        open, 1,
        "the successor of the late adjustment has yet to confirm"
    );
    let rules: Vec<String> = staffing_evidence::Entity::find()
        .filter(staffing_evidence::Column::Kind.eq("adjustment_rule"))
        .all(db)
        .await
        .expect("evidence")
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        rules,
        ["out_of_window"],
        "exactly the one out of the window"
    );
    let non_qualifying = staffing_evidence::Entity::find()
        .filter(staffing_evidence::Column::Kind.eq("non_qualifying"))
        .count(db)
        .await
        .expect("count");
    assert!(
        non_qualifying >= 2,
        "the city's samples of non-qualifying cadres"
    );
    assert!(
        daiban_app::handover::orphaned_work(db)
            .await
            .expect("check")
            .is_empty()
    );
}

#[tokio::test]
async fn the_demo_city_has_a_year_of_democratic_appraisal() {
    use daiban_app::surveys::{appraisal, unresolved};
    use daiban_domain::evaluation::Quarter;
    use daiban_store::entity::{notification, survey, survey_respondent, user};
    use daiban_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (app, _clock, _dir) = bare_app().await;
    load_with(&app, 6).await.expect("load");
    let db = &app.db.conn;
    let coord = daiban_app::auth::login(
        &app,
        "bureau.coord1",
        DEMO_PASSWORD,
        daiban_app::auth::SessionKind::Api,
        &daiban_app::Meta::cli(),
    )
    .await
    .expect("coordinator")
    .actor;
    let list = daiban_app::surveys::list(&app, &coord).await.expect("list");
    let quarters: Vec<(&str, &str)> = list
        .iter()
        .map(|v| (v.quarter.as_str(), v.state.as_str()))
        .collect();
    assert_eq!(
        quarters,
        [
            ("2026Q4", "open"),
            ("2026Q3", "closed"),
            ("2026Q2", "closed"),
            ("2026Q1", "closed")
        ]
    );
    for v in &list {
        assert!(
            (40..=60).contains(&v.respondents),
            "{}: {} respondents",
            v.quarter,
            v.respondents
        );
        let groups: std::collections::BTreeSet<String> = survey_respondent::Entity::find()
            .filter(survey_respondent::Column::SurveyId.eq(v.id))
            .all(db)
            .await
            .expect("db")
            .into_iter()
            .map(|r| r.grp)
            .collect();
        assert_eq!(groups.len(), 4, "{}: {groups:?}", v.quarter);
    }
    let q4 = &list[0];
    assert!(
        q4.answered > 0 && q4.answered < q4.respondents,
        "the open survey has some answers: {q4:?}"
    );
    for q in ["2026Q1", "2026Q2", "2026Q3"] {
        let q: Quarter = q.parse().expect("quarter");
        let a = appraisal(db, &app.scheme, q).await.expect("appraisal");
        assert!(a.len() >= 50, "{q}: every town unit and department");
        assert!(
            unresolved(db, &app.scheme, q)
                .await
                .expect("unresolved")
                .is_empty(),
            "{q}: resolved before publication"
        );
        let scores: std::collections::BTreeSet<i64> = a.values().filter_map(|x| x.score).collect();
        assert!(scores.len() > 10, "{q}: unit-dependent scores {scores:?}");
        assert!(scores.iter().all(|s| (0..=3000).contains(s)));
        assert!(a.values().any(|x| x.unknown > 0), "{q}: some 不了解");
        let decided: Vec<_> = a.values().filter(|x| x.decided.is_some()).collect();
        if q.q == 2 {
            assert_eq!(decided.len(), 1, "one unit without a counted answer");
            assert_eq!(decided[0].score, None);
            assert!(decided[0].unknown > 0);
        } else {
            assert!(decided.is_empty(), "{q}");
        }
    }
    // The demo's agent finds the link in the inbox.
    let agent = user::Entity::find()
        .filter(user::Column::Username.eq("dainan.agent1"))
        .one(db)
        .await
        .expect("db")
        .expect("agent");
    let invites = notification::Entity::find()
        .filter(notification::Column::UserId.eq(agent.id))
        .filter(notification::Column::Kind.eq("survey.invite"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(invites, 4);
    assert_eq!(survey::Entity::find().count(db).await.expect("count"), 4);
}

#[tokio::test]
async fn the_demo_city_has_published_quarters_with_reviewed_findings() {
    use daiban_store::entity::{evaluation_publication, finding, mandate, user};
    use daiban_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (app, _clock, _dir) = bare_app().await;
    let loaded = load_with(&app, 24).await.expect("load");
    let Loaded::City { activity, .. } = loaded else {
        panic!("an empty database must get the city");
    };
    assert_eq!(activity.published_quarters, 3, "2026 Q1–Q3");
    let db = &app.db.conn;
    let revisions = evaluation_publication::Entity::find()
        .filter(evaluation_publication::Column::Quarter.eq("2026Q2"))
        .count(db)
        .await
        .expect("count");
    assert!(revisions >= 1);
    for q in ["2026Q1", "2026Q2", "2026Q3"] {
        let pending = finding::Entity::find()
            .filter(finding::Column::Quarter.eq(q))
            .filter(finding::Column::State.eq("proposed"))
            .count(db)
            .await
            .expect("count");
        assert_eq!(pending, 0, "{q} reviewed");
    }
    let confirmed = finding::Entity::find()
        .filter(finding::Column::State.eq("confirmed"))
        .count(db)
        .await
        .expect("count");
    assert!(
        confirmed > 10,
        "findings detected from the year: {confirmed}"
    );
    // The demo's project lost through the agent's fault: the mandate names the cause and the
    // person, and the finding is against that agent's town.
    let lost = mandate::Entity::find()
        .filter(mandate::Column::TerminationCause.eq("staff_fault"))
        .all(db)
        .await
        .expect("mandates");
    assert_eq!(lost.len(), 1, "one in a hundred, the twelfth project");
    let agent = user::Entity::find_by_id(lost[0].fault_user_id.expect("at fault"))
        .one(db)
        .await
        .expect("user")
        .expect("agent");
    let f = finding::Entity::find()
        .filter(finding::Column::Rule.eq("project_lost"))
        .one(db)
        .await
        .expect("finding")
        .expect("a project_lost finding");
    assert_eq!(Some(f.unit_id), agent.unit_id);
    assert_eq!(f.project_id, Some(lost[0].project_id));
    let published = daiban_app::evaluation::publications(
        db,
        daiban_domain::evaluation::Quarter::new(2026, 3).expect("quarter"),
    )
    .await
    .expect("publications");
    assert!(published[0].result.units.len() > 50);
}

#[tokio::test]
async fn the_demo_city_has_monthly_reports_and_complaints() {
    use daiban_store::entity::{complaint, finding, monthly_report};
    use daiban_store::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (app, _clock, _dir) = bare_app().await;
    load_with(&app, 24).await.expect("load");
    let db = &app.db.conn;
    let reports = monthly_report::Entity::find()
        .all(db)
        .await
        .expect("reports");
    let late = reports.iter().filter(|r| r.late).count();
    assert!(
        reports.len() > 100,
        "every unit, every month: {}",
        reports.len()
    );
    assert!(late >= 2 && late * 10 < reports.len(), "a few late: {late}");
    let late_findings = finding::Entity::find()
        .filter(finding::Column::Rule.eq("monthly_report_late"))
        .all(db)
        .await
        .expect("findings");
    let submitted: std::collections::BTreeSet<String> = reports
        .iter()
        .map(|r| format!("monthly_report:{}:{}", r.unit_id, r.month))
        .collect();
    let missing: Vec<_> = late_findings
        .iter()
        .filter_map(|f| f.detected_key.clone())
        .filter(|k| !submitted.contains(k))
        .collect();
    assert!(
        (1..=4).contains(&missing.len()),
        "a couple missing: {missing:?} of {} findings, {late} late, {} reports",
        late_findings.len(),
        reports.len()
    );
    assert!(
        late_findings.len() >= late,
        "every late report is a finding"
    );

    let complaints = complaint::Entity::find().all(db).await.expect("complaints");
    assert!((8..=12).contains(&complaints.len()), "{}", complaints.len());
    assert!(complaints.iter().any(|c| c.channel == "portal"));
    assert!(complaints.iter().any(|c| c.channel != "portal"));
    let verified = complaints.iter().filter(|c| c.status == "verified").count();
    assert!((3..=4).contains(&verified), "verified: {verified}");
    let confirmed = finding::Entity::find()
        .filter(finding::Column::Rule.eq("verified_complaint"))
        .filter(finding::Column::State.eq("confirmed"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(usize::try_from(confirmed).unwrap(), verified);
}

#[tokio::test]
async fn the_demo_city_has_a_year_of_consultations_and_a_faq() {
    use daiban_store::entity::{consultation, consultation_alert, faq_entry};
    use daiban_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (app, _clock, _dir) = bare_app().await;
    load_with(&app, 24).await.expect("load");
    let db = &app.db.conn;
    let all = consultation::Entity::find().all(db).await.expect("all");
    assert!((30..=40).contains(&all.len()), "{}", all.len());
    let now = app.now();
    let late = all.iter().filter(|c| c.answered_late).count();
    let on_time = all
        .iter()
        .filter(|c| c.answered_at.is_some() && !c.answered_late)
        .count();
    assert!(
        late >= 2 && on_time > late,
        "late {late}, on time {on_time}"
    );
    let red = all
        .iter()
        .filter(|c| {
            daiban_app::consultations::level_of(c, now) == daiban_domain::clock::Warning::Red
        })
        .count();
    assert!(red >= 1, "some still open and red at the end");
    assert!(all.iter().any(|c| c.status == "resolved"));
    assert!(all.iter().any(|c| c.routed_by == "reroute"));
    let faq = faq_entry::Entity::find()
        .filter(faq_entry::Column::Published.eq(true))
        .all(db)
        .await
        .expect("faq");
    assert!((12..=18).contains(&faq.len()), "{}", faq.len());
    let alerts = consultation_alert::Entity::find()
        .filter(consultation_alert::Column::Level.eq("red"))
        .all(db)
        .await
        .expect("alerts");
    assert!(!alerts.is_empty());
    // The FAQ is searchable by a two-character query.
    let found = daiban_app::faq::list(
        db,
        None,
        &daiban_app::faq::FaqFilter {
            q: Some("环评".into()),
            category: None,
        },
    )
    .await
    .expect("search");
    assert!(!found.is_empty());
}
