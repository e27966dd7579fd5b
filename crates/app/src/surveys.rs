//! The democratic appraisal (民主评议, attachment 2 (五)): the bureau opens one survey per
//! quarter over every active town unit and department, adds respondents from the four groups
//! (agents, helpers, enterprise staff, service-center staff — with or without an account), and
//! each respondent answers through a personal link whose token only they hold (its SHA-256 is
//! stored). Answers can change until the survey closes; closing freezes it. The result per unit is
//! the scheme's arithmetic ([`Scheme::appraisal_score`]); a unit without a counted answer is
//! resolved by the bureau with a recorded decision before the quarter is published
//! ([`unresolved`]).

use crate::App;
use crate::actor::{Actor, Meta};
use crate::audit::{self, ActorRef, Change};
use crate::error::{AppError, AppResult, Checks, FieldError, Msg, forbidden, version_conflict};
use crate::timeline::{self, Notice, Recipient};
use chrono::{DateTime, NaiveDate, Utc};
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::{Category, Cents, Quarter, Scheme, fmt_points};
use daiban_domain::personnel::Post;
use daiban_domain::role::Role;
use daiban_domain::survey::{Answer, Group, parse_points};
use daiban_domain::unit::UnitKind;
use daiban_store::entity::{
    enterprise, survey, survey_answer, survey_decision, survey_respondent, unit, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// One unit's democratic appraisal of a quarter, for the evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Appraisal {
    /// 优秀 answers.
    pub excellent: i64,
    /// 满意 answers.
    pub satisfied: i64,
    /// 不满意 answers.
    pub dissatisfied: i64,
    /// 不了解 answers (not counted).
    pub unknown: i64,
    /// Respondents who answered about the unit (all four answers).
    pub respondents: i64,
    /// The score from the counted answers, `None` without any (无评议).
    pub score: Option<Cents>,
    /// The bureau's recorded decision (points, reason) for a unit without a counted answer.
    pub decided: Option<(Cents, String)>,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn today(app: &App) -> NaiveDate {
    app.now().with_timezone(&CHINA).date_naive()
}

fn unit_ids_of(m: &survey::Model) -> Vec<i64> {
    serde_json::from_str(&m.unit_ids).unwrap_or_default()
}

/// Whether answers are frozen: closed by the bureau, or past its closing day.
fn is_closed(m: &survey::Model, today: NaiveDate) -> bool {
    m.state == "closed" || today > m.closes_on
}

/// Whether `quarter`'s survey is still taking answers (a unit's staff see their result, and
/// their appraisal in the evaluation, only once it has closed).
///
/// # Errors
/// Database failure.
pub async fn is_open_for(app: &App, quarter: Quarter) -> AppResult<bool> {
    Ok(survey::Entity::find()
        .filter(survey::Column::Quarter.eq(quarter.to_string()))
        .one(&app.db.conn)
        .await?
        .is_some_and(|m| !is_closed(&m, today(app))))
}

/// The units the evaluation covers: every active town unit and department.
///
/// # Errors
/// Database failure.
pub async fn evaluated_units<C: ConnectionTrait>(db: &C) -> AppResult<Vec<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Active.eq(true))
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| {
            u.kind
                .parse::<UnitKind>()
                .is_ok_and(|k| Post::for_unit(k).is_some())
        })
        .collect())
}

async fn counts<C: ConnectionTrait>(db: &C, survey_id: i64) -> AppResult<BTreeMap<i64, [i64; 4]>> {
    let mut out: BTreeMap<i64, [i64; 4]> = BTreeMap::new();
    for a in survey_answer::Entity::find()
        .filter(survey_answer::Column::SurveyId.eq(survey_id))
        .all(db)
        .await?
    {
        if let Some(ans) = Answer::from_code(&a.answer) {
            let i = Answer::ALL.iter().position(|x| *x == ans).unwrap_or(3);
            out.entry(a.unit_id).or_default()[i] += 1;
        }
    }
    Ok(out)
}

/// Every evaluated unit's appraisal for `quarter` (units absent when the quarter has no survey).
///
/// # Errors
/// Database failure.
pub async fn appraisal<C: ConnectionTrait>(
    db: &C,
    scheme: &Scheme,
    quarter: Quarter,
) -> AppResult<BTreeMap<i64, Appraisal>> {
    let Some(s) = survey::Entity::find()
        .filter(survey::Column::Quarter.eq(quarter.to_string()))
        .one(db)
        .await?
    else {
        return Ok(BTreeMap::new());
    };
    let counts = counts(db, s.id).await?;
    let decisions: BTreeMap<i64, survey_decision::Model> = survey_decision::Entity::find()
        .filter(survey_decision::Column::SurveyId.eq(s.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.unit_id, d))
        .collect();
    Ok(unit_ids_of(&s)
        .into_iter()
        .map(|u| {
            let [e, sa, d, un] = counts.get(&u).copied().unwrap_or_default();
            let a = Appraisal {
                excellent: e,
                satisfied: sa,
                dissatisfied: d,
                unknown: un,
                respondents: e + sa + d + un,
                score: scheme.appraisal_score(e, sa, d),
                decided: decisions.get(&u).map(|d| (d.points, d.reason.clone())),
            };
            (u, a)
        })
        .collect())
}

/// The evaluated units that have neither a counted answer nor a recorded decision for `quarter`
/// (all of them when there is no survey).
///
/// # Errors
/// Database failure.
pub async fn unresolved<C: ConnectionTrait>(
    db: &C,
    scheme: &Scheme,
    quarter: Quarter,
) -> AppResult<Vec<i64>> {
    let has_survey = survey::Entity::find()
        .filter(survey::Column::Quarter.eq(quarter.to_string()))
        .one(db)
        .await?
        .is_some();
    if !has_survey {
        return Ok(evaluated_units(db)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect());
    }
    Ok(appraisal(db, scheme, quarter)
        .await?
        .into_iter()
        .filter(|(_, a)| a.score.is_none() && a.decided.is_none())
        .map(|(u, _)| u)
        .collect())
}

/// A survey as clients see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    /// Id.
    pub id: i64,
    /// `2026Q3`.
    pub quarter: String,
    /// Title.
    pub title: String,
    /// First day answers are taken.
    pub opens_on: NaiveDate,
    /// Last day answers are taken.
    pub closes_on: NaiveDate,
    /// `open`, or `closed` (closed by the bureau or past its closing day): answers are frozen.
    pub state: String,
    /// The appraised units.
    pub unit_count: usize,
    /// Respondents asked (bureau only; 0 for others).
    pub respondents: usize,
    /// Respondents who have answered (bureau only; 0 for others).
    pub answered: usize,
    /// When it was closed by the bureau.
    pub closed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

async fn view<C: ConnectionTrait>(
    db: &C,
    m: &survey::Model,
    today: NaiveDate,
    bureau: bool,
) -> AppResult<SurveyView> {
    let (respondents, answered) = if bureau {
        let rs = survey_respondent::Entity::find()
            .filter(survey_respondent::Column::SurveyId.eq(m.id))
            .all(db)
            .await?;
        let answered = rs.iter().filter(|r| r.answered_at.is_some()).count();
        (rs.len(), answered)
    } else {
        (0, 0)
    };
    Ok(SurveyView {
        id: m.id,
        quarter: m.quarter.clone(),
        title: m.title.clone(),
        opens_on: m.opens_on,
        closes_on: m.closes_on,
        state: if is_closed(m, today) {
            "closed"
        } else {
            "open"
        }
        .to_owned(),
        unit_count: unit_ids_of(m).len(),
        respondents,
        answered,
        closed_at: m.closed_at,
        version: m.version,
    })
}

/// How `actor` may see surveys: the bureau (and the city leader) everything, a unit's staff
/// their own unit once closed.
enum Reader {
    Bureau,
    Unit(i64),
}

fn reader(actor: &Actor) -> AppResult<Reader> {
    match actor.role {
        Role::Coordinator | Role::CityLeader => Ok(Reader::Bureau),
        Role::Agent | Role::Helper | Role::UnitLeader => {
            actor.unit_id.map(Reader::Unit).ok_or_else(forbidden)
        }
        _ => Err(forbidden()),
    }
}

fn coordinator(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::Coordinator {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Surveys, newest quarter first: all for the bureau; closed ones for a unit's staff.
///
/// # Errors
/// [`AppError::Forbidden`] for enterprises, the administrator and the auditor.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<SurveyView>> {
    let r = reader(actor)?;
    let today = today(app);
    let db = &app.db.conn;
    let mut out = Vec::new();
    for m in survey::Entity::find()
        .order_by_desc(survey::Column::Quarter)
        .all(db)
        .await?
    {
        match r {
            Reader::Bureau => out.push(view(db, &m, today, true).await?),
            Reader::Unit(u) if is_closed(&m, today) && unit_ids_of(&m).contains(&u) => {
                out.push(view(db, &m, today, false).await?);
            }
            Reader::Unit(_) => {}
        }
    }
    Ok(out)
}

async fn find(app: &App, id: i64) -> AppResult<survey::Model> {
    survey::Entity::find_by_id(id)
        .one(&app.db.conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// One survey.
///
/// # Errors
/// [`AppError::NotFound`] if absent or outside the caller's scope.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<SurveyView> {
    let r = reader(actor).map_err(|_| AppError::NotFound)?;
    let m = find(app, id).await?;
    let today = today(app);
    match r {
        Reader::Bureau => view(&app.db.conn, &m, today, true).await,
        Reader::Unit(u) if is_closed(&m, today) && unit_ids_of(&m).contains(&u) => {
            view(&app.db.conn, &m, today, false).await
        }
        Reader::Unit(_) => Err(AppError::NotFound),
    }
}

/// A survey to open.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OpenInput {
    /// The quarter appraised, `2026Q4`.
    pub quarter: String,
    /// Title, e.g. `2026年第四季度项目代办帮办工作满意度测评`.
    pub title: String,
    /// First day of answers (within the quarter or the next).
    pub opens_on: NaiveDate,
    /// Last day of answers (not before `opens_on`, nor before today).
    pub closes_on: NaiveDate,
}

fn survey_closed() -> AppError {
    AppError::Conflict {
        code: "survey_closed",
        message: Msg::new(
            "评议已结束，答卷不能再提交或修改",
            "The survey is closed; answers can no longer be given or changed",
        ),
    }
}

/// Opens the quarter's survey over every active town unit and department (bureau coordinator).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each broken rule;
/// [`AppError::Conflict`] `survey_exists` when the quarter already has one.
pub async fn open(
    app: &App,
    actor: &Actor,
    input: &OpenInput,
    meta: &Meta,
) -> AppResult<SurveyView> {
    coordinator(actor)?;
    let now = app.now();
    let today = today(app);
    let mut checks = Checks::default();
    let title = checks.text("title", "标题", &input.title, 100);
    let quarter = input.quarter.trim().parse::<Quarter>().ok();
    match quarter {
        None => checks.push(FieldError::new(
            "quarter",
            "quarter",
            format!("季度格式应为 2026Q3，收到 {}", input.quarter),
            format!("the quarter must look like 2026Q3, got {}", input.quarter),
        )),
        Some(q) => {
            if input.opens_on < q.first_day() || input.opens_on > q.next().last_day() {
                checks.push(FieldError::new(
                    "opens_on",
                    "outside_quarter",
                    "开始日期应在所评季度或其后一个季度内",
                    "the survey must open within the quarter appraised or the next",
                ));
            }
        }
    }
    if input.closes_on < input.opens_on {
        checks.push(FieldError::new(
            "closes_on",
            "before_open",
            "截止日期不能早于开始日期",
            "the closing day cannot be before the opening day",
        ));
    } else if input.closes_on < today {
        checks.push(FieldError::new(
            "closes_on",
            "past",
            "截止日期不能早于今天",
            "the closing day cannot be in the past",
        ));
    }
    checks.finish()?;
    let quarter = quarter.ok_or(AppError::NotFound)?;
    let w = app.begin_write().await?;
    if survey::Entity::find()
        .filter(survey::Column::Quarter.eq(quarter.to_string()))
        .one(&w.txn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            code: "survey_exists",
            message: Msg::new(
                format!("{quarter} 已有民主评议"),
                format!("{quarter} already has a survey"),
            ),
        });
    }
    let units: Vec<i64> = evaluated_units(&w.txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let id = survey::Entity::insert(survey::ActiveModel {
        quarter: Set(quarter.to_string()),
        title: Set(title),
        opens_on: Set(input.opens_on),
        closes_on: Set(input.closes_on),
        state: Set("open".into()),
        unit_ids: Set(serde_json::to_string(&units).map_err(anyhow::Error::from)?),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&w.txn)
    .await?
    .last_insert_id;
    let m = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = view(&w.txn, &m, today, true).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "survey.open",
            object_type: "survey",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "quarter": v.quarter, "title": v.title, "opens_on": v.opens_on,
                "closes_on": v.closes_on, "unit_ids": units,
            })),
        },
    )
    .await?;
    w.commit().await?;
    Ok(v)
}

/// Closes a survey: answers are frozen (bureau coordinator).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Conflict`] `survey_closed` when it is
/// already closed by the bureau, or `version_conflict`.
pub async fn close(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i32,
    meta: &Meta,
) -> AppResult<SurveyView> {
    coordinator(actor)?;
    let now = app.now();
    let w = app.begin_write().await?;
    let m = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.version != version {
        return Err(version_conflict());
    }
    if m.state == "closed" {
        return Err(survey_closed());
    }
    set_state(&w.txn, &m, "closed", m.closes_on, Some(actor.user_id), now).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "survey.close",
            object_type: "survey",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"state": m.state})),
            after: Some(serde_json::json!({"state": "closed"})),
        },
    )
    .await?;
    let m = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = view(&w.txn, &m, today(app), true).await?;
    w.commit().await?;
    Ok(v)
}

async fn set_state<C: ConnectionTrait>(
    txn: &C,
    m: &survey::Model,
    state: &str,
    closes_on: NaiveDate,
    closed_by: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let res = survey::Entity::update_many()
        .col_expr(survey::Column::State, Expr::value(state))
        .col_expr(survey::Column::ClosesOn, Expr::value(closes_on))
        .col_expr(survey::Column::ClosedBy, Expr::value(closed_by))
        .col_expr(
            survey::Column::ClosedAt,
            Expr::value(closed_by.map(|_| now)),
        )
        .col_expr(survey::Column::Version, Expr::value(m.version + 1))
        .col_expr(survey::Column::UpdatedAt, Expr::value(now))
        .filter(survey::Column::Id.eq(m.id))
        .filter(survey::Column::Version.eq(m.version))
        .exec(txn)
        .await?;
    if res.rows_affected == 1 {
        Ok(())
    } else {
        Err(version_conflict())
    }
}

/// A reopening or an extension.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReopenInput {
    /// The new last day of answers (today or later).
    pub closes_on: NaiveDate,
    /// The version the coordinator saw.
    pub version: i32,
}

/// Reopens a closed survey, or extends an open one, until `closes_on` (bureau coordinator): how a
/// unit without counted answers gets more.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] for a day in the past;
/// [`AppError::Conflict`] `version_conflict`.
pub async fn reopen(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ReopenInput,
    meta: &Meta,
) -> AppResult<SurveyView> {
    coordinator(actor)?;
    let now = app.now();
    let today = today(app);
    if input.closes_on < today {
        return Err(AppError::Invalid(vec![FieldError::new(
            "closes_on",
            "past",
            "截止日期不能早于今天",
            "the closing day cannot be in the past",
        )]));
    }
    let w = app.begin_write().await?;
    let m = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.version != input.version {
        return Err(version_conflict());
    }
    if input.closes_on < m.opens_on {
        return Err(AppError::Invalid(vec![FieldError::new(
            "closes_on",
            "before_open",
            "截止日期不能早于开始日期",
            "the closing day cannot be before the opening day",
        )]));
    }
    set_state(&w.txn, &m, "open", input.closes_on, None, now).await?;
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "survey.reopen",
            object_type: "survey",
            object_id: id.to_string(),
            before: Some(serde_json::json!({"state": m.state, "closes_on": m.closes_on})),
            after: Some(serde_json::json!({"state": "open", "closes_on": input.closes_on})),
        },
    )
    .await?;
    let m = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = view(&w.txn, &m, today, true).await?;
    w.commit().await?;
    Ok(v)
}

/// A respondent as the bureau sees them (never their answers).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RespondentView {
    /// Id.
    pub id: i64,
    /// `agent`, `helper`, `enterprise` or `service_center`.
    pub group: String,
    /// The account, if any.
    pub user_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Phone (people without an account).
    pub phone: String,
    /// When they last saved their answers.
    pub answered_at: Option<DateTime<Utc>>,
}

fn respondent_view(r: &survey_respondent::Model) -> RespondentView {
    RespondentView {
        id: r.id,
        group: r.grp.clone(),
        user_id: r.user_id,
        name: r.name.clone(),
        phone: r.phone.clone(),
        answered_at: r.answered_at,
    }
}

/// A survey's respondents (bureau coordinator).
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::NotFound`].
pub async fn respondents(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<RespondentView>> {
    coordinator(actor)?;
    find(app, id).await?;
    Ok(survey_respondent::Entity::find()
        .filter(survey_respondent::Column::SurveyId.eq(id))
        .order_by_asc(survey_respondent::Column::Id)
        .all(&app.db.conn)
        .await?
        .iter()
        .map(respondent_view)
        .collect())
}

/// A respondent without an account (service-center staff, a paper-form respondent).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PersonInput {
    /// Name.
    pub name: String,
    /// `agent`, `helper`, `enterprise` or `service_center`.
    pub group: String,
    /// Phone, optional.
    #[serde(default)]
    pub phone: String,
}

/// Respondents to add: accounts by id, every active account of a group (optionally of one unit),
/// and people without an account. Accounts already asked are skipped.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AddRespondents {
    /// Accounts (agents, helpers, enterprise users, service-center staff).
    #[serde(default)]
    pub user_ids: Vec<i64>,
    /// Every active account of this group.
    #[serde(default)]
    pub group: Option<String>,
    /// With `group`: only accounts of this unit (for enterprises: of the unit the enterprise is
    /// in).
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// People without an account.
    #[serde(default)]
    pub people: Vec<PersonInput>,
}

/// A respondent's personal link: shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedLink {
    /// The respondent.
    pub respondent: RespondentView,
    /// The secret token (only its hash is stored).
    pub token: String,
    /// The answer page, `/survey/{token}`.
    pub path: String,
}

/// The group an account answers in, if it is one of the four.
fn group_of(u: &user::Model, unit_kind: Option<UnitKind>) -> Option<Group> {
    if unit_kind == Some(UnitKind::ServiceCenter) {
        return Some(Group::ServiceCenter);
    }
    match u.role.as_str() {
        "agent" => Some(Group::Agent),
        "helper" => Some(Group::Helper),
        "enterprise" => Some(Group::Enterprise),
        "unit_leader" => match unit_kind {
            Some(UnitKind::Department) => Some(Group::Helper),
            Some(_) => Some(Group::Agent),
            None => None,
        },
        _ => None,
    }
}

/// Adds respondents and issues their personal links (bureau coordinator). Account holders get the
/// link in their inbox too.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] naming each unknown account,
/// person without a name or unknown group, or when there is no one to add;
/// [`AppError::Conflict`] `survey_closed`.
#[expect(
    clippy::too_many_lines,
    reason = "one use case: validation, selection, insertion, notices, audit"
)]
pub async fn add_respondents(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &AddRespondents,
    meta: &Meta,
) -> AppResult<Vec<IssuedLink>> {
    coordinator(actor)?;
    let now = app.now();
    let today = today(app);
    let w = app.begin_write().await?;
    let s = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_closed(&s, today) {
        return Err(survey_closed());
    }
    let kinds: BTreeMap<i64, Option<UnitKind>> = unit::Entity::find()
        .all(&w.txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.kind.parse().ok()))
        .collect();
    let kind_of = |u: &user::Model| u.unit_id.and_then(|i| kinds.get(&i).copied().flatten());
    let mut checks = Checks::default();
    let mut accounts: Vec<(user::Model, Group)> = Vec::new();
    for uid in &input.user_ids {
        let u = user::Entity::find_by_id(*uid).one(&w.txn).await?;
        match u.filter(|u| u.active) {
            Some(u) => match group_of(&u, kind_of(&u)) {
                Some(g) => accounts.push((u, g)),
                None => checks.push(FieldError::new(
                    "user_ids",
                    "not_respondent",
                    format!(
                        "{} 不属于代办员、帮办员、企业办事人员或中心工作人员",
                        u.name
                    ),
                    format!(
                        "{} is not an agent, helper, enterprise user or service-center staff",
                        u.username
                    ),
                )),
            },
            None => checks.push(FieldError::new(
                "user_ids",
                "unknown_user",
                format!("账号 {uid} 不存在或已停用"),
                format!("account {uid} does not exist or is inactive"),
            )),
        }
    }
    if let Some(g) = input.group.as_deref().filter(|g| !g.is_empty()) {
        match Group::from_code(g) {
            None => checks.push(FieldError::new(
                "group",
                "group",
                "评议对象类别应为：代办员、帮办员、企业办事人员或中心工作人员",
                "group must be agent, helper, enterprise or service_center",
            )),
            Some(group) => {
                let ent_units: BTreeMap<i64, i64> = enterprise::Entity::find()
                    .all(&w.txn)
                    .await?
                    .into_iter()
                    .map(|e| (e.id, e.unit_id))
                    .collect();
                for u in user::Entity::find()
                    .filter(user::Column::Active.eq(true))
                    .order_by_asc(user::Column::Id)
                    .all(&w.txn)
                    .await?
                {
                    if group_of(&u, kind_of(&u)) != Some(group) {
                        continue;
                    }
                    // Unit leaders are asked by name, not with their group.
                    if u.role == "unit_leader" {
                        continue;
                    }
                    let unit = if group == Group::Enterprise {
                        u.enterprise_id.and_then(|e| ent_units.get(&e).copied())
                    } else {
                        u.unit_id
                    };
                    if input.unit_id.is_none_or(|x| Some(x) == unit) {
                        accounts.push((u, group));
                    }
                }
            }
        }
    }
    let mut people = Vec::new();
    for (i, p) in input.people.iter().enumerate() {
        let name = checks.text(&format!("people[{i}].name"), "姓名", &p.name, 50);
        let phone = checks.optional_text(&format!("people[{i}].phone"), "电话", &p.phone, 30);
        match Group::from_code(p.group.trim()) {
            Some(g) => people.push((name, g, phone)),
            None => checks.push(FieldError::new(
                &format!("people[{i}].group"),
                "group",
                "评议对象类别应为：代办员、帮办员、企业办事人员或中心工作人员",
                "group must be agent, helper, enterprise or service_center",
            )),
        }
    }
    let asked: BTreeSet<i64> = survey_respondent::Entity::find()
        .filter(survey_respondent::Column::SurveyId.eq(id))
        .all(&w.txn)
        .await?
        .into_iter()
        .filter_map(|r| r.user_id)
        .collect();
    let mut seen = BTreeSet::new();
    accounts.retain(|(u, _)| !asked.contains(&u.id) && seen.insert(u.id));
    if checks.0.is_empty() && accounts.is_empty() && people.is_empty() {
        checks.push(FieldError::new(
            "user_ids",
            "no_respondents",
            "没有可添加的评议对象（所选账号可能已在名单中）",
            "no one to add (the accounts chosen may already be respondents)",
        ));
    }
    checks.finish()?;
    let mut out = Vec::new();
    let rows = accounts
        .into_iter()
        .map(|(u, g)| (Some(u.id), u.name, g, u.phone))
        .chain(people.into_iter().map(|(n, g, p)| (None, n, g, p)));
    for (user_id, name, group, phone) in rows {
        let token = crate::auth::random_token();
        let rid = survey_respondent::Entity::insert(survey_respondent::ActiveModel {
            survey_id: Set(id),
            grp: Set(group.code().to_owned()),
            user_id: Set(user_id),
            name: Set(name),
            phone: Set(phone),
            token_hash: Set(token_hash(&token)),
            added_by: Set(actor.user_id),
            added_at: Set(now),
            answered_at: Set(None),
            ..Default::default()
        })
        .exec(&w.txn)
        .await?
        .last_insert_id;
        let r = survey_respondent::Entity::find_by_id(rid)
            .one(&w.txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let path = format!("/survey/{token}");
        if let Some(uid) = user_id {
            timeline::notify(
                &w.txn,
                now,
                Recipient::User(uid),
                &Notice {
                    kind: "survey.invite".into(),
                    title: Msg::new(
                        format!("请参加民主评议：{}", s.title),
                        format!("Please take part in the appraisal: {}", s.title),
                    ),
                    body: Msg::new(
                        format!(
                            "请于 {} 前通过您的专属链接评议各单位：{path}（链接仅供本人使用，请勿转发）",
                            s.closes_on
                        ),
                        format!(
                            "Please rate each unit by {} through your personal link: {path} (for you only; do not forward it)",
                            s.closes_on
                        ),
                    ),
                    project_id: None,
                    case_item_id: None,
                },
            )
            .await?;
        }
        out.push(IssuedLink {
            respondent: respondent_view(&r),
            token,
            path,
        });
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "survey.respondents_add",
            object_type: "survey",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "respondents": out.iter().map(|l| serde_json::json!({
                    "id": l.respondent.id, "group": l.respondent.group, "user_id": l.respondent.user_id,
                })).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    w.commit().await?;
    Ok(out)
}

/// One unit's result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitResult {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its kind.
    pub unit_kind: String,
    /// 优秀.
    pub excellent: i64,
    /// 满意.
    pub satisfied: i64,
    /// 不满意.
    pub dissatisfied: i64,
    /// 不了解 (not counted).
    pub unknown: i64,
    /// Respondents who answered about it.
    pub respondents: i64,
    /// The score from the counted answers, two decimals; `None`: no appraisal (无评议).
    pub score: Option<String>,
    /// The bureau's recorded points, two decimals, for a unit without a counted answer.
    pub decided_points: Option<String>,
    /// The reason of that decision.
    pub decided_reason: String,
    /// Who decided.
    pub decided_by_name: String,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// No counted answer and no decision yet: must be resolved before publication.
    pub unresolved: bool,
}

/// A survey's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    /// The survey.
    pub survey: SurveyView,
    /// The units in the caller's scope.
    pub units: Vec<UnitResult>,
    /// The category's full points, two decimals (`30.00`).
    pub max_points: String,
}

/// A survey's results: every unit for the bureau and the city leader; a unit's staff only their
/// own unit, once the survey is closed.
///
/// # Errors
/// [`AppError::NotFound`] outside the caller's scope; [`AppError::Forbidden`] for a unit's staff
/// while the survey is open.
pub async fn results(app: &App, actor: &Actor, id: i64) -> AppResult<Results> {
    let r = reader(actor).map_err(|_| AppError::NotFound)?;
    let m = find(app, id).await?;
    let today = today(app);
    let db = &app.db.conn;
    let only = match r {
        Reader::Bureau => None,
        Reader::Unit(u) => {
            if !unit_ids_of(&m).contains(&u) {
                return Err(AppError::NotFound);
            }
            if !is_closed(&m, today) {
                return Err(AppError::Forbidden(Msg::new(
                    "评议结束后才能查看本单位的结果",
                    "Your unit's result is shown once the survey is closed",
                )));
            }
            Some(u)
        }
    };
    let quarter: Quarter = m
        .quarter
        .parse()
        .map_err(|e: String| anyhow::anyhow!("survey {}: {e}", m.id))?;
    let all = appraisal(db, &app.scheme, quarter).await?;
    let decisions: BTreeMap<i64, survey_decision::Model> = survey_decision::Entity::find()
        .filter(survey_decision::Column::SurveyId.eq(m.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.unit_id, d))
        .collect();
    let units: BTreeMap<i64, unit::Model> = unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = Vec::new();
    for (uid, a) in all {
        if only.is_some_and(|o| o != uid) {
            continue;
        }
        let d = decisions.get(&uid);
        let u = units.get(&uid);
        out.push(UnitResult {
            unit_id: uid,
            unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
            unit_kind: u.map(|u| u.kind.clone()).unwrap_or_default(),
            excellent: a.excellent,
            satisfied: a.satisfied,
            dissatisfied: a.dissatisfied,
            unknown: a.unknown,
            respondents: a.respondents,
            score: a.score.map(fmt_points),
            decided_points: d.map(|d| fmt_points(d.points)),
            decided_reason: d.map(|d| d.reason.clone()).unwrap_or_default(),
            decided_by_name: crate::users::user_name(db, d.map(|d| d.decided_by)).await?,
            decided_at: d.map(|d| d.decided_at),
            unresolved: a.score.is_none() && a.decided.is_none(),
        });
    }
    Ok(Results {
        survey: view(db, &m, today, matches!(r, Reader::Bureau)).await?,
        units: out,
        max_points: fmt_points(appraisal_points(&app.scheme)),
    })
}

fn appraisal_points(scheme: &Scheme) -> Cents {
    scheme
        .category(Category::Appraisal)
        .map_or(3000, |c| c.points.0)
}

/// The bureau's decision for a unit left without a counted answer.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// The unit.
    pub unit_id: i64,
    /// Points with at most two decimals, between 0 and the category's full points (`27.50`).
    pub points: String,
    /// Why (how the points were arrived at).
    pub reason: String,
}

/// Records (or revises) the appraisal of a unit that has no counted answer, once the survey is
/// closed (bureau coordinator); audited with the earlier decision, if any.
///
/// # Errors
/// [`AppError::Forbidden`] for other roles; [`AppError::Invalid`] for points outside the range,
/// a missing reason or a unit not appraised; [`AppError::Conflict`] `survey_open` while answers
/// are still taken, `appraisal_counted` when the unit has counted answers.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &DecisionInput,
    meta: &Meta,
) -> AppResult<UnitResult> {
    coordinator(actor)?;
    let now = app.now();
    let today = today(app);
    let max = appraisal_points(&app.scheme);
    let mut checks = Checks::default();
    let reason = checks.text("reason", "理由", &input.reason, 500);
    let points = parse_points(&input.points, max);
    if points.is_none() {
        checks.push(FieldError::new(
            "points",
            "points",
            format!("分数应为 0 至 {} 之间、最多两位小数的数", fmt_points(max)),
            format!(
                "points must be a number between 0 and {} with at most two decimals",
                fmt_points(max)
            ),
        ));
    }
    let w = app.begin_write().await?;
    let s = survey::Entity::find_by_id(id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !unit_ids_of(&s).contains(&input.unit_id) {
        checks.push(FieldError::new(
            "unit_id",
            "not_appraised",
            "该单位不在本次评议范围内",
            "this unit is not appraised in this survey",
        ));
    }
    checks.finish()?;
    let points = points.ok_or(AppError::NotFound)?;
    if !is_closed(&s, today) {
        return Err(AppError::Conflict {
            code: "survey_open",
            message: Msg::new(
                "评议尚未结束，结束后再对无评议单位作出认定",
                "The survey is still open; decide once it is closed",
            ),
        });
    }
    let counted = counts(&w.txn, id)
        .await?
        .get(&input.unit_id)
        .is_some_and(|c| c[0] + c[1] + c[2] > 0);
    if counted {
        return Err(AppError::Conflict {
            code: "appraisal_counted",
            message: Msg::new(
                "该单位已有计入统计的评议，得分按评议计算",
                "This unit has counted answers; its score comes from them",
            ),
        });
    }
    let before = survey_decision::Entity::find()
        .filter(survey_decision::Column::SurveyId.eq(id))
        .filter(survey_decision::Column::UnitId.eq(input.unit_id))
        .one(&w.txn)
        .await?;
    match &before {
        Some(d) => {
            survey_decision::Entity::update_many()
                .col_expr(survey_decision::Column::Points, Expr::value(points))
                .col_expr(survey_decision::Column::Reason, Expr::value(reason.clone()))
                .col_expr(
                    survey_decision::Column::DecidedBy,
                    Expr::value(actor.user_id),
                )
                .col_expr(survey_decision::Column::DecidedAt, Expr::value(now))
                .filter(survey_decision::Column::Id.eq(d.id))
                .exec(&w.txn)
                .await?;
        }
        None => {
            survey_decision::Entity::insert(survey_decision::ActiveModel {
                survey_id: Set(id),
                unit_id: Set(input.unit_id),
                points: Set(points),
                reason: Set(reason.clone()),
                decided_by: Set(actor.user_id),
                decided_at: Set(now),
                ..Default::default()
            })
            .exec(&w.txn)
            .await?;
        }
    }
    audit::append(
        &w.txn,
        now,
        &actor.into(),
        meta,
        Change {
            action: "survey.decide",
            object_type: "survey",
            object_id: id.to_string(),
            before: before.map(|d| {
                serde_json::json!({"unit_id": d.unit_id, "points": fmt_points(d.points), "reason": d.reason})
            }),
            after: Some(serde_json::json!({
                "unit_id": input.unit_id, "points": fmt_points(points), "reason": reason,
            })),
        },
    )
    .await?;
    w.commit().await?;
    results(app, actor, id)
        .await?
        .units
        .into_iter()
        .find(|u| u.unit_id == input.unit_id)
        .ok_or(AppError::NotFound)
}

/// A unit on the answer form, with the respondent's own answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormUnit {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its kind.
    pub unit_kind: String,
    /// The respondent's answer, if given.
    pub answer: Option<String>,
}

/// What a respondent sees through their link: the units and their own answers only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResponseForm {
    /// Survey title.
    pub title: String,
    /// `2026Q4`.
    pub quarter: String,
    /// First day of answers.
    pub opens_on: NaiveDate,
    /// Last day of answers.
    pub closes_on: NaiveDate,
    /// `open`, `not_yet` (before the first day) or `closed`.
    pub state: String,
    /// The respondent's name.
    pub name: String,
    /// Their group.
    pub group: String,
    /// When they last saved.
    pub answered_at: Option<DateTime<Utc>>,
    /// The units, each with the respondent's answer.
    pub units: Vec<FormUnit>,
}

async fn by_token<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> AppResult<(survey_respondent::Model, survey::Model)> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let r = survey_respondent::Entity::find()
        .filter(survey_respondent::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = survey::Entity::find_by_id(r.survey_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((r, s))
}

async fn form<C: ConnectionTrait>(
    db: &C,
    r: &survey_respondent::Model,
    s: &survey::Model,
    today: NaiveDate,
) -> AppResult<ResponseForm> {
    let mine: BTreeMap<i64, String> = survey_answer::Entity::find()
        .filter(survey_answer::Column::RespondentId.eq(r.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.unit_id, a.answer))
        .collect();
    let units: BTreeMap<i64, unit::Model> = unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let state = if is_closed(s, today) {
        "closed"
    } else if today < s.opens_on {
        "not_yet"
    } else {
        "open"
    };
    Ok(ResponseForm {
        title: s.title.clone(),
        quarter: s.quarter.clone(),
        opens_on: s.opens_on,
        closes_on: s.closes_on,
        state: state.to_owned(),
        name: r.name.clone(),
        group: r.grp.clone(),
        answered_at: r.answered_at,
        units: unit_ids_of(s)
            .into_iter()
            .map(|u| {
                let m = units.get(&u);
                FormUnit {
                    unit_id: u,
                    unit_name: m.map(|m| m.name.clone()).unwrap_or_default(),
                    unit_kind: m.map(|m| m.kind.clone()).unwrap_or_default(),
                    answer: mine.get(&u).cloned(),
                }
            })
            .collect(),
    })
}

/// The answer form behind a personal link (no login: the token is the credential).
///
/// # Errors
/// [`AppError::NotFound`] for an unknown token.
pub async fn response(app: &App, token: &str) -> AppResult<ResponseForm> {
    let (r, s) = by_token(&app.db.conn, token).await?;
    form(&app.db.conn, &r, &s, today(app)).await
}

/// One answer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UnitAnswer {
    /// The unit.
    pub unit_id: i64,
    /// `excellent`, `satisfied`, `dissatisfied` or `unknown`.
    pub answer: String,
}

/// A respondent's answers: one for every appraised unit.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AnswersInput {
    /// Every unit of the survey, once.
    pub answers: Vec<UnitAnswer>,
}

/// Saves a respondent's answers (replacing earlier ones) while the survey is open. Every unit
/// must be answered, once. The audit entry names the respondent by id only and holds no answer.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown token; [`AppError::Invalid`] naming each unit left
/// unanswered (`answers.{unit_id}`), answered twice or with an unknown answer, and each unit
/// not in the survey; [`AppError::Conflict`] `survey_closed` or `survey_not_open`.
pub async fn answer(
    app: &App,
    token: &str,
    input: &AnswersInput,
    meta: &Meta,
) -> AppResult<ResponseForm> {
    let now = app.now();
    let today = today(app);
    let w = app.begin_write().await?;
    let (r, s) = by_token(&w.txn, token).await?;
    if is_closed(&s, today) {
        return Err(survey_closed());
    }
    if today < s.opens_on {
        return Err(AppError::Conflict {
            code: "survey_not_open",
            message: Msg::new(
                format!("评议自 {} 开始", s.opens_on),
                format!("The survey opens on {}", s.opens_on),
            ),
        });
    }
    let units = unit_ids_of(&s);
    let names = crate::units::names(&w.txn).await?;
    let mut checks = Checks::default();
    let mut given: BTreeMap<i64, Answer> = BTreeMap::new();
    for a in &input.answers {
        let field = format!("answers.{}", a.unit_id);
        let name = names.get(&a.unit_id).cloned().unwrap_or_default();
        if !units.contains(&a.unit_id) {
            checks.push(FieldError::new(
                "answers",
                "unknown_unit",
                format!("单位 {} 不在本次评议范围内", a.unit_id),
                format!("unit {} is not appraised in this survey", a.unit_id),
            ));
            continue;
        }
        let Some(ans) = Answer::from_code(a.answer.trim()) else {
            checks.push(FieldError::new(
                &field,
                "answer",
                format!("{name}：请选择优秀、满意、不满意或不了解"),
                format!("{name}: choose excellent, satisfied, dissatisfied or unknown"),
            ));
            continue;
        };
        if given.insert(a.unit_id, ans).is_some() {
            checks.push(FieldError::new(
                &field,
                "duplicate",
                format!("{name}：每个单位只能评议一次"),
                format!("{name}: one answer per unit"),
            ));
        }
    }
    for u in &units {
        let answered = input.answers.iter().any(|a| a.unit_id == *u);
        if !answered {
            let name = names.get(u).cloned().unwrap_or_default();
            checks.push(FieldError::new(
                &format!("answers.{u}"),
                "required",
                format!("{name}：请选择一项评议"),
                format!("{name}: please choose an answer"),
            ));
        }
    }
    checks.finish()?;
    let before = survey_answer::Entity::delete_many()
        .filter(survey_answer::Column::RespondentId.eq(r.id))
        .exec(&w.txn)
        .await?
        .rows_affected;
    survey_answer::Entity::insert_many(given.iter().map(|(unit_id, ans)| {
        survey_answer::ActiveModel {
            survey_id: Set(s.id),
            respondent_id: Set(r.id),
            unit_id: Set(*unit_id),
            answer: Set(ans.code().to_owned()),
            answered_at: Set(now),
            ..Default::default()
        }
    }))
    .exec_without_returning(&w.txn)
    .await?;
    survey_respondent::Entity::update_many()
        .col_expr(survey_respondent::Column::AnsweredAt, Expr::value(now))
        .filter(survey_respondent::Column::Id.eq(r.id))
        .exec(&w.txn)
        .await?;
    audit::append(
        &w.txn,
        now,
        &ActorRef {
            id: None,
            name: format!("survey respondent #{}", r.id),
            role: "survey_respondent".into(),
            unit_id: None,
        },
        meta,
        Change {
            action: if before == 0 {
                "survey.answer"
            } else {
                "survey.answer_change"
            },
            object_type: "survey_respondent",
            object_id: r.id.to_string(),
            before: None,
            after: Some(serde_json::json!({"survey_id": s.id, "answers": given.len()})),
        },
    )
    .await?;
    let r = survey_respondent::Entity::find_by_id(r.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = form(&w.txn, &r, &s, today).await?;
    w.commit().await?;
    Ok(f)
}
