//! 个人设置: one's own profile and password.

use super::{Chrome, check_csrf, chrome, error_page, field_errors, render};
use crate::AppState;
use crate::extract::PageUser;
use askama::Template;
use axum::extract::{Form, State};
use axum::response::Response;
use daiban_app::auth::change_own_password;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTpl {
    c: Chrome,
    username: String,
    errors: BTreeMap<String, String>,
}

impl AccountTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

fn page(user: &PageUser, errors: BTreeMap<String, String>, flash: Option<String>) -> Response {
    let mut c = chrome(
        user,
        "/account",
        "account.title",
        vec![(crate::i18n::t(user.lang, "account.title"), None)],
    );
    c.flash = flash;
    render(&AccountTpl {
        c,
        username: user.actor.username.clone(),
        errors,
    })
}

/// GET /account
pub async fn show(user: PageUser) -> Response {
    page(&user, BTreeMap::new(), None)
}

/// The change-password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /account
pub async fn change_password(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    if f.new_password != f.confirm_password {
        let mut m = BTreeMap::new();
        m.insert(
            "confirm_password".to_owned(),
            crate::i18n::t(user.lang, "account.mismatch"),
        );
        return page(&user, m, None);
    }
    match change_own_password(
        &s.app,
        &user.actor,
        &f.current_password,
        &f.new_password,
        &user.meta,
    )
    .await
    {
        Ok(()) => page(
            &user,
            BTreeMap::new(),
            Some(crate::i18n::t(user.lang, "account.changed")),
        ),
        Err(e) => match field_errors(&e, user.lang) {
            Some(m) => page(&user, m, None),
            None => error_page(&e, user.lang, &user.meta.request_id),
        },
    }
}
