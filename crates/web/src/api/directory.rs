//! Units, users and enterprises.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daiban_app::enterprises::{self, EnterpriseInput, EnterpriseView};
use daiban_app::units::{self, UnitFilter, UnitInput, UnitView};
use daiban_app::users::{self, UserFilter, UserInput, UserView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Changes to a unit; absent fields keep their value. `version` must be the one last read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitPatch {
    /// The version last read (optimistic concurrency).
    pub version: i32,
    /// Chinese name.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Agency window set up (town units).
    pub agency_window: Option<bool>,
    /// Service-center window (departments).
    pub center_window: Option<bool>,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// Activate or deactivate.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActiveRequest {
    /// `false` deactivates, `true` reactivates.
    pub active: bool,
}

/// List units (all staff roles).
#[utoipa::path(get, path = "/api/v1/units", tag = "units", security(("bearer" = [])), params(UnitFilter),
    responses((status = 200, body = Vec<UnitView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_units(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<UnitFilter>,
) -> ApiResult<Json<Vec<UnitView>>> {
    units::list(&s.app.db.conn, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Create a unit (administrator).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", security(("bearer" = [])), request_body = UnitInput,
    responses((status = 201, body = UnitView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_unit(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<UnitInput>,
) -> ApiResult<(StatusCode, Json<UnitView>)> {
    let v = units::create(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UnitView), (status = 404, body = Problem)))]
pub async fn get_unit(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnitView>> {
    units::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Edit a unit (administrator). Code and kind cannot change.
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "units", security(("bearer" = [])), params(("id" = i64, Path)), request_body = UnitPatch,
    responses((status = 200, body = UnitView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_unit(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(p): ApiJson<UnitPatch>,
) -> ApiResult<Json<UnitView>> {
    let cur = units::get(&s.app.db.conn, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?;
    let input = UnitInput {
        code: cur.code,
        kind: cur.kind,
        name: p.name.unwrap_or(cur.name),
        name_en: p.name_en.unwrap_or(cur.name_en),
        agency_window: p.agency_window.unwrap_or(cur.agency_window),
        center_window: p.center_window.unwrap_or(cur.center_window),
        address: p.address.unwrap_or(cur.address),
        phone: p.phone.unwrap_or(cur.phone),
    };
    units::update(&s.app, &user.actor, id, p.version, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Deactivate or reactivate a unit (administrator).
#[utoipa::path(post, path = "/api/v1/units/{id}/active", tag = "units", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActiveRequest,
    responses((status = 200, body = UnitView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn set_unit_active(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ActiveRequest>,
) -> ApiResult<Json<UnitView>> {
    units::set_active(&s.app, &user.actor, id, r.active, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// List accounts within the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(UserFilter),
    responses((status = 200, body = Vec<UserView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_users(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<UserFilter>,
) -> ApiResult<Json<Vec<UserView>>> {
    users::list(&s.app.db.conn, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Create an account (administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserInput,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let v = users::create(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// One account within scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
pub async fn get_user(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserView>> {
    users::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Changes to an account; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserPatch {
    /// The version last read.
    pub version: i32,
    /// Display name.
    pub name: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// Unit code.
    pub unit: Option<String>,
    /// Enterprise id.
    pub enterprise_id: Option<i64>,
    /// Cadre category code ("" clears).
    pub cadre: Option<String>,
    /// Post title.
    pub title: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Preferred language.
    pub locale: Option<String>,
}

/// Edit an account (administrator). Role and unit changes end the user's sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(p): ApiJson<UserPatch>,
) -> ApiResult<Json<UserView>> {
    if user.actor.role != daiban_domain::role::Role::Admin {
        return Err(user.err(daiban_app::error::forbidden()));
    }
    let cur = users::get(&s.app.db.conn, &user.actor, id)
        .await
        .map_err(|e| user.err(e))?;
    let cur_unit = match cur.unit_id {
        Some(uid) => units::get(&s.app.db.conn, &user.actor, uid)
            .await
            .map(|u| u.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    let input = UserInput {
        username: cur.username,
        name: p.name.unwrap_or(cur.name),
        role: p.role.unwrap_or(cur.role),
        unit: p.unit.unwrap_or(cur_unit),
        enterprise_id: p.enterprise_id.or(cur.enterprise_id),
        cadre: p.cadre.unwrap_or(cur.cadre.unwrap_or_default()),
        title: p.title.unwrap_or(cur.title),
        phone: p.phone.unwrap_or(cur.phone),
        email: p.email.unwrap_or(cur.email),
        password: String::new(),
        locale: p.locale.unwrap_or(cur.locale),
    };
    users::update(&s.app, &user.actor, id, p.version, &input, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Deactivate or reactivate an account (administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/active", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActiveRequest,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_user_active(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ActiveRequest>,
) -> ApiResult<Json<UserView>> {
    users::set_active(&s.app, &user.actor, id, r.active, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// A new password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordRequest {
    /// At least 8 characters with letters and digits.
    pub password: String,
}

/// Set a new password and unlock the account (administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PasswordRequest,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_user_password(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PasswordRequest>,
) -> ApiResult<Json<UserView>> {
    users::reset_password(&s.app, &user.actor, id, &r.password, &user.ctx.meta)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Enterprise search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EnterpriseQuery {
    /// Substring of the name or the credit code.
    pub q: Option<String>,
}

/// List the enterprises the caller may see.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "enterprises", security(("bearer" = [])), params(EnterpriseQuery),
    responses((status = 200, body = Vec<EnterpriseView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_enterprises(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<EnterpriseQuery>,
) -> ApiResult<Json<Vec<EnterpriseView>>> {
    enterprises::list(&s.app.db.conn, &user.actor, q.q.as_deref())
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// One enterprise within scope.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "enterprises", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EnterpriseView), (status = 404, body = Problem)))]
pub async fn get_enterprise(
    State(s): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<EnterpriseView>> {
    enterprises::get(&s.app.db.conn, &user.actor, id)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// Register an enterprise (an agent for its own unit; a bureau coordinator for any, who alone may
/// accept a code failing only the checksum, with `uscc_override_reason`).
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "enterprises", security(("bearer" = [])), request_body = EnterpriseInput,
    responses((status = 201, body = EnterpriseView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_enterprise(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> ApiResult<(StatusCode, Json<EnterpriseView>)> {
    let v = enterprises::register(&s.app, &user.actor, &input, &user.ctx.meta)
        .await
        .map_err(|e| user.err(e))?;
    Ok((StatusCode::CREATED, Json(v)))
}
