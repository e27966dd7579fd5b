//! The timeline of a project (its events) and the notification outbox. Both are written inside
//! the transaction of the change they describe, so a change and its record commit together.

use crate::actor::Actor;
use crate::batch::Batch;
use crate::error::{AppError, AppResult, Msg};
use daiban_store::entity::{notification, project_event};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde::Serialize;

/// When something happened, as opposed to when it is being recorded.
#[derive(Debug, Clone, Default)]
pub struct Occurred {
    /// When it happened; `None` means now.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it is recorded late (补录); required when `at` is in the past by more than a few
    /// minutes.
    pub backdate_reason: String,
}

/// A back-dated entry is one that happened more than this many minutes before it was entered.
pub const BACKDATE_GRACE_MINUTES: i64 = 10;

impl Occurred {
    /// Resolves the event time against `now`: a time in the future is refused; a time more
    /// than the grace period in the past is a back-dated entry (补录) and needs a reason.
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming `occurred_at` or `backdate_reason`.
    pub fn resolve(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<(chrono::DateTime<chrono::Utc>, bool)> {
        let Some(at) = self.at else {
            return Ok((now, false));
        };
        if at > now + chrono::Duration::minutes(1) {
            return Err(AppError::Invalid(vec![crate::FieldError::new(
                "occurred_at",
                "future",
                "发生时间不能晚于当前时间",
                "occurred_at cannot be in the future",
            )]));
        }
        let backdated = now - at > chrono::Duration::minutes(BACKDATE_GRACE_MINUTES);
        if backdated && self.backdate_reason.trim().is_empty() {
            return Err(AppError::Invalid(vec![crate::FieldError::new(
                "backdate_reason",
                "required",
                "补录（发生时间早于录入时间）须说明原因",
                "a back-dated entry (补录) needs a reason",
            )]));
        }
        Ok((at, backdated))
    }
}

/// One event to record.
#[derive(Debug, Clone, Default)]
pub struct Event<'a> {
    /// The project.
    pub project_id: i64,
    /// The case item, if the event concerns one.
    pub case_item_id: Option<i64>,
    /// e.g. `case.submit`, `mandate.sign`, `material.transfer`, `due.changed`.
    pub kind: &'a str,
    /// State before, if a state changed.
    pub from_state: Option<&'a str>,
    /// State after.
    pub to_state: Option<&'a str>,
    /// A note.
    pub note: &'a str,
    /// Material codes touched.
    pub materials: Vec<String>,
    /// Kind-specific details.
    pub data: serde_json::Value,
}

/// Who did it; `None` for the system (the monitor, a calendar import).
pub fn record_actor(actor: Option<&Actor>) -> (Option<i64>, String, String) {
    actor.map_or_else(
        || (None, "系统 / system".to_owned(), String::new()),
        |a| (Some(a.user_id), a.name.clone(), a.role.code().to_owned()),
    )
}

/// Appends an event to the timeline.
///
/// # Errors
/// Database failure.
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    actor: Option<&Actor>,
    occurred: (chrono::DateTime<chrono::Utc>, bool),
    backdate_reason: &str,
    e: Event<'_>,
) -> AppResult<i64> {
    let res =
        project_event::Entity::insert(event_model(now, actor, occurred, backdate_reason, &e)?)
            .exec(txn)
            .await?;
    Ok(res.last_insert_id)
}

/// [`record`] as part of `batch` (the caller runs it in its transaction), for a caller that
/// does not need the event's id.
///
/// # Errors
/// An event whose materials cannot be serialised (a bug).
pub fn record_to<C: ConnectionTrait>(
    batch: &mut Batch,
    db: &C,
    now: chrono::DateTime<chrono::Utc>,
    actor: Option<&Actor>,
    occurred: (chrono::DateTime<chrono::Utc>, bool),
    backdate_reason: &str,
    e: &Event<'_>,
) -> AppResult<()> {
    batch.add(
        db,
        &project_event::Entity::insert(event_model(now, actor, occurred, backdate_reason, e)?),
    );
    Ok(())
}

fn event_model(
    now: chrono::DateTime<chrono::Utc>,
    actor: Option<&Actor>,
    occurred: (chrono::DateTime<chrono::Utc>, bool),
    backdate_reason: &str,
    e: &Event<'_>,
) -> AppResult<project_event::ActiveModel> {
    let (actor_id, actor_name, actor_role) = record_actor(actor);
    let data = if e.data.is_null() {
        "{}".to_owned()
    } else {
        e.data.to_string()
    };
    Ok(project_event::ActiveModel {
        project_id: Set(e.project_id),
        case_item_id: Set(e.case_item_id),
        kind: Set(e.kind.to_owned()),
        from_state: Set(e.from_state.map(str::to_owned)),
        to_state: Set(e.to_state.map(str::to_owned)),
        actor_id: Set(actor_id),
        actor_name: Set(actor_name),
        actor_role: Set(actor_role),
        occurred_at: Set(occurred.0),
        entered_at: Set(now),
        backdated: Set(occurred.1),
        backdate_reason: Set(if occurred.1 {
            backdate_reason.trim().to_owned()
        } else {
            String::new()
        }),
        note: Set(e.note.trim().to_owned()),
        materials: Set(serde_json::to_string(&e.materials).map_err(anyhow::Error::from)?),
        data: Set(data),
        ..Default::default()
    })
}

/// Who a notification goes to.
#[derive(Debug, Clone, Copy)]
pub enum Recipient {
    /// Every user of an enterprise (its inbox).
    Enterprise(i64),
    /// One staff member.
    User(i64),
}

/// A notification to put in the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// e.g. `progress`, `deadline.yellow`.
    pub kind: String,
    /// Title.
    pub title: Msg,
    /// Body.
    pub body: Msg,
    /// The project it concerns.
    pub project_id: Option<i64>,
    /// The case item it concerns.
    pub case_item_id: Option<i64>,
}

/// Puts a notification in the outbox.
///
/// # Errors
/// Database failure.
pub async fn notify<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    to: Recipient,
    n: &Notice,
) -> AppResult<()> {
    notification::Entity::insert(notice_model(now, to, n))
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// [`notify`] as part of `batch` (the caller runs it in its transaction).
pub fn notify_to<C: ConnectionTrait>(
    batch: &mut Batch,
    db: &C,
    now: chrono::DateTime<chrono::Utc>,
    to: Recipient,
    n: &Notice,
) {
    batch.add(db, &notification::Entity::insert(notice_model(now, to, n)));
}

fn notice_model(
    now: chrono::DateTime<chrono::Utc>,
    to: Recipient,
    n: &Notice,
) -> notification::ActiveModel {
    let (user_id, enterprise_id) = match to {
        Recipient::Enterprise(e) => (None, Some(e)),
        Recipient::User(u) => (Some(u), None),
    };
    notification::ActiveModel {
        user_id: Set(user_id),
        enterprise_id: Set(enterprise_id),
        project_id: Set(n.project_id),
        case_item_id: Set(n.case_item_id),
        kind: Set(n.kind.clone()),
        title_zh: Set(n.title.zh.clone()),
        title_en: Set(n.title.en.clone()),
        body_zh: Set(n.body.zh.clone()),
        body_en: Set(n.body.en.clone()),
        created_at: Set(now),
        ..Default::default()
    }
}
