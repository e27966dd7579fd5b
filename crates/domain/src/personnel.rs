//! Personnel filing (人员选配报备, attachment 1): posts, the six conditions, proposals and their
//! decision, the adjustment rules and the staffing flags the evaluation deducts for
//! (attachment 2 (二) 人员到位).

use crate::staff::CadreCategory;
use crate::unit::UnitKind;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The post a unit files people for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 项目代办员, at a town unit.
    Agent,
    /// 项目帮办员, at a department.
    Helper,
}

impl Post {
    /// The post units of this kind file, if any (the bureau and the service center file none).
    pub const fn for_unit(kind: UnitKind) -> Option<Self> {
        match kind {
            UnitKind::Town | UnitKind::Subdistrict | UnitKind::DevZone => Some(Self::Agent),
            UnitKind::Department => Some(Self::Helper),
            UnitKind::Bureau | UnitKind::ServiceCenter => None,
        }
    }

    /// The stable code, also the account role that holds the post.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Helper => "helper",
        }
    }

    /// The account role that holds the post.
    pub const fn role(self) -> crate::role::Role {
        match self {
            Self::Agent => crate::role::Role::Agent,
            Self::Helper => crate::role::Role::Helper,
        }
    }

    /// How many holders the post needs: town units at least 2 agents, departments exactly 1
    /// helper (attachment 1 art. 4). `(minimum, maximum)`.
    pub const fn required(self) -> (usize, Option<usize>) {
        match self {
            Self::Agent => (2, None),
            Self::Helper => (1, Some(1)),
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Agent, Self::Helper]
            .into_iter()
            .find(|p| p.code() == s)
    }
}

impl fmt::Display for Post {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The six basic conditions of attachment 1 art. 3, as attested at selection: code, Chinese,
/// English.
pub const CONDITIONS: [(&str, &str, &str); 6] = [
    (
        "integrity",
        "政治思想素质过硬，为人正派，敢于担当",
        "sound political and ideological quality, upright, willing to take responsibility",
    ),
    (
        "dedication",
        "富有敬业精神、创新精神和奉献精神",
        "dedicated, innovative and devoted",
    ),
    (
        "responsibility",
        "具有较高的工作热情和强烈的责任心",
        "enthusiastic and strongly responsible",
    ),
    (
        "knowledge",
        "熟悉政策法律法规、项目审批流程及相关业务知识",
        "knows the policies, laws, approval procedures and related business",
    ),
    (
        "service",
        "服务态度好、工作细致周到，具有较强的沟通协调能力",
        "good service attitude, careful work, strong communication and coordination",
    ),
    (
        "computer",
        "熟练掌握计算机操作技能",
        "proficient with computers",
    ),
];

/// Which of the six conditions are attested, as a bit set (bit `i` is `CONDITIONS[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conditions(pub u8);

impl Conditions {
    /// All six attested.
    pub const ALL: Self = Self(0b11_1111);

    /// The set named by condition codes; an unknown code is returned as the error.
    ///
    /// # Errors
    /// The first code that is not one of [`CONDITIONS`].
    pub fn from_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut bits = 0u8;
        for c in codes {
            let i = CONDITIONS
                .iter()
                .position(|(code, _, _)| *code == c.trim())
                .ok_or_else(|| c.to_owned())?;
            bits |= 1 << i;
        }
        Ok(Self(bits))
    }

    /// Whether condition `i` is attested.
    pub const fn has(self, i: usize) -> bool {
        i < CONDITIONS.len() && self.0 & (1 << i) != 0
    }

    /// The conditions not attested, in order.
    pub fn missing(self) -> Vec<usize> {
        (0..CONDITIONS.len()).filter(|i| !self.has(*i)).collect()
    }

    /// Whether all six are attested.
    pub const fn complete(self) -> bool {
        self.0 & Self::ALL.0 == Self::ALL.0
    }
}

/// What a filing proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingKind {
    /// 选配: a person takes up the post.
    Selection,
    /// 调整: a person leaves the post and a successor takes it; their work is handed over.
    Adjustment,
}

impl FilingKind {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Selection => "selection",
            Self::Adjustment => "adjustment",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Selection, Self::Adjustment]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// Where a filing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    /// 待审核: proposed by the unit, awaiting the bureau.
    Proposed,
    /// 已同意: in effect.
    Approved,
    /// 已退回: rejected by the bureau, with a reason.
    Rejected,
    /// 已撤回: withdrawn by the unit before the decision.
    Withdrawn,
}

impl FilingStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [
        Self::Proposed,
        Self::Approved,
        Self::Rejected,
        Self::Withdrawn,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Whether the bureau can still decide (or the unit withdraw): only a proposal can.
    pub const fn is_pending(self) -> bool {
        matches!(self, Self::Proposed)
    }
}

/// The months in which adjustments are made together (年底集中调整); December by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<u32>", into = "Vec<u32>")]
pub struct AdjustmentWindow(u16);

impl AdjustmentWindow {
    /// The window of these months (1–12).
    ///
    /// # Errors
    /// A month outside 1–12, or no month at all.
    pub fn of_months(months: &[u32]) -> Result<Self, String> {
        let mut bits = 0u16;
        for m in months {
            if !(1..=12).contains(m) {
                return Err(format!("month {m} is not 1–12"));
            }
            bits |= 1 << (m - 1);
        }
        if bits == 0 {
            return Err("the adjustment window needs at least one month".into());
        }
        Ok(Self(bits))
    }

    /// Whether `day` falls in the window.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.0 & (1 << (day.month() - 1)) != 0
    }

    /// The months, ascending.
    pub fn months(self) -> Vec<u32> {
        (1..=12).filter(|m| self.0 & (1 << (m - 1)) != 0).collect()
    }
}

impl Default for AdjustmentWindow {
    fn default() -> Self {
        Self(1 << 11)
    }
}

impl TryFrom<Vec<u32>> for AdjustmentWindow {
    type Error = String;
    fn try_from(v: Vec<u32>) -> Result<Self, String> {
        Self::of_months(&v)
    }
}

impl From<AdjustmentWindow> for Vec<u32> {
    fn from(w: AdjustmentWindow) -> Self {
        w.months()
    }
}

/// The years a person should serve in the post before being adjusted (attachment 1 art. 6).
pub const MIN_TENURE_YEARS: u32 = 2;

/// A rule of attachment 1 art. 6 an adjustment breaks. A violation does not block the bureau's
/// decision; an approved adjustment that breaks any is one person-time of staffing evidence
/// (attachment 2 (二): −5 per person-time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentRule {
    /// The outgoing person served less than two years.
    ShortTenure,
    /// Outside the year-end window without a work change that requires it.
    OutOfWindow,
}

impl AdjustmentRule {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::ShortTenure => "short_tenure",
            Self::OutOfWindow => "out_of_window",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::ShortTenure, Self::OutOfWindow]
            .into_iter()
            .find(|r| r.code() == s)
    }
}

/// The rules an adjustment of someone in the post since `since`, taking effect on `on`, breaks.
/// Two years are served on the same calendar date two years later (29 February → 28 February).
pub fn adjustment_violations(
    since: NaiveDate,
    on: NaiveDate,
    window: AdjustmentWindow,
    work_change: bool,
) -> Vec<AdjustmentRule> {
    let mut v = Vec::new();
    let served = since
        .checked_add_months(Months::new(12 * MIN_TENURE_YEARS))
        .is_some_and(|d| on >= d);
    if !served {
        v.push(AdjustmentRule::ShortTenure);
    }
    if !window.contains(on) && !work_change {
        v.push(AdjustmentRule::OutOfWindow);
    }
    v
}

/// What is wrong with a unit's staffing right now (attachment 2 (二) 人员到位).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StaffingFlag {
    /// Fewer holders than the post needs.
    BelowCount {
        /// Holders now.
        have: usize,
        /// Holders needed.
        need: usize,
    },
    /// A holder not of the required cadre category.
    NonQualifying {
        /// The holder's account.
        user_id: i64,
        /// Their category.
        cadre: CadreCategory,
    },
}

impl StaffingFlag {
    /// The stable code of the kind of flag.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BelowCount { .. } => "below_count",
            Self::NonQualifying { .. } => "non_qualifying",
        }
    }
}

/// The flags of a unit filing `post` with these holders (account, cadre category).
pub fn staffing_flags(
    post: Post,
    center_window: bool,
    holders: &[(i64, CadreCategory)],
) -> Vec<StaffingFlag> {
    let mut flags = Vec::new();
    let (need, _) = post.required();
    if holders.len() < need {
        flags.push(StaffingFlag::BelowCount {
            have: holders.len(),
            need,
        });
    }
    for (user_id, cadre) in holders {
        if !cadre.qualifies_for(post.role(), center_window) {
            flags.push(StaffingFlag::NonQualifying {
                user_id: *user_id,
                cadre: *cadre,
            });
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn adjustment_rule_table() {
        let dec = AdjustmentWindow::default();
        let cases = [
            // (since, on, work change, broken rules)
            ("2023-12-01", "2025-12-15", false, vec![]),
            (
                "2023-12-16",
                "2025-12-15",
                false,
                vec![AdjustmentRule::ShortTenure],
            ),
            ("2023-12-15", "2025-12-15", false, vec![]),
            (
                "2023-03-01",
                "2026-06-10",
                false,
                vec![AdjustmentRule::OutOfWindow],
            ),
            ("2023-03-01", "2026-06-10", true, vec![]),
            (
                "2025-03-01",
                "2026-06-10",
                false,
                vec![AdjustmentRule::ShortTenure, AdjustmentRule::OutOfWindow],
            ),
            (
                "2025-03-01",
                "2026-06-10",
                true,
                vec![AdjustmentRule::ShortTenure],
            ),
            ("2024-02-29", "2026-02-28", true, vec![]),
            (
                "2024-02-29",
                "2026-02-27",
                true,
                vec![AdjustmentRule::ShortTenure],
            ),
            (
                "2024-01-05",
                "2026-01-05",
                false,
                vec![AdjustmentRule::OutOfWindow],
            ),
        ];
        for (since, on, wc, want) in cases {
            assert_eq!(
                adjustment_violations(d(since), d(on), dec, wc),
                want,
                "{since} → {on}, work change {wc}"
            );
        }
    }

    #[test]
    fn windows() {
        let w = AdjustmentWindow::of_months(&[12, 1]).unwrap();
        assert!(w.contains(d("2026-01-31")));
        assert!(w.contains(d("2026-12-01")));
        assert!(!w.contains(d("2026-11-30")));
        assert_eq!(w.months(), vec![1, 12]);
        assert!(AdjustmentWindow::of_months(&[13]).is_err());
        assert!(AdjustmentWindow::of_months(&[]).is_err());
        assert_eq!(AdjustmentWindow::default().months(), vec![12]);
    }

    #[test]
    fn staffing_flag_table() {
        use CadreCategory::{MiddleLevel, Other, StationHead, WindowHead, YoungReserve};
        type Case = (Post, bool, Vec<(i64, CadreCategory)>, Vec<StaffingFlag>);
        let cases: Vec<Case> = vec![
            (
                Post::Agent,
                false,
                vec![(1, YoungReserve), (2, StationHead)],
                vec![],
            ),
            (
                Post::Agent,
                false,
                vec![(1, YoungReserve)],
                vec![StaffingFlag::BelowCount { have: 1, need: 2 }],
            ),
            (
                Post::Agent,
                false,
                vec![(1, YoungReserve), (2, MiddleLevel), (3, StationHead)],
                vec![StaffingFlag::NonQualifying {
                    user_id: 2,
                    cadre: MiddleLevel,
                }],
            ),
            (Post::Helper, false, vec![(5, MiddleLevel)], vec![]),
            (Post::Helper, true, vec![(5, WindowHead)], vec![]),
            (
                Post::Helper,
                false,
                vec![(5, WindowHead)],
                vec![StaffingFlag::NonQualifying {
                    user_id: 5,
                    cadre: WindowHead,
                }],
            ),
            (
                Post::Helper,
                true,
                vec![],
                vec![StaffingFlag::BelowCount { have: 0, need: 1 }],
            ),
            (
                Post::Helper,
                true,
                vec![(6, Other)],
                vec![StaffingFlag::NonQualifying {
                    user_id: 6,
                    cadre: Other,
                }],
            ),
        ];
        for (post, window, holders, want) in cases {
            assert_eq!(
                staffing_flags(post, window, &holders),
                want,
                "{post} {holders:?}"
            );
        }
    }

    #[test]
    fn conditions() {
        let all = Conditions::from_codes(CONDITIONS.iter().map(|c| c.0)).unwrap();
        assert!(all.complete());
        assert_eq!(all, Conditions::ALL);
        let some = Conditions::from_codes(["integrity", "computer"]).unwrap();
        assert!(!some.complete());
        assert_eq!(some.missing(), vec![1, 2, 3, 4]);
        assert_eq!(
            Conditions::from_codes(["integrity", "charm"]),
            Err("charm".to_owned())
        );
    }

    #[test]
    fn posts_follow_unit_kinds() {
        assert_eq!(Post::for_unit(UnitKind::Town), Some(Post::Agent));
        assert_eq!(Post::for_unit(UnitKind::DevZone), Some(Post::Agent));
        assert_eq!(Post::for_unit(UnitKind::Department), Some(Post::Helper));
        assert_eq!(Post::for_unit(UnitKind::Bureau), None);
        assert_eq!(Post::from_code("helper"), Some(Post::Helper));
    }

    proptest! {
        /// A work change never adds a violation, and never removes the tenure one.
        #[test]
        fn work_change_only_waives_the_window(
            since in 0i64..4000, gap in 0i64..2000,
        ) {
            let base = d("2018-01-01");
            let since = base + chrono::Duration::days(since);
            let on = since + chrono::Duration::days(gap);
            let w = AdjustmentWindow::default();
            let without = adjustment_violations(since, on, w, false);
            let with = adjustment_violations(since, on, w, true);
            prop_assert!(with.iter().all(|r| without.contains(r)));
            prop_assert_eq!(
                with.contains(&AdjustmentRule::ShortTenure),
                without.contains(&AdjustmentRule::ShortTenure)
            );
            prop_assert!(!with.contains(&AdjustmentRule::OutOfWindow));
            // Served at least two years ⇔ no tenure violation (730 days is under two years,
            // 731 always at least).
            if gap >= 731 { prop_assert!(!with.contains(&AdjustmentRule::ShortTenure)); }
            if gap < 730 { prop_assert!(with.contains(&AdjustmentRule::ShortTenure)); }
        }
    }
}
