//! One error type for the web layer, with one exhaustive match to an HTTP status, and two
//! renderings: RFC 9457 problem+json for the API, an HTML page for browsers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daiban_app::{AppError, FieldError};
use serde::Serialize;

/// An error answered to the API client.
#[derive(Debug)]
pub struct ApiError {
    /// The cause.
    pub error: AppError,
    /// The caller's language.
    pub lang: &'static str,
    /// The request id (shown in 5xx bodies).
    pub request_id: String,
}

/// One field error in a problem body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// The field's name.
    pub field: String,
    /// The stable rule code.
    pub code: String,
    /// The message in the caller's language.
    pub message: String,
}

/// An RFC 9457 problem body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, stable summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// A stable machine code (docs/ERRORS.md).
    pub code: String,
    /// What happened, in the caller's language.
    pub detail: String,
    /// Per-field errors (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The request id, to quote when reporting a problem.
    pub request_id: String,
}

/// The status, stable code, title and localised detail of an error. The one place where
/// outcomes become statuses.
pub fn classify(e: &AppError, lang: &str) -> (StatusCode, String, &'static str, String) {
    let zh = !lang.starts_with("en");
    let pick = |z: &str, en: &str| if zh { z.to_owned() } else { en.to_owned() };
    match e {
        AppError::Unauthenticated(m) => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated".into(),
            "Unauthorized",
            m.get(lang).to_owned(),
        ),
        AppError::Forbidden(m) => (
            StatusCode::FORBIDDEN,
            "forbidden".into(),
            "Forbidden",
            m.get(lang).to_owned(),
        ),
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "not_found".into(),
            "Not Found",
            pick("记录不存在或您无权查看", "Not found, or not yours to see"),
        ),
        AppError::Conflict { code, message } => (
            StatusCode::CONFLICT,
            (*code).to_owned(),
            "Conflict",
            message.get(lang).to_owned(),
        ),
        AppError::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed".into(),
            "Unprocessable Content",
            pick(
                "提交的内容有误，请按提示修改",
                "The input breaks some rules; see errors",
            ),
        ),
        AppError::Locked(m) => (
            StatusCode::LOCKED,
            "account_locked".into(),
            "Locked",
            m.get(lang).to_owned(),
        ),
        AppError::Unexpected(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal".into(),
            "Internal Server Error",
            pick(
                "服务器内部错误，请稍后重试并提供请求编号",
                "Internal error; try again later and quote the request id",
            ),
        ),
    }
}

/// Field errors in the caller's language.
pub fn fields(errors: &[FieldError], lang: &str) -> Vec<ProblemField> {
    errors
        .iter()
        .map(|f| ProblemField {
            field: f.field.clone(),
            code: f.code.clone(),
            message: f.message.get(lang).to_owned(),
        })
        .collect()
}

/// Builds a problem response.
pub fn problem_response(
    status: StatusCode,
    code: &str,
    title: &str,
    detail: String,
    errors: Vec<ProblemField>,
    request_id: &str,
) -> Response {
    let body = Problem {
        kind: format!("/docs/errors#{code}"),
        title: title.to_owned(),
        status: status.as_u16(),
        code: code.to_owned(),
        detail,
        errors,
        request_id: request_id.to_owned(),
    };
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title, detail) = classify(&self.error, self.lang);
        if let AppError::Unexpected(cause) = &self.error {
            tracing::error!(request_id = %self.request_id, error = ?cause, "request failed");
        }
        let errs = match &self.error {
            AppError::Invalid(f) => fields(f, self.lang),
            _ => Vec::new(),
        };
        let mut resp = problem_response(status, &code, title, detail, errs, &self.request_id);
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}
