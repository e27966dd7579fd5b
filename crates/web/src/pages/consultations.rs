//! 在线咨询, 常见问题 and 搜索: an enterprise (or a staff member) asks and follows its threads;
//! the answering unit's staff see their questions with yellow and red and answer; the bureau
//! sees all, lists the overdue ones, re-routes and publishes answers to the FAQ; the FAQ is
//! public (`/public/faq`) and searchable; `/search` searches everything the user may see.

use super::labels as l;
use super::login::PreLang;
use super::problems::field;
use super::refused;
use super::{Chrome, check_csrf, chrome, error_page, render, see_other};
use crate::AppState;
use crate::extract::PageUser;
use crate::i18n::t;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use daiban_app::consultations::{
    self, AskInput, ConsultationFilter, ConsultationView, FormChoices, MessageInput, RerouteInput,
    ResolveInput,
};
use daiban_app::faq::{self, FaqFilter, FaqInput, FaqVersion, FaqView};
use daiban_app::search::{self, SearchQuery, SearchResults};
use daiban_domain::consultation::{FAQ_CATEGORIES, highlight, normalize};
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
    fn tone(&self, warning: &str) -> &'static str {
        match warning {
            "yellow" => "warn",
            "red" => "bad",
            _ => "",
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

labels!(ListTpl, NewTpl, ShowTpl, FaqTpl, SearchTpl);

/// A text cut into pieces for highlighting: `(text, is_match)`; askama escapes each.
pub type Marked = Vec<(String, bool)>;

// ---------------------------------------------------------------- consultations

#[derive(Template)]
#[template(path = "consultations.html")]
struct ListTpl {
    c: Chrome,
    list: Vec<ConsultationView>,
    may_ask: bool,
    bureau: bool,
    overdue_view: bool,
    yellow: usize,
    red: usize,
}

fn may_ask(role: Role) -> bool {
    matches!(
        role,
        Role::Enterprise | Role::Agent | Role::Helper | Role::UnitLeader | Role::Coordinator
    )
}

fn bureau_wide(user: &PageUser) -> bool {
    matches!(user.actor.role, Role::Coordinator | Role::CityLeader)
        || (user.actor.role == Role::UnitLeader
            && user.actor.unit_kind == Some(daiban_domain::unit::UnitKind::Bureau))
}

/// GET /consultations — the consultations the user may see.
pub async fn list(
    State(s): State<AppState>,
    user: PageUser,
    Query(f): Query<ConsultationFilter>,
) -> Response {
    let r = async {
        let list = consultations::list(&s.app, &user.actor, &f).await?;
        let (yellow, red) = consultations::warning_counts(&s.app, &user.actor).await?;
        daiban_app::AppResult::Ok((list, yellow, red))
    }
    .await;
    match r {
        Ok((list, yellow, red)) => {
            let c = chrome(
                &user,
                "/consultations",
                "consult.title",
                vec![(t(user.lang, "consult.title"), None)],
            );
            render(&ListTpl {
                c,
                list,
                may_ask: may_ask(user.actor.role),
                bureau: bureau_wide(&user),
                overdue_view: false,
                yellow,
                red,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// GET /consultations/overdue — the bureau's list of unanswered consultations at red and
/// yellow.
pub async fn overdue(State(s): State<AppState>, user: PageUser) -> Response {
    match consultations::overdue(&s.app, &user.actor).await {
        Ok(list) => {
            let lang = user.lang;
            let c = chrome(
                &user,
                "/consultations/overdue",
                "consult.overdue_title",
                vec![
                    (t(lang, "consult.title"), Some("/consultations".into())),
                    (t(lang, "consult.overdue_title"), None),
                ],
            );
            let red = list.iter().filter(|v| v.warning == "red").count();
            let yellow = list.len() - red;
            render(&ListTpl {
                c,
                list,
                may_ask: false,
                bureau: true,
                overdue_view: true,
                yellow,
                red,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// What the ask form was filled with.
#[derive(Debug, Clone, Default)]
pub struct AskForm {
    /// Subject.
    pub subject: String,
    /// Question.
    pub body: String,
    /// Project (0: none).
    pub project_id: i64,
    /// Catalog item (0: none).
    pub catalog_item_id: i64,
    /// Unit (0: let it be routed).
    pub unit_id: i64,
}

impl AskForm {
    fn of(p: &[(String, String)]) -> Self {
        Self {
            subject: field(p, "subject"),
            body: field(p, "body"),
            project_id: field(p, "project_id").parse().unwrap_or(0),
            catalog_item_id: field(p, "catalog_item_id").parse().unwrap_or(0),
            unit_id: field(p, "unit_id").parse().unwrap_or(0),
        }
    }
}

#[derive(Template)]
#[template(path = "consultation_new.html")]
struct NewTpl {
    c: Chrome,
    form: AskForm,
    choices: FormChoices,
    errors: BTreeMap<String, String>,
}

impl NewTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
}

async fn new_page(
    s: &AppState,
    user: &PageUser,
    form: AskForm,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<NewTpl> {
    if !may_ask(user.actor.role) {
        return Err(daiban_app::error::forbidden());
    }
    let lang = user.lang;
    let choices = consultations::form_choices(&s.app, &user.actor).await?;
    let c = chrome(
        user,
        "/consultations",
        "consult.new_title",
        vec![
            (t(lang, "consult.title"), Some("/consultations".into())),
            (t(lang, "consult.new_title"), None),
        ],
    );
    Ok(NewTpl {
        c,
        form,
        choices,
        errors,
    })
}

/// GET /consultations/new
pub async fn new(State(s): State<AppState>, user: PageUser) -> Response {
    match new_page(&s, &user, AskForm::default(), BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /consultations
pub async fn create(
    State(s): State<AppState>,
    user: PageUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let f = AskForm::of(&pairs);
    let input = AskInput {
        subject: f.subject.clone(),
        body: f.body.clone(),
        project_id: (f.project_id > 0).then_some(f.project_id),
        catalog_item_id: (f.catalog_item_id > 0).then_some(f.catalog_item_id),
        unit_id: (f.unit_id > 0).then_some(f.unit_id),
    };
    match consultations::ask(&s.app, &user.actor, &input, &user.meta).await {
        Ok(v) => see_other(&format!("/consultations/{}", v.id)),
        Err(e) => refused(&e, &user, |m| new_page(&s, &user, f, m)).await,
    }
}

#[derive(Template)]
#[template(path = "consultation.html")]
struct ShowTpl {
    c: Chrome,
    v: ConsultationView,
    units: Vec<(i64, String)>,
    faq: Option<FaqView>,
    categories: Vec<&'static str>,
    errors: BTreeMap<String, String>,
}

impl ShowTpl {
    fn err(&self, f: &str) -> String {
        self.errors.get(f).cloned().unwrap_or_default()
    }
    /// The answer to prefill the FAQ form with: the entry's, else the first answer.
    fn faq_answer(&self) -> String {
        if let Some(f) = &self.faq {
            return f.answer.clone();
        }
        self.v
            .messages
            .iter()
            .find(|m| m.kind == "answer")
            .map(|m| m.body.clone())
            .unwrap_or_default()
    }
    fn faq_question(&self) -> String {
        self.faq
            .as_ref()
            .map_or_else(|| self.v.body.clone(), |f| f.question.clone())
    }
    fn faq_category(&self) -> String {
        self.faq
            .as_ref()
            .map(|f| f.category.clone())
            .unwrap_or_default()
    }
}

async fn show_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
) -> daiban_app::AppResult<ShowTpl> {
    let lang = user.lang;
    let v = consultations::get(&s.app, &user.actor, id).await?;
    let units = if v.may_manage {
        consultations::form_choices(&s.app, &user.actor)
            .await?
            .units
    } else {
        Vec::new()
    };
    let faq = match v.faq_id {
        Some(f) if v.may_manage => Some(faq::get(&s.app.db.conn, Some(&user.actor), f).await?),
        _ => None,
    };
    let c = chrome(
        user,
        "/consultations",
        "consult.detail_title",
        vec![
            (t(lang, "consult.title"), Some("/consultations".into())),
            (format!("#{} {}", v.id, v.subject), None),
        ],
    );
    Ok(ShowTpl {
        c,
        v,
        units,
        faq,
        categories: FAQ_CATEGORIES.to_vec(),
        errors,
    })
}

/// GET /consultations/{id}
pub async fn show(State(s): State<AppState>, user: PageUser, Path(id): Path<i64>) -> Response {
    match show_page(&s, &user, id, BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// POST /consultations/{id} — `action`: `message`, `resolve`, `reroute`, `publish`.
pub async fn act(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = check_csrf(&user, &field(&pairs, "_csrf")) {
        return r;
    }
    let version = field(&pairs, "version").parse().unwrap_or(0);
    let r = match field(&pairs, "action").as_str() {
        "message" => consultations::post_message(
            &s.app,
            &user.actor,
            id,
            &MessageInput {
                body: field(&pairs, "body"),
                version,
            },
            &user.meta,
        )
        .await
        .map(|_| ()),
        "resolve" => consultations::resolve(
            &s.app,
            &user.actor,
            id,
            &ResolveInput {
                note: field(&pairs, "note"),
                version,
            },
            &user.meta,
        )
        .await
        .map(|_| ()),
        "reroute" => consultations::reroute(
            &s.app,
            &user.actor,
            id,
            &RerouteInput {
                unit_id: field(&pairs, "unit_id").parse().unwrap_or(0),
                reason: field(&pairs, "reason"),
                version,
            },
            &user.meta,
        )
        .await
        .map(|_| ()),
        "publish" => faq::publish(
            &s.app,
            &user.actor,
            id,
            &FaqInput {
                category: field(&pairs, "category"),
                question: field(&pairs, "question"),
                answer: field(&pairs, "answer"),
            },
            &user.meta,
        )
        .await
        .map(|_| ()),
        "unpublish" | "republish" => {
            let publish = field(&pairs, "action") == "republish";
            faq::set_published(
                &s.app,
                &user.actor,
                field(&pairs, "faq_id").parse().unwrap_or(0),
                publish,
                &FaqVersion { version },
                &user.meta,
            )
            .await
            .map(|_| ())
        }
        _ => Err(daiban_app::AppError::Invalid(vec![
            daiban_app::FieldError::new(
                "action",
                "action",
                "操作须为：留言、标记已解决、改派或发布",
                "action must be message, resolve, reroute or publish",
            ),
        ])),
    };
    match r {
        Ok(()) => see_other(&format!("/consultations/{id}")),
        Err(e) => refused(&e, &user, |m| show_page(&s, &user, id, m)).await,
    }
}

// ---------------------------------------------------------------- FAQ

/// One FAQ entry prepared for the page, with its matches marked.
pub struct FaqRow {
    /// The entry.
    pub v: FaqView,
    /// The question, marked.
    pub question: Marked,
    /// The answer, marked.
    pub answer: Marked,
}

#[derive(Template)]
#[template(path = "faq.html")]
struct FaqTpl {
    c: Chrome,
    q: String,
    category: String,
    categories: Vec<String>,
    rows: Vec<FaqRow>,
    bureau: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "public_faq.html")]
struct PublicFaqTpl {
    lang: &'static str,
    q: String,
    category: String,
    categories: Vec<String>,
    rows: Vec<FaqRow>,
    error: String,
}

impl PublicFaqTpl {
    fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }
    fn html_lang(&self) -> &'static str {
        if self.lang == crate::i18n::EN {
            "en"
        } else {
            "zh-CN"
        }
    }
}

/// The FAQ's query string.
#[derive(Debug, Default, Deserialize)]
pub struct FaqQ {
    /// Search text.
    #[serde(default)]
    pub q: String,
    /// Category.
    #[serde(default)]
    pub category: String,
}

async fn faq_rows(
    s: &AppState,
    user: Option<&daiban_app::Actor>,
    q: &FaqQ,
) -> daiban_app::AppResult<(Vec<String>, Vec<FaqRow>, String)> {
    let db = &s.app.db.conn;
    let categories = faq::categories(db).await?;
    let filter = FaqFilter {
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        category: Some(q.category.clone()).filter(|s| !s.trim().is_empty()),
    };
    let (list, error) = match faq::list(db, user, &filter).await {
        Ok(l) => (l, String::new()),
        Err(daiban_app::AppError::Invalid(errs)) => (
            Vec::new(),
            errs.first()
                .map(|e| e.message.zh.clone())
                .unwrap_or_default(),
        ),
        Err(e) => return Err(e),
    };
    let n = normalize(&q.q);
    let rows = list
        .into_iter()
        .map(|v| FaqRow {
            question: highlight(&v.question, &n),
            answer: highlight(&v.answer, &n),
            v,
        })
        .collect();
    Ok((categories, rows, error))
}

/// GET /faq — the FAQ for signed-in users (the bureau also sees unpublished entries).
pub async fn faq_page(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<FaqQ>,
) -> Response {
    match faq_rows(&s, Some(&user.actor), &q).await {
        Ok((categories, rows, error)) => {
            let c = chrome(
                &user,
                "/faq",
                "faq.title",
                vec![(t(user.lang, "faq.title"), None)],
            );
            render(&FaqTpl {
                c,
                q: q.q,
                category: q.category,
                categories,
                rows,
                bureau: user.actor.is(Role::Coordinator),
                error,
            })
        }
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// GET /public/faq — the published FAQ and its search, without login.
pub async fn public_faq(
    State(s): State<AppState>,
    PreLang(lang): PreLang,
    Query(q): Query<FaqQ>,
) -> Response {
    match faq_rows(&s, None, &q).await {
        Ok((categories, rows, error)) => render(&PublicFaqTpl {
            lang,
            q: q.q,
            category: q.category,
            categories,
            rows,
            error: if lang == crate::i18n::EN && !error.is_empty() {
                t(lang, "search.invalid")
            } else {
                error
            },
        }),
        Err(e) => error_page(&e, lang, "public"),
    }
}

// ---------------------------------------------------------------- search

/// A result prepared for the page.
pub struct HitRow {
    /// Link.
    pub href: String,
    /// Title, marked.
    pub title: Marked,
    /// Excerpt, marked.
    pub excerpt: Marked,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchTpl {
    c: Chrome,
    q: String,
    groups: Vec<(String, usize, Vec<HitRow>)>,
    error: String,
    searched: bool,
}

/// GET /search?q= — everything the user may see, grouped, with the matches highlighted.
pub async fn search_page(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<SearchQuery>,
) -> Response {
    let lang = user.lang;
    let c = chrome(
        &user,
        "/search",
        "search.title",
        vec![(t(lang, "search.title"), None)],
    );
    let searched = !q.q.trim().is_empty();
    let (groups, error) = if searched {
        match search::search(&s.app, Some(&user.actor), &q).await {
            Ok(SearchResults { query, groups }) => (
                groups
                    .into_iter()
                    .map(|g| {
                        (
                            t(lang, &format!("search.kind_{}", g.kind)),
                            g.total,
                            g.hits
                                .into_iter()
                                .map(|h| HitRow {
                                    title: highlight(&h.title, &query),
                                    excerpt: highlight(&h.excerpt, &query),
                                    href: h.href,
                                })
                                .collect(),
                        )
                    })
                    .collect(),
                String::new(),
            ),
            Err(daiban_app::AppError::Invalid(errs)) => (
                Vec::new(),
                errs.first()
                    .map(|e| e.message.get(lang).to_owned())
                    .unwrap_or_default(),
            ),
            Err(e) => return error_page(&e, lang, &user.meta.request_id),
        }
    } else {
        (Vec::new(), String::new())
    };
    render(&SearchTpl {
        c,
        q: q.q,
        groups,
        error,
        searched,
    })
}
