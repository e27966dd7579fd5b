//! 培训与走访 and 回访: the bureau's activities (list with the discipline evidence, the schedule
//! form, the activity page with its attendance and cancel forms, the printable 签到表), return
//! visits (list, the two-step form, the visit page with its raise-a-problem form), the visit
//! plan, and a staff member's record (training history and overall appraisal).

use super::labels::{self as l, pick};
use super::problems::field;
use super::projects::{DoneQuery, done_flash};
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use daiban_app::activities::{
    self, ActivityInput, ActivityView, AttendanceEntry, AttendanceRecordInput, DisciplineEvidence,
    DisciplineFilter, PersonView,
};
use daiban_app::problems::RaiseInput;
use daiban_app::visits::{
    self, AppraisalInput, PlanEntryView, ServedStaff, StaffRecord, VisitInput, VisitProblemInput,
    VisitProject, VisitView,
};
use daiban_app::{AppError, AppResult, FieldError};
use daiban_domain::outreach::{ActivityKind, ActivityStatus, VisitMethod};
use daiban_domain::problem::{Attendance, ProblemCategory};
use daiban_domain::rating::Rating;
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

fn ids(pairs: &[(String, String)], k: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(a, _)| a == k)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

/// Activity kind label.
fn kind_label(lang: &str, code: &str) -> String {
    ActivityKind::from_code(code).map_or_else(
        || code.to_owned(),
        |k| pick(lang, k.label_zh(), k.label_en()),
    )
}

/// Activity status label.
fn status_label(lang: &str, code: &str) -> String {
    ActivityStatus::from_code(code).map_or_else(
        || code.to_owned(),
        |s| pick(lang, s.label_zh(), s.label_en()),
    )
}

/// Visit method label.
fn method_label(lang: &str, code: &str) -> String {
    VisitMethod::from_code(code).map_or_else(
        || code.to_owned(),
        |m| pick(lang, m.label_zh(), m.label_en()),
    )
}

/// Rating label with stars.
fn rating_label(lang: &str, code: &str) -> String {
    Rating::from_code(code).map_or_else(
        || code.to_owned(),
        |r| {
            format!(
                "{} {}",
                "★".repeat(usize::from(r.stars())),
                pick(lang, r.label_zh(), r.label_en())
            )
        },
    )
}

fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(&str) -> String,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| (code(*x).to_owned(), label(code(*x))))
        .collect()
}

/// An activity with its labels.
pub struct ActivityRow {
    /// The activity.
    pub a: ActivityView,
    /// Kind label.
    pub kind: String,
    /// Status label.
    pub status: String,
    /// When (China time).
    pub when: String,
}

fn activity_row(lang: &str, a: ActivityView) -> ActivityRow {
    ActivityRow {
        kind: kind_label(lang, &a.kind),
        status: status_label(lang, &a.status),
        when: l::dt(a.scheduled_at),
        a,
    }
}

/// A discipline finding with its labels.
pub struct EvidenceRow {
    /// The finding.
    pub e: DisciplineEvidence,
    /// Kind label.
    pub kind: String,
    /// Attendance label.
    pub attendance: String,
    /// When.
    pub when: String,
}

// ---------------------------------------------------------------- list and schedule

/// The schedule form as posted (kept to show it again with the messages).
#[derive(Default)]
pub struct ScheduleForm {
    kind: String,
    topic: String,
    scheduled_at: String,
    place: String,
    notes: String,
    units: Vec<i64>,
    users: Vec<i64>,
}

/// The range of the discipline evidence shown.
#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListTpl {
    c: Chrome,
    rows: Vec<ActivityRow>,
    may_schedule: bool,
    f: ScheduleForm,
    kinds: Vec<(String, String)>,
    invitable: Vec<(i64, String, Vec<PersonView>)>,
    evidence: Option<Vec<EvidenceRow>>,
    evidence_points: i32,
    from: String,
    to: String,
    errors: BTreeMap<String, String>,
}

impl ListTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn has_unit(&self, id: &i64) -> bool {
        self.f.units.contains(id)
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn has_user(&self, id: &i64) -> bool {
        self.f.users.contains(id)
    }
    fn role(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

async fn list_page(
    s: &AppState,
    user: &PageUser,
    f: ScheduleForm,
    range: (String, String),
    errors: BTreeMap<String, String>,
) -> AppResult<ListTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let rows = activities::list(db, a)
        .await?
        .into_iter()
        .map(|x| activity_row(lang, x))
        .collect();
    let may_schedule = a.role == Role::Coordinator;
    let invitable = if may_schedule {
        activities::invitable(db, a).await?
    } else {
        Vec::new()
    };
    let evidence = if matches!(
        a.role,
        Role::Coordinator | Role::CityLeader | Role::UnitLeader
    ) {
        let filter = DisciplineFilter {
            unit_id: None,
            from: parse_day(&range.0),
            to: parse_day(&range.1),
        };
        Some(
            activities::discipline_evidence(db, a, &filter)
                .await?
                .into_iter()
                .map(|e| EvidenceRow {
                    kind: kind_label(lang, &e.kind),
                    attendance: l::attendance(lang, Some(&e.attendance)),
                    when: l::dt(e.held_at),
                    e,
                })
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let evidence_points = evidence
        .as_ref()
        .map_or(0, |v| v.iter().map(|e| e.e.points).sum());
    let c = chrome(
        user,
        "/activities",
        "activities.title",
        vec![(t(lang, "activities.title"), None)],
    );
    Ok(ListTpl {
        c,
        rows,
        may_schedule,
        f,
        kinds: options(&ActivityKind::ALL, ActivityKind::code, |c| {
            kind_label(lang, c)
        }),
        invitable,
        evidence,
        evidence_points,
        from: range.0,
        to: range.1,
        errors,
    })
}

/// GET /activities — the activities the user sees, the discipline evidence (the bureau, a unit
/// leader) and the coordinator's schedule form.
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<RangeQuery>,
) -> Response {
    let flash = q.done.as_ref().map(|_| t(user.lang, "common.saved"));
    match list_page(
        &s,
        &user,
        ScheduleForm::default(),
        (q.from, q.to),
        BTreeMap::new(),
    )
    .await
    {
        Ok(mut tpl) => {
            tpl.c.flash = flash;
            render(&tpl)
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /activities — `kind`, `topic`, `scheduled_at` (China time), `place`, `notes`, `unit`
/// and `person` repeated.
pub async fn schedule(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let f = ScheduleForm {
        kind: get("kind"),
        topic: get("topic"),
        scheduled_at: get("scheduled_at"),
        place: get("place"),
        notes: get("notes"),
        units: ids(&pairs, "unit"),
        users: ids(&pairs, "person"),
    };
    let r = async {
        let at = l::parse_local(&f.scheduled_at).ok().flatten();
        let input = ActivityInput {
            kind: f.kind.clone(),
            topic: f.topic.clone(),
            // A missing time is reported with the other fields (as a time in the past).
            scheduled_at: at.unwrap_or_default(),
            place: f.place.clone(),
            notes: f.notes.clone(),
            user_ids: f.users.clone(),
            unit_ids: f.units.clone(),
        };
        match activities::schedule(&s.app, &user.actor, &input, &user.meta).await {
            Err(AppError::Invalid(mut list)) if at.is_none() => {
                list.retain(|e| e.field != "scheduled_at");
                list.push(FieldError::new(
                    "scheduled_at",
                    "format",
                    "请填写活动日期和开始时间",
                    "enter the date and start time",
                ));
                Err(AppError::Invalid(list))
            }
            other => other,
        }
    }
    .await;
    match r {
        Ok(a) => see_other(&format!("/activities/{}?done=schedule", a.id)),
        Err(e) => {
            refused(&e, &user, |m| {
                list_page(&s, &user, f, (String::new(), String::new()), m)
            })
            .await
        }
    }
}

// ---------------------------------------------------------------- one activity

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityTpl {
    c: Chrome,
    x: ActivityRow,
    attendance: Vec<(String, String)>,
    may_record: bool,
    may_cancel: bool,
    all_invitees: bool,
    errors: BTreeMap<String, String>,
    lang: &'static str,
}

impl ActivityTpl {
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn att(&self, code: &Option<String>) -> String {
        l::attendance(self.lang, code.as_deref())
    }
    fn role(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn is(&self, code: &Option<String>, option: &str) -> bool {
        let _ = self;
        code.as_deref() == Some(option)
    }
}

async fn activity_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<ActivityTpl> {
    let a = &user.actor;
    let lang = user.lang;
    let v = activities::get(&s.app.db.conn, a, id).await?;
    let status = ActivityStatus::from_code(&v.status).unwrap_or(ActivityStatus::Scheduled);
    let coordinator = a.role == Role::Coordinator;
    let may_record = coordinator && status.may_record_attendance() && v.scheduled_at <= s.app.now();
    let may_cancel = coordinator && status.may_cancel();
    let mut c = chrome(
        user,
        "/activities",
        "activities.title",
        vec![
            (t(lang, "activities.title"), Some("/activities".into())),
            (v.topic.clone(), None),
        ],
    );
    c.title.clone_from(&v.topic);
    c.flash = flash;
    Ok(ActivityTpl {
        all_invitees: matches!(a.role, Role::Coordinator | Role::CityLeader),
        x: activity_row(lang, v),
        attendance: Attendance::ALL
            .into_iter()
            .map(|x| (x.code().to_owned(), l::attendance(lang, Some(x.code()))))
            .collect(),
        may_record,
        may_cancel,
        errors,
        lang,
        c,
    })
}

/// GET /activities/{id}
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let flash = done_flash(user.lang, &q);
    match activity_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

async fn rerender(s: &AppState, user: &PageUser, id: i64, e: &AppError) -> Response {
    refused(e, user, |m| activity_page(s, user, id, m, None)).await
}

/// POST /activities/{id}/attendance — `version`, `att_{invitee}` and `attnote_{invitee}`.
pub async fn attendance(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let attendance = pairs
        .iter()
        .filter_map(|(k, v)| {
            let iid = k.strip_prefix("att_")?.parse::<i64>().ok()?;
            Some(AttendanceEntry {
                invitee_id: iid,
                attendance: v.trim().to_owned(),
                note: get(&format!("attnote_{iid}")),
            })
        })
        .collect();
    let input = AttendanceRecordInput {
        version: get("version").parse().unwrap_or(0),
        attendance,
    };
    match activities::record_attendance(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/activities/{id}?done=attendance")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// The cancel form as posted.
#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    reason: String,
}

/// POST /activities/{id}/cancel
pub async fn cancel(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<CancelForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match activities::cancel(&s.app, &user.actor, id, f.version, &f.reason, &user.meta).await {
        Ok(_) => see_other(&format!("/activities/{id}?done=cancel")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

#[derive(Template)]
#[template(path = "activity_sign_in.html")]
struct SignInTpl {
    lang: &'static str,
    x: ActivityRow,
}

impl SignInTpl {
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
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn att(&self, code: &Option<String>) -> String {
        l::attendance(self.lang, code.as_deref())
    }
}

/// GET /activities/{id}/sign-in — the printable 签到表.
pub async fn sign_in(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let lang = user.lang;
    match activities::get(&s.app.db.conn, &user.actor, id).await {
        Ok(v) => render(&SignInTpl {
            lang,
            x: activity_row(lang, v),
        }),
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- return visits

/// A visit with its labels.
pub struct VisitRow {
    /// The visit.
    pub v: VisitView,
    /// Method label.
    pub method: String,
}

#[derive(Template)]
#[template(path = "return_visits.html")]
struct VisitsTpl {
    c: Chrome,
    rows: Vec<VisitRow>,
    may_record: bool,
}

/// GET /return-visits
pub async fn visits(State(s): State<AppState>, user: PageUser) -> Response {
    let lang = user.lang;
    match visits::list(&s.app.db.conn, &user.actor).await {
        Ok(list) => {
            let c = chrome(
                &user,
                "/return-visits",
                "visits.title",
                vec![(t(lang, "visits.title"), None)],
            );
            render(&VisitsTpl {
                c,
                rows: list
                    .into_iter()
                    .map(|v| VisitRow {
                        method: method_label(lang, &v.method),
                        v,
                    })
                    .collect(),
                may_record: user.actor.role == Role::Coordinator,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

/// `?enterprise_id=` of the visit form.
#[derive(Debug, Default, Deserialize)]
pub struct NewVisitQuery {
    #[serde(default)]
    enterprise_id: Option<i64>,
}

/// The visit form as posted.
#[derive(Default)]
pub struct VisitForm {
    method: String,
    visited_on: String,
    participants: String,
    feedback: String,
    projects: Vec<i64>,
    ratings: BTreeMap<i64, (String, String)>,
}

#[derive(Template)]
#[template(path = "return_visit_new.html")]
struct NewVisitTpl {
    c: Chrome,
    enterprises: Vec<(i64, String)>,
    enterprise_id: Option<i64>,
    enterprise_name: String,
    projects: Vec<VisitProject>,
    served: Vec<ServedStaff>,
    methods: Vec<(String, String)>,
    ratings: Vec<(String, String)>,
    f: VisitForm,
    errors: BTreeMap<String, String>,
    lang: &'static str,
}

impl NewVisitTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    fn stage(&self, code: &str) -> String {
        l::stage(self.lang, code)
    }
    fn role(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn has_project(&self, id: &i64) -> bool {
        self.f.projects.contains(id)
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn rated(&self, user: &i64, code: &str) -> bool {
        self.f.ratings.get(user).is_some_and(|r| r.0 == code)
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn comment(&self, user: &i64) -> String {
        self.f
            .ratings
            .get(user)
            .map(|r| r.1.clone())
            .unwrap_or_default()
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn is_enterprise(&self, id: &i64) -> bool {
        self.enterprise_id == Some(*id)
    }
    fn project_names(&self, ids: &[i64]) -> String {
        ids.iter()
            .filter_map(|id| self.projects.iter().find(|p| p.id == *id))
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join("、")
    }
}

async fn new_visit_page(
    s: &AppState,
    user: &PageUser,
    enterprise_id: Option<i64>,
    f: VisitForm,
    errors: BTreeMap<String, String>,
) -> AppResult<NewVisitTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    if a.role != Role::Coordinator {
        return Err(daiban_app::error::forbidden());
    }
    let enterprises: Vec<(i64, String)> = daiban_app::enterprises::list(db, a, None)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let (projects, served) = match enterprise_id {
        Some(e) => {
            let projects = visits::enterprise_projects(db, a, e).await?;
            let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
            let served = visits::served(db, a, &ids).await?;
            (projects, served)
        }
        None => (Vec::new(), Vec::new()),
    };
    let enterprise_name = enterprise_id
        .and_then(|id| enterprises.iter().find(|e| e.0 == id))
        .map(|e| e.1.clone())
        .unwrap_or_default();
    let c = chrome(
        user,
        "/return-visits",
        "visits.new",
        vec![
            (t(lang, "visits.title"), Some("/return-visits".into())),
            (t(lang, "visits.new"), None),
        ],
    );
    Ok(NewVisitTpl {
        c,
        enterprises,
        enterprise_id,
        enterprise_name,
        projects,
        served,
        methods: options(&VisitMethod::ALL, VisitMethod::code, |c| {
            method_label(lang, c)
        }),
        ratings: Rating::ALL
            .into_iter()
            .map(|r| (r.code().to_owned(), rating_label(lang, r.code())))
            .collect(),
        f,
        errors,
        lang,
    })
}

/// GET /return-visits/new — choose the enterprise, then its projects and the appraisals.
pub async fn new_visit(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<NewVisitQuery>,
) -> Response {
    let f = VisitForm {
        visited_on: s
            .app
            .now()
            .with_timezone(&daiban_domain::clock::CHINA)
            .format("%Y-%m-%d")
            .to_string(),
        ..VisitForm::default()
    };
    match new_visit_page(&s, &user, q.enterprise_id, f, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /return-visits — `enterprise_id`, `method`, `visited_on`, `participants`, `feedback`,
/// `project` repeated, `rating_{user}` and `comment_{user}` (an empty rating appraises no one).
pub async fn record_visit(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let enterprise_id = get("enterprise_id").parse::<i64>().ok();
    let ratings: BTreeMap<i64, (String, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let uid = k.strip_prefix("rating_")?.parse::<i64>().ok()?;
            Some((uid, (v.trim().to_owned(), get(&format!("comment_{uid}")))))
        })
        .collect();
    let f = VisitForm {
        method: get("method"),
        visited_on: get("visited_on"),
        participants: get("participants"),
        feedback: get("feedback"),
        projects: ids(&pairs, "project"),
        ratings,
    };
    let visited_on = parse_day(&f.visited_on);
    let input = VisitInput {
        method: f.method.clone(),
        visited_on,
        enterprise_id: enterprise_id.unwrap_or(0),
        project_ids: f.projects.clone(),
        participants: f.participants.clone(),
        feedback: f.feedback.clone(),
        appraisals: f
            .ratings
            .iter()
            .filter(|(_, (r, _))| !r.is_empty())
            .map(|(u, (r, c))| AppraisalInput {
                user_id: *u,
                rating: r.clone(),
                comment: c.clone(),
            })
            .collect(),
    };
    match visits::record(&s.app, &user.actor, &input, &user.meta).await {
        Ok(v) => see_other(&format!("/return-visits/{}?done=record", v.id)),
        Err(e) => {
            refused(&e, &user, |m| {
                new_visit_page(&s, &user, enterprise_id, f, m)
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "return_visit.html")]
struct VisitTpl {
    c: Chrome,
    x: VisitRow,
    may_raise: bool,
    categories: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    errors: BTreeMap<String, String>,
    lang: &'static str,
}

impl VisitTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    fn stage(&self, code: &str) -> String {
        l::stage(self.lang, code)
    }
    fn rating(&self, code: &str) -> String {
        rating_label(self.lang, code)
    }
    fn role(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
    fn pstatus(&self, code: &str) -> String {
        l::problem_status(self.lang, code)
    }
}

async fn visit_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<VisitTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let v = visits::get(db, a, id).await?;
    let may_raise = a.role == Role::Coordinator;
    let departments = if may_raise {
        daiban_app::units::list(db, a, &daiban_app::units::UnitFilter::default())
            .await?
            .into_iter()
            .filter(|u| u.kind == "department" && u.active)
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let mut c = chrome(
        user,
        "/return-visits",
        "visits.title",
        vec![
            (t(lang, "visits.title"), Some("/return-visits".into())),
            (v.enterprise_name.clone(), None),
        ],
    );
    c.title = format!("{} · {}", t(lang, "visits.one"), v.enterprise_name);
    c.flash = flash;
    Ok(VisitTpl {
        x: VisitRow {
            method: method_label(lang, &v.method),
            v,
        },
        may_raise,
        categories: ProblemCategory::ALL
            .into_iter()
            .map(|k| (k.code().to_owned(), l::category(lang, k.code())))
            .collect(),
        departments,
        errors,
        lang,
        c,
    })
}

/// GET /return-visits/{id}
pub async fn visit(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let flash = done_flash(user.lang, &q);
    match visit_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /return-visits/{id}/problems — `project_id`, `title`, `description`, `category`,
/// `department_id`, `at_site`.
pub async fn raise_problem(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let input = VisitProblemInput {
        project_id: get("project_id").parse().unwrap_or(0),
        problem: RaiseInput {
            title: get("title"),
            description: get("description"),
            category: get("category"),
            department_id: get("department_id").parse().unwrap_or(0),
            case_item_ids: Vec::new(),
            at_site: !get("at_site").is_empty(),
        },
    };
    match visits::raise_problem(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(p) => see_other(&format!("/problems/{}?done=raise", p.id)),
        Err(e) => refused(&e, &user, |m| visit_page(&s, &user, id, m, None)).await,
    }
}

// ---------------------------------------------------------------- visit plan

/// A plan entry with its labels.
pub struct PlanRow {
    /// The entry.
    pub p: PlanEntryView,
    /// Completed stage label.
    pub stage: String,
    /// Next stage label.
    pub next_stage: String,
    /// State label.
    pub state: String,
    /// Tag class for the state.
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "visit_plan.html")]
struct PlanTpl {
    c: Chrome,
    rows: Vec<PlanRow>,
    overdue: usize,
    days: u32,
}

/// GET /visit-plan
pub async fn plan(State(s): State<AppState>, user: PageUser) -> Response {
    let lang = user.lang;
    match visits::plan(&s.app.db.conn, &user.actor, s.app.now()).await {
        Ok(list) => {
            let rows: Vec<PlanRow> = list
                .into_iter()
                .map(|p| PlanRow {
                    stage: l::stage(lang, &p.stage),
                    next_stage: l::stage(lang, &p.next_stage),
                    state: t(lang, &format!("visits.plan_{}", p.state)),
                    class: match p.state.as_str() {
                        "overdue" => "bad",
                        "done_late" => "warn",
                        "done" => "ok",
                        _ => "",
                    },
                    p,
                })
                .collect();
            let c = chrome(
                &user,
                "/visit-plan",
                "visits.plan_title",
                vec![(t(lang, "visits.plan_title"), None)],
            );
            render(&PlanTpl {
                overdue: rows.iter().filter(|r| r.p.state == "overdue").count(),
                rows,
                days: s.app.return_visit_days,
                c,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- a staff member's record

#[derive(Template)]
#[template(path = "staff_record.html")]
struct RecordTpl {
    c: Chrome,
    r: StaffRecord,
    mean_stars: String,
    lang: &'static str,
}

impl RecordTpl {
    fn kind(&self, code: &str) -> String {
        kind_label(self.lang, code)
    }
    fn status(&self, code: &str) -> String {
        status_label(self.lang, code)
    }
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn att(&self, code: &Option<String>) -> String {
        l::attendance(self.lang, code.as_deref())
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let _ = self;
        l::dt(*at)
    }
    fn method(&self, code: &str) -> String {
        method_label(self.lang, code)
    }
    fn rating(&self, code: &str) -> String {
        rating_label(self.lang, code)
    }
    fn role(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
}

async fn record_page(s: &AppState, user: &PageUser, id: i64) -> Response {
    let lang = user.lang;
    match visits::staff_record(&s.app.db.conn, &user.actor, id).await {
        Ok(r) => {
            let mut c = chrome(
                user,
                if id == user.actor.user_id {
                    "/my-record"
                } else {
                    "/staff"
                },
                "visits.record_title",
                vec![(r.person.name.clone(), None)],
            );
            c.title = format!("{} · {}", r.person.name, t(lang, "visits.record_title"));
            render(&RecordTpl {
                mean_stars: r
                    .mean_stars_tenths
                    .map(|x| format!("{}.{}", x / 10, x % 10))
                    .unwrap_or_default(),
                r,
                lang,
                c,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

/// GET /staff/{id}/record — training history and overall appraisal.
pub async fn staff_record(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    record_page(&s, &user, id).await
}

/// GET /my-record — the user's own record.
pub async fn my_record(State(s): State<AppState>, user: PageUser) -> Response {
    let id = user.actor.user_id;
    record_page(&s, &user, id).await
}
