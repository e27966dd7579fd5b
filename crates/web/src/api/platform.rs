//! The information platform: announcements (政策动态) with attachments and read receipts, their
//! public view without login, and enterprise demands (企业诉求).

use super::{ApiResult, file_response, read_upload};
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiCtx, ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::announcements::{
    self, AnnouncementActionInput, AnnouncementFilter, AnnouncementInput, AnnouncementView,
    AttachmentView, ReceiptsView,
};
use daiban_app::demands::{self, DemandActionInput, DemandFilter, DemandInput, DemandView};
use daiban_app::{AppError, FieldError};
use utoipa::ToSchema;

/// The announcements the caller may see, pinned first, then newest: the bureau every one
/// (drafts and withdrawn included), everyone else the published.
#[utoipa::path(get, path = "/api/v1/announcements", tag = "announcements", security(("bearer" = [])), params(AnnouncementFilter),
    responses((status = 200, body = Vec<AnnouncementView>)))]
pub async fn list_announcements(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<AnnouncementFilter>,
) -> ApiResult<Json<Vec<AnnouncementView>>> {
    announcements::list(&s.app, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Write a draft (bureau coordinators). The body is Markdown; raw HTML is shown as text.
#[utoipa::path(post, path = "/api/v1/announcements", tag = "announcements", security(("bearer" = [])), request_body = AnnouncementInput,
    responses((status = 201, body = AnnouncementView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_announcement(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<AnnouncementInput>,
) -> ApiResult<(StatusCode, Json<AnnouncementView>)> {
    announcements::create(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// One announcement. A staff member opening a published one leaves a read receipt (first
/// reading, once).
#[utoipa::path(get, path = "/api/v1/announcements/{id}", tag = "announcements", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AnnouncementView), (status = 404, body = Problem)))]
pub async fn get_announcement(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<AnnouncementView>> {
    announcements::get(&s.app, &user.actor, id, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Change an announcement (bureau coordinators), with the version seen.
#[utoipa::path(put, path = "/api/v1/announcements/{id}", tag = "announcements", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AnnouncementInput,
    responses((status = 200, body = AnnouncementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_announcement(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AnnouncementInput>,
) -> ApiResult<Json<AnnouncementView>> {
    announcements::update(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// `publish` (a draft or a withdrawn announcement; the first publication notifies staff and
/// enterprises) or `unpublish` (bureau coordinators).
#[utoipa::path(post, path = "/api/v1/announcements/{id}/actions", tag = "announcements", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AnnouncementActionInput,
    responses((status = 200, body = AnnouncementView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_announcement(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AnnouncementActionInput>,
) -> ApiResult<Json<AnnouncementView>> {
    announcements::act(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Who of the staff has read an announcement and who has not, by unit (bureau coordinators).
#[utoipa::path(get, path = "/api/v1/announcements/{id}/receipts", tag = "announcements", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ReceiptsView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn announcement_receipts(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReceiptsView>> {
    announcements::receipts(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The multipart form of an attachment.
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "documents the multipart fields for the OpenAPI document"
)]
pub struct AttachmentForm {
    /// The file (PDF, OFD, JPG, PNG, doc, docx, xlsx; at most 20 MB).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// Attach a file to an announcement (bureau coordinators).
#[utoipa::path(post, path = "/api/v1/announcements/{id}/attachments", tag = "announcements", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachmentView>)> {
    let form = form.map_err(|_| {
        user.err(AppError::Invalid(vec![FieldError::new(
            "file",
            "multipart",
            "请以 multipart/form-data 上传文件",
            "send the file as multipart/form-data",
        )]))
    })?;
    let f = read_upload(form).await.map_err(|e| user.err(e))?;
    announcements::attach(
        &s.app,
        &user.actor,
        id,
        &f.filename,
        &f.data,
        &user.ctx.meta,
    )
    .await
    .map(|v| (StatusCode::CREATED, Json(v)))
    .map_err(|e| user.err(e))
}

/// Download an announcement's attachment (whoever may see the announcement).
#[utoipa::path(get, path = "/api/v1/announcement-attachments/{id}", tag = "announcements", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn download_attachment(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let (filename, content_type, data) =
        announcements::download(&s.app.db.conn, Some(&user.actor), id)
            .await
            .map_err(|e| user.err(e))?;
    Ok(file_response(&filename, &content_type, data))
}

/// The published announcements marked public, for everyone without login.
#[utoipa::path(get, path = "/api/v1/public/announcements", tag = "announcements",
    responses((status = 200, body = Vec<AnnouncementView>)))]
pub async fn public_announcements(
    State(s): State<AppState>,
    ctx: ApiCtx,
) -> ApiResult<Json<Vec<AnnouncementView>>> {
    announcements::public_list(&s.app.db.conn)
        .await
        .map(Json)
        .map_err(|e| ctx.err(e))
}

/// One public announcement, for everyone without login.
#[utoipa::path(get, path = "/api/v1/public/announcements/{id}", tag = "announcements", params(("id" = i64, Path)),
    responses((status = 200, body = AnnouncementView), (status = 404, body = Problem)))]
pub async fn public_announcement(
    State(s): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<AnnouncementView>> {
    announcements::public_get(&s.app.db.conn, id)
        .await
        .map(Json)
        .map_err(|e| ctx.err(e))
}

/// The demands the caller sees, newest first: the enterprise its own, a unit's staff those
/// routed to the unit, the bureau and the city leader all.
#[utoipa::path(get, path = "/api/v1/demands", tag = "demands", security(("bearer" = [])), params(DemandFilter),
    responses((status = 200, body = Vec<DemandView>), (status = 403, body = Problem)))]
pub async fn list_demands(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<DemandFilter>,
) -> ApiResult<Json<Vec<DemandView>>> {
    demands::list(&s.app, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Submit a demand (an enterprise user) or enter one on an enterprise's behalf (staff, with
/// `enterprise_id`; a unit's staff route it to their own unit).
#[utoipa::path(post, path = "/api/v1/demands", tag = "demands", security(("bearer" = [])), request_body = DemandInput,
    responses((status = 201, body = DemandView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_demand(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<DemandInput>,
) -> ApiResult<(StatusCode, Json<DemandView>)> {
    demands::submit(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// One demand with its steps and the problem it became.
#[utoipa::path(get, path = "/api/v1/demands/{id}", tag = "demands", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DemandView), (status = 404, body = Problem)))]
pub async fn get_demand(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<DemandView>> {
    demands::get(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A step: `route` (bureau; a re-route needs `note`), `accept`, `reply`, `close` (the unit or
/// the bureau; `note` is the reply or the outcome), `confirm`, `reopen` (the enterprise;
/// reopening needs `note`), `escalate` (a demand on a project becomes a problem on the ladder).
#[utoipa::path(post, path = "/api/v1/demands/{id}/actions", tag = "demands", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DemandActionInput,
    responses((status = 200, body = DemandView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_demand(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DemandActionInput>,
) -> ApiResult<Json<DemandView>> {
    demands::act(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}
