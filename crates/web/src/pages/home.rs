//! 工作台: the home page, with what each role needs first.

use super::{Chrome, chrome, error_page, render};
use crate::AppState;
use crate::extract::PageUser;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use daiban_app::audit::{AuditFilter, AuditView, Verification};
use daiban_app::enterprises::EnterpriseView;
use daiban_app::units::{Oversight, UnitFilter, UnitView};
use daiban_app::users::Contact;
use daiban_app::{AppResult, audit, enterprises, units, users};
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
}

impl HomeTpl {
    fn role_label(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
    fn cadre_label(&self, code: &str) -> String {
        if code.is_empty() {
            self.c.t("cadre.none")
        } else {
            self.c.t(&format!("cadre.{code}"))
        }
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
    Ok(t)
}

/// GET /
pub async fn show(State(s): State<AppState>, user: PageUser) -> Response {
    match build(&s, &user).await {
        Ok(t) => render(&t),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
