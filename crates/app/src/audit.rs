//! The audit log: every write appends an entry in the same transaction; the chain can be
//! verified; the auditor (and only the auditor) reads it.

use crate::actor::{Actor, Meta};
use crate::batch::Batch;
use crate::error::{AppResult, forbidden};
use chrono::SecondsFormat;
use daiban_domain::audit::{ChainedEntry, GENESIS, chain_hash};
use daiban_domain::role::Role;
use daiban_store::entity::{audit_entry, audit_head};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;

/// Who an entry is attributed to when there is no logged-in actor (failed logins, CLI).
#[derive(Debug, Clone, Default)]
pub struct ActorRef {
    /// User id, if known.
    pub id: Option<i64>,
    /// Name as typed or known.
    pub name: String,
    /// Role code, or empty.
    pub role: String,
    /// Unit id, if any.
    pub unit_id: Option<i64>,
}

impl From<&Actor> for ActorRef {
    fn from(a: &Actor) -> Self {
        Self {
            id: Some(a.user_id),
            name: a.username.clone(),
            role: a.role.code().to_owned(),
            unit_id: a.unit_id,
        }
    }
}

impl ActorRef {
    /// The system itself (demo loading, CLI bootstrap).
    pub fn system() -> Self {
        Self {
            id: None,
            name: "system".into(),
            role: String::new(),
            unit_id: None,
        }
    }
}

/// One change to record.
pub struct Change<'a> {
    /// e.g. `unit.create`.
    pub action: &'a str,
    /// e.g. `unit`.
    pub object_type: &'a str,
    /// The object's id, or empty.
    pub object_id: String,
    /// State before, if any.
    pub before: Option<serde_json::Value>,
    /// State after, if any.
    pub after: Option<serde_json::Value>,
}

/// The JSON of a view, for an entry's before/after.
///
/// # Errors
/// A view that cannot be serialised (a bug).
pub fn snapshot<T: Serialize>(v: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| crate::AppError::Unexpected(e.into()))
}

/// Appends one entry to the chain inside the caller's transaction.
///
/// The head row is updated (its sequence number reserved) just before the entry is written: on
/// PostgreSQL that row lock orders concurrent appenders, so the chain never forks, and is held
/// from there to the commit.
///
/// # Errors
/// Database failure; the caller's transaction then rolls back whole.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    now: chrono::DateTime<chrono::Utc>,
    actor: &ActorRef,
    meta: &Meta,
    change: Change<'_>,
) -> AppResult<()> {
    let mut batch = Batch::default();
    append_to(&mut batch, now, actor, meta, change);
    batch.run(txn).await
}

/// An entry waiting in a [`Batch`] for its place in the chain.
#[derive(Debug)]
pub(crate) struct Pending {
    entered_at: String,
    actor: ActorRef,
    action: String,
    object_type: String,
    object_id: String,
    before: String,
    after: String,
    request_id: String,
    client_addr: String,
}

/// Appends one entry to the chain as part of `batch`, which the caller runs in its
/// transaction: the entry takes its number and its previous hash when the batch runs (see
/// [`Batch::run`]), after the batch's other writes on PostgreSQL so that the head's lock is held
/// as briefly as in [`append`].
pub fn append_to(
    batch: &mut Batch,
    now: chrono::DateTime<chrono::Utc>,
    actor: &ActorRef,
    meta: &Meta,
    change: Change<'_>,
) {
    batch.audit.push(Pending {
        entered_at: now.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor: actor.clone(),
        action: change.action.to_owned(),
        object_type: change.object_type.to_owned(),
        object_id: change.object_id,
        before: change.before.map(|v| v.to_string()).unwrap_or_default(),
        after: change.after.map(|v| v.to_string()).unwrap_or_default(),
        request_id: meta.request_id.clone(),
        client_addr: meta.client_addr.clone(),
    });
}

/// The reservation of the chain's next sequence number: it increments the head and returns the
/// head row (the new number and the previous entry's hash). A caller may send it with its own
/// statements and hand the row to [`reserved`]; otherwise [`Batch::run`] sends it.
pub fn reserve_statement(backend: sea_orm::DbBackend) -> sea_orm::Statement {
    let mut q = audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(1),
        )
        .filter(audit_head::Column::Id.eq(1))
        .into_query();
    q.returning_all();
    backend.build(&q)
}

/// Records in `batch` the head row that [`reserve_statement`] returned: the batch's first entry
/// takes that number.
///
/// # Errors
/// A row that is not the head's.
pub fn reserved(batch: &mut Batch, head: &sea_orm::QueryResult) -> AppResult<()> {
    let head = audit_head::Model::from_query_result(head, "")?;
    batch.audit_head = Some((head.seq, head.last_hash));
    Ok(())
}

/// The statements that write `entries` after the reserved `head` (the first entry's number and
/// the previous hash): each entry chained to the one before, then the head's new end.
pub(crate) fn chained<C: ConnectionTrait>(
    db: &C,
    head: (i64, String),
    entries: Vec<Pending>,
) -> Vec<sea_orm::Statement> {
    let backend = db.get_database_backend();
    let (first, mut prev_hash) = head;
    let mut out = Vec::with_capacity(entries.len() + 1);
    let mut seq = first;
    for (e, n) in entries.into_iter().zip(first..) {
        seq = n;
        let hash = chain_hash(
            &prev_hash,
            &ChainedEntry {
                seq,
                entered_at: &e.entered_at,
                actor_id: e.actor.id,
                actor_name: &e.actor.name,
                actor_role: &e.actor.role,
                actor_unit_id: e.actor.unit_id,
                action: &e.action,
                object_type: &e.object_type,
                object_id: &e.object_id,
                before: &e.before,
                after: &e.after,
                request_id: &e.request_id,
                client_addr: &e.client_addr,
            },
        );
        out.push(
            audit_entry::Entity::insert(audit_entry::ActiveModel {
                seq: Set(seq),
                entered_at: Set(e.entered_at),
                actor_id: Set(e.actor.id),
                actor_name: Set(e.actor.name),
                actor_role: Set(e.actor.role),
                actor_unit_id: Set(e.actor.unit_id),
                action: Set(e.action),
                object_type: Set(e.object_type),
                object_id: Set(e.object_id),
                before: Set(e.before),
                after: Set(e.after),
                request_id: Set(e.request_id),
                client_addr: Set(e.client_addr),
                prev_hash: Set(prev_hash),
                hash: Set(hash.clone()),
            })
            .build(backend),
        );
        prev_hash = hash;
    }
    out.push(
        audit_head::Entity::update_many()
            .col_expr(audit_head::Column::Seq, Expr::value(seq))
            .col_expr(audit_head::Column::LastHash, Expr::value(prev_hash))
            .filter(audit_head::Column::Id.eq(1))
            .build(backend),
    );
    out
}

/// The outcome of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every entry checked out.
    Intact {
        /// How many entries were checked.
        entries: i64,
    },
    /// The first entry (by position) where the chain breaks, and why.
    Broken {
        /// The sequence number at which the break was found.
        seq: i64,
        /// What is wrong.
        reason: String,
    },
}

/// Recomputes the whole chain: detects an altered entry (hash), a removed one (gap or head
/// mismatch) and a reordered one (prev-hash link).
///
/// # Errors
/// Database failure.
pub async fn verify<C: ConnectionTrait>(db: &C) -> AppResult<Verification> {
    const PAGE: u64 = 5_000;
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1_i64;
    loop {
        let rows = audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let n = rows.len();
        for r in rows {
            if r.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: expected_seq,
                    reason: format!(
                        "entry {expected_seq} is missing (next present is {})",
                        r.seq
                    ),
                });
            }
            if r.prev_hash != prev {
                return Ok(Verification::Broken {
                    seq: r.seq,
                    reason: "prev_hash does not link to the previous entry (removed or reordered)"
                        .into(),
                });
            }
            let computed = chain_hash(
                &prev,
                &ChainedEntry {
                    seq: r.seq,
                    entered_at: &r.entered_at,
                    actor_id: r.actor_id,
                    actor_name: &r.actor_name,
                    actor_role: &r.actor_role,
                    actor_unit_id: r.actor_unit_id,
                    action: &r.action,
                    object_type: &r.object_type,
                    object_id: &r.object_id,
                    before: &r.before,
                    after: &r.after,
                    request_id: &r.request_id,
                    client_addr: &r.client_addr,
                },
            );
            if computed != r.hash {
                return Ok(Verification::Broken {
                    seq: r.seq,
                    reason: "content does not match its hash (altered)".into(),
                });
            }
            prev = r.hash;
            expected_seq += 1;
        }
        if (n as u64) < PAGE {
            break;
        }
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("audit_head row is missing"))?;
    if head.seq != expected_seq - 1 || head.last_hash != prev {
        return Ok(Verification::Broken {
            seq: expected_seq,
            reason: format!(
                "the chain ends at entry {} but the head records entry {} (entries removed from the end)",
                expected_seq - 1,
                head.seq
            ),
        });
    }
    Ok(Verification::Intact {
        entries: expected_seq - 1,
    })
}

/// Filters of the auditor's list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct AuditFilter {
    /// Actor username, exact.
    pub actor: Option<String>,
    /// Action prefix, e.g. `auth.` or `unit.update`.
    pub action: Option<String>,
    /// Object type, exact.
    pub object_type: Option<String>,
    /// Object id, exact.
    pub object_id: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
}

/// One entry as the auditor sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    /// Position in the chain.
    pub seq: i64,
    /// When it was written (UTC, RFC 3339).
    pub entered_at: String,
    /// Actor username.
    pub actor_name: String,
    /// Actor role code.
    pub actor_role: String,
    /// Actor unit id.
    pub actor_unit_id: Option<i64>,
    /// What was done.
    pub action: String,
    /// Object type.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// JSON before.
    pub before: String,
    /// JSON after.
    pub after: String,
    /// Request id.
    pub request_id: String,
    /// Client address.
    pub client_addr: String,
    /// The entry's hash.
    pub hash: String,
}

/// A page of entries, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// The entries.
    pub items: Vec<AuditView>,
    /// Total entries matching.
    pub total: u64,
    /// This page (1-based).
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// Lists the audit log. Only the auditor may (三权分立: not even the administrator).
///
/// # Errors
/// [`crate::AppError::Forbidden`] for any other role.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &AuditFilter,
) -> AppResult<AuditPage> {
    if actor.role != Role::Auditor {
        return Err(forbidden());
    }
    let per_page = 50;
    let page = std::cmp::max(f.page.unwrap_or(1), 1);
    let mut q = audit_entry::Entity::find();
    if let Some(v) = f.actor.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(audit_entry::Column::ActorName.eq(v.trim()));
    }
    if let Some(v) = f.action.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(audit_entry::Column::Action.starts_with(v.trim()));
    }
    if let Some(v) = f.object_type.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(audit_entry::Column::ObjectType.eq(v.trim()));
    }
    if let Some(v) = f.object_id.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(audit_entry::Column::ObjectId.eq(v.trim()));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(audit_entry::Column::Seq)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?
        .into_iter()
        .map(|r| AuditView {
            seq: r.seq,
            entered_at: r.entered_at,
            actor_name: r.actor_name,
            actor_role: r.actor_role,
            actor_unit_id: r.actor_unit_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: r.before,
            after: r.after,
            request_id: r.request_id,
            client_addr: r.client_addr,
            hash: r.hash,
        })
        .collect();
    Ok(AuditPage {
        items,
        total,
        page,
        per_page,
    })
}
