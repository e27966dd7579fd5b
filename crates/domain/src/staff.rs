//! Staff facts the personnel rules and the evaluation need.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Cadre category (干部类别) as recorded at selection (attachment 1, art. 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CadreCategory {
    /// 年轻后备干部.
    YoungReserve,
    /// 基层站所负责人.
    StationHead,
    /// 机关中层干部.
    MiddleLevel,
    /// 市政务服务中心窗口负责人.
    WindowHead,
    /// 其他.
    Other,
}

impl CadreCategory {
    /// Every category, in display order.
    pub const ALL: [CadreCategory; 5] = [
        CadreCategory::YoungReserve,
        CadreCategory::StationHead,
        CadreCategory::MiddleLevel,
        CadreCategory::WindowHead,
        CadreCategory::Other,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            CadreCategory::YoungReserve => "young_reserve",
            CadreCategory::StationHead => "station_head",
            CadreCategory::MiddleLevel => "middle_level",
            CadreCategory::WindowHead => "window_head",
            CadreCategory::Other => "other",
        }
    }

    /// Whether this category qualifies for the post: agents must be young reserve cadres or
    /// station heads (implementing opinions 四(一)); helpers middle-level cadres, or the window
    /// head of a department with a service-center window (四(二), attachment 1 art. 4).
    pub fn qualifies_for(
        self,
        role: crate::role::Role,
        department_has_center_window: bool,
    ) -> bool {
        use crate::role::Role;
        match role {
            Role::Agent => matches!(
                self,
                CadreCategory::YoungReserve | CadreCategory::StationHead
            ),
            Role::Helper => {
                self == CadreCategory::MiddleLevel
                    || (department_has_center_window && self == CadreCategory::WindowHead)
            }
            _ => true,
        }
    }
}

impl fmt::Display for CadreCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown cadre category code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cadre category `{0}`")]
pub struct UnknownCadreCategory(pub String);

impl FromStr for CadreCategory {
    type Err = UnknownCadreCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CadreCategory::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCadreCategory(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    #[test]
    fn qualification_table() {
        let cases = [
            (CadreCategory::YoungReserve, Role::Agent, false, true),
            (CadreCategory::StationHead, Role::Agent, false, true),
            (CadreCategory::MiddleLevel, Role::Agent, false, false),
            (CadreCategory::Other, Role::Agent, false, false),
            (CadreCategory::MiddleLevel, Role::Helper, false, true),
            (CadreCategory::WindowHead, Role::Helper, true, true),
            (CadreCategory::WindowHead, Role::Helper, false, false),
            (CadreCategory::YoungReserve, Role::Helper, true, false),
        ];
        for (cat, role, window, want) in cases {
            assert_eq!(cat.qualifies_for(role, window), want, "{cat} as {role}");
        }
    }
}
