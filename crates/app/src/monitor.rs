//! The deadline monitor (超时预警): every minute it computes yellow and red for every open step
//! of every case item (the agent's submission, the department's conclusion, the report-up of an
//! upward item) and for the whole item, and notifies the handler, the unit leader and the bureau
//! once per level. Each alert is a row keyed by (item, step, level, due time), so a restart or a
//! second instance never notifies twice; red rows are the overdue evidence the evaluation uses,
//! with the unit responsible at the time.
//!
//! A run looks only at the open items whose warning can have changed since the last look:
//! `watch_at` is when that happens next ([`clock::next_change`]: yellow at the start of the day
//! with only the threshold left, red at the close of the due day, a recorded pause starting or
//! ending), and a transition or a calendar import clears it so that the next run looks at once.
//! The items are read and their clocks computed outside the writer slot, in chunks of
//! [`CHUNK`]; each chunk's alerts and levels are then written in one short write transaction,
//! only for the items still at the version that was read (a transition in between clears
//! `watch_at`, so the next run looks again). The other watches (problems, action items,
//! consultations, staffing, findings, monthly reports) follow in one more write transaction.
//!
//! On PostgreSQL the run holds a transaction-level advisory lock on a transaction of its own, so
//! of several instances only one runs at a time.

use crate::App;
use crate::cases::{Step, step_clock, step_input};
use crate::error::{AppResult, Msg};
use crate::timeline::{self, Event, Notice, Recipient};
use chrono::{DateTime, TimeZone, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::case_item::CaseState;
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType, Warning};
use daiban_domain::role::Role;
use daiban_store::Backend;
use daiban_store::entity::{case_extension, case_item, case_suspension, deadline_alert, user};
use daiban_store::migration::WATCHED_STATES_SQL;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use std::collections::BTreeMap;

/// An arbitrary, fixed key for the monitor's advisory lock.
const ADVISORY_KEY: i64 = 0x6461_6962_616e; // "daiban"

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitorReport {
    /// Whether this instance ran (false: another instance holds the lock).
    pub ran: bool,
    /// Open case items looked at.
    pub checked: u64,
    /// Alerts raised now (each notified once).
    pub alerts_raised: u64,
    /// Case items whose warning level changed.
    pub levels_changed: u64,
    /// Problems moved up the ladder for want of an answer in time.
    pub problems_escalated: u64,
    /// Action items alerted (yellow or red) now.
    pub action_alerts: u64,
    /// Staffing evidence episodes opened or closed now.
    pub staffing_changes: usize,
    /// Evaluation findings detected now (proposed for the bureau's review).
    pub findings_detected: u64,
    /// Consultation alerts (yellow or red) raised now.
    pub consultation_alerts: u64,
}

/// How many open items one read and one write transaction of the monitor take.
pub const CHUNK: usize = 500;

/// The clock of the whole item: from complete materials, the agent's working day plus the
/// department's limit, with the same pauses and extensions.
fn overall_input(m: &case_item::Model, step: Option<&ClockInput>) -> Option<ClockInput> {
    let start = m.materials_complete_at?;
    let limit = 1 + u32::try_from(m.limit_days).unwrap_or(0);
    let mut input = ClockInput::new(ItemType::Committed, limit, start.with_timezone(&CHINA));
    input.warning_threshold_days = u32::try_from(m.warning_threshold_days).unwrap_or(1);
    if m.review_started_at.is_some()
        && let Some(step) = step
    {
        // The department's pauses and extensions extend the whole item too.
        input.suspensions.clone_from(&step.suspensions);
        input.extensions.clone_from(&step.extensions);
    }
    Some(input)
}

/// What a look at one item found: the alerts its clocks call for, its warning level, and when
/// to look again.
struct Look {
    item: case_item::Model,
    alerts: Vec<(&'static str, Warning, DateTime<Utc>)>,
    level: Warning,
    watch_at: Option<DateTime<Utc>>,
}

/// Computes the clocks of `m` (its step's and the whole item's) at `now`.
fn look(
    calendar: &Calendar,
    m: case_item::Model,
    suspensions: Vec<clock::Suspension>,
    extensions: Vec<clock::Extension>,
    now: DateTime<Utc>,
) -> AppResult<Look> {
    let at = now.with_timezone(&CHINA);
    let mut alerts = Vec::new();
    let mut level = Warning::None;
    let mut next: Option<DateTime<Utc>> = None;
    let mut watch = |input: &ClockInput, step: &'static str| -> AppResult<()> {
        let st = clock::compute(calendar, input, at)
            .map_err(|e| anyhow::anyhow!("{step} clock of case item {}: {e}", m.id))?;
        level = level.max(st.warning);
        if st.warning != Warning::None {
            alerts.push((step, st.warning, st.due_at.with_timezone(&Utc)));
        }
        if let Some(t) = clock::next_change(calendar, input, &st, at) {
            let t = t.with_timezone(&Utc);
            next = Some(next.map_or(t, |n| n.min(t)));
        }
        Ok(())
    };
    let step = step_input(&m, suspensions, extensions);
    if let Some((s, input)) = &step {
        watch(input, s.code())?;
    }
    if let Some(input) = overall_input(&m, step.as_ref().map(|(_, i)| i)) {
        watch(&input, "overall")?;
    }
    Ok(Look {
        item: m,
        alerts,
        level,
        // Nothing can change by time alone: only a transition (which clears it) brings it back.
        watch_at: Some(next.unwrap_or_else(never)),
    })
}

/// `watch_at` of an item whose warning no longer changes by the passage of time: the last day
/// of year 9999, which orders after every real time on both databases, also as SQLite's text
/// (chrono's own maximum is written with a sign, `+262143-…`, and would sort first).
fn never() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The pauses and extensions of `ids`, by item, in one query each.
async fn clocks_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<(
    BTreeMap<i64, Vec<clock::Suspension>>,
    BTreeMap<i64, Vec<clock::Extension>>,
)> {
    let mut pauses: BTreeMap<i64, Vec<clock::Suspension>> = BTreeMap::new();
    for s in case_suspension::Entity::find()
        .filter(case_suspension::Column::CaseItemId.is_in(ids.iter().copied()))
        .order_by_asc(case_suspension::Column::StartedAt)
        .all(db)
        .await?
    {
        if let Some(reason) = clock::SuspensionReason::from_code(&s.reason) {
            pauses
                .entry(s.case_item_id)
                .or_default()
                .push(clock::Suspension {
                    reason,
                    start: s.started_at.with_timezone(&CHINA),
                    end: s.ended_at.map(|e| e.with_timezone(&CHINA)),
                });
        }
    }
    let mut extensions: BTreeMap<i64, Vec<clock::Extension>> = BTreeMap::new();
    for e in case_extension::Entity::find()
        .filter(case_extension::Column::CaseItemId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        extensions
            .entry(e.case_item_id)
            .or_default()
            .push(clock::Extension {
                days: u32::try_from(e.days).unwrap_or(0),
                approver: e.approver,
                reason: e.reason,
            });
    }
    Ok((pauses, extensions))
}

/// The open items due for a look at `now`, by id.
async fn due_for_a_look<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> AppResult<Vec<i64>> {
    let mut ids: Vec<i64> = case_item::Entity::find()
        .select_only()
        .column(case_item::Column::Id)
        // The partial index's own condition, as literals: see m0017.
        .filter(Expr::cust(WATCHED_STATES_SQL))
        .filter(
            Condition::any()
                .add(case_item::Column::WatchAt.is_null())
                .add(case_item::Column::WatchAt.lte(now)),
        )
        .into_tuple()
        .all(db)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Looks at the open items due for it: reads and computes outside the writer slot, then
/// writes each chunk's alerts and levels in one short transaction.
async fn watch_case_items(
    app: &App,
    calendar: &Calendar,
    now: DateTime<Utc>,
    report: &mut MonitorReport,
) -> AppResult<()> {
    let db = &app.db.conn;
    for ids in due_for_a_look(db, now).await?.chunks(CHUNK) {
        let items = case_item::Entity::find()
            .filter(case_item::Column::Id.is_in(ids.iter().copied()))
            .filter(Expr::cust(WATCHED_STATES_SQL))
            .all(db)
            .await?;
        let (mut pauses, mut extensions) = clocks_of(db, ids).await?;
        let mut looks = Vec::with_capacity(items.len());
        for m in items {
            let (p, e) = (
                pauses.remove(&m.id).unwrap_or_default(),
                extensions.remove(&m.id).unwrap_or_default(),
            );
            looks.push(look(calendar, m, p, e, now)?);
        }
        let w = app.begin_write().await?;
        for l in looks {
            let m = &l.item;
            // Only if nothing changed it since it was read; otherwise its transition cleared
            // `watch_at` and the next run looks again.
            let updated = case_item::Entity::update_many()
                .col_expr(case_item::Column::Warning, Expr::value(l.level.code()))
                .col_expr(case_item::Column::WatchAt, Expr::value(l.watch_at))
                .filter(case_item::Column::Id.eq(m.id))
                .filter(case_item::Column::Version.eq(m.version))
                .exec(&w.txn)
                .await?;
            if updated.rows_affected == 0 {
                continue;
            }
            report.checked += 1;
            for (step, level, due_at) in &l.alerts {
                report.alerts_raised += raise(&w.txn, now, m, step, *level, *due_at).await?;
            }
            if l.level.code() != m.warning {
                report.levels_changed += 1;
            }
        }
        w.commit().await?;
    }
    Ok(())
}

async fn take_lock(txn: &DatabaseTransaction, backend: Backend) -> AppResult<bool> {
    if backend != Backend::Postgres {
        return Ok(true);
    }
    let row = txn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT pg_try_advisory_xact_lock({ADVISORY_KEY}) AS locked"),
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "locked"))
        .transpose()?
        .unwrap_or(false))
}

/// One run of the monitor at the app's current time.
///
/// # Errors
/// Database failure; nothing of the run is kept then.
pub async fn run_once(app: &App) -> AppResult<MonitorReport> {
    let calendar = app.calendar();
    let now = app.now();
    // PostgreSQL: one instance at a time, for the whole run (the lock is released when this
    // transaction ends, also if the run fails).
    let lock = match app.db.backend {
        Backend::Postgres => {
            let lock = app.db.conn.begin().await?;
            if !take_lock(&lock, app.db.backend).await? {
                return Ok(MonitorReport::default());
            }
            Some(lock)
        }
        Backend::Sqlite => None,
    };
    let mut report = MonitorReport {
        ran: true,
        ..MonitorReport::default()
    };
    let started = std::time::Instant::now();
    watch_case_items(app, &calendar, now, &mut report).await?;
    let mut took = vec![("case_items", started.elapsed())];
    let mut lap = std::time::Instant::now();
    let mut part = |name: &'static str| {
        took.push((name, lap.elapsed()));
        lap = std::time::Instant::now();
    };
    let w = app.begin_write().await?;
    report.problems_escalated =
        crate::problems::escalate_overdue(&w.txn, &calendar, &app.ladder, now).await?;
    part("problems");
    report.action_alerts = crate::meetings::watch_action_items(&w.txn, &calendar, now).await?;
    part("action_items");
    report.consultation_alerts = crate::consultations::watch(&w.txn, now).await?;
    part("consultations");
    report.staffing_changes = crate::personnel::review_staffing(&w.txn, now, None).await?;
    part("staffing");
    // Findings are detected as the evidence appears: this quarter's, and the last one's (alerts
    // raised after a quarter ends still belong to it).
    let quarter = daiban_domain::evaluation::Quarter::of(now.with_timezone(&CHINA).date_naive());
    let last = quarter.prev();
    for q in [last, quarter] {
        report.findings_detected += crate::evaluation::detect(&w.txn, now, &app.scheme, q)
            .await?
            .total();
    }
    part("findings");
    crate::monthly_reports::detect_late_with(
        &w.txn,
        now,
        &calendar,
        &app.scheme,
        app.monthly_report_due_workday,
    )
    .await?;
    part("monthly_reports");
    w.commit().await?;
    if let Some(lock) = lock {
        lock.commit().await?;
    }
    if started.elapsed() > std::time::Duration::from_secs(1) {
        let parts: Vec<String> = took
            .iter()
            .map(|(name, d)| format!("{name} {} ms", d.as_millis()))
            .collect();
        tracing::info!(
            checked = report.checked,
            alerts = report.alerts_raised,
            parts = parts.join(", "),
            "deadline monitor: a long run"
        );
    }
    Ok(report)
}

/// Records the alert for (item, step, level, due) if it is new, and then notifies the handler,
/// the leader of the responsible unit and the bureau's coordinators. Returns 1 if raised now.
async fn raise<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    m: &case_item::Model,
    step: &str,
    level: Warning,
    due_at: DateTime<Utc>,
) -> AppResult<u64> {
    if level == Warning::None {
        return Ok(0);
    }
    let at_department = m.state != CaseState::Ready.code();
    let responsible_unit = if at_department {
        m.department_id
    } else {
        m.unit_id
    };
    let handler = if at_department {
        m.helper_id
    } else {
        m.agent_id
    };
    let inserted = deadline_alert::Entity::insert(deadline_alert::ActiveModel {
        case_item_id: Set(m.id),
        project_id: Set(m.project_id),
        step: Set(step.to_owned()),
        level: Set(level.code().to_owned()),
        due_at: Set(due_at),
        responsible_unit_id: Set(responsible_unit),
        responsible_user_id: Set(handler),
        raised_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            deadline_alert::Column::CaseItemId,
            deadline_alert::Column::Step,
            deadline_alert::Column::Level,
            deadline_alert::Column::DueAt,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted == 0 {
        return Ok(0);
    }
    let mut recipients: Vec<i64> = handler.into_iter().collect();
    let leaders = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(user::Column::Role.eq(Role::UnitLeader.code()))
                        .add(user::Column::UnitId.eq(responsible_unit)),
                )
                .add(user::Column::Role.eq(Role::Coordinator.code())),
        )
        .all(txn)
        .await?;
    recipients.extend(leaders.into_iter().map(|u| u.id));
    recipients.sort_unstable();
    recipients.dedup();
    let step_zh = match step {
        "submission" => "代办员报送",
        "review" => "部门办结",
        "report_up" => "上报",
        _ => "办件整体",
    };
    let (title, verb_zh, verb_en) = if level == Warning::Red {
        ("超时", "已超时", "is overdue")
    } else {
        ("预警", "即将到期", "is about to fall due")
    };
    let due_local = due_at.with_timezone(&CHINA).format("%Y-%m-%d %H:%M");
    let notice = Notice {
        kind: format!("deadline.{}", level.code()),
        title: Msg::new(
            format!("{title}：{}（{step_zh}）", m.item_name),
            format!(
                "{}: {} ({step})",
                if level == Warning::Red {
                    "Overdue"
                } else {
                    "Warning"
                },
                m.item_code
            ),
        ),
        body: Msg::new(
            format!(
                "办件“{}”的{step_zh}环节{verb_zh}，期限 {due_local}。",
                m.item_name
            ),
            format!(
                "The {step} step of case item {} {verb_en}; due {due_local} (China time).",
                m.item_code
            ),
        ),
        project_id: Some(m.project_id),
        case_item_id: Some(m.id),
    };
    for r in recipients {
        timeline::notify(txn, now, Recipient::User(r), &notice).await?;
    }
    if level == Warning::Red {
        timeline::record(
            txn,
            now,
            None,
            (now, false),
            "",
            Event {
                project_id: m.project_id,
                case_item_id: Some(m.id),
                kind: "deadline.overdue",
                note: step,
                data: serde_json::json!({"step": step, "due_at": due_at, "responsible_unit_id": responsible_unit}),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(1)
}

/// After a calendar change: recomputes the due date of every open step, writes each change into
/// the item's history, and clears or sets the provisional mark. Returns (items checked, due
/// dates changed).
///
/// # Errors
/// Database failure; the caller's transaction then rolls back whole.
pub async fn recompute_due_dates<C: ConnectionTrait>(
    txn: &C,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<(u64, u64)> {
    // Every open item's warning may move with its dates: the monitor looks at all of them.
    case_item::Entity::update_many()
        .col_expr(
            case_item::Column::WatchAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Expr::cust(WATCHED_STATES_SQL))
        .exec(txn)
        .await?;
    let open = case_item::Entity::find()
        .filter(case_item::Column::State.is_in(["ready", "in_review", "suspended"]))
        .all(txn)
        .await?;
    let (mut checked, mut changed) = (0, 0);
    for m in open {
        checked += 1;
        let Some((step, st)) = step_clock(txn, calendar, &m, now).await? else {
            continue;
        };
        let new_due = st.due_at.with_timezone(&Utc);
        let old_due = if step == Step::Submission {
            m.submit_due_at
        } else {
            m.due_at
        };
        if old_due == Some(new_due) && m.due_provisional == st.provisional {
            continue;
        }
        let col = if step == Step::Submission {
            case_item::Column::SubmitDueAt
        } else {
            case_item::Column::DueAt
        };
        case_item::Entity::update_many()
            .col_expr(col, Expr::value(new_due))
            .col_expr(
                case_item::Column::DueProvisional,
                Expr::value(st.provisional),
            )
            .filter(case_item::Column::Id.eq(m.id))
            .exec(txn)
            .await?;
        if old_due != Some(new_due) {
            changed += 1;
        }
        timeline::record(
            txn,
            now,
            None,
            (now, false),
            "",
            Event {
                project_id: m.project_id,
                case_item_id: Some(m.id),
                kind: "due.changed",
                note: "工作日历更新后重算 / recomputed after a calendar change",
                data: serde_json::json!({
                    "step": step.code(),
                    "old_due_at": old_due,
                    "new_due_at": new_due,
                    "was_provisional": m.due_provisional,
                    "provisional": st.provisional,
                }),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok((checked, changed))
}
