//! Online consultation (在线咨询), the FAQ (常见问题, public) and the platform's search.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiCtx, ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::consultations::{
    self, AskInput, ConsultationFilter, ConsultationView, MessageInput, RerouteInput, ResolveInput,
};
use daiban_app::faq::{self, FaqFilter, FaqInput, FaqVersion, FaqView};
use daiban_app::search::{self, SearchQuery, SearchResults};

/// The consultations the caller may see, newest first: the bureau all, an enterprise its own,
/// a unit's staff those routed to their unit (and those they asked). `warning=red` lists the
/// unanswered ones past their due time.
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultations", security(("bearer" = [])), params(ConsultationFilter),
    responses((status = 200, body = Vec<ConsultationView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<ConsultationFilter>,
) -> ApiResult<Json<Vec<ConsultationView>>> {
    consultations::list(&s.app, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Ask a question: routed to the unit chosen, else the catalog item's department, else the
/// project's location unit, else the bureau; due `consultation_days` working days later.
#[utoipa::path(post, path = "/api/v1/consultations", tag = "consultations", security(("bearer" = [])), request_body = AskInput,
    responses((status = 201, body = ConsultationView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<AskInput>,
) -> ApiResult<(StatusCode, Json<ConsultationView>)> {
    consultations::ask(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// The unanswered consultations at red (overdue) or yellow (last working day), red first: the
/// bureau's overview.
#[utoipa::path(get, path = "/api/v1/consultations/overdue", tag = "consultations", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConsultationView>), (status = 403, body = Problem)))]
pub async fn overdue(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<ConsultationView>>> {
    consultations::overdue(&s.app, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// One consultation with its thread.
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ConsultationView), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ConsultationView>> {
    consultations::get(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A message: an answer (the answering unit's staff, the bureau) or a follow-up (the asker).
#[utoipa::path(post, path = "/api/v1/consultations/{id}/messages", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MessageInput,
    responses((status = 201, body = ConsultationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn post_message(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MessageInput>,
) -> ApiResult<(StatusCode, Json<ConsultationView>)> {
    consultations::post_message(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// The asker marks an answered consultation resolved.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/resolution", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ResolveInput,
    responses((status = 200, body = ConsultationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn resolve(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> ApiResult<Json<ConsultationView>> {
    consultations::resolve(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The bureau re-routes a consultation to another unit, with the reason.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/route", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RerouteInput,
    responses((status = 200, body = ConsultationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reroute(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RerouteInput>,
) -> ApiResult<Json<ConsultationView>> {
    consultations::reroute(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The bureau publishes an answered consultation to the FAQ (edited question and answer, a
/// category), or edits and republishes its entry.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/faq", tag = "faq", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FaqInput,
    responses((status = 201, body = FaqView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FaqInput>,
) -> ApiResult<(StatusCode, Json<FaqView>)> {
    faq::publish(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// The published FAQ, without login: by category, newest first; `q` is a substring search
/// (Chinese or Latin, case-insensitive), `category` one category.
#[utoipa::path(get, path = "/api/v1/faq", tag = "faq", params(FaqFilter),
    responses((status = 200, body = Vec<FaqView>), (status = 422, body = Problem)))]
pub async fn faq_list(
    State(s): State<AppState>,
    ctx: ApiCtx,
    ApiQuery(f): ApiQuery<FaqFilter>,
) -> ApiResult<Json<Vec<FaqView>>> {
    faq::list(&s.app.db.conn, None, &f)
        .await
        .map(Json)
        .map_err(|e| ctx.err(e))
}

/// One published FAQ entry, without login.
#[utoipa::path(get, path = "/api/v1/faq/{id}", tag = "faq", params(("id" = i64, Path)),
    responses((status = 200, body = FaqView), (status = 404, body = Problem)))]
pub async fn faq_get(
    State(s): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<FaqView>> {
    faq::get(&s.app.db.conn, None, id)
        .await
        .map(Json)
        .map_err(|e| ctx.err(e))
}

/// The bureau takes an entry off the FAQ (and out of search).
#[utoipa::path(post, path = "/api/v1/faq/{id}/unpublish", tag = "faq", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FaqVersion,
    responses((status = 200, body = FaqView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn unpublish(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FaqVersion>,
) -> ApiResult<Json<FaqView>> {
    faq::set_published(&s.app, &user.actor, id, false, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The bureau puts an unpublished entry back on the FAQ as it stands.
#[utoipa::path(post, path = "/api/v1/faq/{id}/republish", tag = "faq", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FaqVersion,
    responses((status = 200, body = FaqView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn republish(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FaqVersion>,
) -> ApiResult<Json<FaqView>> {
    faq::set_published(&s.app, &user.actor, id, true, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Search announcements, the FAQ, projects and enterprises by substring (2-character Chinese
/// queries included), within what the caller may see; grouped by kind.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    search::search(&s.app, Some(&user.actor), &q)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}
