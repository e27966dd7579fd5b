//! The bureau's business training (业务培训), seminars (座谈会) and enterprise visits (入企走访)
//! (《实施意见》五(二)). A coordinator schedules one with its invitees (agents, helpers, unit
//! leaders; by unit or by person), who are notified; may cancel it with a reason (notified too);
//! and records each invitee's attendance once it has started. Late, leaving early and absence
//! without leave are discipline evidence (attachment 2, 三(四): −2 per person-time), listed by
//! unit and date range for the evaluation. Each person's training history is visible to the
//! person, their unit's leader and the bureau.
//!
//! Scope: coordinators do everything; the city leader reads everything; a unit leader sees the
//! activities its unit's people are invited to, with their attendance only; an agent or helper
//! sees their own invitations; enterprises, the administrator and the auditor see none of it.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::outreach::{ActivityKind, ActivityStatus, discipline_points};
use daiban_domain::problem::Attendance;
use daiban_domain::role::Role;
use daiban_store::entity::{activity, activity_invitee, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The roles that are invited to the bureau's activities.
pub const INVITED_ROLES: [Role; 3] = [Role::Agent, Role::Helper, Role::UnitLeader];

/// An activity as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    /// Id.
    pub id: i64,
    /// Kind code (`training`, `seminar`, `enterprise_visit`).
    pub kind: String,
    /// Topic.
    pub topic: String,
    /// Date and start time.
    pub scheduled_at: DateTime<Utc>,
    /// Place.
    pub place: String,
    /// Notes.
    pub notes: String,
    /// Status code (`scheduled`, `held`, `cancelled`).
    pub status: String,
    /// Why it was cancelled.
    pub cancel_reason: String,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// When attendance was (last) recorded.
    pub attendance_recorded_at: Option<DateTime<Utc>>,
    /// Who scheduled it.
    pub organiser_name: String,
    /// Invitees the caller may see, with their attendance.
    pub invitees: Vec<InviteeView>,
    /// Invitees in all (also those the caller does not see).
    pub invited_count: usize,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// An invitee and how they attended.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InviteeView {
    /// Id of the invitation.
    pub id: i64,
    /// The person.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Unit.
    pub unit_id: i64,
    /// Unit name.
    pub unit_name: String,
    /// Attendance code, once recorded.
    pub attendance: Option<String>,
    /// Note (reason for leave, minutes late…).
    pub note: String,
    /// Points this record deducts (2 for late, left early, absent without leave).
    pub discipline_points: u32,
}

fn status_of(m: &activity::Model) -> ActivityStatus {
    ActivityStatus::from_code(&m.status).unwrap_or(ActivityStatus::Scheduled)
}

/// Whether the caller sees the bureau's activities at all, and whose attendance.
enum Sight {
    All,
    Unit(i64),
    Person(i64),
}

fn sight(actor: &Actor) -> AppResult<Sight> {
    match actor.role {
        Role::Coordinator | Role::CityLeader => Ok(Sight::All),
        Role::UnitLeader => Ok(Sight::Unit(actor.unit_id.unwrap_or(-1))),
        Role::Agent | Role::Helper => Ok(Sight::Person(actor.user_id)),
        Role::Enterprise | Role::Admin | Role::Auditor => Err(forbidden()),
    }
}

impl Sight {
    fn sees(&self, i: &activity_invitee::Model) -> bool {
        match self {
            Self::All => true,
            Self::Unit(u) => i.unit_id == *u,
            Self::Person(p) => i.user_id == *p,
        }
    }
}

async fn views<C: ConnectionTrait>(
    db: &C,
    sight: &Sight,
    list: Vec<activity::Model>,
) -> AppResult<Vec<ActivityView>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let mut invitees: BTreeMap<i64, Vec<activity_invitee::Model>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for i in activity_invitee::Entity::find()
            .filter(activity_invitee::Column::ActivityId.is_in(chunk.to_vec()))
            .order_by_asc(activity_invitee::Column::Id)
            .all(db)
            .await?
        {
            invitees.entry(i.activity_id).or_default().push(i);
        }
    }
    let mut user_ids: BTreeSet<i64> = invitees.values().flatten().map(|i| i.user_id).collect();
    user_ids.extend(list.iter().map(|a| a.created_by));
    let mut people: BTreeMap<i64, user::Model> = BTreeMap::new();
    let user_ids: Vec<i64> = user_ids.into_iter().collect();
    for chunk in user_ids.chunks(500) {
        for u in user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            people.insert(u.id, u);
        }
    }
    let units = crate::units::names(db).await?;
    Ok(list
        .into_iter()
        .map(|a| {
            let all = invitees.remove(&a.id).unwrap_or_default();
            let invited_count = all.len();
            let invitees = all
                .into_iter()
                .filter(|i| sight.sees(i))
                .map(|i| {
                    let p = people.get(&i.user_id);
                    InviteeView {
                        id: i.id,
                        user_id: i.user_id,
                        name: p.map(|p| p.name.clone()).unwrap_or_default(),
                        role: p.map(|p| p.role.clone()).unwrap_or_default(),
                        unit_id: i.unit_id,
                        unit_name: units.get(&i.unit_id).cloned().unwrap_or_default(),
                        discipline_points: i
                            .attendance
                            .as_deref()
                            .and_then(Attendance::from_code)
                            .map_or(0, discipline_points),
                        attendance: i.attendance,
                        note: i.note,
                    }
                })
                .collect();
            ActivityView {
                organiser_name: people
                    .get(&a.created_by)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                id: a.id,
                kind: a.kind,
                topic: a.topic,
                scheduled_at: a.scheduled_at,
                place: a.place,
                notes: a.notes,
                status: a.status,
                cancel_reason: a.cancel_reason,
                cancelled_at: a.cancelled_at,
                attendance_recorded_at: a.attendance_recorded_at,
                invitees,
                invited_count,
                version: a.version,
            }
        })
        .collect())
}

/// The activities the caller sees (for a unit leader, an agent or a helper: those its people
/// or they are invited to), newest first.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, the administrator and the auditor.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<ActivityView>> {
    let sight = sight(actor)?;
    let mut q = activity::Entity::find();
    let invited = |col: activity_invitee::Column, v: i64| {
        activity::Column::Id.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(activity_invitee::Column::ActivityId)
                .from(activity_invitee::Entity)
                .and_where(col.eq(v))
                .to_owned(),
        )
    };
    match sight {
        Sight::All => {}
        Sight::Unit(u) => q = q.filter(invited(activity_invitee::Column::UnitId, u)),
        Sight::Person(p) => q = q.filter(invited(activity_invitee::Column::UserId, p)),
    }
    let list = q
        .order_by_desc(activity::Column::ScheduledAt)
        .order_by_desc(activity::Column::Id)
        .all(db)
        .await?;
    views(db, &sight, list).await
}

/// One activity.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without access; [`AppError::NotFound`] when absent or
/// when none of the caller's people is invited.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<ActivityView> {
    let sight = sight(actor)?;
    let a = activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = views(db, &sight, vec![a])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    if !matches!(sight, Sight::All) && v.invitees.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

/// An activity to schedule.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActivityInput {
    /// Kind code: `training` (业务培训), `seminar` (座谈会), `enterprise_visit` (入企走访).
    pub kind: String,
    /// Topic.
    pub topic: String,
    /// Date and start time.
    pub scheduled_at: DateTime<Utc>,
    /// Place.
    pub place: String,
    /// Notes (agenda, what to bring…).
    #[serde(default)]
    pub notes: String,
    /// Invited persons (agents, helpers, unit leaders).
    #[serde(default)]
    pub user_ids: Vec<i64>,
    /// Invited units: every active agent, helper and leader of each.
    #[serde(default)]
    pub unit_ids: Vec<i64>,
}

/// The active staff of a unit who are invited when the unit is.
async fn unit_staff<C: ConnectionTrait>(db: &C, unit_id: i64) -> AppResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in(INVITED_ROLES.map(Role::code)))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

fn when_text(at: DateTime<Utc>) -> String {
    at.with_timezone(&CHINA)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A coordinator schedules a training, seminar or enterprise visit; each invitee is notified.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but a coordinator; [`AppError::Invalid`] naming each
/// broken rule (kind, topic, place, a start in the past, no invitees, an invitee who is not an
/// active agent, helper or unit leader).
pub async fn schedule(
    app: &App,
    actor: &Actor,
    input: &ActivityInput,
    meta: &Meta,
) -> AppResult<ActivityView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let now = app.now();
    let mut c = Checks::default();
    let kind = ActivityKind::from_code(input.kind.trim());
    if kind.is_none() {
        c.push(FieldError::new(
            "kind",
            "unknown",
            "活动类型应为业务培训、座谈会或入企走访",
            "kind must be training, seminar or enterprise_visit",
        ));
    }
    let topic = c.text("topic", "活动主题", &input.topic, 200);
    let place = c.text("place", "活动地点", &input.place, 200);
    let notes = c.optional_text("notes", "备注", &input.notes, 2000);
    if input.scheduled_at < now {
        c.push(FieldError::new(
            "scheduled_at",
            "past",
            "活动时间不能早于当前时间",
            "scheduled_at cannot be in the past",
        ));
    }
    let mut invitees: BTreeMap<i64, user::Model> = BTreeMap::new();
    for &u in &input.unit_ids {
        let staff = unit_staff(&w.txn, u).await?;
        if staff.is_empty() {
            c.push(FieldError::new(
                "unit_ids",
                "no_staff",
                "所选单位没有在岗的代办员、帮办员或分管负责人",
                "a chosen unit has no active agent, helper or unit leader",
            ));
        }
        for s in staff {
            invitees.insert(s.id, s);
        }
    }
    for &id in &input.user_ids {
        match user::Entity::find_by_id(id).one(&w.txn).await? {
            Some(u)
                if u.active
                    && u.unit_id.is_some()
                    && u.role
                        .parse::<Role>()
                        .is_ok_and(|r| INVITED_ROLES.contains(&r)) =>
            {
                invitees.insert(u.id, u);
            }
            _ => c.push(FieldError::new(
                "user_ids",
                "not_staff",
                "受邀人员须为在岗的代办员、帮办员或单位分管负责人",
                "an invitee must be an active agent, helper or unit leader",
            )),
        }
    }
    if input.unit_ids.is_empty() && input.user_ids.is_empty() {
        c.push(FieldError::new(
            "invitees",
            "required",
            "请选择参加单位或人员",
            "choose the units or persons invited",
        ));
    }
    c.finish()?;
    let Some(kind) = kind else {
        return Err(AppError::Invalid(Vec::new()));
    };
    let id = activity::Entity::insert(activity::ActiveModel {
        kind: Set(kind.code().to_owned()),
        topic: Set(topic.clone()),
        scheduled_at: Set(input.scheduled_at),
        place: Set(place.clone()),
        notes: Set(notes),
        status: Set(ActivityStatus::Scheduled.code().to_owned()),
        cancel_reason: Set(String::new()),
        cancelled_at: Set(None),
        attendance_recorded_at: Set(None),
        created_by: Set(actor.user_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    let when = when_text(input.scheduled_at);
    let notice = Notice {
        kind: "activity".into(),
        title: Msg::new(
            format!("{}通知：{topic}", kind.label_zh()),
            format!("Invitation ({}): {topic}", kind.label_en()),
        ),
        body: Msg::new(
            format!(
                "市行政审批局定于 {when} 在{place}组织{}“{topic}”，请准时参加；不能参加的请提前请假。",
                kind.label_zh()
            ),
            format!(
                "The bureau holds the {} \"{topic}\" on {when} (China time) at {place}; please attend on time, or ask for leave in advance.",
                kind.label_en()
            ),
        ),
        project_id: None,
        case_item_id: None,
    };
    for u in invitees.values() {
        activity_invitee::Entity::insert(activity_invitee::ActiveModel {
            activity_id: Set(id),
            user_id: Set(u.id),
            unit_id: Set(u.unit_id.unwrap_or_default()),
            attendance: Set(None),
            note: Set(String::new()),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
        timeline::notify(&w.txn, now, Recipient::User(u.id), &notice).await?;
    }
    let v = get(&w.txn, actor, id).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "activity.schedule",
            object_type: "activity",
            object_id: id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

async fn for_update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i32,
) -> AppResult<activity::Model> {
    let a = activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.version != version {
        return Err(version_conflict());
    }
    Ok(a)
}

fn state_conflict(zh: &str, en: &str) -> AppError {
    AppError::Conflict {
        code: "activity_state",
        message: Msg::new(zh, en),
    }
}

/// A coordinator cancels a scheduled activity with a reason; the invitees are notified.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Conflict`] for a stale version
/// or an activity already held or cancelled (`activity_state`); [`AppError::Invalid`] without a
/// reason.
pub async fn cancel(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    reason: &str,
    meta: &Meta,
) -> AppResult<ActivityView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let a = for_update(&w.txn, id, version).await?;
    let mut c = Checks::default();
    let reason = c.text("reason", "取消原因", reason, 500);
    c.finish()?;
    if !status_of(&a).may_cancel() {
        return Err(state_conflict(
            "只有已安排、尚未举行的活动可以取消",
            "only a scheduled activity that has not been held can be cancelled",
        ));
    }
    let now = app.now();
    let res = activity::Entity::update_many()
        .col_expr(
            activity::Column::Status,
            Expr::value(ActivityStatus::Cancelled.code()),
        )
        .col_expr(activity::Column::CancelReason, Expr::value(reason.clone()))
        .col_expr(activity::Column::CancelledAt, Expr::value(now))
        .col_expr(activity::Column::Version, Expr::value(a.version + 1))
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Version.eq(a.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    let kind = ActivityKind::from_code(&a.kind).unwrap_or(ActivityKind::Training);
    let when = when_text(a.scheduled_at);
    let notice = Notice {
        kind: "activity".into(),
        title: Msg::new(
            format!("{}取消：{}", kind.label_zh(), a.topic),
            format!("Cancelled ({}): {}", kind.label_en(), a.topic),
        ),
        body: Msg::new(
            format!(
                "原定于 {when} 举行的{}“{}”已取消。原因：{reason}",
                kind.label_zh(),
                a.topic
            ),
            format!(
                "The {} \"{}\" planned for {when} (China time) is cancelled. Reason: {reason}",
                kind.label_en(),
                a.topic
            ),
        ),
        project_id: None,
        case_item_id: None,
    };
    for i in activity_invitee::Entity::find()
        .filter(activity_invitee::Column::ActivityId.eq(id))
        .all(&w.txn)
        .await?
    {
        timeline::notify(&w.txn, now, Recipient::User(i.user_id), &notice).await?;
    }
    let v = get(&w.txn, actor, id).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "activity.cancel",
            object_type: "activity",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"status": a.status, "version": a.version})),
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// One invitee's attendance.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttendanceEntry {
    /// The invitation's id.
    pub invitee_id: i64,
    /// `present`, `late`, `left_early`, `absent_with_leave`, `absent_without_leave`.
    pub attendance: String,
    /// Note (reason for leave, minutes late…).
    #[serde(default)]
    pub note: String,
}

/// The attendance of an activity.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AttendanceRecordInput {
    /// The activity's version the caller saw.
    pub version: i32,
    /// One entry per invitee, every invitee.
    #[serde(default)]
    pub attendance: Vec<AttendanceEntry>,
}

/// A coordinator records (or corrects) every invitee's attendance once the activity has
/// started; it is then held.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Conflict`] for a stale version,
/// a cancelled activity or one that has not started (`activity_state`); [`AppError::Invalid`]
/// for an unknown code, an entry for someone not invited, or an invitee left out.
pub async fn record_attendance(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &AttendanceRecordInput,
    meta: &Meta,
) -> AppResult<ActivityView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let w = app.begin_write().await?;
    let a = for_update(&w.txn, id, input.version).await?;
    let invitees = activity_invitee::Entity::find()
        .filter(activity_invitee::Column::ActivityId.eq(id))
        .all(&w.txn)
        .await?;
    let mut c = Checks::default();
    let mut seen = BTreeSet::new();
    for e in &input.attendance {
        if Attendance::from_code(e.attendance.trim()).is_none() {
            c.push(FieldError::new(
                "attendance",
                "unknown",
                "出勤情况应为出席、迟到、早退、请假或无故缺席",
                "attendance is present, late, left_early, absent_with_leave or absent_without_leave",
            ));
        }
        if !invitees.iter().any(|i| i.id == e.invitee_id) || !seen.insert(e.invitee_id) {
            c.push(FieldError::new(
                "attendance",
                "not_invited",
                "出勤记录须对应本次活动的受邀人员，每人一条",
                "each entry is for one invitee of this activity, once",
            ));
        }
        if e.note.trim().chars().count() > 500 {
            c.push(FieldError::new(
                "attendance",
                "too_long",
                "出勤备注最多 500 个字符",
                "an attendance note must be at most 500 characters",
            ));
        }
    }
    if invitees.iter().any(|i| !seen.contains(&i.id)) {
        c.push(FieldError::new(
            "attendance",
            "incomplete",
            "请记录每位受邀人员的出勤情况",
            "record the attendance of every invitee",
        ));
    }
    c.finish()?;
    let status = status_of(&a);
    if !status.may_record_attendance() {
        return Err(state_conflict(
            "活动已取消，不能记录出勤",
            "the activity is cancelled; no attendance can be recorded",
        ));
    }
    let now = app.now();
    if a.scheduled_at > now {
        return Err(state_conflict(
            "活动尚未开始，开始后才能记录出勤",
            "the activity has not started; record attendance once it has",
        ));
    }
    let res = activity::Entity::update_many()
        .col_expr(
            activity::Column::Status,
            Expr::value(ActivityStatus::Held.code()),
        )
        .col_expr(activity::Column::AttendanceRecordedAt, Expr::value(now))
        .col_expr(activity::Column::Version, Expr::value(a.version + 1))
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Version.eq(a.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    let before = get(&w.txn, actor, id).await?;
    for e in &input.attendance {
        activity_invitee::Entity::update_many()
            .col_expr(
                activity_invitee::Column::Attendance,
                Expr::value(e.attendance.trim().to_owned()),
            )
            .col_expr(
                activity_invitee::Column::Note,
                Expr::value(e.note.trim().to_owned()),
            )
            .filter(activity_invitee::Column::Id.eq(e.invitee_id))
            .exec(&w.txn)
            .await?;
    }
    let v = get(&w.txn, actor, id).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "activity.attendance",
            object_type: "activity",
            object_id: id.to_string(),
            before: Some(serde_json::json!({
                "status": status.code(),
                "version": a.version,
                "attendance": before.invitees.iter().map(|i| (i.id, i.attendance.clone())).collect::<Vec<_>>(),
            })),
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// Filters of the discipline evidence.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct DisciplineFilter {
    /// Only this unit.
    pub unit_id: Option<i64>,
    /// From this date (China time), included.
    pub from: Option<NaiveDate>,
    /// To this date (China time), included.
    pub to: Option<NaiveDate>,
}

/// One person-time of discipline evidence: late, left early or absent without leave at one of
/// the bureau's activities.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisciplineEvidence {
    /// The activity.
    pub activity_id: i64,
    /// Its kind code.
    pub kind: String,
    /// Its topic.
    pub topic: String,
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// The person.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// The unit the finding counts against.
    pub unit_id: i64,
    /// Unit name.
    pub unit_name: String,
    /// Attendance code.
    pub attendance: String,
    /// Note.
    pub note: String,
    /// Points deducted (negative: −2).
    pub points: i32,
}

/// The discipline evidence of held activities: every late, left-early and
/// absent-without-leave record, oldest first, by unit and date range. The bureau sees every
/// unit's; a unit leader its own unit's only.
///
/// # Errors
/// [`AppError::Forbidden`] for agents, helpers, enterprises, the administrator and the auditor.
pub async fn discipline_evidence<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &DisciplineFilter,
) -> AppResult<Vec<DisciplineEvidence>> {
    let unit = match sight(actor)? {
        Sight::All => f.unit_id,
        Sight::Unit(u) => {
            if f.unit_id.is_some_and(|x| x != u) {
                return Ok(Vec::new());
            }
            Some(u)
        }
        Sight::Person(_) => return Err(forbidden()),
    };
    let findings: Vec<&str> = Attendance::ALL
        .into_iter()
        .filter(|a| a.is_discipline_finding())
        .map(Attendance::code)
        .collect();
    let mut q = activity_invitee::Entity::find()
        .filter(activity_invitee::Column::Attendance.is_in(findings))
        .order_by_asc(activity_invitee::Column::Id);
    if let Some(u) = unit {
        q = q.filter(activity_invitee::Column::UnitId.eq(u));
    }
    let records = q.all(db).await?;
    let activity_ids: BTreeSet<i64> = records.iter().map(|r| r.activity_id).collect();
    let mut activities: BTreeMap<i64, activity::Model> = BTreeMap::new();
    let activity_ids: Vec<i64> = activity_ids.into_iter().collect();
    for chunk in activity_ids.chunks(500) {
        for a in activity::Entity::find()
            .filter(activity::Column::Id.is_in(chunk.to_vec()))
            .filter(activity::Column::Status.eq(ActivityStatus::Held.code()))
            .all(db)
            .await?
        {
            activities.insert(a.id, a);
        }
    }
    let units = crate::units::names(db).await?;
    let mut out = Vec::new();
    for r in records {
        let Some(a) = activities.get(&r.activity_id) else {
            continue;
        };
        let day = a.scheduled_at.with_timezone(&CHINA).date_naive();
        if f.from.is_some_and(|d| day < d) || f.to.is_some_and(|d| day > d) {
            continue;
        }
        let att = r.attendance.clone().unwrap_or_default();
        out.push(DisciplineEvidence {
            activity_id: a.id,
            kind: a.kind.clone(),
            topic: a.topic.clone(),
            held_at: a.scheduled_at,
            user_id: r.user_id,
            name: crate::users::user_name(db, Some(r.user_id)).await?,
            unit_id: r.unit_id,
            unit_name: units.get(&r.unit_id).cloned().unwrap_or_default(),
            points: -i32::try_from(Attendance::from_code(&att).map_or(0, discipline_points))
                .unwrap_or(0),
            attendance: att,
            note: r.note,
        });
    }
    out.sort_by_key(|e| (e.held_at, e.activity_id, e.user_id));
    Ok(out)
}

/// A staff member as the history pages name them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Unit.
    pub unit_id: Option<i64>,
    /// Unit name.
    pub unit_name: String,
}

/// The staff member `user_id` if the caller may see their history and appraisals: the bureau
/// (coordinators, the city leader) anyone on the staff, a unit leader their unit's people, an
/// agent or helper only themselves.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, the administrator and the auditor;
/// [`AppError::NotFound`] for an account outside the caller's sight or not on the staff.
pub async fn person_in_sight<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    user_id: i64,
) -> AppResult<PersonView> {
    let sight = sight(actor)?;
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.unit_id.is_some() && u.enterprise_id.is_none())
        .ok_or(AppError::NotFound)?;
    let visible = match sight {
        Sight::All => true,
        Sight::Unit(unit) => u.unit_id == Some(unit),
        Sight::Person(p) => u.id == p,
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    Ok(PersonView {
        unit_name: crate::users::unit_name(db, u.unit_id).await?,
        id: u.id,
        name: u.name,
        role: u.role,
        unit_id: u.unit_id,
    })
}

/// One line of a person's training history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// The activity.
    pub activity_id: i64,
    /// Kind code.
    pub kind: String,
    /// Topic.
    pub topic: String,
    /// When.
    pub scheduled_at: DateTime<Utc>,
    /// Place.
    pub place: String,
    /// Activity status code.
    pub status: String,
    /// Attendance code, once recorded.
    pub attendance: Option<String>,
    /// Note.
    pub note: String,
    /// Points deducted (0 or 2).
    pub discipline_points: u32,
}

/// Every activity `user_id` was invited to, newest first, with their attendance.
///
/// # Errors
/// As [`person_in_sight`].
pub async fn history<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    user_id: i64,
) -> AppResult<Vec<HistoryEntry>> {
    person_in_sight(db, actor, user_id).await?;
    let invitations = activity_invitee::Entity::find()
        .filter(activity_invitee::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let ids: Vec<i64> = invitations.iter().map(|i| i.activity_id).collect();
    let mut by_id: BTreeMap<i64, activity::Model> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for a in activity::Entity::find()
            .filter(activity::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            by_id.insert(a.id, a);
        }
    }
    let mut out: Vec<HistoryEntry> = invitations
        .into_iter()
        .filter_map(|i| {
            let a = by_id.get(&i.activity_id)?;
            Some(HistoryEntry {
                activity_id: a.id,
                kind: a.kind.clone(),
                topic: a.topic.clone(),
                scheduled_at: a.scheduled_at,
                place: a.place.clone(),
                status: a.status.clone(),
                discipline_points: i
                    .attendance
                    .as_deref()
                    .and_then(Attendance::from_code)
                    .map_or(0, discipline_points),
                attendance: i.attendance,
                note: i.note,
            })
        })
        .collect();
    out.sort_by_key(|h| std::cmp::Reverse(h.scheduled_at));
    Ok(out)
}

/// The staff the coordinator can invite, by unit (for the schedule form).
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but a coordinator.
pub async fn invitable<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> AppResult<Vec<(i64, String, Vec<PersonView>)>> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let units = crate::units::names(db).await?;
    let mut by_unit: BTreeMap<i64, Vec<PersonView>> = BTreeMap::new();
    for u in user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in(INVITED_ROLES.map(Role::code)))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
    {
        let Some(unit) = u.unit_id else { continue };
        by_unit.entry(unit).or_default().push(PersonView {
            id: u.id,
            name: u.name,
            role: u.role,
            unit_id: Some(unit),
            unit_name: units.get(&unit).cloned().unwrap_or_default(),
        });
    }
    Ok(by_unit
        .into_iter()
        .map(|(id, people)| (id, units.get(&id).cloned().unwrap_or_default(), people))
        .collect())
}
