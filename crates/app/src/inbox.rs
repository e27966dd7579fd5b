//! The in-app inbox (站内消息): the notifications of the outbox as their recipients read them.
//! An enterprise user reads its enterprise's notifications; a staff member reads their own.

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, AppResult, Msg, forbidden};
use daiban_domain::role::Role;
use daiban_store::entity::notification;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

/// One notification as its reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    /// Id.
    pub id: i64,
    /// Kind (e.g. `progress`, `deadline.yellow`).
    pub kind: String,
    /// Title.
    pub title: Msg,
    /// Body.
    pub body: Msg,
    /// The project it concerns.
    pub project_id: Option<i64>,
    /// The case item it concerns.
    pub case_item_id: Option<i64>,
    /// When it was sent.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was read.
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn mine(actor: &Actor) -> AppResult<sea_orm::Select<notification::Entity>> {
    let q = notification::Entity::find();
    match actor.role {
        Role::Enterprise => {
            let e = actor.enterprise_id.ok_or_else(forbidden)?;
            Ok(q.filter(notification::Column::EnterpriseId.eq(e)))
        }
        Role::Admin | Role::Auditor => Err(forbidden()),
        _ => Ok(q.filter(notification::Column::UserId.eq(actor.user_id))),
    }
}

/// The caller's notifications, newest first (at most 100).
///
/// # Errors
/// [`AppError::Forbidden`] for roles without business data.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<InboxItem>> {
    Ok(mine(actor)?
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|n| InboxItem {
            id: n.id,
            kind: n.kind,
            title: Msg::new(n.title_zh, n.title_en),
            body: Msg::new(n.body_zh, n.body_en),
            project_id: n.project_id,
            case_item_id: n.case_item_id,
            created_at: n.created_at,
            read_at: n.read_at,
        })
        .collect())
}

/// Marks one of the caller's notifications as read (reading it again changes nothing). Reading
/// is not a change of business data, so it is not audited.
///
/// # Errors
/// [`AppError::NotFound`] when the notification is not the caller's.
pub async fn mark_read(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let w = app.begin_write().await?;
    let n = mine(actor)
        .map_err(|_| AppError::NotFound)?
        .filter(notification::Column::Id.eq(id))
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if n.read_at.is_none() {
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Some(app.now())))
            .filter(notification::Column::Id.eq(n.id))
            .exec(&w.txn)
            .await?;
    }
    w.commit().await?;
    Ok(())
}

/// How many of the caller's notifications are unread (0 for roles without an inbox).
///
/// # Errors
/// Database failure.
pub async fn unread_count<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    match mine(actor) {
        Ok(q) => Ok(q
            .filter(notification::Column::ReadAt.is_null())
            .count(db)
            .await?),
        Err(_) => Ok(0),
    }
}

/// The most unread notifications the header's badge counts; past it, it shows "99+".
pub const BADGE_MAX: u64 = 99;

/// The caller's unread notifications for the header's badge, counted up to [`BADGE_MAX`] + 1:
/// it is on every page, and a coordinator of the generated province has 200,000 unread (4 ms to
/// count them all, on every page).
///
/// # Errors
/// Database failure.
pub async fn unread_badge<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<u64> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    match mine(actor) {
        Ok(q) => Ok(q
            .filter(notification::Column::ReadAt.is_null())
            .select_only()
            .column(notification::Column::Id)
            .limit(BADGE_MAX + 1)
            .count(db)
            .await?),
        Err(_) => Ok(0),
    }
}

/// Marks every unread notification of the caller as read; returns how many. Not audited, like
/// [`mark_read`].
///
/// # Errors
/// [`AppError::Forbidden`] for roles without an inbox.
pub async fn mark_all_read(app: &App, actor: &Actor) -> AppResult<u64> {
    let scope = mine(actor)?;
    let now = app.now();
    let w = app.begin_write().await?;
    let ids: Vec<i64> = scope
        .filter(notification::Column::ReadAt.is_null())
        .select_only()
        .column(notification::Column::Id)
        .into_tuple::<i64>()
        .all(&w.txn)
        .await?;
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
            .filter(notification::Column::Id.is_in(chunk.iter().copied()))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&w.txn)
            .await?
            .rows_affected;
    }
    w.commit().await?;
    Ok(n)
}
