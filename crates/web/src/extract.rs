//! Extractors: who is calling (bearer token for the API, session cookie for pages), the
//! request's id, address and language, and JSON/query bodies whose rejections are 422 problems.

use crate::AppState;
use crate::error::{ApiError, problem_response};
use crate::i18n;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use daiban_app::auth::{SessionKind, authenticate};
use daiban_app::{Actor, AppError, FieldError, Meta};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "daiban_session";

/// The value of cookie `name`, if present.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// Request id and client address.
pub fn meta_of(parts: &Parts) -> Meta {
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let client_addr = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".into(), |c| c.0.ip().to_string());
    Meta {
        request_id,
        client_addr,
    }
}

/// The API caller's language: `?lang=`, then `Accept-Language`, then the user's choice.
fn api_lang(parts: &Parts, user_locale: Option<&str>) -> &'static str {
    if let Some(l) = parts
        .uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
    {
        return i18n::normalize(l);
    }
    i18n::accept_language(&parts.headers)
        .or_else(|| user_locale.map(i18n::normalize))
        .unwrap_or(i18n::ZH)
}

/// Request context for API calls that need no login (token issuing).
pub struct ApiCtx {
    /// Request id and address.
    pub meta: Meta,
    /// Caller's language.
    pub lang: &'static str,
}

impl ApiCtx {
    /// Wraps an app error for this request.
    pub fn err(&self, error: AppError) -> ApiError {
        ApiError {
            error,
            lang: self.lang,
            request_id: self.meta.request_id.clone(),
        }
    }
}

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self {
            meta: meta_of(parts),
            lang: api_lang(parts, None),
        })
    }
}

/// An authenticated API caller (`Authorization: Bearer <token>`).
pub struct ApiUser {
    /// Who.
    pub actor: Actor,
    /// The bearer token.
    pub token: String,
    /// Request id, address and language.
    pub ctx: ApiCtx,
}

impl ApiUser {
    /// Wraps an app error for this request.
    pub fn err(&self, error: AppError) -> ApiError {
        self.ctx.err(error)
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = ApiCtx {
            meta: meta_of(parts),
            lang: api_lang(parts, None),
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned());
        let Some(token) = token else {
            return Err(ctx.err(AppError::Unauthenticated(daiban_app::Msg::new(
                "请先登录：缺少 Bearer 令牌",
                "Log in first: no bearer token",
            ))));
        };
        let actor = authenticate(&state.app, &token, SessionKind::Api)
            .await
            .map_err(|e| ctx.err(e))?;
        let lang = api_lang(parts, Some(&actor.locale));
        Ok(Self {
            actor,
            token,
            ctx: ApiCtx { lang, ..ctx },
        })
    }
}

/// A JSON body whose rejection is a 422 problem naming the body, in the caller's language.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = ApiCtx::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let req = Request::from_parts(parts, body);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rej) => {
                let text = rej.body_text();
                let (zh, en) = (
                    format!("请求体不是有效的 JSON 或缺少必填字段：{text}"),
                    format!("The body is not valid JSON for this operation: {text}"),
                );
                let f = FieldError::new("body", "invalid_json", zh, en);
                Err(problem_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "Unprocessable Content",
                    if ctx.lang == i18n::EN {
                        "The input breaks some rules; see errors".into()
                    } else {
                        "提交的内容有误，请按提示修改".into()
                    },
                    crate::error::fields(&[f], ctx.lang),
                    &ctx.meta.request_id,
                ))
            }
        }
    }
}

/// A query string whose rejection is a 422 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = ApiCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(rej) => {
                let f = FieldError::new(
                    "query",
                    "invalid_query",
                    format!("查询参数有误：{}", rej.body_text()),
                    format!("Invalid query parameters: {}", rej.body_text()),
                );
                Err(ctx.err(AppError::Invalid(vec![f])).into_response())
            }
        }
    }
}

/// A logged-in browser user (session cookie). Without a valid session: a redirect to the login
/// page that comes back here afterwards.
pub struct PageUser {
    /// Who.
    pub actor: Actor,
    /// The session token (for logout).
    pub token: String,
    /// The page language: the `lang` cookie, else the user's choice.
    pub lang: &'static str,
    /// Request id and address.
    pub meta: Meta,
    /// The path asked for (for the language switch and breadcrumbs).
    pub path: String,
    /// Unread notifications (the badge next to the inbox link).
    pub unread: u64,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string);
        let to_login = || {
            let next = if path == "/" {
                String::new()
            } else {
                format!("?next={}", urlencode(&path))
            };
            Redirect::to(&format!("/login{next}")).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match authenticate(&state.app, &token, SessionKind::Web).await {
            Ok(actor) => {
                let lang = i18n::cookie_lang(&parts.headers)
                    .unwrap_or_else(|| i18n::normalize(&actor.locale));
                // The badge is a convenience: a failed count shows none rather than no page.
                let unread = daiban_app::inbox::unread_badge(&state.app.db.conn, &actor)
                    .await
                    .unwrap_or(0);
                Ok(Self {
                    actor,
                    token,
                    lang,
                    meta: meta_of(parts),
                    path,
                    unread,
                })
            }
            Err(AppError::Unauthenticated(_)) => Err(to_login()),
            Err(e) => {
                let lang = i18n::cookie_lang(&parts.headers).unwrap_or(i18n::ZH);
                Err(crate::pages::error_page(
                    &e,
                    lang,
                    &meta_of(parts).request_id,
                ))
            }
        }
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A safe local redirect target: a path on this site, never another host.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}
