//! Return visits (回访, 《实施意见》五(二)三): the bureau follows up with an enterprise by phone,
//! on site or at a seminar about some of its projects, records the feedback and appraises each
//! agent and helper who served those projects (the staff member's overall appraisal, 综合评议);
//! a problem found during a visit is raised on one of its projects through the problem ladder.
//! Every project that completes a stage is due a return visit within `app.return_visit_days`
//! working days (the visit plan), entered in the same transaction as the stage change and done
//! by the first visit covering the project on or after it.
//!
//! The records are internal: coordinators record and read them, the city leader reads them, a
//! unit leader sees its people's appraisals, an agent or helper their own; enterprises, the
//! administrator and the auditor see none of it.

use crate::App;
use crate::activities::{self, HistoryEntry, PersonView};
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, forbidden};
use crate::problems::{ProblemView, RaiseInput};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::outreach::{AppraisalSummary, PlanState, VisitMethod, completed_stage};
use daiban_domain::project::ProjectStage;
use daiban_domain::rating::Rating;
use daiban_domain::role::Role;
use daiban_store::entity::{
    case_item, enterprise, problem, project, return_visit, return_visit_appraisal,
    return_visit_problem, return_visit_project, user, visit_plan,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The bureau reads visits and the plan; only coordinators write.
fn bureau_reads(actor: &Actor) -> AppResult<()> {
    if matches!(actor.role, Role::Coordinator | Role::CityLeader) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

fn china_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&CHINA).date_naive()
}

/// A project a visit concerned.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitProject {
    /// Project id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Stage code now.
    pub stage: String,
}

/// The appraisal of one staff member at a visit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppraisalView {
    /// The staff member.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Unit name.
    pub unit_name: String,
    /// Rating code on the five-level scale.
    pub rating: String,
    /// Comment.
    pub comment: String,
}

/// A problem raised from a visit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitProblem {
    /// Problem id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Title.
    pub title: String,
    /// Status code.
    pub status: String,
}

/// A return visit as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitView {
    /// Id.
    pub id: i64,
    /// Method code (`phone`, `on_site`, `seminar`).
    pub method: String,
    /// The day of the visit (China time).
    pub visited_on: NaiveDate,
    /// The enterprise.
    pub enterprise_id: i64,
    /// Its name.
    pub enterprise_name: String,
    /// Who took part (free text).
    pub participants: String,
    /// The enterprise's feedback.
    pub feedback: String,
    /// Who recorded it.
    pub recorded_by_name: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// The projects concerned.
    pub projects: Vec<VisitProject>,
    /// The appraisals of the staff who served them.
    pub appraisals: Vec<AppraisalView>,
    /// Problems raised from the visit.
    pub problems: Vec<VisitProblem>,
}

async fn view<C: ConnectionTrait>(db: &C, v: return_visit::Model) -> AppResult<VisitView> {
    let project_ids: Vec<i64> = return_visit_project::Entity::find()
        .filter(return_visit_project::Column::VisitId.eq(v.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.project_id)
        .collect();
    let projects = project::Entity::find()
        .filter(project::Column::Id.is_in(project_ids))
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| VisitProject {
            id: p.id,
            name: p.name,
            stage: p.stage,
        })
        .collect();
    let units = crate::units::names(db).await?;
    let mut appraisals = Vec::new();
    for a in return_visit_appraisal::Entity::find()
        .filter(return_visit_appraisal::Column::VisitId.eq(v.id))
        .order_by_asc(return_visit_appraisal::Column::Id)
        .all(db)
        .await?
    {
        let u = user::Entity::find_by_id(a.user_id).one(db).await?;
        appraisals.push(AppraisalView {
            user_id: a.user_id,
            name: u.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
            role: u.map(|u| u.role).unwrap_or_default(),
            unit_name: a
                .unit_id
                .and_then(|id| units.get(&id).cloned())
                .unwrap_or_default(),
            rating: a.rating,
            comment: a.comment,
        });
    }
    let problem_ids: Vec<i64> = return_visit_problem::Entity::find()
        .filter(return_visit_problem::Column::VisitId.eq(v.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.problem_id)
        .collect();
    let problems = problem::Entity::find()
        .filter(problem::Column::Id.is_in(problem_ids))
        .order_by_asc(problem::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| VisitProblem {
            id: p.id,
            project_id: p.project_id,
            title: p.title,
            status: p.status,
        })
        .collect();
    Ok(VisitView {
        enterprise_name: enterprise::Entity::find_by_id(v.enterprise_id)
            .one(db)
            .await?
            .map(|e| e.name)
            .unwrap_or_default(),
        recorded_by_name: crate::users::user_name(db, Some(v.recorded_by)).await?,
        id: v.id,
        method: v.method,
        visited_on: v.visited_on,
        enterprise_id: v.enterprise_id,
        participants: v.participants,
        feedback: v.feedback,
        created_at: v.created_at,
        projects,
        appraisals,
        problems,
    })
}

/// Every return visit, newest first (the bureau only).
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but coordinators and the city leader.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<VisitView>> {
    bureau_reads(actor)?;
    let mut out = Vec::new();
    for v in return_visit::Entity::find()
        .order_by_desc(return_visit::Column::VisitedOn)
        .order_by_desc(return_visit::Column::Id)
        .all(db)
        .await?
    {
        out.push(view(db, v).await?);
    }
    Ok(out)
}

/// One return visit (the bureau only).
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`].
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<VisitView> {
    bureau_reads(actor)?;
    let v = return_visit::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    view(db, v).await
}

/// An agent or helper who served some of the projects (acted on their case items, or took the
/// project on as the bureau's helper).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServedStaff {
    /// The staff member.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Role code (`agent` or `helper`).
    pub role: String,
    /// Unit name.
    pub unit_name: String,
    /// Which of the projects they served.
    pub project_ids: Vec<i64>,
}

/// The agents and helpers who served `project_ids`: those recorded on their case items as first
/// contact, agent or helper, and the bureau's helper of a major project.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but the bureau.
pub async fn served<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project_ids: &[i64],
) -> AppResult<Vec<ServedStaff>> {
    bureau_reads(actor)?;
    served_by(db, project_ids).await
}

pub(crate) async fn served_by<C: ConnectionTrait>(
    db: &C,
    project_ids: &[i64],
) -> AppResult<Vec<ServedStaff>> {
    if project_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_user: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for c in case_item::Entity::find()
        .filter(case_item::Column::ProjectId.is_in(project_ids.to_vec()))
        .all(db)
        .await?
    {
        for u in [c.first_contact_id, c.agent_id, c.helper_id]
            .into_iter()
            .flatten()
        {
            by_user.entry(u).or_default().insert(c.project_id);
        }
    }
    for p in project::Entity::find()
        .filter(project::Column::Id.is_in(project_ids.to_vec()))
        .all(db)
        .await?
    {
        if let Some(h) = p.bureau_helper_id {
            by_user.entry(h).or_default().insert(p.id);
        }
    }
    let units = crate::units::names(db).await?;
    let ids: Vec<i64> = by_user.keys().copied().collect();
    let mut out = Vec::new();
    for u in user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Role.is_in([Role::Agent.code(), Role::Helper.code()]))
        .order_by_asc(user::Column::UnitId)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
    {
        out.push(ServedStaff {
            unit_name: u
                .unit_id
                .and_then(|id| units.get(&id).cloned())
                .unwrap_or_default(),
            project_ids: by_user
                .get(&u.id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
            user_id: u.id,
            name: u.name,
            role: u.role,
        });
    }
    Ok(out)
}

/// An enterprise's projects, for the visit form (the bureau only).
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but the bureau.
pub async fn enterprise_projects<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    enterprise_id: i64,
) -> AppResult<Vec<VisitProject>> {
    bureau_reads(actor)?;
    Ok(project::Entity::find()
        .filter(project::Column::EnterpriseId.eq(enterprise_id))
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| VisitProject {
            id: p.id,
            name: p.name,
            stage: p.stage,
        })
        .collect())
}

/// The appraisal of one staff member.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AppraisalInput {
    /// An agent or helper who served the visit's projects.
    pub user_id: i64,
    /// Rating code on the five-level scale.
    pub rating: String,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// A return visit to record.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    /// `phone` (电话), `on_site` (入企走访) or `seminar` (座谈会).
    pub method: String,
    /// The day of the visit (China time); not in the future.
    pub visited_on: Option<NaiveDate>,
    /// The enterprise.
    pub enterprise_id: i64,
    /// The enterprise's projects concerned (at least one).
    #[serde(default)]
    pub project_ids: Vec<i64>,
    /// Who took part.
    #[serde(default)]
    pub participants: String,
    /// The enterprise's feedback, opinions and suggestions.
    pub feedback: String,
    /// Appraisals of the agents and helpers who served the projects.
    #[serde(default)]
    pub appraisals: Vec<AppraisalInput>,
}

/// A coordinator records a return visit with its appraisals; the plan entries of its projects
/// whose stage changed on or before the visit day are done.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but a coordinator; [`AppError::Invalid`] naming each
/// broken rule (method, day, enterprise, projects not the enterprise's, feedback, an appraisal
/// of someone who did not serve the projects, an unknown rating, one person appraised twice).
#[expect(
    clippy::too_many_lines,
    reason = "the checks and the records, in order"
)]
pub async fn record(
    app: &App,
    actor: &Actor,
    input: &VisitInput,
    meta: &Meta,
) -> AppResult<VisitView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let now = app.now();
    let mut c = Checks::default();
    let method = VisitMethod::from_code(input.method.trim());
    if method.is_none() {
        c.push(FieldError::new(
            "method",
            "unknown",
            "回访方式应为电话回访、入企走访或座谈会",
            "method must be phone, on_site or seminar",
        ));
    }
    match input.visited_on {
        None => c.push(FieldError::required("visited_on", "回访日期")),
        Some(d) if d > china_day(now) => c.push(FieldError::new(
            "visited_on",
            "future",
            "回访日期不能晚于今天",
            "visited_on cannot be in the future",
        )),
        Some(_) => {}
    }
    let participants = c.optional_text("participants", "参加人员", &input.participants, 500);
    let feedback = c.text("feedback", "企业意见和建议", &input.feedback, 4000);
    let ent = enterprise::Entity::find_by_id(input.enterprise_id)
        .one(&w.txn)
        .await?;
    if ent.is_none() {
        c.push(FieldError::new(
            "enterprise_id",
            "not_found",
            "请选择回访企业",
            "choose the enterprise visited",
        ));
    }
    let wanted: BTreeSet<i64> = input.project_ids.iter().copied().collect();
    let projects = if wanted.is_empty() {
        Vec::new()
    } else {
        project::Entity::find()
            .filter(project::Column::Id.is_in(wanted.iter().copied().collect::<Vec<_>>()))
            .filter(project::Column::EnterpriseId.eq(input.enterprise_id))
            .all(&w.txn)
            .await?
    };
    if wanted.is_empty() {
        c.push(FieldError::new(
            "project_ids",
            "required",
            "请选择回访涉及的项目",
            "choose the projects the visit concerned",
        ));
    } else if projects.len() != wanted.len() {
        c.push(FieldError::new(
            "project_ids",
            "not_of_enterprise",
            "所选项目须为该企业的项目",
            "the projects must be the enterprise's",
        ));
    }
    let served: BTreeMap<i64, ServedStaff> =
        served_by(&w.txn, &projects.iter().map(|p| p.id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|s| (s.user_id, s))
            .collect();
    let mut appraised = BTreeSet::new();
    for a in &input.appraisals {
        if Rating::from_code(a.rating.trim()).is_none() {
            c.push(FieldError::new(
                "appraisals",
                "unknown",
                "评议等级应为非常满意、满意、基本满意、不满意或非常不满意",
                "a rating is very_satisfied, satisfied, basic, dissatisfied or very_dissatisfied",
            ));
        }
        if !served.contains_key(&a.user_id) {
            c.push(FieldError::new(
                "appraisals",
                "not_served",
                "只能评议为所选项目提供过代办帮办服务的代办员、帮办员",
                "only the agents and helpers who served the chosen projects can be appraised",
            ));
        }
        if !appraised.insert(a.user_id) {
            c.push(FieldError::new(
                "appraisals",
                "duplicate",
                "同一回访中每人只评议一次",
                "each person is appraised once per visit",
            ));
        }
        if a.comment.trim().chars().count() > 1000 {
            c.push(FieldError::new(
                "appraisals",
                "too_long",
                "评议意见最多 1000 个字符",
                "an appraisal comment must be at most 1000 characters",
            ));
        }
    }
    c.finish()?;
    let (Some(method), Some(visited_on)) = (method, input.visited_on) else {
        return Err(AppError::Invalid(Vec::new()));
    };
    let id = return_visit::Entity::insert(return_visit::ActiveModel {
        method: Set(method.code().to_owned()),
        visited_on: Set(visited_on),
        enterprise_id: Set(input.enterprise_id),
        participants: Set(participants),
        feedback: Set(feedback),
        recorded_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    for p in &projects {
        return_visit_project::Entity::insert(return_visit_project::ActiveModel {
            visit_id: Set(id),
            project_id: Set(p.id),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
    }
    for a in &input.appraisals {
        let unit_id = user::Entity::find_by_id(a.user_id)
            .one(&w.txn)
            .await?
            .and_then(|u| u.unit_id);
        return_visit_appraisal::Entity::insert(return_visit_appraisal::ActiveModel {
            visit_id: Set(id),
            user_id: Set(a.user_id),
            unit_id: Set(unit_id),
            rating: Set(a.rating.trim().to_owned()),
            comment: Set(a.comment.trim().to_owned()),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
    }
    // The plan entries this visit covers: its projects, stage changed on or before the day.
    let mut covered = Vec::new();
    for e in visit_plan::Entity::find()
        .filter(
            visit_plan::Column::ProjectId.is_in(projects.iter().map(|p| p.id).collect::<Vec<_>>()),
        )
        .filter(visit_plan::Column::VisitId.is_null())
        .all(&w.txn)
        .await?
    {
        if china_day(e.stage_changed_at) <= visited_on {
            visit_plan::Entity::update_many()
                .col_expr(visit_plan::Column::VisitId, Expr::value(id))
                .col_expr(visit_plan::Column::VisitedOn, Expr::value(visited_on))
                .filter(visit_plan::Column::Id.eq(e.id))
                .exec(&w.txn)
                .await?;
            covered.push(e.id);
        }
    }
    let v = get(&w.txn, actor, id).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "return_visit.record",
            object_type: "return_visit",
            object_id: id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({"visit": audit::snapshot(&v)?, "plan_entries_done": covered}),
            ),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// A problem found at a return visit, raised on one of its projects.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct VisitProblemInput {
    /// One of the visit's projects.
    pub project_id: i64,
    /// The problem, as for raising one on the project.
    #[serde(flatten)]
    pub problem: RaiseInput,
}

/// A coordinator raises a problem found during a visit on one of the visit's projects, through
/// the problem ladder ([`crate::problems::raise`]), linked to the visit, in one transaction.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`] for an unknown visit;
/// [`AppError::Invalid`] for a project not of the visit, and the problem's own rules.
pub async fn raise_problem(
    app: &App,
    actor: &Actor,
    visit_id: i64,
    input: &VisitProblemInput,
    meta: &Meta,
) -> AppResult<ProblemView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    return_visit::Entity::find_by_id(visit_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let of_visit = return_visit_project::Entity::find()
        .filter(return_visit_project::Column::VisitId.eq(visit_id))
        .filter(return_visit_project::Column::ProjectId.eq(input.project_id))
        .one(&w.txn)
        .await?
        .is_some();
    if !of_visit {
        return Err(AppError::Invalid(vec![FieldError::new(
            "project_id",
            "not_of_visit",
            "问题须提在本次回访涉及的项目上",
            "the problem must be raised on one of the visit's projects",
        )]));
    }
    let p = crate::problems::raise_in(app, &w.txn, actor, input.project_id, &input.problem, meta)
        .await?;
    return_visit_problem::Entity::insert(return_visit_problem::ActiveModel {
        visit_id: Set(visit_id),
        problem_id: Set(p.id),
        ..Default::default()
    })
    .exec_without_returning(&w.txn)
    .await?;
    audit::append(
        &w.txn,
        app.now(),
        &actor.into(),
        meta,
        Change {
            action: "return_visit.problem",
            object_type: "return_visit",
            object_id: visit_id.to_string(),
            before: None,
            after: Some(serde_json::json!({"problem_id": p.id, "project_id": input.project_id})),
        },
    )
    .await?;
    w.commit().await?;
    Ok(p)
}

/// Puts a project that completed a stage on the visit plan, inside the stage change's
/// transaction: due `days` working days after the day of the change (China time). Moving
/// backwards or staying completes nothing; a stage completed twice keeps its first entry.
///
/// # Errors
/// Database failure.
pub(crate) async fn plan_after_stage<C: ConnectionTrait>(
    txn: &C,
    app: &App,
    project_id: i64,
    from: ProjectStage,
    to: ProjectStage,
    changed_at: DateTime<Utc>,
) -> AppResult<()> {
    let Some(done) = completed_stage(from, to) else {
        return Ok(());
    };
    let calendar = app.calendar();
    let now = app.now();
    let day = china_day(changed_at);
    let due = calendar
        .add_provisional(day, app.return_visit_days)
        .map_err(|e| crate::calendar::calendar_error("stage", &e))?;
    visit_plan::Entity::insert(visit_plan::ActiveModel {
        project_id: Set(project_id),
        stage: Set(done.code().to_owned()),
        next_stage: Set(to.code().to_owned()),
        stage_changed_at: Set(changed_at),
        due_on: Set(due.date),
        due_provisional: Set(due.provisional),
        visit_id: Set(None),
        visited_on: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([visit_plan::Column::ProjectId, visit_plan::Column::Stage])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// One entry of the visit plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanEntryView {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Its name.
    pub project_name: String,
    /// Its enterprise.
    pub enterprise_id: i64,
    /// The enterprise's name.
    pub enterprise_name: String,
    /// The project's town unit.
    pub unit_name: String,
    /// The stage completed (code).
    pub stage: String,
    /// The stage entered (code).
    pub next_stage: String,
    /// When the stage changed.
    pub stage_changed_at: DateTime<Utc>,
    /// Visit due by this day (China time).
    pub due_on: NaiveDate,
    /// The due day reaches into a year without a published arrangement.
    pub due_provisional: bool,
    /// `due`, `overdue`, `done` or `done_late`.
    pub state: String,
    /// The visit that covered it.
    pub visit_id: Option<i64>,
    /// Its day.
    pub visited_on: Option<NaiveDate>,
}

/// The visit plan as of `now`: overdue entries first (longest overdue first), then those due
/// (soonest first), then the visited ones (latest first). The bureau only.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but coordinators and the city leader.
pub async fn plan<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Vec<PlanEntryView>> {
    bureau_reads(actor)?;
    let today = china_day(now);
    let entries = visit_plan::Entity::find()
        .order_by_asc(visit_plan::Column::DueOn)
        .order_by_asc(visit_plan::Column::Id)
        .all(db)
        .await?;
    let project_ids: BTreeSet<i64> = entries.iter().map(|e| e.project_id).collect();
    let mut projects: BTreeMap<i64, project::Model> = BTreeMap::new();
    let project_ids: Vec<i64> = project_ids.into_iter().collect();
    for chunk in project_ids.chunks(500) {
        for p in project::Entity::find()
            .filter(project::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            projects.insert(p.id, p);
        }
    }
    let enterprises: BTreeMap<i64, String> = enterprise::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let units = crate::units::names(db).await?;
    let mut out: Vec<(PlanState, PlanEntryView)> = entries
        .into_iter()
        .map(|e| {
            let state = PlanState::of(e.due_on, e.visited_on, today);
            let p = projects.get(&e.project_id);
            let enterprise_id = p.map_or(0, |p| p.enterprise_id);
            (
                state,
                PlanEntryView {
                    id: e.id,
                    project_id: e.project_id,
                    project_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                    enterprise_id,
                    enterprise_name: enterprises.get(&enterprise_id).cloned().unwrap_or_default(),
                    unit_name: p
                        .and_then(|p| units.get(&p.unit_id).cloned())
                        .unwrap_or_default(),
                    stage: e.stage,
                    next_stage: e.next_stage,
                    stage_changed_at: e.stage_changed_at,
                    due_on: e.due_on,
                    due_provisional: e.due_provisional,
                    state: state.code().to_owned(),
                    visit_id: e.visit_id,
                    visited_on: e.visited_on,
                },
            )
        })
        .collect();
    let rank = |s: PlanState| match s {
        PlanState::Overdue => 0,
        PlanState::Due => 1,
        PlanState::Done | PlanState::DoneLate => 2,
    };
    out.sort_by(|(sa, a), (sb, b)| {
        rank(*sa).cmp(&rank(*sb)).then_with(|| {
            if sa.is_open() {
                (a.due_on, a.id).cmp(&(b.due_on, b.id))
            } else {
                (b.visited_on, b.id).cmp(&(a.visited_on, a.id))
            }
        })
    });
    Ok(out.into_iter().map(|(_, e)| e).collect())
}

/// One appraisal of a staff member, as their record shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppraisalEntry {
    /// The visit.
    pub visit_id: i64,
    /// Its day.
    pub visited_on: NaiveDate,
    /// Its method code.
    pub method: String,
    /// The enterprise visited.
    pub enterprise_name: String,
    /// Rating code.
    pub rating: String,
    /// Comment.
    pub comment: String,
}

/// A staff member's record: training history with discipline points, and the overall appraisal
/// (综合评议) from the return visits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffRecord {
    /// The person.
    pub person: PersonView,
    /// Activities invited to, newest first.
    pub activities: Vec<HistoryEntry>,
    /// Person-times of discipline findings.
    pub discipline_count: u32,
    /// Points those deduct in all (2 each).
    pub discipline_points: u32,
    /// Appraisals counted.
    pub appraisal_count: u32,
    /// Mean stars, in tenths (43 is 4.3); none without appraisals.
    pub mean_stars_tenths: Option<u32>,
    /// Mean democratic-appraisal points (非常满意 100, 满意/基本满意 80, 不满意 20).
    pub mean_points: Option<u32>,
    /// Every appraisal, newest first, with its comment.
    pub appraisals: Vec<AppraisalEntry>,
}

/// The record of staff member `user_id`: to the bureau, the person's unit leader, and the
/// person.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, the administrator and the auditor;
/// [`AppError::NotFound`] for an account outside the caller's sight.
pub async fn staff_record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    user_id: i64,
) -> AppResult<StaffRecord> {
    let person = activities::person_in_sight(db, actor, user_id).await?;
    let history = activities::history(db, actor, user_id).await?;
    let rows = return_visit_appraisal::Entity::find()
        .filter(return_visit_appraisal::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let mut appraisals = Vec::new();
    let mut ratings = Vec::new();
    for a in rows {
        let Some(v) = return_visit::Entity::find_by_id(a.visit_id).one(db).await? else {
            continue;
        };
        if let Some(r) = Rating::from_code(&a.rating) {
            ratings.push(r);
        }
        appraisals.push(AppraisalEntry {
            visit_id: v.id,
            visited_on: v.visited_on,
            method: v.method,
            enterprise_name: enterprise::Entity::find_by_id(v.enterprise_id)
                .one(db)
                .await?
                .map(|e| e.name)
                .unwrap_or_default(),
            rating: a.rating,
            comment: a.comment,
        });
    }
    appraisals.sort_by_key(|a| std::cmp::Reverse((a.visited_on, a.visit_id)));
    let summary = AppraisalSummary::of(ratings);
    let findings = history.iter().filter(|h| h.discipline_points > 0);
    Ok(StaffRecord {
        person,
        discipline_count: u32::try_from(findings.clone().count()).unwrap_or(u32::MAX),
        discipline_points: findings.map(|h| h.discipline_points).sum(),
        activities: history,
        appraisal_count: summary.count,
        mean_stars_tenths: summary.mean_stars_tenths(),
        mean_points: summary.mean_points(),
        appraisals,
    })
}
