//! 审计日志: the auditor's view of the audit log, with filters. (The chain's status is on the
//! auditor's home page: verifying reads every entry, too much for each page of a list.)

use super::{Chrome, chrome, error_page, render};
use crate::AppState;
use crate::extract::PageUser;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use daiban_app::audit::{AuditFilter, AuditPage, list};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTpl {
    c: Chrome,
    page: AuditPage,
    f: AuditFilter,
    pages: u64,
    query_base: String,
}

/// GET /audit
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<AuditFilter>,
) -> Response {
    let db = &s.app.db.conn;
    match list(db, &user.actor, &f).await {
        Ok(page) => {
            let pages = page.total.div_ceil(page.per_page).max(1);
            let enc = crate::extract::urlencode;
            let query_base = format!(
                "actor={}&action={}&object_type={}&object_id={}",
                enc(f.actor.as_deref().unwrap_or_default()),
                enc(f.action.as_deref().unwrap_or_default()),
                enc(f.object_type.as_deref().unwrap_or_default()),
                enc(f.object_id.as_deref().unwrap_or_default())
            );
            let c = chrome(
                &user,
                "/audit",
                "audit.title",
                vec![(crate::i18n::t(user.lang, "audit.title"), None)],
            );
            render(&AuditTpl {
                c,
                page,
                f,
                pages,
                query_base,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}
