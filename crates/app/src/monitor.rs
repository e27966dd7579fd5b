//! The deadline monitor (超时预警): every minute it computes yellow and red for every open step
//! of every case item (the agent's submission, the department's conclusion, the report-up of an
//! upward item) and for the whole item, and notifies the handler, the unit leader and the bureau
//! once per level. Each alert is a row keyed by (item, step, level, due time), so a restart or a
//! second instance never notifies twice; red rows are the overdue evidence the evaluation uses,
//! with the unit responsible at the time.
//!
//! On PostgreSQL the run holds a transaction-level advisory lock, so of several instances only
//! one runs at a time; on SQLite the single writer slot serialises runs.

use crate::App;
use crate::cases::{Step, step_clock};
use crate::error::{AppResult, Msg};
use crate::timeline::{self, Event, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::case_item::CaseState;
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType, Warning};
use daiban_domain::role::Role;
use daiban_store::Backend;
use daiban_store::entity::{case_item, deadline_alert, user};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Statement,
};

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

const WATCHED: [&str; 4] = ["ready", "submitted", "in_review", "suspended"];

/// The clock of the whole item: from complete materials, the agent's working day plus the
/// department's limit, with the same pauses and extensions.
async fn overall_clock<C: ConnectionTrait>(
    db: &C,
    calendar: &Calendar,
    m: &case_item::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<clock::ClockState>> {
    let Some(start) = m.materials_complete_at else {
        return Ok(None);
    };
    let limit = 1 + u32::try_from(m.limit_days).unwrap_or(0);
    let mut input = ClockInput::new(ItemType::Committed, limit, start.with_timezone(&CHINA));
    input.warning_threshold_days = u32::try_from(m.warning_threshold_days).unwrap_or(1);
    if m.review_started_at.is_some() {
        // The department's pauses and extensions extend the whole item too.
        input.suspensions = crate::cases::suspensions_of(db, m.id).await?;
        input.extensions = crate::cases::extensions_of(db, m.id).await?;
    }
    Ok(Some(
        clock::compute(calendar, &input, now.with_timezone(&CHINA))
            .map_err(|e| anyhow::anyhow!("overall clock of case item {}: {e}", m.id))?,
    ))
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
    let w = app.begin_write().await?;
    if !take_lock(&w.txn, app.db.backend).await? {
        return Ok(MonitorReport::default());
    }
    let mut report = MonitorReport {
        ran: true,
        ..MonitorReport::default()
    };
    let open = case_item::Entity::find()
        .filter(case_item::Column::State.is_in(WATCHED))
        .all(&w.txn)
        .await?;
    for m in open {
        report.checked += 1;
        let mut level = Warning::None;
        if let Some((step, st)) = step_clock(&w.txn, &calendar, &m, now).await? {
            level = level.max(st.warning);
            report.alerts_raised += raise(
                &w.txn,
                now,
                &m,
                step.code(),
                st.warning,
                st.due_at.with_timezone(&Utc),
            )
            .await?;
        }
        if let Some(st) = overall_clock(&w.txn, &calendar, &m, now).await? {
            report.alerts_raised += raise(
                &w.txn,
                now,
                &m,
                "overall",
                st.warning,
                st.due_at.with_timezone(&Utc),
            )
            .await?;
            level = level.max(st.warning);
        }
        if level.code() != m.warning {
            case_item::Entity::update_many()
                .col_expr(case_item::Column::Warning, Expr::value(level.code()))
                .filter(case_item::Column::Id.eq(m.id))
                .exec(&w.txn)
                .await?;
            report.levels_changed += 1;
        }
    }
    report.problems_escalated =
        crate::problems::escalate_overdue(&w.txn, &calendar, &app.ladder, now).await?;
    report.action_alerts = crate::meetings::watch_action_items(&w.txn, &calendar, now).await?;
    report.consultation_alerts = crate::consultations::watch(&w.txn, now).await?;
    report.staffing_changes = crate::personnel::review_staffing(&w.txn, now, None).await?;
    // Findings are detected as the evidence appears: this quarter's, and the last one's (alerts
    // raised after a quarter ends still belong to it).
    let quarter = daiban_domain::evaluation::Quarter::of(now.with_timezone(&CHINA).date_naive());
    let last = quarter.prev();
    for q in [last, quarter] {
        report.findings_detected += crate::evaluation::detect(&w.txn, now, &app.scheme, q)
            .await?
            .total();
    }
    crate::monthly_reports::detect_late_with(
        &w.txn,
        now,
        &calendar,
        &app.scheme,
        app.monthly_report_due_workday,
    )
    .await?;
    w.commit().await?;
    Ok(report)
}

/// Records the alert for (item, step, level, due) if it is new, and then notifies the handler,
/// the leader of the responsible unit and the bureau's coordinators. Returns 1 if raised now.
async fn raise(
    txn: &DatabaseTransaction,
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
