//! 办件: the case-item page (fields, step clock, the actions the user may take now, materials and
//! their custody, one-time notices, history), its posts, and the printable 一次性告知书.

use super::labels::{self as l, pick};
use super::projects::{CaseRow, DoneQuery, EventRow, case_row, done_flash, event_rows};
use super::{Chrome, check_csrf, chrome, error_page, form_errors, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::cases::{self, ActInput, Demand, MaterialView, NoticeView};
use daiban_app::catalog::{CatalogItemView, MaterialSpec};
use daiban_app::materials::{self, MoveInput};
use daiban_app::ratings::{self, RateInput, RatingView};
use daiban_app::units::{self, UnitFilter};
use daiban_app::uploads::{self, UploadView};
use daiban_app::{AppError, AppResult, FieldError, projects};
use daiban_domain::case_item::CaseAction;
use daiban_domain::clock::SuspensionReason;
use daiban_domain::custody::{CustodyEvent, CustodyState, apply_custody};
use daiban_domain::rating::Rating;
use daiban_domain::role::Role;
use std::collections::BTreeMap;

/// One action the user may take now, with the inputs it needs.
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per input an action form shows"
)]
pub struct ActionForm {
    /// Action code.
    pub code: &'static str,
    /// Label.
    pub label: String,
    /// A reason is required.
    pub reason: bool,
    /// Materials received with this step.
    pub materials: bool,
    /// One-time notice demands.
    pub demands: bool,
    /// Suspension reason.
    pub suspension: bool,
    /// Extension days and approver.
    pub extension: bool,
    /// A destructive action (styled as such).
    pub danger: bool,
}

/// A material with the custody moves possible now.
pub struct MaterialRow {
    /// The material.
    pub m: MaterialView,
    /// State label.
    pub state: String,
    /// Possible moves: code and label.
    pub moves: Vec<(&'static str, String)>,
}

/// The clock of the current step, as text.
pub struct ClockRow {
    /// Which step.
    pub step: String,
    /// Due at (China time).
    pub due: String,
    /// Working days left (negative once overdue).
    pub remaining: i64,
    /// Overdue.
    pub overdue: bool,
    /// Working days suspended.
    pub suspended_days: i64,
    /// Paused now.
    pub suspended: bool,
    /// Computed past the published calendar.
    pub provisional: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CaseTpl {
    c: Chrome,
    x: CaseRow,
    clock: Option<ClockRow>,
    actions: Vec<ActionForm>,
    item: CatalogItemView,
    materials: Vec<MaterialRow>,
    notices: Vec<NoticeView>,
    events: Vec<EventRow>,
    departments: Vec<(i64, String)>,
    suspensions: Vec<(String, String)>,
    uploads: Vec<UploadView>,
    can_upload: bool,
    ratings: Vec<RatingRow>,
    /// The enterprise may rate now (a concluded item not yet rated, or a re-rating due).
    can_rate: bool,
    rating_options: Vec<(&'static str, String)>,
    errors: BTreeMap<String, String>,
    now_local: String,
    lang: &'static str,
}

impl CaseTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    fn format(&self, m: &MaterialSpec) -> String {
        pick(self.lang, m.format.label_zh(), m.format.label_en())
    }
    fn steps(&self) -> Vec<(String, String)> {
        let v = &self.x.c;
        [
            ("case.requested_at", Some(v.requested_at)),
            ("case.accepted_at", v.accepted_at),
            ("case.materials_complete_at", v.materials_complete_at),
            ("case.submit_due_at", v.submit_due_at),
            ("case.submitted_at", v.submitted_at),
            ("case.review_started_at", v.review_started_at),
            ("case.due_at", v.due_at),
            ("case.reported_up_at", v.reported_up_at),
            ("case.concluded_at", v.concluded_at),
        ]
        .into_iter()
        .map(|(k, at)| (self.c.t(k), l::odt(at)))
        .collect()
    }
    #[expect(clippy::unused_self, reason = "called from the template as a method")]
    fn when(&self, u: &UploadView) -> String {
        l::dt(u.uploaded_at)
    }
    #[expect(clippy::unused_self, reason = "called from the template as a method")]
    fn kib(&self, u: &UploadView) -> String {
        format!(
            "{:.1} KB",
            f64::from(u32::try_from(u.size_bytes).unwrap_or(u32::MAX)) / 1024.0
        )
    }
    fn material_name(&self, code: &str) -> String {
        self.item
            .material(code)
            .map_or_else(|| code.to_owned(), |m| m.name.clone())
    }
}

fn action_form(lang: &str, a: CaseAction) -> ActionForm {
    ActionForm {
        code: a.code(),
        label: l::action(lang, a),
        reason: a.requires_reason(),
        materials: matches!(
            a,
            CaseAction::Accept | CaseAction::MaterialsComplete | CaseAction::NoticeMissing
        ),
        demands: a == CaseAction::NoticeMissing,
        suspension: a == CaseAction::Suspend,
        extension: a == CaseAction::Extend,
        danger: matches!(
            a,
            CaseAction::Reject | CaseAction::Withdraw | CaseAction::DeclareNotAcceptable
        ),
    }
}

async fn case_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<CaseTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let now = s.app.now();
    let view = cases::get(db, a, id).await?;
    let clock = cases::clock_of(db, a, id, &s.app.calendar(), now)
        .await?
        .map(|(step, st)| ClockRow {
            step: t(lang, &format!("clock.step_{}", step.code())),
            due: st.due_at.format("%Y-%m-%d %H:%M").to_string(),
            remaining: st.remaining_days,
            overdue: st.remaining_days < 0,
            suspended_days: st.suspended_days,
            suspended: st.suspended,
            provisional: st.provisional,
        });
    let actions = cases::available_actions(db, a, id)
        .await?
        .into_iter()
        .map(|x| action_form(lang, x))
        .collect();
    let item = cases::catalog_revision(db, a, id).await?;
    let materials = cases::materials(db, a, id)
        .await?
        .into_iter()
        .map(|m| {
            let from = CustodyState::from_code(&m.state);
            let moves = CustodyEvent::ALL
                .into_iter()
                .filter(|e| from.is_some_and(|f| apply_custody(f, *e).is_ok()))
                .map(|e| (e.code(), l::custody_event(lang, e)))
                .collect();
            MaterialRow {
                state: l::custody(lang, &m.state),
                moves,
                m,
            }
        })
        .collect();
    let notices = cases::notices(db, a, id).await?;
    let uploads = uploads::list(db, a, id).await?;
    let ratings: Vec<RatingRow> = ratings::of_case(db, a, id)
        .await?
        .into_iter()
        .map(|r| RatingRow {
            label: Rating::from_code(&r.rating).map_or_else(
                || r.rating.clone(),
                |x| {
                    format!(
                        "{} {}",
                        "★".repeat(usize::from(x.stars())),
                        pick(lang, x.label_zh(), x.label_en())
                    )
                },
            ),
            r,
        })
        .collect();
    let concluded = matches!(
        daiban_domain::case_item::CaseState::from_code(&view.state),
        Some(s) if s.is_terminal()
    );
    let rerate_due = ratings::rectifications(db, a, now)
        .await
        .unwrap_or_default()
        .iter()
        .any(|r| r.case_item_id == id && r.status == "visited");
    let can_rate = a.role == Role::Enterprise && concluded && (ratings.is_empty() || rerate_due);
    let rating_options = Rating::ALL
        .into_iter()
        .map(|x| {
            (
                x.code(),
                format!(
                    "{} {}",
                    "★".repeat(usize::from(x.stars())),
                    pick(lang, x.label_zh(), x.label_en())
                ),
            )
        })
        .collect();
    // The form shows for the roles that may upload; the app checks the project itself.
    let can_upload = matches!(a.role, Role::Enterprise | Role::Agent | Role::Coordinator)
        || (a.role == Role::Helper && a.unit_kind == Some(daiban_domain::unit::UnitKind::Bureau));
    let events: Vec<_> = projects::events(db, a, view.project_id)
        .await?
        .into_iter()
        .filter(|e| e.case_item_id == Some(id))
        .collect();
    let departments = units::list(db, a, &UnitFilter::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut c = chrome(
        user,
        "/projects",
        "case.title",
        vec![
            (t(lang, "projects.title"), Some("/projects".into())),
            (
                view.project_name.clone(),
                Some(format!("/projects/{}", view.project_id)),
            ),
            (view.item_name.clone(), None),
        ],
    );
    c.title.clone_from(&view.item_name);
    c.flash = flash;
    let x = case_row(lang, view);
    Ok(CaseTpl {
        events: event_rows(lang, events, std::slice::from_ref(&x)),
        x,
        clock,
        actions,
        item,
        materials,
        notices,
        departments,
        suspensions: SuspensionReason::ALL
            .into_iter()
            .map(|r| (r.code().to_owned(), l::suspension(lang, r)))
            .collect(),
        uploads,
        can_upload,
        ratings,
        can_rate,
        rating_options,
        errors,
        now_local: now
            .with_timezone(&daiban_domain::clock::CHINA)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        lang,
        c,
    })
}

/// GET /cases/{id}
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    match case_page(&s, &user, id, BTreeMap::new(), done_flash(user.lang, &q)).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

async fn rerender(s: &AppState, user: &PageUser, id: i64, e: &AppError) -> Response {
    let Some((m, status)) = form_errors(e, user.lang) else {
        return error_page(e, user.lang, &user.meta.request_id);
    };
    match case_page(s, user, id, m, None).await {
        Ok(tpl) => {
            let mut r = render(&tpl);
            *r.status_mut() = status;
            r
        }
        Err(e2) => error_page(&e2, user.lang, &user.meta.request_id),
    }
}

fn invalid(field: &str, zh: &str, en: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, "format", zh, en)])
}

/// Reads an action form: repeated `materials` and `demand` keys, `problem_{code}` and
/// `dnote_{code}` per demanded material.
fn act_input(pairs: &[(String, String)]) -> Result<ActInput, AppError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let occurred_at = l::parse_local(&get("occurred_at"))
        .map_err(|()| invalid("occurred_at", "发生时间格式无效", "the time is not valid"))?;
    let extension_days = match get("extension_days") {
        s if s.is_empty() => None,
        s => Some(s.parse::<u32>().map_err(|_| {
            invalid(
                "extension_days",
                "延期天数须为正整数",
                "the extension must be a whole number of days",
            )
        })?),
    };
    let demands = all("demand")
        .into_iter()
        .map(|code| Demand {
            problem: match get(&format!("problem_{code}")).as_str() {
                "wrong" => "wrong".into(),
                _ => "missing".into(),
            },
            note: get(&format!("dnote_{code}")),
            name: String::new(),
            code,
        })
        .collect();
    Ok(ActInput {
        action: get("action"),
        version: get("version").parse().unwrap_or(0),
        note: get("note"),
        reason: get("reason"),
        occurred_at,
        backdate_reason: get("backdate_reason"),
        materials: all("materials"),
        demands,
        suspension_reason: get("suspension_reason"),
        extension_days,
        approver: get("approver"),
    })
}

/// POST /cases/{id}/act
pub async fn act(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if let Err(r) = check_csrf(&user, csrf) {
        return r;
    }
    let input = match act_input(&pairs) {
        Ok(i) => i,
        Err(e) => return rerender(&s, &user, id, &e).await,
    };
    match cases::act(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/cases/{id}?done={}", input.action)),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// A custody move as posted.
#[derive(serde::Deserialize)]
pub struct MoveForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    to_unit_id: String,
    #[serde(default)]
    note: String,
}

/// POST /cases/{id}/materials/{mid}
pub async fn move_material(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, mid)): Path<(i64, i64)>,
    Form(f): Form<MoveForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = MoveInput {
        event: f.event,
        version: f.version,
        to_user_id: None,
        to_unit_id: f.to_unit_id.trim().parse().ok(),
        note: f.note,
        occurred_at: None,
        backdate_reason: String::new(),
    };
    match materials::move_material(&s.app, &user.actor, id, mid, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/cases/{id}?done=material")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /cases/{id}/uploads (multipart: `_csrf`, `material`, `file`, `note`)
pub async fn upload(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let fields = match form {
        Ok(f) => crate::api::read_upload(f).await,
        Err(_) => Err(invalid(
            "file",
            "请选择要上传的文件",
            "choose a file to upload",
        )),
    };
    let f = match fields {
        Ok(f) => f,
        Err(e) => return rerender(&s, &user, id, &e).await,
    };
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match uploads::upload(
        &s.app,
        &user.actor,
        id,
        &f.material,
        &f.filename,
        &f.data,
        &f.note,
        &user.meta,
    )
    .await
    {
        Ok(_) => see_other(&format!("/cases/{id}?done=upload#h-materials")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// A rating with its label.
pub struct RatingRow {
    /// The rating.
    pub r: RatingView,
    /// Stars and label.
    pub label: String,
}

/// The rating form.
#[derive(serde::Deserialize)]
pub struct RateForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// POST /cases/{id}/rating
pub async fn rate(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<RateForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = RateInput {
        rating: f.rating,
        comment: f.comment,
    };
    match ratings::rate(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/cases/{id}?done=rating#h-rating")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// GET /uploads/{id}: the file, if the user may see its case item.
pub async fn download(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    match uploads::download(&s.app.db.conn, &user.actor, id).await {
        Ok((name, content_type, data)) => crate::api::file_response(&name, &content_type, data),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- 一次性告知书

/// A demand with what the catalog says about the material.
pub struct DemandRow {
    /// The demand.
    pub d: Demand,
    /// Missing or wrong, as text.
    pub problem: String,
    /// Format label.
    pub format: String,
    /// Copies.
    pub copies: u32,
    /// Where to obtain it.
    pub source: String,
    /// Demanded for the first time after an earlier notice.
    pub breach: bool,
}

#[derive(Template)]
#[template(path = "notice_print.html")]
struct NoticePrintTpl {
    lang: &'static str,
    x: CaseRow,
    item: CatalogItemView,
    n: NoticeView,
    rows: Vec<DemandRow>,
    issued: String,
    enterprise: String,
    agents: Vec<(String, String)>,
}

impl NoticePrintTpl {
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

/// GET /cases/{id}/notices/{seq}/print
pub async fn print_notice(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, seq)): Path<(i64, i32)>,
) -> Response {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let r = async {
        let view = cases::get(db, a, id).await?;
        let item = cases::catalog_revision(db, a, id).await?;
        let n = cases::notices(db, a, id)
            .await?
            .into_iter()
            .find(|n| n.seq == seq)
            .ok_or(AppError::NotFound)?;
        let p = projects::get(db, a, view.project_id).await?;
        let agents = projects::mandate(db, a, view.project_id)
            .await?
            .map(|m| {
                m.agents
                    .into_iter()
                    .map(|x| (x.name, x.phone))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        Ok::<_, AppError>((view, item, n, p.enterprise_name, agents))
    }
    .await;
    match r {
        Ok((view, item, n, enterprise, agents)) => {
            let rows = n
                .demands
                .iter()
                .map(|d| {
                    let spec = item.material(&d.code);
                    DemandRow {
                        problem: t(lang, &format!("notice.problem_{}", d.problem)),
                        format: spec
                            .map(|m| pick(lang, m.format.label_zh(), m.format.label_en()))
                            .unwrap_or_default(),
                        copies: spec.map_or(0, |m| m.copies),
                        source: spec.map(|m| m.source.clone()).unwrap_or_default(),
                        breach: n.breach_codes.contains(&d.code),
                        d: d.clone(),
                    }
                })
                .collect();
            render(&NoticePrintTpl {
                lang,
                issued: l::dt(n.issued_at),
                x: case_row(lang, view),
                item,
                n,
                rows,
                enterprise,
                agents,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}
