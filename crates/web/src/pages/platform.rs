//! 政策动态 and 企业诉求: the announcements (the bureau's editor with read receipts; every role's
//! list and page; the public pages without login) and the enterprise demands (the enterprise's
//! form and list; the bureau's routing; the unit's answers; turning one into a problem).

use super::labels as l;
use super::login::PreLang;
use super::problems::field;
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::{self, t};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::announcements::{
    self, AnnouncementActionInput, AnnouncementFilter, AnnouncementInput, AnnouncementView,
    ReceiptsView,
};
use daiban_app::demands::{
    self, DemandActionInput, DemandFilter, DemandInput, DemandView, FormChoices,
};
use daiban_app::{AppError, FieldError};
use daiban_domain::platform::AnnouncementCategory;
use daiban_domain::problem::ProblemCategory;
use daiban_domain::role::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Labels shared by the templates of this module.
trait Labels {
    fn lang(&self) -> &'static str;
    fn label(&self, prefix: &str, code: &str) -> String {
        t(self.lang(), &format!("{prefix}{code}"))
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        l::dt(*at)
    }
    #[expect(
        clippy::ref_option,
        reason = "askama passes template fields by reference"
    )]
    fn owhen(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        l::odt(*at)
    }
    fn tone(&self, due_state: &str) -> &'static str {
        match due_state {
            "on_time" => "ok",
            "late" => "warn",
            "overdue" => "bad",
            _ => "",
        }
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template fields by reference"
    )]
    fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!(
                "{:.1} MB",
                f64::from(u32::try_from(*bytes / 1024).unwrap_or(u32::MAX)) / 1024.0
            )
        } else {
            format!("{} KB", (*bytes + 1023) / 1024)
        }
    }
}

macro_rules! labels {
    ($($t:ty),*) => {$(
        impl Labels for $t {
            fn lang(&self) -> &'static str {
                self.c.lang
            }
        }
    )*};
}

labels!(
    ListTpl,
    ShowTpl,
    EditTpl,
    DemandsTpl,
    DemandNewTpl,
    DemandTpl
);

fn categories(lang: &str) -> Vec<(&'static str, String)> {
    AnnouncementCategory::ALL
        .into_iter()
        .map(|c| {
            (
                c.code(),
                if lang == i18n::EN {
                    c.label_en().to_owned()
                } else {
                    c.label_zh().to_owned()
                },
            )
        })
        .collect()
}

// ---------------------------------------------------------------- announcements

/// `?category=`.
#[derive(Debug, Default, Deserialize)]
pub struct CategoryQ {
    /// One category.
    pub category: Option<String>,
}

#[derive(Template)]
#[template(path = "announcements.html")]
struct ListTpl {
    c: Chrome,
    list: Vec<AnnouncementView>,
    bureau: bool,
    reads: BTreeMap<i64, u64>,
    categories: Vec<(&'static str, String)>,
    selected: String,
}

impl ListTpl {
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template fields by reference"
    )]
    fn reads_of(&self, id: &i64) -> u64 {
        self.reads.get(id).copied().unwrap_or(0)
    }
}

/// GET /announcements — the announcements the caller may see, pinned first.
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<CategoryQ>,
) -> Response {
    let bureau = user.actor.is(Role::Coordinator);
    let selected = q
        .category
        .filter(|c| AnnouncementCategory::from_code(c).is_some())
        .unwrap_or_default();
    let f = AnnouncementFilter {
        category: (!selected.is_empty()).then(|| selected.clone()),
        status: None,
    };
    let r = async {
        let list = announcements::list(&s.app, &user.actor, &f).await?;
        let reads = if bureau {
            announcements::read_counts(&s.app.db.conn).await?
        } else {
            BTreeMap::new()
        };
        daiban_app::AppResult::Ok((list, reads))
    }
    .await;
    match r {
        Ok((list, reads)) => {
            let c = chrome(
                &user,
                "/announcements",
                "announcement.title",
                vec![(t(user.lang, "announcement.title"), None)],
            );
            render(&ListTpl {
                categories: categories(user.lang),
                c,
                list,
                bureau,
                reads,
                selected,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

#[derive(Template)]
#[template(path = "announcement.html")]
struct ShowTpl {
    c: Chrome,
    v: AnnouncementView,
    bureau: bool,
    receipts: Option<ReceiptsView>,
    errors: BTreeMap<String, String>,
}

impl ShowTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
    fn category(&self) -> String {
        self.label("announcement.cat_", &self.v.category)
    }
}

async fn show_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<ShowTpl> {
    let v = announcements::get(&s.app, &user.actor, id, &user.meta).await?;
    let bureau = user.actor.is(Role::Coordinator);
    let receipts = if bureau && v.status != "draft" {
        Some(announcements::receipts(&s.app, &user.actor, id).await?)
    } else {
        None
    };
    let c = chrome(
        user,
        "/announcements",
        "announcement.title",
        vec![
            (
                t(user.lang, "announcement.title"),
                Some("/announcements".into()),
            ),
            (v.title.clone(), None),
        ],
    );
    Ok(ShowTpl {
        c,
        v,
        bureau,
        receipts,
        errors,
    })
}

/// GET /announcements/{id} — opening a published one leaves the staff member's read receipt.
pub async fn show(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    match show_page(&s, &user, id, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// What the editor was filled with.
#[derive(Debug, Clone, Default)]
pub struct EditForm {
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Category code.
    pub category: String,
    /// Public.
    pub public: bool,
    /// Pinned.
    pub pinned: bool,
    /// Version (edits).
    pub version: i32,
}

impl EditForm {
    fn of(p: &[(String, String)]) -> Self {
        Self {
            title: field(p, "title"),
            body: field(p, "body"),
            category: field(p, "category"),
            public: field(p, "public") == "on",
            pinned: field(p, "pinned") == "on",
            version: field(p, "version").parse().unwrap_or(0),
        }
    }
    fn input(&self) -> AnnouncementInput {
        AnnouncementInput {
            title: self.title.clone(),
            body: self.body.clone(),
            category: self.category.clone(),
            public: self.public,
            pinned: self.pinned,
            version: self.version,
        }
    }
}

#[derive(Template)]
#[template(path = "announcement_form.html")]
struct EditTpl {
    c: Chrome,
    id: Option<i64>,
    form: EditForm,
    categories: Vec<(&'static str, String)>,
    errors: BTreeMap<String, String>,
}

impl EditTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
}

fn edit_page(
    user: &PageUser,
    id: Option<i64>,
    form: EditForm,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<EditTpl> {
    if !user.actor.is(Role::Coordinator) {
        return Err(daiban_app::error::forbidden());
    }
    let key = if id.is_some() {
        "announcement.edit"
    } else {
        "announcement.new"
    };
    let c = chrome(
        user,
        "/announcements",
        key,
        vec![
            (
                t(user.lang, "announcement.title"),
                Some("/announcements".into()),
            ),
            (t(user.lang, key), None),
        ],
    );
    Ok(EditTpl {
        c,
        id,
        form,
        categories: categories(user.lang),
        errors,
    })
}

/// GET /announcements/new — the editor (bureau).
pub async fn new(user: PageUser) -> Response {
    let form = EditForm {
        category: "notice".into(),
        ..EditForm::default()
    };
    match edit_page(&user, None, form, BTreeMap::new()) {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /announcements — writes a draft.
pub async fn create(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let f = EditForm::of(&pairs);
    match announcements::create(&s.app, &user.actor, &f.input(), &user.meta).await {
        Ok(v) => see_other(&format!("/announcements/{}", v.id)),
        Err(e) => {
            let u = &user;
            refused(&e, u, |m| async move { edit_page(u, None, f, m) }).await
        }
    }
}

/// GET /announcements/{id}/edit — the editor on an existing announcement (bureau).
pub async fn edit(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    let r = async {
        let v = announcements::get(&s.app, &user.actor, id, &user.meta).await?;
        let form = EditForm {
            title: v.title,
            body: v.body,
            category: v.category,
            public: v.public,
            pinned: v.pinned,
            version: v.version,
        };
        edit_page(&user, Some(id), form, BTreeMap::new())
    }
    .await;
    match r {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /announcements/{id} — saves the editor.
pub async fn update(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let f = EditForm::of(&pairs);
    match announcements::update(&s.app, &user.actor, id, &f.input(), &user.meta).await {
        Ok(v) => see_other(&format!("/announcements/{}", v.id)),
        Err(e) => {
            let u = &user;
            refused(&e, u, |m| async move { edit_page(u, Some(id), f, m) }).await
        }
    }
}

/// POST /announcements/{id}/act — publish or unpublish.
pub async fn act(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let input = AnnouncementActionInput {
        action: field(&pairs, "action"),
        version: field(&pairs, "version").parse().unwrap_or(0),
    };
    match announcements::act(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/announcements/{id}")),
        Err(e) => refused(&e, &user, |m| show_page(&s, &user, id, m)).await,
    }
}

/// POST /announcements/{id}/attachments — attaches a file (bureau).
pub async fn attach(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let fields = match form {
        Ok(f) => crate::api::read_upload(f).await,
        Err(_) => Err(AppError::Invalid(vec![FieldError::new(
            "file",
            "multipart",
            "请选择要上传的文件",
            "choose a file to upload",
        )])),
    };
    let f = match fields {
        Ok(f) => f,
        Err(e) => return refused(&e, &user, |m| show_page(&s, &user, id, m)).await,
    };
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match announcements::attach(&s.app, &user.actor, id, &f.filename, &f.data, &user.meta).await {
        Ok(_) => see_other(&format!("/announcements/{id}#h-attachments")),
        Err(e) => refused(&e, &user, |m| show_page(&s, &user, id, m)).await,
    }
}

/// GET /announcement-attachments/{id} — downloads an attachment the caller may see.
pub async fn download(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    match announcements::download(&s.app.db.conn, Some(&user.actor), id).await {
        Ok((name, ct, data)) => crate::api::file_response(&name, &ct, data),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

// ---------------------------------------------------------------- public

#[derive(Template)]
#[template(path = "public_announcements.html")]
struct PublicListTpl {
    lang: &'static str,
    list: Vec<AnnouncementView>,
}

#[derive(Template)]
#[template(path = "public_announcement.html")]
struct PublicShowTpl {
    lang: &'static str,
    v: AnnouncementView,
}

macro_rules! public {
    ($($t:ty),*) => {$(
        impl $t {
            fn t(&self, key: &str) -> String {
                t(self.lang, key)
            }
            fn html_lang(&self) -> &'static str {
                if self.lang == i18n::EN { "en" } else { "zh-CN" }
            }
            fn category(&self, code: &str) -> String {
                t(self.lang, &format!("announcement.cat_{code}"))
            }
            fn published(&self, v: &AnnouncementView) -> String {
                l::odt(v.published_at)
            }
        }
    )*};
}

public!(PublicListTpl, PublicShowTpl);

/// GET /public/announcements — the public announcements, without login.
pub async fn public_list(State(s): State<AppState>, PreLang(lang): PreLang) -> Response {
    match announcements::public_list(&s.app.db.conn).await {
        Ok(list) => render(&PublicListTpl { lang, list }),
        Err(e) => error_page(&e, lang, "public"),
    }
}

/// GET /public/announcements/{id} — one public announcement, without login.
pub async fn public_show(
    State(s): State<AppState>,
    PreLang(lang): PreLang,
    Path(id): Path<i64>,
) -> Response {
    match announcements::public_get(&s.app.db.conn, id).await {
        Ok(v) => render(&PublicShowTpl { lang, v }),
        Err(e) => error_page(&e, lang, "public"),
    }
}

/// GET /public/announcement-attachments/{id} — an attachment of a public announcement.
pub async fn public_download(
    State(s): State<AppState>,
    PreLang(lang): PreLang,
    Path(id): Path<i64>,
) -> Response {
    match announcements::download(&s.app.db.conn, None, id).await {
        Ok((name, ct, data)) => crate::api::file_response(&name, &ct, data),
        Err(e) => error_page(&e, lang, "public"),
    }
}

// ---------------------------------------------------------------- demands

fn demand_categories(lang: &str) -> Vec<(&'static str, String)> {
    ProblemCategory::ALL
        .into_iter()
        .map(|c| {
            (
                c.code(),
                if lang == i18n::EN {
                    c.label_en().to_owned()
                } else {
                    c.label_zh().to_owned()
                },
            )
        })
        .collect()
}

/// `?open=` and `?overdue=`.
#[derive(Debug, Default, Deserialize)]
pub struct DemandQ {
    /// `open`, `closed`, `overdue` or empty (all).
    pub show: Option<String>,
}

#[derive(Template)]
#[template(path = "demands.html")]
struct DemandsTpl {
    c: Chrome,
    list: Vec<DemandView>,
    may_submit: bool,
    bureau: bool,
    show: String,
}

/// GET /demands — the demands the caller sees.
pub async fn demands_list(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<DemandQ>,
) -> Response {
    let show = q.show.unwrap_or_default();
    let f = DemandFilter {
        open: match show.as_str() {
            "open" | "overdue" => Some(true),
            "closed" => Some(false),
            _ => None,
        },
        overdue: (show == "overdue").then_some(true),
        ..DemandFilter::default()
    };
    match demands::list(&s.app, &user.actor, &f).await {
        Ok(list) => {
            let c = chrome(
                &user,
                "/demands",
                "demand.title",
                vec![(t(user.lang, "demand.title"), None)],
            );
            render(&DemandsTpl {
                c,
                list,
                may_submit: !user.actor.is(Role::CityLeader),
                bureau: user.actor.is(Role::Coordinator),
                show,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// What the demand form was filled with.
#[derive(Debug, Clone, Default)]
pub struct DemandForm {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// Project.
    pub project_id: i64,
    /// Enterprise (staff).
    pub enterprise_id: i64,
}

#[derive(Template)]
#[template(path = "demand_new.html")]
struct DemandNewTpl {
    c: Chrome,
    form: DemandForm,
    choices: FormChoices,
    categories: Vec<(&'static str, String)>,
    enterprise_user: bool,
    errors: BTreeMap<String, String>,
}

impl DemandNewTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
}

async fn demand_new_page(
    s: &AppState,
    user: &PageUser,
    form: DemandForm,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<DemandNewTpl> {
    if matches!(
        user.actor.role,
        Role::CityLeader | Role::Admin | Role::Auditor
    ) {
        return Err(daiban_app::error::forbidden());
    }
    let choices = demands::form_choices(&s.app, &user.actor).await?;
    let c = chrome(
        user,
        "/demands",
        "demand.new",
        vec![
            (t(user.lang, "demand.title"), Some("/demands".into())),
            (t(user.lang, "demand.new"), None),
        ],
    );
    Ok(DemandNewTpl {
        c,
        form,
        choices,
        categories: demand_categories(user.lang),
        enterprise_user: user.actor.is(Role::Enterprise),
        errors,
    })
}

/// GET /demands/new
pub async fn demand_new(State(s): State<AppState>, user: PageUser) -> Response {
    let form = DemandForm {
        category: "approval".into(),
        ..DemandForm::default()
    };
    match demand_new_page(&s, &user, form, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /demands
pub async fn demand_create(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let f = DemandForm {
        title: field(&pairs, "title"),
        description: field(&pairs, "description"),
        category: field(&pairs, "category"),
        project_id: field(&pairs, "project_id").parse().unwrap_or(0),
        enterprise_id: field(&pairs, "enterprise_id").parse().unwrap_or(0),
    };
    let input = DemandInput {
        title: f.title.clone(),
        description: f.description.clone(),
        category: f.category.clone(),
        project_id: (f.project_id > 0).then_some(f.project_id),
        enterprise_id: (f.enterprise_id > 0).then_some(f.enterprise_id),
    };
    match demands::submit(&s.app, &user.actor, &input, &user.meta).await {
        Ok(v) => see_other(&format!("/demands/{}", v.id)),
        Err(e) => refused(&e, &user, |m| demand_new_page(&s, &user, f, m)).await,
    }
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DemandTpl {
    c: Chrome,
    v: DemandView,
    choices: FormChoices,
    errors: BTreeMap<String, String>,
}

impl DemandTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
    fn level(&self, code: &str) -> String {
        l::level(self.c.lang, code)
    }
    fn pstatus(&self, code: &str) -> String {
        l::problem_status(self.c.lang, code)
    }
    fn may(&self, action: &str) -> bool {
        self.v.actions.iter().any(|a| a == action)
    }
    fn category(&self) -> String {
        l::category(self.c.lang, &self.v.category)
    }
}

async fn demand_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<DemandTpl> {
    let v = demands::get(&s.app, &user.actor, id).await?;
    let choices = demands::form_choices(&s.app, &user.actor).await?;
    let c = chrome(
        user,
        "/demands",
        "demand.detail",
        vec![
            (t(user.lang, "demand.title"), Some("/demands".into())),
            (format!("#{} {}", v.id, v.title), None),
        ],
    );
    Ok(DemandTpl {
        c,
        v,
        choices,
        errors,
    })
}

/// GET /demands/{id}
pub async fn demand_show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    match demand_page(&s, &user, id, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /demands/{id} — a step on the demand.
pub async fn demand_act(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let input = DemandActionInput {
        action: field(&pairs, "action"),
        version: field(&pairs, "version").parse().unwrap_or(0),
        unit_id: field(&pairs, "unit_id").parse().ok(),
        note: field(&pairs, "note"),
        department_id: field(&pairs, "department_id").parse().ok(),
    };
    match demands::act(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/demands/{id}")),
        Err(e) => refused(&e, &user, |m| demand_page(&s, &user, id, m)).await,
    }
}
