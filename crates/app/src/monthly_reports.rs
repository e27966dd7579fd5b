//! Monthly reports (月报表, attachment 2 (四)): each town unit and department reports its month
//! of agency work — items accepted, submitted, concluded, red deadline alerts, problems raised
//! and resolved, return visits — compiled from the data as a draft that the unit leader
//! reviews, remarks on and submits. A report is due by the N-th working day of the next month
//! (`monthly_report_due_workday`, default 5); a submitted report is frozen. A report submitted
//! after its due date, or missing once the due date has passed, is one detected
//! `monthly_report_late` finding per unit and month.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden};
use crate::findings::{self, NewFinding, Source};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::Scheme;
use daiban_domain::report::Month;
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{
    case_item, deadline_alert, monthly_report, problem, project, return_visit,
    return_visit_project, unit, user,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use std::collections::HashMap;

fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&CHINA).date_naive()
}

/// Midnight China time at the start of `d`, in UTC.
fn start_of(d: NaiveDate) -> DateTime<Utc> {
    CHINA
        .from_local_datetime(&d.and_time(NaiveTime::MIN))
        .single()
        .map_or_else(
            || d.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// Midnight China time at the start of `d` (the demo plans by it).
pub(crate) fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    start_of(d)
}

fn reports(kind: &str) -> bool {
    kind.parse::<UnitKind>()
        .is_ok_and(|k| k.is_town_unit() || k == UnitKind::Department)
}

fn bad_month(field: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        field,
        "month",
        "月份格式应为 YYYY-MM",
        "the month must be YYYY-MM",
    )])
}

/// Parses a month given by a client.
///
/// # Errors
/// [`AppError::Invalid`] naming `field`.
pub fn parse_month(field: &str, s: &str) -> AppResult<Month> {
    Month::parse(s).ok_or_else(|| bad_month(field))
}

/// The figures of a unit's month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Items accepted (受理) in the month.
    pub items_accepted: i32,
    /// Items submitted to the approving department.
    pub items_submitted: i32,
    /// Items concluded.
    pub items_concluded: i32,
    /// Red deadline alerts raised against the unit.
    pub items_overdue: i32,
    /// Problems raised.
    pub problems_raised: i32,
    /// Problems resolved.
    pub problems_resolved: i32,
    /// Return visits to the unit's projects.
    pub return_visits: i32,
}

fn n(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Compiles a unit's figures for `month` from the data: a town unit's items are those its
/// agents handle (`unit_id`), a department's those it approves (`department_id`).
///
/// # Errors
/// Database failure.
pub async fn compile<C: ConnectionTrait>(db: &C, unit_id: i64, month: Month) -> AppResult<Figures> {
    let from = start_of(month.first_day());
    let to = start_of(month.next().first_day());
    let department = unit::Entity::find_by_id(unit_id)
        .one(db)
        .await?
        .is_some_and(|u| u.kind == UnitKind::Department.code());
    let mine = || {
        if department {
            Condition::all().add(case_item::Column::DepartmentId.eq(unit_id))
        } else {
            Condition::all().add(case_item::Column::UnitId.eq(unit_id))
        }
    };
    let items = |col: case_item::Column| {
        case_item::Entity::find()
            .filter(mine())
            .filter(col.gte(from))
            .filter(col.lt(to))
    };
    let projects: Vec<i64> = project::Entity::find()
        .select_only()
        .column(project::Column::Id)
        .filter(project::Column::UnitId.eq(unit_id))
        .into_tuple()
        .all(db)
        .await?;
    let problems = || {
        problem::Entity::find().filter(
            Condition::any()
                .add(problem::Column::DepartmentId.eq(unit_id))
                .add(problem::Column::ProjectId.is_in(projects.clone())),
        )
    };
    let visits = if projects.is_empty() {
        0
    } else {
        return_visit::Entity::find()
            .filter(return_visit::Column::VisitedOn.gte(month.first_day()))
            .filter(return_visit::Column::VisitedOn.lte(month.last_day()))
            .filter(
                return_visit::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(return_visit_project::Column::VisitId)
                        .from(return_visit_project::Entity)
                        .and_where(
                            Expr::col(return_visit_project::Column::ProjectId)
                                .is_in(projects.clone()),
                        )
                        .to_owned(),
                ),
            )
            .count(db)
            .await?
    };
    Ok(Figures {
        items_accepted: n(items(case_item::Column::AcceptedAt).count(db).await?),
        items_submitted: n(items(case_item::Column::SubmittedAt).count(db).await?),
        items_concluded: n(items(case_item::Column::ConcludedAt).count(db).await?),
        items_overdue: n(deadline_alert::Entity::find()
            .filter(deadline_alert::Column::ResponsibleUnitId.eq(unit_id))
            .filter(deadline_alert::Column::Level.eq("red"))
            .filter(deadline_alert::Column::RaisedAt.gte(from))
            .filter(deadline_alert::Column::RaisedAt.lt(to))
            .count(db)
            .await?),
        problems_raised: n(problems()
            .filter(problem::Column::CreatedAt.gte(from))
            .filter(problem::Column::CreatedAt.lt(to))
            .count(db)
            .await?),
        problems_resolved: n(problems()
            .filter(problem::Column::ResolvedAt.gte(from))
            .filter(problem::Column::ResolvedAt.lt(to))
            .count(db)
            .await?),
        return_visits: n(visits),
    })
}

/// A unit's report of a month: the draft compiled now, or the submitted one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// `2026-10`.
    pub month: String,
    /// `draft` (not submitted, due date not passed), `missing` (not submitted, due date passed),
    /// `on_time` or `late` (submitted).
    pub status: String,
    /// Due by (the N-th working day of the next month); `None` when the calendar does not
    /// cover it yet.
    pub due_on: Option<NaiveDate>,
    /// The figures (frozen once submitted).
    pub figures: Figures,
    /// The leader's remarks.
    pub remarks: String,
    /// Who submitted.
    pub submitted_by_name: String,
    /// When.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Whether the caller may submit it now.
    pub may_submit: bool,
}

fn may_read(actor: &Actor, unit_id: i64) -> bool {
    match actor.role {
        Role::Coordinator | Role::CityLeader => true,
        Role::UnitLeader | Role::Agent | Role::Helper => actor.unit_id == Some(unit_id),
        _ => false,
    }
}

fn status_of(
    r: Option<&monthly_report::Model>,
    due: Option<NaiveDate>,
    day: NaiveDate,
) -> &'static str {
    match (r, due) {
        (Some(r), _) if r.late => "late",
        (Some(_), _) => "on_time",
        (None, Some(d)) if day > d => "missing",
        (None, _) => "draft",
    }
}

async fn reporting_unit<C: ConnectionTrait>(db: &C, unit_id: i64) -> AppResult<unit::Model> {
    unit::Entity::find_by_id(unit_id)
        .one(db)
        .await?
        .filter(|u| reports(&u.kind))
        .ok_or(AppError::NotFound)
}

/// A unit's report of `month`: the frozen one once submitted, else the draft compiled now.
///
/// # Errors
/// [`AppError::NotFound`] for a unit outside the caller's scope or that does not report;
/// [`AppError::Invalid`] for a bad month.
pub async fn get(app: &App, actor: &Actor, unit_id: i64, month: &str) -> AppResult<ReportView> {
    let month = parse_month("month", month)?;
    if !may_read(actor, unit_id) {
        return Err(AppError::NotFound);
    }
    let db = &app.db.conn;
    let u = reporting_unit(db, unit_id).await?;
    let now = app.now();
    let day = today(now);
    let due = month
        .due_on(&app.calendar(), app.monthly_report_due_workday)
        .ok();
    let r = monthly_report::Entity::find()
        .filter(monthly_report::Column::UnitId.eq(unit_id))
        .filter(monthly_report::Column::Month.eq(month.to_string()))
        .one(db)
        .await?;
    let status = status_of(r.as_ref(), due, day);
    Ok(match r {
        Some(r) => ReportView {
            unit_id,
            unit_name: u.name,
            month: r.month,
            status: status.into(),
            due_on: Some(r.due_on),
            figures: Figures {
                items_accepted: r.items_accepted,
                items_submitted: r.items_submitted,
                items_concluded: r.items_concluded,
                items_overdue: r.items_overdue,
                problems_raised: r.problems_raised,
                problems_resolved: r.problems_resolved,
                return_visits: r.return_visits,
            },
            remarks: r.remarks,
            submitted_by_name: crate::users::user_name(db, Some(r.submitted_by)).await?,
            submitted_at: Some(r.submitted_at),
            may_submit: false,
        },
        None => ReportView {
            unit_id,
            unit_name: u.name,
            month: month.to_string(),
            status: status.into(),
            due_on: due,
            figures: compile(db, unit_id, month).await?,
            remarks: String::new(),
            submitted_by_name: String::new(),
            submitted_at: None,
            may_submit: actor.role == Role::UnitLeader
                && actor.unit_id == Some(unit_id)
                && month <= Month::of(day),
        },
    })
}

/// The month whose report a unit works on today: the previous month until its report is
/// submitted or its due date has passed, then the current month.
///
/// # Errors
/// Database failure.
pub async fn current_month(app: &App, unit_id: i64) -> AppResult<Month> {
    let this = Month::of(today(app.now()));
    let prev = this.prev();
    let submitted = monthly_report::Entity::find()
        .filter(monthly_report::Column::UnitId.eq(unit_id))
        .filter(monthly_report::Column::Month.eq(prev.to_string()))
        .count(&app.db.conn)
        .await?
        > 0;
    let due = prev
        .due_on(&app.calendar(), app.monthly_report_due_workday)
        .ok();
    Ok(if submitted || due.is_some_and(|d| today(app.now()) > d) {
        this
    } else {
        prev
    })
}

/// What the unit leader adds when submitting.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    /// Remarks: problems, plans, anything the figures do not say.
    #[serde(default)]
    pub remarks: String,
}

/// The unit leader submits the month's report: the figures compiled now are frozen with the
/// remarks. A report after its due date is late, and its `monthly_report_late` finding is
/// detected in the same transaction (once per unit and month).
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but the unit's leader; [`AppError::Invalid`] for a bad
/// month, a month not yet begun or a too-long remark; [`AppError::Conflict`]
/// `monthly_report_submitted` when it was already submitted.
pub async fn submit(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    month: &str,
    input: &SubmitInput,
    meta: &Meta,
) -> AppResult<ReportView> {
    let month = parse_month("month", month)?;
    if actor.role != Role::UnitLeader || actor.unit_id != Some(unit_id) {
        return Err(forbidden());
    }
    let now = app.now();
    let day = today(now);
    let mut checks = Checks::default();
    let remarks = checks.optional_text("remarks", "备注", &input.remarks, 2000);
    if month > Month::of(day) {
        checks.push(FieldError::new(
            "month",
            "future_month",
            "不能提交尚未开始的月份的月报表",
            "a month that has not begun cannot be reported",
        ));
    }
    let due = match month.due_on(&app.calendar(), app.monthly_report_due_workday) {
        Ok(d) => Some(d),
        Err(_) => {
            checks.push(FieldError::new(
                "month",
                "calendar",
                "工作日历尚未覆盖该月报表的截止日期，请管理员导入日历",
                "the working-day calendar does not cover this report's due date yet",
            ));
            None
        }
    };
    checks.finish()?;
    let Some(due) = due else {
        return Err(AppError::Invalid(vec![]));
    };
    let w = app.begin_write().await?;
    reporting_unit(&w.txn, unit_id).await?;
    let exists = monthly_report::Entity::find()
        .filter(monthly_report::Column::UnitId.eq(unit_id))
        .filter(monthly_report::Column::Month.eq(month.to_string()))
        .count(&w.txn)
        .await?
        > 0;
    if exists {
        return Err(AppError::Conflict {
            code: "monthly_report_submitted",
            message: Msg::new(
                format!("{month} 的月报表已提交，不能修改"),
                format!("the report of {month} was already submitted; it cannot be changed"),
            ),
        });
    }
    let figures = compile(&w.txn, unit_id, month).await?;
    let late = day > due;
    let m = monthly_report::Entity::insert(monthly_report::ActiveModel {
        unit_id: Set(unit_id),
        month: Set(month.to_string()),
        status: Set("submitted".into()),
        items_accepted: Set(figures.items_accepted),
        items_submitted: Set(figures.items_submitted),
        items_concluded: Set(figures.items_concluded),
        items_overdue: Set(figures.items_overdue),
        problems_raised: Set(figures.problems_raised),
        problems_resolved: Set(figures.problems_resolved),
        return_visits: Set(figures.return_visits),
        remarks: Set(remarks),
        due_on: Set(due),
        late: Set(late),
        submitted_by: Set(actor.user_id),
        submitted_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    if late {
        late_finding(&w.txn, now, &app.scheme, unit_id, month, due, Some(m.id)).await?;
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "monthly_report.submit",
            object_type: "monthly_report",
            object_id: m.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "unit_id": unit_id, "month": m.month, "due_on": due, "late": late,
                "figures": audit::snapshot(&figures)?, "remarks": m.remarks,
            })),
        },
    )
    .await?;
    w.commit().await?;
    get(app, actor, unit_id, &month.to_string()).await
}

async fn late_finding<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    scheme: &Scheme,
    unit_id: i64,
    month: Month,
    due: NaiveDate,
    report_id: Option<i64>,
) -> AppResult<bool> {
    let (zh, en) = if report_id.is_some() {
        ("逾期提交", "submitted late")
    } else {
        ("未提交", "missing")
    };
    Ok(findings::insert(
        txn,
        now,
        scheme,
        NewFinding {
            unit_id,
            rule: "monthly_report_late".into(),
            occurred_on: due,
            evidence_kind: "monthly_report".into(),
            evidence_id: report_id,
            evidence_label: format!("{month} 月报表{zh}（截止 {due}）"),
            project_id: None,
            detected_key: Some(format!("monthly_report:{unit_id}:{month}")),
            note: format!("the report of {month} was {en} (due {due})"),
            source: Source::Detected,
            recorded_by: None,
            confirmed_by: None,
        },
    )
    .await?
    .is_some())
}

/// [`detect_late_with`] the default due working day
/// ([`daiban_domain::report::DEFAULT_MONTHLY_REPORT_DUE_WORKDAY`]); the monitor passes the
/// configured `monthly_report_due_workday`.
///
/// # Errors
/// Database failure.
pub async fn detect_late<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    calendar: &Calendar,
    scheme: &Scheme,
) -> AppResult<u64> {
    detect_late_with(
        txn,
        now,
        calendar,
        scheme,
        daiban_domain::report::DEFAULT_MONTHLY_REPORT_DUE_WORKDAY,
    )
    .await
}

/// Detects the reports missing after their due date (and any late one not yet found): one
/// `monthly_report_late` finding per unit and month, from the month the unit was created (or
/// of its first report, if earlier).
/// Months whose due date the calendar does not cover are skipped until it does. Returns how many
/// findings were added; running it again adds none.
///
/// # Errors
/// Database failure.
pub async fn detect_late_with<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    calendar: &Calendar,
    scheme: &Scheme,
    due_workday: u32,
) -> AppResult<u64> {
    let day = today(now);
    let mut submitted: HashMap<(i64, String), monthly_report::Model> = HashMap::new();
    for r in monthly_report::Entity::find().all(txn).await? {
        submitted.insert((r.unit_id, r.month.clone()), r);
    }
    let mut added = 0;
    for u in unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(txn)
        .await?
    {
        if !reports(&u.kind) {
            continue;
        }
        // From the month the unit was created, or its first report if it reported before
        // (a unit entered after it had started reporting on paper).
        let first_report = submitted
            .iter()
            .filter(|((unit, _), _)| *unit == u.id)
            .filter_map(|((_, m), _)| Month::parse(m))
            .min();
        let mut month = Month::of(today(u.created_at));
        if let Some(f) = first_report {
            month = month.min(f);
        }
        while month < Month::of(day) {
            let Ok(due) = month.due_on(calendar, due_workday) else {
                break;
            };
            if day <= due {
                break;
            }
            let r = submitted.get(&(u.id, month.to_string()));
            let late = match r {
                None => true,
                Some(r) => r.late,
            };
            if late && late_finding(txn, now, scheme, u.id, month, due, r.map(|r| r.id)).await? {
                added += 1;
                if r.is_none() {
                    remind(txn, now, u.id, month, due).await?;
                }
            }
            month = month.next();
        }
    }
    Ok(added)
}

async fn remind<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    unit_id: i64,
    month: Month,
    due: NaiveDate,
) -> AppResult<()> {
    let n = Notice {
        kind: "monthly_report".into(),
        title: Msg::new("月报表未按时提交", "A monthly report is overdue"),
        body: Msg::new(
            format!("{month} 的月报表应于 {due} 前提交，至今未提交，请尽快提交。"),
            format!("The report of {month} was due by {due} and has not been submitted."),
        ),
        project_id: None,
        case_item_id: None,
    };
    for l in user::Entity::find()
        .filter(user::Column::Role.eq(Role::UnitLeader.code()))
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .all(txn)
        .await?
    {
        timeline::notify(txn, now, Recipient::User(l.id), &n).await?;
    }
    Ok(())
}

/// One unit's standing for a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitStatus {
    /// The unit.
    pub unit_id: i64,
    /// Its code.
    pub unit_code: String,
    /// Its name.
    pub unit_name: String,
    /// `on_time`, `late`, `missing` or `draft` (not yet due).
    pub status: String,
    /// When submitted.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Every reporting unit's standing for a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthStatus {
    /// `2026-10`.
    pub month: String,
    /// Due by.
    pub due_on: Option<NaiveDate>,
    /// The units in the caller's scope.
    pub units: Vec<UnitStatus>,
}

/// The standing of every unit in the caller's scope for `month` (the bureau and the city
/// leader: all reporting units; a unit's staff: their own).
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, admins and auditors; [`AppError::Invalid`] for a
/// bad month.
pub async fn month_status(app: &App, actor: &Actor, month: &str) -> AppResult<MonthStatus> {
    let month = parse_month("month", month)?;
    let own = match actor.role {
        Role::Coordinator | Role::CityLeader => None,
        Role::UnitLeader | Role::Agent | Role::Helper => Some(actor.unit_id.ok_or_else(forbidden)?),
        _ => return Err(forbidden()),
    };
    let db = &app.db.conn;
    let day = today(app.now());
    let due = month
        .due_on(&app.calendar(), app.monthly_report_due_workday)
        .ok();
    let mut q = unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Code);
    if let Some(u) = own {
        q = q.filter(unit::Column::Id.eq(u));
    }
    let submitted: HashMap<i64, monthly_report::Model> = monthly_report::Entity::find()
        .filter(monthly_report::Column::Month.eq(month.to_string()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.unit_id, r))
        .collect();
    let units = q
        .all(db)
        .await?
        .into_iter()
        .filter(|u| reports(&u.kind))
        .map(|u| {
            let r = submitted.get(&u.id);
            UnitStatus {
                status: status_of(r, due, day).into(),
                submitted_at: r.map(|r| r.submitted_at),
                unit_id: u.id,
                unit_code: u.code,
                unit_name: u.name,
            }
        })
        .collect();
    Ok(MonthStatus {
        month: month.to_string(),
        due_on: due,
        units,
    })
}
