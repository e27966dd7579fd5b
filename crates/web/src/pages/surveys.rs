//! 民主评议: the bureau's surveys (open, respondents and their links, results with the units
//! without appraisal highlighted and the decision form, close and reopen), a unit's own result
//! once closed, and the respondent's public answer page behind a personal link (no login).

use super::{Chrome, check_csrf, chrome, error_page, refused, render, see_other};
use crate::extract::PageUser;
use crate::i18n::{self, t};
use crate::{AppState, extract::meta_of};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use chrono::Duration;
use daiban_app::surveys::{
    self, AddRespondents, AnswersInput, DecisionInput, IssuedLink, OpenInput, PersonInput,
    ReopenInput, RespondentView, ResponseForm, Results, SurveyView, UnitAnswer,
};
use daiban_app::{AppError, AppResult, Msg};
use daiban_domain::clock::CHINA;
use daiban_domain::evaluation::Quarter;
use daiban_domain::role::Role;
use daiban_domain::survey::{Answer, Group};
use serde::Deserialize;
use std::collections::BTreeMap;

fn group_label(lang: &str, code: &str) -> String {
    t(lang, &format!("survey.group_{code}"))
}

fn groups(lang: &str) -> Vec<(&'static str, String)> {
    Group::ALL
        .iter()
        .map(|g| (g.code(), group_label(lang, g.code())))
        .collect()
}

/// The open form's values.
#[derive(Debug, Default, Deserialize)]
pub struct OpenForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListTpl {
    c: Chrome,
    list: Vec<(SurveyView, String)>,
    may_open: bool,
    form: OpenForm,
    errors: BTreeMap<String, String>,
}

impl ListTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

fn state_label(lang: &str, state: &str) -> String {
    t(lang, &format!("survey.state_{state}"))
}

async fn list_page(
    s: &AppState,
    user: &PageUser,
    form: OpenForm,
    errors: BTreeMap<String, String>,
) -> AppResult<ListTpl> {
    let lang = user.lang;
    let list = surveys::list(&s.app, &user.actor)
        .await?
        .into_iter()
        .map(|v| {
            let st = state_label(lang, &v.state);
            (v, st)
        })
        .collect();
    let c = chrome(
        user,
        "/surveys",
        "survey.title",
        vec![(t(lang, "survey.title"), None)],
    );
    Ok(ListTpl {
        c,
        list,
        may_open: user.actor.is(Role::Coordinator),
        form,
        errors,
    })
}

fn default_form(s: &AppState) -> OpenForm {
    let today = s.app.now().with_timezone(&CHINA).date_naive();
    let q = Quarter::of(today);
    OpenForm {
        csrf: String::new(),
        quarter: q.to_string(),
        title: format!("{}年第{}季度项目代办帮办工作满意度测评", q.year, q.q),
        opens_on: today.to_string(),
        closes_on: (today + Duration::days(14)).to_string(),
    }
}

/// GET /surveys
pub async fn list(State(s): State<AppState>, user: PageUser) -> Response {
    match list_page(&s, &user, default_form(&s), BTreeMap::new()).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

fn date_or_err(field: &str, v: &str, errs: &mut Vec<daiban_app::FieldError>) -> chrono::NaiveDate {
    v.parse().unwrap_or_else(|_| {
        errs.push(daiban_app::FieldError::new(
            field,
            "invalid_date",
            "请填写日期",
            "enter a date",
        ));
        chrono::NaiveDate::MIN
    })
}

/// POST /surveys
pub async fn open(State(s): State<AppState>, user: PageUser, Form(f): Form<OpenForm>) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let mut errs = Vec::new();
    let opens_on = date_or_err("opens_on", &f.opens_on, &mut errs);
    let closes_on = date_or_err("closes_on", &f.closes_on, &mut errs);
    let r = if errs.is_empty() {
        surveys::open(
            &s.app,
            &user.actor,
            &OpenInput {
                quarter: f.quarter.clone(),
                title: f.title.clone(),
                opens_on,
                closes_on,
            },
            &user.meta,
        )
        .await
    } else {
        Err(AppError::Invalid(errs))
    };
    match r {
        Ok(v) => see_other(&format!("/surveys/{}?done=opened", v.id)),
        Err(e) => refused(&e, &user, |m| list_page(&s, &user, f, m)).await,
    }
}

/// A result row with its labels.
pub struct ResultRow {
    /// The result.
    pub r: surveys::UnitResult,
    /// Kind label.
    pub kind: String,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct ShowTpl {
    c: Chrome,
    v: SurveyView,
    state: String,
    coordinator: bool,
    results: Option<Results>,
    rows: Vec<ResultRow>,
    results_note: String,
    respondents: Vec<(RespondentView, String, String)>,
    groups: Vec<(&'static str, String)>,
    units: Vec<(i64, String)>,
    errors: BTreeMap<String, String>,
}

impl ShowTpl {
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template arguments by reference"
    )]
    fn uerr(&self, unit: &i64, field: &str) -> String {
        self.err(&format!("{unit}.{field}"))
    }
    fn closed(&self) -> bool {
        self.v.state == "closed"
    }
    fn unresolved_count(&self) -> usize {
        self.rows.iter().filter(|r| r.r.unresolved).count()
    }
}

async fn show_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> AppResult<ShowTpl> {
    let lang = user.lang;
    let v = surveys::get(&s.app, &user.actor, id).await?;
    let coordinator = user.actor.is(Role::Coordinator);
    let (results, results_note) = match surveys::results(&s.app, &user.actor, id).await {
        Ok(r) => (Some(r), String::new()),
        Err(AppError::Forbidden(m)) => (None, m.get(lang).to_owned()),
        Err(e) => return Err(e),
    };
    let rows = results
        .as_ref()
        .map(|r| {
            r.units
                .iter()
                .map(|u| ResultRow {
                    kind: t(lang, &format!("kind.{}", u.unit_kind)),
                    r: u.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let respondents = if coordinator {
        surveys::respondents(&s.app, &user.actor, id)
            .await?
            .into_iter()
            .map(|r| {
                let g = group_label(lang, &r.group);
                let at = super::labels::odt(r.answered_at);
                (r, g, at)
            })
            .collect()
    } else {
        Vec::new()
    };
    let units = if coordinator {
        surveys::evaluated_units(&s.app.db.conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let mut c = chrome(
        user,
        "/surveys",
        "survey.title",
        vec![
            (t(lang, "survey.title"), Some("/surveys".into())),
            (v.quarter.clone(), None),
        ],
    );
    c.title.clone_from(&v.title);
    c.flash = flash;
    Ok(ShowTpl {
        state: state_label(lang, &v.state),
        v,
        c,
        coordinator,
        results,
        rows,
        results_note,
        respondents,
        groups: groups(lang),
        units,
        errors,
    })
}

/// `?done=`.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// GET /surveys/{id}
pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Response {
    let flash = q.done.map(|d| t(user.lang, &format!("survey.done_{d}")));
    match show_page(&s, &user, id, BTreeMap::new(), flash).await {
        Ok(tpl) => render(&tpl),
        Err(e) => error_page(&e, user.lang, &user.meta.request_id),
    }
}

/// The close and reopen forms.
#[derive(Deserialize)]
pub struct StateForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    closes_on: String,
}

/// POST /surveys/{id}/close
pub async fn close(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<StateForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    match surveys::close(&s.app, &user.actor, id, f.version, &user.meta).await {
        Ok(_) => see_other(&format!("/surveys/{id}?done=closed")),
        Err(e) => refused(&e, &user, |m| show_page(&s, &user, id, m, None)).await,
    }
}

/// POST /surveys/{id}/reopen
pub async fn reopen(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<StateForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let mut errs = Vec::new();
    let closes_on = date_or_err("closes_on", &f.closes_on, &mut errs);
    let r = if errs.is_empty() {
        surveys::reopen(
            &s.app,
            &user.actor,
            id,
            &ReopenInput {
                closes_on,
                version: f.version,
            },
            &user.meta,
        )
        .await
    } else {
        Err(AppError::Invalid(errs))
    };
    match r {
        Ok(_) => see_other(&format!("/surveys/{id}?done=reopened")),
        Err(e) => refused(&e, &user, |m| show_page(&s, &user, id, m, None)).await,
    }
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    unit_id: i64,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

/// POST /surveys/{id}/decisions
pub async fn decide(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let input = DecisionInput {
        unit_id: f.unit_id,
        points: f.points,
        reason: f.reason,
    };
    match surveys::decide(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(_) => see_other(&format!("/surveys/{id}?done=decided")),
        Err(e) => {
            refused(&e, &user, |mut m| {
                // Name the unit the messages belong to: the form of each unit shows its own.
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    if let Some(v) = m.remove(&k) {
                        m.insert(format!("{}.{k}", f.unit_id), v);
                    }
                }
                show_page(&s, &user, id, m, None)
            })
            .await
        }
    }
}

/// The add-respondents form: accounts of a group (optionally of one unit), or one person.
#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    person_group: String,
    #[serde(default)]
    person_phone: String,
}

#[derive(Template)]
#[template(path = "survey_links.html")]
struct LinksTpl {
    c: Chrome,
    v: SurveyView,
    links: Vec<(IssuedLink, String)>,
    base: String,
}

fn base_url(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

/// POST /surveys/{id}/respondents — the new links, shown once (printable).
pub async fn add(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    let mut input = AddRespondents {
        group: Some(f.group.clone()).filter(|g| !g.is_empty()),
        unit_id: f.unit_id.parse().ok(),
        ..AddRespondents::default()
    };
    if !f.person_name.trim().is_empty() || !f.person_phone.trim().is_empty() {
        input.people.push(PersonInput {
            name: f.person_name.clone(),
            group: f.person_group.clone(),
            phone: f.person_phone.clone(),
        });
    }
    let lang = user.lang;
    match surveys::add_respondents(&s.app, &user.actor, id, &input, &user.meta).await {
        Ok(links) => {
            let v = match surveys::get(&s.app, &user.actor, id).await {
                Ok(v) => v,
                Err(e) => return error_page(&e, lang, &user.meta.request_id),
            };
            let mut c = chrome(
                &user,
                "/surveys",
                "survey.links_title",
                vec![
                    (t(lang, "survey.title"), Some("/surveys".into())),
                    (v.quarter.clone(), Some(format!("/surveys/{id}"))),
                    (t(lang, "survey.links_title"), None),
                ],
            );
            c.flash = Some(t(lang, "survey.links_once"));
            let links = links
                .into_iter()
                .map(|l| {
                    let g = group_label(lang, &l.respondent.group);
                    (l, g)
                })
                .collect();
            let mut r = render(&LinksTpl {
                c,
                v,
                links,
                base: base_url(&headers),
            });
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => {
            refused(&e, &user, |m| {
                let m = m
                    .into_iter()
                    .map(|(k, v)| {
                        let k = if k.starts_with("people[0].") {
                            k.replace("people[0].", "person_")
                        } else {
                            k
                        };
                        (k, v)
                    })
                    .collect();
                show_page(&s, &user, id, m, None)
            })
            .await
        }
    }
}

// ——— The public answer page ———

/// Language, request meta and whether a post came from this site, for the public page.
pub struct Public {
    lang: &'static str,
    meta: daiban_app::Meta,
    same_origin: bool,
}

impl axum::extract::FromRequestParts<AppState> for Public {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let h = &parts.headers;
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        // A browser names the page a post comes from; another site's page is refused. Without
        // the headers (an old browser, a test client) the token in the form is the credential.
        let origin_ok = h
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|o| {
                let o = o.split("://").nth(1).unwrap_or(o);
                host.is_some_and(|h| h == o)
            });
        let fetch_ok = h
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| matches!(v, "same-origin" | "none"));
        Ok(Self {
            lang: i18n::cookie_lang(h).unwrap_or(i18n::ZH),
            meta: meta_of(parts),
            same_origin: origin_ok && fetch_ok,
        })
    }
}

/// A unit on the answer page.
pub struct AnswerUnit {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind label.
    pub kind: String,
    /// The respondent's answer.
    pub answer: String,
}

#[derive(Template)]
#[template(path = "survey_answer.html")]
struct AnswerTpl {
    lang: &'static str,
    token: String,
    f: ResponseForm,
    group: String,
    units: Vec<AnswerUnit>,
    options: Vec<(&'static str, String)>,
    errors: BTreeMap<String, String>,
    saved: bool,
}

impl AnswerTpl {
    fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }
    fn html_lang(&self) -> &'static str {
        if self.lang == i18n::EN { "en" } else { "zh-CN" }
    }
    fn other_lang(&self) -> (&'static str, &'static str) {
        if self.lang == i18n::EN {
            ("zh-CN", "中文")
        } else {
            ("en", "English")
        }
    }
    fn path_enc(&self) -> String {
        crate::extract::urlencode(&format!("/survey/{}", self.token))
    }
    fn err(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template arguments by reference"
    )]
    fn aerr(&self, unit: &i64) -> String {
        self.err(&format!("answers.{unit}"))
    }
    fn open(&self) -> bool {
        self.f.state == "open"
    }
}

fn answer_page(
    lang: &'static str,
    token: String,
    f: ResponseForm,
    given: Option<&BTreeMap<i64, String>>,
    errors: BTreeMap<String, String>,
    saved: bool,
) -> AnswerTpl {
    let units = f
        .units
        .iter()
        .map(|u| AnswerUnit {
            id: u.unit_id,
            name: u.unit_name.clone(),
            kind: t(lang, &format!("kind.{}", u.unit_kind)),
            answer: given
                .map_or_else(|| u.answer.clone(), |g| g.get(&u.unit_id).cloned())
                .unwrap_or_default(),
        })
        .collect();
    AnswerTpl {
        lang,
        group: group_label(lang, &f.group),
        token,
        f,
        units,
        options: Answer::ALL
            .iter()
            .map(|a| (a.code(), t(lang, &format!("survey.answer_{}", a.code()))))
            .collect(),
        errors,
        saved,
    }
}

fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `?saved=`.
#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// GET /survey/{token} — the respondent's form (no login).
pub async fn answer_form(
    State(s): State<AppState>,
    p: Public,
    Path(token): Path<String>,
    Query(q): Query<Saved>,
) -> Response {
    match surveys::response(&s.app, &token).await {
        Ok(f) => private(render(&answer_page(
            p.lang,
            token,
            f,
            None,
            BTreeMap::new(),
            q.saved.is_some(),
        ))),
        Err(e) => error_page(&e, p.lang, &p.meta.request_id),
    }
}

/// POST /survey/{token} — saves the answers: `u{unit_id}=excellent|satisfied|dissatisfied|unknown`.
pub async fn answer_submit(
    State(s): State<AppState>,
    p: Public,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if !p.same_origin {
        let msg = Msg::new(
            "请求来源不可信，请从评议链接打开页面后再提交",
            "The request did not come from this site; open your link and submit again",
        );
        return error_page(&AppError::Forbidden(msg), p.lang, &p.meta.request_id);
    }
    let given: BTreeMap<i64, String> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix('u')?.parse().ok()?, v.clone())))
        .collect();
    let input = AnswersInput {
        answers: given
            .iter()
            .map(|(u, a)| UnitAnswer {
                unit_id: *u,
                answer: a.clone(),
            })
            .collect(),
    };
    match surveys::answer(&s.app, &token, &input, &p.meta).await {
        Ok(_) => see_other(&format!("/survey/{token}?saved=1")),
        Err(e) => {
            let Some((m, status)) = super::form_errors(&e, p.lang) else {
                return error_page(&e, p.lang, &p.meta.request_id);
            };
            match surveys::response(&s.app, &token).await {
                Ok(f) => {
                    let mut r = private(render(&answer_page(
                        p.lang,
                        token,
                        f,
                        Some(&given),
                        m,
                        false,
                    )));
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&e, p.lang, &p.meta.request_id),
            }
        }
    }
}
