//! Online consultation (在线业务咨询, policy 五(三)): instead of a question in a QQ or WeChat
//! group, an enterprise user (or a staff member) asks online; the question is routed to the
//! unit that answers it, with an answer limit in working days (`App::consultation_days`,
//! default 2) on the working-day calendar; the thread continues with follow-ups until the asker
//! marks it resolved. Unanswered questions turn yellow on their last working day and red once
//! overdue ([`watch`], from the monitor, notifies once per level); the bureau may re-route a
//! question with a reason, and publish an answered one to the FAQ ([`crate::faq`]).
//!
//! Routing: the unit the asker chose; else the department of the catalog item it concerns;
//! else the location unit of its project; else the bureau.
//!
//! Who sees what (enforced here): the bureau's coordinators, the city leader and the bureau's
//! leader see every consultation; an enterprise user sees its enterprise's; the staff of a unit
//! (agents, helpers, the unit leader) see those routed to their unit and those they asked
//! themselves. Anything else is `NotFound`.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType, Warning};
use daiban_domain::consultation::{ConsultationStatus, warning};
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{
    catalog_item, consultation, consultation_alert, consultation_message, enterprise, faq_entry,
    project, unit, user,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

/// A question to ask.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AskInput {
    /// A short subject.
    pub subject: String,
    /// The question.
    pub body: String,
    /// One of the asker's projects, if it concerns one (routes to its location unit).
    #[serde(default)]
    pub project_id: Option<i64>,
    /// The catalog item it concerns, if any (routes to its department).
    #[serde(default)]
    pub catalog_item_id: Option<i64>,
    /// The unit to ask (a town unit, a department or the bureau); takes precedence.
    #[serde(default)]
    pub unit_id: Option<i64>,
}

/// A message in the thread: an answer (the answering unit or the bureau) or a follow-up (the
/// asker).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MessageInput {
    /// The text.
    pub body: String,
    /// The version the writer saw.
    pub version: i32,
}

/// The asker marks the consultation resolved.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ResolveInput {
    /// A closing remark, optional.
    #[serde(default)]
    pub note: String,
    /// The version the asker saw.
    pub version: i32,
}

/// The bureau sends the consultation to another unit.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RerouteInput {
    /// The unit that is to answer.
    pub unit_id: i64,
    /// Why.
    pub reason: String,
    /// The version the coordinator saw.
    pub version: i32,
}

/// One message of the thread.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    /// `question`, `answer`, `follow_up`, `reroute` or `resolve`.
    pub kind: String,
    /// Who.
    pub author_name: String,
    /// Their unit (staff) or enterprise.
    pub author_org: String,
    /// The text (for a re-routing, the reason).
    pub body: String,
    /// The unit it was re-routed to.
    pub unit_name: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A consultation as its reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "what the reader may do, one flag per action, for the pages and API clients"
)]
pub struct ConsultationView {
    /// Id.
    pub id: i64,
    /// Subject.
    pub subject: String,
    /// The question.
    pub body: String,
    /// `open`, `answered` or `resolved`.
    pub status: String,
    /// `none`, `yellow` (last working day) or `red` (overdue), while unanswered.
    pub warning: String,
    /// The answering unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// How it was routed: `unit` (the asker's choice), `catalog_item`, `project`, `bureau`,
    /// `reroute`.
    pub routed_by: String,
    /// Who asked.
    pub asker_name: String,
    /// The asker's enterprise, if an enterprise user.
    pub asker_enterprise_id: Option<i64>,
    /// Its name (or the asker's unit).
    pub asker_org: String,
    /// The project concerned.
    pub project_id: Option<i64>,
    /// Its name.
    pub project_name: String,
    /// The catalog item concerned.
    pub catalog_item_id: Option<i64>,
    /// Its name.
    pub catalog_item_name: String,
    /// When asked.
    pub asked_at: DateTime<Utc>,
    /// The answer is due by then (close of office hours, China time).
    pub due_at: DateTime<Utc>,
    /// The first answer.
    pub answered_at: Option<DateTime<Utc>>,
    /// Whether the first answer came after the due time.
    pub answered_late: bool,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The FAQ entry published from it, if any.
    pub faq_id: Option<i64>,
    /// The thread, oldest first (empty in lists).
    pub messages: Vec<MessageView>,
    /// Whether the reader may answer (the answering unit's staff, the bureau).
    pub may_answer: bool,
    /// Whether the reader may write a follow-up (the asker).
    pub may_follow_up: bool,
    /// Whether the reader may mark it resolved (the asker, once answered).
    pub may_resolve: bool,
    /// Whether the reader may re-route it and publish it (the bureau's coordinators).
    pub may_manage: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Filters of the list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ConsultationFilter {
    /// `open`, `answered` or `resolved`.
    #[serde(default)]
    pub status: Option<String>,
    /// `yellow` or `red`: unanswered ones at that level.
    #[serde(default)]
    pub warning: Option<String>,
    /// One answering unit.
    #[serde(default)]
    pub unit_id: Option<i64>,
}

fn bureau_wide(actor: &Actor) -> bool {
    matches!(actor.role, Role::Coordinator | Role::CityLeader)
        || (actor.role == Role::UnitLeader && actor.unit_kind == Some(UnitKind::Bureau))
}

fn is_asker(actor: &Actor, c: &consultation::Model) -> bool {
    actor.user_id == c.asker_user_id
        || (actor.role == Role::Enterprise
            && actor.enterprise_id.is_some()
            && actor.enterprise_id == c.asker_enterprise_id)
}

fn is_answerer(actor: &Actor, c: &consultation::Model) -> bool {
    actor.role == Role::Coordinator
        || (matches!(actor.role, Role::Agent | Role::Helper | Role::UnitLeader)
            && actor.unit_id == Some(c.unit_id))
}

/// Whether `actor` may read `c`.
fn sees(actor: &Actor, c: &consultation::Model) -> bool {
    match actor.role {
        Role::Admin | Role::Auditor => false,
        Role::Enterprise => is_asker(actor, c),
        _ => bureau_wide(actor) || is_asker(actor, c) || actor.unit_id == Some(c.unit_id),
    }
}

/// The warning of `c` now.
pub fn level_of(c: &consultation::Model, now: DateTime<Utc>) -> Warning {
    warning(
        c.status != ConsultationStatus::Open.code(),
        c.due_at.with_timezone(&CHINA),
        now.with_timezone(&CHINA),
    )
}

/// When an answer to a question asked at `at` is due: the close of office hours of the
/// `days`-th working day after the day asked.
///
/// # Errors
/// A date outside the calendar the clock cannot place.
pub fn due_at(calendar: &Calendar, days: u32, at: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let input = ClockInput::new(ItemType::Committed, days, at.with_timezone(&CHINA));
    let st = clock::compute(calendar, &input, at.with_timezone(&CHINA))
        .map_err(|e| anyhow::anyhow!("consultation due date: {e}"))?;
    Ok(st.due_at.with_timezone(&Utc))
}

async fn name_of_user<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<(String, String)> {
    let Some(u) = user::Entity::find_by_id(id).one(db).await? else {
        return Ok((String::new(), String::new()));
    };
    let org = match (u.enterprise_id, u.unit_id) {
        (Some(e), _) => enterprise::Entity::find_by_id(e)
            .one(db)
            .await?
            .map(|e| e.name)
            .unwrap_or_default(),
        (None, unit) => crate::users::unit_name(db, unit).await?,
    };
    Ok((u.name, org))
}

async fn view<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    c: consultation::Model,
    now: DateTime<Utc>,
    with_messages: bool,
) -> AppResult<ConsultationView> {
    let (asker_name, asker_org) = name_of_user(db, c.asker_user_id).await?;
    let project_name = match c.project_id {
        Some(p) => project::Entity::find_by_id(p)
            .one(db)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let catalog_item_name = match c.catalog_item_id {
        Some(i) => catalog_item::Entity::find_by_id(i)
            .one(db)
            .await?
            .map(|i| i.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let faq_id = faq_entry::Entity::find()
        .filter(faq_entry::Column::ConsultationId.eq(c.id))
        .one(db)
        .await?
        .map(|f| f.id);
    let mut messages = Vec::new();
    if with_messages {
        for m in consultation_message::Entity::find()
            .filter(consultation_message::Column::ConsultationId.eq(c.id))
            .order_by_asc(consultation_message::Column::Id)
            .all(db)
            .await?
        {
            let (author_name, author_org) = name_of_user(db, m.author_id).await?;
            messages.push(MessageView {
                kind: m.kind,
                author_name,
                author_org,
                body: m.body,
                unit_name: match m.unit_id {
                    Some(u) => crate::users::unit_name(db, Some(u)).await?,
                    None => String::new(),
                },
                at: m.at,
            });
        }
    }
    let status = ConsultationStatus::from_code(&c.status).unwrap_or(ConsultationStatus::Open);
    let asker = is_asker(actor, &c);
    Ok(ConsultationView {
        id: c.id,
        warning: level_of(&c, now).code().to_owned(),
        unit_name: crate::users::unit_name(db, Some(c.unit_id)).await?,
        may_answer: status.is_live() && !asker && is_answerer(actor, &c),
        may_follow_up: status.is_live() && asker,
        may_resolve: status.may_resolve() && asker,
        may_manage: actor.role == Role::Coordinator,
        subject: c.subject,
        body: c.body,
        status: c.status,
        unit_id: c.unit_id,
        routed_by: c.routed_by,
        asker_name,
        asker_enterprise_id: c.asker_enterprise_id,
        asker_org,
        project_id: c.project_id,
        project_name,
        catalog_item_id: c.catalog_item_id,
        catalog_item_name,
        asked_at: c.asked_at,
        due_at: c.due_at,
        answered_at: c.answered_at,
        answered_late: c.answered_late,
        resolved_at: c.resolved_at,
        faq_id,
        messages,
        version: c.version,
    })
}

/// The audit snapshot of a consultation (without the thread, which has its own rows).
fn snapshot(c: &consultation::Model) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "subject": c.subject,
        "body": c.body,
        "status": c.status,
        "unit_id": c.unit_id,
        "routed_by": c.routed_by,
        "asker_user_id": c.asker_user_id,
        "asker_enterprise_id": c.asker_enterprise_id,
        "project_id": c.project_id,
        "catalog_item_id": c.catalog_item_id,
        "asked_at": c.asked_at,
        "due_at": c.due_at,
        "answered_at": c.answered_at,
        "answered_late": c.answered_late,
        "resolved_at": c.resolved_at,
        "version": c.version,
    })
}

/// The active staff who answer for `unit_id`: its agents, helpers and leader; for the bureau,
/// its coordinators too.
async fn answerers<C: ConnectionTrait>(db: &C, unit_id: i64) -> AppResult<Vec<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Role.is_in([
            Role::Agent.code(),
            Role::Helper.code(),
            Role::UnitLeader.code(),
            Role::Coordinator.code(),
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

/// The bureau's unit (where unrouted questions go).
async fn bureau_unit<C: ConnectionTrait>(db: &C) -> AppResult<Option<i64>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Kind.eq(UnitKind::Bureau.code()))
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .one(db)
        .await?
        .map(|u| u.id))
}

/// Whether `id` is a unit that answers consultations: an active town unit, department or the
/// bureau.
async fn answering_unit<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<bool> {
    Ok(unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .and_then(|u| u.kind.parse::<UnitKind>().ok())
        .is_some_and(|k| k.is_town_unit() || matches!(k, UnitKind::Department | UnitKind::Bureau)))
}

fn unit_error(field: &str) -> FieldError {
    FieldError::new(
        field,
        "unit",
        "咨询单位须为在用的乡镇（街道）、开发区、政府职能部门或审批局",
        "the unit must be an active town unit, department or the bureau",
    )
}

async fn message<C: ConnectionTrait>(
    db: &C,
    c: i64,
    author: i64,
    kind: &str,
    body: &str,
    unit_id: Option<i64>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    consultation_message::Entity::insert(consultation_message::ActiveModel {
        consultation_id: Set(c),
        author_id: Set(author),
        kind: Set(kind.to_owned()),
        body: Set(body.to_owned()),
        unit_id: Set(unit_id),
        at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn to_asker(c: &consultation::Model) -> Recipient {
    match c.asker_enterprise_id {
        Some(e) => Recipient::Enterprise(e),
        None => Recipient::User(c.asker_user_id),
    }
}

fn notice(c: &consultation::Model, title: Msg, body: Msg) -> Notice {
    Notice {
        kind: "consultation".into(),
        title,
        body,
        project_id: c.project_id,
        case_item_id: None,
    }
}

/// Asks a question (enterprise users, agents, helpers, unit leaders, coordinators). It is
/// routed, its answer is due `consultation_days` working days later, and the answering unit's
/// staff are told.
///
/// # Errors
/// [`AppError::Forbidden`] for roles that do not ask; [`AppError::Invalid`] naming the fields
/// (`subject`, `body`, a project outside the asker's scope, an unknown catalog item, a unit
/// that does not answer).
pub async fn ask(
    app: &App,
    actor: &Actor,
    input: &AskInput,
    meta: &Meta,
) -> AppResult<ConsultationView> {
    if !matches!(
        actor.role,
        Role::Enterprise | Role::Agent | Role::Helper | Role::UnitLeader | Role::Coordinator
    ) || (actor.role == Role::Enterprise && actor.enterprise_id.is_none())
    {
        return Err(forbidden());
    }
    let mut checks = Checks::default();
    let subject = checks.text("subject", "咨询标题", &input.subject, 200);
    let body = checks.text("body", "咨询内容", &input.body, 4000);
    let now = app.now();
    let w = app.begin_write().await?;
    let mut routed: Option<(i64, &str)> = None;
    if let Some(u) = input.unit_id {
        if answering_unit(&w.txn, u).await? {
            routed = Some((u, "unit"));
        } else {
            checks.push(unit_error("unit_id"));
        }
    }
    if let Some(i) = input.catalog_item_id {
        match catalog_item::Entity::find_by_id(i).one(&w.txn).await? {
            Some(item) => {
                if routed.is_none() {
                    routed = Some((item.department_id, "catalog_item"));
                }
            }
            None => checks.push(FieldError::new(
                "catalog_item_id",
                "unknown_item",
                "所涉审批事项不在事项目录中",
                "the catalog item does not exist",
            )),
        }
    }
    if let Some(p) = input.project_id {
        let found = match crate::scope::of(actor) {
            Ok(s) => {
                crate::scope::projects(s, project::Entity::find_by_id(p))
                    .one(&w.txn)
                    .await?
            }
            Err(_) => None,
        };
        match found {
            Some(p) => {
                if routed.is_none() {
                    routed = Some((p.unit_id, "project"));
                }
            }
            None => checks.push(FieldError::new(
                "project_id",
                "project",
                "所涉项目须为您可查看的项目",
                "the project must be one you can see",
            )),
        }
    }
    checks.finish()?;
    let (unit_id, routed_by) = match routed {
        Some(r) => r,
        None => match bureau_unit(&w.txn).await? {
            Some(b) => (b, "bureau"),
            None => return Err(AppError::Invalid(vec![unit_error("unit_id")])),
        },
    };
    let due = due_at(&app.calendar(), app.consultation_days, now)?;
    let m = consultation::Entity::insert(consultation::ActiveModel {
        asker_user_id: Set(actor.user_id),
        asker_enterprise_id: Set(if actor.role == Role::Enterprise {
            actor.enterprise_id
        } else {
            None
        }),
        project_id: Set(input.project_id),
        catalog_item_id: Set(input.catalog_item_id),
        unit_id: Set(unit_id),
        routed_by: Set(routed_by.to_owned()),
        subject: Set(subject),
        body: Set(body),
        status: Set(ConsultationStatus::Open.code().to_owned()),
        asked_at: Set(now),
        due_at: Set(due),
        answered_at: Set(None),
        answered_by: Set(None),
        answered_late: Set(false),
        resolved_at: Set(None),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    message(&w.txn, m.id, actor.user_id, "question", &m.body, None, now).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "consultation.ask",
            object_type: "consultation",
            object_id: m.id.to_string(),
            before: None,
            after: Some(snapshot(&m)),
        },
    )
    .await?;
    let due_local = due.with_timezone(&CHINA).format("%Y-%m-%d %H:%M");
    let n = notice(
        &m,
        Msg::new(
            format!("新的在线咨询：{}", m.subject),
            format!("New consultation: {}", m.subject),
        ),
        Msg::new(
            format!("请于 {due_local} 前答复在线咨询“{}”。", m.subject),
            format!(
                "Please answer the consultation \u{201c}{}\u{201d} by {due_local} (China time).",
                m.subject
            ),
        ),
    );
    for u in answerers(&w.txn, unit_id).await? {
        if u != actor.user_id {
            timeline::notify(&w.txn, now, Recipient::User(u), &n).await?;
        }
    }
    let v = view(&w.txn, actor, m, now, true).await?;
    w.commit().await?;
    Ok(v)
}

/// The consultations `actor` may see, newest first (without their threads).
///
/// # Errors
/// [`AppError::Forbidden`] for the administrator and the auditor; [`AppError::Invalid`] on an
/// unknown `status` or `warning`.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &ConsultationFilter,
) -> AppResult<Vec<ConsultationView>> {
    if matches!(actor.role, Role::Admin | Role::Auditor) {
        return Err(forbidden());
    }
    let status = match f.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(ConsultationStatus::from_code(s).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "status",
                "unknown",
                "状态须为：待答复、已答复或已解决",
                "status must be open, answered or resolved",
            )])
        })?),
        None => None,
    };
    let level = match f.warning.as_deref().filter(|s| !s.is_empty()) {
        Some("yellow") => Some(Warning::Yellow),
        Some("red") => Some(Warning::Red),
        Some(_) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "warning",
                "unknown",
                "预警须为黄色或红色",
                "warning must be yellow or red",
            )]));
        }
        None => None,
    };
    let db = &app.db.conn;
    let mut q = consultation::Entity::find().order_by_desc(consultation::Column::Id);
    if !bureau_wide(actor) {
        q = match actor.role {
            Role::Enterprise => q.filter(
                consultation::Column::AskerEnterpriseId.eq(actor.enterprise_id.unwrap_or(-1)),
            ),
            _ => q.filter(
                sea_orm::Condition::any()
                    .add(consultation::Column::UnitId.eq(actor.unit_id.unwrap_or(-1)))
                    .add(consultation::Column::AskerUserId.eq(actor.user_id)),
            ),
        };
    }
    if let Some(s) = status {
        q = q.filter(consultation::Column::Status.eq(s.code()));
    }
    if level.is_some() {
        q = q.filter(consultation::Column::Status.eq(ConsultationStatus::Open.code()));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(consultation::Column::UnitId.eq(u));
    }
    let now = app.now();
    let mut out = Vec::new();
    for c in q.all(db).await? {
        if !sees(actor, &c) || level.is_some_and(|l| level_of(&c, now) != l) {
            continue;
        }
        out.push(view(db, actor, c, now, false).await?);
    }
    Ok(out)
}

/// The unanswered consultations past their due time or on their last working day (the
/// bureau's overview), red first, oldest due first.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but the bureau (coordinators, the city leader, the
/// bureau's leader).
pub async fn overdue(app: &App, actor: &Actor) -> AppResult<Vec<ConsultationView>> {
    if !bureau_wide(actor) {
        return Err(forbidden());
    }
    let db = &app.db.conn;
    let now = app.now();
    let mut rows: Vec<(Warning, consultation::Model)> = consultation::Entity::find()
        .filter(consultation::Column::Status.eq(ConsultationStatus::Open.code()))
        .order_by_asc(consultation::Column::DueAt)
        .order_by_asc(consultation::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (level_of(&c, now), c))
        .filter(|(l, _)| *l != Warning::None)
        .collect();
    rows.sort_by_key(|(l, _)| std::cmp::Reverse(*l));
    let mut out = Vec::new();
    for (_, c) in rows {
        out.push(view(db, actor, c, now, false).await?);
    }
    Ok(out)
}

/// How many unanswered consultations routed to the actor's unit (the bureau: all) are yellow
/// and red now: the workbench's figures.
///
/// # Errors
/// Database failure.
pub async fn warning_counts(app: &App, actor: &Actor) -> AppResult<(usize, usize)> {
    let mut q = consultation::Entity::find()
        .filter(consultation::Column::Status.eq(ConsultationStatus::Open.code()));
    if !bureau_wide(actor) {
        match (actor.role, actor.unit_id) {
            (Role::Agent | Role::Helper | Role::UnitLeader, Some(u)) => {
                q = q.filter(consultation::Column::UnitId.eq(u));
            }
            _ => return Ok((0, 0)),
        }
    }
    let now = app.now();
    let (mut yellow, mut red) = (0, 0);
    for c in q.all(&app.db.conn).await? {
        match level_of(&c, now) {
            Warning::Yellow => yellow += 1,
            Warning::Red => red += 1,
            Warning::None => {}
        }
    }
    Ok((yellow, red))
}

/// One consultation with its thread.
///
/// # Errors
/// [`AppError::NotFound`] when absent or outside the caller's sight.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<ConsultationView> {
    let db = &app.db.conn;
    let c = consultation::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| sees(actor, c))
        .ok_or(AppError::NotFound)?;
    view(db, actor, c, app.now(), true).await
}

fn state_conflict(status: &str, what_zh: &str, what_en: &str) -> AppError {
    AppError::Conflict {
        code: "consultation_state",
        message: Msg::new(
            format!("该咨询当前状态（{status}）不允许{what_zh}"),
            format!("a consultation that is {status} does not allow {what_en}"),
        ),
    }
}

/// Loads `id` for a change inside `txn`: in sight, at `version`.
async fn load_for_change<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    id: i64,
    version: i32,
) -> AppResult<consultation::Model> {
    let c = consultation::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|c| sees(actor, c))
        .ok_or(AppError::NotFound)?;
    if c.version != version {
        return Err(version_conflict());
    }
    Ok(c)
}

/// Adds a message: from the asker a follow-up, from the answering unit's staff or the bureau
/// an answer. The first answer stops the clock (late if after the due time) and tells the
/// asker; a follow-up tells whoever answered (else the unit's staff).
///
/// # Errors
/// [`AppError::NotFound`]; [`AppError::Forbidden`] for a reader who is neither side;
/// [`AppError::Conflict`] (`consultation_state` once resolved, `version_conflict`);
/// [`AppError::Invalid`] on `body`.
pub async fn post_message(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &MessageInput,
    meta: &Meta,
) -> AppResult<ConsultationView> {
    let mut checks = Checks::default();
    let body = checks.text("body", "内容", &input.body, 4000);
    let now = app.now();
    let w = app.begin_write().await?;
    let c = load_for_change(&w.txn, actor, id, input.version).await?;
    let status = ConsultationStatus::from_code(&c.status).unwrap_or(ConsultationStatus::Open);
    let asker = is_asker(actor, &c);
    if !asker && !is_answerer(actor, &c) {
        return Err(forbidden());
    }
    if !status.is_live() {
        return Err(state_conflict(c.status.as_str(), "继续留言", "messages"));
    }
    checks.finish()?;
    let before = snapshot(&c);
    let mut am: consultation::ActiveModel = c.clone().into();
    let kind = if asker { "follow_up" } else { "answer" };
    let mut recipients: Vec<Recipient> = Vec::new();
    if asker {
        match c.answered_by {
            Some(a) if a != actor.user_id => recipients.push(Recipient::User(a)),
            Some(_) => {}
            None => {
                for u in answerers(&w.txn, c.unit_id).await? {
                    if u != actor.user_id {
                        recipients.push(Recipient::User(u));
                    }
                }
            }
        }
    } else {
        if status == ConsultationStatus::Open {
            am.status = Set(ConsultationStatus::Answered.code().to_owned());
            am.answered_at = Set(Some(now));
            am.answered_by = Set(Some(actor.user_id));
            am.answered_late = Set(now > c.due_at);
        }
        recipients.push(to_asker(&c));
    }
    am.version = Set(c.version + 1);
    am.updated_at = Set(now);
    let m = consultation::Entity::update(am).exec(&w.txn).await?;
    message(&w.txn, m.id, actor.user_id, kind, &body, None, now).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: if asker {
                "consultation.follow_up"
            } else {
                "consultation.answer"
            },
            object_type: "consultation",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(serde_json::json!({"consultation": snapshot(&m), "message": body})),
        },
    )
    .await?;
    let n = if asker {
        notice(
            &m,
            Msg::new(
                format!("咨询追问：{}", m.subject),
                format!("Follow-up question: {}", m.subject),
            ),
            Msg::new(body.clone(), body.clone()),
        )
    } else {
        notice(
            &m,
            Msg::new(
                format!("您的咨询已答复：{}", m.subject),
                format!("Your consultation was answered: {}", m.subject),
            ),
            Msg::new(body.clone(), body.clone()),
        )
    };
    for r in recipients {
        timeline::notify(&w.txn, now, r, &n).await?;
    }
    let v = view(&w.txn, actor, m, now, true).await?;
    w.commit().await?;
    Ok(v)
}

/// The asker marks an answered consultation resolved; the thread closes.
///
/// # Errors
/// [`AppError::NotFound`]; [`AppError::Forbidden`] for anyone but the asker;
/// [`AppError::Conflict`] (`consultation_state` unless answered, `version_conflict`);
/// [`AppError::Invalid`] on `note`.
pub async fn resolve(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ResolveInput,
    meta: &Meta,
) -> AppResult<ConsultationView> {
    let mut checks = Checks::default();
    let note = checks.optional_text("note", "备注", &input.note, 1000);
    let now = app.now();
    let w = app.begin_write().await?;
    let c = load_for_change(&w.txn, actor, id, input.version).await?;
    if !is_asker(actor, &c) {
        return Err(forbidden());
    }
    let status = ConsultationStatus::from_code(&c.status).unwrap_or(ConsultationStatus::Open);
    if !status.may_resolve() {
        return Err(state_conflict(
            c.status.as_str(),
            "标记为已解决",
            "resolving",
        ));
    }
    checks.finish()?;
    let before = snapshot(&c);
    let mut am: consultation::ActiveModel = c.clone().into();
    am.status = Set(ConsultationStatus::Resolved.code().to_owned());
    am.resolved_at = Set(Some(now));
    am.version = Set(c.version + 1);
    am.updated_at = Set(now);
    let m = consultation::Entity::update(am).exec(&w.txn).await?;
    message(&w.txn, m.id, actor.user_id, "resolve", &note, None, now).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "consultation.resolve",
            object_type: "consultation",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(snapshot(&m)),
        },
    )
    .await?;
    if let Some(a) = m.answered_by.filter(|a| *a != actor.user_id) {
        let n = notice(
            &m,
            Msg::new(
                format!("咨询已解决：{}", m.subject),
                format!("Consultation resolved: {}", m.subject),
            ),
            Msg::new(
                "提问人已将该咨询标记为已解决。",
                "The asker marked the consultation resolved.",
            ),
        );
        timeline::notify(&w.txn, now, Recipient::User(a), &n).await?;
    }
    let v = view(&w.txn, actor, m, now, true).await?;
    w.commit().await?;
    Ok(v)
}

/// A coordinator sends a live consultation to another unit, with the reason; the due time
/// stays (the asker's wait does not restart), and the new unit's staff are told.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::NotFound`]; [`AppError::Conflict`]
/// (`consultation_state` once resolved, `version_conflict`); [`AppError::Invalid`] on
/// `unit_id` (not an answering unit, or the current one) and `reason`.
pub async fn reroute(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &RerouteInput,
    meta: &Meta,
) -> AppResult<ConsultationView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let mut checks = Checks::default();
    let reason = checks.text("reason", "改派理由", &input.reason, 1000);
    let now = app.now();
    let w = app.begin_write().await?;
    let c = load_for_change(&w.txn, actor, id, input.version).await?;
    let status = ConsultationStatus::from_code(&c.status).unwrap_or(ConsultationStatus::Open);
    if !status.is_live() {
        return Err(state_conflict(c.status.as_str(), "改派", "re-routing"));
    }
    if input.unit_id == c.unit_id {
        checks.push(FieldError::new(
            "unit_id",
            "same_unit",
            "改派单位须不同于当前答复单位",
            "the new unit must differ from the current one",
        ));
    } else if !answering_unit(&w.txn, input.unit_id).await? {
        checks.push(unit_error("unit_id"));
    }
    checks.finish()?;
    let before = snapshot(&c);
    let mut am: consultation::ActiveModel = c.clone().into();
    am.unit_id = Set(input.unit_id);
    am.routed_by = Set("reroute".to_owned());
    am.version = Set(c.version + 1);
    am.updated_at = Set(now);
    let m = consultation::Entity::update(am).exec(&w.txn).await?;
    message(
        &w.txn,
        m.id,
        actor.user_id,
        "reroute",
        &reason,
        Some(input.unit_id),
        now,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "consultation.reroute",
            object_type: "consultation",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(serde_json::json!({"consultation": snapshot(&m), "reason": reason})),
        },
    )
    .await?;
    let due_local = m.due_at.with_timezone(&CHINA).format("%Y-%m-%d %H:%M");
    let n = notice(
        &m,
        Msg::new(
            format!("审批局改派在线咨询：{}", m.subject),
            format!("Consultation re-routed to your unit: {}", m.subject),
        ),
        Msg::new(
            format!("改派理由：{reason}。请于 {due_local} 前答复。"),
            format!("Reason: {reason}. Please answer by {due_local} (China time)."),
        ),
    );
    for u in answerers(&w.txn, m.unit_id).await? {
        if u != actor.user_id {
            timeline::notify(&w.txn, now, Recipient::User(u), &n).await?;
        }
    }
    let v = view(&w.txn, actor, m, now, true).await?;
    w.commit().await?;
    Ok(v)
}

/// The monitor's check: every unanswered consultation at yellow (its last working day) or red
/// (overdue) gets one alert per level and due time, notifying the answering unit's staff (and,
/// when red, the bureau's coordinators). Idempotent across runs and restarts: the unique
/// (consultation, level, due time) row is inserted once. Returns the alerts raised now.
///
/// # Errors
/// Database failure.
pub async fn watch<C: ConnectionTrait>(txn: &C, now: DateTime<Utc>) -> AppResult<u64> {
    let open = consultation::Entity::find()
        .filter(consultation::Column::Status.eq(ConsultationStatus::Open.code()))
        .order_by_asc(consultation::Column::Id)
        .all(txn)
        .await?;
    let mut raised = 0;
    for c in open {
        let level = level_of(&c, now);
        if level == Warning::None {
            continue;
        }
        let inserted = consultation_alert::Entity::insert(consultation_alert::ActiveModel {
            consultation_id: Set(c.id),
            level: Set(level.code().to_owned()),
            due_at: Set(c.due_at),
            unit_id: Set(c.unit_id),
            raised_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                consultation_alert::Column::ConsultationId,
                consultation_alert::Column::Level,
                consultation_alert::Column::DueAt,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        if inserted == 0 {
            continue;
        }
        raised += 1;
        let red = level == Warning::Red;
        let due_local = c.due_at.with_timezone(&CHINA).format("%Y-%m-%d %H:%M");
        let n = Notice {
            kind: format!("deadline.{}", level.code()),
            title: Msg::new(
                format!(
                    "{}：{}",
                    if red {
                        "咨询答复超期"
                    } else {
                        "咨询今日到期"
                    },
                    c.subject
                ),
                format!(
                    "{}: {}",
                    if red {
                        "Consultation overdue"
                    } else {
                        "Consultation due today"
                    },
                    c.subject
                ),
            ),
            body: Msg::new(
                format!("在线咨询“{}”应于 {due_local} 前答复。", c.subject),
                format!(
                    "The consultation \u{201c}{}\u{201d} is to be answered by {due_local} (China time).",
                    c.subject
                ),
            ),
            project_id: c.project_id,
            case_item_id: None,
        };
        let mut to = answerers(txn, c.unit_id).await?;
        if red {
            to.extend(coordinators(txn).await?);
        }
        to.sort_unstable();
        to.dedup();
        for u in to {
            timeline::notify(txn, now, Recipient::User(u), &n).await?;
        }
    }
    Ok(raised)
}

/// The choices of the ask form: the asker's projects, the units that answer, the catalog's
/// current items, `(id, name)` each.
#[derive(Debug, Clone, Default)]
pub struct FormChoices {
    /// The asker's projects in scope (newest first, at most 200).
    pub projects: Vec<(i64, String)>,
    /// Units that answer.
    pub units: Vec<(i64, String)>,
    /// Current catalog items.
    pub items: Vec<(i64, String)>,
}

/// What the ask and re-route forms offer `actor`.
///
/// # Errors
/// Database failure.
pub async fn form_choices(app: &App, actor: &Actor) -> AppResult<FormChoices> {
    let db = &app.db.conn;
    let projects = match crate::scope::of(actor) {
        Ok(s) => crate::scope::projects(s, project::Entity::find())
            .order_by_desc(project::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .take(200)
            .map(|p| (p.id, p.name))
            .collect(),
        Err(_) => Vec::new(),
    };
    let units = unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| {
            u.kind.parse::<UnitKind>().is_ok_and(|k| {
                k.is_town_unit() || matches!(k, UnitKind::Department | UnitKind::Bureau)
            })
        })
        .map(|u| (u.id, u.name))
        .collect();
    let items = catalog_item::Entity::find()
        .filter(catalog_item::Column::Current.eq(true))
        .order_by_asc(catalog_item::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    Ok(FormChoices {
        projects,
        units,
        items,
    })
}
