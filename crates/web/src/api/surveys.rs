//! The democratic appraisal (民主评议): surveys, respondents and their personal links, results
//! and the bureau's decisions; and the respondent's own answers through the link (no login).

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiCtx, ApiJson, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::surveys::{
    self, AddRespondents, AnswersInput, DecisionInput, IssuedLink, OpenInput, ReopenInput,
    RespondentView, ResponseForm, Results, SurveyView, UnitResult,
};
use serde::Deserialize;
use utoipa::ToSchema;

/// Surveys, newest first: all for the bureau and the city leader; closed ones of their own unit
/// for a unit's staff.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = Vec<SurveyView>), (status = 403, body = Problem)))]
pub async fn list(State(s): State<AppState>, user: ApiUser) -> ApiResult<Json<Vec<SurveyView>>> {
    surveys::list(&s.app, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Open the quarter's survey over every active town unit and department (coordinator).
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", security(("bearer" = [])), request_body = OpenInput,
    responses((status = 201, body = SurveyView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn open(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<OpenInput>,
) -> ApiResult<(StatusCode, Json<SurveyView>)> {
    surveys::open(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// One survey.
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SurveyView), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<SurveyView>> {
    surveys::get(&s.app, &user.actor, id)
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

/// Close the survey: answers are frozen (coordinator).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/close", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)), request_body = VersionInput,
    responses((status = 200, body = SurveyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn close(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<VersionInput>,
) -> ApiResult<Json<SurveyView>> {
    surveys::close(&s.app, &user.actor, id, input.version, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Reopen a closed survey or extend an open one (coordinator).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/reopen", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReopenInput,
    responses((status = 200, body = SurveyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReopenInput>,
) -> ApiResult<Json<SurveyView>> {
    surveys::reopen(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The respondents (coordinator): who was asked and whether they answered, never what.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/respondents", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RespondentView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn respondents(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<RespondentView>>> {
    surveys::respondents(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Add respondents (coordinator); each gets a personal link, returned here once and sent to
/// account holders' inboxes.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/respondents", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AddRespondents,
    responses((status = 201, body = Vec<IssuedLink>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_respondents(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AddRespondents>,
) -> ApiResult<(StatusCode, Json<Vec<IssuedLink>>)> {
    surveys::add_respondents(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(|v| (StatusCode::CREATED, Json(v)))
        .map_err(|e| user.err(e))
}

/// Results per unit: the four counts and the score (or none: 无评议), with the bureau's
/// decisions. A unit's staff see their own unit once the survey is closed.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Results), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn results(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Results>> {
    surveys::results(&s.app, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Record the points of a unit left without a counted answer, with the reason (coordinator,
/// once the survey is closed).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/decisions", tag = "surveys", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = UnitResult), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<Json<UnitResult>> {
    surveys::decide(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The respondent's form through their personal link (no login): the units and their own
/// answers only.
#[utoipa::path(get, path = "/api/v1/survey-responses/{token}", tag = "surveys", params(("token" = String, Path)),
    responses((status = 200, body = ResponseForm), (status = 404, body = Problem)))]
pub async fn response(
    State(s): State<AppState>,
    ctx: ApiCtx,
    Path(token): Path<String>,
) -> ApiResult<Json<ResponseForm>> {
    surveys::response(&s.app, &token)
        .await
        .map(Json)
        .map_err(|e| ctx.err(e))
}

/// Save the respondent's answers, one for every unit, replacing earlier ones while the survey
/// is open.
#[utoipa::path(put, path = "/api/v1/survey-responses/{token}", tag = "surveys", params(("token" = String, Path)), request_body = AnswersInput,
    responses((status = 200, body = ResponseForm), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(s): State<AppState>,
    ctx: ApiCtx,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<AnswersInput>,
) -> ApiResult<Json<ResponseForm>> {
    surveys::answer(&s.app, &token, &input, &ctx.meta)
        .await
        .map(Json)
        .map_err(|e| ctx.err(e))
}
