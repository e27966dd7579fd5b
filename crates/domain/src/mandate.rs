//! The mandate (委托代办): the enterprise's voluntary, free-of-charge authorisation for agents to
//! act for it on a project. It runs while the service does, may be paused and resumed, and ends
//! concluded (办结) or terminated (终止).
//!
//! ```text
//! active ─suspend→ suspended ─resume→ active
//! active ─conclude→ concluded (final)
//! active, suspended ─terminate→ terminated (final)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::project::ProjectStatus;

/// The state of a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MandateState {
    /// 代办中: in force.
    Active,
    /// 已中止: paused.
    Suspended,
    /// 已办结: the service is complete; final.
    Concluded,
    /// 已终止: ended before completion; final.
    Terminated,
}

impl MandateState {
    /// Every state.
    pub const ALL: [Self; 4] = [
        Self::Active,
        Self::Suspended,
        Self::Concluded,
        Self::Terminated,
    ];

    /// The stable code: `active`, `suspended`, `concluded`, `terminated`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Concluded => "concluded",
            Self::Terminated => "terminated",
        }
    }

    /// The state with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Active => "代办中",
            Self::Suspended => "已中止",
            Self::Concluded => "已办结",
            Self::Terminated => "已终止",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Concluded => "concluded",
            Self::Terminated => "terminated",
        }
    }

    /// Whether the mandate has ended: concluded or terminated.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Concluded | Self::Terminated)
    }

    /// The project status that goes with the mandate in this state.
    pub const fn project_status(self) -> ProjectStatus {
        match self {
            Self::Active => ProjectStatus::Active,
            Self::Suspended => ProjectStatus::Paused,
            Self::Concluded => ProjectStatus::Completed,
            Self::Terminated => ProjectStatus::Terminated,
        }
    }
}

impl fmt::Display for MandateState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An action on a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MandateAction {
    /// 中止: pause. Active → Suspended.
    Suspend,
    /// 续办: resume. Suspended → Active.
    Resume,
    /// 办结: conclude. Active → Concluded.
    Conclude,
    /// 终止: terminate. Active or Suspended → Terminated.
    Terminate,
}

impl MandateAction {
    /// Every action.
    pub const ALL: [Self; 4] = [Self::Suspend, Self::Resume, Self::Conclude, Self::Terminate];

    /// The stable code: `suspend`, `resume`, `conclude`, `terminate`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Conclude => "conclude",
            Self::Terminate => "terminate",
        }
    }

    /// The action with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Suspend => "中止",
            Self::Resume => "续办",
            Self::Conclude => "办结",
            Self::Terminate => "终止",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Conclude => "conclude",
            Self::Terminate => "terminate",
        }
    }
}

impl fmt::Display for MandateAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a mandate was terminated (终止原因). Only [`TerminationCause::StaffFault`] is a finding
/// of the evaluation: attachment 2 deducts 5 points per project lost through a staff member's own
/// fault (因工作人员个人原因造成项目流失), against that member's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationCause {
    /// 企业自身决策调整（放弃投资、变更计划）.
    EnterpriseDecision,
    /// 政策、规划或用地条件变化.
    PolicyOrPlanning,
    /// 因工作人员个人原因造成项目流失（推诿、拖延、服务不到位）.
    StaffFault,
    /// 其他原因（原因中写明）.
    Other,
}

impl TerminationCause {
    /// Every cause, in the order the form offers them.
    pub const ALL: [Self; 4] = [
        Self::EnterpriseDecision,
        Self::PolicyOrPlanning,
        Self::StaffFault,
        Self::Other,
    ];

    /// The stable code: `enterprise_decision`, `policy_or_planning`, `staff_fault`, `other`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::EnterpriseDecision => "enterprise_decision",
            Self::PolicyOrPlanning => "policy_or_planning",
            Self::StaffFault => "staff_fault",
            Self::Other => "other",
        }
    }

    /// The cause with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::EnterpriseDecision => "企业自身决策调整",
            Self::PolicyOrPlanning => "政策、规划或用地条件变化",
            Self::StaffFault => "因工作人员个人原因造成项目流失",
            Self::Other => "其他原因",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::EnterpriseDecision => "the enterprise's own decision",
            Self::PolicyOrPlanning => "a change of policy, planning or land",
            Self::StaffFault => "lost through a staff member's own fault",
            Self::Other => "another cause",
        }
    }

    /// Whether the cause must name the staff member at fault (and is a lost-project finding).
    pub const fn names_staff(self) -> bool {
        matches!(self, Self::StaffFault)
    }
}

/// A mandate action that is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MandateError {
    /// `action` is not allowed on a mandate that is `from`.
    #[error("cannot {} a mandate that is {}", .action.label_en(), .from.label_en())]
    NotAllowed {
        /// The mandate's state.
        from: MandateState,
        /// The action refused.
        action: MandateAction,
    },
}

impl MandateError {
    /// The message in Chinese, e.g. 「委托代办当前状态为“已办结”，不能“中止”」.
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAllowed { from, action } => format!(
                "委托代办当前状态为“{}”，不能“{}”",
                from.label_zh(),
                action.label_zh()
            ),
        }
    }
}

/// The state `action` leads a mandate that is `from` to.
///
/// # Errors
///
/// [`MandateError::NotAllowed`] for any other pair than suspend (active), resume (suspended),
/// conclude (active) and terminate (active or suspended).
pub fn apply_mandate(
    from: MandateState,
    action: MandateAction,
) -> Result<MandateState, MandateError> {
    use MandateAction as A;
    use MandateState as S;
    match (from, action) {
        (S::Active, A::Suspend) => Ok(S::Suspended),
        (S::Suspended, A::Resume) => Ok(S::Active),
        (S::Active, A::Conclude) => Ok(S::Concluded),
        (S::Active | S::Suspended, A::Terminate) => Ok(S::Terminated),
        _ => Err(MandateError::NotAllowed { from, action }),
    }
}

/// The actions allowed on a mandate that is `from`, in the order of [`MandateAction::ALL`].
pub fn allowed_mandate_actions(from: MandateState) -> Vec<MandateAction> {
    MandateAction::ALL
        .into_iter()
        .filter(|&a| apply_mandate(from, a).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_causes_round_trip_and_only_staff_fault_names_a_person() {
        for c in TerminationCause::ALL {
            assert_eq!(TerminationCause::from_code(c.code()), Some(c));
            assert_eq!(c.names_staff(), c == TerminationCause::StaffFault);
        }
        assert_eq!(TerminationCause::from_code("fault"), None);
    }
    use MandateAction as A;
    use MandateState as S;

    #[test]
    fn the_full_mandate_table() {
        // Every state × every action; `None` is a refusal.
        let table: [(MandateState, [Option<MandateState>; 4]); 4] = [
            //           suspend           resume          conclude           terminate
            (
                S::Active,
                [
                    Some(S::Suspended),
                    None,
                    Some(S::Concluded),
                    Some(S::Terminated),
                ],
            ),
            (
                S::Suspended,
                [None, Some(S::Active), None, Some(S::Terminated)],
            ),
            (S::Concluded, [None, None, None, None]),
            (S::Terminated, [None, None, None, None]),
        ];
        assert_eq!(table.map(|(s, _)| s), MandateState::ALL);
        for (from, row) in table {
            for (action, want) in MandateAction::ALL.into_iter().zip(row) {
                let got = apply_mandate(from, action);
                match want {
                    Some(to) => assert_eq!(got, Ok(to), "{from} {action}"),
                    None => assert_eq!(
                        got,
                        Err(MandateError::NotAllowed { from, action }),
                        "{from} {action}"
                    ),
                }
            }
            assert_eq!(allowed_mandate_actions(from).is_empty(), from.is_terminal());
        }
    }

    #[test]
    fn messages_codes_and_project_status() {
        let e = apply_mandate(S::Concluded, A::Suspend).unwrap_err();
        assert_eq!(e.to_string(), "cannot suspend a mandate that is concluded");
        assert_eq!(e.message_zh(), "委托代办当前状态为“已办结”，不能“中止”");
        for s in MandateState::ALL {
            assert_eq!(MandateState::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert!(!s.label_en().is_empty());
            // The mandate's state and the project's status use the same words.
            assert_eq!(s.project_status().label_zh(), s.label_zh());
            assert_eq!(s.project_status().is_open(), !s.is_terminal());
        }
        for a in MandateAction::ALL {
            assert_eq!(MandateAction::from_code(a.code()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
            assert!(!a.label_zh().is_empty() && !a.label_en().is_empty());
        }
        assert_eq!(A::Resume.label_zh(), "续办");
    }
}
