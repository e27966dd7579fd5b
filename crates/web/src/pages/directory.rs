//! 单位通讯录, 企业 and 人员: read-only views within the caller's scope.

use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::enterprises::{self, EnterpriseInput, EnterpriseView};
use daiban_app::units::{self, UnitFilter, UnitView};
use daiban_app::users::{self, Contact, UserFilter, UserView};
use daiban_domain::role::Role;
use daiban_domain::unit::UnitKind;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A unit with its kind's label.
pub struct UnitRow {
    /// The unit.
    pub u: UnitView,
    /// Kind label.
    pub kind_label: String,
}

/// The kind filter's options: code and label.
pub fn kind_options(lang: &str) -> Vec<(String, String)> {
    UnitKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), t(lang, &format!("kind.{}", k.code()))))
        .collect()
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryTpl {
    c: Chrome,
    rows: Vec<UnitRow>,
    kinds: Vec<(String, String)>,
    kind: String,
    q: String,
}

/// GET /directory
pub async fn units(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<UnitFilter>,
) -> Response {
    match units::list(&s.app.db.conn, &user.actor, &f).await {
        Ok(list) => {
            let rows = list
                .into_iter()
                .map(|u| UnitRow {
                    kind_label: t(user.lang, &format!("kind.{}", u.kind)),
                    u,
                })
                .collect();
            let c = chrome(
                &user,
                "/directory",
                "directory.title",
                vec![(t(user.lang, "directory.title"), None)],
            );
            render(&DirectoryTpl {
                c,
                rows,
                kinds: kind_options(user.lang),
                kind: f.kind.unwrap_or_default(),
                q: f.q.unwrap_or_default(),
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "directory_unit.html")]
struct DirectoryUnitTpl {
    c: Chrome,
    u: UnitRow,
    contacts: Vec<Contact>,
}

impl DirectoryUnitTpl {
    fn role_label(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
}

/// GET /directory/{id}
pub async fn unit(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let db = &s.app.db.conn;
    let r = async {
        let u = units::get(db, &user.actor, id).await?;
        let contacts = users::contacts(db, &user.actor, id).await?;
        Ok::<_, daiban_app::AppError>((u, contacts))
    }
    .await;
    match r {
        Ok((u, contacts)) => {
            let c = chrome(
                &user,
                "/directory",
                "directory.title",
                vec![
                    (t(user.lang, "directory.title"), Some("/directory".into())),
                    (u.name.clone(), None),
                ],
            );
            let u = UnitRow {
                kind_label: t(user.lang, &format!("kind.{}", u.kind)),
                u,
            };
            render(&DirectoryUnitTpl { c, u, contacts })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// `?q=`.
#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct EnterprisesTpl {
    c: Chrome,
    rows: Vec<EnterpriseView>,
    q: String,
    /// Agents and coordinators register enterprises.
    can_register: bool,
    /// Only a coordinator may accept a checksum-only failure.
    can_override: bool,
    /// The town units the caller may register in: code and name.
    units: Vec<(String, String)>,
    f: EnterpriseForm,
    errors: BTreeMap<String, String>,
}

impl EnterprisesTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// The registration form.
#[derive(Debug, Default, Deserialize)]
pub struct EnterpriseForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    legal_rep: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    uscc_override_reason: String,
}

async fn enterprises_page(
    s: &AppState,
    user: &PageUser,
    q: Option<String>,
    f: EnterpriseForm,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<EnterprisesTpl> {
    let db = &s.app.db.conn;
    let rows = enterprises::list(db, &user.actor, q.as_deref()).await?;
    let can_register = matches!(user.actor.role, Role::Agent | Role::Coordinator);
    let units = if can_register {
        units::list(db, &user.actor, &UnitFilter::default())
            .await?
            .into_iter()
            .filter(|u| {
                u.active
                    && u.kind.parse::<UnitKind>().is_ok_and(UnitKind::is_town_unit)
                    && (user.actor.role == Role::Coordinator || Some(u.id) == user.actor.unit_id)
            })
            .map(|u| (u.code, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let c = chrome(
        user,
        "/enterprises",
        "enterprises.title",
        vec![(t(user.lang, "enterprises.title"), None)],
    );
    Ok(EnterprisesTpl {
        c,
        rows,
        q: q.unwrap_or_default(),
        can_register,
        can_override: user.actor.role == Role::Coordinator,
        units,
        f,
        errors,
    })
}

/// GET /enterprises — an enterprise user goes straight to its own enterprise.
pub async fn enterprises(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<SearchQuery>,
) -> Response {
    if let Some(eid) = user.actor.enterprise_id {
        return super::see_other(&format!("/enterprises/{eid}"));
    }
    match enterprises_page(&s, &user, q.q, EnterpriseForm::default(), BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /enterprises — an agent (own unit) or a coordinator registers an enterprise.
pub async fn register_enterprise(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<EnterpriseForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = EnterpriseInput {
        uscc: f.uscc.clone(),
        name: f.name.clone(),
        unit: f.unit.clone(),
        legal_rep: f.legal_rep.clone(),
        contact: f.contact.clone(),
        phone: f.phone.clone(),
        address: f.address.clone(),
        industry: f.industry.clone(),
        uscc_override_reason: f.uscc_override_reason.clone(),
    };
    match enterprises::register(&s.app, &user.actor, &input, &user.meta).await {
        Ok(v) => see_other(&format!("/enterprises/{}", v.id)),
        Err(e) => {
            refused(&e, &user, |errors| {
                enterprises_page(&s, &user, None, f, errors)
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct EnterpriseTpl {
    c: Chrome,
    e: EnterpriseView,
    unit_name: String,
    contacts: Vec<Contact>,
}

impl EnterpriseTpl {
    fn role_label(&self, code: &str) -> String {
        self.c.t(&format!("role.{code}"))
    }
}

/// GET /enterprises/{id}
pub async fn enterprise(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    let db = &s.app.db.conn;
    let r = async {
        let e = enterprises::get(db, &user.actor, id).await?;
        let unit_name = users::unit_name(db, Some(e.unit_id)).await?;
        let contacts = users::contacts(db, &user.actor, e.unit_id).await?;
        Ok::<_, daiban_app::AppError>((e, unit_name, contacts))
    }
    .await;
    match r {
        Ok((e, unit_name, contacts)) => {
            let section = if user.actor.enterprise_id.is_some() {
                "nav.my_enterprise"
            } else {
                "enterprises.title"
            };
            let crumbs = if user.actor.enterprise_id.is_some() {
                vec![(e.name.clone(), None)]
            } else {
                vec![
                    (
                        t(user.lang, "enterprises.title"),
                        Some("/enterprises".into()),
                    ),
                    (e.name.clone(), None),
                ]
            };
            let c = chrome(&user, "/enterprises", section, crumbs);
            render(&EnterpriseTpl {
                c,
                e,
                unit_name,
                contacts,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// A staff row with labels.
pub struct StaffRow {
    /// The account.
    pub u: UserView,
    /// Role label.
    pub role_label: String,
    /// Cadre label.
    pub cadre_label: String,
    /// Unit name.
    pub unit_name: String,
    /// Locked after failed logins right now.
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffTpl {
    c: Chrome,
    rows: Vec<StaffRow>,
    q: String,
    /// Rows link to each person's record (培训与评议): the bureau and unit leaders.
    records: bool,
}

/// Labels for a list of accounts (unit names looked up once).
pub async fn staff_rows(
    db: &daiban_app::sea_orm::DatabaseConnection,
    lang: &str,
    now: chrono::DateTime<chrono::Utc>,
    list: Vec<UserView>,
) -> daiban_app::AppResult<Vec<StaffRow>> {
    let names = units::names(db).await?;
    Ok(list
        .into_iter()
        .map(|u| StaffRow {
            role_label: t(lang, &format!("role.{}", u.role)),
            cadre_label: u
                .cadre
                .as_deref()
                .map(|c| t(lang, &format!("cadre.{c}")))
                .unwrap_or_default(),
            unit_name: u
                .unit_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default(),
            locked: u.locked_until.is_some_and(|l| l > now),
            u,
        })
        .collect())
}

/// GET /staff — the accounts within scope (a unit's own staff; the bureau: everyone).
pub async fn staff(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<SearchQuery>,
) -> Response {
    let db = &s.app.db.conn;
    let f = UserFilter {
        q: q.q.clone(),
        ..UserFilter::default()
    };
    let r = async {
        let list = users::list(db, &user.actor, &f).await?;
        staff_rows(db, user.lang, s.app.now(), list).await
    }
    .await;
    match r {
        Ok(rows) => {
            let key = if matches!(
                user.actor.role,
                daiban_domain::role::Role::Coordinator | daiban_domain::role::Role::CityLeader
            ) {
                "nav.staff"
            } else {
                "nav.my_unit_staff"
            };
            let c = chrome(&user, "/staff", key, vec![(t(user.lang, key), None)]);
            render(&StaffTpl {
                c,
                rows,
                q: q.q.unwrap_or_default(),
                records: matches!(
                    user.actor.role,
                    daiban_domain::role::Role::Coordinator
                        | daiban_domain::role::Role::CityLeader
                        | daiban_domain::role::Role::UnitLeader
                ),
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
