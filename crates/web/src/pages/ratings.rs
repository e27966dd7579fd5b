//! 差评整改: the rectification loop of bad ratings — the department replies, the bureau visits,
//! the enterprise rates again (on the case-item page).

use super::labels::{self as l, pick};
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::ratings::{self, LoopInput, RectificationView};
use daiban_domain::rating::{Rating, RectificationStatus};
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A rectification with its labels and the step the user may take.
pub struct RectRow {
    /// The rectification.
    pub r: RectificationView,
    /// The bad rating, as text.
    pub rating: String,
    /// Status label.
    pub status: String,
    /// Due, China time.
    pub due: String,
    /// The step's button label, if the user may take one now.
    pub step: Option<String>,
    /// The re-rating, as text.
    pub rerating: Option<String>,
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct RectTpl {
    c: Chrome,
    rows: Vec<RectRow>,
    errors: BTreeMap<String, String>,
}

impl RectTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

async fn page(
    s: &AppState,
    user: &PageUser,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> daiban_app::AppResult<RectTpl> {
    let lang = user.lang;
    let a = &user.actor;
    let list = ratings::rectifications(&s.app.db.conn, a, s.app.now()).await?;
    let rows = list
        .into_iter()
        .map(|r| {
            let status = RectificationStatus::from_code(&r.status);
            let step = match status {
                Some(RectificationStatus::Open)
                    if a.is(Role::Coordinator)
                        || (matches!(a.role, Role::Helper | Role::UnitLeader)
                            && a.unit_id == Some(r.responsible_unit_id)) =>
                {
                    Some(t(lang, "rectification.reply"))
                }
                Some(RectificationStatus::Rectified) if a.is(Role::Coordinator) => {
                    Some(t(lang, "rectification.visit"))
                }
                _ => None,
            };
            RectRow {
                rating: Rating::from_code(&r.rating).map_or_else(
                    || r.rating.clone(),
                    |x| pick(lang, x.label_zh(), x.label_en()),
                ),
                status: status.map_or_else(
                    || r.status.clone(),
                    |x| pick(lang, x.label_zh(), x.label_en()),
                ),
                due: l::dt(r.due_at),
                step,
                rerating: r
                    .rerating
                    .as_deref()
                    .and_then(Rating::from_code)
                    .map(|x| pick(lang, x.label_zh(), x.label_en())),
                r,
            }
        })
        .collect();
    let mut c = chrome(
        user,
        "/rectifications",
        "rectification.title",
        vec![(t(lang, "rectification.title"), None)],
    );
    c.flash = flash;
    Ok(RectTpl { c, rows, errors })
}

/// `?done=`.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// GET /rectifications
pub async fn index(State(s): State<AppState>, user: PageUser, Query(q): Query<Done>) -> Response {
    let flash = q.done.map(|_| t(user.lang, "common.saved"));
    match page(&s, &user, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The step form.
#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    note: String,
}

/// POST /rectifications/{id}
pub async fn step(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match ratings::advance(
        &s.app,
        &user.actor,
        id,
        &LoopInput {
            version: f.version,
            note: f.note,
        },
        &user.meta,
    )
    .await
    {
        Ok(_) => see_other("/rectifications?done=1"),
        Err(e) => refused(&e, &user, |m| page(&s, &user, m, None)).await,
    }
}
