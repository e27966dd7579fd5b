//! Handover (交接): when an adjustment takes effect, every open case item, problem, action item,
//! mandate and material held by the outgoing person moves to the successor in the same
//! transaction, listed in a handover record that both confirm. The outgoing account is closed
//! when both have confirmed; anything it picked up in between moves then too.
//!
//! [`orphaned_work`] is the invariant `daiban check` proves: no open work is owned by an inactive
//! account and no material is held by one.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, FieldError, Msg, forbidden, version_conflict};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::case_item::CaseState;
use daiban_domain::custody::CustodyState;
use daiban_domain::mandate::MandateState;
use daiban_domain::problem::{ActionItemStatus, ProblemStatus};
use daiban_domain::project::ProjectStatus;
use daiban_domain::role::Role;
use daiban_store::entity::{
    action_item, case_item, handover, handover_entry, mandate, material, problem, project, user,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

/// The kinds of work a handover moves, in the order a record lists them.
pub const KINDS: [&str; 7] = [
    "case_item_agent",
    "case_item_helper",
    "problem",
    "action_item",
    "material",
    "mandate",
    "project_bureau_helper",
];

fn open_case_states() -> Vec<&'static str> {
    CaseState::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(CaseState::code)
        .collect()
}

fn open_mandate_states() -> Vec<&'static str> {
    [MandateState::Active, MandateState::Suspended]
        .into_iter()
        .map(MandateState::code)
        .collect()
}

fn open_project_statuses() -> Vec<&'static str> {
    ProjectStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(ProjectStatus::code)
        .collect()
}

/// A piece of open work and who owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Work {
    /// One of [`KINDS`].
    pub kind: String,
    /// The row's id (case item, problem, action item, material, mandate, project).
    pub ref_id: i64,
    /// The project it belongs to, if any.
    pub project_id: Option<i64>,
    /// What it is, for people.
    pub label: String,
    /// The owner's account.
    pub user_id: i64,
}

/// The open work owned, and the materials held, by `users` (all users when `None`).
async fn work_of<C: ConnectionTrait>(db: &C, users: Option<&[i64]>) -> AppResult<Vec<Work>> {
    let mut out = Vec::new();
    let open = open_case_states();
    let mut q = case_item::Entity::find().filter(case_item::Column::State.is_in(open.clone()));
    if let Some(u) = users {
        q = q.filter(
            case_item::Column::AgentId
                .is_in(u.to_vec())
                .or(case_item::Column::HelperId.is_in(u.to_vec())),
        );
    }
    for c in q.order_by_asc(case_item::Column::Id).all(db).await? {
        let label = format!("{} {}", c.item_code, c.item_name);
        for (kind, who) in [
            ("case_item_agent", c.agent_id),
            ("case_item_helper", c.helper_id),
        ] {
            if let Some(w) = who.filter(|w| users.is_none_or(|u| u.contains(w))) {
                out.push(Work {
                    kind: kind.into(),
                    ref_id: c.id,
                    project_id: Some(c.project_id),
                    label: label.clone(),
                    user_id: w,
                });
            }
        }
    }
    let mut q = problem::Entity::find()
        .filter(problem::Column::Status.ne(ProblemStatus::Closed.code()))
        .filter(problem::Column::OwnerId.is_not_null());
    if let Some(u) = users {
        q = q.filter(problem::Column::OwnerId.is_in(u.to_vec()));
    }
    for p in q.order_by_asc(problem::Column::Id).all(db).await? {
        out.push(Work {
            kind: "problem".into(),
            ref_id: p.id,
            project_id: Some(p.project_id),
            label: p.title,
            user_id: p.owner_id.unwrap_or_default(),
        });
    }
    let mut q = action_item::Entity::find()
        .filter(action_item::Column::Status.eq(ActionItemStatus::Open.code()))
        .filter(action_item::Column::OwnerUserId.is_not_null());
    if let Some(u) = users {
        q = q.filter(action_item::Column::OwnerUserId.is_in(u.to_vec()));
    }
    for a in q.order_by_asc(action_item::Column::Id).all(db).await? {
        out.push(Work {
            kind: "action_item".into(),
            ref_id: a.id,
            project_id: a.project_id,
            label: a.title,
            user_id: a.owner_user_id.unwrap_or_default(),
        });
    }
    let mut q = material::Entity::find()
        .filter(
            material::Column::State
                .is_in([CustodyState::Held.code(), CustodyState::Transferred.code()]),
        )
        .filter(material::Column::HolderUserId.is_not_null());
    if let Some(u) = users {
        q = q.filter(material::Column::HolderUserId.is_in(u.to_vec()));
    }
    for m in q.order_by_asc(material::Column::Id).all(db).await? {
        out.push(Work {
            kind: "material".into(),
            ref_id: m.id,
            project_id: Some(m.project_id),
            label: m.name,
            user_id: m.holder_user_id.unwrap_or_default(),
        });
    }
    let mut mandates = Vec::new();
    for m in mandate::Entity::find()
        .filter(mandate::Column::State.is_in(open_mandate_states()))
        .order_by_asc(mandate::Column::Id)
        .all(db)
        .await?
    {
        let ids: Vec<i64> = serde_json::from_str(&m.agent_ids).map_err(anyhow::Error::from)?;
        for id in ids {
            if users.is_none_or(|u| u.contains(&id)) {
                mandates.push((m.id, m.project_id, id));
            }
        }
    }
    // A mandate is named by its project.
    let names: std::collections::BTreeMap<i64, String> = project::Entity::find()
        .filter(project::Column::Id.is_in(mandates.iter().map(|m| m.1).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    for (id, project_id, user_id) in mandates {
        out.push(Work {
            kind: "mandate".into(),
            ref_id: id,
            project_id: Some(project_id),
            label: names.get(&project_id).cloned().unwrap_or_default(),
            user_id,
        });
    }
    let mut q = project::Entity::find()
        .filter(project::Column::Status.is_in(open_project_statuses()))
        .filter(project::Column::BureauHelperId.is_not_null());
    if let Some(u) = users {
        q = q.filter(project::Column::BureauHelperId.is_in(u.to_vec()));
    }
    for p in q.order_by_asc(project::Column::Id).all(db).await? {
        out.push(Work {
            kind: "project_bureau_helper".into(),
            ref_id: p.id,
            project_id: Some(p.id),
            label: p.name,
            user_id: p.bureau_helper_id.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Open work owned, and materials held, by inactive accounts. Empty when the invariant holds.
///
/// # Errors
/// Database failure.
pub async fn orphaned_work<C: ConnectionTrait>(db: &C) -> AppResult<Vec<Work>> {
    let inactive: Vec<i64> = user::Entity::find()
        .filter(user::Column::Active.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    if inactive.is_empty() {
        return Ok(Vec::new());
    }
    work_of(db, Some(&inactive)).await
}

/// The open work owned by one account (the administrator may not close an account that has any).
///
/// # Errors
/// Database failure.
pub async fn open_work_of<C: ConnectionTrait>(db: &C, user_id: i64) -> AppResult<Vec<Work>> {
    work_of(db, Some(&[user_id])).await
}

/// Moves everything `from` owns or holds to `to`, lists it under `handover_id`, and returns what
/// moved. Runs inside the caller's transaction.
pub(crate) async fn move_work<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    handover_id: i64,
    from: i64,
    to: i64,
) -> AppResult<Vec<Work>> {
    let work = work_of(txn, Some(&[from])).await?;
    let to_name = crate::users::user_name(txn, Some(to)).await?;
    for w in &work {
        match w.kind.as_str() {
            "case_item_agent" => {
                case_item::Entity::update_many()
                    .col_expr(case_item::Column::AgentId, Expr::value(to))
                    .filter(case_item::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
            "case_item_helper" => {
                case_item::Entity::update_many()
                    .col_expr(case_item::Column::HelperId, Expr::value(to))
                    .filter(case_item::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
            "problem" => {
                problem::Entity::update_many()
                    .col_expr(problem::Column::OwnerId, Expr::value(to))
                    .filter(problem::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
            "action_item" => {
                action_item::Entity::update_many()
                    .col_expr(action_item::Column::OwnerUserId, Expr::value(to))
                    .filter(action_item::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
            "material" => {
                material::Entity::update_many()
                    .col_expr(material::Column::HolderUserId, Expr::value(to))
                    .col_expr(material::Column::HolderName, Expr::value(to_name.clone()))
                    .col_expr(material::Column::UpdatedAt, Expr::value(now))
                    .filter(material::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
            "mandate" => {
                let m = mandate::Entity::find_by_id(w.ref_id)
                    .one(txn)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let mut ids: Vec<i64> =
                    serde_json::from_str(&m.agent_ids).map_err(anyhow::Error::from)?;
                for id in &mut ids {
                    if *id == from {
                        *id = to;
                    }
                }
                ids.dedup();
                let mut seen = std::collections::BTreeSet::new();
                ids.retain(|id| seen.insert(*id));
                mandate::Entity::update_many()
                    .col_expr(
                        mandate::Column::AgentIds,
                        Expr::value(serde_json::to_string(&ids).map_err(anyhow::Error::from)?),
                    )
                    .col_expr(mandate::Column::UpdatedAt, Expr::value(now))
                    .filter(mandate::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
            _ => {
                project::Entity::update_many()
                    .col_expr(project::Column::BureauHelperId, Expr::value(to))
                    .filter(project::Column::Id.eq(w.ref_id))
                    .exec(txn)
                    .await?;
            }
        }
        handover_entry::Entity::insert(handover_entry::ActiveModel {
            handover_id: Set(handover_id),
            kind: Set(w.kind.clone()),
            ref_id: Set(w.ref_id),
            project_id: Set(w.project_id),
            label: Set(w.label.chars().take(200).collect()),
            moved_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(txn)
        .await?;
    }
    Ok(work)
}

/// Opens the handover of an approved adjustment and moves the work. Runs inside the caller's
/// transaction; returns the handover's id.
pub(crate) async fn open<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    filing_id: i64,
    unit_id: i64,
    from: i64,
    to: i64,
) -> AppResult<(i64, usize)> {
    let id = handover::Entity::insert(handover::ActiveModel {
        filing_id: Set(filing_id),
        unit_id: Set(unit_id),
        from_user_id: Set(from),
        to_user_id: Set(to),
        status: Set("open".into()),
        created_at: Set(now),
        from_confirmed_at: Set(None),
        from_confirmed_by: Set(None),
        to_confirmed_at: Set(None),
        to_confirmed_by: Set(None),
        note: Set(String::new()),
        version: Set(1),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    let moved = move_work(txn, now, id, from, to).await?;
    let n = Notice {
        kind: "handover".into(),
        title: Msg::new("请确认工作交接", "Please confirm a handover"),
        body: Msg::new(
            format!(
                "人员调整已生效，{} 项在手工作已移交，请在交接单上确认。",
                moved.len()
            ),
            format!(
                "A staff adjustment took effect; {} pieces of open work were handed over. Please confirm the handover record.",
                moved.len()
            ),
        ),
        project_id: None,
        case_item_id: None,
    };
    for u in [from, to] {
        timeline::notify(txn, now, Recipient::User(u), &n).await?;
    }
    Ok((id, moved.len()))
}

/// A handover as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverView {
    /// Id.
    pub id: i64,
    /// The adjustment it belongs to.
    pub filing_id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The outgoing person.
    pub from_user_id: i64,
    /// Their name.
    pub from_name: String,
    /// The successor.
    pub to_user_id: i64,
    /// Their name.
    pub to_name: String,
    /// `open` or `confirmed`.
    pub status: String,
    /// When the work moved.
    pub created_at: DateTime<Utc>,
    /// The outgoing side's confirmation.
    pub from_confirmed_at: Option<DateTime<Utc>>,
    /// Who confirmed it (the person, or a coordinator on their behalf).
    pub from_confirmed_by: String,
    /// The successor's confirmation.
    pub to_confirmed_at: Option<DateTime<Utc>>,
    /// Who confirmed it.
    pub to_confirmed_by: String,
    /// Notes of the confirmations.
    pub note: String,
    /// What moved.
    pub entries: Vec<EntryView>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// One line of a handover record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    /// One of [`KINDS`].
    pub kind: String,
    /// The row's id.
    pub ref_id: i64,
    /// The project, if any.
    pub project_id: Option<i64>,
    /// What it is.
    pub label: String,
    /// When it moved.
    pub moved_at: DateTime<Utc>,
}

/// Whether `actor` may read handover `h`: the two people, the unit's leader and staff, the bureau.
fn may_read(actor: &Actor, h: &handover::Model) -> bool {
    match actor.role {
        Role::Coordinator | Role::CityLeader => true,
        Role::UnitLeader | Role::Agent | Role::Helper => {
            actor.unit_id == Some(h.unit_id)
                || actor.user_id == h.from_user_id
                || actor.user_id == h.to_user_id
        }
        _ => false,
    }
}

/// One handover with its record.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside the caller's scope.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<HandoverView> {
    let h = handover::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|h| may_read(actor, h))
        .ok_or(AppError::NotFound)?;
    view(db, h).await
}

async fn view<C: ConnectionTrait>(db: &C, h: handover::Model) -> AppResult<HandoverView> {
    let entries = handover_entry::Entity::find()
        .filter(handover_entry::Column::HandoverId.eq(h.id))
        .order_by_asc(handover_entry::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| EntryView {
            kind: e.kind,
            ref_id: e.ref_id,
            project_id: e.project_id,
            label: e.label,
            moved_at: e.moved_at,
        })
        .collect();
    Ok(HandoverView {
        id: h.id,
        filing_id: h.filing_id,
        unit_id: h.unit_id,
        unit_name: crate::users::unit_name(db, Some(h.unit_id)).await?,
        from_user_id: h.from_user_id,
        from_name: crate::users::user_name(db, Some(h.from_user_id)).await?,
        to_user_id: h.to_user_id,
        to_name: crate::users::user_name(db, Some(h.to_user_id)).await?,
        status: h.status,
        created_at: h.created_at,
        from_confirmed_at: h.from_confirmed_at,
        from_confirmed_by: crate::users::user_name(db, h.from_confirmed_by).await?,
        to_confirmed_at: h.to_confirmed_at,
        to_confirmed_by: crate::users::user_name(db, h.to_confirmed_by).await?,
        note: h.note,
        entries,
        version: h.version,
    })
}

/// The handover of filing `filing_id`, if it has one (within the caller's scope).
///
/// # Errors
/// Database failure.
pub async fn of_filing<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filing_id: i64,
) -> AppResult<Option<HandoverView>> {
    match handover::Entity::find()
        .filter(handover::Column::FilingId.eq(filing_id))
        .one(db)
        .await?
        .filter(|h| may_read(actor, h))
    {
        Some(h) => Ok(Some(view(db, h).await?)),
        None => Ok(None),
    }
}

/// Open handovers the caller must confirm (their own side) — the workbench's reminder.
///
/// # Errors
/// Database failure.
pub async fn awaiting<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<HandoverView>> {
    let mut q = handover::Entity::find().filter(handover::Column::Status.eq("open"));
    q = if actor.role == Role::Coordinator {
        q
    } else {
        q.filter(
            handover::Column::FromUserId
                .eq(actor.user_id)
                .and(handover::Column::FromConfirmedAt.is_null())
                .or(handover::Column::ToUserId
                    .eq(actor.user_id)
                    .and(handover::Column::ToConfirmedAt.is_null())),
        )
    };
    let mut out = Vec::new();
    for h in q.order_by_asc(handover::Column::Id).all(db).await? {
        out.push(view(db, h).await?);
    }
    Ok(out)
}

/// Which side a confirmation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The outgoing person (交出方).
    From,
    /// The successor (接收方).
    To,
}

/// Confirms one side of a handover. The person confirms their own side; a coordinator may
/// confirm a side on the person's behalf with a note (someone who has left cannot log in). When
/// both sides have confirmed, the handover is complete: anything the outgoing account picked up
/// since moves too, and the outgoing account is closed.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone else; [`AppError::Conflict`] when the side is already
/// confirmed or the version is stale; [`AppError::Invalid`] without a note on someone's behalf.
pub async fn confirm(
    app: &App,
    actor: &Actor,
    id: i64,
    side: Side,
    note: &str,
    version: i32,
    meta: &Meta,
) -> AppResult<HandoverView> {
    let now = app.now();
    let w = app.begin_write().await?;
    let h = handover::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .filter(|h| may_read(actor, h))
        .ok_or(AppError::NotFound)?;
    if h.version != version {
        return Err(version_conflict());
    }
    let person = match side {
        Side::From => h.from_user_id,
        Side::To => h.to_user_id,
    };
    let on_behalf = actor.user_id != person;
    if on_behalf && actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let note = note.trim();
    if on_behalf && note.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "note",
            "required",
            "代为确认须说明原因",
            "confirming on someone's behalf needs a note",
        )]));
    }
    let already = match side {
        Side::From => h.from_confirmed_at.is_some(),
        Side::To => h.to_confirmed_at.is_some(),
    };
    if already || h.status != "open" {
        return Err(AppError::Conflict {
            code: "already_confirmed",
            message: Msg::new("该方已确认交接", "This side has already confirmed"),
        });
    }
    let (from_at, to_at) = match side {
        Side::From => (Some(now), h.to_confirmed_at),
        Side::To => (h.from_confirmed_at, Some(now)),
    };
    let complete = from_at.is_some() && to_at.is_some();
    let mut all_note = h.note.clone();
    if !note.is_empty() {
        if !all_note.is_empty() {
            all_note.push('\n');
        }
        all_note.push_str(note);
    }
    let mut upd = handover::Entity::update_many()
        .col_expr(handover::Column::Version, Expr::value(h.version + 1))
        .col_expr(handover::Column::Note, Expr::value(all_note))
        .col_expr(
            handover::Column::Status,
            Expr::value(if complete { "confirmed" } else { "open" }),
        );
    upd = match side {
        Side::From => upd
            .col_expr(handover::Column::FromConfirmedAt, Expr::value(now))
            .col_expr(
                handover::Column::FromConfirmedBy,
                Expr::value(actor.user_id),
            ),
        Side::To => upd
            .col_expr(handover::Column::ToConfirmedAt, Expr::value(now))
            .col_expr(handover::Column::ToConfirmedBy, Expr::value(actor.user_id)),
    };
    let res = upd
        .filter(handover::Column::Id.eq(id))
        .filter(handover::Column::Version.eq(h.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(version_conflict());
    }
    let mut late = 0;
    if complete {
        late = move_work(&w.txn, now, id, h.from_user_id, h.to_user_id)
            .await?
            .len();
        close_account(&w.txn, now, h.from_user_id).await?;
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "handover.confirm",
            object_type: "handover",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "side": match side { Side::From => "from", Side::To => "to" },
                "on_behalf": on_behalf,
                "note": note,
                "complete": complete,
                "moved_on_completion": late,
                "account_closed": complete.then_some(h.from_user_id),
            })),
        },
    )
    .await?;
    let out = view(
        &w.txn,
        handover::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    w.commit().await?;
    Ok(out)
}

/// Closes an account that has left its post: inactive, sessions revoked.
async fn close_account<C: ConnectionTrait>(txn: &C, now: DateTime<Utc>, id: i64) -> AppResult<()> {
    let u = user::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(false))
        .col_expr(user::Column::Version, Expr::value(u.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(txn)
        .await?;
    crate::auth::revoke_all(txn, id).await
}
