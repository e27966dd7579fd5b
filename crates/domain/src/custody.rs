//! The custody chain of a paper material (材料保管): received from the enterprise, held by an
//! agent, handed on to a department, returned to the enterprise, or lost. Every step is an event
//! the caller records with who and when; this module says which steps are allowed.
//!
//! ```text
//! not_received ─receive→ held ─transfer→ transferred ─transfer→ transferred
//! held, transferred ─return→ returned (final)
//! held, transferred ─report_lost→ lost (final)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a material is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyState {
    /// 未收取: not yet received.
    NotReceived,
    /// 保管中: held by the agent who received it.
    Held,
    /// 已移交: handed on (to a department, or from one holder to the next).
    Transferred,
    /// 已退还: returned to the enterprise; final.
    Returned,
    /// 已遗失: reported lost; final.
    Lost,
}

impl CustodyState {
    /// Every state.
    pub const ALL: [Self; 5] = [
        Self::NotReceived,
        Self::Held,
        Self::Transferred,
        Self::Returned,
        Self::Lost,
    ];

    /// The stable code: `not_received`, `held`, `transferred`, `returned`, `lost`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotReceived => "not_received",
            Self::Held => "held",
            Self::Transferred => "transferred",
            Self::Returned => "returned",
            Self::Lost => "lost",
        }
    }

    /// The state with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::NotReceived => "未收取",
            Self::Held => "保管中",
            Self::Transferred => "已移交",
            Self::Returned => "已退还",
            Self::Lost => "已遗失",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::NotReceived => "not received",
            Self::Held => "held",
            Self::Transferred => "transferred",
            Self::Returned => "returned",
            Self::Lost => "lost",
        }
    }

    /// Whether nothing more can happen to the material: returned or lost.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Returned | Self::Lost)
    }

    /// Whether someone on the service side is responsible for the material now: held or
    /// transferred.
    pub const fn is_in_custody(self) -> bool {
        matches!(self, Self::Held | Self::Transferred)
    }
}

impl fmt::Display for CustodyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A step of the custody chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyEvent {
    /// 收取: received from the enterprise. NotReceived → Held.
    Receive,
    /// 移交: handed on. Held or Transferred → Transferred.
    Transfer,
    /// 退还: returned to the enterprise. Held or Transferred → Returned.
    Return,
    /// 报告遗失: reported lost. Held or Transferred → Lost.
    ReportLost,
}

impl CustodyEvent {
    /// Every event.
    pub const ALL: [Self; 4] = [
        Self::Receive,
        Self::Transfer,
        Self::Return,
        Self::ReportLost,
    ];

    /// The stable code: `receive`, `transfer`, `return`, `report_lost`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Receive => "receive",
            Self::Transfer => "transfer",
            Self::Return => "return",
            Self::ReportLost => "report_lost",
        }
    }

    /// The event with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Receive => "收取",
            Self::Transfer => "移交",
            Self::Return => "退还",
            Self::ReportLost => "报告遗失",
        }
    }

    /// The English term.
    pub const fn label_en(self) -> &'static str {
        match self {
            Self::Receive => "receive",
            Self::Transfer => "transfer",
            Self::Return => "return",
            Self::ReportLost => "report lost",
        }
    }
}

impl fmt::Display for CustodyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A custody step that is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CustodyError {
    /// `event` cannot happen to a material that is `from`.
    #[error("cannot {} a material that is {}", .event.label_en(), .from.label_en())]
    NotAllowed {
        /// Where the material is.
        from: CustodyState,
        /// The step refused.
        event: CustodyEvent,
    },
}

impl CustodyError {
    /// The message in Chinese, e.g. 「材料当前状态为“已退还”，不能“移交”」.
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotAllowed { from, event } => format!(
                "材料当前状态为“{}”，不能“{}”",
                from.label_zh(),
                event.label_zh()
            ),
        }
    }
}

/// Where `event` leaves a material that is `from`.
///
/// # Errors
///
/// [`CustodyError::NotAllowed`]: receiving what is already received, moving what is not held,
/// or anything after the material is returned or lost.
pub fn apply_custody(
    from: CustodyState,
    event: CustodyEvent,
) -> Result<CustodyState, CustodyError> {
    use CustodyEvent as E;
    use CustodyState as S;
    match (from, event) {
        (S::NotReceived, E::Receive) => Ok(S::Held),
        (S::Held | S::Transferred, E::Transfer) => Ok(S::Transferred),
        (S::Held | S::Transferred, E::Return) => Ok(S::Returned),
        (S::Held | S::Transferred, E::ReportLost) => Ok(S::Lost),
        _ => Err(CustodyError::NotAllowed { from, event }),
    }
}

/// The events allowed for a material that is `from`, in the order of [`CustodyEvent::ALL`].
pub fn allowed_custody_events(from: CustodyState) -> Vec<CustodyEvent> {
    CustodyEvent::ALL
        .into_iter()
        .filter(|&e| apply_custody(from, e).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustodyEvent as E;
    use CustodyState as S;

    #[test]
    fn the_full_custody_table() {
        // Every state × every event; `None` is a refusal.
        let table: [(CustodyState, [Option<CustodyState>; 4]); 5] = [
            //               receive         transfer              return             report_lost
            (S::NotReceived, [Some(S::Held), None, None, None]),
            (
                S::Held,
                [None, Some(S::Transferred), Some(S::Returned), Some(S::Lost)],
            ),
            (
                S::Transferred,
                [None, Some(S::Transferred), Some(S::Returned), Some(S::Lost)],
            ),
            (S::Returned, [None, None, None, None]),
            (S::Lost, [None, None, None, None]),
        ];
        assert_eq!(table.map(|(s, _)| s), CustodyState::ALL);
        for (from, row) in table {
            for (event, want) in CustodyEvent::ALL.into_iter().zip(row) {
                let got = apply_custody(from, event);
                match want {
                    Some(to) => assert_eq!(got, Ok(to), "{from} {event}"),
                    None => assert_eq!(
                        got,
                        Err(CustodyError::NotAllowed { from, event }),
                        "{from} {event}"
                    ),
                }
            }
            assert_eq!(allowed_custody_events(from).is_empty(), from.is_final());
        }
    }

    #[test]
    fn a_chain_and_its_messages() {
        let mut s = S::NotReceived;
        for e in [E::Receive, E::Transfer, E::Transfer, E::Return] {
            s = apply_custody(s, e).unwrap();
        }
        assert_eq!(s, S::Returned);
        let err = apply_custody(S::Returned, E::Transfer).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot transfer a material that is returned"
        );
        assert_eq!(err.message_zh(), "材料当前状态为“已退还”，不能“移交”");
        assert_eq!(
            apply_custody(S::Held, E::Receive).unwrap_err().message_zh(),
            "材料当前状态为“保管中”，不能“收取”"
        );
        assert!(S::Transferred.is_in_custody() && !S::Lost.is_in_custody());
    }

    #[test]
    fn codes_round_trip() {
        for s in CustodyState::ALL {
            assert_eq!(CustodyState::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
        }
        for e in CustodyEvent::ALL {
            assert_eq!(CustodyEvent::from_code(e.code()), Some(e));
            assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{e}\""));
            assert!(!e.label_zh().is_empty() && !e.label_en().is_empty());
        }
    }
}
