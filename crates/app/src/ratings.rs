//! 好差评: the enterprise rates each concluded case item on the national five-level scale; every
//! level can always be submitted and none is pre-selected. A bad rating (the two lowest) opens a
//! rectification for the responsible department with a limit in working days: the department
//! rectifies and replies, the bureau visits the enterprise (回访), the enterprise rates again.
//! The whole loop is recorded.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::cases::model_for_update;
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::timeline::{self, Event, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::case_item::CaseState;
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType};
use daiban_domain::rating::{Rating, RectificationStatus};
use daiban_domain::role::Role;
use daiban_store::entity::{case_item, project, rating, rectification, unit, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

/// A rating as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingView {
    /// Id.
    pub id: i64,
    /// Case item.
    pub case_item_id: i64,
    /// Level code.
    pub rating: String,
    /// Comment.
    pub comment: String,
    /// A re-rating at the end of a rectification loop.
    pub rerating: bool,
    /// When.
    pub rated_at: DateTime<Utc>,
}

impl From<rating::Model> for RatingView {
    fn from(m: rating::Model) -> Self {
        Self {
            id: m.id,
            case_item_id: m.case_item_id,
            rating: m.rating,
            comment: m.comment,
            rerating: m.first_rating.is_none(),
            rated_at: m.rated_at,
        }
    }
}

/// A rectification as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RectificationView {
    /// Id.
    pub id: i64,
    /// Case item.
    pub case_item_id: i64,
    /// The item's name.
    pub item_name: String,
    /// Project.
    pub project_id: i64,
    /// The department responsible.
    pub responsible_unit_id: i64,
    /// Its name.
    pub responsible_unit_name: String,
    /// The bad rating and its comment.
    pub rating: String,
    /// The enterprise's comment.
    pub comment: String,
    /// Rectify and reply by.
    pub due_at: DateTime<Utc>,
    /// The due date reaches into a year without a published arrangement.
    pub due_provisional: bool,
    /// Status code.
    pub status: String,
    /// The department's reply.
    pub reply: String,
    /// When it replied.
    pub replied_at: Option<DateTime<Utc>>,
    /// The bureau's return visit.
    pub visit_note: String,
    /// When it visited.
    pub visited_at: Option<DateTime<Utc>>,
    /// The enterprise's re-rating, once given.
    pub rerating: Option<String>,
    /// When the loop closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Open and not replied by the due time.
    pub overdue: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
}

async fn rect_view<C: ConnectionTrait>(
    db: &C,
    r: rectification::Model,
    now: DateTime<Utc>,
) -> AppResult<RectificationView> {
    let first = rating::Entity::find()
        .filter(rating::Column::CaseItemId.eq(r.case_item_id))
        .filter(rating::Column::FirstRating.eq(1))
        .one(db)
        .await?;
    let rerating = rating::Entity::find()
        .filter(rating::Column::RectificationId.eq(r.id))
        .one(db)
        .await?;
    let item = case_item::Entity::find_by_id(r.case_item_id)
        .one(db)
        .await?;
    let unit = unit::Entity::find_by_id(r.responsible_unit_id)
        .one(db)
        .await?;
    Ok(RectificationView {
        id: r.id,
        case_item_id: r.case_item_id,
        item_name: item.map(|i| i.item_name).unwrap_or_default(),
        project_id: r.project_id,
        responsible_unit_id: r.responsible_unit_id,
        responsible_unit_name: unit.map(|u| u.name).unwrap_or_default(),
        rating: first.as_ref().map(|f| f.rating.clone()).unwrap_or_default(),
        comment: first.map(|f| f.comment).unwrap_or_default(),
        overdue: r.status == RectificationStatus::Open.code() && now > r.due_at,
        due_at: r.due_at,
        due_provisional: r.due_provisional,
        status: r.status,
        reply: r.reply,
        replied_at: r.replied_at,
        visit_note: r.visit_note,
        visited_at: r.visited_at,
        rerating: rerating.map(|x| x.rating),
        closed_at: r.closed_at,
        version: r.version,
    })
}

/// A rating to give.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RateInput {
    /// Level code (`very_satisfied`, `satisfied`, `basic`, `dissatisfied`, `very_dissatisfied`).
    pub rating: String,
    /// Comment (required for the two lowest levels: what went wrong).
    #[serde(default)]
    pub comment: String,
}

const CONCLUDED: [CaseState; 4] = [
    CaseState::Approved,
    CaseState::Rejected,
    CaseState::Withdrawn,
    CaseState::NotAcceptable,
];

/// The enterprise rates a concluded case item, or rates it again after a visit. A bad rating
/// opens a rectification for the department with `app.rectification_days` working days.
///
/// # Errors
/// [`AppError::NotFound`] outside scope; [`AppError::Forbidden`] for anyone but the project's
/// enterprise; [`AppError::Conflict`] for an item not concluded (`not_concluded`) or already
/// rated with no re-rating due (`already_rated`); [`AppError::Invalid`] for an unknown level or
/// a bad rating without a comment.
pub async fn rate(
    app: &App,
    actor: &Actor,
    case_id: i64,
    input: &RateInput,
    meta: &Meta,
) -> AppResult<RatingView> {
    let calendar = app.calendar();
    let w = app.begin_write().await?;
    let (m, p) = model_for_update(&w.txn, actor, case_id).await?;
    if !(actor.is(Role::Enterprise) && actor.enterprise_id == Some(p.enterprise_id)) {
        return Err(forbidden());
    }
    let mut c = Checks::default();
    let level = Rating::from_code(&input.rating);
    if level.is_none() {
        c.push(FieldError::new(
            "rating",
            "unknown",
            "请选择评价等级",
            "choose a rating",
        ));
    }
    let comment = if level.is_some_and(Rating::is_bad) {
        c.text("comment", "差评原因", &input.comment, 2000)
    } else {
        c.optional_text("comment", "评价意见", &input.comment, 2000)
    };
    c.finish()?;
    let Some(level) = level else {
        return Err(AppError::Invalid(Vec::new()));
    };
    if !CaseState::from_code(&m.state).is_some_and(|s| CONCLUDED.contains(&s)) {
        return Err(AppError::Conflict {
            code: "not_concluded",
            message: Msg::new(
                "办件办结后才能评价",
                "an item is rated once it is concluded",
            ),
        });
    }
    let first = rating::Entity::find()
        .filter(rating::Column::CaseItemId.eq(m.id))
        .filter(rating::Column::FirstRating.eq(1))
        .one(&w.txn)
        .await?;
    let awaiting = rectification::Entity::find()
        .filter(rectification::Column::CaseItemId.eq(m.id))
        .filter(rectification::Column::Status.eq(RectificationStatus::Visited.code()))
        .one(&w.txn)
        .await?;
    if first.is_some() && awaiting.is_none() {
        return Err(AppError::Conflict {
            code: "already_rated",
            message: Msg::new("该办件已评价", "this item is already rated"),
        });
    }
    let now = app.now();
    let id = rating::Entity::insert(rating::ActiveModel {
        case_item_id: Set(m.id),
        project_id: Set(p.id),
        responsible_unit_id: Set(m.department_id),
        rating: Set(level.code().to_owned()),
        comment: Set(comment.clone()),
        first_rating: Set(if first.is_none() { Some(1) } else { None }),
        rectification_id: Set(awaiting.as_ref().map(|r| r.id)),
        rated_by: Set(actor.user_id),
        rated_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    if let Some(r) = &awaiting {
        rectification::Entity::update_many()
            .col_expr(
                rectification::Column::Status,
                Expr::value(RectificationStatus::Closed.code()),
            )
            .col_expr(rectification::Column::ClosedAt, Expr::value(now))
            .col_expr(rectification::Column::Version, Expr::value(r.version + 1))
            .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
            .filter(rectification::Column::Id.eq(r.id))
            .exec(&w.txn)
            .await?;
    } else if level.is_bad() {
        let input = ClockInput::new(
            ItemType::Committed,
            app.rectification_days,
            now.with_timezone(&CHINA),
        );
        let st = clock::compute(&calendar, &input, now.with_timezone(&CHINA))
            .map_err(anyhow::Error::from)?;
        rectification::Entity::insert(rectification::ActiveModel {
            case_item_id: Set(m.id),
            project_id: Set(p.id),
            responsible_unit_id: Set(m.department_id),
            due_at: Set(st.due_at.with_timezone(&Utc)),
            due_provisional: Set(st.provisional),
            status: Set(RectificationStatus::Open.code().to_owned()),
            reply: Set(String::new()),
            visit_note: Set(String::new()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
        let due = st.due_at.format("%Y-%m-%d %H:%M");
        let notice = Notice {
            kind: "rectification".into(),
            title: Msg::new(
                format!("差评整改：{}", m.item_name),
                format!("Bad rating to rectify: {}", m.item_code),
            ),
            body: Msg::new(
                format!(
                    "企业对办件“{}”评价为“{}”：{comment}。请于 {due} 前整改并答复。",
                    m.item_name,
                    level.label_zh()
                ),
                format!(
                    "The enterprise rated case item {} \"{}\": {comment}. Rectify and reply by {due} (China time).",
                    m.item_code,
                    level.label_en()
                ),
            ),
            project_id: Some(p.id),
            case_item_id: Some(m.id),
        };
        for u in user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(user::Column::UnitId.eq(m.department_id))
                            .add(
                                user::Column::Role
                                    .is_in([Role::Helper.code(), Role::UnitLeader.code()]),
                            ),
                    )
                    .add(user::Column::Role.eq(Role::Coordinator.code())),
            )
            .all(&w.txn)
            .await?
        {
            timeline::notify(&w.txn, now, Recipient::User(u.id), &notice).await?;
        }
    }
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        (now, false),
        "",
        Event {
            project_id: p.id,
            case_item_id: Some(m.id),
            kind: if awaiting.is_some() {
                "rating.rerate"
            } else {
                "rating.rate"
            },
            note: &comment,
            data: serde_json::json!({"rating": level.code(), "stars": level.stars()}),
            ..Default::default()
        },
    )
    .await?;
    let v = RatingView::from(
        rating::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    );
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "rating.rate",
            object_type: "case_item",
            object_id: m.id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// The ratings of a case item, oldest first.
///
/// # Errors
/// [`AppError::NotFound`] outside scope.
pub async fn of_case<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    case_id: i64,
) -> AppResult<Vec<RatingView>> {
    crate::cases::get(db, actor, case_id).await?;
    Ok(rating::Entity::find()
        .filter(rating::Column::CaseItemId.eq(case_id))
        .order_by_asc(rating::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(RatingView::from)
        .collect())
}

/// Rectifications the caller sees: the bureau and the city leader all; a department its own; an
/// enterprise those of its projects. Open first, by due time.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles.
pub async fn rectifications<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Vec<RectificationView>> {
    let mut q = rectification::Entity::find();
    match actor.role {
        Role::Coordinator | Role::CityLeader => {}
        Role::Helper | Role::UnitLeader => {
            q = q.filter(rectification::Column::ResponsibleUnitId.eq(actor.unit_id.unwrap_or(-1)));
        }
        Role::Enterprise => {
            let ids: Vec<i64> = project::Entity::find()
                .filter(project::Column::EnterpriseId.eq(actor.enterprise_id.unwrap_or(-1)))
                .all(db)
                .await?
                .into_iter()
                .map(|p| p.id)
                .collect();
            q = q.filter(rectification::Column::ProjectId.is_in(ids));
        }
        _ => return Err(forbidden()),
    }
    let mut out = Vec::new();
    for r in q
        .order_by_asc(Expr::cust("CASE status WHEN 'closed' THEN 1 ELSE 0 END"))
        .order_by_asc(rectification::Column::DueAt)
        .all(db)
        .await?
    {
        out.push(rect_view(db, r, now).await?);
    }
    Ok(out)
}

/// A step of the loop.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LoopInput {
    /// The version the caller saw.
    pub version: i32,
    /// The department's reply (what was rectified) or the bureau's visit note.
    pub note: String,
}

/// The responsible department replies (what it rectified), or the bureau records its return
/// visit; the enterprise is then asked to rate again.
///
/// # Errors
/// [`AppError::NotFound`] for a rectification the caller does not see; [`AppError::Forbidden`]
/// for the wrong side; [`AppError::Conflict`] for the wrong step (`rectification_state`) or a
/// stale version; [`AppError::Invalid`] without a note.
pub async fn advance(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &LoopInput,
    meta: &Meta,
) -> AppResult<RectificationView> {
    let w = app.begin_write().await?;
    let r = rectification::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = RectificationStatus::from_code(&r.status)
        .ok_or_else(|| anyhow::anyhow!("status {}", r.status))?;
    let department = matches!(actor.role, Role::Helper | Role::UnitLeader)
        && actor.unit_id == Some(r.responsible_unit_id);
    let may = match from {
        RectificationStatus::Open => department || actor.is(Role::Coordinator),
        RectificationStatus::Rectified => actor.is(Role::Coordinator),
        RectificationStatus::Visited | RectificationStatus::Closed => false,
    };
    if !(department || actor.is(Role::Coordinator)) {
        return Err(AppError::NotFound);
    }
    if !may {
        return Err(AppError::Conflict {
            code: "rectification_state",
            message: Msg::new(
                format!("整改当前为“{}”，此步骤不适用", from.label_zh()),
                format!(
                    "the rectification is {}: this step does not apply",
                    from.label_en()
                ),
            ),
        });
    }
    if r.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let note = c.text("note", "说明", &input.note, 4000);
    c.finish()?;
    let now = app.now();
    let to = from.next().unwrap_or(from);
    let mut upd = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value(to.code()))
        .col_expr(rectification::Column::Version, Expr::value(r.version + 1))
        .col_expr(rectification::Column::UpdatedAt, Expr::value(now));
    upd = if from == RectificationStatus::Open {
        upd.col_expr(rectification::Column::Reply, Expr::value(note.clone()))
            .col_expr(rectification::Column::RepliedBy, Expr::value(actor.user_id))
            .col_expr(rectification::Column::RepliedAt, Expr::value(now))
    } else {
        upd.col_expr(rectification::Column::VisitNote, Expr::value(note.clone()))
            .col_expr(rectification::Column::VisitedBy, Expr::value(actor.user_id))
            .col_expr(rectification::Column::VisitedAt, Expr::value(now))
    };
    upd.filter(rectification::Column::Id.eq(id))
        .exec(&w.txn)
        .await?;
    let p = project::Entity::find_by_id(r.project_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = if from == RectificationStatus::Open {
        "rating.rectified"
    } else {
        "rating.visited"
    };
    timeline::record(
        &w.txn,
        now,
        Some(actor),
        (now, false),
        "",
        Event {
            project_id: p.id,
            case_item_id: Some(r.case_item_id),
            kind,
            note: &note,
            ..Default::default()
        },
    )
    .await?;
    if to == RectificationStatus::Visited {
        timeline::notify(&w.txn, now, Recipient::Enterprise(p.enterprise_id), &Notice {
            kind: "rectification".into(),
            title: Msg::new("请对整改结果再次评价", "Please rate again after the rectification"),
            body: Msg::new(
                format!("您对项目“{}”办件的差评已整改并回访：{note}。请在办件页面再次评价。", p.name),
                format!("Your bad rating on an item of \"{}\" was rectified and followed up: {note}. Please rate the item again on its page.", p.name),
            ),
            project_id: Some(p.id),
            case_item_id: Some(r.case_item_id),
        })
        .await?;
    }
    let v = rect_view(
        &w.txn,
        rectification::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
        now,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: kind,
            object_type: "rectification",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"status": from.code(), "version": r.version})),
            after: Some(
                serde_json::json!({"status": to.code(), "version": v.version, "note": note}),
            ),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}
