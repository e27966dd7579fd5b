//! Roles (角色) and what each may do, independent of any transport.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role. The codes are a stable contract: CLI, API and database use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 企业用户: sees only its own enterprise's data.
    Enterprise,
    /// 代办员 (town unit).
    Agent,
    /// 帮办员 (department).
    Helper,
    /// 单位分管负责人 at a town unit or department.
    UnitLeader,
    /// 市行政审批局 coordinator: sees everything of the business.
    Coordinator,
    /// 分管市领导: read access to dashboards, receives top escalations.
    CityLeader,
    /// 系统管理员: accounts and settings only (三权分立).
    Admin,
    /// 安全审计员: reads the audit log only (三权分立).
    Auditor,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 8] = [
        Role::Enterprise,
        Role::Agent,
        Role::Helper,
        Role::UnitLeader,
        Role::Coordinator,
        Role::CityLeader,
        Role::Admin,
        Role::Auditor,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Enterprise => "enterprise",
            Role::Agent => "agent",
            Role::Helper => "helper",
            Role::UnitLeader => "unit_leader",
            Role::Coordinator => "coordinator",
            Role::CityLeader => "city_leader",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// Whether an account of this role must belong to a unit.
    pub fn needs_unit(self) -> bool {
        matches!(
            self,
            Role::Agent | Role::Helper | Role::UnitLeader | Role::Coordinator | Role::CityLeader
        )
    }

    /// Whether an account of this role must belong to an enterprise.
    pub fn needs_enterprise(self) -> bool {
        self == Role::Enterprise
    }

    /// The unit kinds an account of this role may belong to.
    pub fn allowed_unit_kinds(self) -> &'static [crate::unit::UnitKind] {
        use crate::unit::UnitKind as K;
        match self {
            Role::Agent => &[K::Town, K::Subdistrict, K::DevZone],
            Role::Helper => &[K::Department, K::Bureau, K::ServiceCenter],
            Role::UnitLeader => &[
                K::Bureau,
                K::Town,
                K::Subdistrict,
                K::DevZone,
                K::Department,
                K::ServiceCenter,
            ],
            Role::Coordinator | Role::CityLeader => &[K::Bureau],
            Role::Admin | Role::Auditor => &[K::Bureau, K::ServiceCenter],
            Role::Enterprise => &[],
        }
    }

    /// Staff roles handle business data; the admin and the auditor do not (separation of duties).
    pub fn is_business_staff(self) -> bool {
        matches!(
            self,
            Role::Agent | Role::Helper | Role::UnitLeader | Role::Coordinator | Role::CityLeader
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown role code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}`; expected one of enterprise, agent, helper, unit_leader, coordinator, city_leader, admin, auditor"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn admin_and_auditor_are_not_business_staff() {
        assert!(!Role::Admin.is_business_staff());
        assert!(!Role::Auditor.is_business_staff());
        assert!(Role::Coordinator.is_business_staff());
    }
}
