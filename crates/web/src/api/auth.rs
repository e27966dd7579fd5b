//! Tokens and the current user.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiCtx, ApiJson, ApiUser};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use daiban_app::auth::{SessionKind, login, logout};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A bearer token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339 expiry.
    pub expires_at: String,
}

/// The current user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Unit id.
    pub unit_id: Option<i64>,
    /// Unit name.
    pub unit_name: String,
    /// Enterprise id.
    pub enterprise_id: Option<i64>,
    /// Preferred language.
    pub locale: String,
}

/// Issue a bearer token. Five consecutive failures lock the account for 15 minutes.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem), (status = 423, body = Problem)))]
pub async fn issue_token(
    State(s): State<AppState>,
    ctx: ApiCtx,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let issued = login(
        &s.app,
        &req.username,
        &req.password,
        SessionKind::Api,
        &ctx.meta,
    )
    .await
    .map_err(|e| ctx.err(e))?;
    Ok(Json(TokenResponse {
        token: issued.token,
        expires_at: issued.expires_at.to_rfc3339(),
    }))
}

/// Revoke the token used for this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn revoke_token(State(s): State<AppState>, user: ApiUser) -> ApiResult<StatusCode> {
    logout(&s.app, &user.token, &user.actor, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)))]
pub async fn me(user: ApiUser) -> Json<MeResponse> {
    let a = user.actor;
    Json(MeResponse {
        id: a.user_id,
        username: a.username,
        name: a.name,
        role: a.role.code().into(),
        unit_id: a.unit_id,
        unit_name: a.unit_name,
        enterprise_id: a.enterprise_id,
        locale: a.locale,
    })
}
