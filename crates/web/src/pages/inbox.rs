//! 消息: the in-app inbox of notifications, unread first, each marked read on request.

use super::labels as l;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use daiban_app::inbox::{self, InboxItem};
use serde::Deserialize;

/// A notification in the page language.
pub struct InboxRow {
    /// The notification.
    pub n: InboxItem,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Sent at.
    pub when: String,
}

/// The notifications in `lang`, unread first (each group newest first).
pub fn rows(lang: &str, list: Vec<InboxItem>) -> Vec<InboxRow> {
    let mut out: Vec<InboxRow> = list
        .into_iter()
        .map(|n| InboxRow {
            title: n.title.get(lang).to_owned(),
            body: n.body.get(lang).to_owned(),
            when: l::dt(n.created_at),
            n,
        })
        .collect();
    out.sort_by_key(|r| r.n.read_at.is_some());
    out
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxTpl {
    c: Chrome,
    rows: Vec<InboxRow>,
    unread: usize,
}

/// GET /inbox
pub async fn show(State(s): State<AppState>, user: PageUser) -> Response {
    match inbox::list(&s.app.db.conn, &user.actor).await {
        Ok(list) => {
            let rows = rows(user.lang, list);
            let c = chrome(
                &user,
                "/inbox",
                "inbox.title",
                vec![(t(user.lang, "inbox.title"), None)],
            );
            render(&InboxTpl {
                unread: rows.iter().filter(|r| r.n.read_at.is_none()).count(),
                rows,
                c,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// Only the CSRF token.
#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /inbox/{id}/read
pub async fn mark_read(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ReadForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match inbox::mark_read(&s.app, &user.actor, id).await {
        Ok(()) => see_other("/inbox"),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
