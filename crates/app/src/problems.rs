//! Problems (矛盾问题) and enterprise demands on the escalation ladder: responsible department →
//! its leader → the bureau → a coordination meeting → the city leader. Each level has a
//! response limit in working days (`App::ladder`); the deadline monitor moves a problem left too
//! long to the next level, once, and records late reporting against the unit that held it.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::projects::{acts_as_agent, model_in_scope};
use crate::scope::{self, Scope};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType};
use daiban_domain::problem::{
    LadderLimits, Level, Position, ProblemAction, ProblemCategory, ProblemStatus,
    allowed_problem_actions, apply_problem,
};
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{case_item, problem, problem_block, problem_event, project, unit, user};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

/// A problem as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "flags clients show as they are"
)]
pub struct ProblemView {
    /// Id.
    pub id: i64,
    /// Project id.
    pub project_id: i64,
    /// Project name.
    pub project_name: String,
    /// Whether the project is a major one (priority board).
    pub major: bool,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category code.
    pub category: String,
    /// Responsible department id.
    pub department_id: i64,
    /// Responsible department name.
    pub department_name: String,
    /// The department's helper who owns it.
    pub owner_name: String,
    /// The problem is at the project's site (an on-site meeting is suggested).
    pub at_site: bool,
    /// Who raised it.
    pub raised_by_name: String,
    /// Their role code.
    pub raised_by_role: String,
    /// Level code.
    pub level: String,
    /// When it reached the level.
    pub level_entered_at: DateTime<Utc>,
    /// When the level's response is due.
    pub level_due_at: DateTime<Utc>,
    /// The due time reaches into a year without a published arrangement.
    pub due_provisional: bool,
    /// Status code.
    pub status: String,
    /// What was done.
    pub resolution: String,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The meeting that has it on its agenda.
    pub meeting_id: Option<i64>,
    /// The case items it blocks: id and item name.
    pub blocks: Vec<BlockedItem>,
    /// Open and past the level's due time.
    pub overdue: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Raised at.
    pub created_at: DateTime<Utc>,
}

/// A case item a problem blocks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockedItem {
    /// Case item id.
    pub id: i64,
    /// Item name.
    pub name: String,
}

async fn view<C: ConnectionTrait>(
    db: &C,
    m: problem::Model,
    now: DateTime<Utc>,
) -> AppResult<ProblemView> {
    let p = project::Entity::find_by_id(m.project_id).one(db).await?;
    let dept = unit::Entity::find_by_id(m.department_id).one(db).await?;
    let ids: Vec<i64> = problem_block::Entity::find()
        .filter(problem_block::Column::ProblemId.eq(m.id))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.case_item_id)
        .collect();
    let blocks = if ids.is_empty() {
        Vec::new()
    } else {
        case_item::Entity::find()
            .filter(case_item::Column::Id.is_in(ids))
            .order_by_asc(case_item::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|c| BlockedItem {
                id: c.id,
                name: c.item_name,
            })
            .collect()
    };
    Ok(ProblemView {
        id: m.id,
        project_id: m.project_id,
        project_name: p.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        major: p.is_some_and(|p| p.major),
        title: m.title,
        description: m.description,
        category: m.category,
        department_id: m.department_id,
        department_name: dept.map(|d| d.name).unwrap_or_default(),
        owner_name: crate::users::user_name(db, m.owner_id).await?,
        at_site: m.at_site,
        raised_by_name: crate::users::user_name(db, Some(m.raised_by)).await?,
        raised_by_role: m.raised_by_role,
        overdue: m.status == ProblemStatus::Open.code() && now > m.level_due_at,
        level: m.level,
        level_entered_at: m.level_entered_at,
        level_due_at: m.level_due_at,
        due_provisional: m.due_provisional,
        status: m.status,
        resolution: m.resolution,
        resolved_at: m.resolved_at,
        meeting_id: m.meeting_id,
        blocks,
        version: m.version,
        created_at: m.created_at,
    })
}

/// The problems `scope` sees: the bureau all; an enterprise its projects'; a town unit its
/// projects'; a department those it is responsible for; the bureau's helpers those of major
/// projects.
fn scoped(scope: Scope, q: Select<problem::Entity>) -> Select<problem::Entity> {
    let projects_where = |cond: Condition| {
        problem::Column::ProjectId.in_subquery(
            Query::select()
                .column(project::Column::Id)
                .from(project::Entity)
                .cond_where(cond)
                .to_owned(),
        )
    };
    match scope {
        Scope::All => q,
        Scope::Enterprise(e) => q.filter(projects_where(
            Condition::all().add(Expr::col(project::Column::EnterpriseId).eq(e)),
        )),
        Scope::TownUnit(u) => q.filter(projects_where(
            Condition::all().add(Expr::col(project::Column::UnitId).eq(u)),
        )),
        Scope::MajorProjects => q.filter(projects_where(
            Condition::all().add(Expr::col(project::Column::Major).eq(true)),
        )),
        Scope::Department(d) => q.filter(problem::Column::DepartmentId.eq(d)),
    }
}

/// The due time of a level entered at `at`.
pub fn level_due(
    calendar: &Calendar,
    limits: &LadderLimits,
    level: Level,
    at: DateTime<Utc>,
) -> AppResult<(DateTime<Utc>, bool)> {
    let input = ClockInput::new(
        ItemType::Committed,
        limits.at(level),
        at.with_timezone(&CHINA),
    );
    let st =
        clock::compute(calendar, &input, at.with_timezone(&CHINA)).map_err(anyhow::Error::from)?;
    Ok((st.due_at.with_timezone(&Utc), st.provisional))
}

/// Filters of the problem list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ProblemFilter {
    /// Project id.
    pub project: Option<i64>,
    /// Status code.
    pub status: Option<String>,
    /// Level code.
    pub level: Option<String>,
    /// Only those past their level's due time.
    pub overdue: Option<bool>,
    /// Only those of major projects.
    pub major: Option<bool>,
}

/// Problems in the caller's scope: open first, the most overdue first.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &ProblemFilter,
    now: DateTime<Utc>,
) -> AppResult<Vec<ProblemView>> {
    let mut q = scoped(scope::of(actor)?, problem::Entity::find());
    if let Some(p) = f.project {
        q = q.filter(problem::Column::ProjectId.eq(p));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(problem::Column::Status.eq(s));
    }
    if let Some(l) = f.level.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(problem::Column::Level.eq(l));
    }
    if f.overdue == Some(true) {
        q = q
            .filter(problem::Column::Status.eq(ProblemStatus::Open.code()))
            .filter(problem::Column::LevelDueAt.lt(now));
    }
    if f.major == Some(true) {
        q = q.filter(
            problem::Column::ProjectId.in_subquery(
                Query::select()
                    .column(project::Column::Id)
                    .from(project::Entity)
                    .and_where(project::Column::Major.eq(true))
                    .to_owned(),
            ),
        );
    }
    let rows = q
        .order_by_asc(Expr::cust(
            "CASE status WHEN 'open' THEN 0 WHEN 'resolved' THEN 1 ELSE 2 END",
        ))
        .order_by_asc(problem::Column::LevelDueAt)
        .limit(500)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(db, r, now).await?);
    }
    Ok(out)
}

async fn model_of<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<problem::Model> {
    let s = scope::of(actor).map_err(|_| AppError::NotFound)?;
    scoped(s, problem::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One problem within scope.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside scope.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<ProblemView> {
    view(db, model_of(db, actor, id).await?, now).await
}

/// One event of a problem's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemEventView {
    /// Kind: `raise`, an action code, `auto_escalate`, `meeting`, `decision`.
    pub kind: String,
    /// Level before.
    pub from_level: Option<String>,
    /// Level after.
    pub to_level: Option<String>,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// Who.
    pub actor_name: String,
    /// Their role code.
    pub actor_role: String,
    /// What was said or done.
    pub note: String,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// A problem's whole history, oldest first.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<Vec<ProblemEventView>> {
    model_of(db, actor, id).await?;
    Ok(problem_event::Entity::find()
        .filter(problem_event::Column::ProblemId.eq(id))
        .order_by_asc(problem_event::Column::OccurredAt)
        .order_by_asc(problem_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ProblemEventView {
            kind: e.kind,
            from_level: e.from_level,
            to_level: e.to_level,
            from_status: e.from_status,
            to_status: e.to_status,
            actor_name: e.actor_name,
            actor_role: e.actor_role,
            note: e.note,
            occurred_at: e.occurred_at,
        })
        .collect())
}

/// One change of a problem to record.
pub(crate) struct ProblemChange<'a> {
    pub kind: &'a str,
    pub from: Option<Position>,
    pub to: Option<Position>,
    pub note: &'a str,
}

pub(crate) async fn record<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    problem_id: i64,
    c: ProblemChange<'_>,
) -> AppResult<()> {
    let (actor_id, actor_name, actor_role) = timeline::record_actor(actor);
    problem_event::Entity::insert(problem_event::ActiveModel {
        problem_id: Set(problem_id),
        kind: Set(c.kind.to_owned()),
        from_level: Set(c.from.map(|p| p.level.code().to_owned())),
        to_level: Set(c.to.map(|p| p.level.code().to_owned())),
        from_status: Set(c.from.map(|p| p.status.code().to_owned())),
        to_status: Set(c.to.map(|p| p.status.code().to_owned())),
        actor_id: Set(actor_id),
        actor_name: Set(actor_name),
        actor_role: Set(actor_role),
        note: Set(c.note.trim().to_owned()),
        occurred_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The people who handle a problem at `level`: the department's helpers (and its leaders at
/// the leader's level), the bureau's coordinators, the city leader.
pub(crate) async fn handlers<C: ConnectionTrait>(
    db: &C,
    level: Level,
    department_id: i64,
) -> AppResult<Vec<i64>> {
    let q = user::Entity::find().filter(user::Column::Active.eq(true));
    let q = match level {
        Level::Department => q
            .filter(user::Column::UnitId.eq(department_id))
            .filter(user::Column::Role.eq(Role::Helper.code())),
        Level::DepartmentLeader => q
            .filter(user::Column::UnitId.eq(department_id))
            .filter(user::Column::Role.eq(Role::UnitLeader.code())),
        Level::Bureau | Level::Meeting => q.filter(user::Column::Role.eq(Role::Coordinator.code())),
        Level::CityLeader => q.filter(user::Column::Role.eq(Role::CityLeader.code())),
    };
    Ok(q.order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Whether `actor` handles a problem at its level.
fn handles(actor: &Actor, level: Level, department_id: i64) -> bool {
    let in_dept = actor.unit_id == Some(department_id);
    match level {
        Level::Department => {
            actor.is(Role::Coordinator)
                || (in_dept && matches!(actor.role, Role::Helper | Role::UnitLeader))
        }
        Level::DepartmentLeader => {
            actor.is(Role::Coordinator) || (in_dept && actor.is(Role::UnitLeader))
        }
        Level::Bureau | Level::Meeting => actor.is(Role::Coordinator),
        Level::CityLeader => actor.is(Role::CityLeader),
    }
}

/// What someone raises.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RaiseInput {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Category code.
    pub category: String,
    /// The responsible department (unit id).
    pub department_id: i64,
    /// Case items of the project it blocks.
    #[serde(default)]
    pub case_item_ids: Vec<i64>,
    /// The problem is at the project's site.
    #[serde(default)]
    pub at_site: bool,
}

/// Raises a problem on a project: the enterprise, its agents, a department's helper or the
/// bureau. It starts at the responsible department, owned by its helper, who is notified.
///
/// # Errors
/// [`AppError::NotFound`] for a project outside scope; [`AppError::Forbidden`] for the city
/// leader, the administrator and the auditor; [`AppError::Invalid`] naming each broken rule.
pub async fn raise(
    app: &App,
    actor: &Actor,
    project_id: i64,
    input: &RaiseInput,
    meta: &Meta,
) -> AppResult<ProblemView> {
    if matches!(actor.role, Role::CityLeader | Role::Admin | Role::Auditor) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let v = raise_in(app, &w.txn, actor, project_id, input, meta).await?;
    w.commit().await?;
    Ok(v)
}

/// [`raise`] inside the caller's write transaction (a problem found at a return visit is
/// raised together with the visit's link to it).
pub(crate) async fn raise_in<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    actor: &Actor,
    project_id: i64,
    input: &RaiseInput,
    meta: &Meta,
) -> AppResult<ProblemView> {
    if matches!(actor.role, Role::CityLeader | Role::Admin | Role::Auditor) {
        return Err(forbidden());
    }
    let calendar = app.calendar();
    let p = model_in_scope(txn, actor, project_id).await?;
    let mut c = Checks::default();
    let title = c.text("title", "问题标题", &input.title, 200);
    let description = c.optional_text("description", "问题描述", &input.description, 4000);
    if ProblemCategory::from_code(&input.category).is_none() {
        c.push(FieldError::new(
            "category",
            "unknown",
            "请选择问题类别",
            "choose the category",
        ));
    }
    let dept = unit::Entity::find_by_id(input.department_id)
        .one(txn)
        .await?;
    if !dept
        .as_ref()
        .is_some_and(|d| d.active && d.kind == UnitKind::Department.code())
    {
        c.push(FieldError::new(
            "department_id",
            "not_department",
            "请选择责任部门",
            "choose the responsible department",
        ));
    }
    let blocks = if input.case_item_ids.is_empty() {
        Vec::new()
    } else {
        case_item::Entity::find()
            .filter(case_item::Column::Id.is_in(input.case_item_ids.clone()))
            .filter(case_item::Column::ProjectId.eq(p.id))
            .all(txn)
            .await?
    };
    if blocks.len()
        != input
            .case_item_ids
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    {
        c.push(FieldError::new(
            "case_item_ids",
            "not_of_project",
            "所选办件不属于该项目",
            "the case items must belong to the project",
        ));
    }
    c.finish()?;
    let now = app.now();
    let (due, provisional) = level_due(&calendar, &app.ladder, Level::Department, now)?;
    let owner = handlers(txn, Level::Department, input.department_id)
        .await?
        .first()
        .copied();
    let id = problem::Entity::insert(problem::ActiveModel {
        project_id: Set(p.id),
        title: Set(title.clone()),
        description: Set(description),
        category: Set(input.category.clone()),
        department_id: Set(input.department_id),
        owner_id: Set(owner),
        at_site: Set(input.at_site),
        raised_by: Set(actor.user_id),
        raised_by_role: Set(actor.role.code().to_owned()),
        level: Set(Level::Department.code().to_owned()),
        level_entered_at: Set(now),
        level_due_at: Set(due),
        due_provisional: Set(provisional),
        status: Set(ProblemStatus::Open.code().to_owned()),
        resolution: Set(String::new()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    for b in &blocks {
        problem_block::Entity::insert(problem_block::ActiveModel {
            problem_id: Set(id),
            case_item_id: Set(b.id),
        })
        .exec_without_returning(txn)
        .await?;
    }
    let to = Position {
        status: ProblemStatus::Open,
        level: Level::Department,
    };
    record(
        txn,
        now,
        Some(actor),
        id,
        ProblemChange {
            kind: "raise",
            from: None,
            to: Some(to),
            note: &title,
        },
    )
    .await?;
    let notice = level_notice(&p, &title, Level::Department, due);
    for h in handlers(txn, Level::Department, input.department_id).await? {
        timeline::notify(txn, now, Recipient::User(h), &notice).await?;
    }
    let v = view(txn, reload(txn, id).await?, now).await?;
    audit::append(
        txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "problem.raise",
            object_type: "problem",
            object_id: id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    Ok(v)
}

async fn reload<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<problem::Model> {
    problem::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) fn level_notice(
    p: &project::Model,
    title: &str,
    level: Level,
    due: DateTime<Utc>,
) -> Notice {
    let due = due.with_timezone(&CHINA).format("%Y-%m-%d %H:%M");
    Notice {
        kind: "problem".into(),
        title: Msg::new(
            format!("待协调问题：{title}"),
            format!("Problem to handle: {title}"),
        ),
        body: Msg::new(
            format!(
                "项目“{}”的问题“{title}”已到{}，请在 {due} 前答复或解决。",
                p.name,
                level.label_zh()
            ),
            format!(
                "The problem \"{title}\" of project \"{}\" is now with the {}; respond or resolve it by {due} (China time).",
                p.name,
                level.label_en()
            ),
        ),
        project_id: Some(p.id),
        case_item_id: None,
    }
}

/// An action on a problem.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProblemActInput {
    /// `respond`, `escalate`, `resolve`, `confirm` or `reopen`.
    pub action: String,
    /// The version the caller saw.
    pub version: i32,
    /// The response, the reason to escalate or reopen, or the resolution.
    #[serde(default)]
    pub note: String,
}

/// The actions `actor` may take on a problem now.
pub fn actions_for(actor: &Actor, m: &problem::Model, p: &project::Model) -> Vec<ProblemAction> {
    let (Some(status), Some(level)) = (
        ProblemStatus::from_code(&m.status),
        Level::from_code(&m.level),
    ) else {
        return Vec::new();
    };
    allowed_problem_actions(Position { status, level })
        .into_iter()
        .filter(|a| may(actor, *a, m, p, level))
        .collect()
}

fn may(
    actor: &Actor,
    action: ProblemAction,
    m: &problem::Model,
    p: &project::Model,
    level: Level,
) -> bool {
    match action {
        ProblemAction::Respond | ProblemAction::Escalate | ProblemAction::Resolve => {
            handles(actor, level, m.department_id)
        }
        ProblemAction::Confirm | ProblemAction::Reopen => {
            actor.user_id == m.raised_by
                || (actor.is(Role::Enterprise) && actor.enterprise_id == Some(p.enterprise_id))
                || (acts_as_agent(actor, p) && !actor.is(Role::Coordinator))
        }
    }
}

/// The actions `actor` may take on problem `id` (for the page's buttons).
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn available_actions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<Vec<ProblemAction>> {
    let m = model_of(db, actor, id).await?;
    let p = project::Entity::find_by_id(m.project_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(actions_for(actor, &m, &p))
}

/// Takes an action on a problem: a handler at its level responds, escalates with a reason or
/// resolves it; the raiser (or the enterprise, or its agents) confirms or reopens it.
///
/// # Errors
/// [`AppError::NotFound`]; [`AppError::Forbidden`] for someone who does not handle the level;
/// [`AppError::Conflict`] for an action the status does not allow (`problem_state`) or a stale
/// version; [`AppError::Invalid`] without the text the action needs.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ProblemActInput,
    meta: &Meta,
) -> AppResult<ProblemView> {
    let Some(action) = ProblemAction::from_code(&input.action) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "action",
            "unknown",
            "未知的操作",
            "unknown action",
        )]));
    };
    let calendar = app.calendar();
    let w = app.begin_write().await?;
    let m = model_of(&w.txn, actor, id).await?;
    let p = project::Entity::find_by_id(m.project_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = Position {
        status: ProblemStatus::from_code(&m.status)
            .ok_or_else(|| anyhow::anyhow!("problem status {}", m.status))?,
        level: Level::from_code(&m.level)
            .ok_or_else(|| anyhow::anyhow!("problem level {}", m.level))?,
    };
    let to = apply_problem(from, action).map_err(|e| AppError::Conflict {
        code: "problem_state",
        message: Msg::new(e.message_zh(), e.to_string()),
    })?;
    if !may(actor, action, &m, &p, from.level) {
        return Err(AppError::Forbidden(Msg::new(
            format!("“{}”须由{}办理", action.label_zh(), from.level.label_zh()),
            format!(
                "\"{}\" is for the {}",
                action.label_en(),
                from.level.label_en()
            ),
        )));
    }
    if m.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let note = if action.requires_text() {
        c.text("note", "说明", &input.note, 4000)
    } else {
        c.optional_text("note", "说明", &input.note, 4000)
    };
    c.finish()?;
    let now = app.now();
    let mut upd = problem::Entity::update_many()
        .col_expr(problem::Column::Status, Expr::value(to.status.code()))
        .col_expr(problem::Column::Level, Expr::value(to.level.code()))
        .col_expr(problem::Column::Version, Expr::value(m.version + 1))
        .col_expr(problem::Column::UpdatedAt, Expr::value(now));
    let moves = matches!(action, ProblemAction::Escalate | ProblemAction::Reopen);
    if moves {
        let (due, provisional) = level_due(&calendar, &app.ladder, to.level, now)?;
        upd = upd
            .col_expr(problem::Column::LevelEnteredAt, Expr::value(now))
            .col_expr(problem::Column::LevelDueAt, Expr::value(due))
            .col_expr(problem::Column::DueProvisional, Expr::value(provisional));
    }
    if action == ProblemAction::Resolve {
        upd = upd
            .col_expr(problem::Column::Resolution, Expr::value(note.clone()))
            .col_expr(problem::Column::ResolvedAt, Expr::value(now));
    }
    let res = upd
        .filter(problem::Column::Id.eq(id))
        .filter(problem::Column::Version.eq(m.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    record(
        &w.txn,
        now,
        Some(actor),
        id,
        ProblemChange {
            kind: action.code(),
            from: Some(from),
            to: Some(to),
            note: &note,
        },
    )
    .await?;
    let after = reload(&w.txn, id).await?;
    if moves {
        let notice = level_notice(&p, &m.title, to.level, after.level_due_at);
        for h in handlers(&w.txn, to.level, m.department_id).await? {
            timeline::notify(&w.txn, now, Recipient::User(h), &notice).await?;
        }
    }
    if action == ProblemAction::Resolve {
        let notice = Notice {
            kind: "problem".into(),
            title: Msg::new(
                format!("问题已解决：{}", m.title),
                format!("Problem resolved: {}", m.title),
            ),
            body: Msg::new(
                format!(
                    "项目“{}”的问题“{}”已由{}解决：{note}。如未真正解决，可在问题页面重新提出。",
                    p.name,
                    m.title,
                    from.level.label_zh()
                ),
                format!(
                    "The problem \"{}\" of project \"{}\" was resolved by the {}: {note}. If it is not really solved, reopen it on the problem's page.",
                    m.title,
                    p.name,
                    from.level.label_en()
                ),
            ),
            project_id: Some(p.id),
            case_item_id: None,
        };
        timeline::notify(&w.txn, now, Recipient::Enterprise(p.enterprise_id), &notice).await?;
        if m.raised_by_role != Role::Enterprise.code() {
            timeline::notify(&w.txn, now, Recipient::User(m.raised_by), &notice).await?;
        }
    }
    let v = view(&w.txn, after, now).await?;
    audit::append(&w.txn, now, &actor.into(), meta, Change {
        action: &format!("problem.{}", action.code()),
        object_type: "problem",
        object_id: id.to_string(),
        before: Some(serde_json::json!({"status": from.status.code(), "level": from.level.code(), "version": m.version})),
        after: Some(serde_json::json!({"status": to.status.code(), "level": to.level.code(), "version": v.version, "note": note})),
    })
    .await?;
    w.commit().await?;
    Ok(v)
}

/// Counts of open problems per level in scope (workbenches, priority board).
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn open_count<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<u64> {
    Ok(scoped(scope::of(actor)?, problem::Entity::find())
        .filter(problem::Column::Status.eq(ProblemStatus::Open.code()))
        .count(db)
        .await?)
}

/// The monitor's pass: every open problem past its level's due time moves to the next level
/// (the top stays, flagged), once per (problem, level, entry); the unit that held it is charged
/// with late reporting; the next level's handlers are notified. Returns how many moved.
///
/// # Errors
/// Database failure; the monitor's transaction then rolls back whole.
pub async fn escalate_overdue<C: ConnectionTrait>(
    txn: &C,
    calendar: &Calendar,
    limits: &LadderLimits,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    use daiban_store::entity::problem_overdue;
    use sea_orm::sea_query::OnConflict;
    let overdue = problem::Entity::find()
        .filter(problem::Column::Status.eq(ProblemStatus::Open.code()))
        .filter(problem::Column::LevelDueAt.lt(now))
        .all(txn)
        .await?;
    let bureau = crate::units::find_by_code(txn, "BUREAU")
        .await?
        .map(|u| u.id);
    let mut moved = 0;
    for m in overdue {
        let Some(level) = Level::from_code(&m.level) else {
            continue;
        };
        let responsible = match level {
            Level::Department | Level::DepartmentLeader => m.department_id,
            _ => bureau.unwrap_or(m.department_id),
        };
        let inserted = problem_overdue::Entity::insert(problem_overdue::ActiveModel {
            problem_id: Set(m.id),
            level: Set(m.level.clone()),
            level_entered_at: Set(m.level_entered_at),
            due_at: Set(m.level_due_at),
            responsible_unit_id: Set(responsible),
            raised_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                problem_overdue::Column::ProblemId,
                problem_overdue::Column::Level,
                problem_overdue::Column::LevelEnteredAt,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        if inserted == 0 {
            continue;
        }
        let Some(p) = project::Entity::find_by_id(m.project_id).one(txn).await? else {
            continue;
        };
        let from = Position {
            status: ProblemStatus::Open,
            level,
        };
        let next = level.next();
        if let Some(next) = next {
            let (due, provisional) = level_due(calendar, limits, next, now)?;
            problem::Entity::update_many()
                .col_expr(problem::Column::Level, Expr::value(next.code()))
                .col_expr(problem::Column::LevelEnteredAt, Expr::value(now))
                .col_expr(problem::Column::LevelDueAt, Expr::value(due))
                .col_expr(problem::Column::DueProvisional, Expr::value(provisional))
                .col_expr(
                    problem::Column::Version,
                    Expr::col(problem::Column::Version).add(1),
                )
                .col_expr(problem::Column::UpdatedAt, Expr::value(now))
                .filter(problem::Column::Id.eq(m.id))
                .exec(txn)
                .await?;
            let note = format!(
                "在{}超过答复时限（{}），自动上报 / not answered in time at the {}: escalated",
                level.label_zh(),
                m.level_due_at
                    .with_timezone(&CHINA)
                    .format("%Y-%m-%d %H:%M"),
                level.label_en()
            );
            record(
                txn,
                now,
                None,
                m.id,
                ProblemChange {
                    kind: "auto_escalate",
                    from: Some(from),
                    to: Some(Position {
                        level: next,
                        ..from
                    }),
                    note: &note,
                },
            )
            .await?;
            let notice = level_notice(&p, &m.title, next, due);
            for h in handlers(txn, next, m.department_id).await? {
                timeline::notify(txn, now, Recipient::User(h), &notice).await?;
            }
        } else {
            record(
                txn,
                now,
                None,
                m.id,
                ProblemChange {
                    kind: "overdue_at_top",
                    from: Some(from),
                    to: Some(from),
                    note: "分管市领导层级超过答复时限 / overdue with the city leader",
                },
            )
            .await?;
            let notice = level_notice(&p, &m.title, level, m.level_due_at);
            for h in handlers(txn, Level::Bureau, m.department_id).await? {
                timeline::notify(txn, now, Recipient::User(h), &notice).await?;
            }
        }
        moved += 1;
    }
    Ok(moved)
}
