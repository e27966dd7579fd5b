//! 人员报备: the register of agents and helpers, a unit's filing history and printable filing
//! form (报备表), proposals and the bureau's decision, and handover records.

use super::labels::{self as l, pick};
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::handover::{self, HandoverView, Side};
use daiban_app::personnel::{
    self, DecisionInput, EvidenceView, FilingFilter, FilingInput, FilingView, HolderView,
    PersonRef, UnitRegister,
};
use daiban_domain::personnel::{AdjustmentRule, CONDITIONS};
use daiban_domain::role::Role;
use daiban_domain::staff::CadreCategory;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A filing with its labels.
pub struct FilingRow {
    /// The filing.
    pub f: FilingView,
    /// Kind label.
    pub kind: String,
    /// Status label.
    pub status: String,
    /// Cadre label.
    pub cadre: String,
    /// The broken rules, as text.
    pub violations: Vec<String>,
    /// When proposed, China time.
    pub proposed: String,
    /// When decided.
    pub decided: String,
}

fn filing_row(lang: &str, f: FilingView) -> FilingRow {
    FilingRow {
        kind: t(lang, &format!("personnel.kind_{}", f.kind)),
        status: t(lang, &format!("personnel.status_{}", f.status)),
        cadre: t(lang, &format!("cadre.{}", f.cadre)),
        violations: f
            .violations
            .iter()
            .map(|v| {
                AdjustmentRule::from_code(v).map_or_else(
                    || v.clone(),
                    |r| t(lang, &format!("personnel.rule_{}", r.code())),
                )
            })
            .collect(),
        proposed: l::dt(f.proposed_at),
        decided: l::odt(f.decided_at),
        f,
    }
}

/// A holder with labels.
pub struct HolderRow {
    /// The holder.
    pub h: HolderView,
    /// Cadre label.
    pub cadre: String,
}

fn holder_rows(lang: &str, list: Vec<HolderView>) -> Vec<HolderRow> {
    list.into_iter()
        .map(|h| HolderRow {
            cadre: t(lang, &format!("cadre.{}", h.cadre)),
            h,
        })
        .collect()
}

/// A unit on the register, with labels.
pub struct UnitRow {
    /// The unit.
    pub u: UnitRegister,
    /// Post label.
    pub post: String,
    /// Holders.
    pub holders: Vec<HolderRow>,
    /// Flags in the page's language.
    pub flags: Vec<String>,
}

fn unit_row(lang: &str, u: UnitRegister) -> UnitRow {
    UnitRow {
        post: t(lang, &format!("role.{}", u.post)),
        holders: holder_rows(lang, u.holders.clone()),
        flags: u.flags.iter().map(|f| pick(lang, &f.zh, &f.en)).collect(),
        u,
    }
}

#[derive(Template)]
#[template(path = "personnel.html")]
struct RegisterTpl {
    c: Chrome,
    units: Vec<UnitRow>,
    pending: Vec<FilingRow>,
    handovers: Vec<HandoverView>,
    flagged: usize,
}

/// GET /personnel — the register (the bureau: every unit; a unit's staff: their own).
pub async fn register(State(s): State<AppState>, user: PageUser) -> Response {
    let lang = user.lang;
    let r = async {
        let units = personnel::register(&s.app, &user.actor).await?;
        let pending = personnel::list(
            &s.app,
            &user.actor,
            &FilingFilter {
                status: Some("proposed".into()),
                unit_id: None,
            },
        )
        .await?;
        let handovers = handover::awaiting(&s.app.db.conn, &user.actor).await?;
        daiban_app::AppResult::Ok((units, pending, handovers))
    }
    .await;
    match r {
        Ok((units, pending, handovers)) => {
            let flagged = units.iter().filter(|u| !u.flags.is_empty()).count();
            let c = chrome(
                &user,
                "/personnel",
                "personnel.title",
                vec![(t(lang, "personnel.title"), None)],
            );
            render(&RegisterTpl {
                c,
                flagged,
                units: units.into_iter().map(|u| unit_row(lang, u)).collect(),
                pending: pending.into_iter().map(|f| filing_row(lang, f)).collect(),
                handovers,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

/// Evidence with labels.
pub struct EvidenceRow {
    /// The evidence.
    pub e: EvidenceView,
    /// Kind label.
    pub kind: String,
    /// Details in words.
    pub detail: String,
}

fn evidence_row(lang: &str, e: EvidenceView) -> EvidenceRow {
    let detail = match e.kind.as_str() {
        "adjustment_rule" => e
            .detail
            .split(',')
            .map(|r| t(lang, &format!("personnel.rule_{r}")))
            .collect::<Vec<_>>()
            .join("；"),
        "non_qualifying" => format!(
            "{} · {}",
            e.user_name,
            t(lang, &format!("cadre.{}", e.detail))
        ),
        _ => e.detail.clone(),
    };
    EvidenceRow {
        kind: t(lang, &format!("personnel.evidence_{}", e.kind)),
        detail,
        e,
    }
}

#[derive(Template)]
#[template(path = "personnel_unit.html")]
struct UnitTpl {
    c: Chrome,
    u: UnitRow,
    posts: Vec<HolderRow>,
    filings: Vec<FilingRow>,
    evidence: Vec<EvidenceRow>,
    may_propose: bool,
}

fn may_propose(user: &PageUser, unit_id: i64) -> bool {
    user.actor.is(Role::Coordinator)
        || (user.actor.is(Role::UnitLeader) && user.actor.unit_id == Some(unit_id))
}

/// GET /personnel/units/{id} — a unit's posts, history, filings and staffing evidence.
pub async fn unit(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let lang = user.lang;
    match personnel::unit_history(&s.app, &user.actor, id).await {
        Ok(h) => {
            let c = chrome(
                &user,
                "/personnel",
                "personnel.unit_title",
                vec![
                    (t(lang, "personnel.title"), Some("/personnel".into())),
                    (h.register.unit_name.clone(), None),
                ],
            );
            render(&UnitTpl {
                c,
                may_propose: may_propose(&user, id),
                u: unit_row(lang, h.register),
                posts: holder_rows(lang, h.posts),
                filings: h.filings.into_iter().map(|f| filing_row(lang, f)).collect(),
                evidence: h
                    .evidence
                    .into_iter()
                    .map(|e| evidence_row(lang, e))
                    .collect(),
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "personnel_print.html")]
struct PrintTpl {
    lang: &'static str,
    u: UnitRow,
    conditions: Vec<String>,
    printed: String,
}

impl PrintTpl {
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

/// GET /personnel/units/{id}/print — the filing form (项目代办帮办人员报备表) of a unit's current
/// holders, with the conditions attested, for signature and stamp.
pub async fn print(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let lang = user.lang;
    match personnel::unit_history(&s.app, &user.actor, id).await {
        Ok(h) => render(&PrintTpl {
            lang,
            u: unit_row(lang, h.register),
            conditions: CONDITIONS.iter().map(|c| pick(lang, c.1, c.2)).collect(),
            printed: l::dt(s.app.now()),
        }),
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "filing_new.html")]
struct NewTpl {
    c: Chrome,
    unit: UnitRow,
    candidates: Vec<PersonRef>,
    holders: Vec<PersonRef>,
    cadres: Vec<(&'static str, String)>,
    conditions: Vec<(&'static str, String)>,
    form: NewForm,
    errors: BTreeMap<String, String>,
}

impl NewTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    fn checked(&self, code: &str) -> bool {
        self.form.conditions.iter().any(|c| c == code)
    }
}

/// `?unit_id=`.
#[derive(Deserialize)]
pub struct UnitQuery {
    unit_id: Option<i64>,
}

/// The proposal form (`conditions` repeated).
#[derive(Default, Clone)]
pub struct NewForm {
    unit_id: i64,
    kind: String,
    candidate_id: i64,
    outgoing_id: i64,
    cadre: String,
    conditions: Vec<String>,
    appointed_on: String,
    work_change: bool,
    reason: String,
}

impl NewForm {
    fn of(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| super::problems::field(pairs, k);
        let id = |k: &str| get(k).parse().unwrap_or_default();
        Self {
            unit_id: id("unit_id"),
            kind: get("kind"),
            candidate_id: id("candidate_id"),
            outgoing_id: id("outgoing_id"),
            cadre: get("cadre"),
            conditions: pairs
                .iter()
                .filter(|(k, _)| k == "conditions")
                .map(|(_, v)| v.clone())
                .collect(),
            appointed_on: get("appointed_on"),
            work_change: !get("work_change").is_empty(),
            reason: get("reason"),
        }
    }
}

async fn new_page(
    s: &AppState,
    user: &PageUser,
    form: NewForm,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<NewTpl> {
    let lang = user.lang;
    let unit = personnel::register(&s.app, &user.actor)
        .await?
        .into_iter()
        .find(|u| u.unit_id == form.unit_id)
        .ok_or(daiban_app::AppError::NotFound)?;
    let (candidates, holders) = personnel::candidates(&s.app, &user.actor, unit.unit_id).await?;
    let c = chrome(
        user,
        "/personnel",
        "personnel.new_title",
        vec![
            (t(lang, "personnel.title"), Some("/personnel".into())),
            (
                unit.unit_name.clone(),
                Some(format!("/personnel/units/{}", unit.unit_id)),
            ),
            (t(lang, "personnel.new_title"), None),
        ],
    );
    Ok(NewTpl {
        c,
        unit: unit_row(lang, unit),
        candidates,
        holders,
        cadres: CadreCategory::ALL
            .iter()
            .map(|c| (c.code(), t(lang, &format!("cadre.{}", c.code()))))
            .collect(),
        conditions: CONDITIONS
            .iter()
            .map(|c| (c.0, pick(lang, c.1, c.2)))
            .collect(),
        form,
        errors,
    })
}

/// GET /personnel/filings/new?unit_id= — propose a selection or an adjustment.
pub async fn new(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<UnitQuery>,
) -> Response {
    let unit_id = q.unit_id.or(user.actor.unit_id).unwrap_or_default();
    if !may_propose(&user, unit_id) {
        return error_page(
            &daiban_app::error::forbidden(),
            user.lang,
            &user.meta.request_id,
        );
    }
    let form = NewForm {
        unit_id,
        kind: "selection".into(),
        ..NewForm::default()
    };
    match new_page(&s, &user, form, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /personnel/filings
pub async fn create(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &super::problems::field(&pairs, "_csrf")) {
        return r;
    }
    let f = NewForm::of(&pairs);
    let appointed_on = match f.appointed_on.trim() {
        "" => None,
        d => match d.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                let e = daiban_app::AppError::Invalid(vec![daiban_app::error::FieldError::new(
                    "appointed_on",
                    "invalid_date",
                    "日期格式应为 YYYY-MM-DD",
                    "the date must be YYYY-MM-DD",
                )]);
                return refused(&e, &user, |m| new_page(&s, &user, f, m)).await;
            }
        },
    };
    let input = FilingInput {
        kind: f.kind.clone(),
        unit_id: Some(f.unit_id),
        candidate_id: f.candidate_id,
        cadre: f.cadre.clone(),
        conditions: f.conditions.clone(),
        appointed_on,
        outgoing_id: (f.kind == "adjustment" && f.outgoing_id > 0).then_some(f.outgoing_id),
        work_change: f.work_change,
        reason: f.reason.clone(),
    };
    match personnel::propose(&s.app, &user.actor, &input, &user.meta).await {
        Ok(v) => see_other(&format!("/personnel/filings/{}?done=1", v.id)),
        Err(e) => refused(&e, &user, |m| new_page(&s, &user, f, m)).await,
    }
}

#[derive(Template)]
#[template(path = "filing.html")]
struct FilingTpl {
    c: Chrome,
    r: FilingRow,
    conditions: Vec<(String, bool)>,
    may_decide: bool,
    may_withdraw: bool,
    errors: BTreeMap<String, String>,
}

impl FilingTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// `?done=`.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn filing_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> daiban_app::AppResult<FilingTpl> {
    let lang = user.lang;
    let f = personnel::get(&s.app, &user.actor, id).await?;
    let pending = f.status == "proposed";
    let conditions = CONDITIONS
        .iter()
        .map(|c| (pick(lang, c.1, c.2), f.conditions.iter().any(|x| x == c.0)))
        .collect();
    let may_decide = pending && user.actor.is(Role::Coordinator);
    let may_withdraw = pending && may_propose(user, f.unit_id);
    let mut c = chrome(
        user,
        "/personnel",
        "personnel.filing_title",
        vec![
            (t(lang, "personnel.title"), Some("/personnel".into())),
            (
                f.unit_name.clone(),
                Some(format!("/personnel/units/{}", f.unit_id)),
            ),
            (
                format!("{} #{}", t(lang, "personnel.filing_title"), f.id),
                None,
            ),
        ],
    );
    c.flash = flash;
    Ok(FilingTpl {
        c,
        r: filing_row(lang, f),
        conditions,
        may_decide,
        may_withdraw,
        errors,
    })
}

/// GET /personnel/filings/{id} — the proposal, its rule checks, and the decision.
pub async fn filing(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Response {
    let flash = q.done.map(|_| t(user.lang, "common.saved"));
    match filing_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The decision or withdrawal form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// POST /personnel/filings/{id} — approve, reject or withdraw.
pub async fn decide(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let r = if f.decision == "withdraw" {
        personnel::withdraw(&s.app, &user.actor, id, f.version, &user.meta).await
    } else {
        personnel::decide(
            &s.app,
            &user.actor,
            id,
            &DecisionInput {
                approve: f.decision == "approve",
                note: f.note,
                version: f.version,
            },
            &user.meta,
        )
        .await
    };
    match r {
        Ok(v) => match v.handover_id {
            Some(h) => see_other(&format!("/personnel/handovers/{h}?done=1")),
            None => see_other(&format!("/personnel/filings/{id}?done=1")),
        },
        Err(e) => refused(&e, &user, |m| filing_page(&s, &user, id, m, None)).await,
    }
}

/// A handover entry with labels.
pub struct EntryRow {
    /// Kind label.
    pub kind: String,
    /// Link to the thing, if it has a page.
    pub href: Option<String>,
    /// Label.
    pub label: String,
}

#[derive(Template)]
#[template(path = "handover.html")]
struct HandoverTpl {
    c: Chrome,
    h: HandoverView,
    from_at: String,
    to_at: String,
    entries: Vec<EntryRow>,
    /// The side the user confirms, or a coordinator's sides to confirm on someone's behalf.
    sides: Vec<(&'static str, bool)>,
    errors: BTreeMap<String, String>,
}

impl HandoverTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

async fn handover_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> daiban_app::AppResult<HandoverTpl> {
    let lang = user.lang;
    let h = handover::get(&s.app.db.conn, &user.actor, id).await?;
    let entries = h
        .entries
        .iter()
        .map(|e| EntryRow {
            kind: t(lang, &format!("personnel.work_{}", e.kind)),
            href: match e.kind.as_str() {
                "case_item_agent" | "case_item_helper" => Some(format!("/cases/{}", e.ref_id)),
                "problem" => Some(format!("/problems/{}", e.ref_id)),
                "project_bureau_helper" => Some(format!("/projects/{}", e.ref_id)),
                _ => e.project_id.map(|p| format!("/projects/{p}")),
            },
            label: e.label.clone(),
        })
        .collect();
    let mut sides = Vec::new();
    if h.status == "open" {
        for (side, person, done) in [
            ("from", h.from_user_id, h.from_confirmed_at.is_some()),
            ("to", h.to_user_id, h.to_confirmed_at.is_some()),
        ] {
            if done {
                continue;
            }
            if user.actor.user_id == person {
                sides.push((side, false));
            } else if user.actor.is(Role::Coordinator) {
                sides.push((side, true));
            }
        }
    }
    let mut c = chrome(
        user,
        "/personnel",
        "personnel.handover_title",
        vec![
            (t(lang, "personnel.title"), Some("/personnel".into())),
            (
                h.unit_name.clone(),
                Some(format!("/personnel/units/{}", h.unit_id)),
            ),
            (t(lang, "personnel.handover_title"), None),
        ],
    );
    c.flash = flash;
    Ok(HandoverTpl {
        c,
        from_at: l::odt(h.from_confirmed_at),
        to_at: l::odt(h.to_confirmed_at),
        h,
        entries,
        sides,
        errors,
    })
}

/// GET /personnel/handovers/{id} — what moved, and the confirmations.
pub async fn handover_show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Response {
    let flash = q.done.map(|_| t(user.lang, "common.saved"));
    match handover_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    side: String,
    #[serde(default)]
    note: String,
}

/// POST /personnel/handovers/{id}
pub async fn confirm(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let side = if f.side == "from" {
        Side::From
    } else {
        Side::To
    };
    match handover::confirm(
        &s.app,
        &user.actor,
        id,
        side,
        &f.note,
        f.version,
        &user.meta,
    )
    .await
    {
        Ok(_) => see_other(&format!("/personnel/handovers/{id}?done=1")),
        Err(e) => refused(&e, &user, |m| handover_page(&s, &user, id, m, None)).await,
    }
}
