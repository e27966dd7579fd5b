//! Complaints (举报投诉) and monthly reports (月报表) of the evaluation's discipline and
//! complaint categories.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::complaints::{
    self, ComplaintActionInput, ComplaintFilter, ComplaintInput, ComplaintView,
};
use daiban_app::monthly_reports::{self, MonthStatus, ReportView, SubmitInput};
use serde::Deserialize;
use utoipa::IntoParams;

/// The complaints the caller may see, newest first. The complainant's identity is given to the
/// bureau's coordinators and to the complainant's own enterprise only; a unit's leader sees the
/// concluded complaints about the unit, without identity or project.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", security(("bearer" = [])), params(ComplaintFilter),
    responses((status = 200, body = Vec<ComplaintView>), (status = 403, body = Problem)))]
pub async fn list_complaints(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<ComplaintFilter>,
) -> ApiResult<Json<Vec<ComplaintView>>> {
    complaints::list(&s.app, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// File a complaint (an enterprise user, on the portal) or enter one taken by phone, letter or
/// visit (a bureau coordinator, with the complainant's name and contact).
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", security(("bearer" = [])), request_body = ComplaintInput,
    responses((status = 201, body = ComplaintView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn file_complaint(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    complaints::file(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// One complaint, as the caller may see it.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintView), (status = 404, body = Problem)))]
pub async fn get_complaint(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ComplaintView>> {
    complaints::get(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A coordinator's step: `assign`, `investigate`, or `conclude` (verified or not, with the
/// reason; verified needs the findings and records a confirmed −10 `verified_complaint`
/// finding against the unit).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/actions", tag = "complaints", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ComplaintActionInput,
    responses((status = 200, body = ComplaintView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_complaint(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ComplaintActionInput>,
) -> ApiResult<Json<ComplaintView>> {
    complaints::act(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The month of the status grid.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `2026-10`.
    pub month: String,
}

/// Every reporting unit's standing for a month (the bureau: all; a unit's staff: their own):
/// `on_time`, `late`, `missing` or `draft` (not yet due).
#[utoipa::path(get, path = "/api/v1/monthly-reports", tag = "monthly_reports", security(("bearer" = [])), params(MonthQuery),
    responses((status = 200, body = MonthStatus), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn month_status(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<MonthStatus>> {
    monthly_reports::month_status(&s.app, &user.actor, &q.month)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A unit's report of a month: the frozen one once submitted, else the draft compiled now.
#[utoipa::path(get, path = "/api/v1/monthly-reports/{unit_id}/{month}", tag = "monthly_reports", security(("bearer" = [])), params(("unit_id" = i64, Path), ("month" = String, Path)),
    responses((status = 200, body = ReportView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_report(
    State(s): State<AppState>,
    user: ApiUser,
    Path((unit_id, month)): Path<(i64, String)>,
) -> ApiResult<Json<ReportView>> {
    monthly_reports::get(&s.app, &user.actor, unit_id, &month)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The unit's leader submits the month's report with remarks; it is frozen. After the due date
/// it is late (a `monthly_report_late` finding).
#[utoipa::path(post, path = "/api/v1/monthly-reports/{unit_id}/{month}/submission", tag = "monthly_reports", security(("bearer" = [])), params(("unit_id" = i64, Path), ("month" = String, Path)), request_body = SubmitInput,
    responses((status = 201, body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_report(
    State(s): State<AppState>,
    user: ApiUser,
    Path((unit_id, month)): Path<(i64, String)>,
    ApiJson(input): ApiJson<SubmitInput>,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    monthly_reports::submit(&s.app, &user.actor, unit_id, &month, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}
