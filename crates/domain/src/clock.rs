//! The working-day clock of a case item (办件): when it is due, how much of its limit is used and
//! left, and whether it warns. Pure: the calendar and the current time come in as arguments.
//!
//! The rules (shared/DESIGN.md, “The working-day clock”):
//!
//! - All times are read in China time, UTC+8 (no daylight saving). A timestamp after the close of
//!   office hours (default 17:30), or on a day off, belongs to the next working day.
//! - The day of acceptance is day 0; a limit of N working days is due at the close of the N-th
//!   working day after it. Immediate items (即办件) are due at the close of day 0.
//! - Today counts as used: on day 0 nothing is used and N working days remain; on the due day
//!   0 remain; after it the count goes negative.
//! - A suspension (挂起) from day `s` to day `e` suspends the working days `s <= d < e`: the day it
//!   starts is not used, the day it ends the clock runs again. Under *resume* semantics those
//!   days extend the due date; under *restart* semantics the limit counts again in full with the
//!   day the pause ends as a new day 0. By default only a correction (补正) restarts; a
//!   [`SuspensionPolicy`] overrides that per item.
//! - A suspension that begins after the deadline has passed does not move it: lateness already
//!   incurred is not undone by pausing.
//! - While a suspension is open the remaining days are frozen at their value when it began and
//!   the warning does not escalate; the due date shown is the one that holds if the pause ended
//!   now.
//! - Extensions (延期) add working days to the limit.
//! - Where the walk reaches a year with no published arrangement, Monday to Friday count as
//!   working days there and the result is marked provisional.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, CalendarError};

/// China Standard Time, UTC+8. China has no daylight saving, so a fixed offset is exact.
pub const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The default close of office hours, 17:30 China time.
pub const DEFAULT_OFFICE_CLOSE: NaiveTime = match NaiveTime::from_hms_opt(17, 30, 0) {
    Some(t) => t,
    None => panic!("17:30 is a valid time"),
};

/// The default warning threshold: yellow when one working day or less is left.
pub const DEFAULT_WARNING_THRESHOLD_DAYS: u32 = 1;

/// The type of an approval item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// 即办件: concluded the same working day.
    Immediate,
    /// 承诺件: concluded within its committed number of working days.
    Committed,
    /// 上报件: reported up to a higher level within its limit, then tracked.
    Upward,
    /// 联办件: handled jointly by several departments under a lead window; concluded within its
    /// committed number of working days, like a committed item.
    Joint,
}

impl ItemType {
    /// Every type.
    pub const ALL: [Self; 4] = [Self::Immediate, Self::Committed, Self::Upward, Self::Joint];

    /// The stable code: `immediate`, `committed`, `upward`, `joint`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Committed => "committed",
            Self::Upward => "upward",
            Self::Joint => "joint",
        }
    }

    /// The type with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Immediate => "即办件",
            Self::Committed => "承诺件",
            Self::Upward => "上报件",
            Self::Joint => "联办件",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Immediate => "Immediate item",
            Self::Committed => "Committed item",
            Self::Upward => "Upward item",
            Self::Joint => "Joint item",
        }
    }
}

/// What a suspension does to the clock when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Semantics {
    /// The days used before the pause still count; the paused working days extend the due date.
    Resume,
    /// The limit counts again in full, the day the pause ends being a new day 0.
    Restart,
}

/// Why an item's clock is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionReason {
    /// 补正: the applicant corrects or completes the materials.
    Correction,
    /// 专家评审: expert review.
    ExpertReview,
    /// 公示: public notice.
    PublicNotice,
    /// 听证: hearing.
    Hearing,
    /// 检验检测: testing and inspection.
    Testing,
    /// 现场踏勘: site survey.
    SiteSurvey,
    /// 上级审批: approval by a higher level.
    HigherApproval,
    /// 其他: any other statutory pause.
    Other,
}

impl SuspensionReason {
    /// Every reason.
    pub const ALL: [Self; 8] = [
        Self::Correction,
        Self::ExpertReview,
        Self::PublicNotice,
        Self::Hearing,
        Self::Testing,
        Self::SiteSurvey,
        Self::HigherApproval,
        Self::Other,
    ];

    /// The stable code, e.g. `expert_review`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Correction => "correction",
            Self::ExpertReview => "expert_review",
            Self::PublicNotice => "public_notice",
            Self::Hearing => "hearing",
            Self::Testing => "testing",
            Self::SiteSurvey => "site_survey",
            Self::HigherApproval => "higher_approval",
            Self::Other => "other",
        }
    }

    /// The reason with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Correction => "补正",
            Self::ExpertReview => "专家评审",
            Self::PublicNotice => "公示",
            Self::Hearing => "听证",
            Self::Testing => "检验检测",
            Self::SiteSurvey => "现场踏勘",
            Self::HigherApproval => "上级审批",
            Self::Other => "其他",
        }
    }

    /// The default semantics: a correction restarts the limit (the review starts over on the
    /// corrected materials, as some review centres do); every other pause resumes it. An item's
    /// [`SuspensionPolicy`] may differ.
    pub const fn semantics(self) -> Semantics {
        match self {
            Self::Correction => Semantics::Restart,
            _ => Semantics::Resume,
        }
    }
}

/// Which suspension reasons restart an item's limit; every other reason resumes it. Set per item
/// type in the catalog, since practice differs between review centres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspensionPolicy {
    /// The reasons that restart the limit.
    pub restart_on: Vec<SuspensionReason>,
}

impl Default for SuspensionPolicy {
    /// [`SuspensionReason::semantics`]: only a correction restarts.
    fn default() -> Self {
        Self {
            restart_on: SuspensionReason::ALL
                .into_iter()
                .filter(|r| r.semantics() == Semantics::Restart)
                .collect(),
        }
    }
}

impl SuspensionPolicy {
    /// A policy under which every pause resumes.
    pub fn resume_always() -> Self {
        Self {
            restart_on: Vec::new(),
        }
    }

    /// The semantics of `reason` under this policy.
    pub fn semantics(&self, reason: SuspensionReason) -> Semantics {
        if self.restart_on.contains(&reason) {
            Semantics::Restart
        } else {
            Semantics::Resume
        }
    }
}

/// A pause of the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// Why.
    pub reason: SuspensionReason,
    /// When it began.
    pub start: DateTime<FixedOffset>,
    /// When it ended; `None` while it lasts.
    pub end: Option<DateTime<FixedOffset>>,
}

/// An approved extension of the limit (延期).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The working days added.
    pub days: u32,
    /// Who approved it.
    pub approver: String,
    /// Why.
    pub reason: String,
}

/// Everything the clock of one item depends on, besides the calendar and the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockInput {
    /// The item type; immediate items ignore `limit_days`.
    pub item_type: ItemType,
    /// The limit in working days.
    pub limit_days: u32,
    /// When the department accepted the item.
    pub accepted_at: DateTime<FixedOffset>,
    /// The pauses, in any order; they must not overlap, and only the last may be open.
    pub suspensions: Vec<Suspension>,
    /// The approved extensions.
    pub extensions: Vec<Extension>,
    /// Yellow when at most this many working days are left.
    pub warning_threshold_days: u32,
    /// The close of office hours, China time.
    pub office_close: NaiveTime,
    /// Which pauses restart the limit.
    pub policy: SuspensionPolicy,
}

impl ClockInput {
    /// An item with no pauses or extensions and the default threshold, close and policy.
    pub fn new(item_type: ItemType, limit_days: u32, accepted_at: DateTime<FixedOffset>) -> Self {
        Self {
            item_type,
            limit_days,
            accepted_at,
            suspensions: Vec::new(),
            extensions: Vec::new(),
            warning_threshold_days: DEFAULT_WARNING_THRESHOLD_DAYS,
            office_close: DEFAULT_OFFICE_CLOSE,
            policy: SuspensionPolicy::default(),
        }
    }
}

/// The warning level of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// More than the threshold left.
    None,
    /// At most the threshold left, not yet overdue.
    Yellow,
    /// Overdue: the time is past the due time.
    Red,
}

impl Warning {
    /// The stable code: `none`, `yellow`, `red`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }
}

/// The state of an item's clock at a given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockState {
    /// Due at the close of office hours of `due_date`, China time.
    pub due_at: DateTime<FixedOffset>,
    /// The due date.
    pub due_date: NaiveDate,
    /// Day 0 of the current count: the acceptance day, or the day the last restarting pause
    /// ended.
    pub day_zero: NaiveDate,
    /// `true` when a year involved has no published arrangement: recompute after its import.
    pub provisional: bool,
    /// Working days of the limit used (may exceed the limit once overdue).
    pub used_days: i64,
    /// Working days left; 0 on the due day, negative once past it.
    pub remaining_days: i64,
    /// Working days the pauses added to the due date since day 0.
    pub suspended_days: i64,
    /// Whether a pause is in effect now.
    pub suspended: bool,
    /// The warning level.
    pub warning: Warning,
}

/// Why a clock could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClockError {
    /// A pause begins before the item was accepted.
    #[error("suspension {index} begins before the item was accepted")]
    SuspensionBeforeAcceptance {
        /// Its position in `suspensions`, from 0.
        index: usize,
    },
    /// A pause ends before it begins.
    #[error("suspension {index} ends before it begins")]
    SuspensionEndsBeforeStart {
        /// Its position in `suspensions`, from 0.
        index: usize,
    },
    /// A pause begins before the previous one ended (or while it is still open).
    #[error("suspension {index} begins before the previous suspension ended")]
    SuspensionsOverlap {
        /// Its position in `suspensions`, from 0.
        index: usize,
    },
    /// The calendar arithmetic failed (only for dates hundreds of thousands of years away).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// The day a timestamp belongs to: its China-time date, or the next working day when it falls
/// after the close of office hours or on a day off.
fn effective_day(
    calendar: &Calendar,
    t: DateTime<FixedOffset>,
    close: NaiveTime,
) -> Result<NaiveDate, CalendarError> {
    let local = t.with_timezone(&CHINA);
    let n = u32::from(local.time() > close);
    Ok(calendar.add_provisional(local.date_naive(), n)?.date)
}

fn check_suspensions(input: &ClockInput) -> Result<Vec<&Suspension>, ClockError> {
    let mut order: Vec<usize> = (0..input.suspensions.len()).collect();
    order.sort_by_key(|&i| input.suspensions[i].start);
    let mut previous_end: Option<Option<DateTime<FixedOffset>>> = None;
    let mut sorted = Vec::with_capacity(order.len());
    for index in order {
        let s = &input.suspensions[index];
        if s.start < input.accepted_at {
            return Err(ClockError::SuspensionBeforeAcceptance { index });
        }
        if s.end.is_some_and(|e| e < s.start) {
            return Err(ClockError::SuspensionEndsBeforeStart { index });
        }
        match previous_end {
            Some(None) => return Err(ClockError::SuspensionsOverlap { index }),
            Some(Some(end)) if s.start < end => {
                return Err(ClockError::SuspensionsOverlap { index });
            }
            _ => {}
        }
        previous_end = Some(s.end);
        sorted.push(s);
    }
    Ok(sorted)
}

/// The state of the clock of the item described by `input` at the time `now`.
///
/// Pauses that begin after `now` are not yet in effect; a pause that ends after `now` is still
/// open at `now`. So the same input gives the state as it was at any past time.
///
/// # Errors
///
/// [`ClockError::SuspensionBeforeAcceptance`], [`ClockError::SuspensionEndsBeforeStart`] or
/// [`ClockError::SuspensionsOverlap`] for inconsistent pauses; [`ClockError::Calendar`] only when
/// the arithmetic leaves the representable dates.
pub fn compute(
    calendar: &Calendar,
    input: &ClockInput,
    now: DateTime<FixedOffset>,
) -> Result<ClockState, ClockError> {
    let suspensions = check_suspensions(input)?;
    let close = input.office_close;
    let limit = match input.item_type {
        ItemType::Immediate => 0,
        ItemType::Committed | ItemType::Upward | ItemType::Joint => i64::from(input.limit_days),
    };
    let budget = limit
        + input
            .extensions
            .iter()
            .map(|e| i64::from(e.days))
            .sum::<i64>();

    let mut day_zero = effective_day(calendar, input.accepted_at, close)?;
    // Ranks of working days: rank(b) - rank(a) working days in [a, b).
    let mut base = calendar.rank(day_zero);
    let mut added: i64 = 0;
    let mut open: Option<OpenPause> = None;

    for s in suspensions.into_iter().filter(|s| s.start <= now) {
        let due_rank = base + budget + added;
        let first = calendar.rank(effective_day(calendar, s.start, close)?);
        let ended = s.end.filter(|e| *e <= now);
        if ended.is_none() {
            open = Some(OpenPause {
                started: s.start,
                first,
                base,
                due_rank,
            });
        }
        if first > due_rank {
            // Begun after the deadline: the deadline stays where it was.
            continue;
        }
        let resume_day = effective_day(calendar, ended.unwrap_or(now), close)?;
        let resume = calendar.rank(resume_day);
        match input.policy.semantics(s.reason) {
            Semantics::Resume => added += (resume - first).max(0),
            Semantics::Restart => {
                day_zero = resume_day;
                base = resume;
                added = 0;
            }
        }
    }

    let due_rank = base + budget + added;
    let due_date = calendar.select(due_rank)?;
    let due_at = close_of_day(due_date, close)?;
    let today = now.with_timezone(&CHINA).date_naive();
    let first_day = input.accepted_at.with_timezone(&CHINA).date_naive();
    let provisional = calendar
        .first_unknown_year(first_day.min(today), due_date.max(today))
        .is_some();

    let (remaining, suspended, warning) = if let Some(p) = open {
        // Frozen when the pause began: the last day used is the working day before its first,
        // and never before day 0. The warning is the one of that moment.
        let remaining = p.due_rank - (p.first - 1).max(p.base);
        let overdue = p.started > close_of_day(calendar.select(p.due_rank)?, close)?;
        (remaining, true, warning_for(overdue, remaining, input))
    } else {
        // Today counts as used, and nothing before day 0 does.
        let tomorrow = today.succ_opt().unwrap_or(today);
        let used_through = (calendar.rank(tomorrow) - 1).max(base);
        let remaining = due_rank - used_through;
        (
            remaining,
            false,
            warning_for(now > due_at, remaining, input),
        )
    };

    Ok(ClockState {
        due_at,
        due_date,
        day_zero,
        provisional,
        used_days: budget - remaining,
        remaining_days: remaining,
        suspended_days: added,
        suspended,
        warning,
    })
}

/// The first instant after `now` at which the warning of `st` — the clock of `input` computed
/// at `now` — can change by the passage of time alone, or `None` if it cannot: yellow begins at
/// the start (midnight, China time) of the working day on which only the threshold is left, red
/// at the close of the due day, a recorded pause starts or ends when it says. Red stays red, and
/// a pause in effect freezes the clock until it ends.
///
/// The deadline monitor looks at an item again only then (or after the item changes), rather
/// than recomputing every open item every minute.
pub fn next_change(
    calendar: &Calendar,
    input: &ClockInput,
    st: &ClockState,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let recorded = input
        .suspensions
        .iter()
        .flat_map(|s| [Some(s.start), s.end])
        .flatten()
        .filter(|t| *t > now)
        .min();
    let by_clock = match (st.suspended, st.warning) {
        (true, _) | (false, Warning::Red) => None,
        (false, Warning::Yellow) => Some(st.due_at),
        (false, Warning::None) => {
            let threshold = i64::from(input.warning_threshold_days);
            calendar
                .select(calendar.rank(st.due_date) - threshold)
                .ok()
                .and_then(|d| {
                    d.and_time(NaiveTime::MIN)
                        .and_local_timezone(CHINA)
                        .single()
                })
                // The clock said none today, so yellow is due on a later day; a calendar too
                // odd to say which gets its answer tomorrow.
                .filter(|t| *t > now)
                .or_else(|| {
                    let tomorrow = now.with_timezone(&CHINA).date_naive().succ_opt()?;
                    tomorrow
                        .and_time(NaiveTime::MIN)
                        .and_local_timezone(CHINA)
                        .single()
                })
        }
    };
    [recorded, by_clock].into_iter().flatten().min()
}

/// A pause still in effect at `now`, with the clock as it stood when the pause began.
struct OpenPause {
    started: DateTime<FixedOffset>,
    /// Rank of the pause's first suspended working day.
    first: i64,
    /// Rank of day 0 and of the due date when the pause began.
    base: i64,
    due_rank: i64,
}

/// The close of office hours of `day`, China time.
fn close_of_day(day: NaiveDate, close: NaiveTime) -> Result<DateTime<FixedOffset>, ClockError> {
    day.and_time(close)
        .and_local_timezone(CHINA)
        .single()
        .ok_or(ClockError::Calendar(CalendarError::OutOfRange))
}

fn warning_for(overdue: bool, remaining: i64, input: &ClockInput) -> Warning {
    if overdue {
        Warning::Red
    } else if remaining <= i64::from(input.warning_threshold_days) {
        Warning::Yellow
    } else {
        Warning::None
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)] // Tests state their preconditions with `expect`.
mod tests {
    use std::sync::LazyLock;

    use chrono::{Duration, NaiveDate};
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::{DayEntry, Notice, YearArrangement};

    static CAL: LazyLock<Calendar> =
        LazyLock::new(|| Calendar::official().expect("the embedded arrangements are valid"));

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test times are well formed")
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test dates are well formed")
    }

    fn committed(limit: u32, accepted: &str) -> ClockInput {
        ClockInput::new(ItemType::Committed, limit, t(accepted))
    }

    fn pause(reason: SuspensionReason, start: &str, end: Option<&str>) -> Suspension {
        Suspension {
            reason,
            start: t(start),
            end: end.map(t),
        }
    }

    fn state(input: &ClockInput, now: &str) -> ClockState {
        compute(&CAL, input, t(now)).expect("valid input")
    }

    #[test]
    fn committed_item_is_due_at_the_close_of_the_nth_working_day() {
        let input = committed(5, "2026-03-02T10:00:00+08:00");
        let s = state(&input, "2026-03-02T12:00:00+08:00");
        assert_eq!(s.day_zero, d("2026-03-02"));
        assert_eq!(s.due_date, d("2026-03-09"));
        assert_eq!(s.due_at, t("2026-03-09T17:30:00+08:00"));
        assert_eq!(s.due_at.offset(), &CHINA);
        assert_eq!((s.used_days, s.remaining_days), (0, 5));
        assert_eq!(s.warning, Warning::None);
        assert!(!s.provisional && !s.suspended);
        // Upward items count their reporting limit the same way.
        let upward = ClockInput::new(ItemType::Upward, 5, t("2026-03-02T10:00:00+08:00"));
        assert_eq!(
            state(&upward, "2026-03-02T12:00:00+08:00").due_date,
            d("2026-03-09")
        );
        // So do joint items (联办件).
        let joint = ClockInput::new(ItemType::Joint, 5, t("2026-03-02T10:00:00+08:00"));
        let s = state(&joint, "2026-03-02T12:00:00+08:00");
        assert_eq!((s.due_date, s.remaining_days), (d("2026-03-09"), 5));
    }

    #[test]
    fn acceptance_after_close_counts_from_the_next_working_day() {
        let late = committed(5, "2026-03-02T18:00:00+08:00");
        let s = state(&late, "2026-03-02T18:30:00+08:00");
        assert_eq!(s.day_zero, d("2026-03-03"));
        assert_eq!(s.due_date, d("2026-03-10"));
        assert_eq!(s.remaining_days, 5);
        let at_close = committed(5, "2026-03-02T17:30:00+08:00");
        assert_eq!(
            state(&at_close, "2026-03-02T17:45:00+08:00").due_date,
            d("2026-03-09")
        );
        // A configured close moves the boundary.
        let mut early_close = committed(5, "2026-03-02T17:00:00+08:00");
        early_close.office_close = NaiveTime::from_hms_opt(16, 30, 0).expect("valid");
        let s = state(&early_close, "2026-03-02T17:10:00+08:00");
        assert_eq!(s.due_date, d("2026-03-10"));
        assert_eq!(s.due_at, t("2026-03-10T16:30:00+08:00"));
    }

    #[test]
    fn times_are_read_in_china_time() {
        // 09:00 UTC is 17:00 in China: before the close.
        let before = committed(5, "2026-03-02T09:00:00Z");
        assert_eq!(
            state(&before, "2026-03-02T09:30:00Z").due_date,
            d("2026-03-09")
        );
        // 10:00 UTC is 18:00 in China: after the close.
        let after = committed(5, "2026-03-02T10:00:00Z");
        assert_eq!(
            state(&after, "2026-03-02T11:00:00Z").day_zero,
            d("2026-03-03")
        );
        // 20:00 UTC on Sunday is 04:00 on Monday in China.
        let sunday_utc = committed(1, "2026-03-01T20:00:00Z");
        assert_eq!(
            state(&sunday_utc, "2026-03-01T21:00:00Z").day_zero,
            d("2026-03-02")
        );
        assert_eq!(
            state(&sunday_utc, "2026-03-01T21:00:00Z").due_at,
            t("2026-03-03T09:30:00Z")
        );
    }

    #[test]
    fn acceptance_on_a_day_off_counts_from_the_next_working_day() {
        let saturday = committed(5, "2026-03-07T10:00:00+08:00");
        let s = state(&saturday, "2026-03-07T11:00:00+08:00");
        assert_eq!(s.day_zero, d("2026-03-09"));
        assert_eq!(s.due_date, d("2026-03-16"));
        assert_eq!(s.remaining_days, 5);
        let festival = committed(1, "2026-02-16T10:00:00+08:00");
        assert_eq!(
            state(&festival, "2026-02-16T11:00:00+08:00").day_zero,
            d("2026-02-24")
        );
        // A make-up Saturday is a working day like any other.
        let makeup = committed(1, "2026-02-14T10:00:00+08:00");
        let s = state(&makeup, "2026-02-14T11:00:00+08:00");
        assert_eq!((s.day_zero, s.due_date), (d("2026-02-14"), d("2026-02-24")));
    }

    #[test]
    fn immediate_items_are_due_the_same_working_day() {
        let input = ClockInput::new(ItemType::Immediate, 10, t("2026-03-02T10:00:00+08:00"));
        let s = state(&input, "2026-03-02T11:00:00+08:00");
        assert_eq!(s.due_at, t("2026-03-02T17:30:00+08:00"));
        assert_eq!(
            (s.used_days, s.remaining_days, s.warning),
            (0, 0, Warning::Yellow)
        );
        let s = state(&input, "2026-03-02T17:31:00+08:00");
        assert_eq!(s.warning, Warning::Red);
        let late = ClockInput::new(ItemType::Immediate, 0, t("2026-03-06T19:00:00+08:00"));
        assert_eq!(
            state(&late, "2026-03-06T19:05:00+08:00").due_date,
            d("2026-03-09")
        );
    }

    #[test]
    fn a_limit_across_the_spring_festival_2026() {
        let input = committed(5, "2026-02-12T09:00:00+08:00");
        let s = state(&input, "2026-02-12T10:00:00+08:00");
        // 13 and 14 (the make-up Saturday), then 24, 25, 26 February after the nine days off.
        assert_eq!(s.due_date, d("2026-02-26"));
        let s = state(&input, "2026-02-20T10:00:00+08:00");
        assert_eq!((s.used_days, s.remaining_days), (2, 3));
        assert_eq!(s.warning, Warning::None);
        let s = state(&input, "2026-02-25T10:00:00+08:00");
        assert_eq!((s.remaining_days, s.warning), (1, Warning::Yellow));
        let short = committed(3, "2026-02-13T09:00:00+08:00");
        assert_eq!(
            state(&short, "2026-02-13T10:00:00+08:00").due_date,
            d("2026-02-25")
        );
    }

    #[test]
    fn warnings_yellow_at_the_threshold_and_red_when_overdue() {
        let input = committed(5, "2026-03-02T10:00:00+08:00"); // due Monday 9 March
        let at = |now: &str| {
            let s = state(&input, now);
            (s.remaining_days, s.warning)
        };
        assert_eq!(at("2026-03-05T10:00:00+08:00"), (2, Warning::None));
        assert_eq!(at("2026-03-06T10:00:00+08:00"), (1, Warning::Yellow));
        assert_eq!(at("2026-03-07T10:00:00+08:00"), (1, Warning::Yellow));
        assert_eq!(at("2026-03-09T17:30:00+08:00"), (0, Warning::Yellow));
        assert_eq!(at("2026-03-09T17:31:00+08:00"), (0, Warning::Red));
        assert_eq!(at("2026-03-10T10:00:00+08:00"), (-1, Warning::Red));
        assert_eq!(state(&input, "2026-03-10T10:00:00+08:00").used_days, 6);
        let mut strict = input.clone();
        strict.warning_threshold_days = 0;
        let s = state(&strict, "2026-03-06T10:00:00+08:00");
        assert_eq!(s.warning, Warning::None);
        strict.warning_threshold_days = 3;
        assert_eq!(
            state(&strict, "2026-03-04T10:00:00+08:00").warning,
            Warning::Yellow
        );
    }

    #[test]
    fn extensions_add_working_days() {
        let mut input = committed(5, "2026-03-02T10:00:00+08:00");
        input.extensions.push(Extension {
            days: 3,
            approver: "局长".to_owned(),
            reason: "材料复杂".to_owned(),
        });
        let s = state(&input, "2026-03-02T12:00:00+08:00");
        assert_eq!(s.due_date, d("2026-03-12"));
        assert_eq!(s.remaining_days, 8);
    }

    /// A pause from Thursday 5 March to Monday 9 March of an item accepted Monday 2 March with a
    /// limit of 5: resume adds the two paused working days (Thursday, Friday); restart counts the
    /// 5 days again from Monday 9 March as day 0.
    #[test]
    fn resume_and_restart_differ_as_specified() {
        let with = |reason, policy: SuspensionPolicy| {
            let mut input = committed(5, "2026-03-02T09:00:00+08:00");
            input.policy = policy;
            input.suspensions.push(pause(
                reason,
                "2026-03-05T10:00:00+08:00",
                Some("2026-03-09T10:00:00+08:00"),
            ));
            state(&input, "2026-03-10T10:00:00+08:00")
        };
        let resumed = with(SuspensionReason::ExpertReview, SuspensionPolicy::default());
        assert_eq!(resumed.due_date, d("2026-03-11"));
        assert_eq!(resumed.day_zero, d("2026-03-02"));
        assert_eq!(resumed.suspended_days, 2);
        assert_eq!((resumed.used_days, resumed.remaining_days), (4, 1));

        let restarted = with(SuspensionReason::Correction, SuspensionPolicy::default());
        assert_eq!(restarted.due_date, d("2026-03-16"));
        assert_eq!(restarted.day_zero, d("2026-03-09"));
        assert_eq!((restarted.used_days, restarted.remaining_days), (1, 4));

        // The policy decides, not the reason alone.
        let corrected_resumed = with(
            SuspensionReason::Correction,
            SuspensionPolicy::resume_always(),
        );
        assert_eq!(corrected_resumed.due_date, d("2026-03-11"));
        let review_restarts = SuspensionPolicy {
            restart_on: vec![SuspensionReason::ExpertReview],
        };
        assert_eq!(
            with(SuspensionReason::ExpertReview, review_restarts).due_date,
            d("2026-03-16")
        );
    }

    #[test]
    fn reasons_and_their_default_semantics() {
        for r in SuspensionReason::ALL {
            assert_eq!(SuspensionReason::from_code(r.code()), Some(r));
            let want = if r == SuspensionReason::Correction {
                Semantics::Restart
            } else {
                Semantics::Resume
            };
            assert_eq!(r.semantics(), want, "{}", r.label_zh());
            assert_eq!(SuspensionPolicy::default().semantics(r), want);
        }
        for ty in ItemType::ALL {
            assert_eq!(ItemType::from_code(ty.code()), Some(ty));
        }
        assert_eq!(ItemType::from_code("joint"), Some(ItemType::Joint));
        assert_eq!(
            (ItemType::Joint.label_zh(), ItemType::Joint.label_en()),
            ("联办件", "Joint item")
        );
        assert_eq!(SuspensionReason::Testing.label_zh(), "检验检测");
    }

    #[test]
    fn pause_day_boundaries() {
        let base = committed(5, "2026-03-02T09:00:00+08:00");
        let with = |start: &str, end: &str| {
            let mut input = base.clone();
            input
                .suspensions
                .push(pause(SuspensionReason::Hearing, start, Some(end)));
            state(&input, "2026-03-20T10:00:00+08:00").due_date
        };
        // Paused and resumed the same day: nothing added.
        assert_eq!(
            with("2026-03-03T09:00:00+08:00", "2026-03-03T16:00:00+08:00"),
            d("2026-03-09")
        );
        // Over a weekend: nothing added.
        assert_eq!(
            with("2026-03-07T09:00:00+08:00", "2026-03-09T08:00:00+08:00"),
            d("2026-03-09")
        );
        // Resumed after the close: the resume day is suspended too.
        assert_eq!(
            with("2026-03-03T09:00:00+08:00", "2026-03-03T18:00:00+08:00"),
            d("2026-03-10")
        );
        // Paused after the close: it starts the next working day.
        assert_eq!(
            with("2026-03-03T18:00:00+08:00", "2026-03-05T09:00:00+08:00"),
            d("2026-03-10")
        );
    }

    #[test]
    fn an_open_pause_freezes_remaining_and_warning() {
        let mut input = committed(5, "2026-03-02T09:00:00+08:00");
        input.suspensions.push(pause(
            SuspensionReason::ExpertReview,
            "2026-03-04T10:00:00+08:00",
            None,
        ));
        // Well past the original due date of 9 March: still 4 left, no warning.
        let s = state(&input, "2026-03-13T10:00:00+08:00");
        assert!(s.suspended);
        assert_eq!(
            (s.used_days, s.remaining_days, s.warning),
            (1, 4, Warning::None)
        );
        // The due date shown is the one if the pause ended now.
        assert_eq!(s.due_date, d("2026-03-18"));
        // Before the pause began, the clock ran.
        let s = state(&input, "2026-03-03T10:00:00+08:00");
        assert!(!s.suspended);
        assert_eq!((s.remaining_days, s.due_date), (4, d("2026-03-09")));
        // A closed pause that ends after `now` is still open at `now`.
        input.suspensions[0].end = Some(t("2026-03-16T09:00:00+08:00"));
        let s = state(&input, "2026-03-13T10:00:00+08:00");
        assert!(s.suspended);
        assert_eq!(s.remaining_days, 4);
        let s = state(&input, "2026-03-16T10:00:00+08:00");
        assert!(!s.suspended);
        assert_eq!((s.due_date, s.remaining_days), (d("2026-03-19"), 3));

        // Paused on the due day with one day left: yellow, and it stays yellow.
        let mut last_day = committed(5, "2026-03-02T09:00:00+08:00");
        last_day.suspensions.push(pause(
            SuspensionReason::Testing,
            "2026-03-09T09:00:00+08:00",
            None,
        ));
        let s = state(&last_day, "2026-03-27T10:00:00+08:00");
        assert_eq!(
            (s.remaining_days, s.warning, s.suspended),
            (1, Warning::Yellow, true)
        );
    }

    #[test]
    fn a_pause_after_the_deadline_does_not_undo_lateness() {
        let mut input = committed(5, "2026-03-02T09:00:00+08:00"); // due 9 March
        input.suspensions.push(pause(
            SuspensionReason::ExpertReview,
            "2026-03-10T10:00:00+08:00",
            Some("2026-03-12T10:00:00+08:00"),
        ));
        let s = state(&input, "2026-03-13T10:00:00+08:00");
        assert_eq!(s.due_date, d("2026-03-09"));
        assert_eq!((s.remaining_days, s.warning), (-4, Warning::Red));
        // Nor does a restart, nor an open pause.
        input.suspensions[0].reason = SuspensionReason::Correction;
        assert_eq!(
            state(&input, "2026-03-13T10:00:00+08:00").due_date,
            d("2026-03-09")
        );
        input.suspensions[0].end = None;
        let s = state(&input, "2026-03-13T10:00:00+08:00");
        assert!(s.suspended);
        assert_eq!((s.due_date, s.warning), (d("2026-03-09"), Warning::Red));
    }

    #[test]
    fn several_pauses_add_up() {
        let mut input = committed(10, "2026-03-02T09:00:00+08:00"); // due 16 March
        input.suspensions.push(pause(
            SuspensionReason::SiteSurvey,
            "2026-03-10T09:00:00+08:00",
            Some("2026-03-12T09:00:00+08:00"),
        ));
        input.suspensions.push(pause(
            SuspensionReason::PublicNotice,
            "2026-03-03T09:00:00+08:00",
            Some("2026-03-04T09:00:00+08:00"),
        ));
        let s = state(&input, "2026-03-20T10:00:00+08:00");
        assert_eq!(s.suspended_days, 3);
        assert_eq!(s.due_date, d("2026-03-19"));
    }

    fn arrangement_2027() -> YearArrangement {
        YearArrangement {
            year: 2027,
            notice: Notice {
                number: String::new(),
                title: "国务院办公厅关于2027年部分节假日安排的通知".to_owned(),
                published: None,
            },
            amendments: Vec::new(),
            days: ["2027-01-01", "2027-01-02", "2027-01-03"]
                .into_iter()
                .map(|s| DayEntry {
                    date: d(s),
                    off: true,
                    name: "元旦".to_owned(),
                })
                .collect(),
        }
    }

    #[test]
    fn deadlines_into_an_unpublished_year_are_provisional_until_imported() {
        let input = committed(6, "2026-12-24T10:00:00+08:00");
        let s = state(&input, "2026-12-24T11:00:00+08:00");
        assert!(s.provisional);
        assert_eq!(s.due_date, d("2027-01-01"));
        let exact = compute(
            &CAL.with_year(arrangement_2027()).expect("valid"),
            &input,
            t("2026-12-24T11:00:00+08:00"),
        )
        .expect("valid input");
        assert!(!exact.provisional);
        assert_eq!(exact.due_date, d("2027-01-04"));
        // Five days end on 31 December: exact already.
        let s = state(
            &committed(5, "2026-12-24T10:00:00+08:00"),
            "2026-12-24T11:00:00+08:00",
        );
        assert!(!s.provisional);
        assert_eq!(s.due_date, d("2026-12-31"));
    }

    #[test]
    fn inconsistent_pauses_are_refused() {
        let mut input = committed(5, "2026-03-02T09:00:00+08:00");
        input.suspensions.push(pause(
            SuspensionReason::Other,
            "2026-03-01T09:00:00+08:00",
            None,
        ));
        let now = t("2026-03-05T09:00:00+08:00");
        assert_eq!(
            compute(&CAL, &input, now),
            Err(ClockError::SuspensionBeforeAcceptance { index: 0 })
        );
        input.suspensions[0] = pause(
            SuspensionReason::Other,
            "2026-03-04T09:00:00+08:00",
            Some("2026-03-03T09:00:00+08:00"),
        );
        assert_eq!(
            compute(&CAL, &input, now),
            Err(ClockError::SuspensionEndsBeforeStart { index: 0 })
        );
        input.suspensions[0] = pause(SuspensionReason::Other, "2026-03-03T09:00:00+08:00", None);
        input.suspensions.push(pause(
            SuspensionReason::Other,
            "2026-03-04T09:00:00+08:00",
            Some("2026-03-05T09:00:00+08:00"),
        ));
        assert_eq!(
            compute(&CAL, &input, now),
            Err(ClockError::SuspensionsOverlap { index: 1 })
        );
        input.suspensions[0].end = Some(t("2026-03-04T10:00:00+08:00"));
        assert_eq!(
            compute(&CAL, &input, now),
            Err(ClockError::SuspensionsOverlap { index: 1 })
        );
        input.suspensions[0].end = Some(t("2026-03-04T09:00:00+08:00"));
        assert!(compute(&CAL, &input, now).is_ok());
    }

    fn arb_input() -> impl Strategy<Value = (ClockInput, DateTime<FixedOffset>)> {
        let item = prop_oneof![
            Just(ItemType::Immediate),
            Just(ItemType::Committed),
            Just(ItemType::Upward),
            Just(ItemType::Joint)
        ];
        let reason = (0..SuspensionReason::ALL.len()).prop_map(|i| SuspensionReason::ALL[i]);
        let pauses = prop::collection::vec((reason, 0i64..300, 0i64..300), 0..4);
        (
            item,
            0u32..40,
            0i64..(16 * 365 * 24),
            pauses,
            any::<bool>(),
            prop::collection::vec(any::<bool>(), 8),
            0i64..3000,
        )
            .prop_map(
                |(item, limit, accepted_h, pauses, last_open, restart, now_h)| {
                    let origin = t("2010-01-01T00:00:00+08:00");
                    let accepted = origin + Duration::hours(accepted_h);
                    let mut input = ClockInput::new(item, limit, accepted);
                    input.policy = SuspensionPolicy {
                        restart_on: SuspensionReason::ALL
                            .into_iter()
                            .zip(restart)
                            .filter_map(|(r, on)| on.then_some(r))
                            .collect(),
                    };
                    let mut at = accepted;
                    let count = pauses.len();
                    for (i, (reason, gap_h, len_h)) in pauses.into_iter().enumerate() {
                        let start = at + Duration::hours(gap_h);
                        let end = start + Duration::hours(len_h);
                        let open = last_open && i + 1 == count;
                        input.suspensions.push(Suspension {
                            reason,
                            start,
                            end: (!open).then_some(end),
                        });
                        at = end;
                    }
                    (input, accepted + Duration::hours(now_h))
                },
            )
    }

    proptest! {
        /// Removing any one pause (or all of them) never makes the deadline later: a pause never
        /// makes a deadline earlier.
        #[test]
        fn a_suspension_never_makes_a_deadline_earlier((input, now) in arb_input()) {
            let with = compute(&CAL, &input, now).expect("valid input");
            let mut none = input.clone();
            none.suspensions.clear();
            let without_any = compute(&CAL, &none, now).expect("valid input");
            prop_assert!(without_any.due_at <= with.due_at);
            for i in 0..input.suspensions.len() {
                let mut fewer = input.clone();
                fewer.suspensions.remove(i);
                let without = compute(&CAL, &fewer, now).expect("valid input");
                prop_assert!(without.due_at <= with.due_at, "removing pause {} moved the deadline later", i);
            }
        }

        /// Used and remaining always add up to the limit with its extensions, and the due date is
        /// a working day.
        #[test]
        fn used_and_remaining_add_up((input, now) in arb_input()) {
            let s = compute(&CAL, &input, now).expect("valid input");
            let limit = if input.item_type == ItemType::Immediate { 0 } else { i64::from(input.limit_days) };
            prop_assert_eq!(s.used_days + s.remaining_days, limit);
            prop_assert_eq!(CAL.is_workday(s.due_date), Ok(true));
            prop_assert!(s.due_date >= s.day_zero);
            if s.warning == Warning::Red && !s.suspended {
                prop_assert!(now > s.due_at);
            }
        }

        /// The warning holds until `next_change` (forever when there is none), and — when no
        /// recorded pause starts or ends in between — it has changed just after.
        #[test]
        fn the_warning_holds_until_its_next_change((input, now) in arb_input(), part in 0u32..1000) {
            let st = compute(&CAL, &input, now).expect("valid input");
            let warning_at = |t| compute(&CAL, &input, t).expect("valid input").warning;
            match next_change(&CAL, &input, &st, now) {
                Some(next) => {
                    prop_assert!(next > now);
                    let within = now + (next - now) * i32::try_from(part).expect("small") / 1000;
                    prop_assert_eq!(warning_at(within), st.warning, "at {}", within);
                    prop_assert_eq!(warning_at(next - Duration::seconds(1)), st.warning);
                    let quiet = input
                        .suspensions
                        .iter()
                        .all(|s| s.start <= now && s.end.is_none_or(|e| e <= now));
                    if quiet {
                        prop_assert_ne!(warning_at(next + Duration::seconds(1)), st.warning);
                    }
                }
                None => {
                    for days in [1, 30, 400] {
                        prop_assert_eq!(warning_at(now + Duration::days(days)), st.warning);
                    }
                }
            }
        }
    }

    #[test]
    fn yellow_begins_at_the_start_of_the_day_with_only_the_threshold_left() {
        // Accepted Monday 2 March 2026, 5 working days: due Monday 9 March at close. With a
        // threshold of 1, yellow begins on Friday 6 March (Friday and Monday left).
        let mut input = committed(5, "2026-03-02T10:00:00+08:00");
        input.warning_threshold_days = 1;
        let now = t("2026-03-03T09:00:00+08:00");
        let st = compute(&CAL, &input, now).expect("valid");
        assert_eq!(st.warning, Warning::None);
        assert_eq!(st.due_date, d("2026-03-09"));
        let next = next_change(&CAL, &input, &st, now);
        assert_eq!(next, Some(t("2026-03-06T00:00:00+08:00")));
        let yellow = compute(&CAL, &input, t("2026-03-06T00:00:01+08:00")).expect("valid");
        assert_eq!(yellow.warning, Warning::Yellow);
        assert_eq!(
            next_change(&CAL, &input, &yellow, t("2026-03-06T00:00:01+08:00")),
            Some(yellow.due_at)
        );
        // Paused: frozen until the pause ends, which only a recorded end can say.
        input.suspensions.push(Suspension {
            reason: SuspensionReason::ExpertReview,
            start: t("2026-03-04T09:00:00+08:00"),
            end: None,
        });
        let paused = compute(&CAL, &input, t("2026-03-20T09:00:00+08:00")).expect("valid");
        assert!(paused.suspended);
        assert_eq!(
            next_change(&CAL, &input, &paused, t("2026-03-20T09:00:00+08:00")),
            None
        );
    }
}
