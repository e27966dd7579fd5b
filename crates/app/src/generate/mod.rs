//! `daiban generate`: a large, realistic and deterministic dataset for load tests and
//! province-scale trials — the demo city (units, staff, enterprises, the item catalog) and then
//! `N` projects spread over the town units and the five years before `--until`, with their
//! mandates, case items and full histories.
//!
//! # How it is built
//!
//! 1. **The city, through the use cases.** On an empty, migrated database (anything with a unit
//!    is refused), [`crate::demo::load_city`] loads the demo city and
//!    [`crate::catalog::load_file`] the default catalog, on a clock set to the start of the
//!    period, audited like any other load, and the units file their agents and helpers on the
//!    register of posts (approved by the bureau) as the demo's personnel story begins. Every
//!    account shares one password hash (the demo's password, hashed once).
//! 2. **The plan, in memory.** Everything else is decided before anything is written: one
//!    generated enterprise per four projects (valid GB 32100 check characters, ~1 in 12 with an
//!    account), the projects' registration times (the platform grew: 6, 11, 20, 28 and 35 % of
//!    the projects in the five years, oldest first) and enterprises, and then each project from
//!    its own seeded generator (so projects are planned on every core and the result does not
//!    depend on how they were split): registration, the mandate (3 % declined as restricted,
//!    3 % lost before their first item, a third of those through a staff member's fault), the
//!    bureau helper of a major project, and the eight stages one after the other. Each stage
//!    requests most of its catalog items (92 % of the unconditional ones, 30 % of the
//!    conditional ones) and runs them side by side through the case-item lifecycle of
//!    [`daiban_domain::case_item`] — accepted, a one-time notice for 30 % (a second one breaching
//!    the rule for 8 % of those), materials complete, submitted (2 % late), accepted by the
//!    department's helper, suspended and resumed (12 %), extended (4 %), reported up (upward
//!    items), approved (3 % rejected, 4 % late; immediate items the same day); 0.8 % are not
//!    acceptable and 1 % withdrawn.
//!    Every due date is computed with [`daiban_domain::clock`] on the working-day calendar,
//!    exactly as the use cases compute it. The works take months between the construction
//!    permit and completion. A stage opens when the previous one's items concluded; whatever
//!    is in flight at the end stays in its state: requested, accepted, awaiting materials,
//!    ready, submitted, in review, suspended, reported up.
//! 3. **The departments' backlog.** More than half of the committed and joint items (limit of 3
//!    working days or more) whose department review began in the last year were paused right
//!    after acceptance for a statutory procedure (expert review, testing, hearing, site survey,
//!    public notice) that ended in the last few working days (for one in ten it is still going
//!    on): at the end they are in review (state `in_review`; `suspended` for those still paused)
//!    with most of their limit left, not overdue. They do not hold their project up (the next
//!    stage runs in parallel). This is deliberate: it gives a load test a large pool — more than
//!    10 % of all items — that the real API can act on: any helper of the item's department
//!    (`case_items.department_id`; `helper_id` is the one who accepted it) can `suspend`,
//!    `resume`, `extend`, `approve` or `reject` it with the item's `version`. Find them with
//!    `SELECT c.id, c.version, u.username FROM case_items c JOIN users u ON u.id = c.helper_id
//!    WHERE c.state = 'in_review'`; every account's password is the demo's (`daiban2026`).
//! 4. **The monitor's work.** For every step that went overdue (the agent's submission, the
//!    department's review or report-up, the whole item) and every step still warning at the end,
//!    the yellow and then red alerts the deadline monitor, running every minute, raised — with
//!    the same due times, so a monitor started later finds them and raises none of them again —
//!    each notified to the handler, the unit's leader and the bureau's coordinators; a red one is
//!    recorded on the timeline and, for a step, proposed as a `coordination_delay` finding (the
//!    monitor's detection, same key). The warning the monitor leaves on open items is set as of
//!    the end. Findings (also one-time-notice breaches, problems left too long and projects lost
//!    through a staff member's fault) of quarters already over are confirmed (85 %) or dismissed
//!    by a coordinator after the quarter; 40 % of the current quarter's are decided.
//! 5. **Problems, meetings and surveys.** 8 % of the projects get a problem: answered and
//!    resolved by the department's helper and confirmed by the agent, or (30 %) left too long
//!    and moved up the ladder by the monitor, half of those to the bureau, which puts it on a
//!    huddle whose decision resolves it and whose action item the department carries out. A
//!    survey per quarter (opened 11 days before the quarter ends, for 14 days) asks every agent
//!    and helper and some enterprise accounts; 85 % answer for every appraised unit.
//! 6. **The writing.** The planned events are sorted by time and written in that order, so ids,
//!    the audit chain's sequence and `entered_at` all advance with time as in real use. Each
//!    event becomes the rows its use case writes: the change (case items, materials, mandates,
//!    problems and meetings are inserted once, in their final state; a problem is linked to its
//!    meeting when that is convened), its timeline event (same
//!    `kind` strings, e.g. `case.accept`), its notifications (handed to delivery within a minute,
//!    most read within days), its search index row (projects and enterprises) and its audit
//!    entry, hashed onto the chain exactly as
//!    [`crate::audit::append`] does; the head row is written with every batch, so
//!    `daiban audit verify` reports the chain intact. Ids are assigned here, after the highest
//!    the city load left; on PostgreSQL the id sequences are moved past them at the end.
//!    Rows go out as multi-row `INSERT`s, parents first, in batches of about a million values,
//!    one transaction each, on one connection of [`daiban_store::connect_for_bulk_load`], while
//!    the next batch is being generated on another core. On PostgreSQL the values are bound as
//!    parameters. On SQLite they are written into the statement as literals (formatted as the
//!    driver binds them), and foreign keys are not enforced on that connection: binding a
//!    million values a batch cost more than SQLite's parsing, because every bound text is a
//!    separate allocation freed on the driver's thread (measured: about twice the time); the
//!    rows are generated parents first, and the test suite runs `PRAGMA foreign_key_check`.
//!    The big tables' secondary indexes (read from the catalog, so exactly as migrated) are
//!    dropped before and built again after the load: growing them row by row in random order
//!    is what made a database larger than the page cache slow (measured for 100,000 projects:
//!    24 minutes with the indexes in place, while other builds shared the machine, against 5).
//!    A run that fails leaves a half-written database: start again on a fresh one.
//!
//! Not generated: ratings, return visits, visit plans, consultations, demands, complaints,
//! monthly reports, trainings, announcements, uploads and notification deliveries (every
//! notification is marked handed to delivery).
//!
//! # Determinism
//!
//! The same seed, `--until` and project count give the same rows: every time derives from the
//! fixed end (`--until` at 18:00 China time), every choice from generators seeded by the seed,
//! nothing iterates a hash map. The one exception is the password hash (argon2 with a random
//! salt), which no other row contains.

mod emit;
mod plan;
mod sink;
mod world;

use crate::App;
use crate::actor::Meta;
use crate::audit::ActorRef;
use crate::error::{AppError, AppResult, Msg};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use daiban_domain::clock::CHINA;
use daiban_store::Backend;
use daiban_store::entity::{audit_head, unit};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use sink::T;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 2026;

/// The default end of the generated period: the last day of November of the last year the
/// shipped calendar covers.
pub fn default_until() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Projects.
    pub projects: usize,
    /// The seed of every random choice.
    pub seed: u64,
    /// The last day of the generated period (nothing happens after it, 18:00 China time).
    pub until: NaiveDate,
}

/// Where the generator reports its progress (the CLI draws a bar).
pub trait Progress: Send + Sync {
    /// A new phase with `total` steps (0: unknown).
    fn phase(&self, name: &str, total: u64);
    /// `n` more steps done.
    fn advance(&self, n: u64);
}

/// Progress reported nowhere.
pub struct Silent;

impl Progress for Silent {
    fn phase(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Rows written by the bulk phase per table, in write order (tables with none left out).
    pub rows: Vec<(String, u64)>,
    /// Rows the city and catalog load wrote through the use cases, per table.
    pub city_rows: Vec<(String, u64)>,
    /// Audit entries in the chain at the end.
    pub audit_entries: i64,
    /// Case items in review by the department's helper at the end.
    pub in_review: u64,
    /// The end of the period.
    pub end: DateTime<Utc>,
    /// Wall time of each phase: city, plan, write, finish.
    pub phases: Vec<(String, std::time::Duration)>,
}

fn refused(zh: String, en: String) -> AppError {
    AppError::Conflict {
        code: "not_empty",
        message: Msg::new(zh, en),
    }
}

/// The end instant of the period: `until` at 18:00 China time.
fn end_of(until: NaiveDate) -> DateTime<Utc> {
    CHINA
        .from_local_datetime(&until.and_hms_opt(18, 0, 0).unwrap_or_default())
        .single()
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// Generates the dataset into the empty, migrated database of `app`.
///
/// # Errors
/// [`AppError::Conflict`] with code `not_empty` when the database already has units;
/// [`AppError::Invalid`] for a period outside the calendar or no projects; a database failure
/// (what was written stays: start again on a fresh database).
pub async fn run(app: &App, opts: &Options, progress: Arc<dyn Progress>) -> AppResult<Summary> {
    let units = unit::Entity::find().count(&app.db.conn).await?;
    if units > 0 {
        return Err(refused(
            format!("数据库中已有数据（{units} 个单位）：generate 只能写入空的、已迁移的数据库"),
            format!(
                "the database already has data ({units} units): generate fills an empty, migrated database only"
            ),
        ));
    }
    let calendar = app.calendar();
    let end = end_of(opts.until);
    let start = end - Duration::days(5 * 365 + 60);
    let first_year = chrono::Datelike::year(&start.with_timezone(&CHINA));
    let last_year = chrono::Datelike::year(&opts.until);
    if let Some(y) = (first_year..=last_year).find(|y| !calendar.covers(*y)) {
        return Err(AppError::Invalid(vec![crate::FieldError::new(
            "until",
            "calendar",
            format!("工作日历中没有 {y} 年：--until 须使生成的五年都在日历范围内"),
            format!(
                "the calendar has no year {y}: --until must keep the five years generated within it"
            ),
        )]));
    }
    if opts.projects == 0 {
        return Err(AppError::Invalid(vec![crate::FieldError::new(
            "projects",
            "range",
            "项目数须至少为 1",
            "at least one project",
        )]));
    }
    // The city and the catalog, through the use cases, at the start of the period.
    progress.phase("city", 0);
    let mut phases = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &str| {
        phases.push((name.to_owned(), clock.elapsed()));
        clock = std::time::Instant::now();
    };
    let mut sim = App::new(
        app.db.clone(),
        Arc::new(crate::FixedClock::new(start)),
        app.auth.clone(),
    );
    sim.ladder = app.ladder;
    let hash = crate::auth::hash_password(crate::demo::DEMO_PASSWORD).await?;
    crate::demo::load_city(&sim, &hash).await?;
    {
        let meta = Meta {
            request_id: format!("generate-{}", opts.seed),
            client_addr: "local".into(),
        };
        let w = sim.begin_write().await?;
        crate::catalog::load_file(
            &w.txn,
            start,
            &ActorRef::system(),
            &meta,
            crate::catalog::DEFAULT_CATALOG_TOML,
        )
        .await?;
        w.commit().await?;
        // The register of posts, as the demo files it: every agent and helper selected and
        // approved by the bureau (else the monitor finds every unit below its count).
        let mut staffing = crate::demo_personnel::Personnel::new(&sim, &hash, end).await?;
        staffing
            .handle(
                &sim,
                crate::demo_personnel::PersonnelStep::Register,
                start,
                &meta,
            )
            .await?;
    }
    let city_rows = count_tables(
        &app.db.conn,
        &[
            "units",
            "users",
            "enterprises",
            "catalog_items",
            "filings",
            "posts",
            "audit_log",
        ],
    )
    .await?;
    let world = Arc::new(world::load(&app.db.conn).await?);
    let next_ids = next_ids(&app.db.conn).await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(&app.db.conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("audit_head row is missing"))?;
    // The plan.
    let params = plan::Params {
        projects: opts.projects,
        seed: opts.seed,
        start,
        end,
        ladder: app.ladder,
    };
    lap("city");
    progress.phase("plan", u64::try_from(opts.projects).unwrap_or(0));
    let plan = {
        let world = world.clone();
        let calendar = calendar.clone();
        let progress = progress.clone();
        tokio::task::spawn_blocking(move || {
            let ctx = plan::Ctx {
                world: &world,
                cal: &calendar,
                params: &params,
            };
            plan::plan(&ctx, &|n| progress.advance(n))
        })
        .await
        .map_err(|e| anyhow::anyhow!("planning: {e}"))??
    };
    let plan = Arc::new(plan);
    // The events in time order: the global ones first at equal times, then by project.
    let mut order: Vec<(i64, u32, u32)> = Vec::new();
    for (k, (t, _)) in plan.global.iter().enumerate() {
        order.push((
            t.timestamp_micros(),
            0,
            u32::try_from(k).unwrap_or(u32::MAX),
        ));
    }
    for (p, pr) in plan.projects.iter().enumerate() {
        let src = u32::try_from(p + 1).unwrap_or(u32::MAX);
        for (k, e) in pr.events.iter().enumerate() {
            order.push((
                e.at.timestamp_micros(),
                src,
                u32::try_from(k).unwrap_or(u32::MAX),
            ));
        }
    }
    order.sort_unstable();
    // The writing: the emitter on a blocking thread, the writer here.
    let bulk = daiban_store::connect_for_bulk_load(&app.db.url)
        .await
        .map_err(|e| anyhow::anyhow!("bulk-load connection: {e}"))?;
    lap("plan");
    // The big tables' secondary indexes are built once at the end, from sorted keys, instead of
    // being grown row by row in random order (the same definitions, read from the catalog).
    let indexes = secondary_indexes(&bulk.conn).await?;
    for (name, _) in &indexes {
        bulk.conn
            .execute_unprepared(&format!("DROP INDEX {name}"))
            .await?;
    }
    progress.phase("write", order.len() as u64);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<sink::Batch>(2);
    let backend = bulk.conn.get_database_backend();
    let emitter_task = {
        let world = world.clone();
        let plan = plan.clone();
        let progress = progress.clone();
        let scheme = app.scheme.clone();
        let seed = opts.seed;
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let start = emit::Start {
                next_ids,
                seq: head.seq,
                last_hash: head.last_hash,
            };
            let sink = sink::Sink::new(backend, 1_000_000);
            let mut e = emit::Emitter::new(&world, &plan, &scheme, end, sink, tx, start, seed);
            for (n, (_, src, k)) in order.iter().enumerate() {
                let k = *k as usize;
                if *src == 0 {
                    e.global(k)?;
                } else {
                    e.project(*src as usize - 1, k)?;
                }
                if n % 4096 == 4095 {
                    progress.advance(4096);
                }
            }
            e.flush()?;
            Ok((e.totals(), e.next_ids().clone()))
        })
    };
    let mut failure = None;
    match sink::Writer::open(&bulk.conn).await {
        Ok(mut writer) => {
            while let Some(batch) = rx.recv().await {
                if let Err(e) = writer.write(batch).await {
                    failure = Some(e);
                    break;
                }
            }
        }
        Err(e) => failure = Some(e),
    }
    drop(rx);
    let emitted = emitter_task
        .await
        .map_err(|e| anyhow::anyhow!("generating: {e}"));
    lap("write");
    progress.phase("index", indexes.len() as u64);
    for (_, sql) in &indexes {
        bulk.conn.execute_unprepared(sql).await?;
        progress.advance(1);
    }
    lap("index");
    if let Some(e) = failure {
        return Err(e.into());
    }
    let (totals, next) = emitted??;
    progress.phase("finish", 0);
    if bulk.backend == Backend::Postgres {
        for t in T::ALL.iter().filter(|t| t.has_id_sequence()) {
            if next.contains_key(t.name()) {
                bulk.conn
                    .execute_unprepared(&format!(
                        "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {0}))",
                        t.name()
                    ))
                    .await?;
            }
        }
        bulk.conn.execute_unprepared("ANALYZE").await?;
    } else {
        // Fold the write-ahead log into the database file.
        bulk.conn
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(&bulk.conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("audit_head row is missing"))?;
    let in_review = plan
        .projects
        .iter()
        .flat_map(|p| p.items.iter())
        .filter(|i| i.state == daiban_domain::case_item::CaseState::InReview)
        .count() as u64;
    bulk.conn.close_by_ref().await?;
    lap("finish");
    Ok(Summary {
        rows: totals
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| (t.name().to_owned(), n))
            .collect(),
        city_rows,
        audit_entries: head.seq,
        in_review,
        end,
        phases,
    })
}

/// The tables whose secondary indexes are dropped during the load.
const INDEXED_LATER: [&str; 11] = [
    "case_items",
    "case_item_departments",
    "materials",
    "case_suspensions",
    "one_time_notices",
    "deadline_alerts",
    "findings",
    "survey_answers",
    "project_events",
    "notifications",
    "audit_log",
];

/// The secondary indexes of [`INDEXED_LATER`] (not those behind a key or constraint), with the
/// statement that creates each, as the database reports them.
async fn secondary_indexes<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(String, String)>> {
    let list = INDEXED_LATER
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        format!(
            "SELECT i.indexname AS name, i.indexdef AS sql FROM pg_indexes i \
             WHERE i.schemaname = current_schema() AND i.tablename IN ({list}) \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) \
             ORDER BY i.indexname"
        )
    } else {
        format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({list}) ORDER BY name"
        )
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push((
            r.try_get::<String>("", "name")?,
            r.try_get::<String>("", "sql")?,
        ));
    }
    Ok(out)
}

async fn count_tables<C: ConnectionTrait>(
    db: &C,
    tables: &[&str],
) -> AppResult<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for t in tables {
        let n = scalar(db, &format!("SELECT COUNT(*) AS n FROM {t}")).await?;
        out.push(((*t).to_owned(), u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

async fn scalar<C: ConnectionTrait>(db: &C, sql: &str) -> AppResult<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>>("", "n"))
        .transpose()?
        .flatten()
        .unwrap_or(0))
}

/// The next free id of every table the generator writes.
async fn next_ids<C: ConnectionTrait>(db: &C) -> AppResult<BTreeMap<&'static str, i64>> {
    let mut out = BTreeMap::new();
    for t in T::ALL.iter().filter(|t| t.has_id_sequence()) {
        let max = scalar(db, &format!("SELECT MAX(id) AS n FROM {}", t.name())).await?;
        out.insert(t.name(), max + 1);
    }
    Ok(out)
}
