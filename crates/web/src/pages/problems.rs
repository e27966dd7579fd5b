//! 问题协调: the problem list, the problem page (card, the actions the user may take now, the
//! whole history, the city leader's decision, the action items) and their posts; the project
//! page's 问题与诉求 form posts here too.

use super::labels as l;
use super::projects::DoneQuery;
use super::{Chrome, check_csrf, chrome, error_page, form_errors, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::meetings::{self, ActionItemFilter, ActionItemInput, ActionItemView};
use daiban_app::problems::{self, ProblemActInput, ProblemFilter, ProblemView, RaiseInput};
use daiban_app::units::{self, UnitFilter};
use daiban_app::{AppError, AppResult, FieldError};
use daiban_domain::problem::{Level, ProblemAction, ProblemStatus};
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How many action-item rows the decision forms offer (blank rows are ignored).
pub const ROWS: [usize; 3] = [1, 2, 3];

/// A problem with its labels.
pub struct ProblemRow {
    /// The problem.
    pub p: ProblemView,
    /// Level label.
    pub level: String,
    /// Status label.
    pub status: String,
    /// Category label.
    pub category: String,
    /// The level's due time (China time), while open.
    pub due: String,
}

/// Labels a problem.
pub fn problem_row(lang: &str, p: ProblemView) -> ProblemRow {
    ProblemRow {
        level: l::level(lang, &p.level),
        status: l::problem_status(lang, &p.status),
        category: l::category(lang, &p.category),
        due: if p.status == ProblemStatus::Open.code() {
            l::dt(p.level_due_at)
        } else {
            String::new()
        },
        p,
    }
}

/// An action item with its labels.
pub struct ActionItemRow {
    /// The item.
    pub a: ActionItemView,
    /// Status label.
    pub status: String,
    /// Due (China time).
    pub due: String,
    /// Warning text (open items only).
    pub warning: String,
    /// Warning CSS class.
    pub warning_class: &'static str,
    /// Where it comes from.
    pub source: String,
    /// When it was done.
    pub done: String,
    /// The user may report it done now.
    pub may_complete: bool,
}

/// Labels an action item for `actor`.
pub fn action_item_row(lang: &str, actor: &daiban_app::Actor, a: ActionItemView) -> ActionItemRow {
    let open = a.status == "open";
    let mine = actor.unit_id == Some(a.owner_unit_id)
        && matches!(actor.role, Role::Agent | Role::Helper | Role::UnitLeader);
    ActionItemRow {
        status: l::action_item_status(lang, &a.status),
        due: l::dt(a.due_at),
        warning: if open {
            l::warning(lang, &a.warning)
        } else {
            String::new()
        },
        warning_class: l::warning_class(&a.warning),
        source: t(lang, &format!("action_item.source_{}", a.source)),
        done: l::odt(a.done_at),
        may_complete: open && (mine || actor.role == Role::Coordinator),
        a,
    }
}

/// Units as select options (owner units of action items, invitees).
pub async fn unit_options(s: &AppState, user: &PageUser) -> Vec<(i64, String)> {
    units::list(&s.app.db.conn, &user.actor, &UnitFilter::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect()
}

fn int(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// Reads the action-item rows `{prefix}title_{i}`, `{prefix}unit_{i}`, `{prefix}days_{i}`;
/// rows without a title are ignored.
pub fn action_item_rows(
    get: &dyn Fn(&str) -> String,
    prefix: &str,
    rows: &[usize],
) -> Vec<ActionItemInput> {
    rows.iter()
        .filter_map(|i| {
            let title = get(&format!("{prefix}title_{i}"));
            (!title.is_empty()).then(|| ActionItemInput {
                title,
                owner_unit_id: int(&get(&format!("{prefix}unit_{i}"))).unwrap_or(0),
                owner_user_id: None,
                due_days: get(&format!("{prefix}days_{i}"))
                    .trim()
                    .parse()
                    .unwrap_or(0),
            })
        })
        .collect()
}

/// The value of form field `k` (trimmed; empty when absent).
pub fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- list

/// The list's filters as the form sends them.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    overdue: String,
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ListTpl {
    c: Chrome,
    rows: Vec<ProblemRow>,
    f: ListQuery,
    statuses: Vec<(String, String)>,
    levels: Vec<(String, String)>,
}

/// GET /problems
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<ListQuery>,
) -> Response {
    let lang = user.lang;
    let filter = ProblemFilter {
        status: Some(f.status.clone()).filter(|x| !x.is_empty()),
        level: Some(f.level.clone()).filter(|x| !x.is_empty()),
        overdue: (!f.overdue.is_empty()).then_some(true),
        ..ProblemFilter::default()
    };
    match problems::list(&s.app.db.conn, &user.actor, &filter, s.app.now()).await {
        Ok(list) => {
            let c = chrome(
                &user,
                "/problems",
                "problem.title",
                vec![(t(lang, "problem.title"), None)],
            );
            render(&ListTpl {
                rows: list.into_iter().map(|p| problem_row(lang, p)).collect(),
                statuses: ProblemStatus::ALL
                    .into_iter()
                    .map(|x| (x.code().to_owned(), l::problem_status(lang, x.code())))
                    .collect(),
                levels: Level::ALL
                    .into_iter()
                    .map(|x| (x.code().to_owned(), l::level(lang, x.code())))
                    .collect(),
                f,
                c,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- problem page

/// One action form.
pub struct ActForm {
    /// Action code.
    pub code: &'static str,
    /// Label.
    pub label: String,
    /// What the note is, in words.
    pub note_label: String,
    /// The note is required.
    pub required: bool,
}

/// One entry of the history.
pub struct HistoryRow {
    /// What happened.
    pub what: String,
    /// Level change, as text.
    pub levels: String,
    /// Status change, as text.
    pub statuses: String,
    /// An automatic escalation (超时自动上报).
    pub auto: bool,
    /// Who.
    pub who: String,
    /// Their role.
    pub role: String,
    /// What was said.
    pub note: String,
    /// When (China time).
    pub when: String,
}

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemTpl {
    c: Chrome,
    x: ProblemRow,
    actions: Vec<ActForm>,
    history: Vec<HistoryRow>,
    items: Vec<ActionItemRow>,
    leader_form: bool,
    units: Vec<(i64, String)>,
    rows: [usize; 3],
    sees_meetings: bool,
    errors: BTreeMap<String, String>,
}

impl ProblemTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    fn raised_role(&self) -> String {
        self.c.t(&format!("role.{}", self.x.p.raised_by_role))
    }
}

fn change(label: impl Fn(&str) -> String, from: Option<&str>, to: Option<&str>) -> String {
    match (from, to) {
        (Some(a), Some(b)) if a != b => format!("{} → {}", label(a), label(b)),
        (None, Some(b)) => label(b),
        _ => String::new(),
    }
}

async fn problem_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<ProblemTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let p = problems::get(db, a, id, s.app.now()).await?;
    let actions = problems::available_actions(db, a, id)
        .await?
        .into_iter()
        .map(|x| ActForm {
            code: x.code(),
            label: l::problem_action(lang, x),
            note_label: t(lang, &format!("problem.note_{}", x.code())),
            required: x.requires_text(),
        })
        .collect();
    let history = problems::history(db, a, id)
        .await?
        .into_iter()
        .map(|e| HistoryRow {
            what: match ProblemAction::from_code(&e.kind) {
                Some(x) => l::problem_action(lang, x),
                None => t(lang, &format!("problem.ev_{}", e.kind)),
            },
            levels: change(
                |c| l::level(lang, c),
                e.from_level.as_deref(),
                e.to_level.as_deref(),
            ),
            statuses: change(
                |c| l::problem_status(lang, c),
                e.from_status.as_deref(),
                e.to_status.as_deref(),
            ),
            auto: e.kind == "auto_escalate",
            who: e.actor_name,
            role: if e.actor_role.is_empty() {
                String::new()
            } else {
                t(lang, &format!("role.{}", e.actor_role))
            },
            note: e.note,
            when: l::dt(e.occurred_at),
        })
        .collect();
    let items = meetings::action_items(
        db,
        a,
        &ActionItemFilter {
            problem: Some(id),
            ..ActionItemFilter::default()
        },
    )
    .await
    .unwrap_or_default()
    .into_iter()
    .map(|x| action_item_row(lang, a, x))
    .collect();
    let leader_form = a.role == Role::CityLeader
        && p.status == ProblemStatus::Open.code()
        && p.level == Level::CityLeader.code();
    let units = if leader_form {
        unit_options(s, user).await
    } else {
        vec![]
    };
    let mut c = chrome(
        user,
        "/problems",
        "problem.title",
        vec![
            (t(lang, "problem.title"), Some("/problems".into())),
            (p.title.clone(), None),
        ],
    );
    c.title.clone_from(&p.title);
    c.flash = flash;
    Ok(ProblemTpl {
        x: problem_row(lang, p),
        actions,
        history,
        items,
        leader_form,
        units,
        rows: ROWS,
        sees_meetings: !matches!(a.role, Role::Enterprise),
        errors,
        c,
    })
}

/// GET /problems/{id}
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let flash = super::projects::done_flash(user.lang, &q);
    match problem_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

async fn rerender(s: &AppState, user: &PageUser, id: i64, e: &AppError) -> Response {
    let Some((m, status)) = form_errors(e, user.lang) else {
        return error_page(e, user.lang, &user.meta.request_id);
    };
    match problem_page(s, user, id, m, None).await {
        Ok(tpl) => {
            let mut r = render(&tpl);
            *r.status_mut() = status;
            r
        }
        Err(e2) => error_page(&e2, user.lang, &user.meta.request_id),
    }
}

/// An action as posted.
#[derive(Deserialize, Default)]
pub struct ActPost {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    note: String,
}

/// POST /problems/{id}/act
pub async fn act(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ActPost>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = ProblemActInput {
        action: f.action,
        version: f.version,
        note: f.note,
    };
    match problems::act(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/problems/{id}?done={}", input.action)),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /problems/{id}/decision — the city leader's decision with its action items
/// (`text`, `resolves`, `ai_title_{i}`, `ai_unit_{i}`, `ai_days_{i}`).
pub async fn decision(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let input = meetings::LeaderDecisionInput {
        version: get("version").parse().unwrap_or(0),
        text: get("text"),
        resolves_problem: !get("resolves").is_empty(),
        action_items: action_item_rows(&get, "ai_", &ROWS),
    };
    match meetings::leader_decision(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/problems/{id}?done=decision")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /projects/{id}/problems — raise a problem from the project page (`title`, `category`,
/// `department_id`, `case_item` per blocked item, `at_site`, `description`).
pub async fn raise(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| field(&pairs, k);
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let Some(department_id) = int(&get("department_id")) else {
        let e = AppError::Invalid(vec![FieldError::new(
            "department_id",
            "required",
            "请选择责任部门",
            "choose the responsible department",
        )]);
        return super::projects::rerender(&s, &user, id, &e).await;
    };
    let input = RaiseInput {
        title: get("title"),
        description: get("description"),
        category: get("category"),
        department_id,
        case_item_ids: pairs
            .iter()
            .filter(|(k, _)| k == "case_item")
            .filter_map(|(_, v)| int(v))
            .collect(),
        at_site: !get("at_site").is_empty(),
    };
    match problems::raise(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(p) => see_other(&format!("/problems/{}?done=raise", p.id)),
        Err(e) => super::projects::rerender(&s, &user, id, &e).await,
    }
}
