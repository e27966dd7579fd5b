//! Who is acting, and from where: every use case takes these.

use daiban_domain::role::Role;
use serde::Serialize;

/// The authenticated user on whose behalf a use case runs.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    /// User id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The unit the user belongs to, if any.
    pub unit_id: Option<i64>,
    /// The unit's name, for display.
    pub unit_name: String,
    /// The kind of that unit.
    pub unit_kind: Option<daiban_domain::unit::UnitKind>,
    /// The enterprise (enterprise users only).
    pub enterprise_id: Option<i64>,
    /// Preferred language (`zh-CN` or `en`).
    pub locale: String,
    /// The session's CSRF token (browser sessions).
    pub csrf_token: String,
}

impl Actor {
    /// Whether the actor has `role`.
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }
}

/// Where a request came from, recorded with each audit entry.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The request id (also in the logs and in 5xx bodies).
    pub request_id: String,
    /// The client's address.
    pub client_addr: String,
}

impl Meta {
    /// Meta for work started from the command line.
    pub fn cli() -> Self {
        Self {
            request_id: "cli".into(),
            client_addr: "local".into(),
        }
    }
}
