//! Personnel filing: the register, proposals and the bureau's decisions, handovers, and the
//! staffing evidence the evaluation reads.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::handover::{self, HandoverView, Side};
use daiban_app::personnel::{
    self, DecisionInput, EvidenceView, FilingFilter, FilingInput, FilingView, UnitHistory,
    UnitRegister,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The register: every unit in the caller's scope with its post holders, flags (below the
/// required count, non-qualifying cadre category) and pending filings; flagged units first.
#[utoipa::path(get, path = "/api/v1/personnel/register", tag = "personnel", security(("bearer" = [])),
    responses((status = 200, body = Vec<UnitRegister>), (status = 403, body = Problem)))]
pub async fn register(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<UnitRegister>>> {
    personnel::register(&s.app, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// One unit's personnel history: posts held, filings, staffing evidence.
#[utoipa::path(get, path = "/api/v1/personnel/units/{id}", tag = "personnel", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UnitHistory), (status = 404, body = Problem)))]
pub async fn unit_history(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnitHistory>> {
    personnel::unit_history(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Filings in the caller's scope, pending first.
#[utoipa::path(get, path = "/api/v1/filings", tag = "personnel", security(("bearer" = [])), params(FilingFilter),
    responses((status = 200, body = Vec<FilingView>), (status = 403, body = Problem)))]
pub async fn list_filings(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<FilingFilter>,
) -> ApiResult<Json<Vec<FilingView>>> {
    personnel::list(&s.app, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Propose a selection or an adjustment (the unit's leader; a coordinator entering a paper
/// filing). It takes effect only when the bureau approves.
#[utoipa::path(post, path = "/api/v1/filings", tag = "personnel", security(("bearer" = [])), request_body = FilingInput,
    responses((status = 201, body = FilingView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<FilingInput>,
) -> ApiResult<(StatusCode, Json<FilingView>)> {
    personnel::propose(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// One filing, with the adjustment rules it breaks.
#[utoipa::path(get, path = "/api/v1/filings/{id}", tag = "personnel", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = FilingView), (status = 404, body = Problem)))]
pub async fn get_filing(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<FilingView>> {
    personnel::get(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The bureau approves or rejects a filing. Approving an adjustment hands the outgoing person's
/// open work to the successor in the same transaction.
#[utoipa::path(post, path = "/api/v1/filings/{id}/decision", tag = "personnel", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = FilingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<FilingView>> {
    personnel::decide(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The version the client saw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VersionInput {
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// The unit withdraws a pending filing.
#[utoipa::path(post, path = "/api/v1/filings/{id}/withdrawal", tag = "personnel", security(("bearer" = [])), params(("id" = i64, Path)), request_body = VersionInput,
    responses((status = 200, body = FilingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<VersionInput>,
) -> ApiResult<Json<FilingView>> {
    personnel::withdraw(&s.app, &user.actor, id, input.version, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A handover record: what moved from the outgoing person to the successor.
#[utoipa::path(get, path = "/api/v1/handovers/{id}", tag = "personnel", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = HandoverView), (status = 404, body = Problem)))]
pub async fn get_handover(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<HandoverView>> {
    handover::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A confirmation of one side of a handover.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmInput {
    /// `from` (the outgoing person) or `to` (the successor).
    pub side: Side,
    /// Required when a coordinator confirms on someone's behalf.
    #[serde(default)]
    pub note: String,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Confirm one side of a handover; when both have, the outgoing account is closed.
#[utoipa::path(post, path = "/api/v1/handovers/{id}/confirmations", tag = "personnel", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ConfirmInput,
    responses((status = 200, body = HandoverView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_handover(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> ApiResult<Json<HandoverView>> {
    handover::confirm(
        &s.app,
        &user.actor,
        id,
        input.side,
        &input.note,
        input.version,
        &user.ctx.meta,
    )
    .await
    .map(Json)
    .map_err(|e| user.err(e))
}

/// Filters of the staffing evidence.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EvidenceQuery {
    /// One unit (all in scope when omitted).
    pub unit_id: Option<i64>,
    /// From (inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// To (inclusive).
    pub to: Option<chrono::NaiveDate>,
}

/// Staffing evidence for the evaluation (人员到位): episodes below the required count or with a
/// non-qualifying holder, and adjustments that broke a rule (one per person-time).
#[utoipa::path(get, path = "/api/v1/personnel/evidence", tag = "personnel", security(("bearer" = [])), params(EvidenceQuery),
    responses((status = 200, body = Vec<EvidenceView>), (status = 403, body = Problem)))]
pub async fn evidence(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
) -> ApiResult<Json<Vec<EvidenceView>>> {
    personnel::evidence_for(&s.app, &user.actor, q.unit_id, q.from, q.to)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}
