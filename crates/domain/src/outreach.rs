//! The bureau's outreach (《实施意见》五(二)): business training (业务培训), seminars (座谈会) and
//! enterprise visits (入企走访) with attendance as discipline evidence (attachment 2, 三(四):
//! −2 per person-time late, leaving early or absent without leave), and return visits (回访) to
//! enterprises by phone, on site or at a seminar, with the appraisal of the agents and helpers
//! who served them (综合评议), and the plan that puts every project that completes a stage due
//! for a return visit within a number of working days.

use crate::problem::Attendance;
use crate::project::ProjectStage;
use crate::rating::Rating;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Points deducted per person-time of a discipline finding at a bureau activity.
pub const DISCIPLINE_POINTS_PER_PERSON_TIME: u32 = 2;

/// Working days after a stage is completed within which the bureau visits, by default.
pub const DEFAULT_RETURN_VISIT_DAYS: u32 = 10;

/// The points an attendance record deducts (0 when it is no finding).
pub const fn discipline_points(a: Attendance) -> u32 {
    if a.is_discipline_finding() {
        DISCIPLINE_POINTS_PER_PERSON_TIME
    } else {
        0
    }
}

/// What kind of activity the bureau organises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 业务培训.
    Training,
    /// 座谈会.
    Seminar,
    /// 入企走访.
    EnterpriseVisit,
}

impl ActivityKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::Training, Self::Seminar, Self::EnterpriseVisit];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Seminar => "seminar",
            Self::EnterpriseVisit => "enterprise_visit",
        }
    }

    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Training => "业务培训",
            Self::Seminar => "座谈会",
            Self::EnterpriseVisit => "入企走访",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Seminar => "seminar",
            Self::EnterpriseVisit => "enterprise visit",
        }
    }
}

/// Where an activity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// 已安排: invitations sent.
    Scheduled,
    /// 已举行: attendance recorded.
    Held,
    /// 已取消.
    Cancelled,
}

impl ActivityStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Scheduled, Self::Held, Self::Cancelled];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Scheduled => "已安排",
            Self::Held => "已举行",
            Self::Cancelled => "已取消",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
        }
    }

    /// Attendance may be recorded once the activity has started, and corrected after; never on
    /// a cancelled one.
    pub const fn may_record_attendance(self) -> bool {
        matches!(self, Self::Scheduled | Self::Held)
    }

    /// Only a scheduled activity can be cancelled.
    pub const fn may_cancel(self) -> bool {
        matches!(self, Self::Scheduled)
    }
}

/// How the bureau made a return visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMethod {
    /// 电话联系.
    Phone,
    /// 入企走访.
    OnSite,
    /// 召开座谈会.
    Seminar,
}

impl VisitMethod {
    /// Every method.
    pub const ALL: [Self; 3] = [Self::Phone, Self::OnSite, Self::Seminar];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::OnSite => "on_site",
            Self::Seminar => "seminar",
        }
    }

    /// The method with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Phone => "电话回访",
            Self::OnSite => "入企走访",
            Self::Seminar => "座谈会",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Phone => "by phone",
            Self::OnSite => "on site",
            Self::Seminar => "at a seminar",
        }
    }
}

/// The stage a stage change completes: moving forward from `from` completes `from`; staying or
/// moving back completes nothing.
pub fn completed_stage(from: ProjectStage, to: ProjectStage) -> Option<ProjectStage> {
    (to > from).then_some(from)
}

/// Where a visit-plan entry stands on `today` (China date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Not visited yet, due date not passed.
    Due,
    /// Not visited and the due date has passed.
    Overdue,
    /// Visited by the due date.
    Done,
    /// Visited, after the due date.
    DoneLate,
}

impl PlanState {
    /// The state of an entry due on `due`, visited on `visited` (if it was), seen on `today`.
    /// The due date itself still counts as in time.
    pub fn of(due: NaiveDate, visited: Option<NaiveDate>, today: NaiveDate) -> Self {
        match visited {
            Some(v) if v <= due => Self::Done,
            Some(_) => Self::DoneLate,
            None if today > due => Self::Overdue,
            None => Self::Due,
        }
    }

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Done => "done",
            Self::DoneLate => "done_late",
        }
    }

    /// Open entries (due or overdue).
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Due | Self::Overdue)
    }
}

/// A staff member's overall appraisal (综合评议) from the return visits: how many appraisals and
/// their sums, so means are exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppraisalSummary {
    /// Appraisals counted.
    pub count: u32,
    /// Sum of the stars (1–5).
    pub stars_sum: u32,
    /// Sum of the democratic-appraisal points (100 / 80 / 20).
    pub points_sum: u32,
}

impl AppraisalSummary {
    /// Sums the ratings.
    pub fn of(ratings: impl IntoIterator<Item = Rating>) -> Self {
        ratings.into_iter().fold(Self::default(), |s, r| Self {
            count: s.count + 1,
            stars_sum: s.stars_sum + u32::from(r.stars()),
            points_sum: s.points_sum + r.appraisal_points(),
        })
    }

    /// The mean of the stars in tenths (43 is 4.3), rounded half up; `None` without appraisals.
    pub fn mean_stars_tenths(self) -> Option<u32> {
        (self.count > 0).then(|| (self.stars_sum * 20 + self.count) / (self.count * 2))
    }

    /// The mean of the points, rounded half up; `None` without appraisals.
    pub fn mean_points(self) -> Option<u32> {
        (self.count > 0).then(|| (self.points_sum * 2 + self.count) / (self.count * 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discipline_is_minus_two_for_late_left_early_and_absent_without_leave_only() {
        let table = [
            (Attendance::Present, 0),
            (Attendance::Late, 2),
            (Attendance::LeftEarly, 2),
            (Attendance::AbsentWithLeave, 0),
            (Attendance::AbsentWithoutLeave, 2),
        ];
        for (a, points) in table {
            assert_eq!(discipline_points(a), points, "{a:?}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::from_code(k.code()), Some(k));
        }
        for s in ActivityStatus::ALL {
            assert_eq!(ActivityStatus::from_code(s.code()), Some(s));
        }
        for m in VisitMethod::ALL {
            assert_eq!(VisitMethod::from_code(m.code()), Some(m));
        }
        assert_eq!(ActivityKind::from_code("party"), None);
    }

    #[test]
    fn only_scheduled_activities_cancel_and_cancelled_ones_take_no_attendance() {
        assert!(ActivityStatus::Scheduled.may_cancel());
        assert!(!ActivityStatus::Held.may_cancel());
        assert!(!ActivityStatus::Cancelled.may_cancel());
        assert!(ActivityStatus::Scheduled.may_record_attendance());
        assert!(ActivityStatus::Held.may_record_attendance());
        assert!(!ActivityStatus::Cancelled.may_record_attendance());
    }

    #[test]
    fn moving_forward_completes_the_stage_left() {
        use ProjectStage::{Approval, Construction, Registration};
        assert_eq!(completed_stage(Registration, Approval), Some(Registration));
        assert_eq!(completed_stage(Approval, Construction), Some(Approval));
        assert_eq!(completed_stage(Approval, Approval), None);
        assert_eq!(completed_stage(Construction, Approval), None);
    }

    #[test]
    fn plan_states() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).expect("date");
        let table = [
            (d(10), None, d(9), PlanState::Due),
            (d(10), None, d(10), PlanState::Due),
            (d(10), None, d(11), PlanState::Overdue),
            (d(10), Some(d(10)), d(20), PlanState::Done),
            (d(10), Some(d(11)), d(20), PlanState::DoneLate),
        ];
        for (due, visited, today, state) in table {
            assert_eq!(
                PlanState::of(due, visited, today),
                state,
                "{visited:?} {today}"
            );
        }
        assert!(PlanState::Overdue.is_open() && !PlanState::DoneLate.is_open());
    }

    #[test]
    fn the_overall_appraisal_sums_exactly() {
        assert_eq!(AppraisalSummary::of([]).mean_stars_tenths(), None);
        let s = AppraisalSummary::of([Rating::VerySatisfied, Rating::Satisfied, Rating::Satisfied]);
        assert_eq!((s.count, s.stars_sum, s.points_sum), (3, 13, 260));
        // 13 / 3 = 4.33… → 4.3; 260 / 3 = 86.67 → 87.
        assert_eq!(s.mean_stars_tenths(), Some(43));
        assert_eq!(s.mean_points(), Some(87));
        let s = AppraisalSummary::of([Rating::VerySatisfied, Rating::Basic]);
        // 8 / 2 = 4.0; (100 + 80) / 2 = 90.
        assert_eq!(s.mean_stars_tenths(), Some(40));
        assert_eq!(s.mean_points(), Some(90));
        let s = AppraisalSummary::of([
            Rating::VerySatisfied,
            Rating::VerySatisfied,
            Rating::Basic,
            Rating::Dissatisfied,
        ]);
        // 15 / 4 = 3.75 → 3.8 (half up).
        assert_eq!(s.mean_stars_tenths(), Some(38));
    }
}
