//! Notification delivery (消息推送): the channels beyond the in-app inbox, the kinds of notice a
//! user may switch on or off per channel with their defaults, the states of a delivery and the
//! retry schedule (exponential backoff with a cap and a maximum number of attempts).

use chrono::{DateTime, Duration, Utc};

/// A channel a notification is delivered on besides the in-app inbox (which is always on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// E-mail over SMTP to the user's address.
    Email,
    /// A signed JSON POST to the configured SMS or messaging gateway.
    Webhook,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 2] = [Self::Email, Self::Webhook];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }

    /// From its code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Accepted by the SMTP server or the gateway (2xx).
    Sent,
    /// Every attempt failed: the administrator may retry it.
    Failed,
    /// The channel is not configured on this installation: nothing was sent.
    Skipped,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [DeliveryState; 4] = [Self::Pending, Self::Sent, Self::Failed, Self::Skipped];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    /// From its code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Whether the administrator may send it again (a failed one, or a skipped one after the
    /// channel was configured).
    pub const fn retryable(self) -> bool {
        matches!(self, Self::Failed | Self::Skipped)
    }
}

/// A kind of notification as the preferences list it: its code and the default per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDefault {
    /// The `notifications.kind` code (`other` stands for every kind not listed).
    pub kind: &'static str,
    /// E-mail on by default.
    pub email: bool,
    /// Webhook (SMS) on by default.
    pub webhook: bool,
}

const fn k(kind: &'static str, email: bool, webhook: bool) -> KindDefault {
    KindDefault {
        kind,
        email,
        webhook,
    }
}

/// The kinds written to the outbox, in the order the preference page lists them, with their
/// defaults: e-mail for what needs action, an SMS only for red alerts and the problem ladder
/// (escalations), a handover to confirm and a complaint assigned.
pub const KINDS: [KindDefault; 17] = [
    k("progress", true, false),
    k("deadline.yellow", true, false),
    k("deadline.red", true, true),
    k("problem", true, true),
    k("meeting", true, false),
    k("action_item", true, false),
    k("assignment", true, false),
    k("handover", true, true),
    k("filing", true, false),
    k("material", true, false),
    k("upload", false, false),
    k("rectification", true, false),
    k("complaint", true, true),
    k("monthly_report", true, false),
    k("activity", true, false),
    k("survey.invite", true, false),
    k("other", false, false),
];

/// The entry of `kind` in [`KINDS`]: a kind not listed falls under `other`.
pub fn kind_default(kind: &str) -> KindDefault {
    KINDS
        .iter()
        .copied()
        .find(|d| d.kind == kind)
        .unwrap_or(KINDS[KINDS.len() - 1])
}

/// The preference key of `kind`: itself when listed, else `other`.
pub fn preference_kind(kind: &str) -> &'static str {
    kind_default(kind).kind
}

/// Whether `channel` is on for `kind` by default.
pub fn default_on(kind: &str, channel: Channel) -> bool {
    let d = kind_default(kind);
    match channel {
        Channel::Email => d.email,
        Channel::Webhook => d.webhook,
    }
}

/// The retry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt, in seconds.
    pub base_seconds: i64,
    /// The longest wait, in seconds.
    pub cap_seconds: i64,
    /// After this many failed attempts the delivery is `failed`.
    pub max_attempts: i32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base_seconds: 60,
            cap_seconds: 6 * 3600,
            max_attempts: 8,
        }
    }
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// No attempts left.
    GiveUp,
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt: base × 2^(attempts−1), at most the cap.
    pub fn wait(&self, attempts: i32) -> Duration {
        let base = self.base_seconds.max(1);
        let cap = self.cap_seconds.max(base);
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let secs = base.saturating_mul(1_i64 << exp).min(cap);
        Duration::seconds(secs)
    }

    /// After the `attempts`-th attempt failed at `now`.
    pub fn after_failure(&self, attempts: i32, now: DateTime<Utc>) -> AfterFailure {
        if attempts >= self.max_attempts.max(1) {
            AfterFailure::GiveUp
        } else {
            AfterFailure::RetryAt(now + self.wait(attempts))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn backoff_doubles_up_to_the_cap_then_gives_up() {
        let b = Backoff {
            base_seconds: 60,
            cap_seconds: 600,
            max_attempts: 6,
        };
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let table = [
            (1, AfterFailure::RetryAt(now + Duration::seconds(60))),
            (2, AfterFailure::RetryAt(now + Duration::seconds(120))),
            (3, AfterFailure::RetryAt(now + Duration::seconds(240))),
            (4, AfterFailure::RetryAt(now + Duration::seconds(480))),
            (5, AfterFailure::RetryAt(now + Duration::seconds(600))),
            (6, AfterFailure::GiveUp),
            (7, AfterFailure::GiveUp),
        ];
        for (attempts, want) in table {
            assert_eq!(b.after_failure(attempts, now), want, "attempt {attempts}");
        }
        // A huge attempt count never overflows.
        assert_eq!(b.wait(i32::MAX), Duration::seconds(600));
        assert_eq!(b.wait(0), Duration::seconds(60));
    }

    #[test]
    fn kinds_and_defaults() {
        let table = [
            ("deadline.red", Channel::Email, true),
            ("deadline.red", Channel::Webhook, true),
            ("deadline.yellow", Channel::Webhook, false),
            ("problem", Channel::Webhook, true),
            ("progress", Channel::Email, true),
            ("progress", Channel::Webhook, false),
            ("upload", Channel::Email, false),
            ("announcement.new", Channel::Email, false),
        ];
        for (kind, ch, want) in table {
            assert_eq!(default_on(kind, ch), want, "{kind} {}", ch.code());
        }
        assert_eq!(preference_kind("something.new"), "other");
        assert_eq!(preference_kind("survey.invite"), "survey.invite");
        let mut codes: Vec<_> = KINDS.iter().map(|d| d.kind).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), KINDS.len(), "kinds are unique");
    }

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
        }
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::from_code(s.code()), Some(s));
        }
        assert_eq!(Channel::from_code("sms"), None);
        assert!(DeliveryState::Failed.retryable());
        assert!(DeliveryState::Skipped.retryable());
        assert!(!DeliveryState::Sent.retryable());
        assert!(!DeliveryState::Pending.retryable());
    }
}
