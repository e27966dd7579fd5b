//! The national 政务服务"好差评" scale (国办发〔2019〕51号) on concluded case items, and the
//! rectification loop a bad rating opens: the responsible unit rectifies within a limit, the
//! bureau visits the enterprise, the enterprise rates again.

use serde::{Deserialize, Serialize};

/// A rating on the five-level scale. Every level can always be submitted; none is pre-selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 非常不满意 ★.
    VeryDissatisfied,
    /// 不满意 ★★.
    Dissatisfied,
    /// 基本满意 ★★★.
    Basic,
    /// 满意 ★★★★.
    Satisfied,
    /// 非常满意 ★★★★★.
    VerySatisfied,
}

impl Rating {
    /// Every level, best first (the order a form shows them).
    pub const ALL: [Self; 5] = [
        Self::VerySatisfied,
        Self::Satisfied,
        Self::Basic,
        Self::Dissatisfied,
        Self::VeryDissatisfied,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::VerySatisfied => "very_satisfied",
            Self::Satisfied => "satisfied",
            Self::Basic => "basic",
            Self::Dissatisfied => "dissatisfied",
            Self::VeryDissatisfied => "very_dissatisfied",
        }
    }

    /// The level with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Stars, 1 to 5.
    pub const fn stars(self) -> u8 {
        match self {
            Self::VeryDissatisfied => 1,
            Self::Dissatisfied => 2,
            Self::Basic => 3,
            Self::Satisfied => 4,
            Self::VerySatisfied => 5,
        }
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::VerySatisfied => "非常满意",
            Self::Satisfied => "满意",
            Self::Basic => "基本满意",
            Self::Dissatisfied => "不满意",
            Self::VeryDissatisfied => "非常不满意",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::VerySatisfied => "very satisfied",
            Self::Satisfied => "satisfied",
            Self::Basic => "basically satisfied",
            Self::Dissatisfied => "dissatisfied",
            Self::VeryDissatisfied => "very dissatisfied",
        }
    }

    /// The two lowest levels are bad ratings (差评): each opens a rectification.
    pub const fn is_bad(self) -> bool {
        matches!(self, Self::Dissatisfied | Self::VeryDissatisfied)
    }

    /// The democratic-appraisal grade it maps to (attachment 2): 非常满意 → 优秀 (100),
    /// 满意 and 基本满意 → 满意 (80), the bad ones → 不满意 (20).
    pub const fn appraisal_points(self) -> u32 {
        match self {
            Self::VerySatisfied => 100,
            Self::Satisfied | Self::Basic => 80,
            Self::Dissatisfied | Self::VeryDissatisfied => 20,
        }
    }
}

/// Where a rectification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationStatus {
    /// 待整改: the responsible unit must rectify and reply.
    Open,
    /// 已整改: the unit replied; the bureau visits the enterprise.
    Rectified,
    /// 已回访: the bureau visited; the enterprise rates again.
    Visited,
    /// 已办结: the enterprise rated again.
    Closed,
}

impl RectificationStatus {
    /// Every status, in order.
    pub const ALL: [Self; 4] = [Self::Open, Self::Rectified, Self::Visited, Self::Closed];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Rectified => "rectified",
            Self::Visited => "visited",
            Self::Closed => "closed",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Open => "待整改",
            Self::Rectified => "已整改待回访",
            Self::Visited => "已回访待复评",
            Self::Closed => "已办结",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Open => "to rectify",
            Self::Rectified => "rectified, to visit",
            Self::Visited => "visited, to re-rate",
            Self::Closed => "closed",
        }
    }

    /// The next status, if the loop goes on.
    pub const fn next(self) -> Option<Self> {
        match self {
            Self::Open => Some(Self::Rectified),
            Self::Rectified => Some(Self::Visited),
            Self::Visited => Some(Self::Closed),
            Self::Closed => None,
        }
    }
}

/// Working days a unit has to rectify after a bad rating, by default (德州: 5 working days).
pub const DEFAULT_RECTIFICATION_DAYS: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale() {
        let table = [
            (Rating::VerySatisfied, 5, false, 100),
            (Rating::Satisfied, 4, false, 80),
            (Rating::Basic, 3, false, 80),
            (Rating::Dissatisfied, 2, true, 20),
            (Rating::VeryDissatisfied, 1, true, 20),
        ];
        for (r, stars, bad, points) in table {
            assert_eq!(r.stars(), stars, "{r:?}");
            assert_eq!(r.is_bad(), bad, "{r:?}");
            assert_eq!(r.appraisal_points(), points, "{r:?}");
            assert_eq!(Rating::from_code(r.code()), Some(r));
        }
        assert_eq!(Rating::ALL.len(), 5, "every level is offered");
    }

    #[test]
    fn the_loop_goes_open_rectified_visited_closed() {
        let mut s = RectificationStatus::Open;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s);
        }
        assert_eq!(seen, RectificationStatus::ALL.to_vec());
        for s in RectificationStatus::ALL {
            assert_eq!(RectificationStatus::from_code(s.code()), Some(s));
        }
    }
}
