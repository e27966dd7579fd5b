//! The bureau's outreach: trainings, seminars and enterprise visits with attendance and the
//! discipline evidence it yields; return visits with appraisals; the visit plan; a staff
//! member's record.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::activities::{
    self, ActivityInput, ActivityView, AttendanceRecordInput, DisciplineEvidence, DisciplineFilter,
};
use daiban_app::problems::ProblemView;
use daiban_app::visits::{
    self, PlanEntryView, ServedStaff, StaffRecord, VisitInput, VisitProblemInput, VisitView,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The bureau's activities the caller sees (a unit leader: those its people are invited to;
/// an agent or helper: their own invitations).
#[utoipa::path(get, path = "/api/v1/activities", tag = "outreach", security(("bearer" = [])),
    responses((status = 200, body = Vec<ActivityView>), (status = 403, body = Problem)))]
pub async fn list_activities(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<ActivityView>>> {
    activities::list(&s.app.db.conn, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Schedule a training, seminar or enterprise visit (coordinator); the invitees are notified.
#[utoipa::path(post, path = "/api/v1/activities", tag = "outreach", security(("bearer" = [])), request_body = ActivityInput,
    responses((status = 201, body = ActivityView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule_activity(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ActivityInput>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    let v = activities::schedule(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One activity with the invitees the caller may see.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "outreach", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ActivityView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_activity(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ActivityView>> {
    activities::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Cancelling an activity.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelRequest {
    /// The version last read.
    pub version: i32,
    /// Why.
    pub reason: String,
}

/// Cancel a scheduled activity with a reason (coordinator); the invitees are notified.
#[utoipa::path(post, path = "/api/v1/activities/{id}/cancel", tag = "outreach", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CancelRequest,
    responses((status = 200, body = ActivityView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel_activity(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CancelRequest>,
) -> ApiResult<Json<ActivityView>> {
    activities::cancel(
        &s.app,
        &user.actor,
        id,
        r.version,
        &r.reason,
        &user.ctx.meta,
    )
    .await
    .map(Json)
    .map_err(|e| user.err(e))
}

/// Record (or correct) every invitee's attendance once the activity has started (coordinator).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", tag = "outreach", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AttendanceRecordInput,
    responses((status = 200, body = ActivityView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_attendance(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AttendanceRecordInput>,
) -> ApiResult<Json<ActivityView>> {
    activities::record_attendance(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Discipline evidence (late, left early, absent without leave: −2 per person-time) by unit and
/// date range: the bureau every unit's, a unit leader its own.
#[utoipa::path(get, path = "/api/v1/discipline-evidence", tag = "outreach", security(("bearer" = [])), params(DisciplineFilter),
    responses((status = 200, body = Vec<DisciplineEvidence>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn discipline_evidence(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<DisciplineFilter>,
) -> ApiResult<Json<Vec<DisciplineEvidence>>> {
    activities::discipline_evidence(&s.app.db.conn, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Return visits, newest first (the bureau).
#[utoipa::path(get, path = "/api/v1/return-visits", tag = "outreach", security(("bearer" = [])),
    responses((status = 200, body = Vec<VisitView>), (status = 403, body = Problem)))]
pub async fn list_visits(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<VisitView>>> {
    visits::list(&s.app.db.conn, &user.actor)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Record a return visit with the appraisals of the staff who served its projects
/// (coordinator); the visit plan entries it covers are done.
#[utoipa::path(post, path = "/api/v1/return-visits", tag = "outreach", security(("bearer" = [])), request_body = VisitInput,
    responses((status = 201, body = VisitView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_visit(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<VisitInput>,
) -> ApiResult<(StatusCode, Json<VisitView>)> {
    let v = visits::record(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One return visit.
#[utoipa::path(get, path = "/api/v1/return-visits/{id}", tag = "outreach", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = VisitView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_visit(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<VisitView>> {
    visits::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// `?project_ids=1,2,3`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ServedQuery {
    /// Comma-separated project ids.
    #[serde(default)]
    pub project_ids: String,
}

/// The agents and helpers who served these projects: whom a visit can appraise.
#[utoipa::path(get, path = "/api/v1/return-visits/served-staff", tag = "outreach", security(("bearer" = [])), params(ServedQuery),
    responses((status = 200, body = Vec<ServedStaff>), (status = 403, body = Problem)))]
pub async fn served_staff(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ServedQuery>,
) -> ApiResult<Json<Vec<ServedStaff>>> {
    let ids: Vec<i64> = q
        .project_ids
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    visits::served(&s.app.db.conn, &user.actor, &ids)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Raise a problem found during a visit on one of its projects (coordinator), through the
/// problem ladder.
#[utoipa::path(post, path = "/api/v1/return-visits/{id}/problems", tag = "outreach", security(("bearer" = [])), params(("id" = i64, Path)), request_body = VisitProblemInput,
    responses((status = 201, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn raise_visit_problem(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<VisitProblemInput>,
) -> ApiResult<(StatusCode, Json<ProblemView>)> {
    let v = visits::raise_problem(&s.app, &user.actor, id, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// The visit plan: projects that completed a stage, due a visit within the configured working
/// days; overdue first.
#[utoipa::path(get, path = "/api/v1/visit-plan", tag = "outreach", security(("bearer" = [])),
    responses((status = 200, body = Vec<PlanEntryView>), (status = 403, body = Problem)))]
pub async fn visit_plan(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<PlanEntryView>>> {
    visits::plan(&s.app.db.conn, &user.actor, s.app.now())
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A staff member's training history, discipline findings and overall appraisal: to the
/// bureau, the person's unit leader and the person.
#[utoipa::path(get, path = "/api/v1/staff/{id}/record", tag = "outreach", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffRecord), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn staff_record(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<StaffRecord>> {
    visits::staff_record(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}
