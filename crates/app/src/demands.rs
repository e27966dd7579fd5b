//! Enterprise demands (企业诉求, policy 五(三)): a free-form request of an enterprise — or one
//! entered by staff on its behalf — routed to the responsible unit and tracked to closure:
//! submitted → routed (the bureau; re-routed with a reason) → accepted by the unit → in
//! progress (replies) → closed with the outcome → confirmed by the enterprise, or reopened with a
//! reason. The unit must answer within `App::demand_days` working days of the submission (or of
//! the re-routing or reopening); the state is shown as due, overdue, answered on time or late.
//!
//! A demand on a project can be turned into a problem on the escalation ladder: the problem is
//! raised with [`crate::problems`] in the same transaction and the demand shows its progress.
//!
//! Who sees what (enforced here): the enterprise its own demands; the staff of a unit (agents,
//! helpers, the unit leader) the demands routed to their unit; the bureau and the city leader
//! every demand. Anything else is `NotFound`.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::problems::{self, RaiseInput};
use crate::scope::{self, Scope};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType};
use daiban_domain::platform::{
    DemandAction, DemandSide, DemandStatus, DueState, allowed_demand_actions, apply_demand,
};
use daiban_domain::problem::ProblemCategory;
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{demand, demand_event, enterprise, problem, project, unit, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};
use serde::{Deserialize, Serialize};

/// The due time of a demand whose clock starts at `at`: `days` working days later.
fn due_from(app: &App, at: DateTime<Utc>) -> AppResult<(DateTime<Utc>, bool)> {
    let calendar = app.calendar();
    let input = ClockInput::new(
        ItemType::Committed,
        app.demand_days,
        at.with_timezone(&CHINA),
    );
    let st =
        clock::compute(&calendar, &input, at.with_timezone(&CHINA)).map_err(anyhow::Error::from)?;
    Ok((st.due_at.with_timezone(&Utc), st.provisional))
}

/// The progress of the problem a demand became.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedProblem {
    /// Problem id.
    pub id: i64,
    /// Its level on the ladder.
    pub level: String,
    /// `open`, `resolved` or `closed`.
    pub status: String,
    /// The responsible department.
    pub department_name: String,
    /// Left too long at its level.
    pub overdue: bool,
    /// The resolution, once resolved.
    pub resolution: String,
}

/// One step of a demand.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DemandEventView {
    /// `submit`, `route`, `accept`, `reply`, `close`, `confirm`, `reopen`, `escalate`.
    pub action: String,
    /// The status after it.
    pub status: String,
    /// The unit it was routed to (routing steps).
    pub unit_name: String,
    /// Who.
    pub actor_name: String,
    /// The reply, outcome or reason.
    pub note: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A demand as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DemandView {
    /// Id.
    pub id: i64,
    /// The enterprise.
    pub enterprise_id: i64,
    /// Its name.
    pub enterprise_name: String,
    /// The project it concerns, if any.
    pub project_id: Option<i64>,
    /// Its name.
    pub project_name: String,
    /// Title.
    pub title: String,
    /// What the enterprise asks.
    pub description: String,
    /// Category code (the problem categories: approval, land, utilities, planning, policy,
    /// funding, other).
    pub category: String,
    /// `submitted`, `routed`, `accepted`, `in_progress`, `escalated`, `closed`, `confirmed`.
    pub status: String,
    /// The unit it is routed to.
    pub unit_id: Option<i64>,
    /// Its name.
    pub unit_name: String,
    /// Who submitted or entered it.
    pub submitted_by_name: String,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// The answer is due by then.
    pub due_at: DateTime<Utc>,
    /// The due date lies past the published calendar.
    pub due_provisional: bool,
    /// `due`, `overdue`, `on_time` or `late`.
    pub due_state: String,
    /// When it was first answered since the clock last started.
    pub responded_at: Option<DateTime<Utc>>,
    /// The outcome, once closed.
    pub outcome: String,
    /// When closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The problem it became, with its progress.
    pub problem: Option<LinkedProblem>,
    /// The steps, oldest first.
    pub events: Vec<DemandEventView>,
    /// The actions the caller may take now.
    pub actions: Vec<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Restricts a demand query to what `actor` sees.
fn scoped(actor: &Actor, q: Select<demand::Entity>) -> AppResult<Select<demand::Entity>> {
    let s = scope::of(actor).map_err(|_| AppError::NotFound)?;
    Ok(match s {
        Scope::All => q,
        Scope::Enterprise(e) => q.filter(demand::Column::EnterpriseId.eq(e)),
        Scope::TownUnit(u) | Scope::Department(u) => q.filter(demand::Column::UnitId.eq(u)),
        Scope::MajorProjects => q.filter(
            demand::Column::ProjectId.in_subquery(
                Query::select()
                    .column(project::Column::Id)
                    .from(project::Entity)
                    .and_where(Expr::col(project::Column::Major).eq(true))
                    .to_owned(),
            ),
        ),
    })
}

/// Whether `actor` may take `action` on `m` (its side, not the state).
fn side_allows(actor: &Actor, m: &demand::Model, action: DemandAction) -> bool {
    match action.side() {
        DemandSide::Bureau => actor.is(Role::Coordinator),
        DemandSide::UnitOrBureau => {
            actor.is(Role::Coordinator)
                || (matches!(actor.role, Role::Agent | Role::Helper | Role::UnitLeader)
                    && actor.unit_id.is_some()
                    && actor.unit_id == m.unit_id)
        }
        DemandSide::Enterprise => {
            actor.is(Role::Enterprise) && actor.enterprise_id == Some(m.enterprise_id)
        }
    }
}

fn status_of(m: &demand::Model) -> DemandStatus {
    DemandStatus::from_code(&m.status).unwrap_or(DemandStatus::Submitted)
}

/// The actions `actor` may take on `m` now.
pub fn actions_for(actor: &Actor, m: &demand::Model) -> Vec<DemandAction> {
    allowed_demand_actions(status_of(m))
        .into_iter()
        .filter(|a| side_allows(actor, m, *a))
        .filter(|a| *a != DemandAction::Escalate || m.project_id.is_some())
        .collect()
}

async fn view<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    m: demand::Model,
    now: DateTime<Utc>,
) -> AppResult<DemandView> {
    let enterprise_name = enterprise::Entity::find_by_id(m.enterprise_id)
        .one(db)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    let project_name = match m.project_id {
        Some(p) => project::Entity::find_by_id(p)
            .one(db)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let problem = match m.problem_id {
        Some(pid) => match problem::Entity::find_by_id(pid).one(db).await? {
            Some(p) => Some(LinkedProblem {
                id: p.id,
                overdue: p.status == "open" && now > p.level_due_at,
                department_name: crate::users::unit_name(db, Some(p.department_id)).await?,
                level: p.level,
                status: p.status,
                resolution: p.resolution,
            }),
            None => None,
        },
        None => None,
    };
    let mut events = Vec::new();
    for e in demand_event::Entity::find()
        .filter(demand_event::Column::DemandId.eq(m.id))
        .order_by_asc(demand_event::Column::Id)
        .all(db)
        .await?
    {
        events.push(DemandEventView {
            unit_name: crate::users::unit_name(db, e.unit_id).await?,
            actor_name: crate::users::user_name(db, Some(e.actor_id)).await?,
            action: e.action,
            status: e.status,
            note: e.note,
            at: e.at,
        });
    }
    let due_state = due_state_of(&m, now);
    Ok(DemandView {
        actions: actions_for(actor, &m)
            .into_iter()
            .map(|a| a.code().to_owned())
            .collect(),
        id: m.id,
        enterprise_id: m.enterprise_id,
        enterprise_name,
        project_id: m.project_id,
        project_name,
        unit_name: crate::users::unit_name(db, m.unit_id).await?,
        submitted_by_name: crate::users::user_name(db, Some(m.submitted_by)).await?,
        title: m.title,
        description: m.description,
        category: m.category,
        status: m.status,
        unit_id: m.unit_id,
        submitted_at: m.submitted_at,
        due_at: m.due_at,
        due_provisional: m.due_provisional,
        due_state: due_state.code().to_owned(),
        responded_at: m.responded_at,
        outcome: m.outcome,
        closed_at: m.closed_at,
        problem,
        events,
        version: m.version,
    })
}

fn audit_view(m: &demand::Model) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "enterprise_id": m.enterprise_id,
        "project_id": m.project_id,
        "title": m.title,
        "description": m.description,
        "category": m.category,
        "status": m.status,
        "unit_id": m.unit_id,
        "due_at": m.due_at,
        "responded_at": m.responded_at,
        "outcome": m.outcome,
        "closed_at": m.closed_at,
        "problem_id": m.problem_id,
        "version": m.version,
    })
}

async fn event<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    m: &demand::Model,
    action: &str,
    actor_id: i64,
    unit_id: Option<i64>,
    note: &str,
) -> AppResult<()> {
    demand_event::Entity::insert(demand_event::ActiveModel {
        demand_id: Set(m.id),
        action: Set(action.to_owned()),
        status: Set(m.status.clone()),
        unit_id: Set(unit_id),
        actor_id: Set(actor_id),
        note: Set(note.to_owned()),
        at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The active staff of a unit (agents, helpers, its leader).
async fn unit_staff<C: ConnectionTrait>(db: &C, unit_id: i64) -> AppResult<Vec<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([
            Role::Agent.code(),
            Role::Helper.code(),
            Role::UnitLeader.code(),
        ]))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

async fn coordinators<C: ConnectionTrait>(db: &C) -> AppResult<Vec<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Coordinator.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Whether `id` is an active town unit or department (where a demand can be routed).
async fn routable<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<unit::Model>> {
    Ok(unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .filter(|u| {
            u.kind
                .parse::<UnitKind>()
                .is_ok_and(|k| k.is_town_unit() || k == UnitKind::Department)
        }))
}

/// A demand to submit (an enterprise user) or to enter on an enterprise's behalf (staff).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DemandInput {
    /// A short title (at most 200 characters).
    pub title: String,
    /// What the enterprise asks (at most 4000 characters).
    pub description: String,
    /// `approval`, `land`, `utilities`, `planning`, `policy`, `funding` or `other`.
    pub category: String,
    /// One of the enterprise's projects, if it concerns one.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// Staff only: the enterprise on whose behalf it is entered.
    #[serde(default)]
    pub enterprise_id: Option<i64>,
}

/// Submits a demand (an enterprise user, for its own enterprise) or enters one on an
/// enterprise's behalf (a coordinator for any enterprise; a town unit's staff for the
/// enterprises of their unit; a department's staff for any). Entered by a unit's staff, it is
/// routed to their unit at once (first-contact responsibility); otherwise the bureau's
/// coordinators are asked to route it.
///
/// # Errors
/// [`AppError::Forbidden`] for the administrator, the auditor and the city leader;
/// [`AppError::Invalid`] naming each broken rule.
pub async fn submit(
    app: &App,
    actor: &Actor,
    input: &DemandInput,
    meta: &Meta,
) -> AppResult<DemandView> {
    if matches!(actor.role, Role::Admin | Role::Auditor | Role::CityLeader) {
        return Err(forbidden());
    }
    let mut c = Checks::default();
    let title = c.text("title", "诉求标题", &input.title, 200);
    let description = c.text("description", "诉求内容", &input.description, 4000);
    if ProblemCategory::from_code(&input.category).is_none() {
        c.push(FieldError::new(
            "category",
            "unknown",
            "请选择诉求类别",
            "choose the category",
        ));
    }
    let now = app.now();
    let w = app.begin_write().await?;
    let enterprise_id = if actor.is(Role::Enterprise) {
        actor.enterprise_id.ok_or_else(forbidden)?
    } else {
        let e = match input.enterprise_id {
            Some(e) => enterprise::Entity::find_by_id(e).one(&w.txn).await?,
            None => None,
        };
        let town = actor.unit_kind.is_some_and(UnitKind::is_town_unit);
        match e {
            Some(e) if e.active && (!town || Some(e.unit_id) == actor.unit_id) => e.id,
            _ => {
                c.push(FieldError::new(
                    "enterprise_id",
                    "not_found",
                    if town {
                        "请选择本单位辖区内的企业"
                    } else {
                        "请选择企业"
                    },
                    "choose the enterprise (a town unit's staff: one of its own)",
                ));
                0
            }
        }
    };
    if let Some(pid) = input.project_id {
        let p = project::Entity::find_by_id(pid).one(&w.txn).await?;
        if p.is_none_or(|p| p.enterprise_id != enterprise_id) {
            c.push(FieldError::new(
                "project_id",
                "project",
                "所涉项目须为该企业的项目",
                "the project must be one of the enterprise's own",
            ));
        }
    }
    c.finish()?;
    let own_unit = match (actor.role, actor.unit_id) {
        (Role::Agent | Role::Helper | Role::UnitLeader, Some(u)) => {
            routable(&w.txn, u).await?.map(|u| u.id)
        }
        _ => None,
    };
    let (due_at, provisional) = due_from(app, now)?;
    let status = if own_unit.is_some() {
        DemandStatus::Routed
    } else {
        DemandStatus::Submitted
    };
    let m = demand::Entity::insert(demand::ActiveModel {
        enterprise_id: Set(enterprise_id),
        project_id: Set(input.project_id),
        title: Set(title),
        description: Set(description),
        category: Set(input.category.clone()),
        status: Set(status.code().to_owned()),
        unit_id: Set(own_unit),
        submitted_by: Set(actor.user_id),
        submitted_at: Set(now),
        due_at: Set(due_at),
        due_provisional: Set(provisional),
        responded_at: Set(None),
        outcome: Set(String::new()),
        closed_at: Set(None),
        problem_id: Set(None),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    event(&w.txn, now, &m, "submit", actor.user_id, own_unit, "").await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "demand.submit",
            object_type: "demand",
            object_id: m.id.to_string(),
            before: None,
            after: Some(audit_view(&m)),
        },
    )
    .await?;
    let n = Notice {
        kind: "demand".into(),
        title: Msg::new(
            format!("企业诉求：{}", m.title),
            format!("Enterprise demand: {}", m.title),
        ),
        body: Msg::new(
            if own_unit.is_some() {
                format!(
                    "企业诉求“{}”已由本单位受理登记，请及时受理并答复。",
                    m.title
                )
            } else {
                format!("收到企业诉求“{}”，请分派至责任单位。", m.title)
            },
            if own_unit.is_some() {
                format!(
                    "The demand \u{201c}{}\u{201d} was entered at your unit; accept and answer it in time.",
                    m.title
                )
            } else {
                format!(
                    "A demand \u{201c}{}\u{201d} came in; route it to the responsible unit.",
                    m.title
                )
            },
        ),
        project_id: m.project_id,
        case_item_id: None,
    };
    let to = match own_unit {
        Some(u) => unit_staff(&w.txn, u).await?,
        None => coordinators(&w.txn).await?,
    };
    for u in to.into_iter().filter(|u| *u != actor.user_id) {
        timeline::notify(&w.txn, now, Recipient::User(u), &n).await?;
    }
    let v = view(&w.txn, actor, m, now).await?;
    w.commit().await?;
    Ok(v)
}

/// Filters of the demand list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DemandFilter {
    /// One status.
    pub status: Option<String>,
    /// One unit.
    pub unit_id: Option<i64>,
    /// Only those still waiting for an outcome (`true`) or only the closed (`false`).
    pub open: Option<bool>,
    /// Only those past their response limit without an answer.
    pub overdue: Option<bool>,
}

/// The demands the caller sees, newest first.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn list(app: &App, actor: &Actor, f: &DemandFilter) -> AppResult<Vec<DemandView>> {
    let db = &app.db.conn;
    let now = app.now();
    scope::of(actor)?;
    let mut q = scoped(
        actor,
        demand::Entity::find().order_by_desc(demand::Column::Id),
    )?;
    if let Some(s) = &f.status {
        q = q.filter(demand::Column::Status.eq(s.as_str()));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(demand::Column::UnitId.eq(u));
    }
    if let Some(open) = f.open {
        let closed = [DemandStatus::Closed.code(), DemandStatus::Confirmed.code()];
        q = if open {
            q.filter(demand::Column::Status.is_not_in(closed))
        } else {
            q.filter(demand::Column::Status.is_in(closed))
        };
    }
    let mut out = Vec::new();
    for m in q.all(db).await? {
        let v = view(db, actor, m, now).await?;
        if f.overdue.is_none_or(|o| o == (v.due_state == "overdue")) {
            out.push(v);
        }
    }
    Ok(out)
}

/// One demand.
///
/// # Errors
/// [`AppError::NotFound`] when absent or out of the caller's sight.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<DemandView> {
    let db = &app.db.conn;
    let m = scoped(actor, demand::Entity::find_by_id(id))?
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    view(db, actor, m, app.now()).await
}

/// An action on a demand.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DemandActionInput {
    /// `route`, `accept`, `reply`, `close`, `confirm`, `reopen` or `escalate`.
    pub action: String,
    /// The version the caller saw.
    pub version: i32,
    /// `route`: the responsible unit (a town unit or a department).
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// The reply (`reply`), the outcome (`close`), the reason (`reopen`, a re-route), or a
    /// note.
    #[serde(default)]
    pub note: String,
    /// `escalate`: the responsible department, when the demand is not at a department.
    #[serde(default)]
    pub department_id: Option<i64>,
}

fn not_allowed(status: DemandStatus, action: &str) -> AppError {
    let allowed: Vec<&str> = allowed_demand_actions(status)
        .into_iter()
        .map(DemandAction::code)
        .collect();
    AppError::Conflict {
        code: "demand_state",
        message: Msg::new(
            format!(
                "该诉求当前状态（{}）不允许此操作（{action}）；可进行：{}",
                status.code(),
                allowed.join("、")
            ),
            format!(
                "a {} demand does not allow `{action}`; allowed: {}",
                status.code(),
                allowed.join(", ")
            ),
        ),
    }
}

/// Takes a step on a demand: the bureau routes or re-routes it (a re-route with a reason); the
/// unit (or the bureau) accepts it, replies, closes it with the outcome or turns it into a
/// problem on the ladder; the enterprise confirms the outcome or reopens it with a reason.
///
/// # Errors
/// [`AppError::NotFound`] out of sight; [`AppError::Forbidden`] for the wrong side;
/// `demand_state`, `version_conflict` (409); [`AppError::Invalid`] naming the field.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &DemandActionInput,
    meta: &Meta,
) -> AppResult<DemandView> {
    let Some(action) = DemandAction::from_code(&input.action) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "action",
            "unknown",
            "操作须为：分派、受理、答复、办结、确认、重新办理或转为矛盾问题",
            "action must be route, accept, reply, close, confirm, reopen or escalate",
        )]));
    };
    let now = app.now();
    let w = app.begin_write().await?;
    let m = scoped(actor, demand::Entity::find_by_id(id))?
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !side_allows(actor, &m, action) {
        return Err(forbidden());
    }
    let status = status_of(&m);
    let Some(to) = apply_demand(status, action) else {
        return Err(not_allowed(status, &input.action));
    };
    if m.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let note = c.optional_text("note", "说明", &input.note, 4000);
    if action.requires_text(status) && note.is_empty() {
        let (zh, en) = match action {
            DemandAction::Route => ("重新分派须说明理由", "a re-route needs its reason"),
            DemandAction::Reply => ("请填写答复内容", "write the reply"),
            DemandAction::Close => ("办结须写明办理结果", "a closure needs its outcome"),
            _ => ("重新办理须说明理由", "reopening needs its reason"),
        };
        c.push(FieldError::new("note", "required", zh, en));
    }
    let before = audit_view(&m);
    let mut am: demand::ActiveModel = m.clone().into();
    let mut event_unit = None;
    let mut notices: Vec<(Recipient, Notice)> = Vec::new();
    let notice = |zh: String, en: String| Notice {
        kind: "demand".into(),
        title: Msg::new(
            format!("企业诉求：{}", m.title),
            format!("Enterprise demand: {}", m.title),
        ),
        body: Msg::new(zh, en),
        project_id: m.project_id,
        case_item_id: None,
    };
    match action {
        DemandAction::Route => {
            let target = match input.unit_id {
                Some(u) => routable(&w.txn, u).await?,
                None => None,
            };
            let Some(target) = target else {
                c.push(FieldError::new(
                    "unit_id",
                    "unit",
                    "责任单位须为在用的乡镇（街道）、开发区或政府职能部门",
                    "the unit must be an active town unit or department",
                ));
                return Err(AppError::Invalid(c.0));
            };
            if m.unit_id == Some(target.id) {
                c.push(FieldError::new(
                    "unit_id",
                    "same_unit",
                    "该诉求已分派至此单位",
                    "the demand is already routed to this unit",
                ));
            }
            c.finish()?;
            if status != DemandStatus::Submitted {
                // A re-route restarts the response clock for the new unit.
                let (due, provisional) = due_from(app, now)?;
                am.due_at = Set(due);
                am.due_provisional = Set(provisional);
                am.responded_at = Set(None);
            }
            am.unit_id = Set(Some(target.id));
            event_unit = Some(target.id);
            let n = notice(
                format!(
                    "市行政审批局将企业诉求“{}”分派至{}，请及时受理并答复。",
                    m.title, target.name
                ),
                format!(
                    "The bureau routed the demand \u{201c}{}\u{201d} to {}; accept and answer it in time.",
                    m.title, target.name
                ),
            );
            for u in unit_staff(&w.txn, target.id).await? {
                notices.push((Recipient::User(u), n.clone()));
            }
        }
        DemandAction::Accept => {
            c.finish()?;
            notices.push((
                Recipient::Enterprise(m.enterprise_id),
                notice(
                    format!("您的诉求“{}”已由责任单位受理。", m.title),
                    format!(
                        "Your demand \u{201c}{}\u{201d} was accepted by the responsible unit.",
                        m.title
                    ),
                ),
            ));
        }
        DemandAction::Reply => {
            c.finish()?;
            if m.responded_at.is_none() {
                am.responded_at = Set(Some(now));
            }
            notices.push((
                Recipient::Enterprise(m.enterprise_id),
                notice(
                    format!("您的诉求“{}”有新的答复：{note}", m.title),
                    format!(
                        "Your demand \u{201c}{}\u{201d} has a reply: {note}",
                        m.title
                    ),
                ),
            ));
        }
        DemandAction::Close => {
            c.finish()?;
            if m.responded_at.is_none() {
                am.responded_at = Set(Some(now));
            }
            am.outcome = Set(note.clone());
            am.closed_at = Set(Some(now));
            notices.push((
                Recipient::Enterprise(m.enterprise_id),
                notice(
                    format!("您的诉求“{}”已办结：{note}。请确认办理结果，或说明理由申请重新办理。", m.title),
                    format!("Your demand \u{201c}{}\u{201d} was closed: {note}. Confirm the outcome, or reopen it with a reason.", m.title),
                ),
            ));
        }
        DemandAction::Confirm => {
            c.finish()?;
        }
        DemandAction::Reopen => {
            c.finish()?;
            let (due, provisional) = due_from(app, now)?;
            am.due_at = Set(due);
            am.due_provisional = Set(provisional);
            am.responded_at = Set(None);
            am.closed_at = Set(None);
            if let Some(u) = m.unit_id {
                let n = notice(
                    format!(
                        "企业对诉求“{}”的办理结果不满意，申请重新办理：{note}",
                        m.title
                    ),
                    format!(
                        "The enterprise reopened the demand \u{201c}{}\u{201d}: {note}",
                        m.title
                    ),
                );
                for s in unit_staff(&w.txn, u).await? {
                    notices.push((Recipient::User(s), n.clone()));
                }
            }
        }
        DemandAction::Escalate => {
            let Some(project_id) = m.project_id else {
                c.push(FieldError::new(
                    "project_id",
                    "required",
                    "只有涉及项目的诉求才能转为矛盾问题",
                    "only a demand on a project can become a problem",
                ));
                return Err(AppError::Invalid(c.0));
            };
            let at_department = match m.unit_id {
                Some(u) => unit::Entity::find_by_id(u)
                    .one(&w.txn)
                    .await?
                    .filter(|u| u.kind == UnitKind::Department.code())
                    .map(|u| u.id),
                None => None,
            };
            let Some(department_id) = input.department_id.or(at_department) else {
                c.push(FieldError::new(
                    "department_id",
                    "not_department",
                    "请选择责任部门",
                    "choose the responsible department",
                ));
                return Err(AppError::Invalid(c.0));
            };
            c.finish()?;
            let raised = problems::raise_in(
                app,
                &w.txn,
                actor,
                project_id,
                &RaiseInput {
                    title: m.title.clone(),
                    description: if note.is_empty() {
                        m.description.clone()
                    } else {
                        format!("{}\n\n{note}", m.description)
                    },
                    category: m.category.clone(),
                    department_id,
                    case_item_ids: Vec::new(),
                    at_site: false,
                },
                meta,
            )
            .await?;
            if m.responded_at.is_none() {
                am.responded_at = Set(Some(now));
            }
            am.problem_id = Set(Some(raised.id));
            notices.push((
                Recipient::Enterprise(m.enterprise_id),
                notice(
                    format!(
                        "您的诉求“{}”已转为矛盾问题，进入协调机制逐级办理。",
                        m.title
                    ),
                    format!(
                        "Your demand \u{201c}{}\u{201d} became a problem on the escalation ladder.",
                        m.title
                    ),
                ),
            ));
        }
    }
    am.status = Set(to.code().to_owned());
    am.version = Set(m.version + 1);
    am.updated_at = Set(now);
    let m = demand::Entity::update(am).exec(&w.txn).await?;
    event(
        &w.txn,
        now,
        &m,
        action.code(),
        actor.user_id,
        event_unit,
        &note,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: match action {
                DemandAction::Route => "demand.route",
                DemandAction::Accept => "demand.accept",
                DemandAction::Reply => "demand.reply",
                DemandAction::Close => "demand.close",
                DemandAction::Confirm => "demand.confirm",
                DemandAction::Reopen => "demand.reopen",
                DemandAction::Escalate => "demand.escalate",
            },
            object_type: "demand",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(audit_view(&m)),
        },
    )
    .await?;
    for (to, n) in &notices {
        if !matches!(to, Recipient::User(u) if *u == actor.user_id) {
            timeline::notify(&w.txn, now, *to, n).await?;
        }
    }
    let v = view(&w.txn, actor, m, now).await?;
    w.commit().await?;
    Ok(v)
}

/// The choices of the demand forms.
#[derive(Debug, Clone, Default)]
pub struct FormChoices {
    /// Units a demand may be routed to, `(id, name)`.
    pub units: Vec<(i64, String)>,
    /// Departments a problem may be raised with, `(id, name)`.
    pub departments: Vec<(i64, String)>,
    /// Projects the demand may concern: the enterprise's own, `(id, name)`.
    pub projects: Vec<(i64, String)>,
    /// Enterprises staff may enter a demand for, `(id, name)`.
    pub enterprises: Vec<(i64, String)>,
}

/// What the caller's demand forms offer.
///
/// # Errors
/// Database failure.
pub async fn form_choices(app: &App, actor: &Actor) -> AppResult<FormChoices> {
    let db = &app.db.conn;
    let units_all = unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?;
    let units = units_all
        .iter()
        .filter(|u| {
            u.kind
                .parse::<UnitKind>()
                .is_ok_and(|k| k.is_town_unit() || k == UnitKind::Department)
        })
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let departments = units_all
        .iter()
        .filter(|u| u.kind == UnitKind::Department.code())
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let projects = match (actor.role, actor.enterprise_id) {
        (Role::Enterprise, Some(e)) => project::Entity::find()
            .filter(project::Column::EnterpriseId.eq(e))
            .order_by_desc(project::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        _ => Vec::new(),
    };
    let enterprises = if actor.is(Role::Enterprise) {
        Vec::new()
    } else {
        let town = actor.unit_kind.is_some_and(UnitKind::is_town_unit);
        let mut q = enterprise::Entity::find()
            .filter(enterprise::Column::Active.eq(true))
            .order_by_asc(enterprise::Column::Id);
        if town {
            q = q.filter(enterprise::Column::UnitId.eq(actor.unit_id.unwrap_or(-1)));
        }
        q.all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect()
    };
    Ok(FormChoices {
        units,
        departments,
        projects,
        enterprises,
    })
}

/// How many open demands the caller sees and how many of them are overdue (home page).
///
/// # Errors
/// Database failure.
pub async fn open_counts(app: &App, actor: &Actor) -> AppResult<(usize, usize)> {
    if scope::of(actor).is_err() {
        return Ok((0, 0));
    }
    let now = app.now();
    let closed = [DemandStatus::Closed.code(), DemandStatus::Confirmed.code()];
    // The rows only: counting needs no names, events or linked problems.
    let open = scoped(actor, demand::Entity::find())?
        .filter(demand::Column::Status.is_not_in(closed))
        .all(&app.db.conn)
        .await?;
    let overdue = open
        .iter()
        .filter(|m| due_state_of(m, now) == DueState::Overdue)
        .count();
    Ok((open.len(), overdue))
}

/// Where a demand stands against its limit: the reply counts while it is open or once given,
/// else the closing.
fn due_state_of(m: &demand::Model, now: DateTime<Utc>) -> DueState {
    if status_of(m).is_open() || m.responded_at.is_some() {
        DueState::of(now, m.due_at, m.responded_at)
    } else {
        DueState::of(now, m.due_at, m.closed_at)
    }
}
