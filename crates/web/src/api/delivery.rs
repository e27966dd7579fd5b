//! The inbox (站内消息), the caller's notification preferences per kind and channel, and the
//! administrator's view of the deliveries (e-mail and webhook) with retry.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::delivery::{
    self, DeliveryFilter, DeliveryOverview, DeliveryView, Preferences, PreferencesInput,
};
use daiban_app::inbox::{self, InboxItem};
use serde::Serialize;
use utoipa::ToSchema;

/// The caller's notifications, newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = Vec<InboxItem>), (status = 403, body = Problem)))]
pub async fn list_inbox(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<InboxItem>>> {
    inbox::list(&s.app.db.conn, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// How many notifications are unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    /// Unread notifications (0 for roles without an inbox).
    pub unread: u64,
}

/// The number of unread notifications (the badge in the page header).
#[utoipa::path(get, path = "/api/v1/inbox/unread-count", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = Unread)))]
pub async fn unread_count(State(s): State<AppState>, user: ApiUser) -> ApiResult<Json<Unread>> {
    inbox::unread_count(&s.app.db.conn, &user.actor)
        .await
        .map(|unread| Json(Unread { unread }))
        .map_err(|e| user.err(e))
}

/// Marks one notification as read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn mark_read(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    inbox::mark_read(&s.app, &user.actor, id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
        .map_err(|e| user.err(e))
}

/// How many were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// Notifications marked read.
    pub marked: u64,
}

/// Marks every unread notification as read.
#[utoipa::path(post, path = "/api/v1/inbox/read-all", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = Marked), (status = 403, body = Problem)))]
pub async fn mark_all_read(State(s): State<AppState>, user: ApiUser) -> ApiResult<Json<Marked>> {
    inbox::mark_all_read(&s.app, &user.actor)
        .await
        .map(|marked| Json(Marked { marked }))
        .map_err(|e| user.err(e))
}

/// The caller's choice per kind of notice and channel (e-mail, webhook/SMS), with the defaults
/// and the addresses they go to.
#[utoipa::path(get, path = "/api/v1/account/notification-preferences", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 403, body = Problem)))]
pub async fn get_preferences(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Preferences>> {
    delivery::preferences(&s.app, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Saves the caller's choices (kinds not listed keep theirs); audited.
#[utoipa::path(put, path = "/api/v1/account/notification-preferences", tag = "inbox", security(("bearer" = [])), request_body = PreferencesInput,
    responses((status = 200, body = Preferences), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_preferences(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<PreferencesInput>,
) -> ApiResult<Json<Preferences>> {
    delivery::set_preferences(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The administrator's view: the channels, counts per state, the outbox waiting, and the latest
/// deliveries with kind, recipient and error (never the notification's text).
#[utoipa::path(get, path = "/api/v1/admin/deliveries", tag = "inbox", security(("bearer" = [])), params(DeliveryFilter),
    responses((status = 200, body = DeliveryOverview), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_deliveries(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<DeliveryFilter>,
) -> ApiResult<Json<DeliveryOverview>> {
    delivery::overview(&s.app, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Sends a failed or skipped delivery again (pending now, attempts reset); audited.
#[utoipa::path(post, path = "/api/v1/admin/deliveries/{id}/retry", tag = "inbox", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry_delivery(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveryView>> {
    delivery::retry(&s.app, &user.actor, id, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}
