//! The FAQ (常见问题): the bureau publishes an answered consultation, with the question and
//! answer edited for everyone and a category; the entry is public (no login) and searchable
//! (`search_index` kind `faq`, audience public) until it is unpublished. Publishing the same
//! consultation again edits its entry.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, Msg, forbidden, version_conflict};
use crate::search::{self, Audience};
use chrono::{DateTime, Utc};
use daiban_domain::consultation::ConsultationStatus;
use daiban_domain::role::Role;
use daiban_store::entity::{consultation, faq_entry};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

/// What the bureau publishes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FaqInput {
    /// The category (e.g. 环境影响评价, 施工许可).
    pub category: String,
    /// The question as published (edited from the consultation).
    pub question: String,
    /// The answer as published.
    pub answer: String,
}

/// Unpublishing or republishing an entry.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FaqVersion {
    /// The version the coordinator saw.
    pub version: i32,
}

/// A FAQ entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FaqView {
    /// Id.
    pub id: i64,
    /// The consultation it comes from (bureau only; empty for others).
    pub consultation_id: Option<i64>,
    /// Category.
    pub category: String,
    /// Question.
    pub question: String,
    /// Answer.
    pub answer: String,
    /// Whether it is published.
    pub published: bool,
    /// When last published.
    pub published_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

fn view(m: faq_entry::Model, bureau: bool) -> FaqView {
    FaqView {
        id: m.id,
        consultation_id: m.consultation_id.filter(|_| bureau),
        category: m.category,
        question: m.question,
        answer: m.answer,
        published: m.published,
        published_at: m.published_at,
        version: m.version,
    }
}

fn snapshot(m: &faq_entry::Model) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "consultation_id": m.consultation_id,
        "category": m.category,
        "question": m.question,
        "answer": m.answer,
        "published": m.published,
        "version": m.version,
    })
}

/// Publishes consultation `consultation_id` (answered or resolved) to the FAQ, or edits and
/// republishes its entry; indexes it for search in the same transaction.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but a coordinator; [`AppError::NotFound`];
/// [`AppError::Conflict`] `consultation_state` for an unanswered consultation;
/// [`AppError::Invalid`] on `category`, `question`, `answer`.
pub async fn publish(
    app: &App,
    actor: &Actor,
    consultation_id: i64,
    input: &FaqInput,
    meta: &Meta,
) -> AppResult<FaqView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let mut checks = Checks::default();
    let category = checks.text("category", "分类", &input.category, 50);
    let question = checks.text("question", "问题", &input.question, 1000);
    let answer = checks.text("answer", "解答", &input.answer, 8000);
    let now = app.now();
    let w = app.begin_write().await?;
    let c = consultation::Entity::find_by_id(consultation_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = ConsultationStatus::from_code(&c.status).unwrap_or(ConsultationStatus::Open);
    if !status.may_publish() {
        return Err(AppError::Conflict {
            code: "consultation_state",
            message: Msg::new(
                "尚未答复的咨询不能发布为常见问题",
                "a consultation is published to the FAQ once it has an answer",
            ),
        });
    }
    checks.finish()?;
    let existing = faq_entry::Entity::find()
        .filter(faq_entry::Column::ConsultationId.eq(c.id))
        .one(&w.txn)
        .await?;
    let before = existing.as_ref().map(snapshot);
    let m = match existing {
        Some(e) => {
            let mut am: faq_entry::ActiveModel = e.clone().into();
            am.category = Set(category);
            am.question = Set(question);
            am.answer = Set(answer);
            am.published = Set(true);
            am.published_by = Set(actor.user_id);
            am.published_at = Set(now);
            am.version = Set(e.version + 1);
            am.updated_at = Set(now);
            faq_entry::Entity::update(am).exec(&w.txn).await?
        }
        None => {
            faq_entry::Entity::insert(faq_entry::ActiveModel {
                consultation_id: Set(Some(c.id)),
                category: Set(category),
                question: Set(question),
                answer: Set(answer),
                published: Set(true),
                published_by: Set(actor.user_id),
                published_at: Set(now),
                version: Set(1),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec_with_returning(&w.txn)
            .await?
        }
    };
    search::index(
        &w.txn,
        "faq",
        m.id,
        &m.question,
        &format!("{}\n{}", m.category, m.answer),
        Audience::Public,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "faq.publish",
            object_type: "faq_entry",
            object_id: m.id.to_string(),
            before,
            after: Some(snapshot(&m)),
        },
    )
    .await?;
    w.commit().await?;
    Ok(view(m, true))
}

/// Unpublishes (`published = false`) or republishes an entry as it stands; the search index
/// follows in the same transaction.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but a coordinator; [`AppError::NotFound`];
/// [`AppError::Conflict`] `version_conflict`, `faq_state` (already in that state).
pub async fn set_published(
    app: &App,
    actor: &Actor,
    id: i64,
    published: bool,
    input: &FaqVersion,
    meta: &Meta,
) -> AppResult<FaqView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let now = app.now();
    let w = app.begin_write().await?;
    let e = faq_entry::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.version != input.version {
        return Err(version_conflict());
    }
    if e.published == published {
        return Err(AppError::Conflict {
            code: "faq_state",
            message: if published {
                Msg::new("该常见问题已发布", "the entry is already published")
            } else {
                Msg::new("该常见问题已撤下", "the entry is already unpublished")
            },
        });
    }
    let before = snapshot(&e);
    let mut am: faq_entry::ActiveModel = e.clone().into();
    am.published = Set(published);
    if published {
        am.published_by = Set(actor.user_id);
        am.published_at = Set(now);
    }
    am.version = Set(e.version + 1);
    am.updated_at = Set(now);
    let m = faq_entry::Entity::update(am).exec(&w.txn).await?;
    if published {
        search::index(
            &w.txn,
            "faq",
            m.id,
            &m.question,
            &format!("{}\n{}", m.category, m.answer),
            Audience::Public,
        )
        .await?;
    } else {
        search::remove(&w.txn, "faq", m.id).await?;
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: if published {
                "faq.republish"
            } else {
                "faq.unpublish"
            },
            object_type: "faq_entry",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(snapshot(&m)),
        },
    )
    .await?;
    w.commit().await?;
    Ok(view(m, true))
}

/// The FAQ filter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct FaqFilter {
    /// A substring of the question, answer or category (the search semantics).
    #[serde(default)]
    pub q: Option<String>,
    /// One category.
    #[serde(default)]
    pub category: Option<String>,
}

/// The published entries (a coordinator also sees the unpublished ones), by category then
/// newest first. `actor` is `None` for the public.
///
/// # Errors
/// [`AppError::Invalid`] on `q` (too long); database failure.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    f: &FaqFilter,
) -> AppResult<Vec<FaqView>> {
    let bureau = actor.is_some_and(|a| a.role == Role::Coordinator);
    let mut q = faq_entry::Entity::find()
        .order_by_asc(faq_entry::Column::Category)
        .order_by_desc(faq_entry::Column::Id);
    if !bureau {
        q = q.filter(faq_entry::Column::Published.eq(true));
    }
    if let Some(c) = f
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        q = q.filter(faq_entry::Column::Category.eq(c));
    }
    let rows = q.all(db).await?;
    let rows = match f.q.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => {
            // Unpublished entries are out of the index; the bureau's list filters them by the
            // same semantics in memory.
            let ids = search::matching_ids(db, "faq", text).await?;
            let n = search::check_query(text)?;
            rows.into_iter()
                .filter(|r| {
                    ids.contains(&r.id)
                        || (!r.published
                            && daiban_domain::consultation::matches(
                                &format!("{}\n{}\n{}", r.question, r.category, r.answer),
                                &n,
                            ))
                })
                .collect()
        }
        None => rows,
    };
    Ok(rows.into_iter().map(|m| view(m, bureau)).collect())
}

/// The categories in use by published entries, sorted.
///
/// # Errors
/// Database failure.
pub async fn categories<C: ConnectionTrait>(db: &C) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = faq_entry::Entity::find()
        .filter(faq_entry::Column::Published.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.category)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// One published entry (a coordinator: any).
///
/// # Errors
/// [`AppError::NotFound`] when absent or unpublished.
pub async fn get<C: ConnectionTrait>(db: &C, actor: Option<&Actor>, id: i64) -> AppResult<FaqView> {
    let bureau = actor.is_some_and(|a| a.role == Role::Coordinator);
    faq_entry::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| bureau || m.published)
        .map(|m| view(m, bureau))
        .ok_or(AppError::NotFound)
}
