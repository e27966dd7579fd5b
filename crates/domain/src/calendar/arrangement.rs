//! One year's holiday arrangement as the State Council publishes it, and the rules an imported
//! arrangement must pass before the calendar trusts it.
//!
//! The format is documented in `data/calendar/README.md`: one entry per date the notice names,
//! either a day off (`"off": true`) or a make-up working day (`"off": false`, 调休上班), each with
//! the holiday it belongs to.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The first year an arrangement may be for: the national calendar of the People's Republic.
pub const FIRST_SUPPORTED_YEAR: i32 = 1949;
/// The last year an arrangement may be for. The bound keeps the precomputed day table small even
/// when an administrator imports a mistyped year.
pub const LAST_SUPPORTED_YEAR: i32 = 2199;

/// The holidays a notice can name, in the spelling this product uses.
///
/// Notices write a combined Mid-Autumn and National Day break either as “中秋节、国庆节” or as
/// “国庆节、中秋节”; both are stored as [`HolidayName::NationalDayMidAutumn`] so that one break has
/// one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HolidayName {
    /// 元旦, New Year's Day.
    NewYear,
    /// 春节, the Spring Festival.
    SpringFestival,
    /// 清明节, Tomb-sweeping Day.
    Qingming,
    /// 劳动节, Labour Day (“五一” in the notices before 2008).
    LabourDay,
    /// 端午节, the Dragon Boat Festival.
    DragonBoat,
    /// 中秋节, the Mid-Autumn Festival.
    MidAutumn,
    /// 国庆节, National Day (“十一” in the notices before 2008).
    NationalDay,
    /// 国庆节、中秋节, the two when the notice joins them into one break.
    NationalDayMidAutumn,
    /// 抗战胜利纪念日, the one-off holiday of 3 September 2015 (国发明电〔2015〕1号).
    VictoryDay,
}

impl HolidayName {
    /// Every name, in the order of the year.
    pub const ALL: [Self; 9] = [
        Self::NewYear,
        Self::SpringFestival,
        Self::Qingming,
        Self::LabourDay,
        Self::DragonBoat,
        Self::MidAutumn,
        Self::NationalDay,
        Self::NationalDayMidAutumn,
        Self::VictoryDay,
    ];

    /// The Chinese name as written in the data files and shown to users.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NewYear => "元旦",
            Self::SpringFestival => "春节",
            Self::Qingming => "清明节",
            Self::LabourDay => "劳动节",
            Self::DragonBoat => "端午节",
            Self::MidAutumn => "中秋节",
            Self::NationalDay => "国庆节",
            Self::NationalDayMidAutumn => "国庆节、中秋节",
            Self::VictoryDay => "抗战胜利纪念日",
        }
    }

    /// A stable ASCII code, for APIs and translation keys.
    pub const fn code(self) -> &'static str {
        match self {
            Self::NewYear => "new_year",
            Self::SpringFestival => "spring_festival",
            Self::Qingming => "qingming",
            Self::LabourDay => "labour_day",
            Self::DragonBoat => "dragon_boat",
            Self::MidAutumn => "mid_autumn",
            Self::NationalDay => "national_day",
            Self::NationalDayMidAutumn => "national_day_mid_autumn",
            Self::VictoryDay => "victory_day",
        }
    }

    /// Reads a Chinese name; also accepts the notices' “中秋节、国庆节” order for the combined
    /// break. `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "中秋节、国庆节" {
            return Some(Self::NationalDayMidAutumn);
        }
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

impl fmt::Display for HolidayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`HolidayName`] that is not one of the known names.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown holiday name {0:?}")]
pub struct UnknownHolidayName(pub String);

impl FromStr for HolidayName {
    type Err = UnknownHolidayName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownHolidayName(s.to_owned()))
    }
}

impl Serialize for HolidayName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HolidayName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The notice that set a year's arrangement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// The document number (文号), e.g. `国办发明电〔2025〕7号`; empty when it was not verified.
    pub number: String,
    /// The title, e.g. `国务院办公厅关于2026年部分节假日安排的通知`.
    pub title: String,
    /// The date the notice bears; `None` when it was not verified.
    pub published: Option<NaiveDate>,
}

/// A later notice that changed the arrangement (the 2015 Victory Day, the 2019 Labour Day, the
/// 2020 Spring Festival extension). The `days` of the year file already hold the changed dates;
/// the amendment records where the change came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// The document number; empty when it was not verified.
    pub number: String,
    /// The title.
    pub title: String,
    /// The date the amendment bears; `None` when it was not verified.
    pub published: Option<NaiveDate>,
    /// What it changed, in one or two sentences.
    pub summary: String,
}

/// One date the notice names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayEntry {
    /// The date.
    pub date: NaiveDate,
    /// `true` for a day off, `false` for a make-up working day (调休上班).
    pub off: bool,
    /// The holiday the day belongs to, as [`HolidayName::as_str`] spells it. Kept as text so
    /// that an unknown name is reported with its date by [`YearArrangement::validate`].
    pub name: String,
}

/// A year's arrangement: the notice, its amendments, and every date they name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearArrangement {
    /// The year the arrangement is for.
    pub year: i32,
    /// The notice that set it.
    pub notice: Notice,
    /// Later changes, oldest first.
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    /// Every named date, off days and make-up working days.
    pub days: Vec<DayEntry>,
}

/// One broken rule of an arrangement, with the date it concerns where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArrangementError {
    /// The year is outside [`FIRST_SUPPORTED_YEAR`]..=[`LAST_SUPPORTED_YEAR`].
    #[error(
        "year {year} is outside the supported years {FIRST_SUPPORTED_YEAR} to {LAST_SUPPORTED_YEAR}"
    )]
    YearOutOfRange {
        /// The year given.
        year: i32,
    },
    /// The notice has no title: an arrangement must say which notice it comes from.
    #[error("the arrangement for {year} names no notice (the notice title is empty)")]
    MissingNotice {
        /// The year of the arrangement.
        year: i32,
    },
    /// An amendment has no title.
    #[error("amendment {index} of the arrangement for {year} has no title")]
    AmendmentWithoutTitle {
        /// The year of the arrangement.
        year: i32,
        /// Its position in `amendments`, from 0.
        index: usize,
    },
    /// The arrangement names no date at all.
    #[error("the arrangement for {year} names no dates")]
    NoDays {
        /// The year of the arrangement.
        year: i32,
    },
    /// A date outside the year. Only 元旦 entries may fall in the December before, as the notices
    /// for 2006, 2007, 2008, 2012, 2019 and 2023 did.
    #[error("{date}: outside {year} (only 元旦 entries may fall in the December before)")]
    OutsideYear {
        /// The date.
        date: NaiveDate,
        /// The year of the arrangement.
        year: i32,
    },
    /// The same date twice.
    #[error("{date}: listed more than once")]
    Duplicate {
        /// The date.
        date: NaiveDate,
    },
    /// A name that is not one of [`HolidayName::ALL`].
    #[error("{date}: unknown holiday name {name:?}")]
    UnknownName {
        /// The date.
        date: NaiveDate,
        /// The name given.
        name: String,
    },
    /// A make-up working day on a weekday: only a Saturday or Sunday can be made a working day.
    #[error("{date}: a make-up working day must be a Saturday or Sunday, not a {weekday}")]
    WorkdayNotWeekend {
        /// The date.
        date: NaiveDate,
        /// Its weekday.
        weekday: Weekday,
    },
    /// A day off on a weekend that is not part of a holiday span: the usual slip of reading a
    /// make-up Saturday (补班) as a holiday.
    #[error(
        "{date}: a day off on a {weekday} must be inside a run of days off that includes a weekday"
    )]
    WeekendOffOutsideSpan {
        /// The date.
        date: NaiveDate,
        /// Its weekday.
        weekday: Weekday,
    },
}

impl ArrangementError {
    /// The date the error concerns, if it concerns one date.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Self::OutsideYear { date, .. }
            | Self::Duplicate { date }
            | Self::UnknownName { date, .. }
            | Self::WorkdayNotWeekend { date, .. }
            | Self::WeekendOffOutsideSpan { date, .. } => Some(*date),
            Self::YearOutOfRange { .. }
            | Self::MissingNotice { .. }
            | Self::AmendmentWithoutTitle { .. }
            | Self::NoDays { .. } => None,
        }
    }
}

pub(crate) fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl YearArrangement {
    /// Checks every rule and reports every broken one, so that an administrator fixes an import
    /// in one pass:
    ///
    /// - the year is supported and the notice has a title; amendments have titles;
    /// - every date is inside the year, except 元旦 entries, which may fall in the December before;
    /// - no date is listed twice, and every name is known;
    /// - a make-up working day is a Saturday or Sunday;
    /// - a day off on a weekend lies in a run of consecutive days off that contains a weekday (a
    ///   holiday span), unless it is the only day off of its holiday in the year (a festival that
    ///   fell on a weekend with nothing moved, as 中秋节 on Sunday 27 September 2015).
    ///
    /// # Errors
    ///
    /// Every broken rule, in date order after the arrangement-wide ones.
    pub fn validate(&self) -> Result<(), Vec<ArrangementError>> {
        let mut errors = Vec::new();
        let year = self.year;
        if !(FIRST_SUPPORTED_YEAR..=LAST_SUPPORTED_YEAR).contains(&year) {
            errors.push(ArrangementError::YearOutOfRange { year });
        }
        if self.notice.title.trim().is_empty() {
            errors.push(ArrangementError::MissingNotice { year });
        }
        for (index, a) in self.amendments.iter().enumerate() {
            if a.title.trim().is_empty() {
                errors.push(ArrangementError::AmendmentWithoutTitle { year, index });
            }
        }
        if self.days.is_empty() {
            errors.push(ArrangementError::NoDays { year });
        }

        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let mut dated: Vec<ArrangementError> = Vec::new();
        for entry in &self.days {
            *seen.entry(entry.date).or_insert(0) += 1;
            let name = HolidayName::parse(&entry.name);
            if name.is_none() {
                dated.push(ArrangementError::UnknownName {
                    date: entry.date,
                    name: entry.name.clone(),
                });
            }
            let in_year = entry.date.year() == year;
            let december_before = entry.date.year() == year - 1
                && entry.date.month() == 12
                && name == Some(HolidayName::NewYear);
            if !in_year && !december_before {
                dated.push(ArrangementError::OutsideYear {
                    date: entry.date,
                    year,
                });
            }
            if !entry.off && !is_weekend(entry.date) {
                dated.push(ArrangementError::WorkdayNotWeekend {
                    date: entry.date,
                    weekday: entry.date.weekday(),
                });
            }
        }
        for (&date, &count) in &seen {
            if count > 1 {
                dated.push(ArrangementError::Duplicate { date });
            }
        }
        dated.extend(self.weekend_offs_outside_spans());
        dated.sort_by_key(ArrangementError::date);
        errors.extend(dated);

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The weekend days off that are not in a run of days off containing a weekday, less the
    /// festivals that are their holiday's only day off.
    fn weekend_offs_outside_spans(&self) -> Vec<ArrangementError> {
        let mut offs: Vec<NaiveDate> = self.days.iter().filter(|e| e.off).map(|e| e.date).collect();
        offs.sort_unstable();
        offs.dedup();
        let mut per_name: BTreeMap<&str, usize> = BTreeMap::new();
        for e in self.days.iter().filter(|e| e.off) {
            *per_name.entry(e.name.as_str()).or_insert(0) += 1;
        }
        let alone = |date: NaiveDate| {
            self.days
                .iter()
                .find(|e| e.off && e.date == date)
                .is_some_and(|e| per_name.get(e.name.as_str()) == Some(&1))
        };

        let mut errors = Vec::new();
        let mut i = 0;
        while i < offs.len() {
            // A run is a maximal sequence of consecutive dates.
            let mut j = i + 1;
            while j < offs.len() && offs[j].pred_opt() == Some(offs[j - 1]) {
                j += 1;
            }
            let run = &offs[i..j];
            if !run.iter().any(|d| !is_weekend(*d)) {
                for &date in run {
                    if !alone(date) {
                        errors.push(ArrangementError::WeekendOffOutsideSpan {
                            date,
                            weekday: date.weekday(),
                        });
                    }
                }
            }
            i = j;
        }
        errors
    }

    /// The earliest date the arrangement names. Importing the arrangement can change answers
    /// from this date on, which may be in the December before its year; deadlines whose walk
    /// reaches this date must be recomputed.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.days.iter().map(|e| e.date).min()
    }

    /// A SHA-256 fingerprint (hex) of the arrangement's content, stable across JSON formatting, so
    /// that an import can be recorded as “which version” and a re-import of the same data is seen
    /// to change nothing.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |s: &str| {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        };
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        field(&self.year.to_string());
        field(&self.notice.number);
        field(&self.notice.title);
        field(&date(self.notice.published));
        for a in &self.amendments {
            field(&a.number);
            field(&a.title);
            field(&date(a.published));
            field(&a.summary);
        }
        let mut days: Vec<&DayEntry> = self.days.iter().collect();
        days.sort_by_key(|e| e.date);
        for e in days {
            field(&e.date.to_string());
            field(if e.off { "off" } else { "work" });
            field(&e.name);
        }
        hex::encode(h.finalize())
    }
}
