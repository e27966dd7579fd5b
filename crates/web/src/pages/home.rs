//! 工作台: the home page, with what each role needs first.

use super::inbox::{InboxRow, rows as inbox_rows};
use super::labels::pick;
use super::problems::{ActionItemRow, ProblemRow, action_item_row, problem_row};
use super::projects::{CaseRow, ProjectRow, case_row, row as project_row};
use super::{Chrome, chrome, error_page, render};
use crate::AppState;
use crate::extract::PageUser;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use daiban_app::audit::{AuditFilter, AuditView, Verification};
use daiban_app::cases::{self, CaseFilter};
use daiban_app::enterprises::EnterpriseView;
use daiban_app::meetings::{self, ActionItemFilter};
use daiban_app::problems::{self, ProblemFilter};
use daiban_app::projects::{self, ProjectFilter};
use daiban_app::units::{Oversight, UnitFilter, UnitView};
use daiban_app::users::Contact;
use daiban_app::{AppResult, audit, enterprises, units, users};
use daiban_domain::case_item::CaseState;
use daiban_domain::role::Role;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTpl {
    c: Chrome,
    unit: Option<UnitView>,
    contacts: Vec<Contact>,
    enterprise: Option<EnterpriseView>,
    enterprise_count: Option<u64>,
    role_counts: Vec<(String, u64)>,
    kind_counts: Vec<(String, usize)>,
    locked: Vec<(String, String)>,
    chain: Option<Verification>,
    recent: Vec<AuditView>,
    oversight: Option<Oversight>,
    counts: Vec<(String, u64)>,
    case_lists: Vec<(String, Vec<CaseRow>)>,
    projects: Vec<(ProjectRow, String)>,
    notes: Vec<InboxRow>,
    problem_lists: Vec<(String, Vec<ProblemRow>)>,
    items: Vec<ActionItemRow>,
    /// Units whose staffing is not in order, with the flags (bureau).
    staffing: Vec<(i64, String, Vec<String>)>,
    /// Filings awaiting the bureau (bureau).
    pending_filings: usize,
    /// Handovers the user has to confirm.
    handovers: Vec<daiban_app::handover::HandoverView>,
    /// Unanswered consultations of the unit (the bureau: all) at yellow and red.
    consult: Option<(usize, usize)>,
}

impl HomeTpl {
    fn role_label(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
}

async fn build(s: &AppState, user: &PageUser) -> AppResult<HomeTpl> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let mut t = HomeTpl {
        c: chrome(user, "/", "home.title", vec![]),
        unit: None,
        contacts: vec![],
        enterprise: None,
        enterprise_count: None,
        role_counts: vec![],
        kind_counts: vec![],
        locked: vec![],
        chain: None,
        recent: vec![],
        oversight: None,
        counts: vec![],
        case_lists: vec![],
        projects: vec![],
        notes: vec![],
        problem_lists: vec![],
        items: vec![],
        staffing: vec![],
        pending_filings: 0,
        handovers: vec![],
        consult: None,
    };
    t.c.crumbs.truncate(1);
    t.c.crumbs[0].1 = None;
    match a.role {
        Role::Admin => {
            t.role_counts = users::count_by_role(db, a).await?;
            let all = units::list(db, a, &UnitFilter::default()).await?;
            for k in daiban_domain::unit::UnitKind::ALL {
                t.kind_counts.push((
                    t.c.t(&format!("kind.{}", k.code())),
                    all.iter().filter(|u| u.kind == k.code()).count(),
                ));
            }
            t.locked = users::locked(db, a, s.app.now())
                .await?
                .into_iter()
                .map(|u| (u.name, u.username))
                .collect();
        }
        Role::Auditor => {
            t.chain = Some(audit::verify(db).await?);
            t.recent = audit::list(db, a, &AuditFilter::default())
                .await?
                .items
                .into_iter()
                .take(10)
                .collect();
        }
        Role::Coordinator | Role::CityLeader => {
            t.oversight = Some(units::oversight(db, a).await?);
            let lang = user.lang;
            t.staffing = daiban_app::personnel::register(&s.app, a)
                .await?
                .into_iter()
                .filter(|u| !u.flags.is_empty())
                .map(|u| {
                    let flags = u
                        .flags
                        .iter()
                        .map(|f| super::labels::pick(lang, &f.zh, &f.en))
                        .collect();
                    (u.unit_id, u.unit_name, flags)
                })
                .collect();
            t.pending_filings = daiban_app::personnel::list(
                &s.app,
                a,
                &daiban_app::personnel::FilingFilter {
                    status: Some("proposed".into()),
                    unit_id: None,
                },
            )
            .await?
            .len();
            t.enterprise_count = Some(enterprises::count(db, a).await?);
        }
        Role::Agent | Role::Helper | Role::UnitLeader => {
            if let Some(uid) = a.unit_id {
                t.unit = Some(units::get(db, a, uid).await?);
                t.contacts = users::contacts(db, a, uid).await?;
            }
            if a.unit_kind
                .is_some_and(daiban_domain::unit::UnitKind::is_town_unit)
            {
                t.enterprise_count = Some(enterprises::count(db, a).await?);
            }
        }
        Role::Enterprise => {
            if let Some(eid) = a.enterprise_id {
                let e = enterprises::get(db, a, eid).await?;
                t.contacts = users::contacts(db, a, e.unit_id).await?;
                t.enterprise = Some(e);
            }
        }
    }
    if matches!(
        a.role,
        Role::Agent | Role::Helper | Role::UnitLeader | Role::Coordinator
    ) {
        t.handovers = daiban_app::handover::awaiting(db, a).await?;
    }
    if matches!(
        a.role,
        Role::Agent | Role::Helper | Role::UnitLeader | Role::Coordinator | Role::CityLeader
    ) {
        t.consult = Some(daiban_app::consultations::warning_counts(&s.app, a).await?);
    }
    workbench(s, user, &mut t).await?;
    problem_workbench(s, user, &mut t).await?;
    platform_counts(s, user, &mut t).await?;
    Ok(t)
}

/// The information platform on the workbench: open and overdue demands the user sees (the
/// unit's for its staff), and the announcements a staff member has not read yet.
async fn platform_counts(s: &AppState, user: &PageUser, t: &mut HomeTpl) -> AppResult<()> {
    let a = &user.actor;
    if matches!(a.role, Role::Admin | Role::Auditor) {
        return Ok(());
    }
    let (open, overdue) = daiban_app::demands::open_counts(&s.app, a).await?;
    t.counts.push((t.c.t("demand.home_open"), open as u64));
    t.counts
        .push((t.c.t("demand.home_overdue"), overdue as u64));
    if a.role != Role::Enterprise {
        let unread = daiban_app::announcements::unread_count(&s.app.db.conn, a).await?;
        t.counts
            .push((t.c.t("announcement.home_unread"), unread as u64));
    }
    Ok(())
}

/// Problems and action items: a department's helpers and leaders those at their level, town
/// staff and enterprises their projects' open ones, the bureau the overdue ones, the city
/// leader those escalated to the top; staff their unit's open action items.
async fn problem_workbench(s: &AppState, user: &PageUser, t: &mut HomeTpl) -> AppResult<()> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let now = s.app.now();
    let department = a.unit_kind == Some(daiban_domain::unit::UnitKind::Department);
    let (key, level, overdue) = match a.role {
        Role::Admin | Role::Auditor => return Ok(()),
        Role::Helper if department => ("home.problems_level", Some("department"), None),
        Role::UnitLeader if department => ("home.problems_level", Some("department_leader"), None),
        Role::Coordinator => ("home.problems_overdue", None, Some(true)),
        Role::CityLeader => ("home.problems_top", Some("city_leader"), None),
        _ => ("home.problems_open", None, None),
    };
    let f = ProblemFilter {
        status: Some("open".into()),
        level: level.map(str::to_owned),
        overdue,
        ..ProblemFilter::default()
    };
    let list: Vec<ProblemRow> = problems::list(db, a, &f, now)
        .await?
        .into_iter()
        .take(20)
        .map(|p| problem_row(lang, p))
        .collect();
    t.problem_lists.push((t.c.t(key), list));
    if a.role == Role::Enterprise {
        return Ok(());
    }
    let open = meetings::action_items(
        db,
        a,
        &ActionItemFilter {
            status: Some("open".into()),
            ..ActionItemFilter::default()
        },
    )
    .await?;
    if matches!(a.role, Role::Coordinator | Role::CityLeader) {
        t.counts
            .push((t.c.t("home.open_action_items"), open.len() as u64));
    } else {
        t.items = open
            .into_iter()
            .take(20)
            .map(|x| action_item_row(lang, a, x))
            .collect();
    }
    Ok(())
}

/// The business part of the workbench: case items, projects and notifications for the role.
async fn workbench(s: &AppState, user: &PageUser, t: &mut HomeTpl) -> AppResult<()> {
    let db = &s.app.db.conn;
    let a = &user.actor;
    let lang = user.lang;
    let now = s.app.now();
    if matches!(a.role, Role::Admin | Role::Auditor) {
        return Ok(());
    }
    let list = |f: CaseFilter| async move {
        cases::list(db, a, &f, now).await.map(|(l, n)| {
            (
                l.into_iter().map(|c| case_row(lang, c)).collect::<Vec<_>>(),
                n,
            )
        })
    };
    let open = |extra: CaseFilter| CaseFilter {
        state: extra.state.or_else(|| Some("open".into())),
        limit: Some(20),
        ..extra
    };
    match a.role {
        Role::Agent => {
            let (mine, n_mine) = list(open(CaseFilter {
                mine: Some(true),
                ..CaseFilter::default()
            }))
            .await?;
            let (today, n_today) = list(open(CaseFilter {
                due_today: Some(true),
                ..CaseFilter::default()
            }))
            .await?;
            let (red, n_red) = list(open(CaseFilter {
                warning: Some("red".into()),
                ..CaseFilter::default()
            }))
            .await?;
            let (yellow, n_yellow) = list(open(CaseFilter {
                warning: Some("yellow".into()),
                ..CaseFilter::default()
            }))
            .await?;
            let (awaiting, n_await) = list(open(CaseFilter {
                state: Some("awaiting_materials".into()),
                ..CaseFilter::default()
            }))
            .await?;
            t.counts = vec![
                (t.c.t("home.my_items"), n_mine),
                (t.c.t("home.due_today"), n_today),
                (t.c.t("home.red"), n_red),
                (t.c.t("home.yellow"), n_yellow),
                (t.c.t("home.awaiting"), n_await),
            ];
            let mut warn = red;
            warn.extend(yellow);
            t.case_lists = vec![
                (t.c.t("home.due_today"), today),
                (t.c.t("home.warnings"), warn),
                (t.c.t("home.awaiting"), awaiting),
                (t.c.t("home.my_items"), mine),
            ];
        }
        Role::Helper | Role::UnitLeader => {
            let rows = |l: Vec<cases::CaseItemView>| {
                l.into_iter().map(|c| case_row(lang, c)).collect::<Vec<_>>()
            };
            let by_state = cases::count_by_state(db, a, &open(CaseFilter::default()), now).await?;
            t.counts = vec![(
                t.c.t("home.open_items"),
                by_state.iter().map(|(_, n)| n).sum(),
            )];
            t.counts.extend(by_state.into_iter().map(|(code, n)| {
                let label = CaseState::from_code(&code)
                    .map_or(code, |s| pick(lang, s.label_zh(), s.label_en()));
                (label, n)
            }));
            let red = cases::page(
                db,
                a,
                &open(CaseFilter {
                    warning: Some("red".into()),
                    limit: Some(100),
                    ..CaseFilter::default()
                }),
                now,
            )
            .await?;
            let first = cases::page(db, a, &open(CaseFilter::default()), now).await?;
            if !red.is_empty() {
                t.case_lists.push((t.c.t("home.overdue"), rows(red)));
            }
            t.case_lists.push((t.c.t("home.dept_items"), rows(first)));
        }
        Role::Coordinator | Role::CityLeader => {
            let n_open = cases::count(db, a, &open(CaseFilter::default()), now).await?;
            let (red, n_red) = list(open(CaseFilter {
                warning: Some("red".into()),
                limit: Some(50),
                ..CaseFilter::default()
            }))
            .await?;
            let n_yellow = cases::count(
                db,
                a,
                &open(CaseFilter {
                    warning: Some("yellow".into()),
                    ..CaseFilter::default()
                }),
                now,
            )
            .await?;
            let (_, n_projects) = projects::list(
                db,
                a,
                &ProjectFilter {
                    limit: Some(1),
                    ..ProjectFilter::default()
                },
            )
            .await?;
            t.counts = vec![
                (t.c.t("home.projects"), n_projects),
                (t.c.t("home.open_items"), n_open),
                (t.c.t("home.red"), n_red),
                (t.c.t("home.yellow"), n_yellow),
            ];
            t.case_lists.push((t.c.t("home.overdue"), red));
        }
        Role::Enterprise => {
            let (list, _) = projects::list(
                db,
                a,
                &ProjectFilter {
                    limit: Some(20),
                    ..ProjectFilter::default()
                },
            )
            .await?;
            for p in list {
                let expected = projects::expected_completion(db, a, p.id, &s.app.calendar(), now)
                    .await
                    .ok()
                    .and_then(|x| x.date)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                t.projects.push((project_row(lang, p), expected));
            }
        }
        Role::Admin | Role::Auditor => {}
    }
    t.notes = inbox_rows(lang, daiban_app::inbox::list(db, a).await?)
        .into_iter()
        .take(5)
        .collect();
    Ok(())
}

/// GET /
pub async fn show(State(s): State<AppState>, user: PageUser) -> Response {
    match build(&s, &user).await {
        Ok(t) => render(&t),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
