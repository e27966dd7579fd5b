//! The lifecycle of a case item (办件): one item of the catalog for one project, from the
//! enterprise's request to its conclusion (shared/DESIGN.md, “The case-item lifecycle”), and the
//! one-time notice rule (一次性告知).
//!
//! ```text
//! requested ─accept→ accepted ─materials_complete→ ready ─submit→ submitted ─helper_accept→ in_review
//! accepted, awaiting_materials, submitted ─notice_missing→ awaiting_materials ─materials_complete→ ready
//! in_review ─suspend→ suspended ─resume→ in_review;  in_review ─extend→ in_review
//! in_review ─approve | reject→ approved | rejected        (immediate, committed and joint items)
//! in_review ─report_up→ reported_up ─approve | reject→ approved | rejected        (upward items)
//! any open state ─withdraw→ withdrawn
//! requested, accepted, awaiting_materials, ready, submitted ─not_acceptable→ not_acceptable
//! ```
//!
//! The machine is a pure function, [`apply`]; a transition it refuses is refused with the
//! actions that are allowed, so the caller can say why. Which actor may take an action is
//! [`CaseAction::side`]; the reasons, notes and materials of each transition are the caller's.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clock::ItemType;

#[cfg(test)]
mod tests;

/// The state of a case item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 待受理: requested by the enterprise, not yet taken on by the agent.
    Requested,
    /// 已受理: accepted by the agent (first-contact owner recorded); completeness check.
    Accepted,
    /// 待补正: a one-time notice is out; waiting for the enterprise's materials.
    AwaitingMaterials,
    /// 待报送: materials complete; the agent submits within 1 working day.
    Ready,
    /// 已报送: submitted to the department, not yet accepted by its helper.
    Submitted,
    /// 审批中: accepted by the department's helper; the clock runs by item type.
    InReview,
    /// 已挂起: the clock is stopped (correction, expert review, public notice, …).
    Suspended,
    /// 已上报: an upward item reported to the higher level, awaiting its decision.
    ReportedUp,
    /// 已准予: approved; concluded.
    Approved,
    /// 不予许可: rejected, with a reason; concluded.
    Rejected,
    /// 已撤回: withdrawn; concluded.
    Withdrawn,
    /// 不予受理: not acceptable, with an explanation; concluded.
    NotAcceptable,
}

impl CaseState {
    /// Every state, in the order of the journey, the terminal ones last.
    pub const ALL: [Self; 12] = [
        Self::Requested,
        Self::Accepted,
        Self::AwaitingMaterials,
        Self::Ready,
        Self::Submitted,
        Self::InReview,
        Self::Suspended,
        Self::ReportedUp,
        Self::Approved,
        Self::Rejected,
        Self::Withdrawn,
        Self::NotAcceptable,
    ];

    /// The stable code, e.g. `awaiting_materials`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::AwaitingMaterials => "awaiting_materials",
            Self::Ready => "ready",
            Self::Submitted => "submitted",
            Self::InReview => "in_review",
            Self::Suspended => "suspended",
            Self::ReportedUp => "reported_up",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::NotAcceptable => "not_acceptable",
        }
    }

    /// The state with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Requested => "待受理",
            Self::Accepted => "已受理",
            Self::AwaitingMaterials => "待补正",
            Self::Ready => "待报送",
            Self::Submitted => "已报送",
            Self::InReview => "审批中",
            Self::Suspended => "已挂起",
            Self::ReportedUp => "已上报",
            Self::Approved => "已准予",
            Self::Rejected => "不予许可",
            Self::Withdrawn => "已撤回",
            Self::NotAcceptable => "不予受理",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::AwaitingMaterials => "awaiting materials",
            Self::Ready => "ready to submit",
            Self::Submitted => "submitted",
            Self::InReview => "in review",
            Self::Suspended => "suspended",
            Self::ReportedUp => "reported up",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::NotAcceptable => "not acceptable",
        }
    }

    /// Whether the item is concluded: approved, rejected, withdrawn or not acceptable. Nothing
    /// more can be done to it.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::Rejected | Self::Withdrawn | Self::NotAcceptable
        )
    }

    /// Whether the item is still being handled: not terminal.
    pub const fn is_open(self) -> bool {
        !self.is_terminal()
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An action on a case item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// 受理: the agent takes the request on. Requested → Accepted.
    Accept,
    /// 一次性告知: a notice of everything missing, by the agent (from Accepted, or a later notice
    /// from AwaitingMaterials) or by the department (from Submitted). → AwaitingMaterials.
    NoticeMissing,
    /// 材料齐全: the materials are complete. Accepted or AwaitingMaterials → Ready.
    MaterialsComplete,
    /// 报送: the agent submits to the department. Ready → Submitted.
    Submit,
    /// 部门受理: the department's helper accepts; the clock starts. Submitted → InReview.
    HelperAccept,
    /// 挂起: the clock stops. InReview → Suspended.
    Suspend,
    /// 恢复: the clock runs again. Suspended → InReview.
    Resume,
    /// 延期: an approved extension of the limit. InReview → InReview.
    Extend,
    /// 上报: an upward item is reported to the higher level. InReview → ReportedUp.
    ReportUp,
    /// 准予: approved. InReview → Approved (ReportedUp → Approved for an upward item).
    Approve,
    /// 不予许可: rejected. InReview → Rejected (ReportedUp → Rejected for an upward item).
    Reject,
    /// 撤回: withdrawn by the enterprise or its agent. Any open state → Withdrawn.
    Withdraw,
    /// 不予受理: not acceptable, before the department has accepted. → NotAcceptable.
    #[serde(rename = "not_acceptable")]
    DeclareNotAcceptable,
}

impl CaseAction {
    /// Every action, in the order of the journey; [`allowed_actions`] lists them in this order.
    pub const ALL: [Self; 13] = [
        Self::Accept,
        Self::NoticeMissing,
        Self::MaterialsComplete,
        Self::Submit,
        Self::HelperAccept,
        Self::Suspend,
        Self::Resume,
        Self::Extend,
        Self::ReportUp,
        Self::Approve,
        Self::Reject,
        Self::Withdraw,
        Self::DeclareNotAcceptable,
    ];

    /// The stable code, e.g. `notice_missing`; `not_acceptable` for
    /// [`CaseAction::DeclareNotAcceptable`].
    pub const fn code(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::NoticeMissing => "notice_missing",
            Self::MaterialsComplete => "materials_complete",
            Self::Submit => "submit",
            Self::HelperAccept => "helper_accept",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Extend => "extend",
            Self::ReportUp => "report_up",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
            Self::DeclareNotAcceptable => "not_acceptable",
        }
    }

    /// The action with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Accept => "受理",
            Self::NoticeMissing => "一次性告知",
            Self::MaterialsComplete => "材料齐全",
            Self::Submit => "报送",
            Self::HelperAccept => "部门受理",
            Self::Suspend => "挂起",
            Self::Resume => "恢复",
            Self::Extend => "延期",
            Self::ReportUp => "上报",
            Self::Approve => "准予",
            Self::Reject => "不予许可",
            Self::Withdraw => "撤回",
            Self::DeclareNotAcceptable => "不予受理",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::NoticeMissing => "issue a one-time notice",
            Self::MaterialsComplete => "mark materials complete",
            Self::Submit => "submit",
            Self::HelperAccept => "accept for the department",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Extend => "extend",
            Self::ReportUp => "report up",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
            Self::DeclareNotAcceptable => "declare not acceptable",
        }
    }

    /// Whether the action must come with a reason: rejecting, withdrawing, declaring not
    /// acceptable, suspending and extending.
    pub const fn requires_reason(self) -> bool {
        matches!(
            self,
            Self::Reject
                | Self::Withdraw
                | Self::DeclareNotAcceptable
                | Self::Suspend
                | Self::Extend
        )
    }

    /// Who takes the action when the item is in state `from`. A one-time notice and a
    /// declaration of non-acceptability are the agent's before submission and the department's
    /// helper's once the item is submitted.
    pub const fn side(self, from: CaseState) -> ActionSide {
        match self {
            Self::Accept | Self::MaterialsComplete | Self::Submit => ActionSide::Agent,
            Self::NoticeMissing | Self::DeclareNotAcceptable => {
                if matches!(from, CaseState::Submitted) {
                    ActionSide::Helper
                } else {
                    ActionSide::Agent
                }
            }
            Self::HelperAccept
            | Self::Suspend
            | Self::Resume
            | Self::Extend
            | Self::ReportUp
            | Self::Approve
            | Self::Reject => ActionSide::Helper,
            Self::Withdraw => ActionSide::AgentOrEnterprise,
        }
    }
}

impl fmt::Display for CaseAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who takes an action on a case item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSide {
    /// The town unit's agent (代办员).
    Agent,
    /// The department's helper (帮办员).
    Helper,
    /// The agent, or the enterprise itself.
    AgentOrEnterprise,
}

impl ActionSide {
    /// Every side.
    pub const ALL: [Self; 3] = [Self::Agent, Self::Helper, Self::AgentOrEnterprise];

    /// The stable code: `agent`, `helper`, `agent_or_enterprise`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Helper => "helper",
            Self::AgentOrEnterprise => "agent_or_enterprise",
        }
    }

    /// The side with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Agent => "代办员",
            Self::Helper => "帮办员",
            Self::AgentOrEnterprise => "代办员或企业",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Agent => "Agent",
            Self::Helper => "Helper",
            Self::AgentOrEnterprise => "Agent or enterprise",
        }
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    /// `action` is not allowed from `from` for the item's type.
    #[error("{}", not_allowed_en(*.from, *.action, .allowed))]
    NotAllowed {
        /// The current state.
        from: CaseState,
        /// The action refused.
        action: CaseAction,
        /// The actions allowed from `from`, as [`allowed_actions`] lists them.
        allowed: Vec<CaseAction>,
    },
}

fn not_allowed_en(from: CaseState, action: CaseAction, allowed: &[CaseAction]) -> String {
    if from.is_terminal() {
        return format!(
            "the case item is {} and concluded: nothing more can be done to it (refused: {})",
            from.label_en(),
            action.label_en()
        );
    }
    let list = if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed
            .iter()
            .map(|a| a.label_en())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "cannot {} a case item that is {}; allowed: {list}",
        action.label_en(),
        from.label_en()
    )
}

impl TransitionError {
    /// The message in Chinese, e.g.
    /// 「当前状态为“待补正”，不能执行“报送”；可执行：一次性告知、材料齐全、撤回、不予受理」.
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAllowed {
                from,
                action,
                allowed,
            } => {
                if from.is_terminal() {
                    return format!(
                        "当前状态为“{}”，办件已办结，不能再执行任何操作（包括“{}”）",
                        from.label_zh(),
                        action.label_zh()
                    );
                }
                let list = if allowed.is_empty() {
                    "无".to_owned()
                } else {
                    allowed
                        .iter()
                        .map(|a| a.label_zh())
                        .collect::<Vec<_>>()
                        .join("、")
                };
                format!(
                    "当前状态为“{}”，不能执行“{}”；可执行：{list}",
                    from.label_zh(),
                    action.label_zh()
                )
            }
        }
    }
}

/// The state `action` leads to from `from` for an item of `item_type`, or `None`.
const fn target(from: CaseState, action: CaseAction, item_type: ItemType) -> Option<CaseState> {
    use CaseAction as A;
    use CaseState as S;
    let upward = matches!(item_type, ItemType::Upward);
    match (from, action) {
        (S::Requested, A::Accept) => Some(S::Accepted),
        (S::Accepted | S::AwaitingMaterials | S::Submitted, A::NoticeMissing) => {
            Some(S::AwaitingMaterials)
        }
        (S::Accepted | S::AwaitingMaterials, A::MaterialsComplete) => Some(S::Ready),
        (S::Ready, A::Submit) => Some(S::Submitted),
        (S::Submitted, A::HelperAccept) | (S::Suspended, A::Resume) | (S::InReview, A::Extend) => {
            Some(S::InReview)
        }
        (S::InReview, A::Suspend) => Some(S::Suspended),
        (S::InReview, A::ReportUp) if upward => Some(S::ReportedUp),
        (S::InReview, A::Approve) if !upward => Some(S::Approved),
        (S::InReview, A::Reject) if !upward => Some(S::Rejected),
        (S::ReportedUp, A::Approve) if upward => Some(S::Approved),
        (S::ReportedUp, A::Reject) if upward => Some(S::Rejected),
        (
            S::Requested | S::Accepted | S::AwaitingMaterials | S::Ready | S::Submitted,
            A::DeclareNotAcceptable,
        ) => Some(S::NotAcceptable),
        (_, A::Withdraw) if from.is_open() => Some(S::Withdrawn),
        _ => None,
    }
}

/// The actions allowed from `from` for an item of `item_type`, in the order of
/// [`CaseAction::ALL`]. Empty for a terminal state.
pub fn allowed_actions(from: CaseState, item_type: ItemType) -> Vec<CaseAction> {
    CaseAction::ALL
        .into_iter()
        .filter(|&a| target(from, a, item_type).is_some())
        .collect()
}

/// The state `action` leads to from `from` for an item of `item_type`.
///
/// # Errors
///
/// [`TransitionError::NotAllowed`] when the lifecycle does not allow the action from that state
/// for that type, with the actions it does allow.
pub fn apply(
    from: CaseState,
    action: CaseAction,
    item_type: ItemType,
) -> Result<CaseState, TransitionError> {
    target(from, action, item_type).ok_or_else(|| TransitionError::NotAllowed {
        from,
        action,
        allowed: allowed_actions(from, item_type),
    })
}

/// The demands (material codes) of a later notice that no earlier notice of the same case item
/// made, sorted. The one-time notice rule (一次性告知) says this must be empty: everything
/// missing is told at once, and a later notice may only repeat what was not yet supplied.
pub fn notice_breach(
    earlier_demands: &BTreeSet<String>,
    later_demands: &BTreeSet<String>,
) -> Vec<String> {
    later_demands.difference(earlier_demands).cloned().collect()
}

/// A material the catalog requires for an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequiredMaterial {
    /// The stable code of the material.
    pub code: String,
    /// Its name.
    pub name: String,
    /// 容缺: may be supplied after acceptance.
    pub deferrable: bool,
    /// 告知承诺: may be replaced by the applicant's written promise.
    pub promise_allowed: bool,
}

/// What is missing for an item, split by whether it blocks acceptance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingMaterials {
    /// Missing and neither deferrable nor replaceable by a promise: the item cannot go on
    /// without them.
    pub blocking: Vec<RequiredMaterial>,
    /// Missing but deferrable (容缺) or replaceable by a promise (告知承诺): they do not block
    /// acceptance but stay on the notice.
    pub deferrable: Vec<RequiredMaterial>,
}

impl MissingMaterials {
    /// Whether nothing at all is missing.
    pub fn is_complete(&self) -> bool {
        self.blocking.is_empty() && self.deferrable.is_empty()
    }

    /// Whether something missing blocks acceptance.
    pub fn blocks(&self) -> bool {
        !self.blocking.is_empty()
    }

    /// The codes of everything missing, sorted: the demands of a one-time notice.
    pub fn demands(&self) -> BTreeSet<String> {
        self.blocking
            .iter()
            .chain(&self.deferrable)
            .map(|m| m.code.clone())
            .collect()
    }
}

/// The required materials not in `received` (by code), in the order of `required`, split into
/// the blocking ones and the deferrable ones.
pub fn missing_materials(
    required: &[RequiredMaterial],
    received: &BTreeSet<String>,
) -> MissingMaterials {
    let mut missing = MissingMaterials::default();
    for m in required.iter().filter(|m| !received.contains(&m.code)) {
        if m.deferrable || m.promise_allowed {
            missing.deferrable.push(m.clone());
        } else {
            missing.blocking.push(m.clone());
        }
    }
    missing
}
