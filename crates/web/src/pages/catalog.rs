//! 办事指南: the item catalog as the public service guide (by stage, with type, department,
//! limits and materials), each item's revision history, and the administrator's loading and
//! editing (a new revision; open case items keep theirs).

use super::labels::{self as l, pick};
use super::projects::{StageGroup, by_stage};
use super::{Chrome, check_csrf, chrome, error_page, field_errors, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use daiban_app::catalog::{self, CatalogFilter, CatalogItemView, ItemRevisionInput, MaterialSpec};
use daiban_app::units::{self, UnitFilter};
use daiban_app::{AppError, FieldError};
use daiban_domain::project::ProjectStage;
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The catalog's query.
#[derive(Deserialize, Default)]
pub struct CatalogQuery {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogTpl {
    c: Chrome,
    groups: Vec<StageGroup>,
    count: usize,
    departments: BTreeMap<i64, String>,
    stages: Vec<(String, String)>,
    f: CatalogQuery,
    admin_empty: bool,
    lang: &'static str,
}

impl CatalogTpl {
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn dept(&self, id: &i64) -> String {
        self.departments.get(id).cloned().unwrap_or_default()
    }
    fn item_type(&self, code: &str) -> String {
        l::item_type(self.lang, code)
    }
    fn name(&self, i: &CatalogItemView) -> String {
        if self.lang == crate::i18n::EN && !i.name_en.is_empty() {
            i.name_en.clone()
        } else {
            i.name.clone()
        }
    }
}

/// GET /catalog
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<CatalogQuery>,
) -> Response {
    let db = &s.app.db.conn;
    let filter = CatalogFilter {
        stage: Some(f.stage.clone()).filter(|x| !x.is_empty()),
        department: None,
        q: Some(f.q.clone()).filter(|x| !x.is_empty()),
    };
    let r = async {
        let items = catalog::list(db, &filter).await?;
        let total = catalog::count(db).await?;
        let names = units::names(db).await?;
        Ok::<_, AppError>((items, total, names))
    }
    .await;
    match r {
        Ok((items, total, departments)) => {
            let mut c = chrome(
                &user,
                "/catalog",
                "catalog.title",
                vec![(t(user.lang, "catalog.title"), None)],
            );
            if f.done.is_some() {
                c.flash = Some(t(user.lang, "common.saved"));
            }
            render(&CatalogTpl {
                count: items.len(),
                groups: by_stage(user.lang, items),
                departments,
                stages: ProjectStage::ALL
                    .iter()
                    .map(|s| {
                        (
                            s.code().to_owned(),
                            pick(user.lang, s.label_zh(), s.label_en()),
                        )
                    })
                    .collect(),
                admin_empty: user.actor.role == Role::Admin && total == 0,
                lang: user.lang,
                f,
                c,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// Only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /catalog/load — the administrator loads the default catalog.
pub async fn load_default(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match catalog::load_default(&s.app, &user.actor, &user.meta).await {
        Ok(_) => see_other("/catalog?done=loaded"),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "catalog_item.html")]
struct ItemTpl {
    c: Chrome,
    i: CatalogItemView,
    department: String,
    co_departments: Vec<String>,
    stage: String,
    item_type: String,
    revisions: Vec<(CatalogItemView, String)>,
    admin: bool,
    json: String,
    change_note: String,
    errors: BTreeMap<String, String>,
    lang: &'static str,
}

impl ItemTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    fn format(&self, m: &MaterialSpec) -> String {
        pick(self.lang, m.format.label_zh(), m.format.label_en())
    }
    fn all_errors(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "_form" | "change_note"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The editable content of an item, as the JSON the revision form shows.
fn spec_json(i: &CatalogItemView, codes: &BTreeMap<i64, String>) -> String {
    let code_of = |id: &i64| codes.get(id).cloned().unwrap_or_default();
    let v = serde_json::json!({
        "code": i.code,
        "name": i.name,
        "name_en": i.name_en,
        "department": code_of(&i.department_id),
        "type": i.item_type,
        "co_departments": i.co_departments.iter().map(code_of).collect::<Vec<_>>(),
        "statutory_limit_days": i.statutory_limit_days,
        "committed_limit_days": i.committed_limit_days,
        "report_up_limit_days": i.report_up_limit_days,
        "warning_threshold_days": i.warning_threshold_days,
        "limits_source": i.limits_source,
        "source_note": i.source_note,
        "legal_basis": i.legal_basis,
        "stage": i.stage,
        "prerequisites": i.prerequisites,
        "applies_when": i.applies_when,
        "fee": i.fee,
        "material": i.materials,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

async fn item_page(
    s: &AppState,
    user: &PageUser,
    code: &str,
    edit: Option<(String, String)>,
    errors: BTreeMap<String, String>,
    flash: bool,
) -> Result<ItemTpl, AppError> {
    let db = &s.app.db.conn;
    let i = catalog::current(db, code).await?;
    let revisions = catalog::revisions(db, code).await?;
    let names = units::names(db).await?;
    let admin = user.actor.role == Role::Admin;
    let (json, change_note) = match edit {
        Some(x) => x,
        None if admin => {
            let codes = units::list(db, &user.actor, &UnitFilter::default())
                .await?
                .into_iter()
                .map(|u| (u.id, u.code))
                .collect();
            (spec_json(&i, &codes), String::new())
        }
        None => (String::new(), String::new()),
    };
    let lang = user.lang;
    let mut c = chrome(
        user,
        "/catalog",
        "catalog.title",
        vec![
            (t(lang, "catalog.title"), Some("/catalog".into())),
            (i.name.clone(), None),
        ],
    );
    c.title.clone_from(&i.name);
    if flash {
        c.flash = Some(t(lang, "common.saved"));
    }
    Ok(ItemTpl {
        department: names.get(&i.department_id).cloned().unwrap_or_default(),
        co_departments: i
            .co_departments
            .iter()
            .filter_map(|d| names.get(d).cloned())
            .collect(),
        stage: l::stage(lang, &i.stage),
        item_type: l::item_type(lang, &i.item_type),
        i,
        revisions: revisions
            .into_iter()
            .map(|r| {
                let when = l::dt(r.created_at);
                (r, when)
            })
            .collect(),
        admin,
        json,
        change_note,
        errors,
        lang,
        c,
    })
}

/// `?done=1` after a revision.
#[derive(Deserialize)]
pub struct ItemQuery {
    done: Option<String>,
}

/// GET /catalog/{code}
pub async fn item(
    State(s): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<ItemQuery>,
) -> Response {
    match item_page(&s, &user, &code, None, BTreeMap::new(), q.done.is_some()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The revision form.
#[derive(Deserialize)]
pub struct ReviseForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    base_revision: i32,
    #[serde(default)]
    change_note: String,
    #[serde(default)]
    spec: String,
}

/// POST /catalog/{code} — the administrator publishes a new revision.
pub async fn revise(
    State(s): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Form(f): Form<ReviseForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let result = match serde_json::from_str(&f.spec) {
        Ok(item) => {
            let input = ItemRevisionInput {
                base_revision: f.base_revision,
                change_note: f.change_note.clone(),
                item,
            };
            catalog::revise(&s.app, &user.actor, &code, input, &user.meta)
                .await
                .map(|_| ())
        }
        Err(e) => Err(AppError::Invalid(vec![FieldError::new(
            "spec",
            "parse",
            format!("事项内容不是有效的 JSON：{e}"),
            format!("the item is not valid JSON: {e}"),
        )])),
    };
    match result {
        Ok(()) => see_other(&format!(
            "/catalog/{}?done=1",
            crate::extract::urlencode(&code)
        )),
        Err(e) => {
            let errors = field_errors(&e, user.lang).or_else(|| match &e {
                AppError::Conflict { message, .. } => {
                    let mut m = BTreeMap::new();
                    m.insert("_form".to_owned(), message.get(user.lang).to_owned());
                    Some(m)
                }
                _ => None,
            });
            let Some(errors) = errors else {
                return error_page(&e, user.lang, &user.meta.request_id);
            };
            match item_page(
                &s,
                &user,
                &code,
                Some((f.spec, f.change_note)),
                errors,
                false,
            )
            .await
            {
                Ok(tpl) => {
                    let mut r = render(&tpl);
                    *r.status_mut() = if matches!(e, AppError::Conflict { .. }) {
                        StatusCode::CONFLICT
                    } else {
                        StatusCode::UNPROCESSABLE_ENTITY
                    };
                    r
                }
                Err(e2) => error_page(&e2, user.lang, &user.meta.request_id),
            }
        }
    }
}
