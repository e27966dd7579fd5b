//! Personnel filing (人员选配报备, attachment 1): a unit proposes who holds its posts — a
//! selection, or an adjustment that replaces someone — and the proposal takes effect only when
//! the bureau approves it. The register keeps who held which post since when; staffing problems
//! (below the required count, a holder not of the required cadre category, an adjustment that
//! broke the two-year or year-end rule) are recorded as evidence for the evaluation.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::handover;
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::personnel::{
    AdjustmentRule, CONDITIONS, Conditions, FilingKind, FilingStatus, Post, StaffingFlag,
    adjustment_violations, staffing_flags,
};
use daiban_domain::role::Role;
use daiban_domain::staff::CadreCategory;
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{filing, handover as handover_row, post, staffing_evidence, unit, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The day `now` falls on in China.
fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&CHINA).date_naive()
}

/// What a unit proposes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FilingInput {
    /// `selection` or `adjustment`.
    pub kind: String,
    /// The unit (a unit leader's own unit when omitted; coordinators must give it).
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// The person proposed for the post: an active account of the unit with the post's role.
    pub candidate_id: i64,
    /// Their cadre category code.
    pub cadre: String,
    /// The codes of the six conditions of attachment 1 art. 3 attested; all six are required.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Selection only: the appointment date when entering someone already in the post before
    /// Daiban (not after today); otherwise the post starts on the day of approval.
    #[serde(default)]
    pub appointed_on: Option<NaiveDate>,
    /// Adjustment only: the person leaving the post.
    #[serde(default)]
    pub outgoing_id: Option<i64>,
    /// Adjustment only: a work change requires it now (outside the year-end window).
    #[serde(default)]
    pub work_change: bool,
    /// Why (required for an adjustment; for a work change, the change).
    #[serde(default)]
    pub reason: String,
}

/// A filing as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingView {
    /// Id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// `selection` or `adjustment`.
    pub kind: String,
    /// `proposed`, `approved`, `rejected` or `withdrawn`.
    pub status: String,
    /// `agent` or `helper`.
    pub post: String,
    /// The person proposed.
    pub candidate_id: i64,
    /// Their name.
    pub candidate_name: String,
    /// Their cadre category code.
    pub cadre: String,
    /// Whether the category qualifies for the post.
    pub cadre_qualifies: bool,
    /// The conditions attested (codes).
    pub conditions: Vec<String>,
    /// Appointment date entered for a selection, if any.
    pub appointed_on: Option<NaiveDate>,
    /// The person leaving (adjustments).
    pub outgoing_id: Option<i64>,
    /// Their name.
    pub outgoing_name: String,
    /// In the post since (adjustments).
    pub outgoing_since: Option<NaiveDate>,
    /// A work change requires it.
    pub work_change: bool,
    /// Why.
    pub reason: String,
    /// The rules of attachment 1 art. 6 broken: as of today while proposed, as of the decision
    /// once decided. Shown to the bureau; they do not block the decision.
    pub violations: Vec<String>,
    /// Who proposed.
    pub proposed_by_name: String,
    /// When.
    pub proposed_at: DateTime<Utc>,
    /// Who decided.
    pub decided_by_name: String,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The bureau's note (the reason of a rejection).
    pub decision_note: String,
    /// The handover an approved adjustment opened.
    pub handover_id: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

fn condition_codes(bits: i32) -> Vec<String> {
    let c = Conditions(u8::try_from(bits & 0x3f).unwrap_or(0));
    CONDITIONS
        .iter()
        .enumerate()
        .filter(|(i, _)| c.has(*i))
        .map(|(_, (code, _, _))| (*code).to_owned())
        .collect()
}

async fn open_post_of<C: ConnectionTrait>(db: &C, user_id: i64) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::UserId.eq(user_id))
        .filter(post::Column::Until.is_null())
        .one(db)
        .await?)
}

async fn view<C: ConnectionTrait>(
    db: &C,
    app_window: daiban_domain::personnel::AdjustmentWindow,
    now: DateTime<Utc>,
    f: filing::Model,
) -> AppResult<FilingView> {
    let center_window = unit::Entity::find_by_id(f.unit_id)
        .one(db)
        .await?
        .is_some_and(|u| u.center_window);
    let post = Post::from_code(&f.post).unwrap_or(Post::Agent);
    let cadre_qualifies = f
        .cadre
        .parse::<CadreCategory>()
        .is_ok_and(|c| c.qualifies_for(post.role(), center_window));
    let outgoing_since = match f.outgoing_id {
        Some(o) => post::Entity::find()
            .filter(post::Column::UserId.eq(o))
            .filter(post::Column::UnitId.eq(f.unit_id))
            .order_by_desc(post::Column::Id)
            .one(db)
            .await?
            .map(|p| p.since),
        None => None,
    };
    let status = FilingStatus::from_code(&f.status).unwrap_or(FilingStatus::Proposed);
    let violations = if status.is_pending() {
        match outgoing_since {
            Some(since) => adjustment_violations(since, today(now), app_window, f.work_change)
                .into_iter()
                .map(|r| r.code().to_owned())
                .collect(),
            None => Vec::new(),
        }
    } else {
        f.violations
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let handover_id = handover_row::Entity::find()
        .filter(handover_row::Column::FilingId.eq(f.id))
        .one(db)
        .await?
        .map(|h| h.id);
    Ok(FilingView {
        id: f.id,
        unit_id: f.unit_id,
        unit_name: crate::users::unit_name(db, Some(f.unit_id)).await?,
        kind: f.kind,
        status: f.status,
        post: f.post,
        candidate_id: f.candidate_id,
        candidate_name: crate::users::user_name(db, Some(f.candidate_id)).await?,
        cadre: f.cadre,
        cadre_qualifies,
        conditions: condition_codes(f.conditions),
        appointed_on: f.appointed_on,
        outgoing_id: f.outgoing_id,
        outgoing_name: crate::users::user_name(db, f.outgoing_id).await?,
        outgoing_since,
        work_change: f.work_change,
        reason: f.reason,
        violations,
        proposed_by_name: crate::users::user_name(db, Some(f.proposed_by)).await?,
        proposed_at: f.proposed_at,
        decided_by_name: crate::users::user_name(db, f.decided_by).await?,
        decided_at: f.decided_at,
        decision_note: f.decision_note,
        handover_id,
        version: f.version,
    })
}

/// Whether `actor` may read the personnel records of unit `unit_id`.
fn may_read_unit(actor: &Actor, unit_id: i64) -> bool {
    match actor.role {
        Role::Coordinator | Role::CityLeader => true,
        Role::UnitLeader | Role::Agent | Role::Helper => actor.unit_id == Some(unit_id),
        _ => false,
    }
}

/// Proposes a selection or an adjustment (the unit's leader, or a coordinator entering a paper
/// filing). Nothing takes effect until the bureau approves.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each broken rule.
#[expect(clippy::too_many_lines, reason = "each rule of the filing, in order")]
pub async fn propose(
    app: &App,
    actor: &Actor,
    input: &FilingInput,
    meta: &Meta,
) -> AppResult<FilingView> {
    let unit_id = match actor.role {
        Role::UnitLeader => match (input.unit_id, actor.unit_id) {
            (Some(u), Some(own)) if u != own => return Err(forbidden()),
            (_, Some(own)) => own,
            (_, None) => return Err(forbidden()),
        },
        Role::Coordinator => input
            .unit_id
            .ok_or_else(|| AppError::Invalid(vec![FieldError::required("unit_id", "单位")]))?,
        _ => return Err(forbidden()),
    };
    let now = app.now();
    let day = today(now);
    let w = app.begin_write().await?;
    let u = unit::Entity::find_by_id(unit_id)
        .one(&w.txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "unit_id",
                "unknown",
                "单位不存在或已停用",
                "no such active unit",
            )])
        })?;
    let kind_of_unit: UnitKind = u
        .kind
        .parse()
        .map_err(|_| anyhow::anyhow!("unit kind {}", u.kind))?;
    let Some(post_kind) = Post::for_unit(kind_of_unit) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "unit_id",
            "no_post",
            "只有乡镇（街道）、开发区报备代办员，政府职能部门报备帮办员",
            "only town units file agents and departments file helpers",
        )]));
    };
    let mut checks = Checks::default();
    let kind = FilingKind::from_code(&input.kind);
    if kind.is_none() {
        checks.push(FieldError::new(
            "kind",
            "filing_kind",
            "报备类型须为：选配或调整",
            "kind must be selection or adjustment",
        ));
    }
    let cadre = input.cadre.parse::<CadreCategory>().ok();
    if cadre.is_none() {
        checks.push(FieldError::new(
            "cadre",
            "cadre",
            "干部类别须为：年轻后备干部、基层站所负责人、机关中层干部、窗口负责人或其他",
            "cadre must be young_reserve, station_head, middle_level, window_head or other",
        ));
    }
    let conditions =
        match Conditions::from_codes(input.conditions.iter().map(String::as_str)) {
            Ok(c) if c.complete() => c,
            Ok(c) => {
                let missing: Vec<&str> = c.missing().into_iter().map(|i| CONDITIONS[i].1).collect();
                let missing_en: Vec<&str> =
                    c.missing().into_iter().map(|i| CONDITIONS[i].0).collect();
                checks.push(FieldError::new(
                "conditions",
                "conditions_incomplete",
                format!("须逐项确认附件1第三条基本条件，尚未确认：{}", missing.join("；")),
                format!(
                    "every basic condition of attachment 1 art. 3 must be attested; missing: {}",
                    missing_en.join(", ")
                ),
            ));
                c
            }
            Err(bad) => {
                checks.push(FieldError::new(
                    "conditions",
                    "condition",
                    format!("未知的基本条件：{bad}"),
                    format!("unknown condition `{bad}`"),
                ));
                Conditions::default()
            }
        };
    let reason = checks.optional_text("reason", "原因", &input.reason, 500);
    // The candidate: an active account of this unit with the post's role, not already filed and
    // not in another pending filing.
    let candidate = user::Entity::find_by_id(input.candidate_id)
        .one(&w.txn)
        .await?;
    match &candidate {
        Some(c) if c.active && c.unit_id == Some(unit_id) && c.role == post_kind.code() => {
            if open_post_of(&w.txn, c.id).await?.is_some() {
                checks.push(FieldError::new(
                    "candidate_id",
                    "already_filed",
                    format!("{} 已在岗报备", c.name),
                    format!("{} already holds the post", c.name),
                ));
            }
            let pending = filing::Entity::find()
                .filter(filing::Column::Status.eq(FilingStatus::Proposed.code()))
                .filter(filing::Column::CandidateId.eq(c.id))
                .count(&w.txn)
                .await?;
            if pending > 0 {
                checks.push(FieldError::new(
                    "candidate_id",
                    "pending",
                    format!("{} 已有待审核的报备", c.name),
                    format!("{} is already in a pending filing", c.name),
                ));
            }
        }
        _ => checks.push(FieldError::new(
            "candidate_id",
            "candidate",
            format!(
                "拟任人员须为本单位在用的{}账号",
                if post_kind == Post::Agent {
                    "代办员"
                } else {
                    "帮办员"
                }
            ),
            format!("the candidate must be an active {post_kind} account of this unit"),
        )),
    }
    let holders = post::Entity::find()
        .filter(post::Column::UnitId.eq(unit_id))
        .filter(post::Column::Until.is_null())
        .all(&w.txn)
        .await?;
    match kind {
        Some(FilingKind::Selection) => {
            if input.outgoing_id.is_some() {
                checks.push(FieldError::new(
                    "outgoing_id",
                    "not_adjustment",
                    "选配不涉及离岗人员；替换人员请提交调整",
                    "a selection has no outgoing person; submit an adjustment to replace someone",
                ));
            }
            if let (_, Some(max)) = post_kind.required()
                && holders.len() >= max
            {
                checks.push(FieldError::new(
                    "kind",
                    "post_full",
                    "本部门已有在岗帮办员（只设1名），更换人员请提交调整",
                    "the department already has its one helper; submit an adjustment to replace them",
                ));
            }
            if let Some(d) = input.appointed_on
                && d > day
            {
                checks.push(FieldError::new(
                    "appointed_on",
                    "future",
                    "任职日期不能晚于今天",
                    "the appointment date cannot be after today",
                ));
            }
        }
        Some(FilingKind::Adjustment) => {
            match input.outgoing_id {
                Some(o) if holders.iter().any(|h| h.user_id == o) => {
                    if o == input.candidate_id {
                        checks.push(FieldError::new(
                            "candidate_id",
                            "same_person",
                            "接任人员不能是离岗人员本人",
                            "the successor cannot be the outgoing person",
                        ));
                    }
                    let pending = filing::Entity::find()
                        .filter(filing::Column::Status.eq(FilingStatus::Proposed.code()))
                        .filter(filing::Column::OutgoingId.eq(o))
                        .count(&w.txn)
                        .await?;
                    if pending > 0 {
                        checks.push(FieldError::new(
                            "outgoing_id",
                            "pending",
                            "该人员已有待审核的调整",
                            "this person is already in a pending adjustment",
                        ));
                    }
                }
                _ => checks.push(FieldError::new(
                    "outgoing_id",
                    "outgoing",
                    "离岗人员须为本单位在岗报备人员",
                    "the outgoing person must hold the post at this unit",
                )),
            }
            if reason.is_empty() {
                checks.push(FieldError::new(
                    "reason",
                    "required",
                    "调整须说明原因（工作变动的，写明变动情况）",
                    "an adjustment needs a reason (for a work change, the change)",
                ));
            }
            if input.appointed_on.is_some() {
                checks.push(FieldError::new(
                    "appointed_on",
                    "not_selection",
                    "调整自审批局同意之日起生效，不能补录任职日期",
                    "an adjustment takes effect on approval; it has no appointment date",
                ));
            }
        }
        None => {}
    }
    checks.finish()?;
    let (Some(kind), Some(cadre)) = (kind, cadre) else {
        return Err(AppError::Invalid(vec![]));
    };
    let m = filing::Entity::insert(filing::ActiveModel {
        unit_id: Set(unit_id),
        kind: Set(kind.code().into()),
        status: Set(FilingStatus::Proposed.code().into()),
        post: Set(post_kind.code().into()),
        candidate_id: Set(input.candidate_id),
        cadre: Set(cadre.code().into()),
        conditions: Set(i32::from(conditions.0)),
        appointed_on: Set(input.appointed_on),
        outgoing_id: Set(input.outgoing_id.filter(|_| kind == FilingKind::Adjustment)),
        work_change: Set(kind == FilingKind::Adjustment && input.work_change),
        reason: Set(reason),
        violations: Set(String::new()),
        proposed_by: Set(actor.user_id),
        proposed_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&w.txn)
    .await?;
    let v = view(&w.txn, app.adjustment_window, now, m).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "filing.propose",
            object_type: "filing",
            object_id: v.id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    let n = Notice {
        kind: "filing".into(),
        title: Msg::new("人员报备待审核", "A staff filing awaits review"),
        body: Msg::new(
            format!(
                "{}提交了{}：{}。",
                v.unit_name,
                if kind == FilingKind::Selection {
                    "人员选配"
                } else {
                    "人员调整"
                },
                v.candidate_name
            ),
            format!(
                "{} filed a {}: {}.",
                v.unit_name,
                kind.code(),
                v.candidate_name
            ),
        ),
        project_id: None,
        case_item_id: None,
    };
    for c in coordinators(&w.txn).await? {
        timeline::notify(&w.txn, now, Recipient::User(c), &n).await?;
    }
    w.commit().await?;
    Ok(v)
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

/// The bureau's decision on a filing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// Approve (true) or reject (false).
    pub approve: bool,
    /// The note; required for a rejection (the reason).
    #[serde(default)]
    pub note: String,
    /// The version the coordinator saw.
    pub version: i32,
}

fn not_pending(status: &str) -> AppError {
    AppError::Conflict {
        code: "transition_not_allowed",
        message: Msg::new(
            format!("该报备已处理（{status}），不能再审核或撤回"),
            format!("this filing is already {status}; it can no longer be decided or withdrawn"),
        ),
    }
}

/// Approves or rejects a filing (bureau coordinator). Approval takes effect today: a selection
/// opens the post; an adjustment ends the outgoing person's post, opens the successor's, hands
/// over the outgoing person's open work in the same transaction, and records any broken
/// adjustment rule as staffing evidence.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Conflict`] when no longer pending or
/// stale; [`AppError::Invalid`] when a rejection has no reason or the people changed since.
#[expect(
    clippy::too_many_lines,
    reason = "the decision and its effects, in order"
)]
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &DecisionInput,
    meta: &Meta,
) -> AppResult<FilingView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let note = input.note.trim();
    if !input.approve && note.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "note",
            "required",
            "退回须说明理由",
            "a rejection needs a reason",
        )]));
    }
    if note.chars().count() > 500 {
        return Err(AppError::Invalid(vec![FieldError::new(
            "note",
            "too_long",
            "说明不能超过 500 字",
            "note must be at most 500 characters",
        )]));
    }
    let now = app.now();
    let day = today(now);
    let w = app.begin_write().await?;
    let f = filing::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !FilingStatus::from_code(&f.status).is_some_and(FilingStatus::is_pending) {
        return Err(not_pending(&f.status));
    }
    if f.version != input.version {
        return Err(version_conflict());
    }
    let before = view(&w.txn, app.adjustment_window, now, f.clone()).await?;
    let mut violations: Vec<AdjustmentRule> = Vec::new();
    if input.approve {
        let candidate = user::Entity::find_by_id(f.candidate_id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?;
        if !candidate.active
            || candidate.unit_id != Some(f.unit_id)
            || open_post_of(&w.txn, candidate.id).await?.is_some()
        {
            return Err(AppError::Invalid(vec![FieldError::new(
                "candidate_id",
                "candidate",
                "拟任人员已停用、调离或已在岗，不能同意；请退回",
                "the candidate was deactivated, moved or already holds the post; reject the filing",
            )]));
        }
        let outgoing_post = match f.outgoing_id {
            Some(o) => Some(
                open_post_of(&w.txn, o)
                    .await?
                    .filter(|p| p.unit_id == f.unit_id)
                    .ok_or_else(|| {
                        AppError::Invalid(vec![FieldError::new(
                            "outgoing_id",
                            "outgoing",
                            "离岗人员已不在岗，不能同意；请退回",
                            "the outgoing person no longer holds the post; reject the filing",
                        )])
                    })?,
            ),
            None => None,
        };
        if let Some(op) = &outgoing_post {
            violations = adjustment_violations(op.since, day, app.adjustment_window, f.work_change);
            post::Entity::update_many()
                .col_expr(post::Column::Until, Expr::value(day))
                .col_expr(post::Column::EndFilingId, Expr::value(f.id))
                .filter(post::Column::Id.eq(op.id))
                .exec(&w.txn)
                .await?;
        } else if f.post == Post::Helper.code()
            && post::Entity::find()
                .filter(post::Column::UnitId.eq(f.unit_id))
                .filter(post::Column::Until.is_null())
                .count(&w.txn)
                .await?
                > 0
        {
            return Err(AppError::Invalid(vec![FieldError::new(
                "kind",
                "post_full",
                "本部门已有在岗帮办员（只设1名），请退回并改为调整",
                "the department already has its one helper; reject and file an adjustment",
            )]));
        }
        post::Entity::insert(post::ActiveModel {
            unit_id: Set(f.unit_id),
            user_id: Set(f.candidate_id),
            post: Set(f.post.clone()),
            cadre: Set(f.cadre.clone()),
            conditions: Set(f.conditions),
            since: Set(f.appointed_on.unwrap_or(day)),
            until: Set(None),
            filing_id: Set(f.id),
            end_filing_id: Set(None),
            ..Default::default()
        })
        .exec_without_returning(&w.txn)
        .await?;
        user::Entity::update_many()
            .col_expr(user::Column::Cadre, Expr::value(f.cadre.clone()))
            .col_expr(user::Column::Version, Expr::value(candidate.version + 1))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(candidate.id))
            .exec(&w.txn)
            .await?;
        if let (Some(o), false) = (f.outgoing_id, violations.is_empty()) {
            staffing_evidence::Entity::insert(staffing_evidence::ActiveModel {
                unit_id: Set(f.unit_id),
                kind: Set("adjustment_rule".into()),
                user_id: Set(Some(o)),
                filing_id: Set(Some(f.id)),
                detail: Set(violations
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(",")),
                opened_on: Set(day),
                closed_on: Set(Some(day)),
                recorded_at: Set(now),
                ..Default::default()
            })
            .exec_without_returning(&w.txn)
            .await?;
        }
        if let Some(o) = f.outgoing_id {
            handover::open(&w.txn, now, f.id, f.unit_id, o, f.candidate_id).await?;
        }
    }
    let status = if input.approve {
        FilingStatus::Approved
    } else {
        FilingStatus::Rejected
    };
    let res = filing::Entity::update_many()
        .col_expr(filing::Column::Status, Expr::value(status.code()))
        .col_expr(filing::Column::DecidedBy, Expr::value(actor.user_id))
        .col_expr(filing::Column::DecidedAt, Expr::value(now))
        .col_expr(filing::Column::DecisionNote, Expr::value(note))
        .col_expr(
            filing::Column::Violations,
            Expr::value(
                violations
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        )
        .col_expr(filing::Column::Version, Expr::value(f.version + 1))
        .col_expr(filing::Column::UpdatedAt, Expr::value(now))
        .filter(filing::Column::Id.eq(id))
        .filter(filing::Column::Version.eq(f.version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(version_conflict());
    }
    review_staffing(&w.txn, now, Some(f.unit_id)).await?;
    let after = view(
        &w.txn,
        app.adjustment_window,
        now,
        filing::Entity::find_by_id(id)
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
            action: if input.approve {
                "filing.approve"
            } else {
                "filing.reject"
            },
            object_type: "filing",
            object_id: id.to_string(),
            before: Some(audit::snapshot(&before)?),
            after: Some(audit::snapshot(&after)?),
        },
    )
    .await?;
    let n = Notice {
        kind: "filing".into(),
        title: if input.approve {
            Msg::new("人员报备已同意", "Staff filing approved")
        } else {
            Msg::new("人员报备被退回", "Staff filing rejected")
        },
        body: Msg::new(
            format!(
                "{}：{}。{}",
                after.unit_name,
                after.candidate_name,
                if note.is_empty() { "" } else { note }
            ),
            format!("{}: {}. {}", after.unit_name, after.candidate_name, note),
        ),
        project_id: None,
        case_item_id: None,
    };
    let mut to = vec![f.proposed_by, f.candidate_id];
    to.extend(f.outgoing_id);
    to.sort_unstable();
    to.dedup();
    for u in to {
        timeline::notify(&w.txn, now, Recipient::User(u), &n).await?;
    }
    w.commit().await?;
    Ok(after)
}

/// Withdraws a pending filing (its unit's leader, or a coordinator).
///
/// # Errors
/// [`AppError::Forbidden`] for others; [`AppError::Conflict`] when no longer pending or stale.
pub async fn withdraw(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    meta: &Meta,
) -> AppResult<FilingView> {
    let now = app.now();
    let w = app.begin_write().await?;
    let f = filing::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .filter(|f| may_read_unit(actor, f.unit_id))
        .ok_or(AppError::NotFound)?;
    let allowed = actor.role == Role::Coordinator
        || (actor.role == Role::UnitLeader && actor.unit_id == Some(f.unit_id));
    if !allowed {
        return Err(forbidden());
    }
    if !FilingStatus::from_code(&f.status).is_some_and(FilingStatus::is_pending) {
        return Err(not_pending(&f.status));
    }
    let res = filing::Entity::update_many()
        .col_expr(
            filing::Column::Status,
            Expr::value(FilingStatus::Withdrawn.code()),
        )
        .col_expr(filing::Column::Version, Expr::value(f.version + 1))
        .col_expr(filing::Column::UpdatedAt, Expr::value(now))
        .filter(filing::Column::Id.eq(id))
        .filter(filing::Column::Version.eq(version))
        .exec(&w.txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(version_conflict());
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "filing.withdraw",
            object_type: "filing",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"status": f.status})),
            after: Some(serde_json::json!({"status": "withdrawn"})),
        },
    )
    .await?;
    let v = view(
        &w.txn,
        app.adjustment_window,
        now,
        filing::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// One filing.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside the caller's scope.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<FilingView> {
    let db = &app.db.conn;
    let f = filing::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|f| may_read_unit(actor, f.unit_id))
        .ok_or(AppError::NotFound)?;
    view(db, app.adjustment_window, app.now(), f).await
}

/// Filters of the filing list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct FilingFilter {
    /// Status code.
    pub status: Option<String>,
    /// Unit.
    pub unit_id: Option<i64>,
}

/// Filings within the caller's scope, pending first, newest first.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without personnel records.
pub async fn list(app: &App, actor: &Actor, f: &FilingFilter) -> AppResult<Vec<FilingView>> {
    let db = &app.db.conn;
    let mut q = filing::Entity::find();
    match actor.role {
        Role::Coordinator | Role::CityLeader => {
            if let Some(u) = f.unit_id {
                q = q.filter(filing::Column::UnitId.eq(u));
            }
        }
        Role::UnitLeader | Role::Agent | Role::Helper => {
            q = q.filter(filing::Column::UnitId.eq(actor.unit_id.ok_or_else(forbidden)?));
        }
        _ => return Err(forbidden()),
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(filing::Column::Status.eq(s));
    }
    let rows = q.order_by_desc(filing::Column::Id).all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(db, app.adjustment_window, app.now(), r).await?);
    }
    out.sort_by_key(|v| v.status != FilingStatus::Proposed.code());
    Ok(out)
}

/// A post holder on the register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HolderView {
    /// The post row.
    pub post_id: i64,
    /// The account.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Cadre category code.
    pub cadre: String,
    /// Whether it qualifies for the post.
    pub qualifies: bool,
    /// In the post since.
    pub since: NaiveDate,
    /// Until (history only).
    pub until: Option<NaiveDate>,
    /// The filing that opened the post.
    pub filing_id: i64,
    /// Served at least two years by today (or by `until`).
    pub served_two_years: bool,
}

/// A flag on the register, with its text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    /// `below_count` or `non_qualifying`.
    pub code: String,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl FlagView {
    fn of(f: &StaffingFlag, names: &BTreeMap<i64, String>) -> Self {
        match f {
            StaffingFlag::BelowCount { have, need } => Self {
                code: f.code().into(),
                zh: format!("在岗 {have} 人，少于应配 {need} 人"),
                en: format!("{have} in post, fewer than the {need} required"),
            },
            StaffingFlag::NonQualifying { user_id, cadre } => {
                let name = names.get(user_id).cloned().unwrap_or_default();
                Self {
                    code: f.code().into(),
                    zh: format!("{name} 的干部类别不符合要求"),
                    en: format!("{name}'s cadre category ({cadre}) does not qualify"),
                }
            }
        }
    }
}

/// One unit on the register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitRegister {
    /// The unit.
    pub unit_id: i64,
    /// Code.
    pub unit_code: String,
    /// Name.
    pub unit_name: String,
    /// Kind code.
    pub unit_kind: String,
    /// Departments: window in the service center.
    pub center_window: bool,
    /// `agent` or `helper`.
    pub post: String,
    /// Holders now.
    pub holders: Vec<HolderView>,
    /// What is wrong now.
    pub flags: Vec<FlagView>,
    /// Filings awaiting the bureau.
    pub pending: u64,
    /// Active accounts with the post's role that hold no post (not filed).
    pub unfiled: Vec<PersonRef>,
}

/// An account, by id and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    /// Account id.
    pub id: i64,
    /// Name.
    pub name: String,
}

fn holder(
    p: post::Model,
    u: Option<&user::Model>,
    center_window: bool,
    day: NaiveDate,
) -> HolderView {
    let post_kind = Post::from_code(&p.post).unwrap_or(Post::Agent);
    let end = p.until.unwrap_or(day);
    HolderView {
        post_id: p.id,
        user_id: p.user_id,
        name: u.map(|u| u.name.clone()).unwrap_or_default(),
        phone: u.map(|u| u.phone.clone()).unwrap_or_default(),
        qualifies: p
            .cadre
            .parse::<CadreCategory>()
            .is_ok_and(|c| c.qualifies_for(post_kind.role(), center_window)),
        cadre: p.cadre,
        since: p.since,
        until: p.until,
        filing_id: p.filing_id,
        served_two_years: !adjustment_violations(
            p.since,
            end,
            daiban_domain::personnel::AdjustmentWindow::default(),
            true,
        )
        .contains(&AdjustmentRule::ShortTenure),
    }
}

/// The register: every unit within the caller's scope that files a post, with its holders,
/// flags and pending filings; flagged units first.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without personnel records.
pub async fn register(app: &App, actor: &Actor) -> AppResult<Vec<UnitRegister>> {
    let db = &app.db.conn;
    let day = today(app.now());
    let mut q = unit::Entity::find().filter(unit::Column::Active.eq(true));
    match actor.role {
        Role::Coordinator | Role::CityLeader => {}
        Role::UnitLeader | Role::Agent | Role::Helper => {
            q = q.filter(unit::Column::Id.eq(actor.unit_id.ok_or_else(forbidden)?));
        }
        _ => return Err(forbidden()),
    }
    let units = q.order_by_asc(unit::Column::Id).all(db).await?;
    let posts = post::Entity::find()
        .filter(post::Column::Until.is_null())
        .order_by_asc(post::Column::Since)
        .all(db)
        .await?;
    let staff: BTreeMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Role.is_in([Role::Agent.code(), Role::Helper.code()]))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let names: BTreeMap<i64, String> = staff.iter().map(|(k, u)| (*k, u.name.clone())).collect();
    let on_post: std::collections::BTreeSet<i64> = posts.iter().map(|p| p.user_id).collect();
    let in_handover: std::collections::BTreeSet<i64> = handover_row::Entity::find()
        .filter(handover_row::Column::Status.eq("open"))
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.from_user_id)
        .collect();
    let mut pending: BTreeMap<i64, u64> = BTreeMap::new();
    for f in filing::Entity::find()
        .filter(filing::Column::Status.eq(FilingStatus::Proposed.code()))
        .all(db)
        .await?
    {
        *pending.entry(f.unit_id).or_default() += 1;
    }
    let mut out = Vec::new();
    for u in units {
        let Some(post_kind) = u.kind.parse::<UnitKind>().ok().and_then(Post::for_unit) else {
            continue;
        };
        let holders: Vec<HolderView> = posts
            .iter()
            .filter(|p| p.unit_id == u.id)
            .map(|p| holder(p.clone(), staff.get(&p.user_id), u.center_window, day))
            .collect();
        let pairs: Vec<(i64, CadreCategory)> = holders
            .iter()
            .map(|h| (h.user_id, h.cadre.parse().unwrap_or(CadreCategory::Other)))
            .collect();
        let flags = staffing_flags(post_kind, u.center_window, &pairs)
            .iter()
            .map(|f| FlagView::of(f, &names))
            .collect();
        let unfiled = staff
            .values()
            .filter(|s| {
                s.active
                    && s.unit_id == Some(u.id)
                    && s.role == post_kind.code()
                    && !on_post.contains(&s.id)
                    && !in_handover.contains(&s.id)
            })
            .map(|s| PersonRef {
                id: s.id,
                name: s.name.clone(),
            })
            .collect();
        out.push(UnitRegister {
            unit_id: u.id,
            unit_code: u.code,
            unit_name: u.name,
            unit_kind: u.kind,
            center_window: u.center_window,
            post: post_kind.code().into(),
            holders,
            flags,
            pending: pending.get(&u.id).copied().unwrap_or(0),
            unfiled,
        });
    }
    out.sort_by_key(|r| r.flags.is_empty());
    Ok(out)
}

/// A piece of staffing evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    /// Id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// `below_count`, `non_qualifying` or `adjustment_rule`.
    pub kind: String,
    /// The person concerned, if any.
    pub user_id: Option<i64>,
    /// Their name.
    pub user_name: String,
    /// The filing concerned (adjustments).
    pub filing_id: Option<i64>,
    /// Details: `have/need` for a count, the cadre code, or the broken rule codes.
    pub detail: String,
    /// From.
    pub opened_on: NaiveDate,
    /// Until (open episodes have none).
    pub closed_on: Option<NaiveDate>,
}

/// A unit's history: every post held, every filing, the handovers and the staffing evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitHistory {
    /// The unit now.
    pub register: UnitRegister,
    /// Every post ever held, newest first.
    pub posts: Vec<HolderView>,
    /// Every filing, newest first.
    pub filings: Vec<FilingView>,
    /// Staffing evidence, newest first.
    pub evidence: Vec<EvidenceView>,
}

/// The history of unit `unit_id`.
///
/// # Errors
/// [`AppError::NotFound`] if absent, without posts, or outside the caller's scope.
pub async fn unit_history(app: &App, actor: &Actor, unit_id: i64) -> AppResult<UnitHistory> {
    if !may_read_unit(actor, unit_id) {
        return Err(AppError::NotFound);
    }
    let db = &app.db.conn;
    let day = today(app.now());
    let register = register(app, actor)
        .await?
        .into_iter()
        .find(|r| r.unit_id == unit_id)
        .ok_or(AppError::NotFound)?;
    let mut posts = Vec::new();
    for p in post::Entity::find()
        .filter(post::Column::UnitId.eq(unit_id))
        .order_by_desc(post::Column::Since)
        .order_by_desc(post::Column::Id)
        .all(db)
        .await?
    {
        let u = user::Entity::find_by_id(p.user_id).one(db).await?;
        posts.push(holder(p, u.as_ref(), register.center_window, day));
    }
    let filings = list(
        app,
        actor,
        &FilingFilter {
            unit_id: Some(unit_id),
            status: None,
        },
    )
    .await?;
    let evidence = evidence(db, Some(unit_id), None, None).await?;
    Ok(UnitHistory {
        register,
        posts,
        filings,
        evidence,
    })
}

/// Staffing evidence overlapping `[from, to]` (all of it when both are `None`), for one unit or
/// all. The evaluation reads this.
///
/// # Errors
/// Database failure.
pub async fn evidence<C: ConnectionTrait>(
    db: &C,
    unit_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<Vec<EvidenceView>> {
    let mut q = staffing_evidence::Entity::find();
    if let Some(u) = unit_id {
        q = q.filter(staffing_evidence::Column::UnitId.eq(u));
    }
    if let Some(t) = to {
        q = q.filter(staffing_evidence::Column::OpenedOn.lte(t));
    }
    if let Some(f) = from {
        q = q.filter(
            staffing_evidence::Column::ClosedOn
                .is_null()
                .or(staffing_evidence::Column::ClosedOn.gte(f)),
        );
    }
    let rows = q
        .order_by_desc(staffing_evidence::Column::OpenedOn)
        .order_by_desc(staffing_evidence::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        out.push(EvidenceView {
            id: e.id,
            unit_id: e.unit_id,
            kind: e.kind,
            user_name: crate::users::user_name(db, e.user_id).await?,
            user_id: e.user_id,
            filing_id: e.filing_id,
            detail: e.detail,
            opened_on: e.opened_on,
            closed_on: e.closed_on,
        });
    }
    Ok(out)
}

/// Brings the staffing evidence up to date with the register: opens an episode for each flag a
/// unit has now and had not, closes each episode whose flag is gone. Idempotent; runs after each
/// decision and in the monitor (units and posts change otherwise only through the
/// administrator).
///
/// # Errors
/// Database failure.
pub async fn review_staffing<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    only_unit: Option<i64>,
) -> AppResult<usize> {
    let day = today(now);
    let mut q = unit::Entity::find().filter(unit::Column::Active.eq(true));
    if let Some(u) = only_unit {
        q = q.filter(unit::Column::Id.eq(u));
    }
    let units = q.all(txn).await?;
    let mut pq = post::Entity::find().filter(post::Column::Until.is_null());
    let mut eq = staffing_evidence::Entity::find()
        .filter(staffing_evidence::Column::ClosedOn.is_null())
        .filter(staffing_evidence::Column::Kind.is_in(["below_count", "non_qualifying"]));
    if let Some(u) = only_unit {
        pq = pq.filter(post::Column::UnitId.eq(u));
        eq = eq.filter(staffing_evidence::Column::UnitId.eq(u));
    }
    let posts = pq.all(txn).await?;
    let open = eq.all(txn).await?;
    let mut changed = 0;
    for u in units {
        let Some(post_kind) = u.kind.parse::<UnitKind>().ok().and_then(Post::for_unit) else {
            continue;
        };
        let pairs: Vec<(i64, CadreCategory)> = posts
            .iter()
            .filter(|p| p.unit_id == u.id)
            .map(|p| (p.user_id, p.cadre.parse().unwrap_or(CadreCategory::Other)))
            .collect();
        let flags = staffing_flags(post_kind, u.center_window, &pairs);
        // Each flag's identity: its kind and person, and for a count, the count.
        let key = |f: &StaffingFlag| match f {
            StaffingFlag::BelowCount { have, need } => {
                ("below_count", None, format!("{have}/{need}"))
            }
            StaffingFlag::NonQualifying { user_id, cadre } => {
                ("non_qualifying", Some(*user_id), cadre.code().to_owned())
            }
        };
        let wanted: Vec<(&str, Option<i64>, String)> = flags.iter().map(key).collect();
        let mine: Vec<&staffing_evidence::Model> =
            open.iter().filter(|e| e.unit_id == u.id).collect();
        for e in &mine {
            if !wanted
                .iter()
                .any(|(k, who, d)| *k == e.kind && *who == e.user_id && *d == e.detail)
            {
                staffing_evidence::Entity::update_many()
                    .col_expr(staffing_evidence::Column::ClosedOn, Expr::value(day))
                    .filter(staffing_evidence::Column::Id.eq(e.id))
                    .exec(txn)
                    .await?;
                changed += 1;
            }
        }
        for (k, who, d) in wanted {
            if !mine
                .iter()
                .any(|e| e.kind == k && e.user_id == who && e.detail == d)
            {
                staffing_evidence::Entity::insert(staffing_evidence::ActiveModel {
                    unit_id: Set(u.id),
                    kind: Set(k.into()),
                    user_id: Set(who),
                    filing_id: Set(None),
                    detail: Set(d),
                    opened_on: Set(day),
                    closed_on: Set(None),
                    recorded_at: Set(now),
                    ..Default::default()
                })
                .exec_without_returning(txn)
                .await?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// The accounts a unit can propose: for a selection, its active accounts with the post's role
/// that hold no post; for an adjustment's outgoing person, its holders. `(id, name)`.
///
/// # Errors
/// [`AppError::Forbidden`] outside the caller's scope.
pub async fn candidates(
    app: &App,
    actor: &Actor,
    unit_id: i64,
) -> AppResult<(Vec<PersonRef>, Vec<PersonRef>)> {
    if !may_read_unit(actor, unit_id) {
        return Err(forbidden());
    }
    let r = register(app, actor)
        .await?
        .into_iter()
        .find(|r| r.unit_id == unit_id)
        .ok_or(AppError::NotFound)?;
    Ok((
        r.unfiled,
        r.holders
            .into_iter()
            .map(|h| PersonRef {
                id: h.user_id,
                name: h.name,
            })
            .collect(),
    ))
}

/// [`evidence`] within the caller's scope: the bureau sees every unit's, a unit's staff their
/// own unit's.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without personnel records.
pub async fn evidence_for(
    app: &App,
    actor: &Actor,
    unit_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<Vec<EvidenceView>> {
    let unit = match actor.role {
        Role::Coordinator | Role::CityLeader => unit_id,
        Role::UnitLeader | Role::Agent | Role::Helper => {
            let own = actor.unit_id.ok_or_else(forbidden)?;
            if unit_id.is_some_and(|u| u != own) {
                return Err(forbidden());
            }
            Some(own)
        }
        _ => return Err(forbidden()),
    };
    evidence(&app.db.conn, unit, from, to).await
}
