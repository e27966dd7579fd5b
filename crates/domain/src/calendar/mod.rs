//! The working-day calendar (工作日) on the national arrangement: weekends are off except the
//! make-up working days (调休上班), and the days the State Council gives off are off.
//!
//! The calendar is data. The years already announced ship embedded ([`Calendar::official`]); an
//! administrator imports each new year's notice ([`Calendar::with_year`]). A date in a year with
//! no arrangement is never guessed: the exact queries answer [`CalendarError::UnknownYear`]
//! naming the year, and the `*_provisional` queries count Monday to Friday as working days there
//! and say so, so that a deadline reaching into an unpublished year is marked provisional and
//! recomputed when the year is imported.
//!
//! Counting convention (shared/reference/domain.md §4.4): the day after the start is day 1, so
//! [`Calendar::add`]`(d, n)` is the n-th working day after `d`, and [`Calendar::between`]`(a, b)`
//! counts the working days in `(a, b]`.
//!
//! Every query is O(1): the calendar precomputes, over the days from 1 January of its first year
//! to 31 December of its last, the number of working days before each day and the list of
//! working days, so that adding is a lookup of a rank and a lookup of the day with that rank.
//! Outside that table (and in years missing inside it) Monday to Friday are counted by formula.

mod arrangement;
mod official;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use thiserror::Error;

pub use arrangement::{
    Amendment, ArrangementError, DayEntry, FIRST_SUPPORTED_YEAR, HolidayName, LAST_SUPPORTED_YEAR,
    Notice, UnknownHolidayName, YearArrangement,
};

use arrangement::is_weekend;

/// What can go wrong with a calendar query or an import.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// The date is in a year whose arrangement the calendar does not have.
    #[error("no published holiday arrangement for year {year}")]
    UnknownYear {
        /// The missing year.
        year: i32,
    },
    /// An arrangement broke one or more rules of [`YearArrangement::validate`].
    #[error("the arrangement for {year} is invalid: {}", join(.errors))]
    InvalidArrangement {
        /// The year of the arrangement.
        year: i32,
        /// Every broken rule.
        errors: Vec<ArrangementError>,
    },
    /// Two arrangements for the same year were given to [`Calendar::from_years`].
    #[error("the arrangement for {year} is given twice")]
    DuplicateYear {
        /// The year.
        year: i32,
    },
    /// An arrangement's JSON could not be read.
    #[error("cannot read the holiday arrangement: {message}")]
    Parse {
        /// What the parser said.
        message: String,
    },
    /// The arithmetic left the dates chrono can represent (hundreds of thousands of years away).
    #[error("the date falls outside the range of representable dates")]
    OutOfRange,
    /// An export was asked for with the first year after the last.
    #[error("the year range {from} to {to} is empty")]
    InvalidRange {
        /// The first year asked for.
        from: i32,
        /// The last year asked for.
        to: i32,
    },
}

fn join(errors: &[ArrangementError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl CalendarError {
    /// The year the error is about, so that callers can write their own localised message
    /// (“没有{year}年的节假日安排”).
    pub fn year(&self) -> Option<i32> {
        match self {
            Self::UnknownYear { year }
            | Self::InvalidArrangement { year, .. }
            | Self::DuplicateYear { year } => Some(*year),
            Self::Parse { .. } | Self::OutOfRange | Self::InvalidRange { .. } => None,
        }
    }
}

/// The kind of a day on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not named by the notice.
    Weekend,
    /// A day off the notice names, on a weekday or inside a holiday span.
    Holiday,
    /// A Saturday or Sunday the notice makes a working day (调休上班).
    MakeupWorkday,
}

impl DayKind {
    /// The code used in exports and APIs: `workday`, `weekend`, `holiday`, `makeup_workday`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Workday => "workday",
            Self::Weekend => "weekend",
            Self::Holiday => "holiday",
            Self::MakeupWorkday => "makeup_workday",
        }
    }

    /// Whether the day counts as a working day.
    pub const fn is_working(self) -> bool {
        matches!(self, Self::Workday | Self::MakeupWorkday)
    }
}

/// What the calendar says about one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    /// The date.
    pub date: NaiveDate,
    /// Its kind.
    pub kind: DayKind,
    /// The holiday, for a holiday or a make-up working day.
    pub name: Option<HolidayName>,
}

/// A date computed by walking working days, possibly through a year with no arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The date.
    pub date: NaiveDate,
    /// `true` when the walk crossed a year with no arrangement, where Monday to Friday were
    /// counted as working days: the date must be recomputed when that year is imported.
    pub provisional: bool,
}

/// A count of working days, possibly through a year with no arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkdayCount {
    /// The signed count, as [`Calendar::between`] defines it.
    pub days: i64,
    /// `true` when the range touched a year with no arrangement.
    pub provisional: bool,
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    kind: DayKind,
    name: Option<HolidayName>,
}

/// The working-day calendar built from a set of year arrangements. Cheap to query, immutable;
/// an import builds a new one.
#[derive(Debug, Clone)]
pub struct Calendar {
    arrangements: BTreeMap<i32, YearArrangement>,
    /// The table covers 1 January `first_year` to 31 December `last_year`; empty when
    /// `first_year > last_year`.
    first_year: i32,
    last_year: i32,
    /// Day number (days from the common era, 1 = Monday 1 January 1) of the table's first day.
    start: i64,
    /// Weekday ranks of `start` and of the day after the table, and the working days in it.
    w_start: i64,
    w_end: i64,
    p_end: i64,
    /// `prefix[i]` = working days in the table before day `start + i`; one more entry than days.
    prefix: Vec<u32>,
    /// The table's working days in order: `workdays[k]` is the one with `k` working days before.
    workdays: Vec<NaiveDate>,
    cells: Vec<Cell>,
    /// For each year of the table, the first year at or after it without an arrangement
    /// (`last_year + 1` when there is none), so that a range of years is checked in O(1).
    next_unknown: Vec<i32>,
}

impl Default for Calendar {
    /// A calendar without any arrangement: every exact query answers
    /// [`CalendarError::UnknownYear`] and the provisional ones count Monday to Friday.
    fn default() -> Self {
        Self {
            arrangements: BTreeMap::new(),
            first_year: 1,
            last_year: 0,
            start: 0,
            w_start: weekday_rank(0),
            w_end: weekday_rank(0),
            p_end: 0,
            prefix: vec![0],
            workdays: Vec::new(),
            cells: Vec::new(),
            next_unknown: Vec::new(),
        }
    }
}

fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

/// Monday-to-Friday days in `[1, x)`: day number 1 (1 January of year 1) is a Monday.
fn weekday_rank(x: i64) -> i64 {
    let t = x - 1;
    t.div_euclid(7) * 5 + t.rem_euclid(7).min(5)
}

/// The Monday-to-Friday day with `m` such days before it: the inverse of [`weekday_rank`].
fn weekday_with_rank(m: i64) -> Result<NaiveDate, CalendarError> {
    let x = 1 + 7 * m.div_euclid(5) + m.rem_euclid(5);
    i32::try_from(x)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or(CalendarError::OutOfRange)
}

impl Calendar {
    /// The calendar of the arrangements that ship with the product: 2004 to 2026, from the
    /// State Council's notices and their later amendments (`data/calendar/`).
    ///
    /// # Errors
    ///
    /// Only if the embedded data were corrupt, which the tests rule out:
    /// [`CalendarError::Parse`] or [`CalendarError::InvalidArrangement`].
    pub fn official() -> Result<Self, CalendarError> {
        let mut years = Vec::with_capacity(official::OFFICIAL_YEARS.len());
        for (year, text) in official::OFFICIAL_YEARS {
            let a: YearArrangement =
                serde_json::from_str(text).map_err(|e| CalendarError::Parse {
                    message: format!("{year}.json: {e}"),
                })?;
            if a.year != year {
                return Err(CalendarError::Parse {
                    message: format!("{year}.json holds the arrangement for {}", a.year),
                });
            }
            years.push(a);
        }
        Self::from_years(years)
    }

    /// A calendar of the given arrangements, each validated. Years may be missing in between;
    /// queries into them answer [`CalendarError::UnknownYear`].
    ///
    /// Where two arrangements name the same date (the next year's notice fixing the last days of
    /// December), the later year's arrangement decides.
    ///
    /// # Errors
    ///
    /// [`CalendarError::InvalidArrangement`] for the first arrangement that breaks a rule, and
    /// [`CalendarError::DuplicateYear`] when a year is given twice.
    pub fn from_years(years: Vec<YearArrangement>) -> Result<Self, CalendarError> {
        let mut map = BTreeMap::new();
        for a in years {
            a.validate()
                .map_err(|errors| CalendarError::InvalidArrangement {
                    year: a.year,
                    errors,
                })?;
            let year = a.year;
            if map.insert(year, a).is_some() {
                return Err(CalendarError::DuplicateYear { year });
            }
        }
        Self::build(map)
    }

    /// A new calendar with `arrangement` added, or replacing the arrangement of its year: the
    /// import of a new notice or of a corrected one.
    ///
    /// # Errors
    ///
    /// [`CalendarError::InvalidArrangement`] when the arrangement breaks a rule.
    pub fn with_year(&self, arrangement: YearArrangement) -> Result<Self, CalendarError> {
        arrangement
            .validate()
            .map_err(|errors| CalendarError::InvalidArrangement {
                year: arrangement.year,
                errors,
            })?;
        let mut map = self.arrangements.clone();
        map.insert(arrangement.year, arrangement);
        Self::build(map)
    }

    fn build(arrangements: BTreeMap<i32, YearArrangement>) -> Result<Self, CalendarError> {
        let (Some(&first_year), Some(&last_year)) =
            (arrangements.keys().next(), arrangements.keys().next_back())
        else {
            return Ok(Self::default());
        };
        let first_day =
            NaiveDate::from_ymd_opt(first_year, 1, 1).ok_or(CalendarError::OutOfRange)?;
        let after_last =
            NaiveDate::from_ymd_opt(last_year + 1, 1, 1).ok_or(CalendarError::OutOfRange)?;
        let start = day_number(first_day);
        let end = day_number(after_last);
        let len = usize::try_from(end - start).map_err(|_| CalendarError::OutOfRange)?;

        // Missing years inside the table keep Monday to Friday as working days, the same rule
        // the provisional queries apply outside it; the exact queries refuse them anyway.
        let mut cells: Vec<Cell> = first_day
            .iter_days()
            .take(len)
            .map(|d| Cell {
                kind: if is_weekend(d) {
                    DayKind::Weekend
                } else {
                    DayKind::Workday
                },
                name: None,
            })
            .collect();
        // Ascending years: a later notice that names a date of the December before wins.
        for a in arrangements.values() {
            for e in &a.days {
                let Some(name) = HolidayName::parse(&e.name) else {
                    continue;
                };
                let Ok(i) = usize::try_from(day_number(e.date) - start) else {
                    continue;
                };
                if let Some(cell) = cells.get_mut(i) {
                    *cell = Cell {
                        kind: if e.off {
                            DayKind::Holiday
                        } else {
                            DayKind::MakeupWorkday
                        },
                        name: Some(name),
                    };
                }
            }
        }

        let mut prefix = Vec::with_capacity(len + 1);
        let mut workdays = Vec::with_capacity(len);
        let mut count: u32 = 0;
        for (d, cell) in first_day.iter_days().zip(&cells) {
            prefix.push(count);
            if cell.kind.is_working() {
                workdays.push(d);
                count += 1;
            }
        }
        prefix.push(count);

        let span =
            usize::try_from(last_year - first_year + 1).map_err(|_| CalendarError::OutOfRange)?;
        let mut next_unknown = vec![last_year + 1; span];
        let mut next = last_year + 1;
        for (slot, year) in next_unknown
            .iter_mut()
            .rev()
            .zip((first_year..=last_year).rev())
        {
            if !arrangements.contains_key(&year) {
                next = year;
            }
            *slot = next;
        }

        Ok(Self {
            arrangements,
            first_year,
            last_year,
            start,
            w_start: weekday_rank(start),
            w_end: weekday_rank(end),
            p_end: i64::from(count),
            prefix,
            workdays,
            cells,
            next_unknown,
        })
    }

    /// The years the calendar has an arrangement for, in order.
    pub fn years(&self) -> Vec<i32> {
        self.arrangements.keys().copied().collect()
    }

    /// The arrangement of `year`, if the calendar has it.
    pub fn arrangement(&self, year: i32) -> Option<&YearArrangement> {
        self.arrangements.get(&year)
    }

    /// Whether the calendar has the arrangement of `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.first_unknown_in(year, year).is_none()
    }

    /// The first year from `from`'s to `to`'s (in either order) that has no arrangement.
    pub fn first_unknown_year(&self, from: NaiveDate, to: NaiveDate) -> Option<i32> {
        let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
        self.first_unknown_in(lo.year(), hi.year())
    }

    /// The first year in `y1..=y2` (with `y1 <= y2`) without an arrangement.
    fn first_unknown_in(&self, y1: i32, y2: i32) -> Option<i32> {
        if y1 < self.first_year || y1 > self.last_year {
            return Some(y1);
        }
        let next = usize::try_from(y1 - self.first_year)
            .ok()
            .and_then(|i| self.next_unknown.get(i).copied())
            .unwrap_or(y1);
        (next <= y2).then_some(next)
    }

    /// The number of working days before `d`, counted from the table's first day (negative
    /// before it). For a working day this is its rank: working days `a <= b` have
    /// `rank(b) - rank(a)` working days in `[a, b)`. Missing years count Monday to Friday.
    pub(crate) fn rank(&self, d: NaiveDate) -> i64 {
        self.rank_of(day_number(d))
    }

    fn rank_of(&self, x: i64) -> i64 {
        if x < self.start {
            return weekday_rank(x) - self.w_start;
        }
        match usize::try_from(x - self.start)
            .ok()
            .and_then(|i| self.prefix.get(i))
        {
            Some(&p) => i64::from(p),
            None => self.p_end + weekday_rank(x) - self.w_end,
        }
    }

    /// The working day of rank `k`: the inverse of [`Calendar::rank`] on working days.
    pub(crate) fn select(&self, k: i64) -> Result<NaiveDate, CalendarError> {
        if k < 0 {
            return weekday_with_rank(k + self.w_start);
        }
        match usize::try_from(k).ok().and_then(|i| self.workdays.get(i)) {
            Some(&d) => Ok(d),
            None => weekday_with_rank(k - self.p_end + self.w_end),
        }
    }

    /// `add` without the year checks: Monday to Friday count where there is no arrangement.
    fn add_raw(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let x = day_number(d);
        let k = if n == 0 {
            self.rank_of(x)
        } else {
            self.rank_of(x + 1) + i64::from(n) - 1
        };
        self.select(k)
    }

    fn between_raw(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        self.rank_of(day_number(b) + 1) - self.rank_of(day_number(a) + 1)
    }

    /// What the calendar says about `d`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::UnknownYear`] when `d`'s year has no arrangement.
    pub fn day(&self, d: NaiveDate) -> Result<DayInfo, CalendarError> {
        if let Some(year) = self.first_unknown_in(d.year(), d.year()) {
            return Err(CalendarError::UnknownYear { year });
        }
        let cell = usize::try_from(day_number(d) - self.start)
            .ok()
            .and_then(|i| self.cells.get(i))
            .ok_or(CalendarError::UnknownYear { year: d.year() })?;
        Ok(DayInfo {
            date: d,
            kind: cell.kind,
            name: cell.name,
        })
    }

    /// Whether `d` is a working day.
    ///
    /// # Errors
    ///
    /// [`CalendarError::UnknownYear`] when `d`'s year has no arrangement.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.day(d).map(|i| i.kind.is_working())
    }

    /// The date `n` working days after `d`: the day after `d` is day 1, so `add(d, 1)` is the
    /// first working day after `d`. `add(d, 0)` is `d` itself if it is a working day, else the
    /// next working day (which is also `add(d, 1)` then).
    ///
    /// # Errors
    ///
    /// [`CalendarError::UnknownYear`] naming the first year without an arrangement that `d` is
    /// in or the walk reaches; [`CalendarError::OutOfRange`] never within supported years.
    pub fn add(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let r = self.add_raw(d, n);
        // `add_raw` is only provisional where a year is missing, and the check below refuses
        // exactly those results, so computing first costs nothing in the common case.
        let checked_to = r.as_ref().map_or(d.year(), Datelike::year);
        if let Some(year) = self.first_unknown_in(d.year(), checked_to.max(d.year())) {
            return Err(CalendarError::UnknownYear { year });
        }
        r
    }

    /// The number of working days in `(a, b]` when `a < b`; `0` when `a == b`; and
    /// `-between(b, a)` when `b < a`, so that `between(a, c) == between(a, b) + between(b, c)`
    /// for any three dates.
    ///
    /// # Errors
    ///
    /// [`CalendarError::UnknownYear`] naming the first year from `a`'s to `b`'s without an
    /// arrangement (both ends included, even where the range does not count the day itself).
    pub fn between(&self, a: NaiveDate, b: NaiveDate) -> Result<i64, CalendarError> {
        if let Some(year) = self.first_unknown_year(a, b) {
            return Err(CalendarError::UnknownYear { year });
        }
        Ok(self.between_raw(a, b))
    }

    /// [`Calendar::add`] that walks on through years without an arrangement, counting Monday to
    /// Friday as working days there (never guessing a holiday), and says whether it did.
    ///
    /// # Errors
    ///
    /// [`CalendarError::OutOfRange`] only, when the result is beyond the dates chrono represents.
    pub fn add_provisional(&self, d: NaiveDate, n: u32) -> Result<Deadline, CalendarError> {
        let date = self.add_raw(d, n)?;
        Ok(Deadline {
            date,
            provisional: self.first_unknown_year(d, date).is_some(),
        })
    }

    /// [`Calendar::between`] through years without an arrangement, counting Monday to Friday
    /// there, and saying whether it did.
    pub fn between_provisional(&self, a: NaiveDate, b: NaiveDate) -> WorkdayCount {
        WorkdayCount {
            days: self.between_raw(a, b),
            provisional: self.first_unknown_year(a, b).is_some(),
        }
    }

    /// The number of working days in `year`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::UnknownYear`] when the year has no arrangement;
    /// [`CalendarError::OutOfRange`] for a year chrono cannot represent.
    pub fn working_days_in_year(&self, year: i32) -> Result<i64, CalendarError> {
        if let Some(year) = self.first_unknown_in(year, year) {
            return Err(CalendarError::UnknownYear { year });
        }
        let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::OutOfRange)?;
        let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or(CalendarError::OutOfRange)?;
        Ok(self.rank(next) - self.rank(first))
    }

    /// Every day of the years `from_year..=to_year` as CSV: a header line `date,kind,name`, then
    /// one line per day, `kind` one of `workday`, `weekend`, `holiday`, `makeup_workday`, and
    /// `name` the holiday for holidays and make-up working days, empty otherwise.
    ///
    /// # Errors
    ///
    /// [`CalendarError::InvalidRange`] when `from_year > to_year`;
    /// [`CalendarError::UnknownYear`] naming the first year of the range without an arrangement.
    pub fn export_csv(&self, from_year: i32, to_year: i32) -> Result<String, CalendarError> {
        if from_year > to_year {
            return Err(CalendarError::InvalidRange {
                from: from_year,
                to: to_year,
            });
        }
        if let Some(year) = self.first_unknown_in(from_year, to_year) {
            return Err(CalendarError::UnknownYear { year });
        }
        let first = NaiveDate::from_ymd_opt(from_year, 1, 1).ok_or(CalendarError::OutOfRange)?;
        let mut out = String::from("date,kind,name\n");
        for d in first.iter_days().take_while(|d| d.year() <= to_year) {
            let info = self.day(d)?;
            let name = info.name.map_or("", HolidayName::as_str);
            // Writing to a String cannot fail.
            let _ = writeln!(out, "{d},{},{name}", info.kind.code());
        }
        Ok(out)
    }
}
