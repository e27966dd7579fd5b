//! Units (单位): the bureau, the service center, town units and departments.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 市行政审批局.
    Bureau,
    /// 市政务服务中心.
    ServiceCenter,
    /// 镇.
    Town,
    /// 街道.
    Subdistrict,
    /// 开发区 / 园区.
    DevZone,
    /// 政府职能部门.
    Department,
}

impl UnitKind {
    /// Every kind, in display order.
    pub const ALL: [UnitKind; 6] = [
        UnitKind::Bureau,
        UnitKind::ServiceCenter,
        UnitKind::Town,
        UnitKind::Subdistrict,
        UnitKind::DevZone,
        UnitKind::Department,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Bureau => "bureau",
            UnitKind::ServiceCenter => "service_center",
            UnitKind::Town => "town",
            UnitKind::Subdistrict => "subdistrict",
            UnitKind::DevZone => "dev_zone",
            UnitKind::Department => "department",
        }
    }

    /// Town units (乡镇、街道、开发区) run an agency window and employ agents.
    pub fn is_town_unit(self) -> bool {
        matches!(
            self,
            UnitKind::Town | UnitKind::Subdistrict | UnitKind::DevZone
        )
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown unit kind code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit kind `{0}`")]
pub struct UnknownUnitKind(pub String);

impl FromStr for UnitKind {
    type Err = UnknownUnitKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownUnitKind(s.to_owned()))
    }
}

/// Why a unit code is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitCodeError {
    /// Empty or longer than 32 characters.
    #[error("unit code must be 1 to 32 characters")]
    Length,
    /// A character outside `A-Z 0-9 _ -`.
    #[error("unit code may contain only A-Z, 0-9, '_' and '-'")]
    Charset,
}

/// A unit's short public code, e.g. `T-DAINAN` or `D-FGW`: upper-case ASCII, digits, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UnitCode(String);

impl UnitCode {
    /// Trims and upper-cases, then checks length and charset.
    ///
    /// # Errors
    /// [`UnitCodeError`] naming the rule that failed.
    pub fn parse(raw: &str) -> Result<Self, UnitCodeError> {
        let s = raw.trim().to_ascii_uppercase();
        if s.is_empty() || s.chars().count() > 32 {
            return Err(UnitCodeError::Length);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(UnitCodeError::Charset);
        }
        Ok(Self(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_code_rules() {
        assert_eq!(
            UnitCode::parse(" t-dainan ").map(|c| c.0),
            Ok("T-DAINAN".into())
        );
        assert_eq!(UnitCode::parse(""), Err(UnitCodeError::Length));
        assert_eq!(UnitCode::parse("戴南"), Err(UnitCodeError::Charset));
        assert_eq!(UnitCode::parse(&"A".repeat(33)), Err(UnitCodeError::Length));
    }

    #[test]
    fn town_units() {
        assert!(UnitKind::DevZone.is_town_unit());
        assert!(!UnitKind::Department.is_town_unit());
        for k in UnitKind::ALL {
            assert_eq!(k.code().parse::<UnitKind>(), Ok(k));
        }
    }
}
