//! 协调会议 and 交办事项: the meeting list with the coordinator's 召开会议 form, the meeting page
//! with the record form (minutes, attendance, decisions and their action items), the printable
//! 会议纪要, and the action-item list with its 落实完毕 form.

use super::labels as l;
use super::problems::{
    ActionItemRow, ProblemRow, ROWS, action_item_row, action_item_rows, field, problem_row,
    unit_options,
};
use super::projects::DoneQuery;
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::meetings::{
    self, ActionItemFilter, AttendanceInput, DecisionInput, InviteeInput, MeetingInput,
    MeetingRecordInput, MeetingView,
};
use daiban_app::problems::{self, ProblemFilter};
use daiban_app::{AppError, AppResult, FieldError};
use daiban_domain::problem::{Attendance, Level, MeetingKind};
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A meeting with its labels.
pub struct MeetingRow {
    /// The meeting.
    pub m: MeetingView,
    /// Kind label.
    pub kind: String,
    /// When (China time).
    pub when: String,
    /// Planned or held, in words.
    pub status: String,
}

/// Labels a meeting.
pub fn meeting_row(lang: &str, m: MeetingView) -> MeetingRow {
    MeetingRow {
        kind: l::meeting_kind(lang, &m.kind),
        when: l::dt(m.scheduled_at),
        status: t(lang, &format!("meeting.status_{}", m.status)),
        m,
    }
}

fn ids(pairs: &[(String, String)], k: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(a, _)| a == k)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

// ---------------------------------------------------------------- list and convene

/// The convene form as posted (kept to show it again with the messages).
#[derive(Default)]
pub struct ConveneForm {
    kind: String,
    title: String,
    scheduled_at: String,
    place: String,
    problems: Vec<i64>,
    units: Vec<i64>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListTpl {
    c: Chrome,
    rows: Vec<MeetingRow>,
    may_convene: bool,
    f: ConveneForm,
    kinds: Vec<(String, String)>,
    agenda: Vec<ProblemRow>,
    units: Vec<(i64, String)>,
    errors: BTreeMap<String, String>,
}

impl ListTpl {
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn has_problem(&self, id: &i64) -> bool {
        self.f.problems.contains(id)
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn has_unit(&self, id: &i64) -> bool {
        self.f.units.contains(id)
    }
}

async fn list_page(
    s: &AppState,
    user: &PageUser,
    f: ConveneForm,
    errors: BTreeMap<String, String>,
) -> AppResult<ListTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let rows = meetings::list(db, a)
        .await?
        .into_iter()
        .map(|m| meeting_row(lang, m))
        .collect();
    let may_convene = a.role == Role::Coordinator;
    let (agenda, units) = if may_convene {
        let open = problems::list(
            db,
            a,
            &ProblemFilter {
                status: Some("open".into()),
                ..ProblemFilter::default()
            },
            s.app.now(),
        )
        .await?
        .into_iter()
        .filter(|p| Level::from_code(&p.level).is_some_and(|x| x.index() >= Level::Bureau.index()))
        .map(|p| problem_row(lang, p))
        .collect();
        (open, unit_options(s, user).await)
    } else {
        (vec![], vec![])
    };
    let c = chrome(
        user,
        "/meetings",
        "meeting.title",
        vec![(t(lang, "meeting.title"), None)],
    );
    Ok(ListTpl {
        c,
        rows,
        may_convene,
        f,
        kinds: MeetingKind::ALL
            .into_iter()
            .map(|k| (k.code().to_owned(), l::meeting_kind(lang, k.code())))
            .collect(),
        agenda,
        units,
        errors,
    })
}

/// GET /meetings
pub async fn list(State(s): State<AppState>, user: PageUser) -> Response {
    match list_page(&s, &user, ConveneForm::default(), BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /meetings — the coordinator convenes a meeting (`kind` empty takes the suggestion,
/// `title`, `scheduled_at` in China time, `place`, `problem` and `unit` repeated).
pub async fn convene(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let f = ConveneForm {
        kind: get("kind"),
        title: get("title"),
        scheduled_at: get("scheduled_at"),
        place: get("place"),
        problems: ids(&pairs, "problem"),
        units: ids(&pairs, "unit"),
    };
    let r = async {
        let Ok(Some(at)) = l::parse_local(&f.scheduled_at) else {
            return Err(AppError::Invalid(vec![FieldError::new(
                "scheduled_at",
                "format",
                "请填写会议时间",
                "enter the date and time of the meeting",
            )]));
        };
        // A meeting about one project's problems is that project's meeting.
        let mut projects = Vec::new();
        for id in &f.problems {
            if let Ok(p) = problems::get(&s.app.db.conn, &user.actor, *id, s.app.now()).await
                && !projects.contains(&p.project_id)
            {
                projects.push(p.project_id);
            }
        }
        let input = MeetingInput {
            kind: f.kind.clone(),
            title: f.title.clone(),
            scheduled_at: at,
            place: f.place.clone(),
            project_id: (projects.len() == 1).then(|| projects[0]),
            problem_ids: f.problems.clone(),
            invitees: f
                .units
                .iter()
                .map(|u| InviteeInput {
                    unit_id: *u,
                    user_id: None,
                })
                .collect(),
        };
        meetings::convene(&s.app, &user.actor, &input, &user.meta).await
    }
    .await;
    match r {
        Ok(m) => see_other(&format!("/meetings/{}?done=convene", m.id)),
        Err(e) => refused(&e, &user, |m| list_page(&s, &user, f, m)).await,
    }
}

// ---------------------------------------------------------------- meeting page

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingTpl {
    c: Chrome,
    x: MeetingRow,
    attendance: Vec<(String, String)>,
    items: Vec<ActionItemRow>,
    may_record: bool,
    units: Vec<(i64, String)>,
    rows: [usize; 3],
    errors: BTreeMap<String, String>,
    lang: &'static str,
}

impl MeetingTpl {
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn att(&self, code: &Option<String>) -> String {
        l::attendance(self.lang, code.as_deref())
    }
    fn pstatus(&self, code: &str) -> String {
        l::problem_status(self.lang, code)
    }
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn absent_without_leave(&self, code: &Option<String>) -> bool {
        let _ = self;
        code.as_deref() == Some(Attendance::AbsentWithoutLeave.code())
    }
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn problem_title(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.x.m.problems.iter().find(|p| p.id == id))
            .map(|p| p.title.clone())
            .unwrap_or_default()
    }
}

async fn meeting_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<MeetingTpl> {
    let a = &user.actor;
    let lang = user.lang;
    let m = meetings::get(&s.app.db.conn, a, id).await?;
    let may_record = a.role == Role::Coordinator && m.status == "planned";
    let units = if may_record {
        unit_options(s, user).await
    } else {
        vec![]
    };
    let items = m
        .action_items
        .iter()
        .cloned()
        .map(|x| action_item_row(lang, a, x))
        .collect();
    let mut c = chrome(
        user,
        "/meetings",
        "meeting.title",
        vec![
            (t(lang, "meeting.title"), Some("/meetings".into())),
            (m.title.clone(), None),
        ],
    );
    c.title.clone_from(&m.title);
    c.flash = flash;
    Ok(MeetingTpl {
        x: meeting_row(lang, m),
        attendance: Attendance::ALL
            .into_iter()
            .map(|x| (x.code().to_owned(), l::attendance(lang, Some(x.code()))))
            .collect(),
        items,
        may_record,
        units,
        rows: ROWS,
        errors,
        lang,
        c,
    })
}

/// GET /meetings/{id}
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let flash = super::projects::done_flash(user.lang, &q);
    match meeting_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /meetings/{id}/record — minutes, `att_{attendee}` and `attnote_{attendee}` per invitee,
/// and decision rows `d_text_{i}`, `d_problem_{i}`, `d_resolves_{i}`, `d_ai_title_{i}`,
/// `d_ai_unit_{i}`, `d_ai_days_{i}` (rows without text are ignored).
pub async fn record(
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
            let aid = k.strip_prefix("att_")?.parse::<i64>().ok()?;
            Some(AttendanceInput {
                attendee_id: aid,
                attendance: v.trim().to_owned(),
                note: get(&format!("attnote_{aid}")),
            })
        })
        .collect();
    let decisions = ROWS
        .iter()
        .filter_map(|i| {
            let text = get(&format!("d_text_{i}"));
            (!text.is_empty()).then(|| DecisionInput {
                text,
                problem_id: get(&format!("d_problem_{i}")).parse().ok(),
                resolves_problem: !get(&format!("d_resolves_{i}")).is_empty(),
                action_items: action_item_rows(&get, &format!("d_{i}_ai_"), &[0]),
            })
        })
        .collect();
    let input = MeetingRecordInput {
        version: get("version").parse().unwrap_or(0),
        minutes: get("minutes"),
        attendance,
        decisions,
    };
    match meetings::record_meeting(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/meetings/{id}?done=record")),
        Err(e) => refused(&e, &user, |m| meeting_page(&s, &user, id, m, None)).await,
    }
}

// ---------------------------------------------------------------- 会议纪要

#[derive(Template)]
#[template(path = "meeting_print.html")]
struct PrintTpl {
    lang: &'static str,
    x: MeetingRow,
    items: Vec<ActionItemRow>,
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
    #[expect(
        clippy::ref_option,
        reason = "askama passes template values by reference"
    )]
    fn att(&self, code: &Option<String>) -> String {
        l::attendance(self.lang, code.as_deref())
    }
}

/// GET /meetings/{id}/print
pub async fn print(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let lang = user.lang;
    match meetings::get(&s.app.db.conn, &user.actor, id).await {
        Ok(m) => {
            let items = m
                .action_items
                .iter()
                .cloned()
                .map(|x| action_item_row(lang, &user.actor, x))
                .collect();
            render(&PrintTpl {
                lang,
                x: meeting_row(lang, m),
                items,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- 交办事项

#[derive(Template)]
#[template(path = "action_items.html")]
struct ItemsTpl {
    c: Chrome,
    rows: Vec<ActionItemRow>,
    all: bool,
    errors: BTreeMap<String, String>,
}

async fn items_page(
    s: &AppState,
    user: &PageUser,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<ItemsTpl> {
    let a = &user.actor;
    let lang = user.lang;
    let rows = meetings::action_items(&s.app.db.conn, a, &ActionItemFilter::default())
        .await?
        .into_iter()
        .map(|x| action_item_row(lang, a, x))
        .collect();
    let mut c = chrome(
        user,
        "/action-items",
        "action_item.title",
        vec![(t(lang, "action_item.title"), None)],
    );
    c.flash = flash;
    Ok(ItemsTpl {
        c,
        rows,
        all: matches!(a.role, Role::Coordinator | Role::CityLeader),
        errors,
    })
}

/// GET /action-items
pub async fn action_items(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<DoneQuery>,
) -> Response {
    let flash = super::projects::done_flash(user.lang, &q);
    match items_page(&s, &user, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The 落实完毕 form as posted.
#[derive(Deserialize, Default)]
pub struct DoneForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    note: String,
}

/// POST /action-items/{id}/done
pub async fn complete(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DoneForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match meetings::complete_action_item(&s.app, &user.actor, id, f.version, &f.note, &user.meta)
        .await
    {
        Ok(_) => see_other("/action-items?done=complete"),
        Err(e) => refused(&e, &user, |m| items_page(&s, &user, m, None)).await,
    }
}
