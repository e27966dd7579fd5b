//! The information platform of policy 五(三): announcements of policy news (政策动态) and
//! enterprise demands (企业诉求) routed to the responsible unit and tracked to closure.
//!
//! Announcements: a bureau coordinator writes a draft, publishes it, may unpublish it and
//! publish it again; the categories are a fixed list. Demands: an enterprise (or staff on its
//! behalf) submits one; the bureau routes it to a town unit or a department (and re-routes it,
//! with a reason); the unit accepts it, replies, and closes it with the outcome; the enterprise
//! confirms the outcome or reopens the demand. A demand on a project may be turned into a
//! problem on the escalation ladder. The response limit is counted in working days.

use chrono::{DateTime, Utc};

/// The default response limit of a demand, in working days.
pub const DEFAULT_DEMAND_DAYS: u32 = 5;

/// What kind of news an announcement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncementCategory {
    /// 政策解读.
    PolicyInterpretation,
    /// 通知公告.
    Notice,
    /// 办事指南.
    Guide,
    /// 工作动态.
    WorkNews,
}

impl AnnouncementCategory {
    /// Every category, in the order pages list them.
    pub const ALL: [Self; 4] = [
        Self::PolicyInterpretation,
        Self::Notice,
        Self::Guide,
        Self::WorkNews,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::PolicyInterpretation => "policy",
            Self::Notice => "notice",
            Self::Guide => "guide",
            Self::WorkNews => "work_news",
        }
    }

    /// The category with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Chinese label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::PolicyInterpretation => "政策解读",
            Self::Notice => "通知公告",
            Self::Guide => "办事指南",
            Self::WorkNews => "工作动态",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::PolicyInterpretation => "policy interpretation",
            Self::Notice => "notice",
            Self::Guide => "service guide",
            Self::WorkNews => "work news",
        }
    }
}

/// Where an announcement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncementStatus {
    /// Being written: the bureau only.
    Draft,
    /// Visible to staff and enterprises (and the public when marked public).
    Published,
    /// Withdrawn after publication: the bureau only again.
    Unpublished,
}

impl AnnouncementStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Draft, Self::Published, Self::Unpublished];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Unpublished => "unpublished",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Whether `publish` is allowed from here (a draft or a withdrawn announcement).
    pub const fn may_publish(self) -> bool {
        matches!(self, Self::Draft | Self::Unpublished)
    }

    /// Whether `unpublish` is allowed from here.
    pub const fn may_unpublish(self) -> bool {
        matches!(self, Self::Published)
    }
}

/// Where a demand is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandStatus {
    /// Submitted, waiting for the bureau to route it.
    Submitted,
    /// Routed to a unit, waiting for it to accept.
    Routed,
    /// Accepted by the unit.
    Accepted,
    /// The unit has replied at least once.
    InProgress,
    /// Turned into a problem on the escalation ladder.
    Escalated,
    /// Closed by the unit (or the bureau) with the outcome.
    Closed,
    /// The enterprise confirmed the outcome.
    Confirmed,
}

impl DemandStatus {
    /// Every status.
    pub const ALL: [Self; 7] = [
        Self::Submitted,
        Self::Routed,
        Self::Accepted,
        Self::InProgress,
        Self::Escalated,
        Self::Closed,
        Self::Confirmed,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Routed => "routed",
            Self::Accepted => "accepted",
            Self::InProgress => "in_progress",
            Self::Escalated => "escalated",
            Self::Closed => "closed",
            Self::Confirmed => "confirmed",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Whether the demand still waits for an outcome.
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Confirmed)
    }
}

/// What someone does with a demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandAction {
    /// The bureau routes (or re-routes) it to a unit.
    Route,
    /// The unit accepts it.
    Accept,
    /// The unit (or the bureau) records a reply.
    Reply,
    /// The unit (or the bureau) closes it with the outcome.
    Close,
    /// The enterprise confirms the outcome.
    Confirm,
    /// The enterprise reopens it, with a reason.
    Reopen,
    /// The unit or the bureau turns it into a problem on the escalation ladder.
    Escalate,
}

/// Who may take an action on a demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandSide {
    /// The bureau's coordinators.
    Bureau,
    /// The staff of the unit it is routed to, or the bureau.
    UnitOrBureau,
    /// The enterprise whose demand it is.
    Enterprise,
}

impl DemandAction {
    /// Every action.
    pub const ALL: [Self; 7] = [
        Self::Route,
        Self::Accept,
        Self::Reply,
        Self::Close,
        Self::Confirm,
        Self::Reopen,
        Self::Escalate,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Route => "route",
            Self::Accept => "accept",
            Self::Reply => "reply",
            Self::Close => "close",
            Self::Confirm => "confirm",
            Self::Reopen => "reopen",
            Self::Escalate => "escalate",
        }
    }

    /// The action with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Who may take it.
    pub const fn side(self) -> DemandSide {
        match self {
            Self::Route => DemandSide::Bureau,
            Self::Accept | Self::Reply | Self::Close | Self::Escalate => DemandSide::UnitOrBureau,
            Self::Confirm | Self::Reopen => DemandSide::Enterprise,
        }
    }

    /// Whether the action needs a text: a re-route's reason, a reply, a closure's outcome, a
    /// reopening's reason.
    pub const fn requires_text(self, from: DemandStatus) -> bool {
        match self {
            Self::Route => !matches!(from, DemandStatus::Submitted),
            Self::Reply | Self::Close | Self::Reopen => true,
            Self::Accept | Self::Confirm | Self::Escalate => false,
        }
    }
}

/// The status after `action` from `from`, or `None` when the action is not allowed there.
pub const fn apply_demand(from: DemandStatus, action: DemandAction) -> Option<DemandStatus> {
    use DemandAction as A;
    use DemandStatus as S;
    match (from, action) {
        (S::Submitted | S::Routed | S::Accepted | S::InProgress, A::Route) => Some(S::Routed),
        (S::Routed, A::Accept) => Some(S::Accepted),
        (S::Accepted | S::InProgress, A::Reply) | (S::Closed, A::Reopen) => Some(S::InProgress),
        (S::Escalated, A::Reply) | (S::Routed | S::Accepted | S::InProgress, A::Escalate) => {
            Some(S::Escalated)
        }
        (S::Accepted | S::InProgress | S::Escalated, A::Close) => Some(S::Closed),
        (S::Closed, A::Confirm) => Some(S::Confirmed),
        _ => None,
    }
}

/// The actions allowed from `from`.
pub fn allowed_demand_actions(from: DemandStatus) -> Vec<DemandAction> {
    DemandAction::ALL
        .into_iter()
        .filter(|a| apply_demand(from, *a).is_some())
        .collect()
}

/// A demand's standing against its response limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Not answered yet, still in time.
    Due,
    /// Not answered and past the limit.
    Overdue,
    /// Answered within the limit.
    OnTime,
    /// Answered after the limit.
    Late,
}

impl DueState {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::OnTime => "on_time",
            Self::Late => "late",
        }
    }

    /// The state of a demand due at `due_at`, answered (first reply, closure or escalation
    /// since the clock last started) at `responded_at`, seen at `now`.
    pub fn of(
        now: DateTime<Utc>,
        due_at: DateTime<Utc>,
        responded_at: Option<DateTime<Utc>>,
    ) -> Self {
        match responded_at {
            Some(r) if r <= due_at => Self::OnTime,
            Some(_) => Self::Late,
            None if now > due_at => Self::Overdue,
            None => Self::Due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn demand_transitions_follow_the_table() {
        use DemandAction as A;
        use DemandStatus as S;
        let cases = [
            (S::Submitted, A::Route, Some(S::Routed)),
            (S::Submitted, A::Accept, None),
            (S::Submitted, A::Close, None),
            (S::Routed, A::Accept, Some(S::Accepted)),
            (S::Routed, A::Route, Some(S::Routed)),
            (S::Routed, A::Reply, None),
            (S::Accepted, A::Reply, Some(S::InProgress)),
            (S::InProgress, A::Reply, Some(S::InProgress)),
            (S::InProgress, A::Close, Some(S::Closed)),
            (S::InProgress, A::Escalate, Some(S::Escalated)),
            (S::Escalated, A::Escalate, None),
            (S::Escalated, A::Route, None),
            (S::Escalated, A::Close, Some(S::Closed)),
            (S::Closed, A::Confirm, Some(S::Confirmed)),
            (S::Closed, A::Reopen, Some(S::InProgress)),
            (S::Closed, A::Reply, None),
            (S::Confirmed, A::Reopen, None),
            (S::Confirmed, A::Route, None),
        ];
        for (from, action, to) in cases {
            assert_eq!(apply_demand(from, action), to, "{from:?} {action:?}");
        }
        assert_eq!(
            allowed_demand_actions(S::Closed),
            vec![A::Confirm, A::Reopen]
        );
        assert!(allowed_demand_actions(S::Confirmed).is_empty());
    }

    #[test]
    fn texts_and_sides() {
        assert!(!DemandAction::Route.requires_text(DemandStatus::Submitted));
        assert!(DemandAction::Route.requires_text(DemandStatus::Accepted));
        assert!(DemandAction::Close.requires_text(DemandStatus::InProgress));
        assert!(!DemandAction::Confirm.requires_text(DemandStatus::Closed));
        assert_eq!(DemandAction::Route.side(), DemandSide::Bureau);
        assert_eq!(DemandAction::Reopen.side(), DemandSide::Enterprise);
        assert_eq!(DemandAction::Escalate.side(), DemandSide::UnitOrBureau);
    }

    #[test]
    fn due_states() {
        let t = |d: u32| Utc.with_ymd_and_hms(2026, 3, d, 8, 0, 0).single().unwrap();
        let due = t(10);
        assert_eq!(DueState::of(t(9), due, None), DueState::Due);
        assert_eq!(DueState::of(t(11), due, None), DueState::Overdue);
        assert_eq!(DueState::of(t(11), due, Some(t(10))), DueState::OnTime);
        assert_eq!(DueState::of(t(9), due, Some(t(12))), DueState::Late);
    }

    #[test]
    fn codes_round_trip() {
        for c in AnnouncementCategory::ALL {
            assert_eq!(AnnouncementCategory::from_code(c.code()), Some(c));
        }
        for s in AnnouncementStatus::ALL {
            assert_eq!(AnnouncementStatus::from_code(s.code()), Some(s));
        }
        for s in DemandStatus::ALL {
            assert_eq!(DemandStatus::from_code(s.code()), Some(s));
        }
        for a in DemandAction::ALL {
            assert_eq!(DemandAction::from_code(a.code()), Some(a));
        }
        assert!(AnnouncementStatus::Draft.may_publish());
        assert!(AnnouncementStatus::Unpublished.may_publish());
        assert!(!AnnouncementStatus::Published.may_publish());
        assert!(AnnouncementStatus::Published.may_unpublish());
        assert!(!DemandStatus::Closed.is_open());
        assert!(DemandStatus::Escalated.is_open());
    }
}
