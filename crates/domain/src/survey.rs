//! The democratic appraisal (民主评议, attachment 2 (五)): the four answers of the satisfaction
//! survey, the four respondent groups, and the points a coordinator records for a unit left
//! without a counted answer.

use crate::evaluation::Cents;

/// One answer about one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    /// 优秀.
    Excellent,
    /// 满意.
    Satisfied,
    /// 不满意.
    Dissatisfied,
    /// 不了解 — not counted.
    Unknown,
}

impl Answer {
    /// Every answer, in the order of the form.
    pub const ALL: [Self; 4] = [
        Self::Excellent,
        Self::Satisfied,
        Self::Dissatisfied,
        Self::Unknown,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Satisfied => "satisfied",
            Self::Dissatisfied => "dissatisfied",
            Self::Unknown => "unknown",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }

    /// Whether it counts in the appraisal score (不了解 does not).
    pub const fn counted(self) -> bool {
        !matches!(self, Self::Unknown)
    }
}

/// Who is asked (发放对象).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// 项目代办员.
    Agent,
    /// 帮办员.
    Helper,
    /// 企业办事人员.
    Enterprise,
    /// 中心工作人员.
    ServiceCenter,
}

impl Group {
    /// Every group.
    pub const ALL: [Self; 4] = [
        Self::Agent,
        Self::Helper,
        Self::Enterprise,
        Self::ServiceCenter,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Helper => "helper",
            Self::Enterprise => "enterprise",
            Self::ServiceCenter => "service_center",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }
}

/// Parses points written with at most two decimals (`27`, `27.5`, `27.50`) into hundredths, if
/// they lie within `0..=max`.
pub fn parse_points(s: &str, max: Cents) -> Option<Cents> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || whole.len() > 6
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let w: Cents = whole.parse().ok()?;
    let f: Cents = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    let c = w * 100 + f;
    (0..=max).contains(&c).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for a in Answer::ALL {
            assert_eq!(Answer::from_code(a.code()), Some(a));
        }
        for g in Group::ALL {
            assert_eq!(Group::from_code(g.code()), Some(g));
        }
        assert_eq!(Answer::from_code("good"), None);
        assert!(!Answer::Unknown.counted());
        assert!(Answer::Dissatisfied.counted());
    }

    #[test]
    fn points() {
        for (s, want) in [
            ("27", Some(2700)),
            ("27.5", Some(2750)),
            ("27.50", Some(2750)),
            ("0", Some(0)),
            ("30.00", Some(3000)),
            ("30.01", None),
            ("-1", None),
            ("2.555", None),
            ("", None),
            ("27.", None),
            (".5", None),
            ("abc", None),
        ] {
            assert_eq!(parse_points(s, 3000), want, "{s}");
        }
    }
}
