//! Complaints (举报投诉, attachment 2 (六)): an enterprise files one on the portal, or a bureau
//! coordinator enters one taken by phone, letter or visit. The bureau assigns it to a
//! coordinator, investigates and concludes it verified or not, with a reason; a verified
//! complaint is a confirmed `verified_complaint` finding (−10) against the unit, in the same
//! transaction.
//!
//! Who sees what (enforced here):
//! - the bureau's coordinators: everything, including the complainant's identity (name,
//!   contact, account, enterprise);
//! - the enterprise: its own complaints, their status and outcome;
//! - the city leader: every complaint's substance and outcome, never the identity;
//! - the unit concerned (its leader only): a complaint about the unit once it is concluded, its
//!   substance and outcome, never the identity nor the project (which would name the
//!   enterprise). Units do not see complaints under investigation, so that nobody is tipped off
//!   and no complainant is pressed;
//! - everyone else: nothing.
//!
//! The audit trail records the complaint without the identity too (the auditor is not the
//! bureau); the complaint row keeps it.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::findings::{self, NewFinding, Source};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::report::{Channel, ComplaintAction, ComplaintStatus};
use daiban_domain::role::Role;
use daiban_store::entity::{complaint, complaint_event, project, unit, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&CHINA).date_naive()
}

/// A complaint to file (enterprise, on the portal) or to enter (coordinator).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ComplaintInput {
    /// The unit complained about (a town unit or a department).
    pub unit_id: i64,
    /// One of the enterprise's projects, if it concerns one.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// The staff member concerned, if named.
    #[serde(default)]
    pub staff_name: String,
    /// A short subject.
    pub subject: String,
    /// What happened.
    pub body: String,
    /// Coordinator only: `phone`, `letter` or `visit` (an enterprise always files on the
    /// `portal`).
    #[serde(default)]
    pub channel: String,
    /// Coordinator only: who complained.
    #[serde(default)]
    pub complainant_name: String,
    /// Coordinator only: how to reach them.
    #[serde(default)]
    pub complainant_contact: String,
}

/// One step of a complaint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintEventView {
    /// `filed`, `assign`, `investigate`, `conclude`.
    pub action: String,
    /// The status after it.
    pub status: String,
    /// Who (a coordinator's name; the complainant's only for the bureau and the enterprise).
    pub actor_name: String,
    /// The note or reason.
    pub note: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A complaint as its reader may see it: the identity fields are empty for whoever is not the
/// bureau or the complainant's enterprise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    /// Id.
    pub id: i64,
    /// `portal`, `phone`, `letter` or `visit`.
    pub channel: String,
    /// `received`, `assigned`, `investigating`, `verified` or `not_verified`.
    pub status: String,
    /// The unit concerned.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The project, if any (not shown to the unit).
    pub project_id: Option<i64>,
    /// Its name.
    pub project_name: String,
    /// The staff member named, if any.
    pub staff_name: String,
    /// Subject.
    pub subject: String,
    /// What happened.
    pub body: String,
    /// Whether the reader sees the complainant's identity.
    pub identity_visible: bool,
    /// The complainant's name (bureau and the complainant's enterprise only).
    pub complainant_name: String,
    /// Their contact (same).
    pub complainant_contact: String,
    /// Their account (same).
    pub complainant_user_id: Option<i64>,
    /// Their enterprise (same).
    pub complainant_enterprise_id: Option<i64>,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// The coordinator in charge.
    pub assignee_id: Option<i64>,
    /// Their name.
    pub assignee_name: String,
    /// What the investigation found (verified complaints).
    pub findings: String,
    /// The reason of the conclusion.
    pub conclusion_reason: String,
    /// When concluded.
    pub concluded_at: Option<DateTime<Utc>>,
    /// The evaluation finding of a verified complaint (bureau only).
    pub finding_id: Option<i64>,
    /// The steps (bureau and the complainant's enterprise).
    pub events: Vec<ComplaintEventView>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// What the reader may see of one complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sight {
    /// Everything.
    Bureau,
    /// Its own complaint.
    Complainant,
    /// Substance and outcome, no identity.
    Substance,
}

fn sight(actor: &Actor, c: &complaint::Model) -> Option<Sight> {
    let status = ComplaintStatus::from_code(&c.status).unwrap_or(ComplaintStatus::Received);
    match actor.role {
        Role::Coordinator => Some(Sight::Bureau),
        Role::Enterprise => (actor.enterprise_id.is_some()
            && actor.enterprise_id == c.complainant_enterprise_id)
            .then_some(Sight::Complainant),
        Role::CityLeader => Some(Sight::Substance),
        Role::UnitLeader => {
            (actor.unit_id == Some(c.unit_id) && status.is_concluded()).then_some(Sight::Substance)
        }
        _ => None,
    }
}

async fn view<C: ConnectionTrait>(
    db: &C,
    c: complaint::Model,
    sight: Sight,
) -> AppResult<ComplaintView> {
    let identity = sight != Sight::Substance;
    let project_id = c.project_id.filter(|_| identity);
    let project_name = match project_id {
        Some(p) => project::Entity::find_by_id(p)
            .one(db)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let events = if identity {
        let mut out = Vec::new();
        for e in complaint_event::Entity::find()
            .filter(complaint_event::Column::ComplaintId.eq(c.id))
            .order_by_asc(complaint_event::Column::Id)
            .all(db)
            .await?
        {
            out.push(ComplaintEventView {
                actor_name: crate::users::user_name(db, Some(e.actor_id)).await?,
                action: e.action,
                status: e.status,
                note: e.note,
                at: e.at,
            });
        }
        out
    } else {
        Vec::new()
    };
    Ok(ComplaintView {
        id: c.id,
        channel: c.channel,
        status: c.status,
        unit_id: c.unit_id,
        unit_name: crate::users::unit_name(db, Some(c.unit_id)).await?,
        project_id,
        project_name,
        staff_name: c.staff_name,
        subject: c.subject,
        body: c.body,
        identity_visible: identity,
        complainant_name: if identity {
            c.complainant_name
        } else {
            String::new()
        },
        complainant_contact: if identity {
            c.complainant_contact
        } else {
            String::new()
        },
        complainant_user_id: c.complainant_user_id.filter(|_| identity),
        complainant_enterprise_id: c.complainant_enterprise_id.filter(|_| identity),
        received_at: c.received_at,
        assignee_name: if identity {
            crate::users::user_name(db, c.assignee_id).await?
        } else {
            String::new()
        },
        assignee_id: c.assignee_id.filter(|_| identity),
        findings: c.findings,
        conclusion_reason: c.conclusion_reason,
        concluded_at: c.concluded_at,
        finding_id: c.finding_id.filter(|_| sight == Sight::Bureau),
        events,
        version: c.version,
    })
}

/// The audit snapshot: the complaint without the complainant's identity.
async fn audit_view<C: ConnectionTrait>(
    db: &C,
    c: &complaint::Model,
) -> AppResult<serde_json::Value> {
    let mut v = view(db, c.clone(), Sight::Substance).await?;
    v.events.clear();
    audit::snapshot(&v)
}

async fn coordinators<C: ConnectionTrait>(db: &C) -> AppResult<Vec<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Coordinator.code()))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

async fn unit_leaders<C: ConnectionTrait>(db: &C, unit_id: i64) -> AppResult<Vec<i64>> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::UnitLeader.code()))
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

async fn event<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    complaint_id: i64,
    action: &str,
    status: ComplaintStatus,
    actor_id: i64,
    note: &str,
) -> AppResult<()> {
    complaint_event::Entity::insert(complaint_event::ActiveModel {
        complaint_id: Set(complaint_id),
        action: Set(action.to_owned()),
        status: Set(status.code().to_owned()),
        actor_id: Set(actor_id),
        note: Set(note.to_owned()),
        at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Files a complaint (an enterprise user, on the portal) or enters one (a coordinator, from a
/// phone call, letter or visit). The bureau's coordinators are notified.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each broken rule.
pub async fn file(
    app: &App,
    actor: &Actor,
    input: &ComplaintInput,
    meta: &Meta,
) -> AppResult<ComplaintView> {
    let now = app.now();
    let mut checks = Checks::default();
    let (channel, name, contact, enterprise_id, user_id) = match actor.role {
        Role::Enterprise => {
            let Some(e) = actor.enterprise_id else {
                return Err(forbidden());
            };
            if !input.channel.is_empty() && input.channel != Channel::Portal.code() {
                checks.push(FieldError::new(
                    "channel",
                    "channel",
                    "企业在平台上提交的举报投诉，渠道只能是平台",
                    "an enterprise files on the portal; channel must be portal",
                ));
            }
            let u = user::Entity::find_by_id(actor.user_id)
                .one(&app.db.conn)
                .await?;
            let contact = u
                .map(|u| if u.phone.is_empty() { u.email } else { u.phone })
                .unwrap_or_default();
            (
                Channel::Portal,
                actor.name.clone(),
                contact,
                Some(e),
                Some(actor.user_id),
            )
        }
        Role::Coordinator => {
            let channel = match Channel::from_code(&input.channel) {
                Some(c) if c != Channel::Portal => c,
                _ => {
                    checks.push(FieldError::new(
                        "channel",
                        "channel",
                        "受理渠道须为：电话、来信或来访（平台投诉由企业自行提交）",
                        "channel must be phone, letter or visit (portal complaints are filed by the enterprise)",
                    ));
                    Channel::Phone
                }
            };
            let name = checks.text(
                "complainant_name",
                "举报投诉人",
                &input.complainant_name,
                100,
            );
            let contact = checks.optional_text(
                "complainant_contact",
                "联系方式",
                &input.complainant_contact,
                100,
            );
            (channel, name, contact, None, None)
        }
        _ => return Err(forbidden()),
    };
    let subject = checks.text("subject", "标题", &input.subject, 200);
    let body = checks.text("body", "举报投诉内容", &input.body, 4000);
    let staff_name = checks.optional_text("staff_name", "被投诉人员", &input.staff_name, 100);
    let w = app.begin_write().await?;
    let reportable = unit::Entity::find_by_id(input.unit_id)
        .one(&w.txn)
        .await?
        .filter(|u| u.active)
        .and_then(|u| u.kind.parse::<daiban_domain::unit::UnitKind>().ok())
        .is_some_and(|k| k.is_town_unit() || k == daiban_domain::unit::UnitKind::Department);
    if !reportable {
        checks.push(FieldError::new(
            "unit_id",
            "unit",
            "被投诉单位须为在用的乡镇（街道）、开发区或政府职能部门",
            "the unit must be an active town unit or department",
        ));
    }
    if let Some(pid) = input.project_id {
        let p = project::Entity::find_by_id(pid).one(&w.txn).await?;
        let ok = match (&p, actor.role) {
            (Some(p), Role::Enterprise) => Some(p.enterprise_id) == enterprise_id,
            (Some(_), _) => true,
            (None, _) => false,
        };
        if !ok {
            checks.push(FieldError::new(
                "project_id",
                "project",
                "所涉项目须为本企业的项目",
                "the project must be one of the enterprise's own",
            ));
        }
    }
    checks.finish()?;
    let m = complaint::Entity::insert(complaint::ActiveModel {
        channel: Set(channel.code().to_owned()),
        status: Set(ComplaintStatus::Received.code().to_owned()),
        unit_id: Set(input.unit_id),
        project_id: Set(input.project_id),
        staff_name: Set(staff_name),
        subject: Set(subject),
        body: Set(body),
        complainant_user_id: Set(user_id),
        complainant_enterprise_id: Set(enterprise_id),
        complainant_name: Set(name),
        complainant_contact: Set(contact),
        received_by: Set(actor.user_id),
        received_at: Set(now),
        assignee_id: Set(None),
        findings: Set(String::new()),
        conclusion_reason: Set(String::new()),
        concluded_by: Set(None),
        concluded_at: Set(None),
        finding_id: Set(None),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    event(
        &w.txn,
        now,
        m.id,
        "filed",
        ComplaintStatus::Received,
        actor.user_id,
        "",
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "complaint.file",
            object_type: "complaint",
            object_id: m.id.to_string(),
            before: None,
            after: Some(audit_view(&w.txn, &m).await?),
        },
    )
    .await?;
    let n = Notice {
        kind: "complaint".into(),
        title: Msg::new("收到举报投诉", "A complaint was received"),
        body: Msg::new(
            format!("举报投诉：{}，请指派专人调查。", m.subject),
            format!(
                "Complaint: {}. Please assign someone to investigate.",
                m.subject
            ),
        ),
        project_id: None,
        case_item_id: None,
    };
    for c in coordinators(&w.txn).await? {
        if c != actor.user_id {
            timeline::notify(&w.txn, now, Recipient::User(c), &n).await?;
        }
    }
    let sight = if actor.role == Role::Coordinator {
        Sight::Bureau
    } else {
        Sight::Complainant
    };
    let v = view(&w.txn, m, sight).await?;
    w.commit().await?;
    Ok(v)
}

/// Filters of the complaint list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ComplaintFilter {
    /// One status.
    pub status: Option<String>,
    /// One unit.
    pub unit_id: Option<i64>,
}

/// The complaints the caller may see, newest first, as they may see them.
///
/// # Errors
/// [`AppError::Forbidden`] for roles that see no complaints.
pub async fn list(app: &App, actor: &Actor, f: &ComplaintFilter) -> AppResult<Vec<ComplaintView>> {
    let mut q = complaint::Entity::find().order_by_desc(complaint::Column::Id);
    match actor.role {
        Role::Coordinator | Role::CityLeader => {}
        Role::Enterprise => {
            let Some(e) = actor.enterprise_id else {
                return Err(forbidden());
            };
            q = q.filter(complaint::Column::ComplainantEnterpriseId.eq(e));
        }
        Role::UnitLeader => {
            let Some(u) = actor.unit_id else {
                return Err(forbidden());
            };
            q = q
                .filter(complaint::Column::UnitId.eq(u))
                .filter(complaint::Column::Status.is_in([
                    ComplaintStatus::Verified.code(),
                    ComplaintStatus::NotVerified.code(),
                ]));
        }
        _ => return Err(forbidden()),
    }
    if let Some(s) = &f.status {
        q = q.filter(complaint::Column::Status.eq(s.as_str()));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(complaint::Column::UnitId.eq(u));
    }
    let mut out = Vec::new();
    for c in q.all(&app.db.conn).await? {
        if let Some(s) = sight(actor, &c) {
            out.push(view(&app.db.conn, c, s).await?);
        }
    }
    Ok(out)
}

/// One complaint, as the caller may see it.
///
/// # Errors
/// [`AppError::NotFound`] when it does not exist or the caller may not see it.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<ComplaintView> {
    let c = complaint::Entity::find_by_id(id)
        .one(&app.db.conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = sight(actor, &c).ok_or(AppError::NotFound)?;
    view(&app.db.conn, c, s).await
}

/// A coordinator's step on a complaint.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ComplaintActionInput {
    /// `assign`, `investigate` or `conclude`.
    pub action: String,
    /// `assign`: the coordinator in charge.
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// `conclude`: verified (经查实) or not.
    #[serde(default)]
    pub verified: Option<bool>,
    /// `conclude`: what the investigation found (required when verified).
    #[serde(default)]
    pub findings: String,
    /// The reason: required to conclude; a note otherwise.
    #[serde(default)]
    pub reason: String,
    /// The version the coordinator saw.
    pub version: i32,
}

fn transition_not_allowed(status: ComplaintStatus, action: &str) -> AppError {
    AppError::Conflict {
        code: "complaint_transition_not_allowed",
        message: Msg::new(
            format!(
                "该举报投诉当前状态（{}）不允许此操作（{action}）",
                status.code()
            ),
            format!("a {} complaint does not allow `{action}`", status.code()),
        ),
    }
}

/// Assigns, starts the investigation, or concludes (bureau coordinators). A verified
/// conclusion records the confirmed `verified_complaint` finding against the unit in the same
/// transaction, and tells the enterprise (portal complaints) and the unit's leader the outcome.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::NotFound`]; [`AppError::Conflict`]
/// (`complaint_transition_not_allowed`, `version_conflict`); [`AppError::Invalid`].
#[expect(
    clippy::too_many_lines,
    reason = "the three steps, each with its checks"
)]
pub async fn act(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ComplaintActionInput,
    meta: &Meta,
) -> AppResult<ComplaintView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let Some(action) = ComplaintAction::from_code(&input.action) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "action",
            "action",
            "操作须为：指派、开始调查或办结",
            "action must be assign, investigate or conclude",
        )]));
    };
    let now = app.now();
    let w = app.begin_write().await?;
    let c = complaint::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = ComplaintStatus::from_code(&c.status).unwrap_or(ComplaintStatus::Received);
    if !status.allows(action) {
        return Err(transition_not_allowed(status, &input.action));
    }
    if c.version != input.version {
        return Err(version_conflict());
    }
    let before = audit_view(&w.txn, &c).await?;
    let mut checks = Checks::default();
    let note = checks.optional_text("reason", "理由", &input.reason, 1000);
    let mut am: complaint::ActiveModel = c.clone().into();
    let mut notices: Vec<(Recipient, Notice)> = Vec::new();
    let new_status = match action {
        ComplaintAction::Assign => {
            let assignee = match input.assignee_id {
                Some(a) => user::Entity::find_by_id(a)
                    .one(&w.txn)
                    .await?
                    .filter(|u| u.active && u.role == Role::Coordinator.code()),
                None => None,
            };
            let Some(assignee) = assignee else {
                checks.push(FieldError::new(
                    "assignee_id",
                    "assignee",
                    "承办人须为审批局在用的协调员账号",
                    "the assignee must be an active bureau coordinator",
                ));
                return Err(AppError::Invalid(checks.0));
            };
            checks.finish()?;
            am.assignee_id = Set(Some(assignee.id));
            if assignee.id != actor.user_id {
                notices.push((
                    Recipient::User(assignee.id),
                    Notice {
                        kind: "complaint".into(),
                        title: Msg::new("举报投诉已指派给您", "A complaint was assigned to you"),
                        body: Msg::new(
                            format!("请调查举报投诉：{}。", c.subject),
                            format!("Please investigate the complaint: {}.", c.subject),
                        ),
                        project_id: None,
                        case_item_id: None,
                    },
                ));
            }
            ComplaintStatus::Assigned
        }
        ComplaintAction::Investigate => {
            checks.finish()?;
            ComplaintStatus::Investigating
        }
        ComplaintAction::Conclude => {
            let findings_text = checks.optional_text("findings", "调查结果", &input.findings, 4000);
            if note.is_empty() {
                checks.push(FieldError::new(
                    "reason",
                    "required",
                    "办结须说明理由（是否查实的依据）",
                    "a conclusion needs its reason",
                ));
            }
            let verified = match input.verified {
                Some(v) => v,
                None => {
                    checks.push(FieldError::new(
                        "verified",
                        "required",
                        "须选择是否查实",
                        "verified must be given (true or false)",
                    ));
                    false
                }
            };
            if verified && findings_text.is_empty() {
                checks.push(FieldError::new(
                    "findings",
                    "required",
                    "查实的举报投诉须写明调查查实的情况",
                    "a verified complaint needs the findings of the investigation",
                ));
            }
            checks.finish()?;
            am.findings = Set(findings_text);
            am.conclusion_reason = Set(note.clone());
            am.concluded_by = Set(Some(actor.user_id));
            am.concluded_at = Set(Some(now));
            let outcome = if verified {
                let fid = findings::insert(
                    &w.txn,
                    now,
                    &app.scheme,
                    NewFinding {
                        unit_id: c.unit_id,
                        rule: "verified_complaint".into(),
                        occurred_on: today(now),
                        evidence_kind: "complaint".into(),
                        evidence_id: Some(c.id),
                        evidence_label: format!("举报投诉 #{}：{}", c.id, c.subject),
                        project_id: c.project_id,
                        detected_key: Some(format!("complaint:{}", c.id)),
                        note: note.clone(),
                        source: Source::Recorded,
                        recorded_by: Some(actor.user_id),
                        confirmed_by: Some(actor.user_id),
                    },
                )
                .await?;
                am.finding_id = Set(fid);
                ComplaintStatus::Verified
            } else {
                ComplaintStatus::NotVerified
            };
            let (zh, en) = if verified {
                ("经查属实", "verified")
            } else {
                ("经查不属实", "not verified")
            };
            let n = Notice {
                kind: "complaint".into(),
                title: Msg::new("举报投诉已办结", "A complaint was concluded"),
                body: Msg::new(
                    format!("举报投诉“{}”{zh}：{note}", c.subject),
                    format!(
                        "The complaint \u{201c}{}\u{201d} was {en}: {note}",
                        c.subject
                    ),
                ),
                project_id: None,
                case_item_id: None,
            };
            if let Some(e) = c.complainant_enterprise_id {
                notices.push((Recipient::Enterprise(e), n.clone()));
            }
            for l in unit_leaders(&w.txn, c.unit_id).await? {
                notices.push((Recipient::User(l), n.clone()));
            }
            outcome
        }
    };
    am.status = Set(new_status.code().to_owned());
    am.version = Set(c.version + 1);
    am.updated_at = Set(now);
    let m = complaint::Entity::update(am).exec(&w.txn).await?;
    event(
        &w.txn,
        now,
        m.id,
        &input.action,
        new_status,
        actor.user_id,
        &note,
    )
    .await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: match action {
                ComplaintAction::Assign => "complaint.assign",
                ComplaintAction::Investigate => "complaint.investigate",
                ComplaintAction::Conclude => "complaint.conclude",
            },
            object_type: "complaint",
            object_id: m.id.to_string(),
            before: Some(before),
            after: Some(audit_view(&w.txn, &m).await?),
        },
    )
    .await?;
    for (to, n) in &notices {
        timeline::notify(&w.txn, now, *to, n).await?;
    }
    let v = view(&w.txn, m, Sight::Bureau).await?;
    w.commit().await?;
    Ok(v)
}

/// The units a complaint may be about: active town units and departments, `(id, name)`.
///
/// # Errors
/// Database failure.
pub async fn units<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(i64, String)>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| {
            u.kind
                .parse::<daiban_domain::unit::UnitKind>()
                .is_ok_and(|k| k.is_town_unit() || k == daiban_domain::unit::UnitKind::Department)
        })
        .map(|u| (u.id, u.name))
        .collect())
}

/// The choices of the complaint forms.
#[derive(Debug, Clone, Default)]
pub struct FormChoices {
    /// Units a complaint may be about, `(id, name)`.
    pub units: Vec<(i64, String)>,
    /// The enterprise's own projects (enterprise users), `(id, name)`.
    pub projects: Vec<(i64, String)>,
    /// The bureau's active coordinators (assignment), `(id, name)`.
    pub coordinators: Vec<(i64, String)>,
}

/// What the caller's complaint forms offer.
///
/// # Errors
/// Database failure.
pub async fn form_choices(app: &App, actor: &Actor) -> AppResult<FormChoices> {
    let db = &app.db.conn;
    let projects = match (actor.role, actor.enterprise_id) {
        (Role::Enterprise, Some(e)) => project::Entity::find()
            .filter(project::Column::EnterpriseId.eq(e))
            .order_by_desc(project::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        _ => Vec::new(),
    };
    let coordinators = if actor.role == Role::Coordinator {
        user::Entity::find()
            .filter(user::Column::Role.eq(Role::Coordinator.code()))
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(FormChoices {
        units: units(db).await?,
        projects,
        coordinators,
    })
}
