//! Problems on the escalation ladder, coordination meetings, action items, and the 好差评
//! ratings with their rectification loop.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::meetings::{
    self, ActionItemFilter, ActionItemView, LeaderDecisionInput, MeetingInput, MeetingRecordInput,
    MeetingView,
};
use daiban_app::problems::{
    self, ProblemActInput, ProblemEventView, ProblemFilter, ProblemView, RaiseInput,
};
use daiban_app::ratings::{self, LoopInput, RateInput, RatingView, RectificationView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Problems in the caller's scope: open first, the most overdue first.
#[utoipa::path(get, path = "/api/v1/problems", tag = "problems", security(("bearer" = [])), params(ProblemFilter),
    responses((status = 200, body = Vec<ProblemView>), (status = 403, body = Problem)))]
pub async fn list_problems(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<ProblemFilter>,
) -> ApiResult<Json<Vec<ProblemView>>> {
    problems::list(&s.app.db.conn, &user.actor, &f, s.app.now())
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Raise a problem on a project (the enterprise, its agents, a helper, the bureau).
#[utoipa::path(post, path = "/api/v1/projects/{id}/problems", tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RaiseInput,
    responses((status = 201, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn raise_problem(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RaiseInput>,
) -> ApiResult<(StatusCode, Json<ProblemView>)> {
    let v = problems::raise(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A problem with what the caller may do now and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetail {
    /// The problem.
    #[serde(flatten)]
    pub problem: ProblemView,
    /// Action codes the caller may take now.
    pub allowed_actions: Vec<String>,
    /// Its whole history, oldest first.
    pub history: Vec<ProblemEventView>,
}

/// One problem with its history.
#[utoipa::path(get, path = "/api/v1/problems/{id}", tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ProblemDetail), (status = 404, body = Problem)))]
pub async fn get_problem(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProblemDetail>> {
    let db = &s.app.db.conn;
    let problem = problems::get(db, &user.actor, id, s.app.now())
        .await
        .map_err(|e| user.err(e))?;
    let allowed_actions = problems::available_actions(db, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?
        .into_iter()
        .map(|a| a.code().to_owned())
        .collect();
    let history = problems::history(db, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?;
    Ok(Json(ProblemDetail {
        problem,
        allowed_actions,
        history,
    }))
}

/// Respond, escalate (with a reason), resolve (with what was done), confirm or reopen (with a
/// reason).
#[utoipa::path(post, path = "/api/v1/problems/{id}/actions", tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ProblemActInput,
    responses((status = 200, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_problem(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ProblemActInput>,
) -> ApiResult<Json<ProblemView>> {
    problems::act(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The city leader's decision on a problem at the top of the ladder, flowing down as action
/// items.
#[utoipa::path(post, path = "/api/v1/problems/{id}/leader-decision", tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)), request_body = LeaderDecisionInput,
    responses((status = 201, body = Vec<ActionItemView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn leader_decision(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<LeaderDecisionInput>,
) -> ApiResult<(StatusCode, Json<Vec<ActionItemView>>)> {
    let v = meetings::leader_decision(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Meetings the caller sees (the bureau and the city leader all; a unit those it is invited to).
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", security(("bearer" = [])),
    responses((status = 200, body = Vec<MeetingView>), (status = 403, body = Problem)))]
pub async fn list_meetings(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<MeetingView>>> {
    meetings::list(&s.app.db.conn, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Convene a meeting (coordinator); an empty kind takes the suggestion.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = MeetingView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn convene_meeting(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<MeetingView>)> {
    let v = meetings::convene(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// `?problem_ids=1,2,3`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SuggestQuery {
    /// Comma-separated problem ids.
    pub problem_ids: String,
}

/// The suggested kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    /// `huddle`, `joint_review` or `on_site`.
    pub kind: String,
}

/// The kind of meeting the app suggests for these problems.
#[utoipa::path(get, path = "/api/v1/meetings/suggest-kind", tag = "meetings", security(("bearer" = [])), params(SuggestQuery),
    responses((status = 200, body = Suggestion), (status = 422, body = Problem)))]
pub async fn suggest_kind(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Suggestion>> {
    let ids: Vec<i64> = q
        .problem_ids
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    meetings::suggest_kind(&s.app.db.conn, &ids)
        .await
        .map(|k| {
            Json(Suggestion {
                kind: k.code().to_owned(),
            })
        })
        .map_err(|e| user.err(e))
}

/// One meeting.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MeetingView), (status = 404, body = Problem)))]
pub async fn get_meeting(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<MeetingView>> {
    meetings::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Record a held meeting: minutes, attendance, decisions and their action items.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/record", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MeetingRecordInput,
    responses((status = 200, body = MeetingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_meeting(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MeetingRecordInput>,
) -> ApiResult<Json<MeetingView>> {
    meetings::record_meeting(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Action items the caller sees: the bureau and the city leader all, a unit its own.
#[utoipa::path(get, path = "/api/v1/action-items", tag = "meetings", security(("bearer" = [])), params(ActionItemFilter),
    responses((status = 200, body = Vec<ActionItemView>), (status = 403, body = Problem)))]
pub async fn list_action_items(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<ActionItemFilter>,
) -> ApiResult<Json<Vec<ActionItemView>>> {
    meetings::action_items(&s.app.db.conn, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Reporting an action item done.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DoneRequest {
    /// The version last read.
    pub version: i32,
    /// What was done.
    pub note: String,
}

/// The owner unit reports an action item done.
#[utoipa::path(post, path = "/api/v1/action-items/{id}/done", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DoneRequest,
    responses((status = 200, body = ActionItemView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn complete_action_item(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<DoneRequest>,
) -> ApiResult<Json<ActionItemView>> {
    meetings::complete_action_item(&s.app, &user.actor, id, r.version, &r.note, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Rate a concluded case item (the enterprise), or rate it again after a visit.
#[utoipa::path(post, path = "/api/v1/cases/{id}/ratings", tag = "ratings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RateInput,
    responses((status = 201, body = RatingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rate_case(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RateInput>,
) -> ApiResult<(StatusCode, Json<RatingView>)> {
    let v = ratings::rate(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// The ratings of a case item.
#[utoipa::path(get, path = "/api/v1/cases/{id}/ratings", tag = "ratings", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RatingView>), (status = 404, body = Problem)))]
pub async fn case_ratings(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<RatingView>>> {
    ratings::of_case(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Rectifications of bad ratings the caller sees.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "ratings", security(("bearer" = [])),
    responses((status = 200, body = Vec<RectificationView>), (status = 403, body = Problem)))]
pub async fn list_rectifications(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<RectificationView>>> {
    ratings::rectifications(&s.app.db.conn, &user.actor, s.app.now())
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The next step of a rectification: the department's reply, then the bureau's return visit.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/steps", tag = "ratings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = LoopInput,
    responses((status = 200, body = RectificationView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn advance_rectification(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<LoopInput>,
) -> ApiResult<Json<RectificationView>> {
    ratings::advance(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}
