//! The quarterly evaluation (考评, attachment 2): quarters, the scheme as data, points in exact
//! hundredths, the democratic-appraisal arithmetic, categories floored at zero (扣完为止) and
//! ranking with shared ranks.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A calendar quarter, written `2026Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    /// Year.
    pub year: i32,
    /// 1–4.
    pub q: u8,
}

impl Quarter {
    /// The quarter `q` (1–4) of `year`.
    ///
    /// # Errors
    /// `q` outside 1–4 or a year outside 2000–2199.
    pub fn new(year: i32, q: u8) -> Result<Self, String> {
        if !(1..=4).contains(&q) {
            return Err(format!("quarter {q} is not 1–4"));
        }
        if !(2000..2200).contains(&year) {
            return Err(format!("year {year} is out of range"));
        }
        Ok(Self { year, q })
    }

    /// The quarter a day falls in.
    pub fn of(day: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            year: day.year(),
            q: u8::try_from((day.month() - 1) / 3 + 1).unwrap_or(1),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1)
            .unwrap_or(chrono::NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> chrono::NaiveDate {
        self.next()
            .first_day()
            .pred_opt()
            .unwrap_or(chrono::NaiveDate::MAX)
    }

    /// The next quarter.
    #[must_use]
    pub const fn next(self) -> Self {
        if self.q == 4 {
            Self {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Self {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    /// The quarter before.
    #[must_use]
    pub const fn prev(self) -> Self {
        if self.q == 1 {
            Self {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Self {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    /// The four quarters of a year.
    pub fn of_year(year: i32) -> [Self; 4] {
        [1, 2, 3, 4].map(|q| Self { year, q })
    }

    /// Whether `day` falls in the quarter.
    pub fn contains(self, day: chrono::NaiveDate) -> bool {
        Self::of(day) == self
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl std::str::FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (y, q) = s
            .split_once(['Q', 'q'])
            .ok_or_else(|| format!("`{s}` is not a quarter such as 2026Q3"))?;
        let year = y
            .parse()
            .map_err(|_| format!("`{s}` is not a quarter such as 2026Q3"))?;
        let q = q
            .parse()
            .map_err(|_| format!("`{s}` is not a quarter such as 2026Q3"))?;
        Self::new(year, q)
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> Self {
        q.to_string()
    }
}

/// The six categories of attachment 2, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 岗位设置 (10).
    PostSetup,
    /// 人员到位 (10).
    Staffing,
    /// 规范服务 (30).
    Service,
    /// 制度执行 (10).
    Discipline,
    /// 民主评议 (30).
    Appraisal,
    /// 举报投诉 (10).
    Complaints,
}

impl Category {
    /// Every category, in order.
    pub const ALL: [Self; 6] = [
        Self::PostSetup,
        Self::Staffing,
        Self::Service,
        Self::Discipline,
        Self::Appraisal,
        Self::Complaints,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::PostSetup => "post_setup",
            Self::Staffing => "staffing",
            Self::Service => "service",
            Self::Discipline => "discipline",
            Self::Appraisal => "appraisal",
            Self::Complaints => "complaints",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// Points in hundredths (an exact decimal with two places): 30 points is `3000`.
pub type Cents = i64;

/// Formats hundredths as a decimal with two places: `2850` → `28.50`, `-500` → `-5.00`.
pub fn fmt_points(c: Cents) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// `n / d` rounded half up (away from zero for halves), for non-negative `n` and positive `d`.
pub const fn div_round_half_up(n: i64, d: i64) -> i64 {
    (2 * n + d) / (2 * d)
}

/// One deduction rule of a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable code, unique in the scheme.
    pub code: String,
    /// Points deducted per occurrence (whole or with two decimals, e.g. `3` or `2.5`).
    pub points: PointsValue,
    /// Chinese wording.
    pub name_zh: String,
    /// English wording.
    pub name_en: String,
    /// What counts as one occurrence (每件次, 每人次, 每次, 每起, 每季度).
    pub per_zh: String,
    /// The same in English.
    pub per_en: String,
    /// `detected` from the data, or `recorded` by the bureau.
    pub source: String,
}

/// A number of points as written in a scheme file, kept exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "toml_number::Number", into = "f64")]
pub struct PointsValue(pub Cents);

/// The numbers a scheme file may hold.
pub mod toml_number {
    use serde::Deserialize;

    /// An integer or a float of a scheme file.
    #[derive(Debug, Clone, Copy, Deserialize)]
    #[serde(untagged)]
    pub enum Number {
        /// `3`.
        Int(i64),
        /// `2.5`.
        Float(f64),
    }
}

impl TryFrom<toml_number::Number> for PointsValue {
    type Error = String;
    fn try_from(n: toml_number::Number) -> Result<Self, String> {
        match n {
            toml_number::Number::Int(i) => i
                .checked_mul(100)
                .map(Self)
                .ok_or_else(|| format!("{i} points is out of range")),
            toml_number::Number::Float(f) => {
                let c = (f * 100.0).round();
                if (f * 100.0 - c).abs() > 1e-6 || !c.is_finite() || c.abs() > 1e12 {
                    return Err(format!("{f} points has more than two decimals"));
                }
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked to be a whole number of hundredths below 1e12"
                )]
                Ok(Self(c as i64))
            }
        }
    }
}

impl From<PointsValue> for f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "only for writing a scheme back out"
    )]
    fn from(p: PointsValue) -> Self {
        p.0 as f64 / 100.0
    }
}

/// One category of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryScheme {
    /// Which category.
    pub code: Category,
    /// Its full points.
    pub points: PointsValue,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// How it is scored, in words.
    pub basis_zh: String,
    /// The same in English.
    pub basis_en: String,
    /// Its deduction rules (none for post set-up and the appraisal, which are computed).
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The democratic appraisal's values (民主评议).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppraisalScheme {
    /// 优秀.
    pub excellent: PointsValue,
    /// 满意.
    pub satisfied: PointsValue,
    /// 不满意.
    pub dissatisfied: PointsValue,
    /// The weight of the mean, in hundredths (0.3 → 30).
    pub weight_percent: i64,
}

/// An evaluation scheme: versioned data (`data/evaluation/*.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Version, recorded with every published result.
    pub version: String,
    /// Its title.
    pub title_zh: String,
    /// The same in English.
    pub title_en: String,
    /// How the year-end ranking is made from the quarters: `mean` of the four totals.
    pub year_end: String,
    /// The categories, in the order of attachment 2.
    pub categories: Vec<CategoryScheme>,
    /// The appraisal's values.
    pub appraisal: AppraisalScheme,
}

impl Scheme {
    /// Checks the scheme: the six categories once each, 100 points in all, rules with unique
    /// codes, positive points not above their category's, and a known source; every problem
    /// listed.
    ///
    /// # Errors
    /// Each broken rule, as text.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errs = Vec::new();
        if self.version.trim().is_empty() {
            errs.push("version is empty".to_owned());
        }
        let cats: Vec<Category> = self.categories.iter().map(|c| c.code).collect();
        if cats != Category::ALL {
            errs.push(format!(
                "categories must be the six of attachment 2 in order, found {:?}",
                cats.iter().map(|c| c.code()).collect::<Vec<_>>()
            ));
        }
        let total: Cents = self.categories.iter().map(|c| c.points.0).sum();
        if total != 10_000 {
            errs.push(format!(
                "the categories add up to {}, not 100",
                fmt_points(total)
            ));
        }
        let mut codes = BTreeSet::new();
        for c in &self.categories {
            let computed = matches!(c.code, Category::PostSetup | Category::Appraisal);
            if computed && !c.rules.is_empty() {
                errs.push(format!("{} is computed and has no rules", c.code.code()));
            }
            for r in &c.rules {
                if !codes.insert(r.code.clone()) {
                    errs.push(format!("rule {} appears twice", r.code));
                }
                if r.points.0 <= 0 || r.points.0 > c.points.0 {
                    errs.push(format!(
                        "rule {} deducts {}, not within (0, {}]",
                        r.code,
                        fmt_points(r.points.0),
                        fmt_points(c.points.0)
                    ));
                }
                if !matches!(r.source.as_str(), "detected" | "recorded") {
                    errs.push(format!(
                        "rule {}: source must be detected or recorded",
                        r.code
                    ));
                }
            }
        }
        if !(0..=100).contains(&self.appraisal.weight_percent) {
            errs.push("appraisal.weight_percent must be 0–100".to_owned());
        }
        if self.year_end != "mean" {
            errs.push(format!(
                "year_end `{}` is not supported (mean)",
                self.year_end
            ));
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    /// A category's scheme.
    pub fn category(&self, c: Category) -> Option<&CategoryScheme> {
        self.categories.iter().find(|x| x.code == c)
    }

    /// A rule and its category.
    pub fn rule(&self, code: &str) -> Option<(Category, &Rule)> {
        self.categories
            .iter()
            .find_map(|c| c.rules.iter().find(|r| r.code == code).map(|r| (c.code, r)))
    }

    /// The appraisal score in hundredths from the counted answers, or `None` without any:
    /// mean of the values × the weight, rounded half up to two places.
    pub fn appraisal_score(
        &self,
        excellent: i64,
        satisfied: i64,
        dissatisfied: i64,
    ) -> Option<Cents> {
        let n = excellent + satisfied + dissatisfied;
        if n <= 0 {
            return None;
        }
        let a = &self.appraisal;
        // Sum of values in hundredths × weight (percent) / 100 / n.
        let sum =
            excellent * a.excellent.0 + satisfied * a.satisfied.0 + dissatisfied * a.dissatisfied.0;
        Some(div_round_half_up(sum * a.weight_percent, 100 * n))
    }
}

/// A category's score: its points less the deductions, never below zero (扣完为止).
pub fn floored(points: Cents, deductions: impl IntoIterator<Item = Cents>) -> Cents {
    let d: Cents = deductions.into_iter().sum();
    (points - d).max(0)
}

/// Competition ranks (1, 2, 2, 4) of `totals`, highest first; equal totals share a rank.
pub fn ranks(totals: &[Cents]) -> Vec<u32> {
    totals
        .iter()
        .map(|t| {
            let higher = totals.iter().filter(|o| *o > t).count();
            u32::try_from(higher).unwrap_or(u32::MAX - 1) + 1
        })
        .collect()
}

/// Where a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// 待确认: detected or recorded, not yet counted.
    Proposed,
    /// 已确认: counts.
    Confirmed,
    /// 已排除: does not count (with a reason).
    Dismissed,
}

impl FindingState {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Proposed, Self::Confirmed, Self::Dismissed];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Confirmed => "confirmed",
            Self::Dismissed => "dismissed",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Whether a coordinator may move a finding from this state to `to`: a proposal is
    /// confirmed or dismissed; a decision can be reversed (with a reason) until the quarter is
    /// published, which the use case checks.
    pub fn may_become(self, to: Self) -> bool {
        self != to && to != Self::Proposed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn quarters() {
        let q: Quarter = "2026Q3".parse().unwrap();
        assert_eq!(q.first_day(), d("2026-07-01"));
        assert_eq!(q.last_day(), d("2026-09-30"));
        assert_eq!(q.to_string(), "2026Q3");
        assert_eq!(Quarter::of(d("2026-12-31")), "2026Q4".parse().unwrap());
        assert_eq!(
            "2026Q4".parse::<Quarter>().unwrap().next().to_string(),
            "2027Q1"
        );
        assert_eq!(
            "2024q1".parse::<Quarter>().unwrap().last_day(),
            d("2024-03-31")
        );
        assert!("2026Q5".parse::<Quarter>().is_err());
        assert!("2026-3".parse::<Quarter>().is_err());
    }

    #[test]
    fn points_print_with_two_decimals() {
        for (c, s) in [
            (3000, "30.00"),
            (2850, "28.50"),
            (5, "0.05"),
            (0, "0.00"),
            (-500, "-5.00"),
        ] {
            assert_eq!(fmt_points(c), s);
        }
    }

    #[test]
    fn floors_and_ranks() {
        assert_eq!(floored(3000, [300, 300]), 2400);
        assert_eq!(floored(1000, [1000, 200]), 0, "扣完为止");
        assert_eq!(floored(1000, []), 1000);
        assert_eq!(ranks(&[9000, 9500, 9000, 8000]), vec![2, 1, 2, 4]);
        assert_eq!(ranks(&[9000, 9000, 9000]), vec![1, 1, 1]);
        assert_eq!(ranks(&[]), Vec::<u32>::new());
    }

    fn xinghua_like() -> Scheme {
        let cat = |code, points: i64, rules: Vec<Rule>| CategoryScheme {
            code,
            points: PointsValue(points * 100),
            name_zh: String::new(),
            name_en: String::new(),
            basis_zh: String::new(),
            basis_en: String::new(),
            rules,
        };
        let rule = |code: &str, points: i64| Rule {
            code: code.into(),
            points: PointsValue(points * 100),
            name_zh: String::new(),
            name_en: String::new(),
            per_zh: String::new(),
            per_en: String::new(),
            source: "recorded".into(),
        };
        Scheme {
            version: "t".into(),
            title_zh: String::new(),
            title_en: String::new(),
            year_end: "mean".into(),
            categories: vec![
                cat(Category::PostSetup, 10, vec![]),
                cat(Category::Staffing, 10, vec![rule("a", 5)]),
                cat(Category::Service, 30, vec![rule("b", 3)]),
                cat(Category::Discipline, 10, vec![rule("c", 2)]),
                cat(Category::Appraisal, 30, vec![]),
                cat(Category::Complaints, 10, vec![rule("d", 10)]),
            ],
            appraisal: AppraisalScheme {
                excellent: PointsValue(10_000),
                satisfied: PointsValue(8_000),
                dissatisfied: PointsValue(2_000),
                weight_percent: 30,
            },
        }
    }

    #[test]
    fn appraisal_arithmetic() {
        let s = xinghua_like();
        // (100 + 80 + 20) / 3 × 0.3 = 20.00
        assert_eq!(s.appraisal_score(1, 1, 1), Some(2000));
        // (100 + 80) / 2 × 0.3 = 27.00
        assert_eq!(s.appraisal_score(1, 1, 0), Some(2700));
        // (100×2 + 80) / 3 × 0.3 = 28.00
        assert_eq!(s.appraisal_score(2, 1, 0), Some(2800));
        // (100 + 80×2) / 3 × 0.3 = 26.00
        assert_eq!(s.appraisal_score(1, 2, 0), Some(2600));
        // 80×6 + 20 = 500 / 7 × 0.3 = 21.428… → 21.43
        assert_eq!(s.appraisal_score(0, 6, 1), Some(2143));
        // 100 + 20×2 = 140 / 3 × 0.3 = 14.00
        assert_eq!(s.appraisal_score(1, 0, 2), Some(1400));
        // (100×4 + 80×3 + 20) / 8 = 82.5 × 0.3 = 24.75
        assert_eq!(s.appraisal_score(4, 3, 1), Some(2475));
        // 100 + 80×5 = 500 / 6 × 0.3 = 25.00
        assert_eq!(s.appraisal_score(1, 5, 0), Some(2500));
        // 80 + 20×10 = 280 / 11 × 0.3 = 7.636… → 7.64
        assert_eq!(s.appraisal_score(0, 1, 10), Some(764));
        assert_eq!(
            s.appraisal_score(0, 0, 0),
            None,
            "不了解 only: no appraisal"
        );
        assert_eq!(s.appraisal_score(5, 0, 0), Some(3000));
    }

    #[test]
    fn the_scheme_checks_itself() {
        let mut s = xinghua_like();
        assert_eq!(s.validate(), Ok(()));
        let dup = s.categories[1].rules[0].clone();
        s.categories[2].rules.push(dup);
        s.categories[3].points = PointsValue(1100);
        s.categories[5].rules[0].points = PointsValue(1500);
        let errs = s.validate().unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("appears twice")));
        assert!(errs.iter().any(|e| e.contains("101.00")));
        assert!(errs.iter().any(|e| e.contains("rule d deducts 15.00")));
    }

    #[test]
    fn finding_states() {
        use FindingState::{Confirmed, Dismissed, Proposed};
        assert!(Proposed.may_become(Confirmed));
        assert!(Proposed.may_become(Dismissed));
        assert!(Confirmed.may_become(Dismissed));
        assert!(!Confirmed.may_become(Confirmed));
        assert!(!Dismissed.may_become(Proposed));
    }

    proptest! {
        /// The appraisal is between the lowest and highest value × weight, and exact for
        /// unanimous answers.
        #[test]
        fn appraisal_bounds(e in 0i64..500, s in 0i64..500, x in 0i64..500) {
            let sch = xinghua_like();
            match sch.appraisal_score(e, s, x) {
                None => prop_assert_eq!(e + s + x, 0),
                Some(v) => {
                    prop_assert!((600..=3000).contains(&v), "{}", v);
                    if s == 0 && x == 0 { prop_assert_eq!(v, 3000); }
                }
            }
        }

        /// Ranks: the best total has rank 1; a rank is one more than the number strictly above.
        #[test]
        fn ranking(totals in proptest::collection::vec(0i64..10_000, 0..30)) {
            let r = ranks(&totals);
            for (i, t) in totals.iter().enumerate() {
                let above = totals.iter().filter(|o| *o > t).count();
                prop_assert_eq!(r[i] as usize, above + 1);
            }
            if let Some(max) = totals.iter().max() {
                let i = totals.iter().position(|t| t == max).unwrap();
                prop_assert_eq!(r[i], 1);
            }
        }
    }
}
