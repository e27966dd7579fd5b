//! 项目: the project list, the bureau's priority board, the project page (card, mandate,
//! decline, bureau helper, stage, case items, item requests, expected completion, timeline),
//! the new-project form and the printable mandate forms.

use super::labels::{self as l, pick};
use super::problems::{ProblemRow, problem_row};
use super::{Chrome, check_csrf, chrome, error_page, field_errors, form_errors, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use daiban_app::cases::{self, CaseFilter, CaseItemView, RequestInput};
use daiban_app::catalog::{self, CatalogFilter, CatalogItemView};
use daiban_app::meetings;
use daiban_app::problems::{self, ProblemFilter};
use daiban_app::projects::{
    self, EventView, ExpectedCompletion, MandateInput, MandateView, ProjectFilter, ProjectInput,
    ProjectView,
};
use daiban_app::timeline::Occurred;
use daiban_app::units::{self, UnitFilter};
use daiban_app::users::{self, UserFilter};
use daiban_app::{AppError, AppResult, FieldError, enterprises};
use daiban_domain::case_item::{CaseState, allowed_actions};
use daiban_domain::clock::ItemType;
use daiban_domain::mandate::{MandateAction, MandateState, TerminationCause};
use daiban_domain::problem::ProblemCategory;
use daiban_domain::project::{PolicyStanding, ProjectStage, ProjectStatus};
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A project with its labels.
pub struct ProjectRow {
    /// The project.
    pub p: ProjectView,
    /// Stage label.
    pub stage: String,
    /// Status label.
    pub status: String,
    /// Standing label.
    pub standing: String,
    /// Kind label.
    pub kind: String,
}

/// Labels a project.
pub fn row(lang: &str, p: ProjectView) -> ProjectRow {
    ProjectRow {
        stage: l::stage(lang, &p.stage),
        status: l::status(lang, &p.status),
        standing: l::standing(lang, &p.policy_standing),
        kind: l::project_kind(lang, &p.kind),
        p,
    }
}

/// A case item with its labels.
pub struct CaseRow {
    /// The item.
    pub c: CaseItemView,
    /// State label.
    pub state: String,
    /// Type label.
    pub item_type: String,
    /// Due (China time), of the step that runs now.
    pub due: String,
    /// Warning text.
    pub warning: String,
    /// Warning CSS class.
    pub warning_class: &'static str,
    /// Who has it now.
    pub holder: String,
    /// What comes next.
    pub next: String,
}

/// Labels a case item.
pub fn case_row(lang: &str, c: CaseItemView) -> CaseRow {
    let state = CaseState::from_code(&c.state);
    let holder = match state {
        Some(CaseState::Requested) => t(lang, "case.holder_window"),
        Some(CaseState::Accepted | CaseState::Ready) => c.agent_name.clone(),
        Some(CaseState::AwaitingMaterials) => t(lang, "case.holder_enterprise"),
        Some(CaseState::Submitted | CaseState::InReview | CaseState::Suspended) => {
            if c.helper_name.is_empty() {
                c.department_name.clone()
            } else {
                format!("{}（{}）", c.department_name, c.helper_name)
            }
        }
        Some(CaseState::ReportedUp) => t(lang, "case.holder_above"),
        _ => String::new(),
    };
    let next = match (state, ItemType::from_code(&c.item_type)) {
        (Some(s), Some(ty)) => allowed_actions(s, ty)
            .into_iter()
            .map(|a| l::action(lang, a))
            .collect::<Vec<_>>()
            .join(" / "),
        _ => String::new(),
    };
    let due = match state {
        Some(CaseState::Ready) => l::odt(c.submit_due_at),
        Some(s) if s.is_open() => l::odt(c.due_at),
        _ => String::new(),
    };
    CaseRow {
        state: l::case_state(lang, &c.state),
        item_type: l::item_type(lang, &c.item_type),
        due,
        warning: l::warning(lang, &c.warning),
        warning_class: l::warning_class(&c.warning),
        holder,
        next,
        c,
    }
}

/// Whether the actor acts as the project's agent side (the app decides; this only chooses
/// which forms to show).
fn agent_side(actor: &daiban_app::Actor, p: &ProjectView) -> bool {
    match actor.role {
        Role::Coordinator => true,
        Role::Agent => actor.unit_id == Some(p.unit_id),
        Role::Helper => p.major && p.bureau_helper_id == Some(actor.user_id),
        _ => false,
    }
}

fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| (code(*x).to_owned(), label(*x)))
        .collect()
}

fn stage_options(lang: &str) -> Vec<(String, String)> {
    options(&ProjectStage::ALL, ProjectStage::code, |s| {
        pick(lang, s.label_zh(), s.label_en())
    })
}

fn status_options(lang: &str) -> Vec<(String, String)> {
    options(&ProjectStatus::ALL, ProjectStatus::code, |s| {
        pick(lang, s.label_zh(), s.label_en())
    })
}

fn standing_options(lang: &str) -> Vec<(String, String)> {
    options(&PolicyStanding::ALL, PolicyStanding::code, |s| {
        pick(lang, s.label_zh(), s.label_en())
    })
}

fn town_units(units: Vec<daiban_app::units::UnitView>) -> Vec<daiban_app::units::UnitView> {
    units
        .into_iter()
        .filter(|u| matches!(u.kind.as_str(), "town" | "subdistrict" | "dev_zone"))
        .collect()
}

fn int(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

// ---------------------------------------------------------------- list

/// The list's query as the filter form sends it (empty fields allowed).
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    major: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

const PAGE_SIZE: u64 = 30;

#[derive(Template)]
#[template(path = "projects.html")]
struct ListTpl {
    c: Chrome,
    rows: Vec<ProjectRow>,
    total: u64,
    f: ListQuery,
    units: Vec<(i64, String)>,
    stages: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    page: u64,
    pages: u64,
    prev_href: String,
    next_href: String,
    may_create: bool,
}

impl ListQuery {
    fn href(&self, page: u64) -> String {
        let enc = crate::extract::urlencode;
        format!(
            "/projects?unit={}&stage={}&status={}&major={}&overdue={}&q={}&page={page}",
            enc(&self.unit),
            enc(&self.stage),
            enc(&self.status),
            enc(&self.major),
            enc(&self.overdue),
            enc(&self.q)
        )
    }
}

/// GET /projects
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<ListQuery>,
) -> Response {
    let db = &s.app.db.conn;
    let page = f.page.trim().parse::<u64>().unwrap_or(1).max(1);
    let filter = ProjectFilter {
        unit: int(&f.unit),
        stage: Some(f.stage.clone()).filter(|x| !x.is_empty()),
        status: Some(f.status.clone()).filter(|x| !x.is_empty()),
        major: (!f.major.is_empty()).then_some(true),
        q: Some(f.q.clone()).filter(|x| !x.is_empty()),
        overdue: (!f.overdue.is_empty()).then_some(true),
        limit: Some(PAGE_SIZE),
        offset: Some((page - 1) * PAGE_SIZE),
    };
    let r = projects::list(db, &user.actor, &filter).await;
    match r {
        Ok((list, total)) => {
            let unit_list = if user.actor.role == Role::Enterprise {
                vec![]
            } else {
                units::list(db, &user.actor, &UnitFilter::default())
                    .await
                    .map(town_units)
                    .unwrap_or_default()
            };
            let c = chrome(
                &user,
                "/projects",
                "projects.title",
                vec![(t(user.lang, "projects.title"), None)],
            );
            let pages = total.div_ceil(PAGE_SIZE).max(1);
            render(&ListTpl {
                rows: list.into_iter().map(|p| row(user.lang, p)).collect(),
                total,
                units: unit_list.into_iter().map(|u| (u.id, u.name)).collect(),
                stages: stage_options(user.lang),
                statuses: status_options(user.lang),
                page,
                pages,
                prev_href: f.href(page.saturating_sub(1).max(1)),
                next_href: f.href(page + 1),
                may_create: matches!(
                    user.actor.role,
                    Role::Enterprise | Role::Agent | Role::Coordinator
                ),
                f,
                c,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- priority board

/// A major project on the board.
pub struct BoardRow {
    /// The project.
    pub r: ProjectRow,
    /// Open case items.
    pub open: u64,
    /// Red (overdue) open items.
    pub red: u64,
    /// Open problems.
    pub problems: usize,
    /// The latest meeting about it: id, title, date (China time).
    pub meeting: Option<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "projects_major.html")]
struct BoardTpl {
    c: Chrome,
    rows: Vec<BoardRow>,
}

/// GET /projects/major — the bureau's priority board of major projects.
pub async fn major(State(s): State<AppState>, user: PageUser) -> Response {
    let db = &s.app.db.conn;
    let now = s.app.now();
    let r = async {
        let (list, _) = projects::list(
            db,
            &user.actor,
            &ProjectFilter {
                major: Some(true),
                overdue: None,
                limit: Some(500),
                ..ProjectFilter::default()
            },
        )
        .await?;
        let all_problems = problems::list(
            db,
            &user.actor,
            &ProblemFilter {
                major: Some(true),
                ..ProblemFilter::default()
            },
            now,
        )
        .await
        .unwrap_or_default();
        // Newest first.
        let all_meetings = meetings::list(db, &user.actor).await.unwrap_or_default();
        let mut rows = Vec::with_capacity(list.len());
        for p in list {
            let of_project: Vec<i64> = all_problems
                .iter()
                .filter(|x| x.project_id == p.id)
                .map(|x| x.id)
                .collect();
            let open_problems = all_problems
                .iter()
                .filter(|x| x.project_id == p.id && x.status == "open")
                .count();
            let meeting = all_meetings
                .iter()
                .find(|m| {
                    m.project_id == Some(p.id)
                        || m.problems.iter().any(|x| of_project.contains(&x.id))
                })
                .map(|m| (m.id, m.title.clone(), l::dt(m.scheduled_at)));
            let f = CaseFilter {
                project: Some(p.id),
                state: Some("open".into()),
                limit: Some(1),
                ..CaseFilter::default()
            };
            let (_, open) = cases::list(db, &user.actor, &f, now).await?;
            let f = CaseFilter {
                warning: Some("red".into()),
                ..f
            };
            let (_, red) = cases::list(db, &user.actor, &f, now).await?;
            rows.push(BoardRow {
                r: row(user.lang, p),
                open,
                red,
                problems: open_problems,
                meeting,
            });
        }
        rows.sort_by(|a, b| b.red.cmp(&a.red).then(b.open.cmp(&a.open)));
        Ok::<_, AppError>(rows)
    }
    .await;
    match r {
        Ok(rows) => {
            let c = chrome(
                &user,
                "/projects/major",
                "projects.major_title",
                vec![(t(user.lang, "projects.major_title"), None)],
            );
            render(&BoardTpl { c, rows })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- project page

/// A timeline entry with its labels.
pub struct EventRow {
    /// The event.
    pub e: EventView,
    /// What happened.
    pub what: String,
    /// Role label of who did it.
    pub role: String,
    /// When it happened.
    pub occurred: String,
    /// When it was entered.
    pub entered: String,
    /// State change, as text.
    pub change: String,
    /// The case item's name, if the event concerns one.
    pub item: String,
}

/// Labels the events.
pub fn event_rows(lang: &str, events: Vec<EventView>, items: &[CaseRow]) -> Vec<EventRow> {
    events
        .into_iter()
        .map(|e| {
            let label = |code: &str| {
                if e.kind.starts_with("case.") {
                    l::case_state(lang, code)
                } else if e.kind == "project.stage" {
                    l::stage(lang, code)
                } else if e.kind.starts_with("material.") {
                    l::custody(lang, code)
                } else {
                    l::status(lang, code)
                }
            };
            let change = match (&e.from_state, &e.to_state) {
                (Some(a), Some(b)) => format!("{} → {}", label(a), label(b)),
                (None, Some(b)) => label(b),
                _ => String::new(),
            };
            EventRow {
                what: l::event(lang, &e.kind),
                role: if e.actor_role.is_empty() {
                    String::new()
                } else {
                    t(lang, &format!("role.{}", e.actor_role))
                },
                occurred: l::dt(e.occurred_at),
                entered: l::dt(e.entered_at),
                change,
                item: e
                    .case_item_id
                    .and_then(|id| items.iter().find(|c| c.c.id == id))
                    .map(|c| c.c.item_name.clone())
                    .unwrap_or_default(),
                e,
            }
        })
        .collect()
}

/// The catalog grouped by stage, for the request form.
pub struct StageGroup {
    /// Stage label.
    pub label: String,
    /// Its items.
    pub items: Vec<CatalogItemView>,
}

/// Groups catalog items by stage, in stage order.
pub fn by_stage(lang: &str, items: Vec<CatalogItemView>) -> Vec<StageGroup> {
    let mut groups: Vec<StageGroup> = Vec::new();
    for st in ProjectStage::ALL {
        let these: Vec<_> = items
            .iter()
            .filter(|i| i.stage == st.code())
            .cloned()
            .collect();
        if !these.is_empty() {
            groups.push(StageGroup {
                label: pick(lang, st.label_zh(), st.label_en()),
                items: these,
            });
        }
    }
    let known: Vec<&str> = ProjectStage::ALL.iter().map(|s| s.code()).collect();
    let rest: Vec<_> = items
        .into_iter()
        .filter(|i| !known.contains(&i.stage.as_str()))
        .collect();
    if !rest.is_empty() {
        groups.push(StageGroup {
            label: t(lang, "catalog.other_stage"),
            items: rest,
        });
    }
    groups
}

#[derive(Template)]
#[template(path = "project.html")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per section the page shows"
)]
struct ProjectTpl {
    c: Chrome,
    r: ProjectRow,
    mandate: Option<MandateView>,
    mandate_state: String,
    mandate_signed: String,
    mandate_actions: Vec<(String, String)>,
    /// For the termination form: (code, label) of each cause.
    termination_causes: Vec<(String, String)>,
    /// Who a staff-fault termination may name.
    fault_candidates: Vec<(i64, String)>,
    /// The termination's cause and the person at fault, shown once terminated.
    termination: String,
    cases: Vec<CaseRow>,
    events: Vec<EventRow>,
    expected: Option<ExpectedCompletion>,
    catalog: Vec<StageGroup>,
    helpers: Vec<(i64, String)>,
    stages: Vec<(String, String)>,
    agent_side: bool,
    may_sign: bool,
    may_decline: bool,
    may_request: bool,
    may_assign: bool,
    declined_or_out: bool,
    errors: BTreeMap<String, String>,
    now_local: String,
    problems: Vec<ProblemRow>,
    may_raise: bool,
    categories: Vec<(String, String)>,
    departments: Vec<(i64, String)>,
    open_cases: Vec<(i64, String)>,
}

impl ProjectTpl {
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn is_helper(&self, id: &i64) -> bool {
        self.r.p.bureau_helper_id == Some(*id)
    }
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

async fn project_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<ProjectTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let now = s.app.now();
    let p = projects::get(db, a, id).await?;
    let mandate = projects::mandate(db, a, id).await?;
    let (case_list, _) = cases::list(
        db,
        a,
        &CaseFilter {
            project: Some(id),
            limit: Some(500),
            ..CaseFilter::default()
        },
        now,
    )
    .await?;
    let cases: Vec<CaseRow> = case_list.into_iter().map(|c| case_row(lang, c)).collect();
    let events = event_rows(lang, projects::events(db, a, id).await?, &cases);
    let expected = projects::expected_completion(db, a, id, &s.app.calendar(), now)
        .await
        .ok();
    let agent = agent_side(a, &p);
    let status = ProjectStatus::from_code(&p.status);
    let served =
        PolicyStanding::from_code(&p.policy_standing).is_some_and(PolicyStanding::is_served);
    let may_sign =
        status == Some(ProjectStatus::Requested) && served && (a.role == Role::Enterprise || agent);
    let may_decline = status == Some(ProjectStatus::Requested) && !served && agent;
    let may_request =
        status == Some(ProjectStatus::Active) && (a.role == Role::Enterprise || agent);
    let may_assign = a.role == Role::Coordinator && p.major;
    let catalog = if may_request {
        by_stage(lang, catalog::list(db, &CatalogFilter::default()).await?)
    } else {
        vec![]
    };
    let helpers = if may_assign {
        let bureau = units::find_by_code(db, "BUREAU").await?;
        users::list(
            db,
            a,
            &UserFilter {
                role: Some("helper".into()),
                unit_id: bureau.map(|b| b.id),
                ..UserFilter::default()
            },
        )
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect()
    } else {
        vec![]
    };
    let (problems, may_raise, departments) = problems_section(s, a, lang, id, &cases, now).await?;
    let open_cases = if may_raise {
        cases_open(&cases)
    } else {
        vec![]
    };
    let mandate_actions = match (&mandate, a.role == Role::Enterprise || agent) {
        (Some(m), true) => {
            let from = MandateState::from_code(&m.state);
            MandateAction::ALL
                .into_iter()
                .filter(|act| {
                    from.is_some_and(|f| daiban_domain::mandate::apply_mandate(f, *act).is_ok())
                })
                .map(|act| (act.code().to_owned(), l::mandate_action(lang, act)))
                .collect()
        }
        _ => vec![],
    };
    let may_terminate = mandate_actions.iter().any(|(code, _)| code == "terminate");
    let fault_candidates = if may_terminate {
        projects::fault_candidates(db, a, id).await?
    } else {
        vec![]
    };
    let termination = mandate
        .as_ref()
        .and_then(|m| {
            let cause = TerminationCause::from_code(m.termination_cause.as_deref()?)?;
            let label = if lang == "en" {
                cause.label_en()
            } else {
                cause.label_zh()
            };
            Some(match &m.fault_user_name {
                Some(n) => format!("{label}（{n}）"),
                None => label.to_owned(),
            })
        })
        .unwrap_or_default();
    let mut c = chrome(
        user,
        "/projects",
        "projects.project",
        vec![
            (t(lang, "projects.title"), Some("/projects".into())),
            (p.name.clone(), None),
        ],
    );
    c.title.clone_from(&p.name);
    c.flash = flash;
    Ok(ProjectTpl {
        mandate_state: mandate
            .as_ref()
            .map(|m| l::mandate_state(lang, &m.state))
            .unwrap_or_default(),
        mandate_signed: mandate
            .as_ref()
            .map(|m| l::dt(m.signed_at))
            .unwrap_or_default(),
        mandate,
        mandate_actions,
        termination_causes: TerminationCause::ALL
            .into_iter()
            .map(|c| {
                let label = if lang == "en" {
                    c.label_en()
                } else {
                    c.label_zh()
                };
                (c.code().to_owned(), label.to_owned())
            })
            .collect(),
        fault_candidates,
        termination,
        declined_or_out: status == Some(ProjectStatus::Declined) || !served,
        r: row(lang, p),
        cases,
        events,
        expected,
        catalog,
        helpers,
        stages: stage_options(lang),
        agent_side: agent,
        may_sign,
        may_decline,
        may_request,
        may_assign,
        errors,
        now_local: now
            .with_timezone(&daiban_domain::clock::CHINA)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        open_cases,
        problems,
        may_raise,
        categories: ProblemCategory::ALL
            .into_iter()
            .map(|x| (x.code().to_owned(), l::category(lang, x.code())))
            .collect(),
        departments,
        c,
    })
}

fn cases_open(cases: &[CaseRow]) -> Vec<(i64, String)> {
    cases
        .iter()
        .filter(|x| CaseState::from_code(&x.c.state).is_some_and(CaseState::is_open))
        .map(|x| (x.c.id, x.c.item_name.clone()))
        .collect()
}

/// The project's problems, whether the user may raise one, and the departments to choose from
/// (staff: every department; the enterprise: those of the guide and of its items).
async fn problems_section(
    s: &AppState,
    a: &daiban_app::Actor,
    lang: &str,
    id: i64,
    cases: &[CaseRow],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(Vec<ProblemRow>, bool, Vec<(i64, String)>)> {
    let db = &s.app.db.conn;
    let list = problems::list(
        db,
        a,
        &ProblemFilter {
            project: Some(id),
            ..ProblemFilter::default()
        },
        now,
    )
    .await
    .unwrap_or_default()
    .into_iter()
    .map(|p| problem_row(lang, p))
    .collect();
    let may_raise = !matches!(a.role, Role::CityLeader | Role::Admin | Role::Auditor);
    let departments = if !may_raise {
        vec![]
    } else if a.role == Role::Enterprise {
        let names = units::names(db).await?;
        let mut ids: Vec<i64> = catalog::list(db, &CatalogFilter::default())
            .await?
            .into_iter()
            .map(|i| i.department_id)
            .chain(cases.iter().map(|x| x.c.department_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|d| names.get(&d).map(|n| (d, n.clone())))
            .collect()
    } else {
        units::list(
            db,
            a,
            &UnitFilter {
                kind: Some("department".into()),
                ..UnitFilter::default()
            },
        )
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect()
    };
    Ok((list, may_raise, departments))
}

/// `?done=key` after a successful post: the flash message's key.
#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The flash message for `?done=`.
pub fn done_flash(lang: &str, q: &DoneQuery) -> Option<String> {
    q.done.as_deref().map(|_| t(lang, "common.saved"))
}

/// GET /projects/{id}
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    match project_page(&s, &user, id, BTreeMap::new(), done_flash(user.lang, &q)).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

pub(super) async fn rerender(s: &AppState, user: &PageUser, id: i64, e: &AppError) -> Response {
    let Some((m, status)) = form_errors(e, user.lang) else {
        return error_page(e, user.lang, &user.meta.request_id);
    };
    match project_page(s, user, id, m, None).await {
        Ok(tpl) => {
            let mut r = render(&tpl);
            *r.status_mut() = status;
            r
        }
        Err(e2) => error_page(&e2, user.lang, &user.meta.request_id),
    }
}

/// The fields any project-page form may send.
#[derive(Deserialize, Default)]
pub struct ProjectForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    free_and_voluntary: Option<String>,
    #[serde(default)]
    helper_id: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    backdate_reason: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    fault_user_id: String,
}

fn occurred(at: &str, reason: &str) -> Result<Occurred, AppError> {
    let at = l::parse_local(at).map_err(|()| {
        AppError::Invalid(vec![FieldError::new(
            "occurred_at",
            "format",
            "发生时间格式无效",
            "the time is not valid",
        )])
    })?;
    Ok(Occurred {
        at,
        backdate_reason: reason.to_owned(),
    })
}

/// POST /projects/{id}/decline
pub async fn decline(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match projects::decline(
        &s.app,
        &user.actor,
        id,
        f.version,
        &f.explanation,
        &user.meta,
    )
    .await
    {
        Ok(_) => see_other(&format!("/projects/{id}?done=decline")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /projects/{id}/mandate — sign the mandate.
pub async fn sign(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = MandateInput {
        project_version: f.version,
        agent_ids: vec![],
        scope: f.scope.clone(),
        free_and_voluntary: f.free_and_voluntary.is_some(),
    };
    match projects::sign_mandate(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/projects/{id}?done=mandate")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /projects/{id}/mandate/{action}
pub async fn mandate_action(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let Some(act) = MandateAction::from_code(&action) else {
        return error_page(&AppError::NotFound, user.lang, &user.meta.request_id);
    };
    let step = projects::MandateStep {
        action: act,
        version: f.version,
        reason: f.reason,
        cause: TerminationCause::from_code(&f.cause),
        fault_user_id: int(&f.fault_user_id),
    };
    match projects::mandate_action(&s.app, &user.actor, id, &step, &user.meta).await {
        Ok(_) => see_other(&format!("/projects/{id}?done=mandate")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /projects/{id}/helper — the coordinator assigns a bureau helper.
pub async fn assign_helper(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let Some(helper) = int(&f.helper_id) else {
        let e = AppError::Invalid(vec![FieldError::required("helper_id", "帮办员")]);
        return rerender(&s, &user, id, &e).await;
    };
    match projects::assign_bureau_helper(&s.app, &user.actor, id, f.version, helper, &user.meta)
        .await
    {
        Ok(_) => see_other(&format!("/projects/{id}?done=helper")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /projects/{id}/stage
pub async fn set_stage(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ProjectForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let when = match occurred(&f.occurred_at, &f.backdate_reason) {
        Ok(w) => w,
        Err(e) => return rerender(&s, &user, id, &e).await,
    };
    match projects::set_stage(
        &s.app,
        &user.actor,
        id,
        f.version,
        &f.stage,
        &when,
        &user.meta,
    )
    .await
    {
        Ok(_) => see_other(&format!("/projects/{id}?done=stage")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

/// POST /projects/{id}/items — request catalog items (checkbox `item` per code).
pub async fn request_items(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(r) = check_csrf(&user, &get("_csrf")) {
        return r;
    }
    let input = RequestInput {
        item_codes: pairs
            .iter()
            .filter(|(k, _)| k == "item")
            .map(|(_, v)| v.clone())
            .collect(),
        note: get("note"),
    };
    if input.item_codes.is_empty() {
        let e = AppError::Invalid(vec![FieldError::new(
            "item_codes",
            "required",
            "请至少选择一个事项",
            "choose at least one item",
        )]);
        return rerender(&s, &user, id, &e).await;
    }
    match cases::request(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/projects/{id}?done=items")),
        Err(e) => rerender(&s, &user, id, &e).await,
    }
}

// ---------------------------------------------------------------- new project

#[derive(Template)]
#[template(path = "project_new.html")]
struct NewTpl {
    c: Chrome,
    f: ProjectInput,
    enterprise: String,
    enterprises: Vec<(i64, String)>,
    units: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    standings: Vec<(String, String)>,
    staff: bool,
    errors: BTreeMap<String, String>,
}

impl NewTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

async fn new_form(
    s: &AppState,
    user: &PageUser,
    f: ProjectInput,
    errors: BTreeMap<String, String>,
) -> Response {
    let db = &s.app.db.conn;
    let a = &user.actor;
    if !matches!(a.role, Role::Enterprise | Role::Agent | Role::Coordinator) {
        return error_page(
            &daiban_app::error::forbidden(),
            user.lang,
            &user.meta.request_id,
        );
    }
    let staff = a.role != Role::Enterprise;
    let enterprises = if staff {
        enterprises::list(db, a, None)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect()
    } else {
        vec![]
    };
    let units = if staff {
        units::list(db, a, &UnitFilter::default())
            .await
            .map(town_units)
            .unwrap_or_default()
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect()
    } else {
        vec![]
    };
    let c = chrome(
        user,
        "/projects",
        "projects.new",
        vec![
            (t(user.lang, "projects.title"), Some("/projects".into())),
            (t(user.lang, "projects.new"), None),
        ],
    );
    render(&NewTpl {
        c,
        enterprise: f.enterprise_id.map(|x| x.to_string()).unwrap_or_default(),
        f,
        enterprises,
        units,
        kinds: daiban_app::projects::KINDS
            .iter()
            .map(|k| (k.0.to_owned(), pick(user.lang, k.1, k.2)))
            .collect(),
        standings: standing_options(user.lang),
        staff,
        errors,
    })
}

/// GET /projects/new
pub async fn new(State(s): State<AppState>, user: PageUser) -> Response {
    let f = ProjectInput {
        kind: "new".into(),
        policy_standing: "encouraged".into(),
        ..ProjectInput::default()
    };
    new_form(&s, &user, f, BTreeMap::new()).await
}

/// The new-project form as posted.
#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    enterprise_id: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    investment_wan: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    policy_standing: String,
    #[serde(default)]
    major_urban: Option<String>,
    #[serde(default)]
    description: String,
}

/// POST /projects
pub async fn create(State(s): State<AppState>, user: PageUser, Form(f): Form<NewForm>) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = ProjectInput {
        name: f.name,
        code: f.code,
        enterprise_id: int(&f.enterprise_id),
        unit: f.unit,
        investment_wan: f.investment_wan,
        industry: f.industry,
        kind: f.kind,
        policy_standing: f.policy_standing,
        major_urban: f.major_urban.is_some(),
        description: f.description,
    };
    match projects::create(&s.app, &user.actor, &input, &user.meta).await {
        Ok(p) => see_other(&format!("/projects/{}?done=created", p.id)),
        Err(e) => match field_errors(&e, user.lang) {
            Some(m) => {
                let mut r = new_form(&s, &user, input, m).await;
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                r
            }
            None => error_page(&e, user.lang, &user.meta.request_id),
        },
    }
}

// ---------------------------------------------------------------- printable mandate forms

#[derive(Template)]
#[template(path = "mandate_print.html")]
struct PrintTpl {
    lang: &'static str,
    heading: String,
    r: ProjectRow,
    m: Option<MandateView>,
    action: String,
    reason: String,
    when: String,
    enterprise_uscc: String,
    signed_at: String,
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

/// `?action=` of the print page: empty for the mandate itself.
#[derive(Deserialize)]
pub struct PrintQuery {
    #[serde(default)]
    action: String,
}

/// GET /projects/{id}/mandate/print — 委托书, or with `?action=` 中止单 / 续办委托书 / 办结(终止)单.
pub async fn print(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<PrintQuery>,
) -> Response {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let r = async {
        let p = projects::get(db, a, id).await?;
        let m = projects::mandate(db, a, id).await?;
        let uscc = enterprises::get(db, a, p.enterprise_id)
            .await
            .map(|e| e.uscc)
            .unwrap_or_default();
        let events = projects::events(db, a, id).await?;
        Ok::<_, AppError>((p, m, uscc, events))
    }
    .await;
    match r {
        Ok((p, m, uscc, events)) => {
            let act = MandateAction::from_code(&q.action);
            let heading = match act {
                None => t(lang, "print.mandate"),
                Some(x) => t(lang, &format!("print.mandate_{}", x.code())),
            };
            let kind = act.map(|x| format!("mandate.{}", x.code()));
            let ev = kind
                .as_deref()
                .and_then(|k| events.iter().find(|e| e.kind == k));
            render(&PrintTpl {
                lang,
                heading,
                action: act.map(|x| l::mandate_action(lang, x)).unwrap_or_default(),
                reason: ev.map(|e| e.note.clone()).unwrap_or_default(),
                when: ev.map(|e| l::dt(e.occurred_at)).unwrap_or_default(),
                signed_at: m.as_ref().map(|m| l::dt(m.signed_at)).unwrap_or_default(),
                r: row(lang, p),
                m,
                enterprise_uscc: uscc,
            })
        }
        Err(e) => error_page(&e, lang, &user.meta.request_id),
    }
}
