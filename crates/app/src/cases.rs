//! Case items (办件): requesting catalog items for a project, and every transition of their
//! lifecycle with its clock, its one-time notices and its materials.
//!
//! Each transition is one transaction: the new state (guarded by the version the caller saw,
//! so of two conflicting transitions one wins and the other gets a conflict), the timeline
//! event (with the time it happened and the time it was entered), the materials touched, the
//! enterprise's progress notice in the outbox, and the audit entry.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::batch::{self, Batch};
use crate::catalog::{self, CatalogItemView};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::names;
use crate::projects::{acts_as_agent, model_in_scope};
use crate::scope;
use crate::timeline::{self, Event, Notice, Occurred, Recipient};
use chrono::{DateTime, FixedOffset, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::case_item::{
    ActionSide, CaseAction, CaseState, allowed_actions, apply, missing_materials, notice_breach,
};
use daiban_domain::clock::{
    self, CHINA, ClockInput, ClockState, Extension, ItemType, Suspension, SuspensionPolicy,
    SuspensionReason,
};
use daiban_domain::custody::CustodyState;
use daiban_domain::project::ProjectStatus;
use daiban_domain::role::Role;
use daiban_store::entity::{
    case_extension, case_item, case_item_department, case_suspension, catalog_item, material,
    one_time_notice, project, unit, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A case item as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseItemView {
    /// Id.
    pub id: i64,
    /// Project id.
    pub project_id: i64,
    /// Project name.
    pub project_name: String,
    /// The catalog revision it was opened with.
    pub catalog_item_id: i64,
    /// Item code.
    pub item_code: String,
    /// Item name.
    pub item_name: String,
    /// Lead department id.
    pub department_id: i64,
    /// Lead department name.
    pub department_name: String,
    /// Co-departments (joint items).
    pub co_department_names: Vec<String>,
    /// The project's town unit.
    pub unit_id: i64,
    /// Type code.
    pub item_type: String,
    /// Limit in working days (the committed limit; report-up limit for upward items).
    pub limit_days: i32,
    /// State code.
    pub state: String,
    /// The agent who first took the request (首问负责).
    pub first_contact_name: String,
    /// The agent carrying it.
    pub agent_name: String,
    /// The department's helper handling it.
    pub helper_name: String,
    /// Requested at.
    pub requested_at: DateTime<Utc>,
    /// Accepted by the agent at.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Materials complete at.
    pub materials_complete_at: Option<DateTime<Utc>>,
    /// The agent's submission is due at (1 working day after the materials are complete).
    pub submit_due_at: Option<DateTime<Utc>>,
    /// Submitted to the department at.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Accepted by the helper at (the clock starts).
    pub review_started_at: Option<DateTime<Utc>>,
    /// The department's step is due at (report-up for upward items).
    pub due_at: Option<DateTime<Utc>>,
    /// The due date reaches into a year whose holidays are not published yet.
    pub due_provisional: bool,
    /// Reported up at.
    pub reported_up_at: Option<DateTime<Utc>>,
    /// Concluded at.
    pub concluded_at: Option<DateTime<Utc>>,
    /// The reason or explanation of the conclusion.
    pub outcome_note: String,
    /// Warning level as of the last monitor run: `none`, `yellow`, `red`.
    pub warning: String,
    /// Optimistic-concurrency version.
    pub version: i32,
}

async fn view<C: ConnectionTrait>(db: &C, m: case_item::Model) -> AppResult<CaseItemView> {
    views(db, vec![m])
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("a case item without its view").into())
}

/// The views of `ms`, in their order, with the names they show read in one query per table
/// (projects, co-departments, units, users) rather than per item.
async fn views<C: ConnectionTrait>(
    db: &C,
    ms: Vec<case_item::Model>,
) -> AppResult<Vec<CaseItemView>> {
    if ms.is_empty() {
        return Ok(Vec::new());
    }
    let names = ViewNames::read(db, &ms).await?;
    Ok(ms.into_iter().map(|m| view_named(m, &names)).collect())
}

/// The view of `m` with `names` (which must hold its project, departments and people).
fn view_named(m: case_item::Model, names: &ViewNames) -> CaseItemView {
    let ViewNames { names, co } = names;
    CaseItemView {
        id: m.id,
        project_id: m.project_id,
        project_name: names.get("p", Some(m.project_id)),
        catalog_item_id: m.catalog_item_id,
        item_code: m.item_code,
        item_name: m.item_name,
        department_id: m.department_id,
        department_name: names.get("u", Some(m.department_id)),
        co_department_names: co
            .get(&m.id)
            .map(|ds| ds.iter().map(|(_, n)| n.clone()).collect())
            .unwrap_or_default(),
        unit_id: m.unit_id,
        item_type: m.item_type,
        limit_days: m.limit_days,
        state: m.state,
        first_contact_name: names.get("n", m.first_contact_id),
        agent_name: names.get("n", m.agent_id),
        helper_name: names.get("n", m.helper_id),
        requested_at: m.requested_at,
        accepted_at: m.accepted_at,
        materials_complete_at: m.materials_complete_at,
        submit_due_at: m.submit_due_at,
        submitted_at: m.submitted_at,
        review_started_at: m.review_started_at,
        due_at: m.due_at,
        due_provisional: m.due_provisional,
        reported_up_at: m.reported_up_at,
        concluded_at: m.concluded_at,
        outcome_note: m.outcome_note,
        warning: m.warning,
        version: m.version,
    }
}

/// The names case-item views show, read in one statement (a `UNION ALL` over projects,
/// co-departments with their units' names, lead departments and people): a view is on every
/// transition's answer and every list, so one round trip instead of four.
struct ViewNames {
    /// Projects (`p`), lead departments (`u`) and people (`n`).
    names: names::NameMaps,
    /// Co-departments of each item, ordered by department id: (department id, name).
    co: BTreeMap<i64, Vec<(i64, String)>>,
}

impl ViewNames {
    async fn read<C: ConnectionTrait>(db: &C, ms: &[case_item::Model]) -> AppResult<Self> {
        let ids: BTreeSet<i64> = ms.iter().map(|m| m.id).collect();
        let project_ids: BTreeSet<i64> = ms.iter().map(|m| m.project_id).collect();
        let unit_ids: BTreeSet<i64> = ms.iter().map(|m| m.department_id).collect();
        let user_ids: BTreeSet<i64> = ms
            .iter()
            .flat_map(|m| [m.first_contact_id, m.agent_id, m.helper_id])
            .flatten()
            .collect();
        let rows = names::Names::default()
            .of(
                "p",
                project::Entity,
                project::Column::Id,
                project::Column::Name,
                &project_ids,
            )
            .with(co_departments(
                Expr::col((
                    case_item_department::Entity,
                    case_item_department::Column::CaseItemId,
                ))
                .is_in(ids.iter().copied()),
            ))
            .units("u", &unit_ids)
            .users("n", &user_ids)
            .read(db)
            .await?;
        Ok(Self::from_rows(rows))
    }

    /// The names the view of item `id` shows after `actor` acts on it, as one statement read
    /// with the item before the writer slot: an action changes none of its project,
    /// departments and co-departments, and names no one but the actor as its first contact,
    /// agent or helper. The view after the commit then needs no read of its own.
    fn after_action(id: i64, actor: &Actor) -> Option<SelectStatement> {
        let of_item = |col| column_of_item(id, col);
        let user_id = Expr::col((user::Entity, user::Column::Id));
        names::Names::default()
            .of_where(
                "p",
                project::Entity,
                project::Column::Id,
                project::Column::Name,
                project::Column::Id.in_subquery(of_item(case_item::Column::ProjectId)),
            )
            .with(co_departments(
                Expr::col((
                    case_item_department::Entity,
                    case_item_department::Column::CaseItemId,
                ))
                .eq(id),
            ))
            .of_where(
                "u",
                unit::Entity,
                unit::Column::Id,
                unit::Column::Name,
                Expr::col((unit::Entity, unit::Column::Id))
                    .in_subquery(of_item(case_item::Column::DepartmentId)),
            )
            .of_where(
                "n",
                user::Entity,
                user::Column::Id,
                user::Column::Name,
                user_id
                    .clone()
                    .in_subquery(of_item(case_item::Column::FirstContactId))
                    .or(user_id
                        .clone()
                        .in_subquery(of_item(case_item::Column::AgentId)))
                    .or(user_id
                        .clone()
                        .in_subquery(of_item(case_item::Column::HelperId)))
                    .or(user_id.eq(actor.user_id)),
            )
            .statement()
    }

    fn from_rows(rows: Vec<names::NameRow>) -> Self {
        let (co_rows, rows): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.kind == "c");
        let mut names = Self {
            names: rows.into_iter().collect(),
            co: BTreeMap::new(),
        };
        for r in co_rows {
            names.co.entry(r.key).or_default().push((r.sub, r.name));
        }
        for ds in names.co.values_mut() {
            ds.sort_by_key(|(d, _)| *d);
        }
        names
    }
}

/// `SELECT col FROM case_items WHERE id = id`, for a subquery.
fn column_of_item(id: i64, col: case_item::Column) -> SelectStatement {
    Query::select()
        .column(col)
        .from(case_item::Entity)
        .and_where(case_item::Column::Id.eq(id))
        .to_owned()
}

/// The co-departments part of a names read: `(c, case item, department, its name)` of the
/// items `which` selects.
fn co_departments(which: SimpleExpr) -> SelectStatement {
    Query::select()
        .expr_as(Expr::cust("'c'"), "kind")
        .expr_as(
            Expr::col((
                case_item_department::Entity,
                case_item_department::Column::CaseItemId,
            )),
            "key",
        )
        .expr_as(
            Expr::col((
                case_item_department::Entity,
                case_item_department::Column::DepartmentId,
            )),
            "sub",
        )
        .expr_as(Expr::col((unit::Entity, unit::Column::Name)), "name")
        .from(case_item_department::Entity)
        .inner_join(
            unit::Entity,
            Expr::col((unit::Entity, unit::Column::Id)).equals((
                case_item_department::Entity,
                case_item_department::Column::DepartmentId,
            )),
        )
        .and_where(which)
        .to_owned()
}

/// Filters of the case-item list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CaseFilter {
    /// Project id.
    pub project: Option<i64>,
    /// State code; `open` for every open state.
    pub state: Option<String>,
    /// Warning level (`yellow`, `red`).
    pub warning: Option<String>,
    /// Only the items due (any step) on or before the end of today, China time.
    pub due_today: Option<bool>,
    /// Only items where the caller is the agent or the helper.
    pub mine: Option<bool>,
    /// Page size (default 100, at most 500).
    pub limit: Option<u64>,
    /// Offset.
    pub offset: Option<u64>,
}

/// Lists the case items in the caller's scope: red first, then by due time.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &CaseFilter,
    now: DateTime<Utc>,
) -> AppResult<(Vec<CaseItemView>, u64)> {
    let total = count(db, actor, f, now).await?;
    Ok((page(db, actor, f, now).await?, total))
}

/// One page of [`list`], without the count.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &CaseFilter,
    now: DateTime<Utc>,
) -> AppResult<Vec<CaseItemView>> {
    let q = filtered(actor, f, now)?;
    let limit = Ord::min(f.limit.unwrap_or(100), 500);
    let offset = f.offset.unwrap_or(0);
    let by_due = |q: Select<case_item::Entity>, limit: u64, offset: u64| {
        q.order_by_asc(case_item::Column::DueAt)
            .order_by_desc(case_item::Column::Id)
            .limit(limit)
            .offset(offset)
    };
    // Within one warning level the rank is the same for every row: ordered by due date alone,
    // the list reads its page straight from the (warning, due_at) index.
    if f.warning.as_deref().is_some_and(|w| !w.is_empty()) {
        return views(db, by_due(q, limit, offset).all(db).await?).await;
    }
    // Red first, then yellow, then the rest, each by due date: one level at a time, so that a
    // page of the most urgent reads those rows only instead of ranking every open item (12 ms
    // for a large department's workbench on the generated province). A later page counts the
    // levels before it to know where it starts.
    let levels = [
        case_item::Column::Warning.eq("red"),
        case_item::Column::Warning.eq("yellow"),
        case_item::Column::Warning.is_not_in(["red", "yellow"]),
    ];
    let (mut rows, mut skip) = (Vec::new(), offset);
    for level in levels {
        let wanted = limit.saturating_sub(rows.len() as u64);
        if wanted == 0 {
            break;
        }
        let lq = q.clone().filter(level);
        if skip > 0 {
            let n = lq.clone().count(db).await?;
            if skip >= n {
                skip -= n;
                continue;
            }
        }
        rows.extend(by_due(lq, wanted, skip).all(db).await?);
        skip = 0;
    }
    views(db, rows).await
}

/// How many case items [`list`] would list (every page), without reading them.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &CaseFilter,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(filtered(actor, f, now)?.count(db).await?)
}

/// How many case items [`list`] would list, by state (in the order of [`CaseState::ALL`]; the
/// states with none left out).
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn count_by_state<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &CaseFilter,
    now: DateTime<Utc>,
) -> AppResult<Vec<(String, u64)>> {
    let counts: BTreeMap<String, i64> = filtered(actor, f, now)?
        .select_only()
        .column(case_item::Column::State)
        .column_as(case_item::Column::Id.count(), "n")
        .group_by(case_item::Column::State)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(CaseState::ALL
        .iter()
        .filter_map(|s| {
            let n = counts.get(s.code())?;
            Some((s.code().to_owned(), u64::try_from(*n).unwrap_or(0)))
        })
        .collect())
}

/// The case items in `actor`'s scope that pass `f`, unordered.
fn filtered(
    actor: &Actor,
    f: &CaseFilter,
    now: DateTime<Utc>,
) -> AppResult<Select<case_item::Entity>> {
    let sc = scope::of(actor)?;
    let mut q = if f.state.as_deref() == Some("open") || f.due_today == Some(true) {
        scope::open_case_items(sc, case_item::Entity::find())
    } else {
        scope::case_items(sc, case_item::Entity::find())
    };
    if let Some(p) = f.project {
        q = q.filter(case_item::Column::ProjectId.eq(p));
    }
    match f.state.as_deref() {
        Some("open") => {}
        Some(s) if !s.is_empty() => q = q.filter(case_item::Column::State.eq(s)),
        _ => {}
    }
    if let Some(w) = f.warning.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(case_item::Column::Warning.eq(w));
    }
    if f.mine == Some(true) {
        q = q.filter(
            case_item::Column::AgentId
                .eq(actor.user_id)
                .or(case_item::Column::HelperId.eq(actor.user_id)),
        );
    }
    if f.due_today == Some(true) {
        let end = end_of_china_day(now);
        q = q.filter(
            case_item::Column::DueAt
                .lte(end)
                .or(case_item::Column::SubmitDueAt
                    .lte(end)
                    .and(case_item::Column::State.eq("ready"))),
        );
    }
    Ok(q)
}

fn end_of_china_day(now: DateTime<Utc>) -> DateTime<Utc> {
    let d = now.with_timezone(&CHINA).date_naive();
    d.and_hms_opt(23, 59, 59)
        .and_then(|t| t.and_local_timezone(CHINA).single())
        .map_or(now, |t| t.with_timezone(&Utc))
}

async fn model_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<case_item::Model> {
    let s = scope::of(actor).map_err(|_| AppError::NotFound)?;
    scope::case_items(s, case_item::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One case item within scope.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside scope.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<CaseItemView> {
    view(db, model_of(db, actor, id).await?).await
}

/// What the enterprise or the agent asks for: catalog items for a project.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// Item codes from the catalog.
    pub item_codes: Vec<String>,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// Opens case items for a project, one per catalog item, in the requested state; each one keeps
/// the catalog revision current now. The project must be under an active mandate.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Invalid`] for unknown items or an item already open for
/// the project; [`AppError::Conflict`] when the project is not active.
pub async fn request(
    app: &App,
    actor: &Actor,
    project_id: i64,
    input: &RequestInput,
    meta: &Meta,
) -> AppResult<Vec<CaseItemView>> {
    let w = app.begin_write().await?;
    let p = model_in_scope(&w.txn, actor, project_id).await?;
    let own_enterprise = actor.is(Role::Enterprise) && actor.enterprise_id == Some(p.enterprise_id);
    if !(own_enterprise || acts_as_agent(actor, &p)) {
        return Err(forbidden());
    }
    if p.status != ProjectStatus::Active.code() {
        return Err(AppError::Conflict {
            code: "project_state",
            message: Msg::new(
                "项目未处于代办中（须先签订委托代办），不能申请办件",
                "the project is not under an active mandate: sign the mandate first",
            ),
        });
    }
    let mut c = Checks::default();
    if input.item_codes.is_empty() {
        c.push(FieldError::required("item_codes", "申请事项"));
    }
    let mut items = Vec::new();
    let codes: BTreeSet<&String> = input.item_codes.iter().collect();
    for code in codes {
        match catalog::current(&w.txn, code).await {
            Ok(item) => {
                let open = case_item::Entity::find()
                    .filter(case_item::Column::ProjectId.eq(p.id))
                    .filter(case_item::Column::ItemCode.eq(code.as_str()))
                    .filter(case_item::Column::State.is_in(crate::projects::open_case_states()))
                    .count(&w.txn)
                    .await?;
                if open > 0 {
                    c.push(FieldError::new(
                        "item_codes",
                        "already_open",
                        format!("“{}”已有在办的办件", item.name),
                        format!("\"{}\" already has an open case item", item.name_en),
                    ));
                }
                items.push(item);
            }
            Err(AppError::NotFound) => c.push(catalog::unknown_item(code)),
            Err(e) => return Err(e),
        }
    }
    c.finish()?;
    let now = app.now();
    let mut out = Vec::new();
    for item in items {
        let id = insert_case(&w.txn, now, &p, &item).await?;
        timeline::record(
            &w.txn,
            now,
            Some(actor),
            (now, false),
            "",
            Event {
                project_id: p.id,
                case_item_id: Some(id),
                kind: "case.request",
                to_state: Some(CaseState::Requested.code()),
                note: &input.note,
                ..Default::default()
            },
        )
        .await?;
        let v = view(&w.txn, reload(&w.txn, id).await?).await?;
        audit::append(
            &w.txn,
            now,
            &actor.into(),
            meta,
            Change {
                action: "case.request",
                object_type: "case_item",
                object_id: id.to_string(),
                before: None,
                after: Some(audit::snapshot(&v)?),
            },
        )
        .await?;
        out.push(v);
    }
    w.commit().await?;
    Ok(out)
}

/// Inserts a requested case item with its materials (not yet received) and co-departments.
pub(crate) async fn insert_case<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    p: &project::Model,
    item: &CatalogItemView,
) -> AppResult<i64> {
    let limit = match item.item_type() {
        ItemType::Upward => item.report_up_limit_days.unwrap_or(3),
        _ => item.committed_limit_days,
    };
    let id = case_item::Entity::insert(case_item::ActiveModel {
        project_id: Set(p.id),
        catalog_item_id: Set(item.id),
        item_code: Set(item.code.clone()),
        item_name: Set(item.name.clone()),
        department_id: Set(item.department_id),
        unit_id: Set(p.unit_id),
        item_type: Set(item.item_type.clone()),
        limit_days: Set(limit),
        report_up_limit_days: Set(item.report_up_limit_days),
        warning_threshold_days: Set(item.warning_threshold_days),
        state: Set(CaseState::Requested.code().to_owned()),
        requested_at: Set(now),
        due_provisional: Set(false),
        outcome_note: Set(String::new()),
        warning: Set("none".into()),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    for d in &item.co_departments {
        case_item_department::Entity::insert(case_item_department::ActiveModel {
            case_item_id: Set(id),
            department_id: Set(*d),
            // Set by the database from the item's state (migration m0021's triggers).
            item_open: sea_orm::ActiveValue::NotSet,
        })
        .exec_without_returning(txn)
        .await?;
    }
    for m in &item.materials {
        material::Entity::insert(material::ActiveModel {
            case_item_id: Set(id),
            project_id: Set(p.id),
            material_code: Set(m.code.clone()),
            name: Set(m.name.clone()),
            state: Set(CustodyState::NotReceived.code().to_owned()),
            holder_name: Set(String::new()),
            note: Set(String::new()),
            version: Set(1),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(txn)
        .await?;
    }
    Ok(id)
}

async fn reload<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<case_item::Model> {
    case_item::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// One demand of a one-time notice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Demand {
    /// Material code from the item's catalog revision.
    pub code: String,
    /// Material name (filled in from the catalog).
    #[serde(default)]
    pub name: String,
    /// `missing` or `wrong`.
    #[serde(default = "missing")]
    pub problem: String,
    /// What exactly to supply or correct.
    #[serde(default)]
    pub note: String,
}

fn missing() -> String {
    "missing".into()
}

/// A transition with everything it records.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActInput {
    /// Action code (`accept`, `notice_missing`, `materials_complete`, `submit`, `helper_accept`,
    /// `suspend`, `resume`, `extend`, `report_up`, `approve`, `reject`, `withdraw`,
    /// `not_acceptable`).
    pub action: String,
    /// The version of the case item the caller saw.
    pub version: i32,
    /// A note.
    #[serde(default)]
    pub note: String,
    /// The reason (required for reject, withdraw, not acceptable, suspend, extend).
    #[serde(default)]
    pub reason: String,
    /// When it happened, if earlier than now (a back-dated entry, 补录).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Why the entry is back-dated.
    #[serde(default)]
    pub backdate_reason: String,
    /// Materials received with this step (codes).
    #[serde(default)]
    pub materials: Vec<String>,
    /// One-time notice: every missing or wrong material.
    #[serde(default)]
    pub demands: Vec<Demand>,
    /// Suspension reason code (`correction`, `expert_review`, …).
    #[serde(default)]
    pub suspension_reason: String,
    /// Extension: working days added.
    #[serde(default)]
    pub extension_days: Option<u32>,
    /// Extension: who approved it.
    #[serde(default)]
    pub approver: String,
}

fn china(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&CHINA)
}

/// The clock of the step a case item is in, if any: the agent's submission (ready), the
/// department's step (in review, suspended: the committed limit, or the report-up limit of an
/// upward item).
///
/// # Errors
/// Inconsistent suspensions in the database.
pub async fn step_clock<C: ConnectionTrait>(
    db: &C,
    calendar: &Calendar,
    m: &case_item::Model,
    now: DateTime<Utc>,
) -> AppResult<Option<(Step, ClockState)>> {
    let (pauses, extensions) = recorded_pauses(db, m).await?;
    clock_with(calendar, m, pauses, extensions, now)
}

/// The recorded pauses and extensions of a case item, which count only once the department's
/// step has started (none before).
///
/// # Errors
/// Database failure.
async fn recorded_pauses<C: ConnectionTrait>(
    db: &C,
    m: &case_item::Model,
) -> AppResult<(Vec<Suspension>, Vec<Extension>)> {
    if m.review_started_at.is_none() {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((
        suspensions_of(db, m.id).await?,
        extensions_of(db, m.id).await?,
    ))
}

/// [`step_clock`] given the item's pauses and extensions.
///
/// # Errors
/// Inconsistent suspensions.
fn clock_with(
    calendar: &Calendar,
    m: &case_item::Model,
    pauses: Vec<Suspension>,
    extensions: Vec<Extension>,
    now: DateTime<Utc>,
) -> AppResult<Option<(Step, ClockState)>> {
    let Some((step, input)) = step_input(m, pauses, extensions) else {
        return Ok(None);
    };
    let st = clock::compute(calendar, &input, china(now))
        .map_err(|e| anyhow::anyhow!("clock of case item {}: {e}", m.id))?;
    Ok(Some((step, st)))
}

/// The step a case item is in and its clock's input, given the item's recorded pauses and
/// extensions (which count only in the department's step).
pub fn step_input(
    m: &case_item::Model,
    suspensions: Vec<Suspension>,
    extensions: Vec<Extension>,
) -> Option<(Step, ClockInput)> {
    let state = CaseState::from_code(&m.state);
    let input = match state {
        Some(CaseState::Ready) => {
            ClockInput::new(ItemType::Committed, 1, china(m.materials_complete_at?))
        }
        Some(CaseState::InReview | CaseState::Suspended) => {
            let at = m.review_started_at?;
            let t = ItemType::from_code(&m.item_type).unwrap_or(ItemType::Committed);
            let t = if t == ItemType::Upward {
                ItemType::Committed
            } else {
                t
            };
            let mut input = ClockInput::new(t, u32::try_from(m.limit_days).unwrap_or(0), china(at));
            input.warning_threshold_days = u32::try_from(m.warning_threshold_days).unwrap_or(1);
            input.suspensions = suspensions;
            input.extensions = extensions;
            input
        }
        _ => return None,
    };
    let step = if matches!(state, Some(CaseState::Ready)) {
        Step::Submission
    } else if m.item_type == ItemType::Upward.code() {
        Step::ReportUp
    } else {
        Step::Review
    };
    Some((step, input))
}

/// The recorded pauses of a case item, for its clock.
///
/// # Errors
/// Database failure.
pub async fn suspensions_of<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Vec<Suspension>> {
    Ok(to_suspensions(suspensions_query(id).all(db).await?))
}

fn suspensions_query(id: i64) -> Select<case_suspension::Entity> {
    case_suspension::Entity::find()
        .filter(case_suspension::Column::CaseItemId.eq(id))
        .order_by_asc(case_suspension::Column::StartedAt)
}

fn to_suspensions(rows: Vec<case_suspension::Model>) -> Vec<Suspension> {
    rows.into_iter()
        .filter_map(|s| {
            Some(Suspension {
                reason: SuspensionReason::from_code(&s.reason)?,
                start: china(s.started_at),
                end: s.ended_at.map(china),
            })
        })
        .collect()
}

/// The approved extensions of a case item, for its clock.
///
/// # Errors
/// Database failure.
pub async fn extensions_of<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Vec<Extension>> {
    Ok(to_extensions(extensions_query(id).all(db).await?))
}

fn extensions_query(id: i64) -> Select<case_extension::Entity> {
    case_extension::Entity::find().filter(case_extension::Column::CaseItemId.eq(id))
}

fn to_extensions(rows: Vec<case_extension::Model>) -> Vec<Extension> {
    rows.into_iter()
        .map(|e| Extension {
            days: u32::try_from(e.days).unwrap_or(0),
            approver: e.approver,
            reason: e.reason,
        })
        .collect()
}

/// The step whose clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The agent submits to the department within 1 working day of complete materials.
    Submission,
    /// The department concludes within its limit.
    Review,
    /// The department reports an upward item up within its limit.
    ReportUp,
}

impl Step {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Submission => "submission",
            Self::Review => "review",
            Self::ReportUp => "report_up",
        }
    }
}

fn side_allows(actor: &Actor, side: ActionSide, p: &project::Model, m: &case_item::Model) -> bool {
    let helper = matches!(actor.role, Role::Helper | Role::UnitLeader)
        && actor.unit_id == Some(m.department_id);
    match side {
        ActionSide::Agent => acts_as_agent(actor, p),
        ActionSide::Helper => helper,
        ActionSide::AgentOrEnterprise => {
            acts_as_agent(actor, p)
                || (actor.is(Role::Enterprise) && actor.enterprise_id == Some(p.enterprise_id))
        }
    }
}

/// The actions `actor` may take on a case item now.
pub fn actions_for(actor: &Actor, p: &project::Model, m: &case_item::Model) -> Vec<CaseAction> {
    let (Some(state), Some(t)) = (
        CaseState::from_code(&m.state),
        ItemType::from_code(&m.item_type),
    ) else {
        return Vec::new();
    };
    allowed_actions(state, t)
        .into_iter()
        .filter(|a| side_allows(actor, a.side(state), p, m))
        .collect()
}

/// The actions `actor` may take on case item `id` (for the item page's buttons).
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn available_actions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<Vec<CaseAction>> {
    let m = model_of(db, actor, id).await?;
    let p = project::Entity::find_by_id(m.project_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(actions_for(actor, &p, &m))
}

fn invalid(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, code, zh, en)])
}

/// What [`act`] reads before the writer slot: the item (within the actor's scope), its project,
/// its catalog revision and, for an action that moves the due date, its recorded pauses and
/// extensions (empty before the department's step). One round trip on SQLite
/// ([`batch::read_all`]).
struct Read {
    m: case_item::Model,
    p: project::Model,
    item: CatalogItemView,
    pauses: Vec<Suspension>,
    extensions: Vec<Extension>,
    /// What the item's view will show after the action ([`ViewNames::after_action`]).
    names: ViewNames,
}

impl Read {
    async fn of(
        db: &sea_orm::DatabaseConnection,
        actor: &Actor,
        id: i64,
        with_pauses: bool,
    ) -> AppResult<Self> {
        let backend = db.get_database_backend();
        let s = scope::of(actor).map_err(|_| AppError::NotFound)?;
        let of_item = |col| column_of_item(id, col);
        let mut reads = vec![
            scope::case_items(s, case_item::Entity::find_by_id(id)).build(backend),
            project::Entity::find()
                .filter(project::Column::Id.in_subquery(of_item(case_item::Column::ProjectId)))
                .build(backend),
            catalog_item::Entity::find()
                .filter(
                    catalog_item::Column::Id.in_subquery(of_item(case_item::Column::CatalogItemId)),
                )
                .build(backend),
        ];
        if let Some(names) = ViewNames::after_action(id, actor) {
            reads.push(backend.build(&names));
        }
        if with_pauses {
            reads.push(suspensions_query(id).build(backend));
            reads.push(extensions_query(id).build(backend));
        }
        let mut answers = batch::read_all(db, reads).await?.into_iter();
        let mut next = || answers.next().unwrap_or_default();
        let m = first::<case_item::Model>(&next())?.ok_or(AppError::NotFound)?;
        let p = first::<project::Model>(&next())?.ok_or(AppError::NotFound)?;
        let item = first::<catalog_item::Model>(&next())?
            .ok_or(AppError::NotFound)?
            .try_into()?;
        let names = ViewNames::from_rows(all(&next())?);
        let (mut pauses, mut extensions) = (Vec::new(), Vec::new());
        if with_pauses && m.review_started_at.is_some() {
            pauses = to_suspensions(all(&next())?);
            extensions = to_extensions(all(&next())?);
        }
        Ok(Self {
            m,
            p,
            item,
            pauses,
            extensions,
            names,
        })
    }
}

/// The first of `rows` as a `T`.
fn first<T: FromQueryResult>(rows: &[sea_orm::QueryResult]) -> AppResult<Option<T>> {
    Ok(rows
        .first()
        .map(|r| T::from_query_result(r, ""))
        .transpose()?)
}

/// Every one of `rows` as a `T`.
fn all<T: FromQueryResult>(rows: &[sea_orm::QueryResult]) -> AppResult<Vec<T>> {
    Ok(rows
        .iter()
        .map(|r| T::from_query_result(r, ""))
        .collect::<Result<_, _>>()?)
}

/// Takes one lifecycle action on a case item.
///
/// # Errors
/// [`AppError::NotFound`] outside scope; [`AppError::Forbidden`] when the action belongs to
/// another side; [`AppError::Conflict`] with code `transition_not_allowed` naming the current
/// state and the allowed actions, or `version_conflict` when someone else acted first;
/// [`AppError::Invalid`] for a missing reason, an unknown material, a notice without demands, a
/// back-dated entry without a reason, or incomplete materials.
#[expect(
    clippy::too_many_lines,
    reason = "one match arm per action, read top to bottom"
)]
pub async fn act(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ActInput,
    meta: &Meta,
) -> AppResult<CaseItemView> {
    let Some(action) = CaseAction::from_code(&input.action) else {
        return Err(invalid(
            "action",
            "unknown_action",
            format!("未知的操作“{}”", input.action),
            format!("unknown action {:?}", input.action),
        ));
    };
    let calendar = app.calendar();
    // Everything that only reads and checks happens before the writer slot (on SQLite one writer
    // at a time): the item, its project and its catalog revision. The `UPDATE` below changes the
    // item only at the version read here, so a change in between is refused as a version
    // conflict, never overwritten.
    let db = &app.db.conn;
    // Pauses and extensions move the department's due date: the recorded ones are read here and
    // this action's change applied to them below, so that the new due date is written with the
    // state in one statement (a pause recorded in between would have changed the version).
    let moves_due = matches!(
        action,
        CaseAction::Suspend | CaseAction::Resume | CaseAction::Extend
    );
    let Read {
        m,
        p,
        item,
        mut pauses,
        mut extensions,
        names,
    } = Read::of(db, actor, id, moves_due).await?;
    let from = CaseState::from_code(&m.state)
        .ok_or_else(|| anyhow::anyhow!("unknown case state {}", m.state))?;
    let item_type = ItemType::from_code(&m.item_type)
        .ok_or_else(|| anyhow::anyhow!("unknown item type {}", m.item_type))?;
    let to = apply(from, action, item_type).map_err(|e| AppError::Conflict {
        code: "transition_not_allowed",
        message: Msg::new(e.message_zh(), e.to_string()),
    })?;
    if !side_allows(actor, action.side(from), &p, &m) {
        return Err(AppError::Forbidden(Msg::new(
            format!(
                "“{}”须由{}执行",
                action.label_zh(),
                action.side(from).label_zh()
            ),
            format!(
                "\"{}\" is taken by the {}",
                action.label_en(),
                action.side(from).label_en()
            ),
        )));
    }
    if m.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let reason = if action.requires_reason() {
        c.text("reason", "原因", &input.reason, 2000)
    } else {
        c.optional_text("reason", "原因", &input.reason, 2000)
    };
    let note = c.optional_text("note", "备注", &input.note, 2000);
    c.finish()?;
    let now = app.now();
    let occurred = Occurred {
        at: input.occurred_at,
        backdate_reason: input.backdate_reason.clone(),
    };
    let when = occurred.resolve(now)?;
    if when.0 < m.requested_at {
        return Err(invalid(
            "occurred_at",
            "before_request",
            "发生时间不能早于申请时间",
            "occurred_at cannot be before the request",
        ));
    }
    let at = when.0;
    for code in &input.materials {
        if item.material(code).is_none() {
            return Err(invalid(
                "materials",
                "unknown_material",
                format!("材料“{code}”不在该事项的材料清单中"),
                format!("material {code:?} is not on this item's list"),
            ));
        }
    }
    let w = app.begin_write().await?;
    let mut upd = case_item::Entity::update_many()
        .col_expr(case_item::Column::State, Expr::value(to.code()))
        .col_expr(case_item::Column::Version, Expr::value(m.version + 1))
        .col_expr(case_item::Column::UpdatedAt, Expr::value(now))
        // The deadline monitor looks at it again at its next run.
        .col_expr(
            case_item::Column::WatchAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    let mut data = serde_json::json!({});
    // The pause or extension this action records, sent with the item's update below.
    let backend = db.get_database_backend();
    let mut writes: Vec<sea_orm::Statement> = Vec::new();
    let received = receive_materials(&w.txn, actor, &m, &input.materials, now).await?;
    match action {
        CaseAction::Accept => {
            upd = upd.col_expr(case_item::Column::AcceptedAt, Expr::value(at));
            if m.first_contact_id.is_none() {
                upd = upd.col_expr(
                    case_item::Column::FirstContactId,
                    Expr::value(actor.user_id),
                );
            }
            if actor.is(Role::Agent) || m.agent_id.is_none() {
                upd = upd.col_expr(case_item::Column::AgentId, Expr::value(actor.user_id));
            }
        }
        CaseAction::NoticeMissing => {
            let (seq, breach) = issue_notice(&w.txn, actor, &m, &item, &input.demands, at).await?;
            data = serde_json::json!({"notice_seq": seq, "breach": breach});
        }
        CaseAction::MaterialsComplete => {
            let held = held_codes(&w.txn, m.id).await?;
            let missing = missing_materials(&item.required_materials(), &held);
            if missing.blocks() {
                let names: Vec<String> = missing.blocking.iter().map(|r| r.name.clone()).collect();
                return Err(invalid(
                    "materials",
                    "incomplete",
                    format!("材料尚未齐全，缺：{}", names.join("、")),
                    format!("materials are not complete; missing: {}", names.join(", ")),
                ));
            }
            let st = clock::compute(
                &calendar,
                &ClockInput::new(ItemType::Committed, 1, china(at)),
                china(now),
            )
            .map_err(anyhow::Error::from)?;
            upd = upd
                .col_expr(case_item::Column::MaterialsCompleteAt, Expr::value(at))
                .col_expr(
                    case_item::Column::SubmitDueAt,
                    Expr::value(st.due_at.with_timezone(&Utc)),
                )
                .col_expr(
                    case_item::Column::DueProvisional,
                    Expr::value(st.provisional),
                );
            data = serde_json::json!({"submit_due_at": st.due_at, "deferred": missing.deferrable.iter().map(|r| &r.code).collect::<Vec<_>>()});
        }
        CaseAction::Submit => {
            upd = upd.col_expr(case_item::Column::SubmittedAt, Expr::value(at));
            transfer_all_to_department(&w.txn, &m, now).await?;
            if m.submit_due_at.is_some_and(|d| at > d) {
                data = serde_json::json!({"late": true, "submit_due_at": m.submit_due_at});
            }
        }
        CaseAction::HelperAccept => {
            let t = if item_type == ItemType::Upward {
                ItemType::Committed
            } else {
                item_type
            };
            let mut ci = ClockInput::new(t, u32::try_from(m.limit_days).unwrap_or(0), china(at));
            ci.warning_threshold_days = u32::try_from(m.warning_threshold_days).unwrap_or(1);
            let st = clock::compute(&calendar, &ci, china(now)).map_err(anyhow::Error::from)?;
            upd = upd
                .col_expr(case_item::Column::ReviewStartedAt, Expr::value(at))
                .col_expr(case_item::Column::HelperId, Expr::value(actor.user_id))
                .col_expr(
                    case_item::Column::DueAt,
                    Expr::value(st.due_at.with_timezone(&Utc)),
                )
                .col_expr(
                    case_item::Column::DueProvisional,
                    Expr::value(st.provisional),
                )
                .col_expr(case_item::Column::Warning, Expr::value(st.warning.code()));
            data = serde_json::json!({"due_at": st.due_at, "provisional": st.provisional});
        }
        CaseAction::Suspend => {
            let Some(r) = SuspensionReason::from_code(&input.suspension_reason) else {
                return Err(invalid(
                    "suspension_reason",
                    "unknown",
                    "请选择挂起原因（补正、专家评审、公示、听证、检验检测、现场踏勘、上级审批、其他）",
                    "choose the suspension reason",
                ));
            };
            writes.push(
                case_suspension::Entity::insert(case_suspension::ActiveModel {
                    case_item_id: Set(m.id),
                    reason: Set(r.code().to_owned()),
                    semantics: Set(
                        format!("{:?}", SuspensionPolicy::default().semantics(r)).to_lowercase()
                    ),
                    started_at: Set(at),
                    ended_at: Set(None),
                    note: Set(reason.clone()),
                    ..Default::default()
                })
                .build(backend),
            );
            pauses.push(Suspension {
                reason: r,
                start: china(at),
                end: None,
            });
            pauses.sort_by_key(|p| p.start);
            data = serde_json::json!({"suspension_reason": r.code()});
        }
        CaseAction::Resume => {
            writes.push(
                case_suspension::Entity::update_many()
                    .col_expr(case_suspension::Column::EndedAt, Expr::value(at))
                    .filter(case_suspension::Column::CaseItemId.eq(m.id))
                    .filter(case_suspension::Column::EndedAt.is_null())
                    .build(backend),
            );
            for p in pauses.iter_mut().filter(|p| p.end.is_none()) {
                p.end = Some(china(at));
            }
        }
        CaseAction::Extend => {
            let days = input.extension_days.unwrap_or(0);
            let mut c = Checks::default();
            if days == 0 || days > 60 {
                c.push(FieldError::new(
                    "extension_days",
                    "range",
                    "延期天数应为 1 至 60 个工作日",
                    "an extension is 1 to 60 working days",
                ));
            }
            let approver = c.text("approver", "批准人", &input.approver, 100);
            c.finish()?;
            writes.push(
                case_extension::Entity::insert(case_extension::ActiveModel {
                    case_item_id: Set(m.id),
                    days: Set(i32::try_from(days).unwrap_or(0)),
                    approver: Set(approver.clone()),
                    reason: Set(reason.clone()),
                    granted_at: Set(at),
                    ..Default::default()
                })
                .build(backend),
            );
            extensions.push(Extension {
                days,
                approver: approver.clone(),
                reason: reason.clone(),
            });
            data = serde_json::json!({"days": days, "approver": approver});
        }
        CaseAction::ReportUp => {
            upd = upd
                .col_expr(case_item::Column::ReportedUpAt, Expr::value(at))
                .col_expr(case_item::Column::Warning, Expr::value("none"));
        }
        CaseAction::Approve
        | CaseAction::Reject
        | CaseAction::Withdraw
        | CaseAction::DeclareNotAcceptable => {
            let outcome = if reason.is_empty() {
                note.clone()
            } else {
                reason.clone()
            };
            upd = upd
                .col_expr(case_item::Column::ConcludedAt, Expr::value(at))
                .col_expr(case_item::Column::OutcomeNote, Expr::value(outcome))
                .col_expr(case_item::Column::Warning, Expr::value("none"));
        }
    }
    if moves_due {
        let moved = case_item::Model {
            state: to.code().to_owned(),
            ..m.clone()
        };
        if let Some((_, st)) = clock_with(&calendar, &moved, pauses, extensions, now)? {
            upd = upd
                .col_expr(
                    case_item::Column::DueAt,
                    Expr::value(st.due_at.with_timezone(&Utc)),
                )
                .col_expr(
                    case_item::Column::DueProvisional,
                    Expr::value(st.provisional),
                );
            data["due_at"] = serde_json::json!(st.due_at);
        }
    }
    // Changed only at the version read above; the row as written comes back, then the audit
    // chain's head, reserved for this action's entry. Sent with the pause or extension written
    // above in one round trip on SQLite; an item changed in between returns no row (409, and
    // the savepoint takes back the rest).
    let mut update = upd
        .filter(case_item::Column::Id.eq(m.id))
        .filter(case_item::Column::Version.eq(m.version))
        .into_query();
    update.returning_all();
    writes.push(backend.build(&update));
    // On SQLite the audit head's reservation goes with them (one round trip fewer); on
    // PostgreSQL the batch below reserves it after its other writes, to hold that lock briefly.
    let sqlite = backend == sea_orm::DbBackend::Sqlite;
    if sqlite {
        writes.push(audit::reserve_statement(backend));
    }
    let mut batch = Batch::default();
    let rows = batch::query_rows(&w.txn, writes).await?;
    let after = match (rows.as_slice(), sqlite) {
        ([item_row, head], true) => {
            audit::reserved(&mut batch, head)?;
            case_item::Model::from_query_result(item_row, "")?
        }
        ([item_row], false) => case_item::Model::from_query_result(item_row, "")?,
        _ => return Err(version_conflict()),
    };
    let text = if reason.is_empty() {
        note.clone()
    } else {
        reason.clone()
    };
    let mut touched = received;
    touched.extend(input.demands.iter().map(|d| d.code.clone()));
    // The event, the enterprise's notification and the audit entry need no answer from each
    // other: written together (one round trip on SQLite).
    timeline::record_to(
        &mut batch,
        &w.txn,
        now,
        Some(actor),
        when,
        &occurred.backdate_reason,
        &Event {
            project_id: p.id,
            case_item_id: Some(m.id),
            kind: &format!("case.{}", action.code()),
            from_state: Some(from.code()),
            to_state: Some(to.code()),
            note: &text,
            materials: touched,
            data: data.clone(),
        },
    )?;
    timeline::notify_to(
        &mut batch,
        &w.txn,
        now,
        Recipient::Enterprise(p.enterprise_id),
        &progress_notice(&p, &after, action, to, &text),
    );
    audit::append_to(
        &mut batch,
        now,
        &actor.into(),
        meta,
        Change {
            action: &format!("case.{}", action.code()),
            object_type: "case_item",
            object_id: m.id.to_string(),
            before: Some(serde_json::json!({"state": from.code(), "version": m.version})),
            after: Some(
                serde_json::json!({"state": to.code(), "version": after.version, "data": data}),
            ),
        },
    );
    // The savepoint's release goes with these writes (see `WriteTxn::finish`).
    w.finish(batch).await?;
    // The item as this transaction left it, with the names read before the writer slot.
    Ok(view_named(after, &names))
}

fn progress_notice(
    p: &project::Model,
    v: &case_item::Model,
    action: CaseAction,
    to: CaseState,
    text: &str,
) -> Notice {
    let extra_zh = if text.is_empty() {
        String::new()
    } else {
        format!("说明：{text}")
    };
    let extra_en = if text.is_empty() {
        String::new()
    } else {
        format!(" Note: {text}")
    };
    Notice {
        kind: "progress".into(),
        title: Msg::new(
            format!("{}：{}", v.item_name, to.label_zh()),
            format!("{}: {}", v.item_code, to.label_en()),
        ),
        body: Msg::new(
            format!(
                "项目“{}”的办件“{}”已{}，当前状态：{}。{extra_zh}",
                p.name,
                v.item_name,
                action.label_zh(),
                to.label_zh()
            ),
            format!(
                "Case item {} of project \"{}\": {}; now {}.{extra_en}",
                v.item_code,
                p.name,
                action.label_en(),
                to.label_en()
            ),
        ),
        project_id: Some(p.id),
        case_item_id: Some(v.id),
    }
}

async fn held_codes<C: ConnectionTrait>(db: &C, case_id: i64) -> AppResult<BTreeSet<String>> {
    Ok(material::Entity::find()
        .filter(material::Column::CaseItemId.eq(case_id))
        .filter(
            material::Column::State
                .is_in([CustodyState::Held.code(), CustodyState::Transferred.code()]),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.material_code)
        .collect())
}

/// Marks materials as received and held by the actor; returns the codes newly received.
async fn receive_materials<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    m: &case_item::Model,
    codes: &[String],
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    let mut got = Vec::new();
    for code in codes {
        let res = material::Entity::update_many()
            .col_expr(
                material::Column::State,
                Expr::value(CustodyState::Held.code()),
            )
            .col_expr(material::Column::HolderUserId, Expr::value(actor.user_id))
            .col_expr(material::Column::HolderUnitId, Expr::value(actor.unit_id))
            .col_expr(
                material::Column::HolderName,
                Expr::value(actor.name.clone()),
            )
            .col_expr(
                material::Column::Version,
                Expr::col(material::Column::Version).add(1),
            )
            .col_expr(material::Column::UpdatedAt, Expr::value(now))
            .filter(material::Column::CaseItemId.eq(m.id))
            .filter(material::Column::MaterialCode.eq(code.as_str()))
            .filter(material::Column::State.eq(CustodyState::NotReceived.code()))
            .exec(txn)
            .await?;
        if res.rows_affected > 0 {
            got.push(code.clone());
        }
    }
    Ok(got)
}

/// On submission the materials the agent holds go to the department.
async fn transfer_all_to_department<C: ConnectionTrait>(
    txn: &C,
    m: &case_item::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let dept = unit::Entity::find_by_id(m.department_id)
        .one(txn)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    material::Entity::update_many()
        .col_expr(
            material::Column::State,
            Expr::value(CustodyState::Transferred.code()),
        )
        .col_expr(
            material::Column::HolderUserId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(material::Column::HolderUnitId, Expr::value(m.department_id))
        .col_expr(material::Column::HolderName, Expr::value(dept))
        .col_expr(
            material::Column::Version,
            Expr::col(material::Column::Version).add(1),
        )
        .col_expr(material::Column::UpdatedAt, Expr::value(now))
        .filter(material::Column::CaseItemId.eq(m.id))
        .filter(material::Column::State.eq(CustodyState::Held.code()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Records a one-time notice; a later notice demanding anything no earlier notice demanded is a
/// breach of the one-time-notice rule, recorded as evidence. Returns the notice's number and
/// the breaching codes.
async fn issue_notice<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    m: &case_item::Model,
    item: &CatalogItemView,
    demands: &[Demand],
    at: DateTime<Utc>,
) -> AppResult<(i32, Vec<String>)> {
    if demands.is_empty() {
        return Err(invalid(
            "demands",
            "required",
            "一次性告知须列明全部缺少或有误的材料",
            "a one-time notice lists every missing or wrong material",
        ));
    }
    let mut filled = Vec::new();
    for d in demands {
        let Some(spec) = item.material(&d.code) else {
            return Err(invalid(
                "demands",
                "unknown_material",
                format!(
                    "材料“{}”不在该事项的材料清单中（不得要求清单外材料）",
                    d.code
                ),
                format!(
                    "material {:?} is not on this item's list (no demands outside it)",
                    d.code
                ),
            ));
        };
        if !matches!(d.problem.as_str(), "missing" | "wrong") {
            return Err(invalid(
                "demands",
                "problem",
                "问题类型应为缺少（missing）或有误（wrong）",
                "problem must be missing or wrong",
            ));
        }
        filled.push(Demand {
            code: d.code.clone(),
            name: spec.name.clone(),
            problem: d.problem.clone(),
            note: d.note.trim().to_owned(),
        });
    }
    let earlier = one_time_notice::Entity::find()
        .filter(one_time_notice::Column::CaseItemId.eq(m.id))
        .order_by_asc(one_time_notice::Column::Seq)
        .all(txn)
        .await?;
    let mut before = BTreeSet::new();
    for n in &earlier {
        let ds: Vec<Demand> = serde_json::from_str(&n.demands).map_err(anyhow::Error::from)?;
        before.extend(ds.into_iter().map(|d| d.code));
    }
    let now_codes: BTreeSet<String> = filled.iter().map(|d| d.code.clone()).collect();
    let breach = if earlier.is_empty() {
        Vec::new()
    } else {
        notice_breach(&before, &now_codes)
    };
    let seq = i32::try_from(earlier.len()).unwrap_or(i32::MAX - 1) + 1;
    one_time_notice::Entity::insert(one_time_notice::ActiveModel {
        case_item_id: Set(m.id),
        seq: Set(seq),
        demands: Set(serde_json::to_string(&filled).map_err(anyhow::Error::from)?),
        breach_codes: Set(serde_json::to_string(&breach).map_err(anyhow::Error::from)?),
        issued_by: Set(Some(actor.user_id)),
        issued_by_name: Set(actor.name.clone()),
        issued_at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok((seq, breach))
}

/// A one-time notice as clients see it (printable as 一次性告知书).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// Number within the case item, from 1.
    pub seq: i32,
    /// Every missing or wrong material.
    pub demands: Vec<Demand>,
    /// Material codes that no earlier notice demanded (a breach of the one-time-notice rule).
    pub breach_codes: Vec<String>,
    /// Issued by.
    pub issued_by_name: String,
    /// Issued at.
    pub issued_at: DateTime<Utc>,
}

/// The one-time notices of a case item, oldest first.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn notices<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<Vec<NoticeView>> {
    model_of(db, actor, id).await?;
    one_time_notice::Entity::find()
        .filter(one_time_notice::Column::CaseItemId.eq(id))
        .order_by_asc(one_time_notice::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|n| {
            Ok(NoticeView {
                seq: n.seq,
                demands: serde_json::from_str(&n.demands).map_err(anyhow::Error::from)?,
                breach_codes: serde_json::from_str(&n.breach_codes).map_err(anyhow::Error::from)?,
                issued_by_name: n.issued_by_name,
                issued_at: n.issued_at,
            })
        })
        .collect()
}

/// A material and where it is now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaterialView {
    /// Id.
    pub id: i64,
    /// Code on the item's list.
    pub code: String,
    /// Name.
    pub name: String,
    /// Custody state code.
    pub state: String,
    /// Who or which unit holds it.
    pub holder_name: String,
    /// Note (e.g. how it was lost).
    pub note: String,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// The materials of a case item.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn materials<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<Vec<MaterialView>> {
    model_of(db, actor, id).await?;
    Ok(material::Entity::find()
        .filter(material::Column::CaseItemId.eq(id))
        .order_by_asc(material::Column::MaterialCode)
        .all(db)
        .await?
        .into_iter()
        .map(|m| MaterialView {
            id: m.id,
            code: m.material_code,
            name: m.name,
            state: m.state,
            holder_name: m.holder_name,
            note: m.note,
            version: m.version,
        })
        .collect())
}

/// The catalog revision a case item was opened with (what it was told).
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn catalog_revision<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<CatalogItemView> {
    let m = model_of(db, actor, id).await?;
    catalog::revision(db, m.catalog_item_id).await
}

pub(crate) async fn model_for_update<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
) -> AppResult<(case_item::Model, project::Model)> {
    let m = model_of(db, actor, id).await?;
    let p = project::Entity::find_by_id(m.project_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((m, p))
}

/// The clock of the step case item `id` is in now, for its page.
///
/// # Errors
/// [`AppError::NotFound`] outside scope; inconsistent suspensions in the database.
pub async fn clock_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<Option<(Step, ClockState)>> {
    let m = model_of(db, actor, id).await?;
    step_clock(db, calendar, &m, now).await
}
