//! Complaints (举报投诉) and monthly reports (月报表) of attachment 2: the complaint lifecycle
//! and channels, the report month and its due date on the working-day calendar.

use crate::calendar::{Calendar, CalendarError};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The default: a month's report is due by the 5th working day of the next month.
pub const DEFAULT_MONTHLY_REPORT_DUE_WORKDAY: u32 = 5;

/// How a complaint reached the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Filed by an enterprise user on the portal.
    Portal,
    /// A phone call taken by a coordinator.
    Phone,
    /// A letter.
    Letter,
    /// A visit in person.
    Visit,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [Self::Portal, Self::Phone, Self::Letter, Self::Visit];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Portal => "portal",
            Self::Phone => "phone",
            Self::Letter => "letter",
            Self::Visit => "visit",
        }
    }

    /// From its code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// Where a complaint is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStatus {
    /// Received, nobody assigned.
    Received,
    /// Assigned to a coordinator.
    Assigned,
    /// Under investigation.
    Investigating,
    /// Concluded: verified (经查实).
    Verified,
    /// Concluded: not verified.
    NotVerified,
}

/// What a coordinator does with a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintAction {
    /// Assign (or reassign) to a coordinator.
    Assign,
    /// Start the investigation.
    Investigate,
    /// Conclude: verified or not.
    Conclude,
}

impl ComplaintAction {
    /// From its code.
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "assign" => Some(Self::Assign),
            "investigate" => Some(Self::Investigate),
            "conclude" => Some(Self::Conclude),
            _ => None,
        }
    }
}

impl ComplaintStatus {
    /// Every status.
    pub const ALL: [ComplaintStatus; 5] = [
        Self::Received,
        Self::Assigned,
        Self::Investigating,
        Self::Verified,
        Self::NotVerified,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Assigned => "assigned",
            Self::Investigating => "investigating",
            Self::Verified => "verified",
            Self::NotVerified => "not_verified",
        }
    }

    /// From its code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Concluded (verified or not).
    pub const fn is_concluded(self) -> bool {
        matches!(self, Self::Verified | Self::NotVerified)
    }

    /// Whether `action` is allowed now.
    pub const fn allows(self, action: ComplaintAction) -> bool {
        matches!(
            (self, action),
            (Self::Received | Self::Assigned, ComplaintAction::Assign)
                | (Self::Assigned, ComplaintAction::Investigate)
                | (Self::Investigating, ComplaintAction::Conclude)
        )
    }
}

/// A calendar month, `2026-10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM` (years 2000 to 2100).
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((2000..=2100).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// The month `d` is in.
    pub fn of(d: NaiveDate) -> Self {
        Self {
            year: d.year(),
            month: d.month(),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The next month.
    #[must_use]
    pub const fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The previous month.
    #[must_use]
    pub const fn prev(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// The report of this month is due by the `n`-th working day of the next month.
    ///
    /// # Errors
    /// [`CalendarError::UnknownYear`] when the calendar does not cover the next month.
    pub fn due_on(self, cal: &Calendar, n: u32) -> Result<NaiveDate, CalendarError> {
        cal.add(self.last_day(), n.max(1))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn months() {
        for (s, ok) in [
            ("2026-10", true),
            ("2026-1", false),
            ("2026-13", false),
            ("1999-01", false),
            ("x", false),
        ] {
            assert_eq!(Month::parse(s).is_some(), ok, "{s}");
        }
        let m = Month::parse("2026-12").unwrap_or(Month::of(d("2026-12-01")));
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.next().prev(), m);
        assert_eq!(Month::of(d("2026-02-14")).last_day(), d("2026-02-28"));
    }

    #[test]
    fn due_dates_on_the_working_day_calendar() {
        let Ok(cal) = Calendar::official() else {
            return;
        };
        // National Day and Mid-Autumn 2026: October 1 to 7 off, Saturday October 10 worked.
        for (month, n, due) in [
            ("2026-09", 5, "2026-10-13"),
            ("2026-10", 5, "2026-11-06"),
            ("2026-11", 5, "2026-12-07"),
            ("2026-11", 1, "2026-12-01"),
        ] {
            let m = Month::parse(month).unwrap_or(Month::of(d("2000-01-01")));
            assert_eq!(m.due_on(&cal, n).ok(), Some(d(due)), "{month} {n}");
        }
    }

    #[test]
    fn complaint_transitions() {
        use ComplaintAction as A;
        use ComplaintStatus as S;
        for (s, a, ok) in [
            (S::Received, A::Assign, true),
            (S::Assigned, A::Assign, true),
            (S::Received, A::Investigate, false),
            (S::Assigned, A::Investigate, true),
            (S::Investigating, A::Conclude, true),
            (S::Assigned, A::Conclude, false),
            (S::Verified, A::Assign, false),
            (S::NotVerified, A::Conclude, false),
        ] {
            assert_eq!(s.allows(a), ok, "{s:?} {a:?}");
        }
        for s in ComplaintStatus::ALL {
            assert_eq!(ComplaintStatus::from_code(s.code()), Some(s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
        }
    }
}
