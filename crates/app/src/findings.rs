//! Evaluation findings: each deduction of the quarterly evaluation, with its unit, rule, points,
//! date, evidence and source (detected from the data or recorded by the bureau). A finding counts
//! only once a bureau coordinator has confirmed it; a dismissal carries its reason. The scheme
//! (which rules, how many points) is data: `data/evaluation/xinghua.toml` by default.

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::evaluation::{Category, FindingState, Quarter, Scheme, fmt_points};
use daiban_domain::role::Role;
use daiban_store::entity::{finding, unit};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};

/// The Xinghua scheme, shipped with the product.
pub const XINGHUA_SCHEME_TOML: &str = include_str!("../../../data/evaluation/xinghua.toml");

/// Parses and checks a scheme file.
///
/// # Errors
/// Every problem, as text (a TOML error, or each broken rule of [`Scheme::validate`]).
pub fn parse_scheme(text: &str) -> Result<Scheme, Vec<String>> {
    let s: Scheme = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    s.validate()?;
    Ok(s)
}

static SHIPPED: LazyLock<Arc<Scheme>> = LazyLock::new(|| {
    #[expect(
        clippy::expect_used,
        reason = "the shipped scheme is checked by a test; a broken file is a build defect"
    )]
    let s = parse_scheme(XINGHUA_SCHEME_TOML).expect("data/evaluation/xinghua.toml is valid");
    Arc::new(s)
});

/// The shipped scheme.
pub fn shipped_scheme() -> Arc<Scheme> {
    SHIPPED.clone()
}

/// Where a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Detected from the data of the other features.
    Detected,
    /// Recorded by the bureau.
    Recorded,
}

impl Source {
    const fn code(self) -> &'static str {
        match self {
            Self::Detected => "detected",
            Self::Recorded => "recorded",
        }
    }
}

/// A finding to insert.
#[derive(Debug, Clone)]
pub struct NewFinding {
    /// The unit it counts against.
    pub unit_id: i64,
    /// The scheme rule's code.
    pub rule: String,
    /// When it happened (China date): decides the quarter.
    pub occurred_on: NaiveDate,
    /// What the evidence is: `deadline_alert`, `notice`, `material`, `problem_overdue`,
    /// `staffing_evidence`, `attendance`, `monthly_report`, `complaint`, `case_item`, `project`,
    /// `note`.
    pub evidence_kind: String,
    /// The evidence row's id, if any.
    pub evidence_id: Option<i64>,
    /// The evidence in words (shown with the link).
    pub evidence_label: String,
    /// The project concerned, if any.
    pub project_id: Option<i64>,
    /// For detected findings: a key unique to the fact, so detection is idempotent
    /// (e.g. `deadline_alert:123`).
    pub detected_key: Option<String>,
    /// A note.
    pub note: String,
    /// Detected or recorded.
    pub source: Source,
    /// Who recorded it (recorded findings).
    pub recorded_by: Option<i64>,
    /// Already decided by the bureau when it is recorded (a complaint the bureau verified):
    /// the coordinator who decided. `None` leaves it proposed.
    pub confirmed_by: Option<i64>,
}

/// Inserts a finding inside the caller's transaction: its category and points come from the
/// scheme's rule. Returns its id, or `None` when a finding with the same `detected_key` exists.
///
/// # Errors
/// [`AppError::Invalid`] for a rule the scheme does not have; database failure.
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    scheme: &Scheme,
    f: NewFinding,
) -> AppResult<Option<i64>> {
    let Some((category, rule)) = scheme.rule(&f.rule) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "rule",
            "unknown_rule",
            format!("考评办法（{}）中没有扣分项 {}", scheme.version, f.rule),
            format!("the scheme {} has no rule {}", scheme.version, f.rule),
        )]));
    };
    if let Some(k) = &f.detected_key
        && finding::Entity::find()
            .filter(finding::Column::DetectedKey.eq(k.as_str()))
            .count(txn)
            .await?
            > 0
    {
        return Ok(None);
    }
    let state = if f.confirmed_by.is_some() {
        FindingState::Confirmed
    } else {
        FindingState::Proposed
    };
    let id = finding::Entity::insert(finding::ActiveModel {
        unit_id: Set(f.unit_id),
        quarter: Set(Quarter::of(f.occurred_on).to_string()),
        category: Set(category.code().to_owned()),
        rule: Set(rule.code.clone()),
        points: Set(rule.points.0),
        occurred_on: Set(f.occurred_on),
        source: Set(f.source.code().to_owned()),
        state: Set(state.code().to_owned()),
        evidence_kind: Set(f.evidence_kind),
        evidence_id: Set(f.evidence_id),
        evidence_label: Set(f.evidence_label.chars().take(200).collect()),
        project_id: Set(f.project_id),
        detected_key: Set(f.detected_key),
        note: Set(f.note),
        recorded_by: Set(f.recorded_by),
        recorded_at: Set(now),
        decided_by: Set(f.confirmed_by),
        decided_at: Set(f.confirmed_by.map(|_| now)),
        decision_reason: Set(String::new()),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    Ok(Some(id))
}

/// A finding as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// Id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// `2026Q3`.
    pub quarter: String,
    /// Category code.
    pub category: String,
    /// Rule code.
    pub rule: String,
    /// Points deducted, two decimals.
    pub points: String,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// `detected` or `recorded`.
    pub source: String,
    /// `proposed`, `confirmed` or `dismissed`.
    pub state: String,
    /// Kind of evidence.
    pub evidence_kind: String,
    /// The evidence row.
    pub evidence_id: Option<i64>,
    /// The evidence in words.
    pub evidence_label: String,
    /// The project concerned.
    pub project_id: Option<i64>,
    /// Note.
    pub note: String,
    /// Who recorded it.
    pub recorded_by_name: String,
    /// Who decided.
    pub decided_by_name: String,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The reason of a dismissal or a reversal.
    pub decision_reason: String,
    /// Optimistic-concurrency version.
    pub version: i32,
}

async fn view<C: ConnectionTrait>(db: &C, m: finding::Model) -> AppResult<FindingView> {
    Ok(FindingView {
        id: m.id,
        unit_id: m.unit_id,
        unit_name: crate::users::unit_name(db, Some(m.unit_id)).await?,
        quarter: m.quarter,
        category: m.category,
        rule: m.rule,
        points: fmt_points(m.points),
        occurred_on: m.occurred_on,
        source: m.source,
        state: m.state,
        evidence_kind: m.evidence_kind,
        evidence_id: m.evidence_id,
        evidence_label: m.evidence_label,
        project_id: m.project_id,
        note: m.note,
        recorded_by_name: crate::users::user_name(db, m.recorded_by).await?,
        decided_by_name: crate::users::user_name(db, m.decided_by).await?,
        decided_at: m.decided_at,
        decision_reason: m.decision_reason,
        version: m.version,
    })
}

/// The unit whose evaluation `actor` may read: every unit for the bureau, their own for a unit's
/// staff; `Err` for others.
pub fn readable_unit(actor: &Actor) -> AppResult<Option<i64>> {
    match actor.role {
        Role::Coordinator | Role::CityLeader => Ok(None),
        Role::UnitLeader | Role::Agent | Role::Helper => {
            actor.unit_id.map(Some).ok_or_else(forbidden)
        }
        _ => Err(forbidden()),
    }
}

/// Filters of the finding list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct FindingFilter {
    /// `2026Q3`.
    pub quarter: Option<String>,
    /// Unit.
    pub unit_id: Option<i64>,
    /// State code.
    pub state: Option<String>,
    /// Category code.
    pub category: Option<String>,
}

fn bad_quarter(q: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "quarter",
        "quarter",
        format!("季度格式应为 2026Q3，收到 {q}"),
        format!("the quarter must look like 2026Q3, got {q}"),
    )])
}

/// Parses a quarter given by a client.
///
/// # Errors
/// [`AppError::Invalid`] naming the field.
pub fn parse_quarter(q: &str) -> AppResult<Quarter> {
    q.parse().map_err(|_| bad_quarter(q))
}

/// Findings within the caller's scope: proposed first, then by date.
///
/// # Errors
/// [`AppError::Forbidden`] for roles without evaluation records; a malformed quarter.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &FindingFilter,
) -> AppResult<Vec<FindingView>> {
    let own = readable_unit(actor)?;
    let mut q = finding::Entity::find();
    if let Some(u) = own.or(f.unit_id) {
        if own.is_some() && f.unit_id.is_some_and(|x| Some(x) != own) {
            return Err(forbidden());
        }
        q = q.filter(finding::Column::UnitId.eq(u));
    }
    if let Some(qs) = f.quarter.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(finding::Column::Quarter.eq(parse_quarter(qs)?.to_string()));
    }
    if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(finding::Column::State.eq(s));
    }
    if let Some(c) = f.category.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(finding::Column::Category.eq(c));
    }
    let rows = q
        .order_by_desc(finding::Column::OccurredOn)
        .order_by_desc(finding::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(db, r).await?);
    }
    out.sort_by_key(|v| v.state != FindingState::Proposed.code());
    Ok(out)
}

/// One finding.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside the caller's scope.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: i64) -> AppResult<FindingView> {
    let own = readable_unit(actor).map_err(|_| AppError::NotFound)?;
    let m = finding::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| own.is_none_or(|u| u == m.unit_id))
        .ok_or(AppError::NotFound)?;
    view(db, m).await
}

/// A coordinator's decision on a finding.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FindingDecision {
    /// `confirmed` or `dismissed`.
    pub state: String,
    /// Required to dismiss, and to reverse an earlier decision.
    #[serde(default)]
    pub reason: String,
    /// The version the coordinator saw.
    pub version: i32,
}

/// Confirms or dismisses a finding (bureau coordinator). A dismissal, and any reversal of an
/// earlier decision, needs a reason. A published quarter keeps its snapshot; a change shows in
/// the next revision.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] for a missing reason or an
/// unknown state; [`AppError::Conflict`] for a stale version or a decision already taken.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: i64,
    d: &FindingDecision,
    meta: &Meta,
) -> AppResult<FindingView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let Some(to) = FindingState::from_code(&d.state).filter(|s| *s != FindingState::Proposed)
    else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "state",
            "finding_state",
            "审核结果须为：确认或排除",
            "state must be confirmed or dismissed",
        )]));
    };
    let reason = d.reason.trim();
    let now = app.now();
    let w = app.begin_write().await?;
    let m = finding::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.version != d.version {
        return Err(version_conflict());
    }
    let from = FindingState::from_code(&m.state).unwrap_or(FindingState::Proposed);
    if !from.may_become(to) {
        return Err(AppError::Conflict {
            code: "finding_state",
            message: Msg::new(
                format!("该扣分项已是“{}”", state_zh(from)),
                format!("this finding is already {}", from.code()),
            ),
        });
    }
    if reason.is_empty() && (to == FindingState::Dismissed || from != FindingState::Proposed) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "reason",
            "required",
            "排除或改变审核结果须说明理由",
            "a dismissal or a change of decision needs a reason",
        )]));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid(vec![FieldError::new(
            "reason",
            "too_long",
            "理由不能超过 500 字",
            "reason must be at most 500 characters",
        )]));
    }
    let res = finding::Entity::update_many()
        .col_expr(finding::Column::State, Expr::value(to.code()))
        .col_expr(finding::Column::DecidedBy, Expr::value(actor.user_id))
        .col_expr(finding::Column::DecidedAt, Expr::value(now))
        .col_expr(finding::Column::DecisionReason, Expr::value(reason))
        .col_expr(finding::Column::Version, Expr::value(m.version + 1))
        .col_expr(finding::Column::UpdatedAt, Expr::value(now))
        .filter(finding::Column::Id.eq(id))
        .filter(finding::Column::Version.eq(m.version))
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
            action: "finding.decide",
            object_type: "finding",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"state": m.state})),
            after: Some(serde_json::json!({"state": to.code(), "reason": reason})),
        },
    )
    .await?;
    let v = view(
        &w.txn,
        finding::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

const fn state_zh(s: FindingState) -> &'static str {
    match s {
        FindingState::Proposed => "待确认",
        FindingState::Confirmed => "已确认",
        FindingState::Dismissed => "已排除",
    }
}

/// A finding the bureau records.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    /// The unit.
    pub unit_id: i64,
    /// A rule of the scheme whose source is `recorded`.
    pub rule: String,
    /// When it happened (not after today).
    pub occurred_on: NaiveDate,
    /// What happened, with the evidence (a case number, a letter, a verification).
    pub note: String,
    /// The project concerned, if any.
    #[serde(default)]
    pub project_id: Option<i64>,
}

/// Records a finding (bureau coordinator): refusals, discipline cases and the like, proposed
/// until a coordinator confirms it.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each broken rule.
pub async fn record(
    app: &App,
    actor: &Actor,
    input: &RecordInput,
    meta: &Meta,
) -> AppResult<FindingView> {
    if actor.role != Role::Coordinator {
        return Err(forbidden());
    }
    let now = app.now();
    let today = now.with_timezone(&daiban_domain::clock::CHINA).date_naive();
    let scheme = app.scheme.clone();
    let mut checks = Checks::default();
    let note = checks.text("note", "情况说明", &input.note, 1000);
    match scheme.rule(&input.rule) {
        Some((_, r)) if r.source == "recorded" => {}
        Some(_) => checks.push(FieldError::new(
            "rule",
            "detected_rule",
            "该扣分项由系统根据业务数据自动发现，不能手工录入",
            "this rule is detected from the data, not recorded by hand",
        )),
        None => checks.push(FieldError::new(
            "rule",
            "unknown_rule",
            format!("考评办法（{}）中没有扣分项 {}", scheme.version, input.rule),
            format!("the scheme {} has no rule {}", scheme.version, input.rule),
        )),
    }
    if input.occurred_on > today {
        checks.push(FieldError::new(
            "occurred_on",
            "future",
            "发生日期不能晚于今天",
            "the date cannot be after today",
        ));
    }
    let w = app.begin_write().await?;
    let u = unit::Entity::find_by_id(input.unit_id).one(&w.txn).await?;
    if !u.as_ref().is_some_and(|u| {
        u.active
            && u.kind
                .parse::<daiban_domain::unit::UnitKind>()
                .is_ok_and(|k| daiban_domain::personnel::Post::for_unit(k).is_some())
    }) {
        checks.push(FieldError::new(
            "unit_id",
            "not_evaluated",
            "只考评乡镇（街道）、开发区和政府职能部门",
            "only town units and departments are evaluated",
        ));
    }
    checks.finish()?;
    let label = input.note.chars().take(60).collect();
    let id = insert(
        &w.txn,
        now,
        &scheme,
        NewFinding {
            unit_id: input.unit_id,
            rule: input.rule.clone(),
            occurred_on: input.occurred_on,
            evidence_kind: "note".into(),
            evidence_id: None,
            evidence_label: label,
            project_id: input.project_id,
            detected_key: None,
            note,
            source: Source::Recorded,
            recorded_by: Some(actor.user_id),
            confirmed_by: None,
        },
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("a recorded finding has no detection key"))?;
    let v = view(
        &w.txn,
        finding::Entity::find_by_id(id)
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
            action: "finding.record",
            object_type: "finding",
            object_id: id.to_string(),
            before: None,
            after: Some(audit::snapshot(&v)?),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// The confirmed deductions of a quarter, per unit and category, in hundredths.
///
/// # Errors
/// Database failure.
pub async fn confirmed_deductions<C: ConnectionTrait>(
    db: &C,
    quarter: Quarter,
) -> AppResult<std::collections::BTreeMap<(i64, Category), Vec<i64>>> {
    let mut out: std::collections::BTreeMap<(i64, Category), Vec<i64>> =
        std::collections::BTreeMap::new();
    for f in finding::Entity::find()
        .filter(finding::Column::Quarter.eq(quarter.to_string()))
        .filter(finding::Column::State.eq(FindingState::Confirmed.code()))
        .all(db)
        .await?
    {
        if let Some(c) = Category::from_code(&f.category) {
            out.entry((f.unit_id, c)).or_default().push(f.points);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_scheme_is_valid_and_complete() {
        let s = parse_scheme(XINGHUA_SCHEME_TOML).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.version, "xinghua-2019.1");
        let points: Vec<i64> = s.categories.iter().map(|c| c.points.0).collect();
        assert_eq!(points, [1000, 1000, 3000, 1000, 3000, 1000]);
        for (rule, cents) in [
            ("non_qualifying_cadre", 500),
            ("adjustment_violation", 500),
            ("refused_eligible", 300),
            ("no_first_contact_or_notice", 300),
            ("coordination_delay", 300),
            ("materials_lost", 300),
            ("poor_explanation", 300),
            ("project_lost", 500),
            ("monthly_report_late", 200),
            ("attendance", 200),
            ("touting", 300),
            ("paid_service", 1000),
            ("verified_complaint", 1000),
        ] {
            assert_eq!(s.rule(rule).map(|r| r.1.points.0), Some(cents), "{rule}");
        }
        assert_eq!(s.appraisal_score(1, 1, 1), Some(2000));
    }

    #[test]
    fn a_broken_scheme_names_its_problems() {
        let broken = XINGHUA_SCHEME_TOML.replace(
            "points = 30\nname_zh = \"规范服务\"",
            "points = 31\nname_zh = \"规范服务\"",
        );
        let errs = parse_scheme(&broken).unwrap_err();
        assert!(errs.iter().any(|e| e.contains("101.00")), "{errs:?}");
        assert!(parse_scheme("version = 1").is_err());
    }
}
