//! The audit log, for the auditor.

use super::ApiResult;
use crate::AppState;
use crate::error::Problem;
use crate::extract::{ApiQuery, ApiUser};
use axum::Json;
use axum::extract::State;
use daiban_app::audit::{AuditFilter, AuditPage, Verification, list, verify};
use daiban_domain::role::Role;
use serde::Serialize;
use utoipa::ToSchema;

/// List audit entries, newest first (auditor only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditFilter),
    responses((status = 200, body = AuditPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_audit(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<AuditFilter>,
) -> ApiResult<Json<AuditPage>> {
    list(&s.app.db.conn, &user.actor, &f)
        .await
        .map(Json)
        .map_err(|e| user.err(e))
}

/// The result of verifying the audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    /// Whether every entry checked out.
    pub intact: bool,
    /// Entries checked (when intact).
    pub entries: Option<i64>,
    /// The first broken entry (when not).
    pub broken_at: Option<i64>,
    /// Why it is broken.
    pub reason: Option<String>,
}

/// Verify the hash chain of the whole audit log (auditor only).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = VerifyResponse), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn verify_audit(
    State(s): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<VerifyResponse>> {
    if user.actor.role != Role::Auditor {
        return Err(user.err(daiban_app::error::forbidden()));
    }
    let v = verify(&s.app.db.conn).await.map_err(|e| user.err(e))?;
    Ok(Json(match v {
        Verification::Intact { entries } => VerifyResponse {
            intact: true,
            entries: Some(entries),
            broken_at: None,
            reason: None,
        },
        Verification::Broken { seq, reason } => VerifyResponse {
            intact: false,
            entries: None,
            broken_at: Some(seq),
            reason: Some(reason),
        },
    }))
}
