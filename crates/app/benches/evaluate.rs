//! The evaluation of every unit of the demo city for one quarter, from its confirmed findings
//! (`cargo bench -p daiban-app --bench evaluate`). Setup: a fresh SQLite database with the demo
//! city and a year of activity (`DEMO_BENCH_PROJECTS` projects, 300 by default, as `serve
//! --demo`), every finding of 2026Q3 confirmed.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark harness fails loudly by design"
)]

use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use daiban_app::clock::FixedClock;
use daiban_app::{App, AuthPolicy};
use daiban_domain::evaluation::Quarter;
use daiban_store::sea_orm::ConnectionTrait;
use std::sync::Arc;

fn evaluate(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let projects: usize = std::env::var("DEMO_BENCH_PROJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let app = rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let db = daiban_store::connect(&url, 4).await.expect("connect");
        daiban_store::migration::migrate(&db)
            .await
            .expect("migrate");
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 2, 0, 0)
            .single()
            .expect("time");
        let app = App::new(db, Arc::new(FixedClock::new(now)), AuthPolicy::default());
        daiban_app::demo::load_with(&app, projects)
            .await
            .expect("demo");
        app.db
            .conn
            .execute_unprepared("UPDATE findings SET state = 'confirmed' WHERE quarter = '2026Q3'")
            .await
            .expect("confirm");
        app
    });
    let q = Quarter::new(2026, 3).expect("quarter");
    let r = rt
        .block_on(daiban_app::evaluation::of_quarter(&app, q))
        .expect("evaluate");
    println!(
        "2026Q3: {} units; lowest total {}",
        r.units.len(),
        r.units.last().map_or(0, |u| u.total)
    );
    c.bench_function("evaluate one quarter, every unit of the demo city", |b| {
        b.iter(|| {
            rt.block_on(daiban_app::evaluation::of_quarter(&app, q))
                .expect("evaluate")
        });
    });
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
