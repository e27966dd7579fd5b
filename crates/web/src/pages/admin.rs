//! 单位管理 and 用户管理: the administrator's pages.

use super::directory::{StaffRow, kind_options, staff_rows};
use super::{Chrome, check_csrf, chrome, error_page, field_errors, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::enterprises::{self, EnterpriseView};
use daiban_app::units::{self, UnitFilter, UnitInput, UnitView};
use daiban_app::users::{self, UserFilter, UserInput};
use daiban_app::{AppError, error::forbidden};
use daiban_domain::role::Role;
use daiban_domain::staff::CadreCategory;
use serde::Deserialize;
use std::collections::BTreeMap;

fn admin_only(user: &PageUser) -> Result<(), Response> {
    if user.actor.role == Role::Admin {
        Ok(())
    } else {
        Err(error_page(&forbidden(), user.lang, &user.meta.request_id))
    }
}

#[derive(Template)]
#[template(path = "admin_units.html")]
struct UnitsTpl {
    c: Chrome,
    rows: Vec<super::directory::UnitRow>,
    kinds: Vec<(String, String)>,
    kind: String,
    q: String,
    include_inactive: bool,
}

/// GET /admin/units
pub async fn units(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<UnitFilter>,
) -> Response {
    if let Err(r) = admin_only(&user) {
        return r;
    }
    match units::list(&s.app.db.conn, &user.actor, &f).await {
        Ok(list) => {
            let rows = list
                .into_iter()
                .map(|u| super::directory::UnitRow {
                    kind_label: t(user.lang, &format!("kind.{}", u.kind)),
                    u,
                })
                .collect();
            let c = chrome(
                &user,
                "/admin/units",
                "units.title",
                vec![(t(user.lang, "units.title"), None)],
            );
            render(&UnitsTpl {
                c,
                rows,
                kinds: kind_options(user.lang),
                kind: f.kind.unwrap_or_default(),
                q: f.q.unwrap_or_default(),
                include_inactive: f.include_inactive.unwrap_or(false),
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "admin_unit_form.html")]
struct UnitFormTpl {
    c: Chrome,
    id: Option<i64>,
    version: i32,
    active: bool,
    f: UnitInput,
    kinds: Vec<(String, String)>,
    errors: BTreeMap<String, String>,
}

impl UnitFormTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

fn unit_form(
    user: &PageUser,
    id: Option<i64>,
    version: i32,
    active: bool,
    f: UnitInput,
    errors: BTreeMap<String, String>,
) -> Response {
    unit_form_flash(user, id, version, active, f, errors, false)
}

fn unit_form_flash(
    user: &PageUser,
    id: Option<i64>,
    version: i32,
    active: bool,
    f: UnitInput,
    errors: BTreeMap<String, String>,
    saved: bool,
) -> Response {
    let title = if id.is_some() {
        "units.edit"
    } else {
        "units.new"
    };
    let mut c = chrome(
        user,
        "/admin/units",
        title,
        vec![
            (t(user.lang, "units.title"), Some("/admin/units".into())),
            (t(user.lang, title), None),
        ],
    );
    if saved {
        c.flash = Some(t(user.lang, "common.saved"));
    }
    render(&UnitFormTpl {
        c,
        id,
        version,
        active,
        f,
        kinds: kind_options(user.lang),
        errors,
    })
}

/// GET /admin/units/new
pub async fn new_unit(user: PageUser) -> Response {
    if let Err(r) = admin_only(&user) {
        return r;
    }
    unit_form(
        &user,
        None,
        0,
        true,
        UnitInput {
            kind: "town".into(),
            agency_window: true,
            ..UnitInput::default()
        },
        BTreeMap::new(),
    )
}

/// The unit form as posted.
#[derive(Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    agency_window: Option<String>,
    #[serde(default)]
    center_window: Option<String>,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    version: i32,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl UnitForm {
    fn input(&self) -> UnitInput {
        UnitInput {
            code: self.code.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            name_en: self.name_en.clone(),
            agency_window: self.agency_window.is_some(),
            center_window: self.center_window.is_some(),
            address: self.address.clone(),
            phone: self.phone.clone(),
        }
    }
}

fn form_failure(
    user: &PageUser,
    e: &AppError,
    retry: impl FnOnce(BTreeMap<String, String>) -> Response,
) -> Response {
    match field_errors(e, user.lang) {
        Some(m) => {
            let mut r = retry(m);
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        None => match e {
            AppError::Conflict { message, .. } => {
                let mut m = BTreeMap::new();
                m.insert("_form".to_owned(), message.get(user.lang).to_owned());
                let mut r = retry(m);
                *r.status_mut() = axum::http::StatusCode::CONFLICT;
                r
            }
            _ => error_page(e, user.lang, &user.meta.request_id),
        },
    }
}

/// POST /admin/units
pub async fn create_unit(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<UnitForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = f.input();
    match units::create(&s.app, &user.actor, &input, &user.meta).await {
        Ok(u) => see_other(&format!("/admin/units/{}?saved=1", u.id)),
        Err(e) => form_failure(&user, &e, |m| {
            unit_form(&user, None, 0, true, input.clone(), m)
        }),
    }
}

/// `?saved=1` after a successful save.
#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<u8>,
}

/// GET /admin/units/{id}
pub async fn edit_unit(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Response {
    if let Err(r) = admin_only(&user) {
        return r;
    }
    match units::get(&s.app.db.conn, &user.actor, id).await {
        Ok(u) => {
            let input = UnitInput {
                code: u.code.clone(),
                kind: u.kind.clone(),
                name: u.name.clone(),
                name_en: u.name_en.clone(),
                agency_window: u.agency_window,
                center_window: u.center_window,
                address: u.address.clone(),
                phone: u.phone.clone(),
            };
            unit_form_flash(
                &user,
                Some(id),
                u.version,
                u.active,
                input,
                BTreeMap::new(),
                q.saved.is_some(),
            )
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /admin/units/{id}
pub async fn update_unit(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<UnitForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = f.input();
    match units::update(&s.app, &user.actor, id, f.version, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/admin/units/{id}?saved=1")),
        Err(e) => form_failure(&user, &e, |m| {
            unit_form(&user, Some(id), f.version, true, input.clone(), m)
        }),
    }
}

/// Activate / deactivate form.
#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /admin/units/{id}/active
pub async fn set_unit_active(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match units::set_active(&s.app, &user.actor, id, f.active == "true", &user.meta).await {
        Ok(_) => see_other(&format!("/admin/units/{id}?saved=1")),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersTpl {
    c: Chrome,
    rows: Vec<StaffRow>,
    roles: Vec<(String, String)>,
    role: String,
    q: String,
}

fn role_options(lang: &str) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.code().to_owned(), t(lang, &format!("role.{}", r.code()))))
        .collect()
}

fn cadre_options(lang: &str) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), t(lang, "cadre.none"))];
    v.extend(
        CadreCategory::ALL
            .iter()
            .map(|c| (c.code().to_owned(), t(lang, &format!("cadre.{}", c.code())))),
    );
    v
}

/// GET /admin/users
pub async fn users(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<UserFilter>,
) -> Response {
    if let Err(r) = admin_only(&user) {
        return r;
    }
    let db = &s.app.db.conn;
    let r = async {
        let list = users::list(db, &user.actor, &f).await?;
        staff_rows(db, user.lang, s.app.now(), list).await
    }
    .await;
    match r {
        Ok(rows) => {
            let c = chrome(
                &user,
                "/admin/users",
                "users.title",
                vec![(t(user.lang, "users.title"), None)],
            );
            render(&UsersTpl {
                c,
                rows,
                roles: role_options(user.lang),
                role: f.role.unwrap_or_default(),
                q: f.q.unwrap_or_default(),
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "admin_user_form.html")]
struct UserFormTpl {
    c: Chrome,
    id: Option<i64>,
    version: i32,
    active: bool,
    locked: bool,
    f: UserInput,
    roles: Vec<(String, String)>,
    cadres: Vec<(String, String)>,
    units: Vec<UnitView>,
    enterprises: Vec<EnterpriseView>,
    errors: BTreeMap<String, String>,
}

impl UserFormTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes loop items by reference"
    )]
    fn is_enterprise(&self, id: &i64) -> bool {
        self.f.enterprise_id == Some(*id)
    }
}

struct UserFormState {
    id: Option<i64>,
    version: i32,
    active: bool,
    locked: bool,
    saved: bool,
}

async fn user_form(
    s: &AppState,
    user: &PageUser,
    st: UserFormState,
    f: UserInput,
    errors: BTreeMap<String, String>,
) -> Response {
    let db = &s.app.db.conn;
    let units = units::list(db, &user.actor, &UnitFilter::default())
        .await
        .unwrap_or_default();
    // The administrator picks an enterprise for enterprise accounts; the list is read directly
    // because enterprise data is otherwise outside the administrator's scope.
    let enterprises = enterprises::all_for_admin(db, &user.actor)
        .await
        .unwrap_or_default();
    let title = if st.id.is_some() {
        "users.edit"
    } else {
        "users.new"
    };
    let mut c = chrome(
        user,
        "/admin/users",
        title,
        vec![
            (t(user.lang, "users.title"), Some("/admin/users".into())),
            (t(user.lang, title), None),
        ],
    );
    if st.saved {
        c.flash = Some(t(user.lang, "common.saved"));
    }
    render(&UserFormTpl {
        c,
        id: st.id,
        version: st.version,
        active: st.active,
        locked: st.locked,
        f,
        roles: role_options(user.lang),
        cadres: cadre_options(user.lang),
        units,
        enterprises,
        errors,
    })
}

/// GET /admin/users/new
pub async fn new_user(State(s): State<AppState>, user: PageUser) -> Response {
    if let Err(r) = admin_only(&user) {
        return r;
    }
    user_form(
        &s,
        &user,
        UserFormState {
            id: None,
            version: 0,
            active: true,
            locked: false,
            saved: false,
        },
        UserInput {
            role: "agent".into(),
            locale: "zh-CN".into(),
            ..UserInput::default()
        },
        BTreeMap::new(),
    )
    .await
}

/// The user form as posted.
#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    enterprise_id: String,
    #[serde(default)]
    cadre: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    version: i32,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl UserForm {
    fn input(&self) -> UserInput {
        UserInput {
            username: self.username.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
            unit: self.unit.clone(),
            enterprise_id: self.enterprise_id.trim().parse().ok(),
            cadre: self.cadre.clone(),
            title: self.title.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            password: self.password.clone(),
            locale: self.locale.clone(),
        }
    }
}

/// POST /admin/users
pub async fn create_user(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<UserForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let mut input = f.input();
    match users::create(&s.app, &user.actor, &input, &user.meta).await {
        Ok(u) => see_other(&format!("/admin/users/{}?saved=1", u.id)),
        Err(e) => {
            input.password.clear();
            let Some(m) = field_errors(&e, user.lang) else {
                return error_page(&e, user.lang, &user.meta.request_id);
            };
            let mut r = user_form(
                &s,
                &user,
                UserFormState {
                    id: None,
                    version: 0,
                    active: true,
                    locked: false,
                    saved: false,
                },
                input,
                m,
            )
            .await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}

/// GET /admin/users/{id}
pub async fn edit_user(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Response {
    if let Err(r) = admin_only(&user) {
        return r;
    }
    edit_page(&s, &user, id, q.saved.is_some(), BTreeMap::new()).await
}

/// The edit form of account `id` as stored, with `errors` (e.g. from a failed password reset).
async fn edit_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    saved: bool,
    errors: BTreeMap<String, String>,
) -> Response {
    let db = &s.app.db.conn;
    match users::get(db, &user.actor, id).await {
        Ok(u) => {
            let unit = match u.unit_id {
                Some(uid) => units::get(db, &user.actor, uid)
                    .await
                    .map(|x| x.code)
                    .unwrap_or_default(),
                None => String::new(),
            };
            let locked = u.locked_until.is_some_and(|l| l > s.app.now());
            let st = UserFormState {
                id: Some(id),
                version: u.version,
                active: u.active,
                locked,
                saved,
            };
            let input = UserInput {
                username: u.username,
                name: u.name,
                role: u.role,
                unit,
                enterprise_id: u.enterprise_id,
                cadre: u.cadre.unwrap_or_default(),
                title: u.title,
                phone: u.phone,
                email: u.email,
                password: String::new(),
                locale: u.locale,
            };
            user_form(s, user, st, input, errors).await
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /admin/users/{id}
pub async fn update_user(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<UserForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = f.input();
    match users::update(&s.app, &user.actor, id, f.version, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/admin/users/{id}?saved=1")),
        Err(e) => {
            let m = match (&e, field_errors(&e, user.lang)) {
                (_, Some(m)) => m,
                (AppError::Conflict { message, .. }, None) => {
                    BTreeMap::from([("_form".to_owned(), message.get(user.lang).to_owned())])
                }
                _ => return error_page(&e, user.lang, &user.meta.request_id),
            };
            user_form(
                &s,
                &user,
                UserFormState {
                    id: Some(id),
                    version: f.version,
                    active: true,
                    locked: false,
                    saved: false,
                },
                input,
                m,
            )
            .await
        }
    }
}

/// POST /admin/users/{id}/active
pub async fn set_user_active(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match users::set_active(&s.app, &user.actor, id, f.active == "true", &user.meta).await {
        Ok(_) => see_other(&format!("/admin/users/{id}?saved=1")),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The reset-password form.
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /admin/users/{id}/password — also unlocks a locked account.
pub async fn reset_password(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match users::reset_password(&s.app, &user.actor, id, &f.password, &user.meta).await {
        Ok(_) => see_other(&format!("/admin/users/{id}?saved=1")),
        Err(e) => match field_errors(&e, user.lang) {
            Some(m) => {
                let m = m
                    .into_values()
                    .map(|v| ("reset_password".to_owned(), v))
                    .collect();
                edit_page(&s, &user, id, false, m).await
            }
            None => error_page(&e, user.lang, &user.meta.request_id),
        },
    }
}
