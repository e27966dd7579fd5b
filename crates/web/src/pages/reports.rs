//! 举报投诉 and 月报表: complaints (an enterprise files one; the bureau enters one taken by
//! phone, letter or visit, assigns, investigates and concludes it) and the units' monthly
//! reports (the leader's draft, review and submission; the printable report; the bureau's grid).

use super::labels as l;
use super::problems::field;
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::complaints::{
    self, ComplaintActionInput, ComplaintFilter, ComplaintInput, ComplaintView, FormChoices,
};
use daiban_app::monthly_reports::{self, MonthStatus, ReportView, SubmitInput};
use daiban_domain::report::Month;
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Labels shared by the templates of this module.
trait Labels {
    fn lang(&self) -> &'static str;
    fn label(&self, prefix: &str, code: &str) -> String {
        t(self.lang(), &format!("{prefix}{code}"))
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        l::dt(*at)
    }
    #[expect(
        clippy::ref_option,
        reason = "askama passes template fields by reference"
    )]
    fn owhen(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        l::odt(*at)
    }
    fn tone(&self, status: &str) -> &'static str {
        match status {
            "on_time" => "ok",
            "late" => "warn",
            "missing" => "bad",
            _ => "",
        }
    }
}

macro_rules! labels {
    ($($t:ty),*) => {$(
        impl Labels for $t {
            fn lang(&self) -> &'static str {
                self.c.lang
            }
        }
    )*};
}

labels!(ListTpl, ShowTpl, GridTpl, ReportTpl);

// ---------------------------------------------------------------- complaints

#[derive(Template)]
#[template(path = "complaints.html")]
struct ListTpl {
    c: Chrome,
    list: Vec<ComplaintView>,
    may_file: bool,
    bureau: bool,
}

/// GET /complaints — the complaints the caller may see.
pub async fn list(State(s): State<AppState>, user: PageUser) -> Response {
    match complaints::list(&s.app, &user.actor, &ComplaintFilter::default()).await {
        Ok(list) => {
            let c = chrome(
                &user,
                "/complaints",
                "complaint.title",
                vec![(t(user.lang, "complaint.title"), None)],
            );
            render(&ListTpl {
                c,
                list,
                may_file: user.actor.is(Role::Enterprise) || user.actor.is(Role::Coordinator),
                bureau: user.actor.is(Role::Coordinator),
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// What the complaint form was filled with.
#[derive(Debug, Clone, Default)]
pub struct NewForm {
    /// Unit.
    pub unit_id: i64,
    /// Project.
    pub project_id: i64,
    /// Staff named.
    pub staff_name: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Channel (bureau).
    pub channel: String,
    /// Complainant (bureau).
    pub complainant_name: String,
    /// Contact (bureau).
    pub complainant_contact: String,
}

impl NewForm {
    fn of(p: &[(String, String)]) -> Self {
        Self {
            unit_id: field(p, "unit_id").parse().unwrap_or(0),
            project_id: field(p, "project_id").parse().unwrap_or(0),
            staff_name: field(p, "staff_name"),
            subject: field(p, "subject"),
            body: field(p, "body"),
            channel: field(p, "channel"),
            complainant_name: field(p, "complainant_name"),
            complainant_contact: field(p, "complainant_contact"),
        }
    }
}

#[derive(Template)]
#[template(path = "complaint_new.html")]
struct NewTpl {
    c: Chrome,
    form: NewForm,
    choices: FormChoices,
    bureau: bool,
    channels: Vec<(&'static str, String)>,
    errors: BTreeMap<String, String>,
}

impl NewTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
}

async fn new_page(
    s: &AppState,
    user: &PageUser,
    form: NewForm,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<NewTpl> {
    if !(user.actor.is(Role::Enterprise) || user.actor.is(Role::Coordinator)) {
        return Err(daiban_app::error::forbidden());
    }
    let lang = user.lang;
    let choices = complaints::form_choices(&s.app, &user.actor).await?;
    let c = chrome(
        user,
        "/complaints",
        "complaint.new_title",
        vec![
            (t(lang, "complaint.title"), Some("/complaints".into())),
            (t(lang, "complaint.new_title"), None),
        ],
    );
    Ok(NewTpl {
        c,
        form,
        choices,
        bureau: user.actor.is(Role::Coordinator),
        channels: ["phone", "letter", "visit"]
            .into_iter()
            .map(|k| (k, t(lang, &format!("complaint.channel_{k}"))))
            .collect(),
        errors,
    })
}

/// GET /complaints/new
pub async fn new(State(s): State<AppState>, user: PageUser) -> Response {
    let form = NewForm {
        channel: "phone".into(),
        ..NewForm::default()
    };
    match new_page(&s, &user, form, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /complaints
pub async fn create(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let f = NewForm::of(&pairs);
    let input = ComplaintInput {
        unit_id: f.unit_id,
        project_id: (f.project_id > 0).then_some(f.project_id),
        staff_name: f.staff_name.clone(),
        subject: f.subject.clone(),
        body: f.body.clone(),
        channel: if user.actor.is(Role::Coordinator) {
            f.channel.clone()
        } else {
            String::new()
        },
        complainant_name: f.complainant_name.clone(),
        complainant_contact: f.complainant_contact.clone(),
    };
    match complaints::file(&s.app, &user.actor, &input, &user.meta).await {
        Ok(v) => see_other(&format!("/complaints/{}", v.id)),
        Err(e) => refused(&e, &user, |m| new_page(&s, &user, f, m)).await,
    }
}

#[derive(Template)]
#[template(path = "complaint.html")]
struct ShowTpl {
    c: Chrome,
    v: ComplaintView,
    bureau: bool,
    coordinators: Vec<(i64, String)>,
    errors: BTreeMap<String, String>,
}

impl ShowTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
}

async fn show_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<ShowTpl> {
    let lang = user.lang;
    let v = complaints::get(&s.app, &user.actor, id).await?;
    let choices = complaints::form_choices(&s.app, &user.actor).await?;
    let c = chrome(
        user,
        "/complaints",
        "complaint.detail_title",
        vec![
            (t(lang, "complaint.title"), Some("/complaints".into())),
            (format!("#{} {}", v.id, v.subject), None),
        ],
    );
    Ok(ShowTpl {
        c,
        v,
        bureau: user.actor.is(Role::Coordinator),
        coordinators: choices.coordinators,
        errors,
    })
}

/// GET /complaints/{id}
pub async fn show(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    match show_page(&s, &user, id, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /complaints/{id} — a coordinator's step.
pub async fn act(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let input = ComplaintActionInput {
        action: field(&pairs, "action"),
        assignee_id: field(&pairs, "assignee_id").parse().ok(),
        verified: match field(&pairs, "verified").as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        findings: field(&pairs, "findings"),
        reason: field(&pairs, "reason"),
        version: field(&pairs, "version").parse().unwrap_or(0),
    };
    match complaints::act(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/complaints/{id}")),
        Err(e) => refused(&e, &user, |m| show_page(&s, &user, id, m)).await,
    }
}

// ---------------------------------------------------------------- monthly reports

/// `?month=`.
#[derive(Debug, Deserialize)]
pub struct MonthQ {
    /// `2026-10`.
    pub month: Option<String>,
}

#[derive(Template)]
#[template(path = "monthly_reports.html")]
struct GridTpl {
    c: Chrome,
    grid: MonthStatus,
    prev: String,
    next: String,
    own: Option<(i64, String)>,
}

/// GET /monthly-reports — the month's grid (the bureau: every unit), with the unit leader's
/// link to the report they work on now.
pub async fn index(State(s): State<AppState>, user: PageUser, Query(q): Query<MonthQ>) -> Response {
    let lang = user.lang;
    let r = async {
        let own = match (user.actor.role, user.actor.unit_id) {
            (Role::UnitLeader | Role::Agent | Role::Helper, Some(u)) => Some((
                u,
                monthly_reports::current_month(&s.app, u).await?.to_string(),
            )),
            _ => None,
        };
        let month = match &q.month {
            Some(m) if !m.is_empty() => m.clone(),
            _ => match &own {
                Some((_, m)) => m.clone(),
                None => Month::of(
                    s.app
                        .now()
                        .with_timezone(&daiban_domain::clock::CHINA)
                        .date_naive(),
                )
                .prev()
                .to_string(),
            },
        };
        let grid = monthly_reports::month_status(&s.app, &user.actor, &month).await?;
        daiban_app::AppResult::Ok((own, grid))
    }
    .await;
    match r {
        Ok((own, grid)) => {
            let m = Month::parse(&grid.month).unwrap_or(Month {
                year: 2026,
                month: 1,
            });
            let c = chrome(
                &user,
                "/monthly-reports",
                "monthly_report.title",
                vec![(t(lang, "monthly_report.title"), None)],
            );
            render(&GridTpl {
                c,
                prev: m.prev().to_string(),
                next: m.next().to_string(),
                grid,
                own,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "monthly_report.html")]
struct ReportTpl {
    c: Chrome,
    r: ReportView,
    remarks: String,
    errors: BTreeMap<String, String>,
}

impl ReportTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
}

async fn report_page(
    s: &AppState,
    user: &PageUser,
    unit_id: i64,
    month: &str,
    remarks: String,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<ReportTpl> {
    let lang = user.lang;
    let r = monthly_reports::get(&s.app, &user.actor, unit_id, month).await?;
    let c = chrome(
        user,
        "/monthly-reports",
        "monthly_report.report_title",
        vec![
            (
                t(lang, "monthly_report.title"),
                Some(format!("/monthly-reports?month={}", r.month)),
            ),
            (format!("{} · {}", r.unit_name, r.month), None),
        ],
    );
    Ok(ReportTpl {
        c,
        r,
        remarks,
        errors,
    })
}

/// GET /monthly-reports/{unit}/{month} — the draft (with the leader's submission form) or the
/// submitted report.
pub async fn report(
    State(s): State<AppState>,
    user: PageUser,
    Path((unit_id, month)): Path<(i64, String)>,
) -> Response {
    match report_page(&s, &user, unit_id, &month, String::new(), BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /monthly-reports/{unit}/{month} — the leader submits.
pub async fn submit(
    State(s): State<AppState>,
    user: PageUser,
    Path((unit_id, month)): Path<(i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let remarks = field(&pairs, "remarks");
    let input = SubmitInput {
        remarks: remarks.clone(),
    };
    match monthly_reports::submit(&s.app, &user.actor, unit_id, &month, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/monthly-reports/{unit_id}/{month}")),
        Err(e) => {
            refused(&e, &user, |m| {
                report_page(&s, &user, unit_id, &month, remarks, m)
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "monthly_report_print.html")]
struct PrintTpl {
    lang: &'static str,
    r: ReportView,
}

impl PrintTpl {
    fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }
    fn status(&self) -> String {
        t(
            self.lang,
            &format!("monthly_report.status_{}", self.r.status),
        )
    }
    fn submitted(&self) -> String {
        l::odt(self.r.submitted_at)
    }
    fn html_lang(&self) -> &'static str {
        if self.lang == crate::i18n::EN {
            "en"
        } else {
            "zh-CN"
        }
    }
}

/// GET /monthly-reports/{unit}/{month}/print — the 月报表 as a document.
pub async fn print(
    State(s): State<AppState>,
    user: PageUser,
    Path((unit_id, month)): Path<(i64, String)>,
) -> Response {
    match monthly_reports::get(&s.app, &user.actor, unit_id, &month).await {
        Ok(r) => render(&PrintTpl { lang: user.lang, r }),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
