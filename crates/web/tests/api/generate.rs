//! `daiban generate`: a small dataset has the expected shape, an intact audit chain and
//! consistent references; the same seed gives the same rows; a database with data is refused;
//! a generated item in the department's review can be acted on by its helper.

use crate::helpers::bare_app;
use daiban_app::audit::{ActorRef, Verification, verify};
use daiban_app::cases::{ActInput, act};
use daiban_app::generate::{Options, Silent, Summary, default_until, run};
use daiban_app::projects::{self, ProjectFilter};
use daiban_app::units::{UnitInput, create_unchecked};
use daiban_app::{App, AppError, Meta};
use daiban_store::Backend;
use daiban_store::entity::{audit_head, case_item, notification, project, project_event, user};
use daiban_store::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const PROJECTS: usize = 60;

fn options(seed: u64) -> Options {
    Options {
        projects: PROJECTS,
        seed,
        until: default_until(),
    }
}

/// A generated dataset over a fresh database (the directory must outlive it).
async fn generated(
    seed: u64,
) -> (
    App,
    Arc<daiban_app::FixedClock>,
    Summary,
    Option<tempfile::TempDir>,
) {
    let (app, clock, dir) = bare_app().await;
    let summary = run(&app, &options(seed), Arc::new(Silent))
        .await
        .expect("generate");
    (app, clock, summary, dir)
}

async fn count(app: &App, table: &str) -> u64 {
    let db = &app.db.conn;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    u64::try_from(row.try_get::<i64>("", "n").expect("n")).expect("count")
}

/// A digest of the generated rows of the biggest tables and of the audit chain's head.
async fn digest(app: &App) -> String {
    let db = &app.db.conn;
    let mut h = Sha256::new();
    for r in case_item::Entity::find()
        .order_by_asc(case_item::Column::Id)
        .all(db)
        .await
        .expect("case items")
    {
        h.update(format!("{r:?}").as_bytes());
    }
    for r in project_event::Entity::find()
        .order_by_asc(project_event::Column::Id)
        .all(db)
        .await
        .expect("events")
    {
        h.update(format!("{r:?}").as_bytes());
    }
    for r in notification::Entity::find()
        .order_by_asc(notification::Column::Id)
        .all(db)
        .await
        .expect("notifications")
    {
        h.update(format!("{r:?}").as_bytes());
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await
        .expect("head")
        .expect("head row");
    h.update(head.last_hash.as_bytes());
    hex::encode(h.finalize())
}

#[tokio::test]
async fn a_generated_dataset_has_its_shape_an_intact_chain_and_consistent_references() {
    let (app, _clock, summary, _dir) = generated(7).await;
    assert_eq!(count(&app, "projects").await, PROJECTS as u64);
    let items = count(&app, "case_items").await;
    assert!(
        (PROJECTS as u64 * 8..=PROJECTS as u64 * 35).contains(&items),
        "about 20 case items per project: {items}"
    );
    let events = count(&app, "project_events").await;
    assert!(
        events >= items * 4 && events <= items * 12,
        "every transition on the timeline: {events} events for {items} items"
    );
    let notices = count(&app, "notifications").await;
    assert!(notices >= events, "a notice per transition: {notices}");
    assert!(count(&app, "materials").await >= items * 2);
    assert!(count(&app, "mandates").await >= PROJECTS as u64 * 9 / 10);
    for table in [
        "case_suspensions",
        "one_time_notices",
        "deadline_alerts",
        "findings",
        "surveys",
        "survey_answers",
        "search_index",
    ] {
        assert!(count(&app, table).await > 0, "{table} is filled");
    }
    assert!(
        count(&app, "enterprises").await >= 15 + PROJECTS as u64 / 4,
        "one generated enterprise per four projects"
    );
    // Every co-department link's open mark agrees with its item's state (set by the triggers of
    // migration m0021 as the generator's rows went in).
    let disagreeing = {
        let db = &app.db.conn;
        let open = daiban_store::migration::open_states_sql();
        db.query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM case_item_departments l \
                 JOIN case_items i ON i.id = l.case_item_id \
                 WHERE l.item_open <> (i.state IN ({open}))"
            ),
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
    };
    assert_eq!(disagreeing, 0);
    assert!(
        count(&app, "case_item_departments").await > 0,
        "joint items generated"
    );
    // Every state of the lifecycle is there, most items approved, a tenth or more in review.
    let db = &app.db.conn;
    let of_state = |s: &'static str| {
        case_item::Entity::find()
            .filter(case_item::Column::State.eq(s))
            .count(db)
    };
    let approved = of_state("approved").await.expect("approved");
    let in_review = of_state("in_review").await.expect("in review");
    assert!(approved * 2 > items, "most approved: {approved} of {items}");
    assert!(
        in_review * 10 >= items,
        "a tenth or more in review: {in_review} of {items}"
    );
    assert_eq!(summary.in_review, in_review);
    // The audit chain verifies, its head counted.
    match verify(db).await.expect("verify") {
        Verification::Intact { entries } => {
            assert_eq!(entries, summary.audit_entries);
            assert!(u64::try_from(entries).expect("entries") > events / 2);
        }
        broken @ Verification::Broken { .. } => panic!("chain broken: {broken:?}"),
    }
    // Written with foreign keys off on SQLite: every reference must still resolve.
    if app.db.backend == Backend::Sqlite {
        let broken = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA foreign_key_check",
            ))
            .await
            .expect("foreign key check");
        assert!(broken.is_empty(), "{} dangling references", broken.len());
    }
    // The generated projects are in the search index as the application writes it: a
    // coordinator's project list finds one by two characters of its name and by its code.
    let last = project::Entity::find()
        .order_by_desc(project::Column::Id)
        .one(db)
        .await
        .expect("query")
        .expect("a project");
    let coordinator = user::Entity::find()
        .filter(user::Column::Role.eq("coordinator"))
        .one(db)
        .await
        .expect("query")
        .expect("a coordinator");
    let actor = daiban_app::auth::actor_of(db, &coordinator, "")
        .await
        .expect("actor");
    let two: String = last.name.chars().take(2).collect();
    let code = last.code.clone().expect("a generated project has its code");
    for q in [two, code] {
        let filter = ProjectFilter {
            q: Some(q.clone()),
            limit: Some(500),
            ..ProjectFilter::default()
        };
        let (found, total) = projects::list(db, &actor, &filter).await.expect("list");
        assert!(
            found.iter().any(|p| p.id == last.id),
            "{q:?} finds project {}",
            last.id
        );
        assert!(
            found
                .iter()
                .all(|p| p.name.contains(&q) || p.code.as_deref().is_some_and(|c| c.contains(&q))),
            "only names or codes containing {q:?}"
        );
        assert!(total >= 1);
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_rows_and_another_seed_others() {
    let (a, _, _, _ga) = generated(11).await;
    let (b, _, _, _gb) = generated(11).await;
    let (c, _, _, _gc) = generated(12).await;
    let (da, db, dc) = (digest(&a).await, digest(&b).await, digest(&c).await);
    assert_eq!(da, db, "same seed, same rows");
    assert_ne!(da, dc, "another seed, other rows");
}

#[tokio::test]
async fn a_database_with_data_is_refused() {
    let (app, _clock, _dir) = bare_app().await;
    create_unchecked(
        &app,
        &ActorRef::system(),
        &UnitInput {
            code: "BUREAU".into(),
            kind: "bureau".into(),
            name: "兴化市行政审批局".into(),
            ..UnitInput::default()
        },
        &Meta::cli(),
    )
    .await
    .expect("unit");
    match run(&app, &options(7), Arc::new(Silent)).await {
        Err(AppError::Conflict { code, .. }) => assert_eq!(code, "not_empty"),
        other => panic!("a database with units must be refused: {other:?}"),
    }
    assert_eq!(count(&app, "units").await, 1, "nothing written");
}

#[tokio::test]
async fn a_generated_item_in_review_is_suspended_and_resumed_by_its_helper() {
    let (app, clock, _summary, _dir) = generated(7).await;
    // After the generated period.
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc),
    );
    let db = &app.db.conn;
    let item = case_item::Entity::find()
        .filter(case_item::Column::State.eq("in_review"))
        .order_by_asc(case_item::Column::Id)
        .one(db)
        .await
        .expect("query")
        .expect("an item in review");
    let helper = user::Entity::find_by_id(item.helper_id.expect("a helper"))
        .one(db)
        .await
        .expect("query")
        .expect("helper");
    assert_eq!(helper.unit_id, Some(item.department_id));
    let actor = daiban_app::auth::actor_of(db, &helper, "")
        .await
        .expect("actor");
    let meta = Meta::cli();
    let suspended = act(
        &app,
        &actor,
        item.id,
        &ActInput {
            action: "suspend".into(),
            version: item.version,
            reason: "组织专家评审".into(),
            suspension_reason: "expert_review".into(),
            ..ActInput::default()
        },
        &meta,
    )
    .await
    .expect("the helper suspends it");
    assert_eq!(suspended.state, "suspended");
    assert_eq!(suspended.version, item.version + 1);
    let resumed = act(
        &app,
        &actor,
        item.id,
        &ActInput {
            action: "resume".into(),
            version: suspended.version,
            ..ActInput::default()
        },
        &meta,
    )
    .await
    .expect("the helper resumes it");
    assert_eq!(resumed.state, "in_review");
    assert!(resumed.due_at.is_some());
    match verify(db).await.expect("verify") {
        Verification::Intact { .. } => {}
        broken @ Verification::Broken { .. } => {
            panic!("the chain goes on from the generated head: {broken:?}")
        }
    }
}

#[tokio::test]
async fn the_monitor_finds_nothing_left_to_raise_at_the_end() {
    let (app, clock, summary, _dir) = generated(7).await;
    clock.set(summary.end + chrono::Duration::minutes(2));
    let r = daiban_app::monitor::run_once(&app).await.expect("monitor");
    assert!(r.checked > 0, "{r:?}");
    assert_eq!(r.alerts_raised, 0, "every alert was raised already: {r:?}");
    assert_eq!(r.levels_changed, 0, "every warning is current: {r:?}");
    assert_eq!(r.problems_escalated, 0, "{r:?}");
    assert!(
        count(&app, "posts").await > 50,
        "the units filed their agents and helpers"
    );
    let alerts = count(&app, "deadline_alerts").await;
    clock.set(summary.end + chrono::Duration::days(1));
    let r = daiban_app::monitor::run_once(&app).await.expect("monitor");
    assert_eq!(
        count(&app, "deadline_alerts").await,
        alerts + r.alerts_raised,
        "the next day's alerts are new rows"
    );
}
