//! Login, logout and the language switch.

use super::{check_csrf, render, see_other};
use crate::extract::{PageUser, SESSION_COOKIE, cookie, meta_of, safe_next};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use daiban_app::AppError;
use daiban_app::auth::{SessionKind, login, logout as app_logout};
use serde::Deserialize;

const PRE_CSRF: &str = "daiban_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTpl {
    lang: &'static str,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    demo: bool,
}

impl LoginTpl {
    fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
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
        crate::extract::urlencode(&format!("/login?next={}", self.next))
    }
}

/// The page language before login: the `lang` cookie, else Chinese.
pub struct PreLang(pub &'static str);

impl FromRequestParts<AppState> for PreLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(i18n::cookie_lang(&parts.headers).unwrap_or(i18n::ZH)))
    }
}

fn cookie_attrs(state: &AppState) -> &'static str {
    if state.web.secure_cookies {
        "; Path=/; HttpOnly; SameSite=Lax; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Lax"
    }
}

/// `?next=`.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(
    state: &AppState,
    lang: &'static str,
    next: String,
    username: String,
    error: Option<String>,
) -> Response {
    let csrf = daiban_app::auth::random_token();
    let t = LoginTpl {
        lang,
        csrf: csrf.clone(),
        next,
        username,
        error,
        demo: state.demo,
    };
    let mut r = render(&t);
    if let Ok(v) = HeaderValue::from_str(&format!("{PRE_CSRF}={csrf}{}", cookie_attrs(state))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// GET /login
pub async fn show(
    State(s): State<AppState>,
    PreLang(lang): PreLang,
    Query(q): Query<NextQuery>,
) -> Response {
    login_page(&s, lang, safe_next(q.next.as_deref()), String::new(), None)
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /login
pub async fn submit(
    State(s): State<AppState>,
    PreLang(lang): PreLang,
    headers: HeaderMap,
    parts: RequestMeta,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    let expected = cookie(&headers, PRE_CSRF).unwrap_or_default();
    if expected.is_empty() || expected != f.csrf {
        return login_page(
            &s,
            lang,
            next,
            f.username,
            Some(i18n::t(lang, "login.csrf_failed")),
        );
    }
    match login(&s.app, &f.username, &f.password, SessionKind::Web, &parts.0).await {
        Ok(issued) => {
            let mut r = see_other(&next);
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}={}{}",
                issued.token,
                cookie_attrs(&s)
            )) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            if let Ok(v) =
                HeaderValue::from_str(&format!("{PRE_CSRF}=; Max-Age=0{}", cookie_attrs(&s)))
            {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e @ (AppError::Unauthenticated(_) | AppError::Locked(_) | AppError::Invalid(_))) => {
            let msg = match &e {
                AppError::Unauthenticated(m) | AppError::Locked(m) => m.get(lang).to_owned(),
                _ => i18n::t(lang, "login.required"),
            };
            let mut r = login_page(&s, lang, next, f.username, Some(msg));
            *r.status_mut() = crate::error::classify(&e, lang).0;
            r
        }
        Err(e) => super::error_page(&e, lang, &parts.0.request_id),
    }
}

/// Request id and address, for handlers without a logged-in user.
pub struct RequestMeta(daiban_app::Meta);

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(meta_of(parts)))
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// POST /logout
pub async fn logout(
    State(s): State<AppState>,
    user: PageUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&user, &f.csrf) {
        return r;
    }
    if let Err(e) = app_logout(&s.app, &user.token, &user.actor, &user.meta).await {
        return super::error_page(&e, user.lang, &user.meta.request_id);
    }
    let mut r = see_other("/login");
    if let Ok(v) =
        HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Max-Age=0{}", cookie_attrs(&s)))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// GET /lang/{code}?next=… — remembers the language in a cookie (a year).
pub async fn switch_lang(Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = i18n::normalize(&code);
    let mut r = see_other(&safe_next(q.next.as_deref()));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r.into_response()
}
