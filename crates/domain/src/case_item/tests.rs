use std::collections::{BTreeMap, BTreeSet, VecDeque};

use proptest::prelude::*;

use super::*;
use CaseAction as A;
use CaseState as S;

const ANY: &[ItemType] = &[
    ItemType::Immediate,
    ItemType::Committed,
    ItemType::Upward,
    ItemType::Joint,
];
const UPWARD: &[ItemType] = &[ItemType::Upward];
const NOT_UPWARD: &[ItemType] = &[ItemType::Immediate, ItemType::Committed, ItemType::Joint];

/// The lifecycle, written out by hand from the specification: every allowed transition, for the
/// item types it applies to. Everything not listed is refused.
const TABLE: &[(CaseState, CaseAction, &[ItemType], CaseState)] = &[
    (S::Requested, A::Accept, ANY, S::Accepted),
    (S::Requested, A::Withdraw, ANY, S::Withdrawn),
    (S::Requested, A::DeclareNotAcceptable, ANY, S::NotAcceptable),
    (S::Accepted, A::NoticeMissing, ANY, S::AwaitingMaterials),
    (S::Accepted, A::MaterialsComplete, ANY, S::Ready),
    (S::Accepted, A::Withdraw, ANY, S::Withdrawn),
    (S::Accepted, A::DeclareNotAcceptable, ANY, S::NotAcceptable),
    (
        S::AwaitingMaterials,
        A::NoticeMissing,
        ANY,
        S::AwaitingMaterials,
    ),
    (S::AwaitingMaterials, A::MaterialsComplete, ANY, S::Ready),
    (S::AwaitingMaterials, A::Withdraw, ANY, S::Withdrawn),
    (
        S::AwaitingMaterials,
        A::DeclareNotAcceptable,
        ANY,
        S::NotAcceptable,
    ),
    (S::Ready, A::Submit, ANY, S::Submitted),
    (S::Ready, A::Withdraw, ANY, S::Withdrawn),
    (S::Ready, A::DeclareNotAcceptable, ANY, S::NotAcceptable),
    (S::Submitted, A::NoticeMissing, ANY, S::AwaitingMaterials),
    (S::Submitted, A::HelperAccept, ANY, S::InReview),
    (S::Submitted, A::Withdraw, ANY, S::Withdrawn),
    (S::Submitted, A::DeclareNotAcceptable, ANY, S::NotAcceptable),
    (S::InReview, A::Suspend, ANY, S::Suspended),
    (S::InReview, A::Extend, ANY, S::InReview),
    (S::InReview, A::ReportUp, UPWARD, S::ReportedUp),
    (S::InReview, A::Approve, NOT_UPWARD, S::Approved),
    (S::InReview, A::Reject, NOT_UPWARD, S::Rejected),
    (S::InReview, A::Withdraw, ANY, S::Withdrawn),
    (S::Suspended, A::Resume, ANY, S::InReview),
    (S::Suspended, A::Withdraw, ANY, S::Withdrawn),
    (S::ReportedUp, A::Approve, UPWARD, S::Approved),
    (S::ReportedUp, A::Reject, UPWARD, S::Rejected),
    (S::ReportedUp, A::Withdraw, ANY, S::Withdrawn),
];

fn expected(from: CaseState, action: CaseAction, item_type: ItemType) -> Option<CaseState> {
    TABLE
        .iter()
        .find(|(f, a, types, _)| *f == from && *a == action && types.contains(&item_type))
        .map(|(_, _, _, to)| *to)
}

/// The states reachable from `Requested` by the hand-written table.
fn reachable_by_table(item_type: ItemType) -> BTreeSet<CaseState> {
    let mut seen = BTreeSet::from([S::Requested]);
    let mut queue = VecDeque::from([S::Requested]);
    while let Some(s) = queue.pop_front() {
        for a in CaseAction::ALL {
            if let Some(to) = expected(s, a, item_type)
                && seen.insert(to)
            {
                queue.push_back(to);
            }
        }
    }
    seen
}

#[test]
fn the_full_transition_table() {
    let mut allowed = 0;
    let mut refused = 0;
    for t in ItemType::ALL {
        for s in CaseState::ALL {
            for a in CaseAction::ALL {
                let got = apply(s, a, t);
                match expected(s, a, t) {
                    Some(to) => {
                        assert_eq!(got, Ok(to), "{s} --{a}--> ({})", t.code());
                        allowed += 1;
                    }
                    None => {
                        assert_eq!(
                            got,
                            Err(TransitionError::NotAllowed {
                                from: s,
                                action: a,
                                allowed: allowed_actions(s, t),
                            }),
                            "{s} --{a}--> ({}) must be refused",
                            t.code()
                        );
                        refused += 1;
                    }
                }
            }
        }
    }
    // 12 states × 13 actions × 4 types.
    assert_eq!(allowed + refused, 624);
    // 24 transitions for every type; 2 more (the decision from in_review) for each of the three
    // other types; 3 more (report_up and the decision from reported_up) for upward items.
    assert_eq!(allowed, 26 * 3 + 27);
    // No table row is listed twice.
    let mut keys = BTreeSet::new();
    for (f, a, types, _) in TABLE {
        for t in *types {
            assert!(keys.insert((*f, *a, *t)), "{f} {a} listed twice");
        }
    }
}

#[test]
fn allowed_actions_in_a_stable_order() {
    assert_eq!(
        allowed_actions(S::AwaitingMaterials, ItemType::Committed),
        [
            A::NoticeMissing,
            A::MaterialsComplete,
            A::Withdraw,
            A::DeclareNotAcceptable
        ]
    );
    assert_eq!(
        allowed_actions(S::InReview, ItemType::Upward),
        [A::Suspend, A::Extend, A::ReportUp, A::Withdraw]
    );
    assert_eq!(
        allowed_actions(S::InReview, ItemType::Joint),
        [A::Suspend, A::Extend, A::Approve, A::Reject, A::Withdraw]
    );
    assert_eq!(
        allowed_actions(S::Submitted, ItemType::Immediate),
        [
            A::NoticeMissing,
            A::HelperAccept,
            A::Withdraw,
            A::DeclareNotAcceptable
        ]
    );
    assert!(allowed_actions(S::Approved, ItemType::Committed).is_empty());
}

fn journey(item_type: ItemType, steps: &[(CaseAction, CaseState)]) {
    let mut s = S::Requested;
    for &(a, to) in steps {
        s = apply(s, a, item_type).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s, to, "after {a}");
    }
}

#[test]
fn a_committed_item_from_request_to_approval() {
    journey(
        ItemType::Committed,
        &[
            (A::Accept, S::Accepted),
            (A::NoticeMissing, S::AwaitingMaterials),
            (A::NoticeMissing, S::AwaitingMaterials),
            (A::MaterialsComplete, S::Ready),
            (A::Submit, S::Submitted),
            // The department finds something missing: back to the enterprise, then again.
            (A::NoticeMissing, S::AwaitingMaterials),
            (A::MaterialsComplete, S::Ready),
            (A::Submit, S::Submitted),
            (A::HelperAccept, S::InReview),
            (A::Approve, S::Approved),
        ],
    );
    // Straight through when the materials are complete at once.
    journey(
        ItemType::Immediate,
        &[
            (A::Accept, S::Accepted),
            (A::MaterialsComplete, S::Ready),
            (A::Submit, S::Submitted),
            (A::HelperAccept, S::InReview),
            (A::Reject, S::Rejected),
        ],
    );
}

#[test]
fn an_upward_item_is_reported_up_then_decided_above() {
    journey(
        ItemType::Upward,
        &[
            (A::Accept, S::Accepted),
            (A::MaterialsComplete, S::Ready),
            (A::Submit, S::Submitted),
            (A::HelperAccept, S::InReview),
            (A::ReportUp, S::ReportedUp),
            (A::Approve, S::Approved),
        ],
    );
    // The local helper cannot decide it.
    let e = apply(S::InReview, A::Approve, ItemType::Upward).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot approve a case item that is in review; allowed: suspend, extend, report up, withdraw"
    );
    // And only an upward item is reported up.
    assert!(apply(S::InReview, A::ReportUp, ItemType::Committed).is_err());
    assert_eq!(
        apply(S::ReportedUp, A::Reject, ItemType::Upward),
        Ok(S::Rejected)
    );
}

#[test]
fn suspend_resume_and_extend() {
    journey(
        ItemType::Joint,
        &[
            (A::Accept, S::Accepted),
            (A::MaterialsComplete, S::Ready),
            (A::Submit, S::Submitted),
            (A::HelperAccept, S::InReview),
            (A::Suspend, S::Suspended),
            (A::Resume, S::InReview),
            (A::Extend, S::InReview),
            (A::Extend, S::InReview),
            (A::Suspend, S::Suspended),
            (A::Resume, S::InReview),
            (A::Approve, S::Approved),
        ],
    );
    // While suspended, only resume and withdraw.
    assert_eq!(
        allowed_actions(S::Suspended, ItemType::Committed),
        [A::Resume, A::Withdraw]
    );
    assert!(apply(S::Suspended, A::Extend, ItemType::Committed).is_err());
    assert!(apply(S::Suspended, A::Approve, ItemType::Committed).is_err());
}

#[test]
fn refusals_say_why_in_both_languages() {
    let e = apply(S::AwaitingMaterials, A::Submit, ItemType::Committed).unwrap_err();
    assert_eq!(
        e.message_zh(),
        "当前状态为“待补正”，不能执行“报送”；可执行：一次性告知、材料齐全、撤回、不予受理"
    );
    assert_eq!(
        e.to_string(),
        "cannot submit a case item that is awaiting materials; allowed: issue a one-time notice, \
         mark materials complete, withdraw, declare not acceptable"
    );
    let done = apply(S::Approved, A::Withdraw, ItemType::Committed).unwrap_err();
    assert_eq!(
        done.message_zh(),
        "当前状态为“已准予”，办件已办结，不能再执行任何操作（包括“撤回”）"
    );
    assert!(done.to_string().contains("concluded"));
    assert!(done.to_string().contains("approved"));
}

#[test]
fn who_acts_and_what_needs_a_reason() {
    assert_eq!(A::Accept.side(S::Requested), ActionSide::Agent);
    assert_eq!(A::NoticeMissing.side(S::Accepted), ActionSide::Agent);
    assert_eq!(
        A::NoticeMissing.side(S::AwaitingMaterials),
        ActionSide::Agent
    );
    assert_eq!(A::NoticeMissing.side(S::Submitted), ActionSide::Helper);
    assert_eq!(A::MaterialsComplete.side(S::Accepted), ActionSide::Agent);
    assert_eq!(A::Submit.side(S::Ready), ActionSide::Agent);
    for a in [
        A::HelperAccept,
        A::Suspend,
        A::Resume,
        A::Extend,
        A::ReportUp,
        A::Approve,
        A::Reject,
    ] {
        assert_eq!(a.side(S::InReview), ActionSide::Helper, "{a}");
    }
    for s in CaseState::ALL {
        assert_eq!(A::Withdraw.side(s), ActionSide::AgentOrEnterprise);
    }
    assert_eq!(A::DeclareNotAcceptable.side(S::Ready), ActionSide::Agent);
    assert_eq!(
        A::DeclareNotAcceptable.side(S::Requested),
        ActionSide::Agent
    );
    assert_eq!(
        A::DeclareNotAcceptable.side(S::Submitted),
        ActionSide::Helper
    );

    let with_reason: Vec<_> = CaseAction::ALL
        .into_iter()
        .filter(|a| a.requires_reason())
        .collect();
    assert_eq!(
        with_reason,
        [
            A::Suspend,
            A::Extend,
            A::Reject,
            A::Withdraw,
            A::DeclareNotAcceptable
        ]
    );
}

#[test]
fn codes_labels_and_serde_agree() {
    for s in CaseState::ALL {
        assert_eq!(CaseState::from_code(s.code()), Some(s));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.code())
        );
        assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
        assert_eq!(s.is_open(), !s.is_terminal());
    }
    for a in CaseAction::ALL {
        assert_eq!(CaseAction::from_code(a.code()), Some(a));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            format!("\"{}\"", a.code())
        );
        assert_eq!(
            serde_json::from_str::<CaseAction>(&format!("\"{}\"", a.code())).unwrap(),
            a
        );
        assert!(!a.label_zh().is_empty() && !a.label_en().is_empty());
    }
    for side in ActionSide::ALL {
        assert_eq!(ActionSide::from_code(side.code()), Some(side));
        assert!(!side.label_zh().is_empty() && !side.label_en().is_empty());
    }
    assert_eq!(A::DeclareNotAcceptable.code(), "not_acceptable");
    let terminal: Vec<_> = CaseState::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(
        terminal,
        [S::Approved, S::Rejected, S::Withdrawn, S::NotAcceptable]
    );
}

/// From every open state, for every type, some terminal state is reachable (exhaustive search).
#[test]
fn every_open_state_can_conclude() {
    for t in ItemType::ALL {
        for start in CaseState::ALL.into_iter().filter(|s| s.is_open()) {
            let mut seen = BTreeSet::from([start]);
            let mut queue = VecDeque::from([start]);
            let mut concluded = false;
            while let Some(s) = queue.pop_front() {
                concluded |= s.is_terminal();
                for a in allowed_actions(s, t) {
                    let to = apply(s, a, t).unwrap();
                    if seen.insert(to) {
                        queue.push_back(to);
                    }
                }
            }
            assert!(concluded, "{start} ({}) cannot conclude", t.code());
            // And by approval as well, along the normal journey (a non-upward item is never
            // reported up, so from there it can only be withdrawn).
            let strays = start == S::ReportedUp && t != ItemType::Upward;
            assert!(
                strays || seen.contains(&S::Approved),
                "{start} ({}) cannot be approved",
                t.code()
            );
        }
    }
    // Reported up is reachable only for upward items.
    for t in ItemType::ALL {
        assert_eq!(
            reachable_by_table(t).contains(&S::ReportedUp),
            t == ItemType::Upward
        );
    }
}

#[test]
fn notice_breach_lists_new_demands() {
    let set = |xs: &[&str]| xs.iter().map(|&x| x.to_owned()).collect::<BTreeSet<_>>();
    assert!(notice_breach(&set(&["a", "b"]), &set(&["b"])).is_empty());
    assert!(notice_breach(&set(&["a", "b"]), &set(&[])).is_empty());
    assert_eq!(
        notice_breach(&set(&["b"]), &set(&["z", "b", "a"])),
        ["a", "z"]
    );
    assert_eq!(notice_breach(&set(&[]), &set(&["x"])), ["x"]);
}

#[test]
fn missing_materials_split_blocking_and_deferrable() {
    let m = |code: &str, deferrable, promise_allowed| RequiredMaterial {
        code: code.to_owned(),
        name: format!("材料{code}"),
        deferrable,
        promise_allowed,
    };
    let required = [
        m("licence", false, false),
        m("plan", false, false),
        m("photo", true, false),
        m("proof", false, true),
        m("map", true, true),
    ];
    let received: BTreeSet<String> = ["plan".to_owned(), "map".to_owned()].into();
    let missing = missing_materials(&required, &received);
    assert_eq!(missing.blocking, [m("licence", false, false)]);
    assert_eq!(
        missing.deferrable,
        [m("photo", true, false), m("proof", false, true)]
    );
    assert!(missing.blocks() && !missing.is_complete());
    assert_eq!(
        missing.demands().into_iter().collect::<Vec<_>>(),
        ["licence", "photo", "proof"]
    );

    let all: BTreeSet<String> = required.iter().map(|r| r.code.clone()).collect();
    let none = missing_materials(&required, &all);
    assert!(none.is_complete() && !none.blocks());
    let only_deferrable: BTreeSet<String> = ["licence".to_owned(), "plan".to_owned()].into();
    let soft = missing_materials(&required, &only_deferrable);
    assert!(!soft.blocks() && !soft.is_complete());
    assert_eq!(soft.deferrable.len(), 3);
}

fn arb_state() -> impl Strategy<Value = CaseState> {
    (0..CaseState::ALL.len()).prop_map(|i| CaseState::ALL[i])
}

fn arb_action() -> impl Strategy<Value = CaseAction> {
    (0..CaseAction::ALL.len()).prop_map(|i| CaseAction::ALL[i])
}

fn arb_type() -> impl Strategy<Value = ItemType> {
    (0..ItemType::ALL.len()).prop_map(|i| ItemType::ALL[i])
}

proptest! {
    /// `allowed_actions` is exactly the set of actions `apply` accepts, in `ALL` order.
    #[test]
    fn allowed_is_what_apply_accepts(s in arb_state(), t in arb_type()) {
        let accepted: Vec<CaseAction> = CaseAction::ALL
            .into_iter()
            .filter(|&a| apply(s, a, t).is_ok())
            .collect();
        prop_assert_eq!(allowed_actions(s, t), accepted);
    }

    /// A terminal state allows nothing; an open state allows at least withdrawal.
    #[test]
    fn terminal_states_allow_nothing(s in arb_state(), t in arb_type(), a in arb_action()) {
        if s.is_terminal() {
            prop_assert!(allowed_actions(s, t).is_empty());
            prop_assert!(apply(s, a, t).is_err());
        } else {
            prop_assert!(allowed_actions(s, t).contains(&CaseAction::Withdraw));
        }
    }

    /// Any sequence of actions from `Requested` (refused ones leave the state unchanged) only
    /// passes through states the table reaches, and once terminal stays terminal.
    #[test]
    fn random_journeys_stay_in_the_table(
        t in arb_type(),
        actions in prop::collection::vec(arb_action(), 0..60),
    ) {
        let reachable = reachable_by_table(t);
        let mut s = CaseState::Requested;
        let mut visits: BTreeMap<CaseState, usize> = BTreeMap::new();
        for a in actions {
            let was_terminal = s.is_terminal();
            match apply(s, a, t) {
                Ok(to) => {
                    prop_assert!(!was_terminal, "{} left terminal state {}", a, s);
                    prop_assert_eq!(Some(to), expected(s, a, t));
                    s = to;
                }
                Err(TransitionError::NotAllowed { from, action, allowed }) => {
                    prop_assert_eq!((from, action), (s, a));
                    prop_assert!(!allowed.contains(&a));
                }
            }
            prop_assert!(reachable.contains(&s), "{} not reachable", s);
            *visits.entry(s).or_default() += 1;
        }
        prop_assert!(visits.keys().all(|s| reachable.contains(s)));
    }
}
