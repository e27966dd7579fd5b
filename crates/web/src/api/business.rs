//! The item catalog, projects, mandates, case items, materials and notifications.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::cases::{
    self, ActInput, CaseFilter, CaseItemView, MaterialView, NoticeView, RequestInput,
};
use daiban_app::catalog::{self, CatalogFilter, CatalogItemView, ItemRevisionInput};
use daiban_app::materials::{self, MoveInput};
use daiban_app::projects::{
    self, EventView, ExpectedCompletion, MandateInput, MandateView, ProjectFilter, ProjectInput,
    ProjectView,
};
use daiban_app::timeline::Occurred;
use daiban_app::uploads::{self, UploadView};
use daiban_app::{AppError, FieldError};
use daiban_domain::mandate::{MandateAction, TerminationCause};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// How many match the filters in all.
    pub total: u64,
}

/// The catalog's current items (every signed-in user: it is the public service guide).
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", security(("bearer" = [])), params(CatalogFilter),
    responses((status = 200, body = Vec<CatalogItemView>), (status = 401, body = Problem)))]
pub async fn list_catalog(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<CatalogFilter>,
) -> ApiResult<Json<Vec<CatalogItemView>>> {
    catalog::list(&s.app.db.conn, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Every revision of an item, newest first.
#[utoipa::path(get, path = "/api/v1/catalog/{code}", tag = "catalog", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, body = Vec<CatalogItemView>), (status = 404, body = Problem)))]
pub async fn catalog_revisions(
    State(s): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<CatalogItemView>>> {
    catalog::revisions(&s.app.db.conn, &code)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Publish a new revision of an item (administrator). Open case items keep theirs.
#[utoipa::path(post, path = "/api/v1/catalog/{code}", tag = "catalog", security(("bearer" = [])), params(("code" = String, Path)), request_body = ItemRevisionInput,
    responses((status = 201, body = CatalogItemView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise_catalog_item(
    State(s): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<ItemRevisionInput>,
) -> ApiResult<(StatusCode, Json<CatalogItemView>)> {
    let v = catalog::revise(&s.app, &user.actor, &code, input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// What loading the default catalog did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Loaded {
    /// Items added (items already present are kept).
    pub added: usize,
}

/// Load the shipped default catalog (administrator); items already present are kept.
#[utoipa::path(post, path = "/api/v1/catalog/load-default", tag = "catalog", security(("bearer" = [])),
    responses((status = 200, body = Loaded), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_default_catalog(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Loaded>> {
    catalog::load_default(&s.app, &user.actor, &user.ctx.meta)
        .await
        .map(|added| Json(Loaded { added }))
        .map_err(|e| user.err(e))
}

/// Projects in the caller's scope.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), params(ProjectFilter),
    responses((status = 200, body = Page<ProjectView>), (status = 403, body = Problem)))]
pub async fn list_projects(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<ProjectFilter>,
) -> ApiResult<Json<Page<ProjectView>>> {
    projects::list(&s.app.db.conn, &user.actor, &f)
        .await
        .map(|(items, total)| Json(Page { items, total }))
        .map_err(|e| user.err(e))
}

/// Register a project (enterprise user, agent of its unit, coordinator).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), request_body = ProjectInput,
    responses((status = 201, body = ProjectView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_project(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let v = projects::create(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ProjectView), (status = 404, body = Problem)))]
pub async fn get_project(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProjectView>> {
    projects::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The decline of a restricted or eliminated project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclineRequest {
    /// The project's version last read.
    pub version: i32,
    /// The written explanation the enterprise will read.
    pub explanation: String,
}

/// Decline the free service for a restricted or eliminated project, with a written explanation.
#[utoipa::path(post, path = "/api/v1/projects/{id}/decline", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DeclineRequest,
    responses((status = 200, body = ProjectView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decline_project(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<DeclineRequest>,
) -> ApiResult<Json<ProjectView>> {
    projects::decline(
        &s.app,
        &user.actor,
        id,
        r.version,
        &r.explanation,
        &user.ctx.meta,
    )
    .await
    .map(Json)
    .map_err(|e| user.err(e))
}

/// A stage change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StageRequest {
    /// The project's version last read.
    pub version: i32,
    /// Stage code.
    pub stage: String,
    /// When it happened, if earlier than now (补录).
    #[serde(default)]
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the entry is back-dated.
    #[serde(default)]
    pub backdate_reason: String,
}

/// Move a project to another stage (agent side).
#[utoipa::path(post, path = "/api/v1/projects/{id}/stage", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)), request_body = StageRequest,
    responses((status = 200, body = ProjectView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_project_stage(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<StageRequest>,
) -> ApiResult<Json<ProjectView>> {
    let occurred = Occurred {
        at: r.occurred_at,
        backdate_reason: r.backdate_reason,
    };
    projects::set_stage(
        &s.app,
        &user.actor,
        id,
        r.version,
        &r.stage,
        &occurred,
        &user.ctx.meta,
    )
    .await
    .map(Json)
    .map_err(|e| user.err(e))
}

/// The bureau helper for a major project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The project's version last read.
    pub version: i32,
    /// A helper of the bureau.
    pub helper_id: i64,
}

/// Assign a bureau helper to a major project (coordinator).
#[utoipa::path(post, path = "/api/v1/projects/{id}/bureau-helper", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AssignRequest,
    responses((status = 200, body = ProjectView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_bureau_helper(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<AssignRequest>,
) -> ApiResult<Json<ProjectView>> {
    projects::assign_bureau_helper(
        &s.app,
        &user.actor,
        id,
        r.version,
        r.helper_id,
        &user.ctx.meta,
    )
    .await
    .map(Json)
    .map_err(|e| user.err(e))
}

/// The project's timeline, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/events", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<EventView>), (status = 404, body = Problem)))]
pub async fn project_events(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<EventView>>> {
    projects::events(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The expected completion date: the critical path through the prerequisite items.
#[utoipa::path(get, path = "/api/v1/projects/{id}/expected-completion", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ExpectedCompletion), (status = 404, body = Problem)))]
pub async fn expected_completion(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ExpectedCompletion>> {
    let cal = s.app.calendar();
    projects::expected_completion(&s.app.db.conn, &user.actor, id, &cal, s.app.now())
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The project's mandate (404 while none is signed).
#[utoipa::path(get, path = "/api/v1/projects/{id}/mandate", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MandateView), (status = 404, body = Problem)))]
pub async fn get_mandate(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<MandateView>> {
    projects::mandate(&s.app.db.conn, &user.actor, id)
        .await
        .and_then(|m| m.ok_or(AppError::NotFound))
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Sign the mandate (the enterprise; or an agent recording a paper-signed one).
#[utoipa::path(post, path = "/api/v1/projects/{id}/mandate", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MandateInput,
    responses((status = 201, body = MandateView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_mandate(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MandateInput>,
) -> ApiResult<(StatusCode, Json<MandateView>)> {
    let v = projects::sign_mandate(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A mandate action.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MandateActionRequest {
    /// `suspend` (中止), `resume` (续办), `conclude` (办结) or `terminate` (终止).
    pub action: String,
    /// The mandate's version last read.
    pub version: i32,
    /// Why.
    pub reason: String,
    /// For `terminate`: `enterprise_decision`, `policy_or_planning`, `staff_fault` or `other`.
    #[serde(default)]
    pub cause: Option<String>,
    /// For `staff_fault`: the agent or helper at fault, one who served the project.
    #[serde(default)]
    pub fault_user_id: Option<i64>,
}

/// Suspend, resume, conclude or terminate the mandate. A termination for `staff_fault` proposes
/// a `project_lost` finding against the unit of the staff member at fault.
#[utoipa::path(post, path = "/api/v1/projects/{id}/mandate/actions", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MandateActionRequest,
    responses((status = 200, body = MandateView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn mandate_action(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<MandateActionRequest>,
) -> ApiResult<Json<MandateView>> {
    let Some(action) = MandateAction::from_code(&r.action) else {
        return Err(user.err(AppError::Invalid(vec![FieldError::new(
            "action",
            "unknown",
            "操作应为 suspend、resume、conclude 或 terminate",
            "action must be suspend, resume, conclude or terminate",
        )])));
    };
    let cause = match r.cause.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(TerminationCause::from_code(c).ok_or_else(|| {
            user.err(AppError::Invalid(vec![FieldError::new(
                "cause",
                "unknown",
                "终止原因应为 enterprise_decision、policy_or_planning、staff_fault 或 other",
                "cause must be enterprise_decision, policy_or_planning, staff_fault or other",
            )]))
        })?),
    };
    let step = projects::MandateStep {
        action,
        version: r.version,
        reason: r.reason,
        cause,
        fault_user_id: r.fault_user_id,
    };
    projects::mandate_action(&s.app, &user.actor, id, &step, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Request catalog items for a project (the enterprise or the agent side).
#[utoipa::path(post, path = "/api/v1/projects/{id}/cases", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RequestInput,
    responses((status = 201, body = Vec<CaseItemView>), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request_cases(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<(StatusCode, Json<Vec<CaseItemView>>)> {
    let v = cases::request(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Case items in the caller's scope: red first, then by due time.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(CaseFilter),
    responses((status = 200, body = Page<CaseItemView>), (status = 403, body = Problem)))]
pub async fn list_cases(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<CaseFilter>,
) -> ApiResult<Json<Page<CaseItemView>>> {
    cases::list(&s.app.db.conn, &user.actor, &f, s.app.now())
        .await
        .map(|(items, total)| Json(Page { items, total }))
        .map_err(|e| user.err(e))
}

/// A case item with what the caller may do now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    /// The item.
    #[serde(flatten)]
    pub item: CaseItemView,
    /// The action codes the caller may take now.
    pub allowed_actions: Vec<String>,
}

/// One case item.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = Problem)))]
pub async fn get_case(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseDetail>> {
    let db = &s.app.db.conn;
    let item = cases::get(db, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?;
    let allowed_actions = cases::available_actions(db, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?
        .into_iter()
        .map(|a| a.code().to_owned())
        .collect();
    Ok(Json(CaseDetail {
        item,
        allowed_actions,
    }))
}

/// Take a lifecycle action. A transition the current state does not allow gets 409 with the
/// state and the allowed actions; of two conflicting transitions one wins and the other gets 409.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActInput,
    responses((status = 200, body = CaseItemView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_case(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ActInput>,
) -> ApiResult<Json<CaseItemView>> {
    cases::act(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The one-time notices of a case item.
#[utoipa::path(get, path = "/api/v1/cases/{id}/notices", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<NoticeView>), (status = 404, body = Problem)))]
pub async fn case_notices(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<NoticeView>>> {
    cases::notices(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The materials of a case item and where each one is now.
#[utoipa::path(get, path = "/api/v1/cases/{id}/materials", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MaterialView>), (status = 404, body = Problem)))]
pub async fn case_materials(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<MaterialView>>> {
    cases::materials(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Move a material along its custody chain (receive, transfer, return, report lost).
#[utoipa::path(post, path = "/api/v1/cases/{id}/materials/{material_id}/moves", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path), ("material_id" = i64, Path)), request_body = MoveInput,
    responses((status = 200, body = MaterialView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_material(
    State(s): State<AppState>,
    user: ApiUser,
    Path((id, material_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<MoveInput>,
) -> ApiResult<Json<MaterialView>> {
    materials::move_material(&s.app, &user.actor, id, material_id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The catalog revision a case item was opened with (what the enterprise was told).
#[utoipa::path(get, path = "/api/v1/cases/{id}/catalog-item", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CatalogItemView), (status = 404, body = Problem)))]
pub async fn case_catalog_item(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CatalogItemView>> {
    cases::catalog_revision(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[expect(
    dead_code,
    reason = "documents the multipart fields for the OpenAPI document"
)]
pub struct UploadForm {
    /// The material's code on the item's list.
    material: String,
    /// A note.
    note: Option<String>,
    /// The file (PDF, OFD, JPG, PNG, doc, docx, xlsx; at most 20 MB).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// The fields of an upload form.
#[derive(Debug, Default)]
pub struct UploadFields {
    /// Material code.
    pub material: String,
    /// Note.
    pub note: String,
    /// CSRF token (page forms send it as `_csrf`).
    pub csrf: String,
    /// File name as sent.
    pub filename: String,
    /// Content.
    pub data: Vec<u8>,
}

/// Reads an upload's fields from a multipart body.
///
/// # Errors
/// A malformed body, or a file above the body limit, as a 422 naming the field.
pub async fn read_upload(mut form: axum::extract::Multipart) -> Result<UploadFields, AppError> {
    let bad = |f: &str, zh: &str, en: &str| {
        AppError::Invalid(vec![FieldError::new(f, "multipart", zh, en)])
    };
    let too_big = || {
        bad(
            "file",
            "文件不能超过 20 MB，或上传中断",
            "the file exceeds 20 MB, or the upload broke off",
        )
    };
    let mut out = UploadFields::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(too_big()),
        };
        match field.name().unwrap_or_default() {
            "file" => {
                out.filename = field.file_name().unwrap_or_default().to_owned();
                out.data = field.bytes().await.map_err(|_| too_big())?.to_vec();
            }
            "material" => out.material = field.text().await.map_err(|_| too_big())?,
            "note" => out.note = field.text().await.map_err(|_| too_big())?,
            "_csrf" => out.csrf = field.text().await.map_err(|_| too_big())?,
            _ => {}
        }
    }
    Ok(out)
}

/// Upload a file for one of a case item's materials (the enterprise or the agent side). The
/// agent still records the material's receipt in the custody chain after checking it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/uploads", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_file(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadView>)> {
    let form = form.map_err(|_| {
        user.err(AppError::Invalid(vec![FieldError::new(
            "file",
            "multipart",
            "请以 multipart/form-data 上传文件",
            "send the file as multipart/form-data",
        )]))
    })?;
    let f = read_upload(form).await.map_err(|e| user.err(e))?;
    let v = uploads::upload(
        &s.app,
        &user.actor,
        id,
        &f.material,
        &f.filename,
        &f.data,
        &f.note,
        &user.ctx.meta,
    )
    .await
    .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// The files uploaded for a case item.
#[utoipa::path(get, path = "/api/v1/cases/{id}/uploads", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<UploadView>), (status = 404, body = Problem)))]
pub async fn list_uploads(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<UploadView>>> {
    uploads::list(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Download an uploaded file.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn download_upload(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let (filename, content_type, data) = uploads::download(&s.app.db.conn, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?;
    Ok(file_response(&filename, &content_type, data))
}

/// A file download with a UTF-8 file name (RFC 6266 / 5987), never rendered inline as HTML.
pub fn file_response(
    filename: &str,
    content_type: &str,
    data: Vec<u8>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!(
        "attachment; filename=\"download\"; filename*=UTF-8''{}",
        crate::extract::urlencode(filename)
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_owned(),
            ),
        ],
        data,
    )
        .into_response()
}
