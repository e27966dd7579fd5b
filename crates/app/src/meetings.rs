//! Coordination meetings (项目碰头会, 联审会办会, 现场办公会) and the action items their decisions
//! (and the city leader's) create. The bureau convenes; attendance is recorded per person (the
//! evaluation counts lateness, leaving early and absence without leave); decisions may resolve
//! problems on the agenda; action items run on the working-day clock until their owners finish
//! them.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::problems::{ProblemChange, record};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, Utc};
use daiban_domain::calendar::Calendar;
use daiban_domain::clock::{self, CHINA, ClockInput, ItemType, Warning};
use daiban_domain::problem::{
    ActionItemStatus, Attendance, Level, MeetingKind, Position, ProblemStatus, suggest_meeting_kind,
};
use daiban_domain::role::Role;
use daiban_store::entity::{
    action_item, action_item_alert, meeting, meeting_agenda, meeting_attendee, meeting_decision,
    problem, project, unit, user,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A meeting as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Title.
    pub title: String,
    /// When.
    pub scheduled_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// Who convenes it.
    pub convenor_name: String,
    /// `planned` or `held`.
    pub status: String,
    /// Minutes.
    pub minutes: String,
    /// The project it is about, if one.
    pub project_id: Option<i64>,
    /// Problems on the agenda: id and title.
    pub problems: Vec<AgendaProblem>,
    /// Invited departments and persons with their attendance.
    pub attendees: Vec<AttendeeView>,
    /// Decisions.
    pub decisions: Vec<DecisionView>,
    /// Action items.
    pub action_items: Vec<ActionItemView>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// A problem on an agenda.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgendaProblem {
    /// Problem id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Status code.
    pub status: String,
}

/// An invitee.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendeeView {
    /// Id.
    pub id: i64,
    /// Unit id.
    pub unit_id: i64,
    /// Unit name.
    pub unit_name: String,
    /// Person, if named.
    pub user_id: Option<i64>,
    /// Name as invited.
    pub name: String,
    /// Attendance code, once recorded.
    pub attendance: Option<String>,
    /// Note (e.g. reason for leave).
    pub note: String,
}

/// A decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    /// Id.
    pub id: i64,
    /// Number within the meeting, from 1.
    pub seq: i32,
    /// What was decided.
    pub text: String,
    /// The problem it concerns, if any.
    pub problem_id: Option<i64>,
}

/// An action item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionItemView {
    /// Id.
    pub id: i64,
    /// `meeting` or `city_leader`.
    pub source: String,
    /// Meeting, if from one.
    pub meeting_id: Option<i64>,
    /// Problem, if any.
    pub problem_id: Option<i64>,
    /// Project, if any.
    pub project_id: Option<i64>,
    /// What to do.
    pub title: String,
    /// Owner department.
    pub owner_unit_id: i64,
    /// Owner department's name.
    pub owner_unit_name: String,
    /// Owner person's name, if named.
    pub owner_user_name: String,
    /// Limit in working days.
    pub due_days: i32,
    /// Assigned at.
    pub assigned_at: DateTime<Utc>,
    /// Due at.
    pub due_at: DateTime<Utc>,
    /// The due date reaches into a year without a published arrangement.
    pub due_provisional: bool,
    /// Status code.
    pub status: String,
    /// Done at.
    pub done_at: Option<DateTime<Utc>>,
    /// What was done.
    pub done_note: String,
    /// Warning as of the last monitor run.
    pub warning: String,
    /// Optimistic-concurrency version.
    pub version: i32,
}

async fn action_view<C: ConnectionTrait>(
    db: &C,
    a: action_item::Model,
) -> AppResult<ActionItemView> {
    action_views(db, vec![a])
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("an action item without its view").into())
}

/// The views of `items`, in their order, with their units' and owners' names read in one
/// statement (a list of them read one name at a time cost two round trips per item).
async fn action_views<C: ConnectionTrait>(
    db: &C,
    items: Vec<action_item::Model>,
) -> AppResult<Vec<ActionItemView>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let unit_ids: BTreeSet<i64> = items.iter().map(|a| a.owner_unit_id).collect();
    let user_ids: BTreeSet<i64> = items.iter().filter_map(|a| a.owner_user_id).collect();
    let names = crate::names::Names::default()
        .units("u", &unit_ids)
        .users("n", &user_ids)
        .read_maps(db)
        .await?;
    Ok(items
        .into_iter()
        .map(|a| ActionItemView {
            owner_unit_name: names.get("u", Some(a.owner_unit_id)),
            owner_user_name: names.get("n", a.owner_user_id),
            id: a.id,
            source: a.source,
            meeting_id: a.meeting_id,
            problem_id: a.problem_id,
            project_id: a.project_id,
            title: a.title,
            owner_unit_id: a.owner_unit_id,
            due_days: a.due_days,
            assigned_at: a.assigned_at,
            due_at: a.due_at,
            due_provisional: a.due_provisional,
            status: a.status,
            done_at: a.done_at,
            done_note: a.done_note,
            warning: a.warning,
            version: a.version,
        })
        .collect())
}

async fn view<C: ConnectionTrait>(db: &C, m: meeting::Model) -> AppResult<MeetingView> {
    let agenda = meeting_agenda::Entity::find()
        .filter(meeting_agenda::Column::MeetingId.eq(m.id))
        .all(db)
        .await?;
    let problem_ids: Vec<i64> = agenda.iter().filter_map(|a| a.problem_id).collect();
    let problems = if problem_ids.is_empty() {
        Vec::new()
    } else {
        problem::Entity::find()
            .filter(problem::Column::Id.is_in(problem_ids))
            .order_by_asc(problem::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|p| AgendaProblem {
                id: p.id,
                title: p.title,
                status: p.status,
            })
            .collect()
    };
    let mut attendees = Vec::new();
    for a in meeting_attendee::Entity::find()
        .filter(meeting_attendee::Column::MeetingId.eq(m.id))
        .order_by_asc(meeting_attendee::Column::Id)
        .all(db)
        .await?
    {
        attendees.push(AttendeeView {
            unit_name: crate::users::unit_name(db, Some(a.unit_id)).await?,
            id: a.id,
            unit_id: a.unit_id,
            user_id: a.user_id,
            name: a.name,
            attendance: a.attendance,
            note: a.note,
        });
    }
    let decisions = meeting_decision::Entity::find()
        .filter(meeting_decision::Column::MeetingId.eq(m.id))
        .order_by_asc(meeting_decision::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DecisionView {
            id: d.id,
            seq: d.seq,
            text: d.text,
            problem_id: d.problem_id,
        })
        .collect();
    let action_items = action_views(
        db,
        action_item::Entity::find()
            .filter(action_item::Column::MeetingId.eq(m.id))
            .order_by_asc(action_item::Column::Id)
            .all(db)
            .await?,
    )
    .await?;
    Ok(MeetingView {
        convenor_name: crate::users::user_name(db, Some(m.convenor_id)).await?,
        id: m.id,
        kind: m.kind,
        title: m.title,
        scheduled_at: m.scheduled_at,
        place: m.place,
        status: m.status,
        minutes: m.minutes,
        project_id: m.project_id,
        problems,
        attendees,
        decisions,
        action_items,
        version: m.version,
    })
}

/// Who sees meetings: the bureau and the city leader all of them; a unit's staff those it is
/// invited to.
async fn visible<C: ConnectionTrait>(db: &C, actor: &Actor, m: &meeting::Model) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Coordinator | Role::CityLeader => true,
        Role::Agent | Role::Helper | Role::UnitLeader => {
            let Some(u) = actor.unit_id else {
                return Ok(false);
            };
            meeting_attendee::Entity::find()
                .filter(meeting_attendee::Column::MeetingId.eq(m.id))
                .filter(meeting_attendee::Column::UnitId.eq(u))
                .one(db)
                .await?
                .is_some()
        }
        _ => false,
    })
}

/// Meetings the caller sees, newest first.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, the administrator and the auditor.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<MeetingView>> {
    if matches!(actor.role, Role::Enterprise | Role::Admin | Role::Auditor) {
        return Err(forbidden());
    }
    let mut out = Vec::new();
    for m in meeting::Entity::find()
        .order_by_desc(meeting::Column::ScheduledAt)
        .all(db)
        .await?
    {
        if visible(db, actor, &m).await? {
            out.push(view(db, m).await?);
        }
    }
    Ok(out)
}

/// One meeting.
///
/// # Errors
/// [`AppError::NotFound`] when absent or not visible to the caller.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<MeetingView> {
    let m = meeting::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !visible(db, actor, &m).await? {
        return Err(AppError::NotFound);
    }
    view(db, m).await
}

/// The kind the app suggests for these problems: on-site if one is at the site, joint review
/// when three or more departments are involved, else a huddle.
///
/// # Errors
/// Database failure.
pub async fn suggest_kind<C: ConnectionTrait>(
    db: &C,
    problem_ids: &[i64],
) -> AppResult<MeetingKind> {
    if problem_ids.is_empty() {
        return Ok(MeetingKind::Huddle);
    }
    let ps = problem::Entity::find()
        .filter(problem::Column::Id.is_in(problem_ids.to_vec()))
        .all(db)
        .await?;
    let departments: BTreeSet<i64> = ps.iter().map(|p| p.department_id).collect();
    Ok(suggest_meeting_kind(
        departments.len(),
        ps.iter().any(|p| p.at_site),
    ))
}

/// An invitee.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct InviteeInput {
    /// The unit invited.
    pub unit_id: i64,
    /// The person, if named.
    #[serde(default)]
    pub user_id: Option<i64>,
}

/// A meeting to convene.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// Kind code; empty takes the suggestion.
    #[serde(default)]
    pub kind: String,
    /// Title.
    pub title: String,
    /// When.
    pub scheduled_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// The project it is about, if one.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// Problems on the agenda (they move to the meeting level).
    #[serde(default)]
    pub problem_ids: Vec<i64>,
    /// Invited units and persons.
    #[serde(default)]
    pub invitees: Vec<InviteeInput>,
}

/// A coordinator convenes a meeting. Problems on the agenda move to the meeting level (with the
/// meeting's response limit) and the invitees are notified.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but a coordinator; [`AppError::Invalid`] naming each
/// broken rule.
pub async fn convene(
    app: &App,
    actor: &Actor,
    input: &MeetingInput,
    meta: &Meta,
) -> AppResult<MeetingView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let calendar = app.calendar();
    let w = app.begin_write().await?;
    let mut c = Checks::default();
    let title = c.text("title", "会议名称", &input.title, 200);
    let place = c.text("place", "会议地点", &input.place, 200);
    let kind = if input.kind.trim().is_empty() {
        Some(suggest_kind(&w.txn, &input.problem_ids).await?)
    } else {
        MeetingKind::from_code(&input.kind)
    };
    if kind.is_none() {
        c.push(FieldError::new(
            "kind",
            "unknown",
            "会议类型应为项目碰头会、联审会办会或现场办公会",
            "kind must be huddle, joint_review or on_site",
        ));
    }
    let problems = if input.problem_ids.is_empty() {
        Vec::new()
    } else {
        problem::Entity::find()
            .filter(problem::Column::Id.is_in(input.problem_ids.clone()))
            .all(&w.txn)
            .await?
    };
    if problems.len() != input.problem_ids.iter().collect::<BTreeSet<_>>().len()
        || problems
            .iter()
            .any(|p| p.status != ProblemStatus::Open.code())
    {
        c.push(FieldError::new(
            "problem_ids",
            "not_open",
            "议题须为处理中的问题",
            "agenda problems must be open",
        ));
    }
    if input.invitees.is_empty() {
        c.push(FieldError::new(
            "invitees",
            "required",
            "请邀请参会单位",
            "invite the units to attend",
        ));
    }
    let mut invitees = Vec::new();
    for i in &input.invitees {
        let u = unit::Entity::find_by_id(i.unit_id).one(&w.txn).await?;
        let person = match i.user_id {
            Some(id) => user::Entity::find_by_id(id)
                .one(&w.txn)
                .await?
                .filter(|p| p.unit_id == Some(i.unit_id)),
            None => None,
        };
        match u {
            Some(u) if i.user_id.is_none() || person.is_some() => invitees.push((u, person)),
            _ => c.push(FieldError::new(
                "invitees",
                "not_found",
                "参会单位或人员不存在",
                "an invited unit or person does not exist",
            )),
        }
    }
    c.finish()?;
    let Some(kind) = kind else {
        return Err(AppError::Invalid(Vec::new()));
    };
    let now = app.now();
    let id = meeting::Entity::insert(meeting::ActiveModel {
        kind: Set(kind.code().to_owned()),
        title: Set(title.clone()),
        scheduled_at: Set(input.scheduled_at),
        place: Set(place),
        convenor_id: Set(actor.user_id),
        status: Set("planned".into()),
        minutes: Set(String::new()),
        project_id: Set(input.project_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    for (u, person) in &invitees {
        meeting_attendee::Entity::insert(meeting_attendee::ActiveModel {
            meeting_id: Set(id),
            unit_id: Set(u.id),
            user_id: Set(person.as_ref().map(|p| p.id)),
            name: Set(person
                .as_ref()
                .map_or_else(|| u.name.clone(), |p| p.name.clone())),
            attendance: Set(None),
            note: Set(String::new()),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
        let when = input
            .scheduled_at
            .with_timezone(&CHINA)
            .format("%Y-%m-%d %H:%M");
        let notice = Notice {
            kind: "meeting".into(),
            title: Msg::new(format!("会议通知：{title}"), format!("Meeting: {title}")),
            body: Msg::new(
                format!(
                    "{}定于 {when} 在{}召开，请准时参加。",
                    kind.label_zh(),
                    input.place
                ),
                format!(
                    "{} on {when} (China time) at {}; please attend on time.",
                    kind.label_en(),
                    input.place
                ),
            ),
            project_id: input.project_id,
            case_item_id: None,
        };
        let to: Vec<i64> = match person {
            Some(p) => vec![p.id],
            None => user::Entity::find()
                .filter(user::Column::UnitId.eq(u.id))
                .filter(user::Column::Active.eq(true))
                .filter(user::Column::Role.is_in([
                    Role::Helper.code(),
                    Role::UnitLeader.code(),
                    Role::Agent.code(),
                ]))
                .all(&w.txn)
                .await?
                .into_iter()
                .map(|x| x.id)
                .collect(),
        };
        for r in to {
            timeline::notify(&w.txn, now, Recipient::User(r), &notice).await?;
        }
    }
    if let Some(p) = input.project_id {
        meeting_agenda::Entity::insert(meeting_agenda::ActiveModel {
            meeting_id: Set(id),
            project_id: Set(Some(p)),
            problem_id: Set(None),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
    }
    let (due, provisional) =
        crate::problems::level_due(&calendar, &app.ladder, Level::Meeting, now)?;
    for p in &problems {
        meeting_agenda::Entity::insert(meeting_agenda::ActiveModel {
            meeting_id: Set(id),
            project_id: Set(Some(p.project_id)),
            problem_id: Set(Some(p.id)),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
        let from = Position {
            status: ProblemStatus::Open,
            level: Level::from_code(&p.level).unwrap_or(Level::Bureau),
        };
        let mut upd = problem::Entity::update_many()
            .col_expr(problem::Column::MeetingId, Expr::value(id))
            .col_expr(problem::Column::Version, Expr::value(p.version + 1))
            .col_expr(problem::Column::UpdatedAt, Expr::value(now));
        let to_level = from.level.max(Level::Meeting);
        if from.level < Level::Meeting {
            upd = upd
                .col_expr(problem::Column::Level, Expr::value(Level::Meeting.code()))
                .col_expr(problem::Column::LevelEnteredAt, Expr::value(now))
                .col_expr(problem::Column::LevelDueAt, Expr::value(due))
                .col_expr(problem::Column::DueProvisional, Expr::value(provisional));
        }
        upd.filter(problem::Column::Id.eq(p.id))
            .exec(&w.txn)
            .await?;
        record(
            &w.txn,
            now,
            Some(actor),
            p.id,
            ProblemChange {
                kind: "meeting",
                from: Some(from),
                to: Some(Position {
                    level: to_level,
                    ..from
                }),
                note: &format!(
                    "列入{}“{title}”议题 / on the agenda of {}",
                    kind.label_zh(),
                    kind.label_en()
                ),
            },
        )
        .await?;
    }
    let v = view(
        &w.txn,
        meeting::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "meeting.convene",
            object_type: "meeting",
            object_id: id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// An attendance record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttendanceInput {
    /// The invitee's id.
    pub attendee_id: i64,
    /// Attendance code.
    pub attendance: String,
    /// Note (reason for leave, minutes late…).
    #[serde(default)]
    pub note: String,
}

/// An action item to assign.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ActionItemInput {
    /// What to do.
    pub title: String,
    /// Owner department (unit id).
    pub owner_unit_id: i64,
    /// Owner person, if named.
    #[serde(default)]
    pub owner_user_id: Option<i64>,
    /// Limit in working days.
    pub due_days: u32,
}

/// A decision with its action items.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// What was decided.
    pub text: String,
    /// The agenda problem it concerns, if any.
    #[serde(default)]
    pub problem_id: Option<i64>,
    /// The decision resolves that problem.
    #[serde(default)]
    pub resolves_problem: bool,
    /// Action items.
    #[serde(default)]
    pub action_items: Vec<ActionItemInput>,
}

/// The record of a held meeting.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingRecordInput {
    /// The meeting's version the caller saw.
    pub version: i32,
    /// Minutes.
    pub minutes: String,
    /// Attendance of each invitee.
    #[serde(default)]
    pub attendance: Vec<AttendanceInput>,
    /// Decisions.
    #[serde(default)]
    pub decisions: Vec<DecisionInput>,
}

/// Checks and creates action items inside the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "where the items come from, all of it recorded"
)]
pub(crate) async fn create_action_items<C: ConnectionTrait>(
    txn: &C,
    calendar: &Calendar,
    now: DateTime<Utc>,
    source: &str,
    meeting_id: Option<i64>,
    decision_id: Option<i64>,
    problem_id: Option<i64>,
    project_id: Option<i64>,
    items: &[ActionItemInput],
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for a in items {
        let mut c = Checks::default();
        let title = c.text("action_items.title", "落实事项", &a.title, 500);
        if a.due_days == 0 || a.due_days > 120 {
            c.push(FieldError::new(
                "action_items.due_days",
                "range",
                "落实期限应为 1 至 120 个工作日",
                "the limit is 1 to 120 working days",
            ));
        }
        if unit::Entity::find_by_id(a.owner_unit_id)
            .one(txn)
            .await?
            .is_none()
        {
            c.push(FieldError::new(
                "action_items.owner_unit_id",
                "not_found",
                "责任单位不存在",
                "the owner unit does not exist",
            ));
        }
        c.finish()?;
        let input = ClockInput::new(ItemType::Committed, a.due_days, now.with_timezone(&CHINA));
        let st = clock::compute(calendar, &input, now.with_timezone(&CHINA))
            .map_err(anyhow::Error::from)?;
        let id = action_item::Entity::insert(action_item::ActiveModel {
            source: Set(source.to_owned()),
            meeting_id: Set(meeting_id),
            decision_id: Set(decision_id),
            problem_id: Set(problem_id),
            project_id: Set(project_id),
            title: Set(title.clone()),
            owner_unit_id: Set(a.owner_unit_id),
            owner_user_id: Set(a.owner_user_id),
            due_days: Set(i32::try_from(a.due_days).unwrap_or(0)),
            assigned_at: Set(now),
            due_at: Set(st.due_at.with_timezone(&Utc)),
            due_provisional: Set(st.provisional),
            status: Set(ActionItemStatus::Open.code().to_owned()),
            done_note: Set(String::new()),
            warning: Set("none".into()),
            version: Set(1),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(txn)
        .await?
        .last_insert_id;
        let due = st.due_at.format("%Y-%m-%d %H:%M");
        let notice = Notice {
            kind: "action_item".into(),
            title: Msg::new(
                format!("待落实事项：{title}"),
                format!("Action item: {title}"),
            ),
            body: Msg::new(
                format!("请于 {due} 前落实并反馈。"),
                format!("Carry it out and report by {due} (China time)."),
            ),
            project_id,
            case_item_id: None,
        };
        for r in owners(txn, a.owner_unit_id, a.owner_user_id).await? {
            timeline::notify(txn, now, Recipient::User(r), &notice).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

async fn owners<C: ConnectionTrait>(
    db: &C,
    unit_id: i64,
    user_id: Option<i64>,
) -> AppResult<Vec<i64>> {
    if let Some(u) = user_id {
        return Ok(vec![u]);
    }
    Ok(user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([
            Role::Helper.code(),
            Role::UnitLeader.code(),
            Role::Agent.code(),
            Role::Coordinator.code(),
        ]))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// A coordinator records a held meeting: minutes, each invitee's attendance, the decisions and
/// their action items; a decision may resolve a problem on the agenda (the enterprise is told
/// and may reopen it).
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Conflict`] when it was already
/// recorded or changed; [`AppError::Invalid`] naming each broken rule.
pub async fn record_meeting(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &MeetingRecordInput,
    meta: &Meta,
) -> AppResult<MeetingView> {
    if !actor.is(Role::Coordinator) {
        return Err(forbidden());
    }
    let calendar = app.calendar();
    let w = app.begin_write().await?;
    let m = meeting::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.status != "planned" {
        return Err(AppError::Conflict {
            code: "meeting_state",
            message: Msg::new(
                "会议已记录，不能重复记录",
                "the meeting is already recorded",
            ),
        });
    }
    if m.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let minutes = c.text("minutes", "会议纪要", &input.minutes, 20_000);
    let attendees = meeting_attendee::Entity::find()
        .filter(meeting_attendee::Column::MeetingId.eq(id))
        .all(&w.txn)
        .await?;
    for a in &input.attendance {
        if !attendees.iter().any(|x| x.id == a.attendee_id)
            || Attendance::from_code(&a.attendance).is_none()
        {
            c.push(FieldError::new("attendance", "unknown", "出勤记录须为受邀人员的出席、迟到、早退、请假或无故缺席", "attendance is present, late, left_early, absent_with_leave or absent_without_leave, for an invitee"));
        }
    }
    let agenda: BTreeSet<i64> = meeting_agenda::Entity::find()
        .filter(meeting_agenda::Column::MeetingId.eq(id))
        .all(&w.txn)
        .await?
        .into_iter()
        .filter_map(|a| a.problem_id)
        .collect();
    for d in &input.decisions {
        if d.text.trim().is_empty() {
            c.push(FieldError::required("decisions", "决定事项"));
        }
        if d.problem_id.is_some_and(|p| !agenda.contains(&p))
            || (d.resolves_problem && d.problem_id.is_none())
        {
            c.push(FieldError::new(
                "decisions",
                "not_on_agenda",
                "决定所涉问题须在本次会议议题中",
                "a decision's problem must be on the agenda",
            ));
        }
    }
    c.finish()?;
    let now = app.now();
    let res = meeting::Entity::update_many()
        .col_expr(meeting::Column::Status, Expr::value("held"))
        .col_expr(meeting::Column::Minutes, Expr::value(minutes))
        .col_expr(meeting::Column::Version, Expr::value(m.version + 1))
        .col_expr(meeting::Column::UpdatedAt, Expr::value(now))
        .filter(meeting::Column::Id.eq(id))
        .filter(meeting::Column::Version.eq(m.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    for a in &input.attendance {
        meeting_attendee::Entity::update_many()
            .col_expr(
                meeting_attendee::Column::Attendance,
                Expr::value(a.attendance.clone()),
            )
            .col_expr(
                meeting_attendee::Column::Note,
                Expr::value(a.note.trim().to_owned()),
            )
            .filter(meeting_attendee::Column::Id.eq(a.attendee_id))
            .exec(&w.txn)
            .await?;
    }
    for (i, d) in input.decisions.iter().enumerate() {
        let did = meeting_decision::Entity::insert(meeting_decision::ActiveModel {
            meeting_id: Set(id),
            seq: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            text: Set(d.text.trim().to_owned()),
            problem_id: Set(d.problem_id),
            ..Default::default()
        })
        .exec(&w.txn)
        .await?
        .last_insert_id;
        let project_id = match d.problem_id {
            Some(p) => problem::Entity::find_by_id(p)
                .one(&w.txn)
                .await?
                .map(|p| p.project_id),
            None => m.project_id,
        };
        create_action_items(
            &w.txn,
            &calendar,
            now,
            "meeting",
            Some(id),
            Some(did),
            d.problem_id,
            project_id,
            &d.action_items,
        )
        .await?;
        if let (Some(pid), true) = (d.problem_id, d.resolves_problem) {
            resolve_by_decision(&w.txn, now, actor, pid, d.text.trim()).await?;
        }
    }
    let v = view(
        &w.txn,
        meeting::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "meeting.record",
            object_type: "meeting",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"status": "planned", "version": m.version})),
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// Resolves a problem by a decision (of a meeting or the city leader) and tells the enterprise.
pub(crate) async fn resolve_by_decision<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    actor: &Actor,
    problem_id: i64,
    text: &str,
) -> AppResult<()> {
    let Some(p) = problem::Entity::find_by_id(problem_id).one(txn).await? else {
        return Ok(());
    };
    if p.status != ProblemStatus::Open.code() {
        return Ok(());
    }
    let level = Level::from_code(&p.level).unwrap_or(Level::Meeting);
    problem::Entity::update_many()
        .col_expr(
            problem::Column::Status,
            Expr::value(ProblemStatus::Resolved.code()),
        )
        .col_expr(problem::Column::Resolution, Expr::value(text.to_owned()))
        .col_expr(problem::Column::ResolvedAt, Expr::value(now))
        .col_expr(problem::Column::Version, Expr::value(p.version + 1))
        .col_expr(problem::Column::UpdatedAt, Expr::value(now))
        .filter(problem::Column::Id.eq(p.id))
        .exec(txn)
        .await?;
    record(
        txn,
        now,
        Some(actor),
        p.id,
        ProblemChange {
            kind: "decision",
            from: Some(Position {
                status: ProblemStatus::Open,
                level,
            }),
            to: Some(Position {
                status: ProblemStatus::Resolved,
                level,
            }),
            note: text,
        },
    )
    .await?;
    if let Some(pr) = project::Entity::find_by_id(p.project_id).one(txn).await? {
        timeline::notify(txn, now, Recipient::Enterprise(pr.enterprise_id), &Notice {
            kind: "problem".into(),
            title: Msg::new(format!("问题已协调解决：{}", p.title), format!("Problem settled: {}", p.title)),
            body: Msg::new(
                format!("项目“{}”的问题“{}”经{}决定：{text}。如未真正解决，可在问题页面重新提出。", pr.name, p.title, level.label_zh()),
                format!("The problem \"{}\" of project \"{}\" was settled by the {}: {text}. If it is not really solved, reopen it.", p.title, pr.name, level.label_en()),
            ),
            project_id: Some(pr.id),
            case_item_id: None,
        })
        .await?;
    }
    Ok(())
}

/// The city leader's decision on a problem at the top of the ladder: recorded in its history,
/// flowing back down as action items; it may resolve the problem.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LeaderDecisionInput {
    /// The problem's version the leader saw.
    pub version: i32,
    /// The decision.
    pub text: String,
    /// The decision resolves the problem.
    #[serde(default)]
    pub resolves_problem: bool,
    /// Action items for the departments.
    #[serde(default)]
    pub action_items: Vec<ActionItemInput>,
}

/// Records the city leader's decision on a problem with the city leader.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but the city leader; [`AppError::NotFound`];
/// [`AppError::Conflict`] when the problem is not open at the top or changed;
/// [`AppError::Invalid`] naming each broken rule.
pub async fn leader_decision(
    app: &App,
    actor: &Actor,
    problem_id: i64,
    input: &LeaderDecisionInput,
    meta: &Meta,
) -> AppResult<Vec<ActionItemView>> {
    if !actor.is(Role::CityLeader) {
        return Err(forbidden());
    }
    let calendar = app.calendar();
    let w = app.begin_write().await?;
    let p = problem::Entity::find_by_id(problem_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.status != ProblemStatus::Open.code() || p.level != Level::CityLeader.code() {
        return Err(AppError::Conflict {
            code: "problem_state",
            message: Msg::new(
                "只有上报至分管市领导且处理中的问题可以作出决定",
                "only an open problem with the city leader takes the leader's decision",
            ),
        });
    }
    if p.version != input.version {
        return Err(version_conflict());
    }
    let mut c = Checks::default();
    let text = c.text("text", "领导决定", &input.text, 4000);
    c.finish()?;
    let now = app.now();
    let ids = create_action_items(
        &w.txn,
        &calendar,
        now,
        "city_leader",
        None,
        None,
        Some(p.id),
        Some(p.project_id),
        &input.action_items,
    )
    .await?;
    let level = Position {
        status: ProblemStatus::Open,
        level: Level::CityLeader,
    };
    if input.resolves_problem {
        resolve_by_decision(&w.txn, now, actor, p.id, &text).await?;
    } else {
        record(
            &w.txn,
            now,
            Some(actor),
            p.id,
            ProblemChange {
                kind: "decision",
                from: Some(level),
                to: Some(level),
                note: &text,
            },
        )
        .await?;
        problem::Entity::update_many()
            .col_expr(problem::Column::Version, Expr::value(p.version + 1))
            .filter(problem::Column::Id.eq(p.id))
            .exec(&w.txn)
            .await?;
    }
    let out = action_views(
        &w.txn,
        action_item::Entity::find()
            .filter(action_item::Column::Id.is_in(ids))
            .order_by_asc(action_item::Column::Id)
            .all(&w.txn)
            .await?,
    )
    .await?;
    audit::append(&w.txn, now, &actor.into(), meta, Change {
        action: "problem.leader_decision",
        object_type: "problem",
        object_id: p.id.to_string(),
        before: Some(serde_json::json!({"status": p.status, "level": p.level})),
        after: Some(serde_json::json!({"decision": text, "action_items": out.iter().map(|a| a.id).collect::<Vec<_>>(), "resolves": input.resolves_problem})),
    })
    .await?;
    w.commit().await?;
    Ok(out)
}

/// Filters of the action-item list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ActionItemFilter {
    /// Status code; default every status.
    pub status: Option<String>,
    /// Problem id.
    pub problem: Option<i64>,
}

/// Action items the caller sees: the bureau and the city leader all; a unit's staff their
/// unit's. Open first, by due time.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, the administrator and the auditor.
pub async fn action_items<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &ActionItemFilter,
) -> AppResult<Vec<ActionItemView>> {
    let mut q = action_item::Entity::find();
    match actor.role {
        Role::Coordinator | Role::CityLeader => {}
        Role::Agent | Role::Helper | Role::UnitLeader => {
            q = q.filter(action_item::Column::OwnerUnitId.eq(actor.unit_id.unwrap_or(-1)));
        }
        _ => return Err(forbidden()),
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(action_item::Column::Status.eq(s));
    }
    if let Some(p) = f.problem {
        q = q.filter(action_item::Column::ProblemId.eq(p));
    }
    action_views(
        db,
        q.order_by_asc(Expr::cust("CASE status WHEN 'open' THEN 0 ELSE 1 END"))
            .order_by_asc(action_item::Column::DueAt)
            .all(db)
            .await?,
    )
    .await
}

/// The owner unit (or the bureau) reports an action item done.
///
/// # Errors
/// [`AppError::NotFound`] for an item the caller does not see; [`AppError::Conflict`] when it is
/// not open or changed; [`AppError::Invalid`] without a note.
pub async fn complete_action_item(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    note: &str,
    meta: &Meta,
) -> AppResult<ActionItemView> {
    let w = app.begin_write().await?;
    let a = action_item::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = actor.unit_id == Some(a.owner_unit_id)
        && matches!(actor.role, Role::Agent | Role::Helper | Role::UnitLeader);
    if !(mine || actor.is(Role::Coordinator)) {
        return Err(AppError::NotFound);
    }
    if a.status != ActionItemStatus::Open.code() {
        return Err(AppError::Conflict {
            code: "action_item_state",
            message: Msg::new(
                "该事项已落实或已撤销",
                "the action item is already done or cancelled",
            ),
        });
    }
    let mut c = Checks::default();
    let note = c.text("note", "落实情况", note, 4000);
    c.finish()?;
    let now = app.now();
    let res = action_item::Entity::update_many()
        .col_expr(
            action_item::Column::Status,
            Expr::value(ActionItemStatus::Done.code()),
        )
        .col_expr(action_item::Column::DoneAt, Expr::value(now))
        .col_expr(action_item::Column::DoneNote, Expr::value(note.clone()))
        .col_expr(action_item::Column::Warning, Expr::value("none"))
        .col_expr(action_item::Column::Version, Expr::value(version + 1))
        .col_expr(action_item::Column::UpdatedAt, Expr::value(now))
        .filter(action_item::Column::Id.eq(id))
        .filter(action_item::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(version_conflict());
    }
    if let Some(pid) = a.problem_id {
        let note = format!("{}：{note}", a.title);
        record(
            &w.txn,
            now,
            Some(actor),
            pid,
            ProblemChange {
                kind: "action_done",
                from: None,
                to: None,
                note: &note,
            },
        )
        .await?;
    }
    let v = action_view(
        &w.txn,
        action_item::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "action_item.done",
            object_type: "action_item",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"status": a.status, "version": a.version})),
            after: Some(
                serde_json::json!({"status": v.status, "version": v.version, "note": note}),
            ),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// The monitor's pass over open action items: yellow and red like case items, once per level
/// and due time, to the owner and the bureau. Returns the alerts raised.
///
/// # Errors
/// Database failure.
pub async fn watch_action_items<C: ConnectionTrait>(
    txn: &C,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let open = action_item::Entity::find()
        .filter(action_item::Column::Status.eq(ActionItemStatus::Open.code()))
        .all(txn)
        .await?;
    let mut raised = 0;
    for a in open {
        let input = ClockInput::new(
            ItemType::Committed,
            u32::try_from(a.due_days).unwrap_or(0),
            a.assigned_at.with_timezone(&CHINA),
        );
        let st = clock::compute(calendar, &input, now.with_timezone(&CHINA))
            .map_err(anyhow::Error::from)?;
        if st.warning.code() != a.warning {
            action_item::Entity::update_many()
                .col_expr(action_item::Column::Warning, Expr::value(st.warning.code()))
                .filter(action_item::Column::Id.eq(a.id))
                .exec(txn)
                .await?;
        }
        if st.warning == Warning::None {
            continue;
        }
        let due = st.due_at.with_timezone(&Utc);
        let inserted = action_item_alert::Entity::insert(action_item_alert::ActiveModel {
            action_item_id: Set(a.id),
            level: Set(st.warning.code().to_owned()),
            due_at: Set(due),
            responsible_unit_id: Set(a.owner_unit_id),
            raised_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                action_item_alert::Column::ActionItemId,
                action_item_alert::Column::Level,
                action_item_alert::Column::DueAt,
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
        let red = st.warning == Warning::Red;
        let when = st.due_at.format("%Y-%m-%d %H:%M");
        let notice = Notice {
            kind: format!("deadline.{}", st.warning.code()),
            title: Msg::new(
                format!("{}：{}", if red { "落实超期" } else { "落实预警" }, a.title),
                format!(
                    "{}: {}",
                    if red {
                        "Action item overdue"
                    } else {
                        "Action item due soon"
                    },
                    a.title
                ),
            ),
            body: Msg::new(
                format!("会议或领导交办事项“{}”期限 {when}。", a.title),
                format!(
                    "The action item \"{}\" is due {when} (China time).",
                    a.title
                ),
            ),
            project_id: a.project_id,
            case_item_id: None,
        };
        let mut to = owners(txn, a.owner_unit_id, a.owner_user_id).await?;
        if red {
            to.extend(
                user::Entity::find()
                    .filter(user::Column::Role.eq(Role::Coordinator.code()))
                    .filter(user::Column::Active.eq(true))
                    .all(txn)
                    .await?
                    .into_iter()
                    .map(|u| u.id),
            );
        }
        to.sort_unstable();
        to.dedup();
        for r in to {
            timeline::notify(txn, now, Recipient::User(r), &notice).await?;
        }
    }
    Ok(raised)
}
