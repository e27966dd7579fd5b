//! Problems (矛盾问题) and enterprise demands, the escalation ladder they climb, and the
//! coordination meetings that settle them (policy 四(二), 四(三)).
//!
//! ```text
//! department (helper) → department leader → bureau → coordination meeting → city leader
//! open ─respond→ open;  open ─escalate→ open at the next level;  open ─resolve→ resolved
//! resolved ─confirm→ closed;  resolved, closed ─reopen→ open (at the level it was resolved)
//! ```
//!
//! Each level has a response limit in working days; a problem left longer at a level climbs to
//! the next one, and the handler who did not report it up in time is charged with late
//! reporting (attachment 2, 三(三)).

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 责任部门 (its helper).
    Department,
    /// 部门领导.
    DepartmentLeader,
    /// 市行政审批局.
    Bureau,
    /// 协调会议 (huddle, joint review or on-site meeting).
    Meeting,
    /// 分管市领导.
    CityLeader,
}

impl Level {
    /// Every level, bottom to top.
    pub const ALL: [Self; 5] = [
        Self::Department,
        Self::DepartmentLeader,
        Self::Bureau,
        Self::Meeting,
        Self::CityLeader,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::DepartmentLeader => "department_leader",
            Self::Bureau => "bureau",
            Self::Meeting => "meeting",
            Self::CityLeader => "city_leader",
        }
    }

    /// The level with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Department => "责任部门",
            Self::DepartmentLeader => "部门领导",
            Self::Bureau => "市行政审批局",
            Self::Meeting => "协调会议",
            Self::CityLeader => "分管市领导",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Department => "responsible department",
            Self::DepartmentLeader => "department leader",
            Self::Bureau => "Administrative Approval Bureau",
            Self::Meeting => "coordination meeting",
            Self::CityLeader => "city leader in charge",
        }
    }

    /// The next rung up, if any.
    pub const fn next(self) -> Option<Self> {
        match self {
            Self::Department => Some(Self::DepartmentLeader),
            Self::DepartmentLeader => Some(Self::Bureau),
            Self::Bureau => Some(Self::Meeting),
            Self::Meeting => Some(Self::CityLeader),
            Self::CityLeader => None,
        }
    }

    /// Position from the bottom, from 0.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Response limits per level, in working days. The defaults are this product's choice (the
/// policy sets none): two days each inside the department, three at the bureau, five for a
/// meeting to be held and for the city leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LadderLimits {
    /// At the responsible department (its helper).
    pub department: u32,
    /// At the department's leader.
    pub department_leader: u32,
    /// At the bureau.
    pub bureau: u32,
    /// For a coordination meeting.
    pub meeting: u32,
    /// At the city leader.
    pub city_leader: u32,
}

impl Default for LadderLimits {
    fn default() -> Self {
        Self {
            department: 2,
            department_leader: 2,
            bureau: 3,
            meeting: 5,
            city_leader: 5,
        }
    }
}

impl LadderLimits {
    /// The limit at `level`.
    pub const fn at(&self, level: Level) -> u32 {
        match level {
            Level::Department => self.department,
            Level::DepartmentLeader => self.department_leader,
            Level::Bureau => self.bureau,
            Level::Meeting => self.meeting,
            Level::CityLeader => self.city_leader,
        }
    }
}

/// Where a problem stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    /// 处理中: at a level of the ladder.
    Open,
    /// 已解决: a resolution is recorded; the raiser may confirm or reopen it.
    Resolved,
    /// 已办结: the raiser confirmed it (or did not object in time).
    Closed,
}

impl ProblemStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Open, Self::Resolved, Self::Closed];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
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
            Self::Open => "处理中",
            Self::Resolved => "已解决待确认",
            Self::Closed => "已办结",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved, awaiting confirmation",
            Self::Closed => "closed",
        }
    }
}

/// What is done to a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemAction {
    /// 答复: the handler at the level records a response; the problem stays.
    Respond,
    /// 上报: to the next level, by hand, with a reason.
    Escalate,
    /// 解决: what was done.
    Resolve,
    /// 确认解决: the raiser confirms.
    Confirm,
    /// 重新提出: the raiser says it is not really solved.
    Reopen,
}

impl ProblemAction {
    /// Every action.
    pub const ALL: [Self; 5] = [
        Self::Respond,
        Self::Escalate,
        Self::Resolve,
        Self::Confirm,
        Self::Reopen,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Escalate => "escalate",
            Self::Resolve => "resolve",
            Self::Confirm => "confirm",
            Self::Reopen => "reopen",
        }
    }

    /// The action with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Respond => "答复",
            Self::Escalate => "上报",
            Self::Resolve => "解决",
            Self::Confirm => "确认解决",
            Self::Reopen => "重新提出",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Escalate => "escalate",
            Self::Resolve => "resolve",
            Self::Confirm => "confirm",
            Self::Reopen => "reopen",
        }
    }

    /// Whether the action needs a written reason or resolution.
    pub const fn requires_text(self) -> bool {
        !matches!(self, Self::Confirm)
    }
}

impl fmt::Display for ProblemAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A problem's position: its status and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Status.
    pub status: ProblemStatus,
    /// Level (kept when resolved, so a reopened problem returns to it).
    pub level: Level,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProblemError {
    /// The status does not allow the action.
    #[error("the problem is {status}: it cannot be {action}ed", status = from.status.label_en(), action = action.label_en())]
    NotAllowed {
        /// Where it stands.
        from: Position,
        /// What was asked.
        action: ProblemAction,
    },
    /// Nothing above the city leader.
    #[error("the problem is already with the city leader in charge, the top of the ladder")]
    AtTop,
}

impl ProblemError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAllowed { from, action } => format!(
                "问题当前为“{}”，不能“{}”",
                from.status.label_zh(),
                action.label_zh()
            ),
            Self::AtTop => "问题已在分管市领导层级，无法继续上报".to_owned(),
        }
    }
}

/// Applies `action` to a problem at `from`.
///
/// # Errors
/// [`ProblemError::NotAllowed`] for an action the status does not allow; [`ProblemError::AtTop`]
/// for an escalation from the city leader.
pub fn apply_problem(from: Position, action: ProblemAction) -> Result<Position, ProblemError> {
    let refuse = Err(ProblemError::NotAllowed { from, action });
    match (from.status, action) {
        (ProblemStatus::Open, ProblemAction::Respond) => Ok(from),
        (ProblemStatus::Open, ProblemAction::Escalate) => match from.level.next() {
            Some(level) => Ok(Position { level, ..from }),
            None => Err(ProblemError::AtTop),
        },
        (ProblemStatus::Open, ProblemAction::Resolve) => Ok(Position {
            status: ProblemStatus::Resolved,
            ..from
        }),
        (ProblemStatus::Resolved, ProblemAction::Confirm) => Ok(Position {
            status: ProblemStatus::Closed,
            ..from
        }),
        (ProblemStatus::Resolved | ProblemStatus::Closed, ProblemAction::Reopen) => Ok(Position {
            status: ProblemStatus::Open,
            ..from
        }),
        _ => refuse,
    }
}

/// The actions allowed at `from`, in [`ProblemAction::ALL`] order.
pub fn allowed_problem_actions(from: Position) -> Vec<ProblemAction> {
    ProblemAction::ALL
        .into_iter()
        .filter(|a| apply_problem(from, *a).is_ok())
        .collect()
}

/// What a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCategory {
    /// 审批手续.
    Approval,
    /// 用地保障.
    Land,
    /// 水电气等要素接入.
    Utilities,
    /// 规划设计.
    Planning,
    /// 政策咨询.
    Policy,
    /// 资金扶持.
    Funding,
    /// 其他.
    Other,
}

impl ProblemCategory {
    /// Every category.
    pub const ALL: [Self; 7] = [
        Self::Approval,
        Self::Land,
        Self::Utilities,
        Self::Planning,
        Self::Policy,
        Self::Funding,
        Self::Other,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Land => "land",
            Self::Utilities => "utilities",
            Self::Planning => "planning",
            Self::Policy => "policy",
            Self::Funding => "funding",
            Self::Other => "other",
        }
    }

    /// The category with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Approval => "审批手续",
            Self::Land => "用地保障",
            Self::Utilities => "水电气要素接入",
            Self::Planning => "规划设计",
            Self::Policy => "政策咨询",
            Self::Funding => "资金扶持",
            Self::Other => "其他",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Approval => "approval procedures",
            Self::Land => "land",
            Self::Utilities => "utility connections",
            Self::Planning => "planning and design",
            Self::Policy => "policy questions",
            Self::Funding => "funding support",
            Self::Other => "other",
        }
    }
}

/// The bureau's three kinds of coordination meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 项目碰头会: a few departments.
    Huddle,
    /// 联审会办会: many departments.
    JointReview,
    /// 现场办公会: at the project's site.
    OnSite,
}

impl MeetingKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::Huddle, Self::JointReview, Self::OnSite];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Huddle => "huddle",
            Self::JointReview => "joint_review",
            Self::OnSite => "on_site",
        }
    }

    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Huddle => "项目碰头会",
            Self::JointReview => "联审会办会",
            Self::OnSite => "现场办公会",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Huddle => "project huddle",
            Self::JointReview => "joint review meeting",
            Self::OnSite => "on-site meeting",
        }
    }
}

/// Departments involved from which a joint review is suggested.
pub const JOINT_REVIEW_FROM_DEPARTMENTS: usize = 3;

/// The kind the app suggests (the bureau chooses): on-site when the problem is at the site,
/// joint review when three or more departments are involved, a huddle otherwise.
pub const fn suggest_meeting_kind(departments_involved: usize, at_site: bool) -> MeetingKind {
    if at_site {
        MeetingKind::OnSite
    } else if departments_involved >= JOINT_REVIEW_FROM_DEPARTMENTS {
        MeetingKind::JointReview
    } else {
        MeetingKind::Huddle
    }
}

/// A participant's attendance at a meeting, training or visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// 出席.
    Present,
    /// 迟到.
    Late,
    /// 早退.
    LeftEarly,
    /// 请假.
    AbsentWithLeave,
    /// 无故缺席.
    AbsentWithoutLeave,
}

impl Attendance {
    /// Every record.
    pub const ALL: [Self; 5] = [
        Self::Present,
        Self::Late,
        Self::LeftEarly,
        Self::AbsentWithLeave,
        Self::AbsentWithoutLeave,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Late => "late",
            Self::LeftEarly => "left_early",
            Self::AbsentWithLeave => "absent_with_leave",
            Self::AbsentWithoutLeave => "absent_without_leave",
        }
    }

    /// The record with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Present => "出席",
            Self::Late => "迟到",
            Self::LeftEarly => "早退",
            Self::AbsentWithLeave => "请假",
            Self::AbsentWithoutLeave => "无故缺席",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Late => "late",
            Self::LeftEarly => "left early",
            Self::AbsentWithLeave => "absent with leave",
            Self::AbsentWithoutLeave => "absent without leave",
        }
    }

    /// Late, leaving early and absence without leave are discipline findings (attachment 2,
    /// 三(四): −2 per person-time).
    pub const fn is_discipline_finding(self) -> bool {
        matches!(
            self,
            Self::Late | Self::LeftEarly | Self::AbsentWithoutLeave
        )
    }
}

/// Where an action item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionItemStatus {
    /// 待落实.
    Open,
    /// 已落实.
    Done,
    /// 已撤销.
    Cancelled,
}

impl ActionItemStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Open, Self::Done, Self::Cancelled];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
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
            Self::Open => "待落实",
            Self::Done => "已落实",
            Self::Cancelled => "已撤销",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: ProblemStatus, level: Level) -> Position {
        Position { status, level }
    }

    #[test]
    fn the_ladder_climbs_in_order_and_stops_at_the_city_leader() {
        let mut p = at(ProblemStatus::Open, Level::Department);
        let mut seen = vec![p.level];
        while let Ok(next) = apply_problem(p, ProblemAction::Escalate) {
            p = next;
            seen.push(p.level);
        }
        assert_eq!(seen, Level::ALL.to_vec());
        assert_eq!(
            apply_problem(p, ProblemAction::Escalate),
            Err(ProblemError::AtTop)
        );
    }

    #[test]
    fn every_status_and_action() {
        use ProblemAction as A;
        use ProblemStatus as S;
        // (status, action, allowed)
        let table = [
            (S::Open, A::Respond, true),
            (S::Open, A::Escalate, true),
            (S::Open, A::Resolve, true),
            (S::Open, A::Confirm, false),
            (S::Open, A::Reopen, false),
            (S::Resolved, A::Respond, false),
            (S::Resolved, A::Escalate, false),
            (S::Resolved, A::Resolve, false),
            (S::Resolved, A::Confirm, true),
            (S::Resolved, A::Reopen, true),
            (S::Closed, A::Respond, false),
            (S::Closed, A::Escalate, false),
            (S::Closed, A::Resolve, false),
            (S::Closed, A::Confirm, false),
            (S::Closed, A::Reopen, true),
        ];
        for level in Level::ALL {
            for (status, action, allowed) in table {
                let r = apply_problem(at(status, level), action);
                let top = level == Level::CityLeader && action == A::Escalate && status == S::Open;
                assert_eq!(
                    r.is_ok(),
                    allowed && !top,
                    "{status:?} {action:?} at {level:?}"
                );
                if r.is_err() {
                    assert!(!allowed_problem_actions(at(status, level)).contains(&action));
                }
            }
        }
    }

    #[test]
    fn a_reopened_problem_returns_to_its_level() {
        let resolved = apply_problem(
            at(ProblemStatus::Open, Level::Bureau),
            ProblemAction::Resolve,
        )
        .expect("resolve");
        assert_eq!(resolved, at(ProblemStatus::Resolved, Level::Bureau));
        let reopened = apply_problem(resolved, ProblemAction::Reopen).expect("reopen");
        assert_eq!(reopened, at(ProblemStatus::Open, Level::Bureau));
        let e = apply_problem(resolved, ProblemAction::Escalate).expect_err("refused");
        assert!(
            e.message_zh().contains("已解决待确认"),
            "{}",
            e.message_zh()
        );
    }

    #[test]
    fn meeting_kind_suggestions() {
        assert_eq!(suggest_meeting_kind(1, false), MeetingKind::Huddle);
        assert_eq!(suggest_meeting_kind(2, false), MeetingKind::Huddle);
        assert_eq!(suggest_meeting_kind(3, false), MeetingKind::JointReview);
        assert_eq!(suggest_meeting_kind(7, false), MeetingKind::JointReview);
        assert_eq!(suggest_meeting_kind(1, true), MeetingKind::OnSite);
        assert_eq!(suggest_meeting_kind(5, true), MeetingKind::OnSite);
    }

    #[test]
    fn discipline_findings_are_late_early_and_absent_without_leave() {
        let findings: Vec<Attendance> = Attendance::ALL
            .into_iter()
            .filter(|a| a.is_discipline_finding())
            .collect();
        assert_eq!(
            findings,
            [
                Attendance::Late,
                Attendance::LeftEarly,
                Attendance::AbsentWithoutLeave
            ]
        );
    }

    #[test]
    fn codes_round_trip() {
        for l in Level::ALL {
            assert_eq!(Level::from_code(l.code()), Some(l));
        }
        for s in ProblemStatus::ALL {
            assert_eq!(ProblemStatus::from_code(s.code()), Some(s));
        }
        for a in ProblemAction::ALL {
            assert_eq!(ProblemAction::from_code(a.code()), Some(a));
        }
        for c in ProblemCategory::ALL {
            assert_eq!(ProblemCategory::from_code(c.code()), Some(c));
        }
        for k in MeetingKind::ALL {
            assert_eq!(MeetingKind::from_code(k.code()), Some(k));
        }
        for a in Attendance::ALL {
            assert_eq!(Attendance::from_code(a.code()), Some(a));
        }
        for s in ActionItemStatus::ALL {
            assert_eq!(ActionItemStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(LadderLimits::default().at(Level::Bureau), 3);
    }
}
