//! The evaluation: findings (detected, recorded, confirmed or dismissed) and the quarterly
//! result in the CLI's JSON contract.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use daiban_app::evaluation::{self, Detected};
use daiban_app::findings::{self, FindingDecision, FindingFilter, FindingView, RecordInput};
use serde::Deserialize;
use utoipa::IntoParams;

/// Findings in the caller's scope: proposed first.
#[utoipa::path(get, path = "/api/v1/findings", tag = "evaluation", security(("bearer" = [])), params(FindingFilter),
    responses((status = 200, body = Vec<FindingView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_findings(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<FindingFilter>,
) -> ApiResult<Json<Vec<FindingView>>> {
    findings::list(&s.app.db.conn, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The bureau records a finding (a rule whose source is `recorded`), proposed until confirmed.
#[utoipa::path(post, path = "/api/v1/findings", tag = "evaluation", security(("bearer" = [])), request_body = RecordInput,
    responses((status = 201, body = FindingView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_finding(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RecordInput>,
) -> ApiResult<(StatusCode, Json<FindingView>)> {
    findings::record(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// One finding.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = FindingView), (status = 404, body = Problem)))]
pub async fn get_finding(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<FindingView>> {
    findings::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Confirm or dismiss a finding (dismissing, or changing a decision, needs a reason).
#[utoipa::path(post, path = "/api/v1/findings/{id}/decision", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FindingDecision,
    responses((status = 200, body = FindingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_finding(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(d): ApiJson<FindingDecision>,
) -> ApiResult<Json<FindingView>> {
    findings::decide(&s.app, &user.actor, id, &d, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Detect the quarter's findings from the records now (they are proposed for review).
#[utoipa::path(post, path = "/api/v1/evaluation/{quarter}/detection", tag = "evaluation", security(("bearer" = [])), params(("quarter" = String, Path, example = "2026Q3")),
    responses((status = 200, body = Detected), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn detect(
    State(s): State<AppState>,
    user: ApiUser,
    Path(quarter): Path<String>,
) -> ApiResult<Json<Detected>> {
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        evaluation::detect_now(&s.app, &user.actor, q, &user.ctx.meta).await
    }
    .await;
    r.map(Json).map_err(|e| user.err(e))
}

/// `?format=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormatQuery {
    /// `json` (default), `csv` (UTF-8 with BOM) or `xlsx`.
    pub format: Option<String>,
}

/// The quarter's result, computed now from the confirmed findings: the CLI's JSON contract
/// (`{"quarter", "scheme", "units": [{"unit_code", "unit_name", "categories", "total",
/// "rank"}]}`, numbers with two decimals), or CSV, or XLSX. A unit's staff see their own line.
#[utoipa::path(get, path = "/api/v1/evaluation/{quarter}", tag = "evaluation", security(("bearer" = [])), params(("quarter" = String, Path, example = "2026Q3"), FormatQuery),
    responses((status = 200, description = "the result", content_type = "application/json"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn quarter_result(
    State(s): State<AppState>,
    user: ApiUser,
    Path(quarter): Path<String>,
    ApiQuery(f): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        let r = evaluation::for_actor(&s.app, &user.actor, q).await?;
        let name = format!("evaluation-{}", r.quarter);
        Ok(match f.format.as_deref().unwrap_or("json") {
            "csv" => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.csv\""),
                    ),
                ],
                evaluation::to_csv(&r),
            )
                .into_response(),
            "xlsx" => (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.xlsx\""),
                    ),
                ],
                evaluation::to_xlsx(&r)?,
            )
                .into_response(),
            "json" => (
                [(header::CONTENT_TYPE, "application/json".to_owned())],
                evaluation::to_json(&r)?,
            )
                .into_response(),
            other => {
                return Err(daiban_app::AppError::Invalid(vec![
                    daiban_app::error::FieldError::new(
                        "format",
                        "format",
                        format!("格式须为 json、csv 或 xlsx，收到 {other}"),
                        format!("format must be json, csv or xlsx, got {other}"),
                    ),
                ]));
            }
        })
    }
    .await;
    r.map_err(|e| user.err(e))
}

/// A publication's reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishInput {
    /// Required for a correction (a quarter published before).
    #[serde(default)]
    pub reason: String,
}

/// Publish the quarter: an immutable snapshot; publishing again is a correction with a reason.
#[utoipa::path(post, path = "/api/v1/evaluation/{quarter}/publications", tag = "evaluation", security(("bearer" = [])), params(("quarter" = String, Path, example = "2026Q3")), request_body = PublishInput,
    responses((status = 201, body = evaluation::Publication), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(s): State<AppState>,
    user: ApiUser,
    Path(quarter): Path<String>,
    ApiJson(input): ApiJson<PublishInput>,
) -> ApiResult<(StatusCode, Json<evaluation::Publication>)> {
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        evaluation::publish(&s.app, &user.actor, q, &input.reason, &user.ctx.meta).await
    }
    .await;
    r.map(|p| (StatusCode::CREATED, Json(p)))
        .map_err(|e| user.err(e))
}

/// Every publication of the quarter, the latest first (the same is public at
/// `/public/evaluation/{quarter}`).
#[utoipa::path(get, path = "/api/v1/evaluation/{quarter}/publications", tag = "evaluation", security(("bearer" = [])), params(("quarter" = String, Path, example = "2026Q3")),
    responses((status = 200, body = Vec<evaluation::Publication>), (status = 422, body = Problem)))]
pub async fn publications(
    State(s): State<AppState>,
    user: ApiUser,
    Path(quarter): Path<String>,
) -> ApiResult<Json<Vec<evaluation::Publication>>> {
    let r = async {
        let q = findings::parse_quarter(&quarter)?;
        evaluation::publications(&s.app.db.conn, q).await
    }
    .await;
    r.map(Json).map_err(|e| user.err(e))
}
