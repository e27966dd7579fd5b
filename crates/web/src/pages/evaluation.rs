//! 考评: the quarter's result with each unit's scorecard (every point lost links to its findings
//! and their evidence), the bureau's review of findings, detection and publication, the
//! year-end ranking, and the public notice (通报) of published quarters, without login.

use super::labels::{self as l, pick};
use super::login::PreLang;
use super::{Chrome, check_csrf, chrome, error_page, refused, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use daiban_app::evaluation::{self, Publication, QuarterResult, UnitResult, YearLine};
use daiban_app::findings::{self, FindingDecision, FindingFilter, FindingView, RecordInput};
use daiban_app::surveys;
use daiban_app::{AppError, AppResult};
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::{Category, Quarter, Scheme, fmt_points};
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The quarter shown by default: the last one that is over.
fn default_quarter(s: &AppState) -> Quarter {
    Quarter::of(s.app.now().with_timezone(&CHINA).date_naive()).prev()
}

fn recent_quarters(s: &AppState) -> Vec<String> {
    let now = Quarter::of(s.app.now().with_timezone(&CHINA).date_naive());
    std::iter::successors(Some(now), |q| Some(q.prev()))
        .take(6)
        .map(|q| q.to_string())
        .collect()
}

fn cat_name(scheme: &Scheme, lang: &str, c: Category) -> String {
    scheme.category(c).map_or_else(
        || c.code().to_owned(),
        |x| pick(lang, &x.name_zh, &x.name_en),
    )
}

fn rule_name(scheme: &Scheme, lang: &str, code: &str) -> String {
    scheme.rule(code).map_or_else(
        || code.to_owned(),
        |(_, r)| pick(lang, &r.name_zh, &r.name_en),
    )
}

/// A unit's line with printable cells.
pub struct Line {
    /// The result.
    pub u: UnitResult,
    /// Category cells, in order (— without an appraisal).
    pub cells: Vec<String>,
    /// Total.
    pub total: String,
}

fn line(u: UnitResult) -> Line {
    Line {
        cells: Category::ALL
            .iter()
            .map(|c| {
                u.categories
                    .get(c)
                    .copied()
                    .flatten()
                    .map_or_else(|| "—".to_owned(), fmt_points)
            })
            .collect(),
        total: fmt_points(u.total),
        u,
    }
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct OverviewTpl {
    c: Chrome,
    quarter: String,
    year: i32,
    quarters: Vec<String>,
    heads: Vec<String>,
    lines: Vec<Line>,
    scheme: String,
    coordinator: bool,
    pending: usize,
    unresolved: Vec<String>,
    publications: Vec<Publication>,
    errors: BTreeMap<String, String>,
}

impl OverviewTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// `?quarter=`, `?done=`.
#[derive(Deserialize, Default)]
pub struct QuarterQuery {
    quarter: Option<String>,
    done: Option<String>,
    state: Option<String>,
    rev: Option<i32>,
}

async fn overview_page(
    s: &AppState,
    user: &PageUser,
    q: Quarter,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<OverviewTpl> {
    let lang = user.lang;
    let r: QuarterResult = evaluation::for_actor(&s.app, &user.actor, q).await?;
    let db = &s.app.db.conn;
    let coordinator = user.actor.is(Role::Coordinator);
    let pending = if coordinator {
        findings::list(
            db,
            &user.actor,
            &FindingFilter {
                quarter: Some(q.to_string()),
                state: Some("proposed".into()),
                ..FindingFilter::default()
            },
        )
        .await?
        .len()
    } else {
        0
    };
    let names = daiban_app::units::names(db).await?;
    let unresolved = if coordinator {
        evaluation::unresolved_appraisals(db, &s.app.scheme, q)
            .await?
            .into_iter()
            .filter_map(|u| names.get(&u).cloned())
            .collect()
    } else {
        Vec::new()
    };
    let mut c = chrome(
        user,
        "/evaluation",
        "evaluation.title",
        vec![(t(lang, "evaluation.title"), None)],
    );
    c.flash = flash;
    Ok(OverviewTpl {
        heads: Category::ALL
            .iter()
            .map(|x| cat_name(&s.app.scheme, lang, *x))
            .collect(),
        scheme: r.scheme.clone(),
        lines: r.units.into_iter().map(line).collect(),
        quarter: q.to_string(),
        year: q.year,
        quarters: recent_quarters(s),
        coordinator,
        pending,
        unresolved,
        publications: evaluation::publications(db, q).await?,
        errors,
        c,
    })
}

fn quarter_of(s: &AppState, q: Option<&str>) -> AppResult<Quarter> {
    match q.filter(|q| !q.is_empty()) {
        Some(q) => findings::parse_quarter(q),
        None => Ok(default_quarter(s)),
    }
}

/// GET /evaluation?quarter=2026Q3
pub async fn overview(
    State(s): State<AppState>,
    user: PageUser,
    Query(qq): Query<QuarterQuery>,
) -> Response {
    let flash = qq.done.as_ref().map(|_| t(user.lang, "common.saved"));
    let r = async {
        let q = quarter_of(&s, qq.quarter.as_deref())?;
        overview_page(&s, &user, q, BTreeMap::new(), flash).await
    }
    .await;
    match r {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The detect and publish forms.
#[derive(Deserialize)]
pub struct QuarterForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// POST /evaluation/{quarter}/detect
pub async fn detect(
    State(s): State<AppState>,
    user: PageUser,
    Path(quarter): Path<String>,
    Form(f): Form<QuarterForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        evaluation::detect_now(&s.app, &user.actor, q, &user.meta).await?;
        AppResult::Ok(q)
    }
    .await;
    match r {
        Ok(q) => see_other(&format!("/findings?quarter={q}&state=proposed")),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /evaluation/{quarter}/publish
pub async fn publish(
    State(s): State<AppState>,
    user: PageUser,
    Path(quarter): Path<String>,
    Form(f): Form<QuarterForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let q = match findings::parse_quarter(&quarter) {
        Ok(q) => q,
        Err(e) => return error_page(&e, user.lang, &user.meta.request_id),
    };
    match evaluation::publish(&s.app, &user.actor, q, &f.reason, &user.meta).await {
        Ok(_) => see_other(&format!("/evaluation?quarter={q}&done=publish")),
        Err(e) => refused(&e, &user, |m| overview_page(&s, &user, q, m, None)).await,
    }
}

/// GET /evaluation/{quarter}/export.{csv,xlsx}
pub async fn export(
    State(s): State<AppState>,
    user: PageUser,
    Path((quarter, ext)): Path<(String, String)>,
) -> Response {
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        let r = evaluation::for_actor(&s.app, &user.actor, q).await?;
        let name = format!("evaluation-{q}.{ext}");
        let disposition = format!("attachment; filename=\"{name}\"");
        Ok(match ext.as_str() {
            "csv" => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                evaluation::to_csv(&r),
            )
                .into_response(),
            "xlsx" => (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                evaluation::to_xlsx(&r)?,
            )
                .into_response(),
            _ => return Err(AppError::NotFound),
        })
    }
    .await;
    r.unwrap_or_else(|e| error_page(&e, user.lang, &user.meta.request_id))
}

/// A finding with its labels.
pub struct FindingRow {
    /// The finding.
    pub f: FindingView,
    /// Category name.
    pub category: String,
    /// Rule wording.
    pub rule: String,
    /// State label.
    pub state: String,
    /// Link to the evidence, if it has a page.
    pub href: Option<String>,
}

fn finding_row(scheme: &Scheme, lang: &str, f: FindingView) -> FindingRow {
    let href = match (f.evidence_kind.as_str(), f.evidence_id) {
        ("complaint", Some(id)) => Some(format!("/complaints/{id}")),
        // The label starts with the report's month (YYYY-MM).
        ("monthly_report", _) => f
            .evidence_label
            .split_whitespace()
            .next()
            .map(|m| format!("/monthly-reports/{}/{m}", f.unit_id)),
        ("staffing_evidence", _) => Some(format!("/personnel/units/{}", f.unit_id)),
        _ => f.project_id.map(|p| format!("/projects/{p}")),
    };
    FindingRow {
        category: Category::from_code(&f.category)
            .map_or_else(|| f.category.clone(), |c| cat_name(scheme, lang, c)),
        rule: rule_name(scheme, lang, &f.rule),
        state: t(lang, &format!("evaluation.state_{}", f.state)),
        href,
        f,
    }
}

/// One category of a scorecard.
pub struct CardCategory {
    /// Name.
    pub name: String,
    /// Full points.
    pub full: String,
    /// Score.
    pub score: String,
    /// How it is scored.
    pub basis: String,
    /// The confirmed findings counted.
    pub findings: Vec<FindingRow>,
    /// The democratic appraisal (its evidence is the survey, not findings).
    pub is_appraisal: bool,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct CardTpl {
    c: Chrome,
    quarter: String,
    l: Line,
    categories: Vec<CardCategory>,
    others: Vec<FindingRow>,
    appraisal: CardAppraisal,
}

/// The evidence behind the appraisal points: the survey's counts, or the bureau's decision.
enum CardAppraisal {
    /// No survey for the quarter.
    None,
    /// The survey is open and the caller is the unit's own staff.
    Pending,
    /// The unit's counts (and decision) in the survey, linked.
    Result(i64, Box<daiban_app::surveys::UnitResult>),
}

/// The scorecard's appraisal evidence as `user` may see it (the survey's own scope decides).
async fn card_appraisal(s: &AppState, user: &PageUser, q: Quarter, unit_id: i64) -> CardAppraisal {
    let Ok(list) = surveys::list(&s.app, &user.actor).await else {
        return CardAppraisal::None;
    };
    let quarter = q.to_string();
    let Some(sv) = list.into_iter().find(|v| v.quarter == quarter) else {
        // A unit's staff are listed only closed surveys.
        return match surveys::is_open_for(&s.app, q).await {
            Ok(true) => CardAppraisal::Pending,
            _ => CardAppraisal::None,
        };
    };
    match surveys::results(&s.app, &user.actor, sv.id).await {
        Ok(r) => r
            .units
            .into_iter()
            .find(|u| u.unit_id == unit_id)
            .map_or(CardAppraisal::None, |u| {
                CardAppraisal::Result(sv.id, Box::new(u))
            }),
        Err(AppError::Forbidden(_)) => CardAppraisal::Pending,
        Err(_) => CardAppraisal::None,
    }
}

/// GET /evaluation/{quarter}/units/{id} — a unit's scorecard.
pub async fn scorecard(
    State(s): State<AppState>,
    user: PageUser,
    Path((quarter, unit_id)): Path<(String, i64)>,
) -> Response {
    let lang = user.lang;
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        let r = evaluation::for_actor(&s.app, &user.actor, q).await?;
        let u = r
            .units
            .into_iter()
            .find(|u| u.unit_id == unit_id)
            .ok_or(AppError::NotFound)?;
        let all = findings::list(
            &s.app.db.conn,
            &user.actor,
            &FindingFilter {
                quarter: Some(q.to_string()),
                unit_id: Some(unit_id),
                ..FindingFilter::default()
            },
        )
        .await?;
        let scheme = s.app.scheme.clone();
        let (confirmed, others): (Vec<FindingView>, Vec<FindingView>) =
            all.into_iter().partition(|f| f.state == "confirmed");
        let categories = scheme
            .categories
            .iter()
            .map(|c| CardCategory {
                name: pick(lang, &c.name_zh, &c.name_en),
                full: fmt_points(c.points.0),
                score: u
                    .categories
                    .get(&c.code)
                    .copied()
                    .flatten()
                    .map_or_else(|| t(lang, "evaluation.no_appraisal"), fmt_points),
                basis: pick(lang, &c.basis_zh, &c.basis_en),
                is_appraisal: c.code == Category::Appraisal,
                findings: confirmed
                    .iter()
                    .filter(|f| f.category == c.code.code())
                    .cloned()
                    .map(|f| finding_row(&scheme, lang, f))
                    .collect(),
            })
            .collect();
        let c = chrome(
            &user,
            "/evaluation",
            "evaluation.scorecard",
            vec![
                (
                    t(lang, "evaluation.title"),
                    Some(format!("/evaluation?quarter={q}")),
                ),
                (format!("{} · {q}", u.unit_name), None),
            ],
        );
        let appraisal = card_appraisal(&s, &user, q, unit_id).await;
        AppResult::Ok(CardTpl {
            c,
            appraisal,
            quarter: q.to_string(),
            l: line(u),
            categories,
            others: others
                .into_iter()
                .map(|f| finding_row(&scheme, lang, f))
                .collect(),
        })
    }
    .await;
    match r {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsTpl {
    c: Chrome,
    quarter: String,
    state: String,
    rows: Vec<FindingRow>,
    coordinator: bool,
    units: Vec<(i64, String)>,
    rules: Vec<(String, String)>,
    today: String,
    errors: BTreeMap<String, String>,
}

impl FindingsTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

async fn findings_page(
    s: &AppState,
    user: &PageUser,
    q: Quarter,
    state: String,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<FindingsTpl> {
    let lang = user.lang;
    let db = &s.app.db.conn;
    let list = findings::list(
        db,
        &user.actor,
        &FindingFilter {
            quarter: Some(q.to_string()),
            state: Some(state.clone()).filter(|s| !s.is_empty()),
            ..FindingFilter::default()
        },
    )
    .await?;
    let scheme = s.app.scheme.clone();
    let units = daiban_app::units::list(db, &user.actor, &daiban_app::units::UnitFilter::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| evaluation::evaluated(&u.kind))
        .map(|u| (u.id, u.name))
        .collect();
    let rules = scheme
        .categories
        .iter()
        .flat_map(|c| c.rules.iter())
        .filter(|r| r.source == "recorded")
        .map(|r| (r.code.clone(), pick(lang, &r.name_zh, &r.name_en)))
        .collect();
    let mut c = chrome(
        user,
        "/evaluation",
        "evaluation.findings",
        vec![
            (
                t(lang, "evaluation.title"),
                Some(format!("/evaluation?quarter={q}")),
            ),
            (t(lang, "evaluation.findings"), None),
        ],
    );
    c.flash = flash;
    Ok(FindingsTpl {
        c,
        quarter: q.to_string(),
        state,
        rows: list
            .into_iter()
            .map(|f| finding_row(&scheme, lang, f))
            .collect(),
        coordinator: user.actor.is(Role::Coordinator),
        units,
        rules,
        today: s.app.now().with_timezone(&CHINA).date_naive().to_string(),
        errors,
    })
}

/// GET /findings?quarter=&state=
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(qq): Query<QuarterQuery>,
) -> Response {
    let flash = qq.done.as_ref().map(|_| t(user.lang, "common.saved"));
    let r = async {
        let q = quarter_of(&s, qq.quarter.as_deref())?;
        findings_page(
            &s,
            &user,
            q,
            qq.state.unwrap_or_default(),
            BTreeMap::new(),
            flash,
        )
        .await
    }
    .await;
    match r {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The record form.
#[derive(Deserialize)]
pub struct RecordForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    note: String,
}

/// POST /findings — the bureau records a finding.
pub async fn record(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<RecordForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let r = async {
        let day = f.occurred_on.trim().parse().map_err(|_| {
            AppError::Invalid(vec![daiban_app::error::FieldError::new(
                "occurred_on",
                "invalid_date",
                "请填写发生日期（YYYY-MM-DD）",
                "enter the date (YYYY-MM-DD)",
            )])
        })?;
        findings::record(
            &s.app,
            &user.actor,
            &RecordInput {
                unit_id: f.unit_id,
                rule: f.rule.clone(),
                occurred_on: day,
                note: f.note.clone(),
                project_id: None,
            },
            &user.meta,
        )
        .await
    }
    .await;
    match r {
        Ok(v) => see_other(&format!(
            "/findings?quarter={}&state=proposed&done=1",
            v.quarter
        )),
        Err(e) => {
            let q = default_quarter(&s);
            refused(&e, &user, |m| {
                findings_page(&s, &user, q, "proposed".into(), m, None)
            })
            .await
        }
    }
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    state: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    quarter: String,
}

/// POST /findings/{id} — confirm or dismiss.
pub async fn decide(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let d = FindingDecision {
        state: f.state.clone(),
        reason: f.reason.clone(),
        version: f.version,
    };
    match findings::decide(&s.app, &user.actor, id, &d, &user.meta).await {
        Ok(v) => see_other(&format!(
            "/findings?quarter={}&state=proposed&done=1",
            v.quarter
        )),
        Err(e) => {
            let q = findings::parse_quarter(&f.quarter).unwrap_or_else(|_| default_quarter(&s));
            refused(&e, &user, |m| {
                findings_page(&s, &user, q, "proposed".into(), m, None)
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "evaluation_year.html")]
struct YearTpl {
    c: Chrome,
    year: i32,
    lines: Vec<(YearLine, Vec<String>, String)>,
}

/// GET /evaluation/year/{year} — the year-end composite ranking from the published quarters.
pub async fn year(State(s): State<AppState>, user: PageUser, Path(year): Path<i32>) -> Response {
    let lang = user.lang;
    if !matches!(user.actor.role, Role::Coordinator | Role::CityLeader) {
        return error_page(&daiban_app::error::forbidden(), lang, &user.meta.request_id);
    }
    match evaluation::year_ranking(&s.app.db.conn, year).await {
        Ok(v) => {
            let c = chrome(
                &user,
                "/evaluation",
                "evaluation.year",
                vec![
                    (t(lang, "evaluation.title"), Some("/evaluation".into())),
                    (format!("{year}"), None),
                ],
            );
            render(&YearTpl {
                c,
                year,
                lines: v
                    .into_iter()
                    .map(|l| {
                        let qs = l
                            .quarters
                            .iter()
                            .map(|q| q.map_or_else(|| "—".to_owned(), fmt_points))
                            .collect();
                        let mean = fmt_points(l.mean);
                        (l, qs, mean)
                    })
                    .collect(),
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "public_evaluation.html")]
struct PublicTpl {
    lang: &'static str,
    quarters: Vec<String>,
    shown: Option<Publication>,
    revisions: Vec<(i32, String, String)>,
    heads: Vec<String>,
    lines: Vec<(String, Vec<String>, String, u32)>,
    published_at: String,
    findings: Vec<(String, String, String, String)>,
}

impl PublicTpl {
    fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }
    fn html_lang(&self) -> &'static str {
        if self.lang == crate::i18n::EN {
            "en"
        } else {
            "zh-CN"
        }
    }
}

/// GET /public/evaluation and /public/evaluation/{quarter}?rev= — the published results
/// (通报), without login; every revision stays visible.
pub async fn public(
    State(s): State<AppState>,
    PreLang(lang): PreLang,
    quarter: Option<Path<String>>,
    Query(qq): Query<QuarterQuery>,
) -> Response {
    let r = async {
        let db = &s.app.db.conn;
        let quarters: Vec<String> = evaluation::published_quarters(db)
            .await?
            .into_iter()
            .map(|q| q.to_string())
            .collect();
        let q = match quarter {
            Some(Path(q)) => Some(findings::parse_quarter(&q)?),
            None => quarters.first().and_then(|q| q.parse().ok()),
        };
        let pubs = match q {
            Some(q) => evaluation::publications(db, q).await?,
            None => Vec::new(),
        };
        if q.is_some() && pubs.is_empty() {
            return Err(AppError::NotFound);
        }
        let revisions = pubs
            .iter()
            .map(|p| (p.revision, l::dt(p.published_at), p.reason.clone()))
            .collect();
        let shown = match qq.rev {
            Some(r) => Some(
                pubs.into_iter()
                    .find(|p| p.revision == r)
                    .ok_or(AppError::NotFound)?,
            ),
            None => pubs.into_iter().next(),
        };
        let scheme = s.app.scheme.clone();
        let names: BTreeMap<i64, String> = shown
            .as_ref()
            .map(|p| {
                p.result
                    .units
                    .iter()
                    .map(|u| (u.unit_id, u.unit_name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let lines = shown
            .as_ref()
            .map(|p| {
                p.result
                    .units
                    .iter()
                    .map(|u| {
                        let cells = Category::ALL
                            .iter()
                            .map(|c| {
                                u.categories
                                    .get(c.code())
                                    .copied()
                                    .flatten()
                                    .map_or_else(|| "—".to_owned(), fmt_points)
                            })
                            .collect();
                        (u.unit_name.clone(), cells, fmt_points(u.total), u.rank)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let findings = shown
            .as_ref()
            .map(|p| {
                p.result
                    .findings
                    .iter()
                    .map(|f| {
                        (
                            names.get(&f.unit_id).cloned().unwrap_or_default(),
                            rule_name(&scheme, lang, &f.rule),
                            format!("−{}", fmt_points(f.points)),
                            f.occurred_on.to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        AppResult::Ok(PublicTpl {
            lang,
            quarters,
            published_at: shown
                .as_ref()
                .map(|p| l::dt(p.published_at))
                .unwrap_or_default(),
            heads: Category::ALL
                .iter()
                .map(|c| cat_name(&scheme, lang, *c))
                .collect(),
            shown,
            revisions,
            lines,
            findings,
        })
    }
    .await;
    match r {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, lang, "public"),
    }
}
