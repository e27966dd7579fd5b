//! Projects (项目): the investment-project code (项目代码), the total investment in 万元, the
//! industrial-policy standing, the stage of the approval journey and the status of the service.
//!
//! The project code is the one the national online investment-project platform issues
//! (shared/reference/domain.md §1.1): since November 2020 `YYMM-RRRRRR-DD-TT-NNNNNC`
//! (GB/T 40058-2021), before that the older `YYYY-RRRRRR-…` layout with a four-digit year. Only
//! the shape and the time code are checked: the check-digit algorithm of the standard is not
//! public, so the code is otherwise opaque and is kept exactly as entered.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The number of characters of a project code.
pub const PROJECT_CODE_LEN: usize = 24;

/// The 1-based positions of the hyphens of a project code.
const HYPHENS: [usize; 4] = [5, 12, 15, 18];

/// Why a project code is not valid. Each variant names the rule broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProjectCodeError {
    /// Nothing but white space.
    #[error("the project code is empty")]
    Empty,
    /// Not 24 characters after trimming.
    #[error("a project code has 24 characters, this one has {len}")]
    Length {
        /// The number of characters given.
        len: usize,
    },
    /// A character that is not a digit where a digit belongs, or not a hyphen at positions 5,
    /// 12, 15 or 18.
    #[error(
        "character {position} does not fit the shape DDDD-DDDDDD-DD-DD-DDDDDD (digits, hyphens at 5, 12, 15 and 18)"
    )]
    Shape {
        /// 1-based position of the first bad character.
        position: usize,
    },
    /// The first four digits are neither a time code `YYMM` from November 2020 on nor a year from
    /// 1990 to 2020.
    #[error(
        "the time code `{value}` is neither a month from 2011 (November 2020) on nor a year from 1990 to 2020"
    )]
    TimeCode {
        /// The four digits given.
        value: String,
    },
}

impl ProjectCodeError {
    /// The message in Chinese, for the enterprise and the staff.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty => "请填写项目代码".to_owned(),
            Self::Length { len } => format!("项目代码应为24位（含4个连字符），当前为{len}位"),
            Self::Shape { position } => format!(
                "项目代码第{position}位不符合格式：应为“DDDD-DDDDDD-DD-DD-DDDDDD”，\
                 第5、12、15、18位为连字符，其余为数字"
            ),
            Self::TimeCode { value } => format!(
                "项目代码前四位“{value}”无效：应为2020年11月起的赋码年月（如2103表示2021年3月），\
                 或1990至2020年的旧版代码年份"
            ),
        }
    }
}

/// Which layout a project code follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectCodeKind {
    /// Since November 2020 (GB/T 40058-2021): the first four digits are `YYMM`.
    National,
    /// Before: the first four digits are the year.
    Legacy,
}

impl ProjectCodeKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::National, Self::Legacy];

    /// The stable code: `national`, `legacy`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Legacy => "legacy",
        }
    }

    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::National => "全国统一代码",
            Self::Legacy => "旧版代码",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::National => "National code",
            Self::Legacy => "Legacy code",
        }
    }
}

/// A project code (项目代码), validated, kept exactly as entered after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectCode(String);

/// The kind and year of a time code, or `None` when it is neither layout's.
fn time_code_kind(digits: [u32; 4]) -> Option<(ProjectCodeKind, i32)> {
    let [a, b, c, d] = digits;
    let yy = a * 10 + b;
    let mm = c * 10 + d;
    let year = yy * 100 + mm;
    // A valid YYMM from November 2020 on wins over a year (2011, 2012 are read as months).
    if (1..=12).contains(&mm) && (2000 + yy, mm) >= (2020, 11) {
        return i32::try_from(2000 + yy)
            .ok()
            .map(|y| (ProjectCodeKind::National, y));
    }
    if (1990..=2020).contains(&year) {
        return i32::try_from(year)
            .ok()
            .map(|y| (ProjectCodeKind::Legacy, y));
    }
    None
}

impl ProjectCode {
    /// Parses a project code: trimmed, 24 characters, digits with hyphens at positions 5, 12,
    /// 15 and 18, and a time code of either layout.
    ///
    /// # Errors
    ///
    /// [`ProjectCodeError`] naming the first rule broken, in the order empty, length, shape,
    /// time code.
    pub fn parse(raw: &str) -> Result<Self, ProjectCodeError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ProjectCodeError::Empty);
        }
        let len = s.chars().count();
        if len != PROJECT_CODE_LEN {
            return Err(ProjectCodeError::Length { len });
        }
        if let Some((i, _)) = s.chars().enumerate().find(|&(i, c)| {
            if HYPHENS.contains(&(i + 1)) {
                c != '-'
            } else {
                !c.is_ascii_digit()
            }
        }) {
            return Err(ProjectCodeError::Shape { position: i + 1 });
        }
        // Now all ASCII: the byte offsets are the character positions.
        let code = Self(s.to_owned());
        if code.kind_and_year().is_none() {
            return Err(ProjectCodeError::TimeCode {
                value: s[..4].to_owned(),
            });
        }
        Ok(code)
    }

    fn kind_and_year(&self) -> Option<(ProjectCodeKind, i32)> {
        let mut digits = [0u32; 4];
        for (slot, c) in digits.iter_mut().zip(self.0.chars()) {
            *slot = c.to_digit(10)?;
        }
        time_code_kind(digits)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which layout the code follows.
    pub fn kind(&self) -> ProjectCodeKind {
        self.kind_and_year()
            .map_or(ProjectCodeKind::National, |(k, _)| k)
    }

    /// The year the code was issued: `2000 + YY` for a national code, the year for a legacy one.
    pub fn year(&self) -> i32 {
        self.kind_and_year().map_or(0, |(_, y)| y)
    }

    /// The 6-digit region segment (GB/T 2260, e.g. `321281` for 兴化市).
    pub fn region(&self) -> &str {
        self.0.get(5..11).unwrap_or_default()
    }
}

impl fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ProjectCode {
    type Err = ProjectCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ProjectCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ProjectCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// 元 per 万元.
const YUAN_PER_WAN: i64 = 10_000;

/// The largest investment accepted, in 万元 (one trillion 元).
pub const MAX_INVESTMENT_WAN: i64 = 100_000_000;

/// The total investment from which a project is major (重大项目): 50,000 万元 (5亿元).
pub const MAJOR_PROJECT_THRESHOLD_WAN: i64 = 50_000;

/// Why an investment amount is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum InvestmentError {
    /// Nothing but white space.
    #[error("the investment is empty")]
    Empty,
    /// Not a plain decimal number: only ASCII digits and one `.`, no sign, exponent, spaces or
    /// thousands separators.
    #[error(
        "the investment must be a plain number of 万元 such as 1234.5 (digits and one decimal point; no sign, exponent, spaces or commas)"
    )]
    NotANumber,
    /// More than four decimal places (finer than 1 元).
    #[error("the investment has more than 4 decimal places (1 元 = 0.0001 万元)")]
    TooManyDecimals,
    /// A negative amount.
    #[error("the investment cannot be negative")]
    Negative,
    /// More than [`MAX_INVESTMENT_WAN`] 万元.
    #[error("the investment exceeds 100,000,000 万元")]
    TooLarge,
}

impl InvestmentError {
    /// The message in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::Empty => "请填写总投资（万元）",
            Self::NotANumber => {
                "总投资应为以万元计的数字，如 1234.5（仅数字和一个小数点，不含正负号、空格或逗号）"
            }
            Self::TooManyDecimals => "总投资最多保留4位小数（0.0001万元即1元）",
            Self::Negative => "总投资不能为负数",
            Self::TooLarge => "总投资不能超过100,000,000万元",
        }
    }
}

/// A total investment: an exact amount of 万元, held as whole 元 (1 万元 = 10,000 元, so four
/// decimal places of 万元 are exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Investment(i64);

impl Investment {
    /// Parses an amount of 万元: trimmed, ASCII digits with an optional `.` and at most four
    /// decimals (`50000`, `1234.5`, `0.0001`).
    ///
    /// # Errors
    ///
    /// [`InvestmentError::Empty`], [`InvestmentError::Negative`] for a leading `-`,
    /// [`InvestmentError::NotANumber`] for anything else than digits and one point with digits
    /// on both sides, [`InvestmentError::TooManyDecimals`], [`InvestmentError::TooLarge`].
    pub fn parse_wan(raw: &str) -> Result<Self, InvestmentError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(InvestmentError::Empty);
        }
        if let Some(rest) = s.strip_prefix('-') {
            // A negative number, as opposed to garbage starting with a dash.
            return Err(if Self::parse_wan(rest).is_ok() {
                InvestmentError::Negative
            } else {
                InvestmentError::NotANumber
            });
        }
        let (int, frac) = match s.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (s, None),
        };
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(InvestmentError::NotANumber);
        }
        let frac = frac.unwrap_or("");
        if frac.len() > 4 {
            return Err(InvestmentError::TooManyDecimals);
        }
        let int = int.trim_start_matches('0');
        // More than nine digits of 万元 is above the maximum whatever they are.
        if int.len() > 9 {
            return Err(InvestmentError::TooLarge);
        }
        let digits = |t: &str| {
            t.bytes()
                .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'))
        };
        let mut frac_yuan = digits(frac);
        for _ in frac.len()..4 {
            frac_yuan *= 10;
        }
        let yuan = digits(int) * YUAN_PER_WAN + frac_yuan;
        if yuan > MAX_INVESTMENT_WAN * YUAN_PER_WAN {
            return Err(InvestmentError::TooLarge);
        }
        Ok(Self(yuan))
    }

    /// The amount of `yuan` 元, as stored.
    pub const fn from_yuan(yuan: i64) -> Self {
        Self(yuan)
    }

    /// The amount in 元.
    pub const fn yuan(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Investment {
    /// 万元 without trailing zeros: `50000`, `1234.5`, `0.0001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let per = YUAN_PER_WAN.unsigned_abs();
        let (wan, rest) = (abs / per, abs % per);
        if rest == 0 {
            write!(f, "{sign}{wan}")
        } else {
            let frac = format!("{rest:04}");
            write!(f, "{sign}{wan}.{}", frac.trim_end_matches('0'))
        }
    }
}

impl FromStr for Investment {
    type Err = InvestmentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_wan(s)
    }
}

impl Serialize for Investment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Investment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse_wan(&raw).map_err(serde::de::Error::custom)
    }
}

/// Whether a project is major (重大项目): a total investment of at least
/// [`MAJOR_PROJECT_THRESHOLD_WAN`] 万元, or a major urban-construction project. Bureau helpers
/// take major projects on.
pub fn is_major(investment: Investment, major_urban_construction: bool) -> bool {
    major_urban_construction || investment.yuan() >= MAJOR_PROJECT_THRESHOLD_WAN * YUAN_PER_WAN
}

/// A project's standing under the industrial policy (产业政策).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStanding {
    /// 鼓励类.
    Encouraged,
    /// 允许类.
    Permitted,
    /// 限制类: outside the free service.
    Restricted,
    /// 淘汰类: outside the free service.
    Eliminated,
}

impl PolicyStanding {
    /// Every standing.
    pub const ALL: [Self; 4] = [
        Self::Encouraged,
        Self::Permitted,
        Self::Restricted,
        Self::Eliminated,
    ];

    /// The stable code: `encouraged`, `permitted`, `restricted`, `eliminated`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Encouraged => "encouraged",
            Self::Permitted => "permitted",
            Self::Restricted => "restricted",
            Self::Eliminated => "eliminated",
        }
    }

    /// The standing with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Encouraged => "鼓励类",
            Self::Permitted => "允许类",
            Self::Restricted => "限制类",
            Self::Eliminated => "淘汰类",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Encouraged => "Encouraged",
            Self::Permitted => "Permitted",
            Self::Restricted => "Restricted",
            Self::Eliminated => "Eliminated",
        }
    }

    /// Whether the free agency service takes such a project on: restricted and eliminated
    /// projects are outside it and get an explained refusal.
    pub const fn is_served(self) -> bool {
        matches!(self, Self::Encouraged | Self::Permitted)
    }
}

/// The stage of a project's approval journey, from registration to the service after
/// production, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStage {
    /// 登记注册.
    Registration,
    /// 立项核准备案.
    Approval,
    /// 用地规划.
    LandPlanning,
    /// 施工许可.
    ConstructionPermit,
    /// 开工建设.
    Construction,
    /// 竣工验收.
    Completion,
    /// 竣工投产.
    Production,
    /// 投产后续服务.
    PostProduction,
}

impl ProjectStage {
    /// Every stage, in order.
    pub const ALL: [Self; 8] = [
        Self::Registration,
        Self::Approval,
        Self::LandPlanning,
        Self::ConstructionPermit,
        Self::Construction,
        Self::Completion,
        Self::Production,
        Self::PostProduction,
    ];

    /// The stable code, e.g. `land_planning`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Approval => "approval",
            Self::LandPlanning => "land_planning",
            Self::ConstructionPermit => "construction_permit",
            Self::Construction => "construction",
            Self::Completion => "completion",
            Self::Production => "production",
            Self::PostProduction => "post_production",
        }
    }

    /// The stage with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Registration => "登记注册",
            Self::Approval => "立项核准备案",
            Self::LandPlanning => "用地规划",
            Self::ConstructionPermit => "施工许可",
            Self::Construction => "开工建设",
            Self::Completion => "竣工验收",
            Self::Production => "竣工投产",
            Self::PostProduction => "投产后续服务",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Registration => "Registration",
            Self::Approval => "Approval or filing",
            Self::LandPlanning => "Land and planning",
            Self::ConstructionPermit => "Construction permit",
            Self::Construction => "Construction",
            Self::Completion => "Completion acceptance",
            Self::Production => "Production",
            Self::PostProduction => "Post-production service",
        }
    }

    /// The position in [`ProjectStage::ALL`], from 0.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The following stage; `None` after the last.
    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.index() + 1).copied()
    }
}

/// The status of the agency service for a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// 待受理: registered, the service not yet taken on.
    Requested,
    /// 代办中: the service is running.
    Active,
    /// 已中止: the service is paused.
    Paused,
    /// 不予代办: refused (e.g. a restricted or eliminated project), with the reason.
    Declined,
    /// 已办结: concluded.
    Completed,
    /// 已终止: ended before conclusion.
    Terminated,
}

impl ProjectStatus {
    /// Every status.
    pub const ALL: [Self; 6] = [
        Self::Requested,
        Self::Active,
        Self::Paused,
        Self::Declined,
        Self::Completed,
        Self::Terminated,
    ];

    /// The stable code: `requested`, `active`, `paused`, `declined`, `completed`, `terminated`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Declined => "declined",
            Self::Completed => "completed",
            Self::Terminated => "terminated",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Requested => "待受理",
            Self::Active => "代办中",
            Self::Paused => "已中止",
            Self::Declined => "不予代办",
            Self::Completed => "已办结",
            Self::Terminated => "已终止",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Requested => "Requested",
            Self::Active => "Active",
            Self::Paused => "Paused",
            Self::Declined => "Declined",
            Self::Completed => "Completed",
            Self::Terminated => "Terminated",
        }
    }

    /// Whether the project is still being served or waiting to be: requested, active or paused.
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Requested | Self::Active | Self::Paused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_legacy_codes() {
        let c = ProjectCode::parse("  2103-321281-89-01-123456 ").unwrap();
        assert_eq!(c.as_str(), "2103-321281-89-01-123456");
        assert_eq!(c.kind(), ProjectCodeKind::National);
        assert_eq!(c.year(), 2021);
        assert_eq!(c.region(), "321281");
        assert_eq!(c.to_string(), "2103-321281-89-01-123456");

        let legacy = ProjectCode::parse("2018-321281-44-03-012345").unwrap();
        assert_eq!(legacy.kind(), ProjectCodeKind::Legacy);
        assert_eq!(legacy.year(), 2018);

        // The boundary: November 2020 is the first national month.
        let first = ProjectCode::parse("2011-321281-89-01-000001").unwrap();
        assert_eq!(
            (first.kind(), first.year()),
            (ProjectCodeKind::National, 2020)
        );
        let dec = ProjectCode::parse("2012-321281-89-01-000001").unwrap();
        assert_eq!(dec.kind(), ProjectCodeKind::National);
        // 2010 as YYMM is October 2020, before the national codes: it is the year 2010.
        let y2010 = ProjectCode::parse("2010-321281-89-01-000001").unwrap();
        assert_eq!(
            (y2010.kind(), y2010.year()),
            (ProjectCodeKind::Legacy, 2010)
        );
        for (value, kind) in [
            ("1990", ProjectCodeKind::Legacy),
            ("1999", ProjectCodeKind::Legacy),
            ("2001", ProjectCodeKind::Legacy),
            ("2020", ProjectCodeKind::Legacy),
            ("2101", ProjectCodeKind::National),
            ("2612", ProjectCodeKind::National),
        ] {
            let c = ProjectCode::parse(&format!("{value}-321281-89-01-000001")).unwrap();
            assert_eq!(c.kind(), kind, "{value}");
        }
    }

    #[test]
    fn code_errors_name_the_rule() {
        assert_eq!(ProjectCode::parse("   "), Err(ProjectCodeError::Empty));
        assert_eq!(
            ProjectCode::parse("2103-321281-89-01-12345"),
            Err(ProjectCodeError::Length { len: 23 })
        );
        // Characters, not bytes.
        assert_eq!(
            ProjectCode::parse("２103-321281-89-01-123456"),
            Err(ProjectCodeError::Shape { position: 1 })
        );
        assert_eq!(
            ProjectCode::parse("2103-321281-89-01-12345X"),
            Err(ProjectCodeError::Shape { position: 24 })
        );
        assert_eq!(
            ProjectCode::parse("2103-321281-89001-123456"),
            Err(ProjectCodeError::Shape { position: 15 })
        );
        assert_eq!(
            ProjectCode::parse("21033321281-89-01-1234567"),
            Err(ProjectCodeError::Length { len: 25 })
        );
        assert_eq!(
            ProjectCode::parse("210-3321281-89-01-123456"),
            Err(ProjectCodeError::Shape { position: 4 })
        );
        for value in ["1989", "2021", "2100", "2113", "0000", "9900", "1913"] {
            assert_eq!(
                ProjectCode::parse(&format!("{value}-321281-89-01-123456")),
                Err(ProjectCodeError::TimeCode {
                    value: value.to_owned()
                }),
                "{value}"
            );
        }
        let e = ProjectCodeError::Shape { position: 15 };
        assert!(e.to_string().contains("character 15"));
        assert!(e.message_zh().contains("第15位"));
        assert!(
            ProjectCodeError::Length { len: 3 }
                .message_zh()
                .contains("当前为3位")
        );
        assert!(
            ProjectCodeError::TimeCode {
                value: "2100".into()
            }
            .message_zh()
            .contains("2100")
        );
        assert!(!ProjectCodeError::Empty.message_zh().is_empty());
    }

    #[test]
    fn code_serialises_as_a_string() {
        let c = ProjectCode::parse("2103-321281-89-01-123456").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"2103-321281-89-01-123456\"");
        assert_eq!(serde_json::from_str::<ProjectCode>(&json).unwrap(), c);
        assert!(serde_json::from_str::<ProjectCode>("\"2103\"").is_err());
        assert_eq!("2103-321281-89-01-123456".parse::<ProjectCode>(), Ok(c));
        for k in ProjectCodeKind::ALL {
            assert_eq!(ProjectCodeKind::from_code(k.code()), Some(k));
            assert!(!k.label_zh().is_empty() && !k.label_en().is_empty());
        }
    }

    #[test]
    fn investment_parses_exactly() {
        let wan = |s: &str| Investment::parse_wan(s).map(Investment::yuan);
        assert_eq!(wan("50000"), Ok(500_000_000));
        assert_eq!(wan(" 1234.5 "), Ok(12_345_000));
        assert_eq!(wan("0.0001"), Ok(1));
        assert_eq!(wan("0"), Ok(0));
        assert_eq!(wan("007.10"), Ok(71_000));
        assert_eq!(wan("100000000"), Ok(1_000_000_000_000));
        assert_eq!(wan("100000000.0000"), Ok(1_000_000_000_000));
        assert_eq!(wan("0000000000000001"), Ok(10_000));
        // 0.1 + 0.2 is exact here.
        assert_eq!(wan("0.3"), Ok(wan("0.1").unwrap() + wan("0.2").unwrap()));
    }

    #[test]
    fn investment_errors_name_the_rule() {
        use InvestmentError as E;
        for (raw, e) in [
            ("", E::Empty),
            ("  ", E::Empty),
            ("-5", E::Negative),
            ("-0.5", E::Negative),
            ("-", E::NotANumber),
            ("-abc", E::NotANumber),
            ("+5", E::NotANumber),
            ("1e5", E::NotANumber),
            ("1 000", E::NotANumber),
            ("1,000", E::NotANumber),
            ("１２", E::NotANumber),
            (".5", E::NotANumber),
            ("5.", E::NotANumber),
            ("1.2.3", E::NotANumber),
            ("abc", E::NotANumber),
            ("1.23456", E::TooManyDecimals),
            ("0.00001", E::TooManyDecimals),
            ("100000000.0001", E::TooLarge),
            ("100000001", E::TooLarge),
            ("99999999999999999999999", E::TooLarge),
        ] {
            assert_eq!(Investment::parse_wan(raw), Err(e), "{raw:?}");
        }
        for e in [
            E::Empty,
            E::NotANumber,
            E::TooManyDecimals,
            E::Negative,
            E::TooLarge,
        ] {
            assert!(!e.to_string().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }

    #[test]
    fn investment_displays_without_trailing_zeros_and_round_trips() {
        for (raw, shown) in [
            ("50000", "50000"),
            ("1234.5", "1234.5"),
            ("1234.5000", "1234.5"),
            ("0.0001", "0.0001"),
            ("0.0100", "0.01"),
            ("0", "0"),
            ("12.3456", "12.3456"),
        ] {
            let i = Investment::parse_wan(raw).unwrap();
            assert_eq!(i.to_string(), shown);
            assert_eq!(Investment::parse_wan(shown), Ok(i));
            let json = serde_json::to_string(&i).unwrap();
            assert_eq!(json, format!("\"{shown}\""));
            assert_eq!(serde_json::from_str::<Investment>(&json).unwrap(), i);
        }
        assert_eq!(Investment::from_yuan(-15_000).to_string(), "-1.5");
        assert!(serde_json::from_str::<Investment>("\"-1\"").is_err());
        assert_eq!(
            "12".parse::<Investment>(),
            Ok(Investment::from_yuan(120_000))
        );
    }

    #[test]
    fn major_projects() {
        let wan = |s: &str| Investment::parse_wan(s).unwrap();
        assert!(is_major(wan("50000"), false));
        assert!(!is_major(wan("49999.9999"), false));
        assert!(is_major(wan("100"), true));
        assert!(is_major(wan("80000"), true));
    }

    #[test]
    fn standings_stages_statuses() {
        for s in PolicyStanding::ALL {
            assert_eq!(PolicyStanding::from_code(s.code()), Some(s));
            assert!(!s.label_en().is_empty());
        }
        let served: Vec<_> = PolicyStanding::ALL
            .into_iter()
            .filter(|s| s.is_served())
            .collect();
        assert_eq!(
            served,
            [PolicyStanding::Encouraged, PolicyStanding::Permitted]
        );
        assert_eq!(PolicyStanding::Eliminated.label_zh(), "淘汰类");

        for (i, s) in ProjectStage::ALL.into_iter().enumerate() {
            assert_eq!(s.index(), i);
            assert_eq!(ProjectStage::from_code(s.code()), Some(s));
            assert_eq!(s.next(), ProjectStage::ALL.get(i + 1).copied());
            assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
        }
        assert_eq!(
            ProjectStage::Registration.next(),
            Some(ProjectStage::Approval)
        );
        assert_eq!(ProjectStage::PostProduction.next(), None);
        assert!(ProjectStage::Approval < ProjectStage::LandPlanning);
        assert_eq!(
            serde_json::to_string(&ProjectStage::ConstructionPermit).unwrap(),
            "\"construction_permit\""
        );

        let open: Vec<_> = ProjectStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            [
                ProjectStatus::Requested,
                ProjectStatus::Active,
                ProjectStatus::Paused
            ]
        );
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::from_code(s.code()), Some(s));
            assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
        }
        assert_eq!(ProjectStatus::Declined.label_zh(), "不予代办");
    }
}
