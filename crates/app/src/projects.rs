//! Projects and their mandates (委托代办).
//!
//! An enterprise (or an agent for it) registers a project; a project whose industrial-policy
//! standing is restricted or eliminated is outside the free service and is declined with a
//! written explanation the enterprise sees; any other project is served once the enterprise signs
//! the mandate, which can then be suspended (中止), resumed (续办), concluded (办结) or terminated
//! (终止). A major project (≥ 5 亿元 or major urban construction) is taken on by a bureau helper
//! and shown on the bureau's priority board.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::names;
use crate::scope::{self, Scope};
use crate::timeline::{self, Event, Notice, Occurred, Recipient};
use daiban_domain::case_item::CaseState;
use daiban_domain::mandate::{MandateAction, MandateState, TerminationCause, apply_mandate};
use daiban_domain::project::{
    Investment, PolicyStanding, ProjectCode, ProjectStage, ProjectStatus, is_major,
};
use daiban_domain::role::Role;
use daiban_store::entity::{case_item, enterprise, mandate, project, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Kinds of project (建设性质).
pub const KINDS: [(&str, &str, &str); 4] = [
    ("new", "新建", "new build"),
    ("expansion", "扩建", "expansion"),
    ("renovation", "技术改造", "technical renovation"),
    ("relocation", "迁建", "relocation"),
];

/// A project as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    /// Id.
    pub id: i64,
    /// National project code (项目代码), once issued.
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// Enterprise id.
    pub enterprise_id: i64,
    /// Enterprise name.
    pub enterprise_name: String,
    /// Location unit id.
    pub unit_id: i64,
    /// Location unit name.
    pub unit_name: String,
    /// Total investment in 万元, exact.
    pub investment_wan: String,
    /// Industry.
    pub industry: String,
    /// Kind code (`new`, `expansion`, `renovation`, `relocation`).
    pub kind: String,
    /// Industrial-policy standing code.
    pub policy_standing: String,
    /// Flagged as a major urban-construction project.
    pub major_urban: bool,
    /// Major project (≥ 50,000 万元 or major urban construction).
    pub major: bool,
    /// The bureau helper who takes it on (major projects).
    pub bureau_helper_id: Option<i64>,
    /// The bureau helper's name.
    pub bureau_helper_name: String,
    /// Stage code.
    pub stage: String,
    /// Status code.
    pub status: String,
    /// Description.
    pub description: String,
    /// Why the free service was declined.
    pub decline_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Registered at.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

async fn view<C: ConnectionTrait>(db: &C, m: project::Model) -> AppResult<ProjectView> {
    views(db, vec![m])
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("a project without its view").into())
}

/// The views of `ms`, in their order, with the enterprise, unit and helper names read in one
/// query per table.
async fn views<C: ConnectionTrait>(db: &C, ms: Vec<project::Model>) -> AppResult<Vec<ProjectView>> {
    if ms.is_empty() {
        return Ok(Vec::new());
    }
    // The enterprises', units' and bureau helpers' names in one statement.
    let enterprise_ids: BTreeSet<i64> = ms.iter().map(|m| m.enterprise_id).collect();
    let unit_ids: BTreeSet<i64> = ms.iter().map(|m| m.unit_id).collect();
    let helper_ids: BTreeSet<i64> = ms.iter().filter_map(|m| m.bureau_helper_id).collect();
    let names = names::Names::default()
        .of(
            "e",
            enterprise::Entity,
            enterprise::Column::Id,
            enterprise::Column::Name,
            &enterprise_ids,
        )
        .units("u", &unit_ids)
        .users("n", &helper_ids)
        .read_maps(db)
        .await?;
    Ok(ms
        .into_iter()
        .map(|m| ProjectView {
            id: m.id,
            code: m.code,
            name: m.name,
            enterprise_id: m.enterprise_id,
            enterprise_name: names.get("e", Some(m.enterprise_id)),
            unit_id: m.unit_id,
            unit_name: names.get("u", Some(m.unit_id)),
            investment_wan: Investment::from_yuan(m.investment_yuan).to_string(),
            industry: m.industry,
            kind: m.kind,
            policy_standing: m.policy_standing,
            major_urban: m.major_urban,
            major: m.major,
            bureau_helper_id: m.bureau_helper_id,
            bureau_helper_name: names.get("n", m.bureau_helper_id),
            stage: m.stage,
            status: m.status,
            description: m.description,
            decline_reason: m.decline_reason,
            version: m.version,
            created_at: m.created_at,
        })
        .collect())
}

/// The fields of a new project.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProjectInput {
    /// Name.
    pub name: String,
    /// National project code, if already issued (24 characters; older codes are kept as typed).
    #[serde(default)]
    pub code: String,
    /// Enterprise id (staff only; an enterprise user registers for itself).
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    /// Location unit code; defaults to the enterprise's unit.
    #[serde(default)]
    pub unit: String,
    /// Total investment in 万元, e.g. `12000` or `3500.5`.
    pub investment_wan: String,
    /// Industry.
    #[serde(default)]
    pub industry: String,
    /// Kind code.
    #[serde(default)]
    pub kind: String,
    /// Industrial-policy standing code.
    pub policy_standing: String,
    /// Major urban-construction project.
    #[serde(default)]
    pub major_urban: bool,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// Filters of the project list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ProjectFilter {
    /// Location unit id.
    pub unit: Option<i64>,
    /// Stage code.
    pub stage: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Only major projects.
    pub major: Option<bool>,
    /// Text in the name or code.
    pub q: Option<String>,
    /// Only projects with an overdue (red) open case item (they always come first).
    pub overdue: Option<bool>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u64>,
    /// Offset.
    pub offset: Option<u64>,
}

/// Lists the projects in the caller's scope: those with an overdue (red) open item first, then
/// the newest; with `overdue`, only those.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &ProjectFilter,
) -> AppResult<(Vec<ProjectView>, u64)> {
    let scope = scope::of(actor)?;
    let mut q = scope::projects(scope, project::Entity::find());
    if let Some(u) = f.unit {
        q = q.filter(project::Column::UnitId.eq(u));
    }
    if let Some(s) = f.stage.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(project::Column::Stage.eq(s));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(project::Column::Status.eq(s));
    }
    if f.major == Some(true) {
        q = q.filter(project::Column::Major.eq(true));
    }
    let searched_for = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let searching = searched_for.is_some();
    if let Some(s) = searched_for {
        // On SQLite the search index's head (name and code, normalized: Latin letters in any
        // case, whitespace runs as one) answers it; on the generated province a `LIKE` read
        // all 100,000 projects, three times per page. Elsewhere, and for one character, the
        // `LIKE` does.
        let normalized = daiban_domain::consultation::normalize(s);
        if let Some(ids) =
            crate::search::ids_containing(db.get_database_backend(), "project", &normalized)?
        {
            q = q.filter(project::Column::Id.in_subquery(ids));
        } else {
            q = q.filter(
                project::Column::Name
                    .contains(s)
                    .or(project::Column::Code.contains(s)),
            );
        }
    }
    // The open items with a red warning, and their projects.
    let red_items = Condition::all()
        .add(case_item::Column::Warning.eq("red"))
        .add(case_item::Column::State.is_in(open_case_states()));
    let red = sea_orm::sea_query::Query::select()
        .column(case_item::Column::ProjectId)
        .from(case_item::Entity)
        .cond_where(red_items.clone())
        .to_owned();
    if f.overdue == Some(true) {
        q = q.filter(project::Column::Id.in_subquery(red.clone()));
    }
    let limit = Ord::min(f.limit.unwrap_or(50), 500);
    let offset = f.offset.unwrap_or(0);
    if searching {
        return searched(db, q, red, limit, offset).await;
    }
    // Every project (the bureau, no filter but `overdue`): the projects with a red item are
    // counted from the items' covering index alone, without looking each project up (on the
    // generated province 1,856 lookups, 3.7 ms of every such page).
    let everything = scope == Scope::All
        && f.unit.is_none()
        && f.stage.as_deref().is_none_or(str::is_empty)
        && f.status.as_deref().is_none_or(str::is_empty)
        && f.major != Some(true);
    let red_projects = async || -> AppResult<u64> {
        Ok(case_item::Entity::find()
            .select_only()
            .expr(Expr::col(case_item::Column::ProjectId).count_distinct())
            .filter(red_items.clone())
            .into_tuple::<i64>()
            .one(db)
            .await?
            .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    };
    let total = if everything && f.overdue == Some(true) {
        red_projects().await?
    } else {
        q.clone().count(db).await?
    };
    // Projects with an overdue item first, then the newest: a page of those with a red item,
    // then of the others, each in primary-key order, so that no page sorts every project.
    let reds = q
        .clone()
        .filter(project::Column::Id.in_subquery(red.clone()));
    // With `overdue`, every project counted has a red item: the same count again is not needed.
    let n_red = if f.overdue == Some(true) {
        total
    } else if everything {
        red_projects().await?
    } else {
        reds.clone().count(db).await?
    };
    let mut rows = Vec::new();
    if offset < n_red {
        rows = reds
            .order_by_desc(project::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(db)
            .await?;
    }
    let wanted = limit.saturating_sub(rows.len() as u64);
    if f.overdue != Some(true) && wanted > 0 {
        rows.extend(
            q.filter(project::Column::Id.not_in_subquery(red))
                .order_by_desc(project::Column::Id)
                .limit(wanted)
                .offset(offset.saturating_sub(n_red))
                .all(db)
                .await?,
        );
    }
    Ok((views(db, rows).await?, total))
}

/// A page of a search (`q`): the matching projects are read once, each with whether it has a
/// red item (their ids only), and counted and ordered here, red first, then newest; then the
/// page's rows. A search narrows the list to a few thousand projects at most on the generated
/// province (光伏: 6,250), where counting, counting the red and paging as separate statements
/// looked each match up three times.
async fn searched<C: ConnectionTrait>(
    db: &C,
    q: sea_orm::Select<project::Entity>,
    red: sea_orm::sea_query::SelectStatement,
    limit: u64,
    offset: u64,
) -> AppResult<(Vec<ProjectView>, u64)> {
    // Sorted here: asked to sort, SQLite walked all the projects backwards by key testing each
    // against the matches (23 ms) instead of looking the matches up.
    let mut found: Vec<(i64, bool)> = q
        .select_only()
        .column(project::Column::Id)
        .expr_as(Expr::col(project::Column::Id).in_subquery(red), "red")
        .into_tuple()
        .all(db)
        .await?;
    found.sort_unstable_by_key(|f| std::cmp::Reverse(f.0));
    let total = found.len() as u64;
    let page: Vec<i64> = found
        .iter()
        .filter(|(_, red)| *red)
        .chain(found.iter().filter(|(_, red)| !*red))
        .map(|(id, _)| *id)
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let mut rows = project::Entity::find()
        .filter(project::Column::Id.is_in(page.iter().copied()))
        .all(db)
        .await?;
    rows.sort_by_key(|r| page.iter().position(|id| *id == r.id));
    Ok((views(db, rows).await?, total))
}

/// The codes of the open case-item states (every state but the concluded ones), from the
/// domain. Filters name these rather than exclude the concluded ones, so that an index on the
/// state reads only the open items (on the generated province 290,909 of 2.04 million: `NOT IN`
/// read the whole index, 131 ms for the board's count, `IN` 7 ms).
pub fn open_case_states() -> impl Iterator<Item = &'static str> {
    CaseState::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(CaseState::code)
}

/// One project within scope.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside the caller's scope.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<ProjectView> {
    let scope = scope::of(actor).map_err(|_| AppError::NotFound)?;
    let m = scope::projects(scope, project::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    view(db, m).await
}

pub(crate) async fn model_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<project::Model> {
    let scope = scope::of(actor).map_err(|_| AppError::NotFound)?;
    scope::projects(scope, project::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether `actor` acts for the project as its agent side: an agent or leader of its town unit,
/// or the bureau (coordinators; bureau helpers on major projects).
pub fn acts_as_agent(actor: &Actor, p: &project::Model) -> bool {
    match actor.role {
        Role::Coordinator => true,
        Role::Agent => actor.unit_id == Some(p.unit_id),
        Role::Helper => p.major && p.bureau_helper_id == Some(actor.user_id),
        _ => false,
    }
}

fn field(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new(field, code, zh, en)
}

/// Registers a project. An enterprise user registers for its own enterprise; an agent for an
/// enterprise of its unit; a coordinator for any. The project starts as requested.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each broken rule.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: &ProjectInput,
    meta: &Meta,
) -> AppResult<ProjectView> {
    let w = app.begin_write().await?;
    let enterprise_id = match actor.role {
        Role::Enterprise => actor.enterprise_id.ok_or_else(forbidden)?,
        Role::Agent | Role::Coordinator => input.enterprise_id.ok_or_else(|| {
            AppError::Invalid(vec![FieldError::required("enterprise_id", "企业")])
        })?,
        _ => return Err(forbidden()),
    };
    let ent = enterprise::Entity::find_by_id(enterprise_id)
        .one(&w.txn)
        .await?
        .ok_or_else(|| {
            AppError::Invalid(vec![field(
                "enterprise_id",
                "not_found",
                "企业不存在",
                "the enterprise does not exist",
            )])
        })?;
    let mut c = Checks::default();
    let name = c.text("name", "项目名称", &input.name, 200);
    let code = if input.code.trim().is_empty() {
        None
    } else {
        match ProjectCode::parse(&input.code) {
            Ok(pc) => Some(pc.as_str().to_owned()),
            Err(e) => {
                c.push(field(
                    "code",
                    "project_code",
                    format!("项目代码无效：{}", e.message_zh()),
                    format!("invalid project code: {e}"),
                ));
                None
            }
        }
    };
    let investment = match Investment::parse_wan(&input.investment_wan) {
        Ok(i) => Some(i),
        Err(e) => {
            c.push(field(
                "investment_wan",
                "investment",
                format!("总投资（万元）无效：{}", e.message_zh()),
                format!("invalid total investment (10k yuan): {e}"),
            ));
            None
        }
    };
    let standing = PolicyStanding::from_code(&input.policy_standing);
    if standing.is_none() {
        c.push(field(
            "policy_standing",
            "unknown",
            "请选择产业政策类别（鼓励类、允许类、限制类、淘汰类）",
            "choose the industrial-policy standing (encouraged, permitted, restricted, eliminated)",
        ));
    }
    let kind = if input.kind.is_empty() {
        "new"
    } else {
        input.kind.as_str()
    };
    if !KINDS.iter().any(|k| k.0 == kind) {
        c.push(field(
            "kind",
            "unknown",
            "建设性质无效",
            "unknown project kind",
        ));
    }
    let industry = c.optional_text("industry", "所属行业", &input.industry, 100);
    let description = c.optional_text("description", "项目概况", &input.description, 2000);
    let unit_id = if input.unit.trim().is_empty() {
        ent.unit_id
    } else {
        match crate::units::find_by_code(&w.txn, input.unit.trim()).await? {
            Some(u)
                if u.kind
                    .parse::<daiban_domain::unit::UnitKind>()
                    .is_ok_and(daiban_domain::unit::UnitKind::is_town_unit) =>
            {
                u.id
            }
            _ => {
                c.push(field(
                    "unit",
                    "not_town",
                    "项目所在地须为乡镇、街道或开发区",
                    "the location must be a town, subdistrict or development zone",
                ));
                0
            }
        }
    };
    if actor.is(Role::Agent) && actor.unit_id != Some(unit_id) {
        c.push(field(
            "unit",
            "outside_unit",
            "代办员只能登记本辖区的项目",
            "an agent registers projects of its own unit only",
        ));
    }
    if let Some(code) = &code
        && project::Entity::find()
            .filter(project::Column::Code.eq(code))
            .count(&w.txn)
            .await?
            > 0
    {
        c.push(field(
            "code",
            "duplicate",
            "该项目代码已登记",
            "this project code is already registered",
        ));
    }
    c.finish()?;
    let (Some(investment), Some(standing)) = (investment, standing) else {
        return Err(AppError::Invalid(Vec::new()));
    };
    let now = app.now();
    let id = project::Entity::insert(project::ActiveModel {
        code: Set(code),
        name: Set(name),
        enterprise_id: Set(enterprise_id),
        unit_id: Set(unit_id),
        investment_yuan: Set(investment.yuan()),
        industry: Set(industry),
        kind: Set(kind.to_owned()),
        policy_standing: Set(standing.code().to_owned()),
        major_urban: Set(input.major_urban),
        major: Set(is_major(investment, input.major_urban)),
        bureau_helper_id: Set(None),
        stage: Set(ProjectStage::Registration.code().to_owned()),
        status: Set(ProjectStatus::Requested.code().to_owned()),
        description: Set(description),
        decline_reason: Set(None),
        created_by: Set(Some(actor.user_id)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    let m = project::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::search::index_project(&w.txn, &m).await?;
    let v = view(&w.txn, m).await?;
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        (now, false),
        "",
        Event {
            project_id: id,
            kind: "project.register",
            to_state: Some(ProjectStatus::Requested.code()),
            ..Default::default()
        },
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "project.create",
            object_type: "project",
            object_id: id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

async fn set_status<C: ConnectionTrait>(
    txn: &C,
    p: &project::Model,
    version: i32,
    status: ProjectStatus,
    decline_reason: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let mut u = project::Entity::update_many()
        .col_expr(project::Column::Status, Expr::value(status.code()))
        .col_expr(project::Column::Version, Expr::value(version + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(now));
    if let Some(r) = decline_reason {
        u = u.col_expr(project::Column::DeclineReason, Expr::value(r));
    }
    let res = u
        .filter(project::Column::Id.eq(p.id))
        .filter(project::Column::Version.eq(version))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    Ok(())
}

/// Declines the free service for a restricted or eliminated project, with the written
/// explanation the enterprise will read. A project that conforms to the industrial policy cannot
/// be declined: refusing an eligible request is itself a fault under the evaluation.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Conflict`] when the project is not awaiting a decision
/// or was changed; [`AppError::Invalid`] without an explanation or for a conforming project.
pub async fn decline(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    explanation: &str,
    meta: &Meta,
) -> AppResult<ProjectView> {
    let w = app.begin_write().await?;
    let p = model_in_scope(&w.txn, actor, id).await?;
    if !acts_as_agent(actor, &p) {
        return Err(forbidden());
    }
    let mut c = Checks::default();
    let explanation = c.text("explanation", "书面说明", explanation, 2000);
    let standing = PolicyStanding::from_code(&p.policy_standing);
    if standing.is_some_and(PolicyStanding::is_served) {
        c.push(field(
            "policy_standing",
            "eligible",
            "该项目符合产业政策，属于无偿代办范围，不得拒绝代办",
            "the project conforms to the industrial policy: the free service may not be refused",
        ));
    }
    c.finish()?;
    if p.status != ProjectStatus::Requested.code() {
        return Err(not_requested(&p.status));
    }
    let now = app.now();
    set_status(
        &w.txn,
        &p,
        version,
        ProjectStatus::Declined,
        Some(explanation.clone()),
        now,
    )
    .await?;
    finish_project_change(
        &w.txn,
        now,
        actor,
        meta,
        &p,
        "project.decline",
        Some(ProjectStatus::Declined.code()),
        &explanation,
        Msg::new("项目不予代办", "Project declined"),
        Msg::new(
            format!("您的项目“{}”不属于无偿代办范围。说明：{explanation}", p.name),
            format!(
                "Your project \"{}\" is outside the free agency service. Explanation: {explanation}",
                p.name
            ),
        ),
    )
    .await?;
    let v = view(&w.txn, reload(&w.txn, id).await?).await?;
    w.commit().await?;
    Ok(v)
}

fn not_requested(status: &str) -> AppError {
    let s = ProjectStatus::from_code(status);
    AppError::Conflict {
        code: "project_state",
        message: Msg::new(
            format!(
                "项目当前状态为“{}”，只有待受理的项目可以签订委托或不予代办",
                s.map_or_else(|| status.to_owned(), |x| x.label_zh().to_owned())
            ),
            format!(
                "the project is {}: only a requested project can be mandated or declined",
                s.map_or_else(|| status.to_owned(), |x| x.label_en().to_owned())
            ),
        ),
    }
}

async fn reload<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<project::Model> {
    project::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one record of one change: all of it is needed"
)]
async fn finish_project_change<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    meta: &Meta,
    p: &project::Model,
    action: &str,
    to_state: Option<&str>,
    note: &str,
    title: Msg,
    body: Msg,
) -> AppResult<()> {
    timeline::record(
        txn,
        now,
        Some(actor),
        (now, false),
        "",
        Event {
            project_id: p.id,
            kind: action,
            from_state: Some(&p.status),
            to_state,
            note,
            ..Default::default()
        },
    )
    .await?;
    timeline::notify(
        txn,
        now,
        Recipient::Enterprise(p.enterprise_id),
        &Notice {
            kind: "progress".into(),
            title,
            body,
            project_id: Some(p.id),
            case_item_id: None,
        },
    )
    .await?;
    let after = reload(txn, p.id).await?;
    audit::append(
        txn,
        now,
        &actor.into(),
        meta,
        Change {
            action,
            object_type: "project",
            object_id: p.id.to_string(),
            before: Some(serde_json::json!({"status": p.status, "version": p.version})),
            after: Some(
                serde_json::json!({"status": after.status, "version": after.version, "note": note}),
            ),
        },
    )
    .await
}

/// A mandate as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MandateView {
    /// Id.
    pub id: i64,
    /// Project id.
    pub project_id: i64,
    /// State code.
    pub state: String,
    /// What the agents may do.
    pub scope: String,
    /// The agents named.
    pub agents: Vec<MandateAgent>,
    /// Who signed it.
    pub signed_by_name: String,
    /// When.
    pub signed_at: chrono::DateTime<chrono::Utc>,
    /// The reason of the last suspension, resumption, conclusion or termination.
    pub last_reason: String,
    /// When it was concluded or terminated.
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it was terminated (`enterprise_decision`, `policy_or_planning`, `staff_fault`, `other`).
    pub termination_cause: Option<String>,
    /// The staff member at fault, for a project lost through a staff member's own fault.
    pub fault_user_name: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// An agent named in a mandate.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MandateAgent {
    /// User id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
}

/// The mandate of a project, if signed.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn mandate<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i64,
) -> AppResult<Option<MandateView>> {
    model_in_scope(db, actor, project_id).await?;
    let Some(m) = mandate::Entity::find()
        .filter(mandate::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let ids: Vec<i64> = serde_json::from_str(&m.agent_ids).map_err(anyhow::Error::from)?;
    let agents = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| MandateAgent {
            id: u.id,
            name: u.name,
            phone: u.phone,
        })
        .collect();
    let signed_by_name = crate::users::user_name(db, m.signed_by).await?;
    let fault_user_name = match m.fault_user_id {
        Some(id) => Some(crate::users::user_name(db, Some(id)).await?),
        None => None,
    };
    Ok(Some(MandateView {
        id: m.id,
        project_id: m.project_id,
        state: m.state,
        scope: m.scope,
        agents,
        signed_by_name,
        signed_at: m.signed_at,
        last_reason: m.last_reason,
        closed_at: m.closed_at,
        termination_cause: m.termination_cause,
        fault_user_name,
        version: m.version,
    }))
}

/// The mandate to sign.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MandateInput {
    /// The project's version the signer saw.
    pub project_version: i32,
    /// The agents named (user ids of agents of the project's unit); empty names them all.
    #[serde(default)]
    pub agent_ids: Vec<i64>,
    /// What the agents may do on the enterprise's behalf.
    pub scope: String,
    /// The enterprise confirms that the service is voluntary and free of charge.
    pub free_and_voluntary: bool,
}

/// The enterprise signs the mandate (委托代办): voluntary and free of charge, naming the agents
/// and the scope. An agent may record a mandate the enterprise signed on paper. The project
/// becomes active.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Conflict`] unless the project is requested;
/// [`AppError::Invalid`] for an unserved project, a missing scope or confirmation, or agents not
/// of the project's unit.
pub async fn sign_mandate(
    app: &App,
    actor: &Actor,
    project_id: i64,
    input: &MandateInput,
    meta: &Meta,
) -> AppResult<MandateView> {
    let w = app.begin_write().await?;
    let p = model_in_scope(&w.txn, actor, project_id).await?;
    if !(actor.is(Role::Enterprise) || acts_as_agent(actor, &p)) {
        return Err(forbidden());
    }
    if p.status != ProjectStatus::Requested.code() {
        return Err(not_requested(&p.status));
    }
    let mut c = Checks::default();
    let scope_text = c.text("scope", "委托事项范围", &input.scope, 2000);
    if !input.free_and_voluntary {
        c.push(field(
            "free_and_voluntary",
            "required",
            "请确认本委托出于自愿且代办服务免费",
            "confirm that the mandate is voluntary and the service free of charge",
        ));
    }
    if PolicyStanding::from_code(&p.policy_standing).is_some_and(|s| !s.is_served()) {
        c.push(field(
            "policy_standing",
            "not_served",
            "限制类、淘汰类项目不属于无偿代办范围",
            "restricted and eliminated projects are outside the free service",
        ));
    }
    let unit_agents: Vec<i64> = user::Entity::find()
        .filter(user::Column::UnitId.eq(p.unit_id))
        .filter(user::Column::Role.eq(Role::Agent.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(&w.txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let agents = if input.agent_ids.is_empty() {
        unit_agents.clone()
    } else {
        input.agent_ids.clone()
    };
    if agents.is_empty() || agents.iter().any(|a| !unit_agents.contains(a)) {
        c.push(field(
            "agent_ids",
            "not_unit_agent",
            "受托代办员须为项目所在地的在岗代办员",
            "the agents must be active agents of the project's unit",
        ));
    }
    c.finish()?;
    let now = app.now();
    set_status(
        &w.txn,
        &p,
        input.project_version,
        ProjectStatus::Active,
        None,
        now,
    )
    .await?;
    mandate::Entity::insert(mandate::ActiveModel {
        project_id: Set(p.id),
        state: Set(MandateState::Active.code().to_owned()),
        scope: Set(scope_text.clone()),
        agent_ids: Set(serde_json::to_string(&agents).map_err(anyhow::Error::from)?),
        signed_by: Set(Some(actor.user_id)),
        signed_at: Set(now),
        last_reason: Set(String::new()),
        closed_at: Set(None),
        termination_cause: Set(None),
        fault_user_id: Set(None),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&w.txn)
    .await?;
    finish_project_change(
        &w.txn,
        now,
        actor,
        meta,
        &p,
        "mandate.sign",
        Some(ProjectStatus::Active.code()),
        &scope_text,
        Msg::new("委托代办已生效", "Mandate in effect"),
        Msg::new(
            format!("项目“{}”的委托代办已签订，代办员将全程无偿代办。", p.name),
            format!(
                "The mandate for \"{}\" is signed; the agents will carry the approvals free of charge.",
                p.name
            ),
        ),
    )
    .await?;
    let v = mandate(&w.txn, actor, project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    w.commit().await?;
    Ok(v)
}

/// One action on a mandate.
#[derive(Debug, Clone)]
pub struct MandateStep {
    /// Suspend, resume, conclude or terminate.
    pub action: MandateAction,
    /// The mandate's version last read.
    pub version: i32,
    /// Why.
    pub reason: String,
    /// For a termination: why it ends (required).
    pub cause: Option<TerminationCause>,
    /// For a project lost through a staff member's own fault: the agent or helper who served the
    /// project and is at fault.
    pub fault_user_id: Option<i64>,
}

/// Suspends (中止), resumes (续办), concludes (办结) or terminates (终止) a mandate; the project's
/// status follows. A termination names its cause; a project lost through a staff member's own
/// fault names that member (an agent or helper who served the project), and a proposed
/// `project_lost` finding against their unit is written in the same transaction, for the bureau
/// to confirm or dismiss.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Conflict`] for an action the mandate's state does not
/// allow (the message names the state) or a stale version; [`AppError::Invalid`] without a
/// reason, a termination without its cause, or a staff-fault termination without a staff member
/// who served the project.
pub async fn mandate_action(
    app: &App,
    actor: &Actor,
    project_id: i64,
    step: &MandateStep,
    meta: &Meta,
) -> AppResult<MandateView> {
    let (action, version) = (step.action, step.version);
    let w = app.begin_write().await?;
    let p = model_in_scope(&w.txn, actor, project_id).await?;
    if !(actor.is(Role::Enterprise) || acts_as_agent(actor, &p)) {
        return Err(forbidden());
    }
    let m = mandate::Entity::find()
        .filter(mandate::Column::ProjectId.eq(project_id))
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut c = Checks::default();
    let reason = c.text("reason", "原因", &step.reason, 1000);
    let (cause, fault) = if action == MandateAction::Terminate {
        termination_checks(&w.txn, &mut c, project_id, step).await?
    } else {
        (None, None)
    };
    c.finish()?;
    let from = MandateState::from_code(&m.state)
        .ok_or_else(|| anyhow::anyhow!("unknown mandate state {}", m.state))?;
    let to = apply_mandate(from, action).map_err(|e| AppError::Conflict {
        code: "mandate_state",
        message: Msg::new(e.message_zh(), e.to_string()),
    })?;
    let now = app.now();
    let closed = matches!(to, MandateState::Concluded | MandateState::Terminated);
    let res = mandate::Entity::update_many()
        .col_expr(mandate::Column::State, Expr::value(to.code()))
        .col_expr(mandate::Column::LastReason, Expr::value(reason.clone()))
        .col_expr(
            mandate::Column::ClosedAt,
            Expr::value(if closed { Some(now) } else { None }),
        )
        .col_expr(
            mandate::Column::TerminationCause,
            Expr::value(cause.map(|c| c.code().to_owned())),
        )
        .col_expr(
            mandate::Column::FaultUserId,
            Expr::value(fault.as_ref().map(|u| u.id)),
        )
        .col_expr(mandate::Column::Version, Expr::value(version + 1))
        .col_expr(mandate::Column::UpdatedAt, Expr::value(now))
        .filter(mandate::Column::Id.eq(m.id))
        .filter(mandate::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    let status = match to {
        MandateState::Active => ProjectStatus::Active,
        MandateState::Suspended => ProjectStatus::Paused,
        MandateState::Concluded => ProjectStatus::Completed,
        MandateState::Terminated => ProjectStatus::Terminated,
    };
    set_status(&w.txn, &p, p.version, status, None, now).await?;
    if let Some(u) = &fault {
        crate::findings::insert(
            &w.txn,
            now,
            &app.scheme,
            crate::findings::NewFinding {
                unit_id: u
                    .unit_id
                    .ok_or_else(|| anyhow::anyhow!("staff without a unit"))?,
                rule: "project_lost".into(),
                occurred_on: now.with_timezone(&daiban_domain::clock::CHINA).date_naive(),
                evidence_kind: "project".into(),
                evidence_id: Some(p.id),
                evidence_label: format!("项目流失：{}（{}）", p.name, u.name),
                project_id: Some(p.id),
                detected_key: Some(format!("project_lost:{}", p.id)),
                note: reason.clone(),
                source: crate::findings::Source::Detected,
                recorded_by: Some(actor.user_id),
                confirmed_by: None,
            },
        )
        .await?;
    }
    let reason = match cause {
        Some(c) => format!("{}：{reason}", c.label_zh()),
        None => reason,
    };
    finish_project_change(
        &w.txn,
        now,
        actor,
        meta,
        &p,
        &format!("mandate.{}", action.code()),
        Some(status.code()),
        &reason,
        Msg::new(
            format!("委托代办{}", action.label_zh()),
            format!("Mandate: {}", action.label_en()),
        ),
        Msg::new(
            format!(
                "项目“{}”的委托代办已{}。原因：{reason}",
                p.name,
                action.label_zh()
            ),
            format!(
                "The mandate for \"{}\" was {}. Reason: {reason}",
                p.name,
                action.label_en()
            ),
        ),
    )
    .await?;
    let v = mandate(&w.txn, actor, project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    w.commit().await?;
    Ok(v)
}

/// The agents and helpers who served a project (first contact, agent or helper of its case
/// items, its bureau helper, the agents its mandate names), by id: those a termination for a
/// staff member's own fault may name.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn fault_candidates<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i64,
) -> AppResult<Vec<(i64, String)>> {
    model_in_scope(db, actor, project_id).await?;
    Ok(served_staff(db, project_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

async fn served_staff<C: ConnectionTrait>(db: &C, project_id: i64) -> AppResult<Vec<user::Model>> {
    let mut ids: Vec<i64> = crate::visits::served_by(db, &[project_id])
        .await?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    if let Some(m) = mandate::Entity::find()
        .filter(mandate::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
    {
        let agents: Vec<i64> = serde_json::from_str(&m.agent_ids).map_err(anyhow::Error::from)?;
        ids.extend(agents);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::UnitId.is_not_null())
        .filter(user::Column::Role.is_in([Role::Agent.code(), Role::Helper.code()]))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

/// The cause of a termination and, for a staff fault, the staff member at fault: one who served
/// the project (first contact, agent or helper of its case items, or its bureau helper).
async fn termination_checks<C: ConnectionTrait>(
    db: &C,
    c: &mut Checks,
    project_id: i64,
    step: &MandateStep,
) -> AppResult<(Option<TerminationCause>, Option<user::Model>)> {
    let Some(cause) = step.cause else {
        c.push(FieldError::new(
            "cause",
            "required",
            "终止委托代办须选择终止原因",
            "a termination needs its cause",
        ));
        return Ok((None, None));
    };
    if !cause.names_staff() {
        return Ok((Some(cause), None));
    }
    let fault = match step.fault_user_id {
        Some(id) => served_staff(db, project_id)
            .await?
            .into_iter()
            .find(|u| u.id == id),
        None => None,
    };
    if fault.is_none() {
        c.push(FieldError::new(
            "fault_user_id",
            "not_served",
            "因工作人员个人原因流失的项目须选定为该项目服务过的代办员或帮办员",
            "a project lost through a staff member's fault must name an agent or helper who served it",
        ));
    }
    Ok((Some(cause), fault))
}

/// A coordinator assigns a bureau helper to a major project.
///
/// # Errors
/// [`AppError::Forbidden`] for others; [`AppError::Invalid`] when the project is not major or the
/// user is not a bureau helper; [`AppError::Conflict`] on a stale version.
pub async fn assign_bureau_helper(
    app: &App,
    actor: &Actor,
    project_id: i64,
    version: i32,
    helper_id: i64,
    meta: &Meta,
) -> AppResult<ProjectView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let p = model_in_scope(&w.txn, actor, project_id).await?;
    let mut c = Checks::default();
    if !p.major {
        c.push(field(
            "project",
            "not_major",
            "只有重大项目由市行政审批局帮办员帮办",
            "only major projects are taken on by a bureau helper",
        ));
    }
    let helper = user::Entity::find_by_id(helper_id).one(&w.txn).await?;
    let bureau = crate::units::find_by_code(&w.txn, "BUREAU").await?;
    let ok = helper.as_ref().is_some_and(|h| {
        h.role == Role::Helper.code()
            && h.active
            && bureau.as_ref().is_some_and(|b| Some(b.id) == h.unit_id)
    });
    if !ok {
        c.push(field(
            "helper_id",
            "not_bureau_helper",
            "所选人员不是市行政审批局的在岗帮办员",
            "the person chosen is not an active helper of the bureau",
        ));
    }
    c.finish()?;
    let now = app.now();
    let res = project::Entity::update_many()
        .col_expr(project::Column::BureauHelperId, Expr::value(helper_id))
        .col_expr(project::Column::Version, Expr::value(version + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(p.id))
        .filter(project::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    let name = helper.map(|h| h.name).unwrap_or_default();
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        (now, false),
        "",
        Event {
            project_id: p.id,
            kind: "project.bureau_helper",
            note: &name,
            ..Default::default()
        },
    )
    .await?;
    timeline::notify(
        &w.txn,
        now,
        Recipient::User(helper_id),
        &Notice {
            kind: "assignment".into(),
            title: Msg::new("重大项目帮办", "Major project assigned"),
            body: Msg::new(
                format!("您已被指派帮办重大项目“{}”。", p.name),
                format!("You take on the major project \"{}\".", p.name),
            ),
            project_id: Some(p.id),
            case_item_id: None,
        },
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "project.assign_bureau_helper",
            object_type: "project",
            object_id: p.id.to_string(),
            before: Some(serde_json::json!({"bureau_helper_id": p.bureau_helper_id})),
            after: Some(serde_json::json!({"bureau_helper_id": helper_id})),
        },
    )
    .await?;
    let v = view(&w.txn, reload(&w.txn, p.id).await?).await?;
    w.commit().await?;
    Ok(v)
}

/// Moves a project to another stage (the agent side records progress: e.g. construction
/// started).
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Invalid`] for an unknown stage; [`AppError::Conflict`]
/// for a stale version or a project that is not active.
pub async fn set_stage(
    app: &App,
    actor: &Actor,
    project_id: i64,
    version: i32,
    stage: &str,
    occurred: &Occurred,
    meta: &Meta,
) -> AppResult<ProjectView> {
    let w = app.begin_write().await?;
    let p = model_in_scope(&w.txn, actor, project_id).await?;
    if !acts_as_agent(actor, &p) {
        return Err(forbidden());
    }
    let Some(stage) = ProjectStage::from_code(stage) else {
        return Err(AppError::Invalid(vec![field(
            "stage",
            "unknown",
            "项目阶段无效",
            "unknown project stage",
        )]));
    };
    if p.status != ProjectStatus::Active.code() {
        return Err(AppError::Conflict {
            code: "project_state",
            message: Msg::new(
                "只有代办中的项目可以变更阶段",
                "only an active project changes stage",
            ),
        });
    }
    let now = app.now();
    let when = occurred.resolve(now)?;
    let res = project::Entity::update_many()
        .col_expr(project::Column::Stage, Expr::value(stage.code()))
        .col_expr(project::Column::Version, Expr::value(version + 1))
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(p.id))
        .filter(project::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    if let Some(from) = ProjectStage::from_code(&p.stage) {
        crate::visits::plan_after_stage(&w.txn, app, p.id, from, stage, when.0).await?;
    }
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        when,
        &occurred.backdate_reason,
        Event {
            project_id: p.id,
            kind: "project.stage",
            from_state: Some(&p.stage),
            to_state: Some(stage.code()),
            ..Default::default()
        },
    )
    .await?;
    timeline::notify(
        &w.txn,
        now,
        Recipient::Enterprise(p.enterprise_id),
        &Notice {
            kind: "progress".into(),
            title: Msg::new("项目阶段更新", "Project stage updated"),
            body: Msg::new(
                format!("项目“{}”进入“{}”阶段。", p.name, stage.label_zh()),
                format!(
                    "Project \"{}\" entered the stage: {}.",
                    p.name,
                    stage.label_en()
                ),
            ),
            project_id: Some(p.id),
            case_item_id: None,
        },
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "project.stage",
            object_type: "project",
            object_id: p.id.to_string(),
            before: Some(serde_json::json!({"stage": p.stage})),
            after: Some(serde_json::json!({"stage": stage.code()})),
        },
    )
    .await?;
    let v = view(&w.txn, reload(&w.txn, p.id).await?).await?;
    w.commit().await?;
    Ok(v)
}

/// One event of a project's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    /// Id.
    pub id: i64,
    /// Case item, if any.
    pub case_item_id: Option<i64>,
    /// Kind.
    pub kind: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: Option<String>,
    /// Who.
    pub actor_name: String,
    /// Their role code.
    pub actor_role: String,
    /// When it happened.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// When it was entered.
    pub entered_at: chrono::DateTime<chrono::Utc>,
    /// Back-dated entry (补录).
    pub backdated: bool,
    /// Why it was back-dated.
    pub backdate_reason: String,
    /// Note.
    pub note: String,
    /// Material codes touched.
    pub materials: Vec<String>,
    /// Details.
    pub data: serde_json::Value,
}

impl From<daiban_store::entity::project_event::Model> for EventView {
    fn from(m: daiban_store::entity::project_event::Model) -> Self {
        Self {
            id: m.id,
            case_item_id: m.case_item_id,
            kind: m.kind,
            from_state: m.from_state,
            to_state: m.to_state,
            actor_name: m.actor_name,
            actor_role: m.actor_role,
            occurred_at: m.occurred_at,
            entered_at: m.entered_at,
            backdated: m.backdated,
            backdate_reason: m.backdate_reason,
            note: m.note,
            materials: serde_json::from_str(&m.materials).unwrap_or_default(),
            data: serde_json::from_str(&m.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The timeline of a project, newest first.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn events<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i64,
) -> AppResult<Vec<EventView>> {
    use daiban_store::entity::project_event;
    model_in_scope(db, actor, project_id).await?;
    // A department sees the project's own events and those of its items only. That is filtered
    // here, over the project's events read by the project's index: written in SQL, the
    // `case_item_id IS NULL OR case_item_id IN (…)` led SQLite through the index on the item,
    // where the project-level events of every project share the `NULL` (0.5 to 1.5 s per item
    // page on the generated province).
    let own: Option<BTreeSet<i64>> = match scope::of(actor)? {
        Scope::Department(d) => Some(
            scope::case_items(Scope::Department(d), case_item::Entity::find())
                .filter(case_item::Column::ProjectId.eq(project_id))
                .select_only()
                .column(case_item::Column::Id)
                .into_tuple::<i64>()
                .all(db)
                .await?
                .into_iter()
                .collect(),
        ),
        _ => None,
    };
    Ok(project_event::Entity::find()
        .filter(project_event::Column::ProjectId.eq(project_id))
        .order_by_desc(project_event::Column::OccurredAt)
        .order_by_desc(project_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|e| match (&own, e.case_item_id) {
            (Some(own), Some(item)) => own.contains(&item),
            _ => true,
        })
        .map(EventView::from)
        .collect())
}

/// An item on the critical path.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PathItem {
    /// Item code.
    pub code: String,
    /// Item name.
    pub name: String,
}

/// The expected completion of a project and the path that decides it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpectedCompletion {
    /// The expected completion date (China time), if anything remains or was done.
    pub date: Option<chrono::NaiveDate>,
    /// A year on the way has no published holiday arrangement: the date is provisional.
    pub provisional: bool,
    /// The items on the critical path, in order.
    pub critical_path: Vec<PathItem>,
    /// Items counted that the project has not requested yet (with their committed limits).
    pub not_started: u64,
}

/// The expected completion date of a project: the critical path through the prerequisite items,
/// in working days from today's state. Items concluded count on their conclusion date; items
/// under review on their due date (today if overdue); items not yet with the department, and
/// the catalog's unconditional items the project has not requested yet, take the agent's one
/// working day plus their committed limit after their prerequisites. Items rejected, withdrawn
/// or not acceptable are left out.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn expected_completion<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project_id: i64,
    calendar: &daiban_domain::calendar::Calendar,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<ExpectedCompletion> {
    use daiban_domain::case_item::CaseState;
    use daiban_domain::schedule::{Progress, ScheduleNode, expected_completion as schedule};
    use std::collections::BTreeMap;
    model_in_scope(db, actor, project_id).await?;
    let china = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&daiban_domain::clock::CHINA).date_naive()
    };
    let today = china(now);
    let items = crate::catalog::list(db, &crate::catalog::CatalogFilter::default()).await?;
    let by_code: BTreeMap<&str, &crate::catalog::CatalogItemView> =
        items.iter().map(|i| (i.code.as_str(), i)).collect();
    let cases = case_item::Entity::find()
        .filter(case_item::Column::ProjectId.eq(project_id))
        .order_by_asc(case_item::Column::Id)
        .all(db)
        .await?;
    // code → (progress, limit); the latest case of a code wins.
    let mut progress: BTreeMap<String, Progress> = BTreeMap::new();
    let mut excluded = std::collections::BTreeSet::new();
    for c in &cases {
        let state = CaseState::from_code(&c.state);
        let p = match state {
            Some(CaseState::Approved) => Progress::Done {
                on: china(c.concluded_at.unwrap_or(now)),
            },
            Some(CaseState::Rejected | CaseState::Withdrawn | CaseState::NotAcceptable) => {
                excluded.insert(c.item_code.clone());
                continue;
            }
            Some(CaseState::InReview | CaseState::Suspended | CaseState::ReportedUp) => {
                Progress::InProgress {
                    due: c.due_at.map_or(today, china),
                }
            }
            _ => Progress::NotStarted {
                limit_days: 1 + u32::try_from(c.limit_days).unwrap_or(0),
            },
        };
        excluded.remove(&c.item_code);
        progress.insert(c.item_code.clone(), p);
    }
    let mut not_started = 0;
    for i in &items {
        if !progress.contains_key(&i.code)
            && !excluded.contains(&i.code)
            && i.applies_when.trim().is_empty()
        {
            progress.insert(
                i.code.clone(),
                Progress::NotStarted {
                    limit_days: 1 + u32::try_from(i.committed_limit_days).unwrap_or(0),
                },
            );
            not_started += 1;
        }
    }
    let codes: Vec<String> = progress.keys().cloned().collect();
    let id_of = |code: &str| {
        codes
            .iter()
            .position(|c| c == code)
            .map(|p| i64::try_from(p).unwrap_or(0))
    };
    let nodes: Vec<ScheduleNode> = progress
        .into_iter()
        .map(|(code, p)| ScheduleNode {
            id: id_of(&code).unwrap_or(0),
            prerequisites: by_code
                .get(code.as_str())
                .map(|i| {
                    i.prerequisites
                        .iter()
                        .filter_map(|pre| id_of(pre))
                        .collect()
                })
                .unwrap_or_default(),
            progress: p,
        })
        .collect();
    let s = schedule(&nodes, today, calendar)
        .map_err(|e| anyhow::anyhow!("expected completion of project {project_id}: {e}"))?;
    let critical_path = s
        .critical_path
        .iter()
        .filter_map(|id| usize::try_from(*id).ok().and_then(|i| codes.get(i)))
        .map(|code| {
            let name = by_code
                .get(code.as_str())
                .map(|i| i.name.clone())
                .unwrap_or_default();
            PathItem {
                code: code.clone(),
                name,
            }
        })
        .collect();
    Ok(ExpectedCompletion {
        date: s.completion,
        provisional: s.provisional,
        critical_path,
        not_started,
    })
}
