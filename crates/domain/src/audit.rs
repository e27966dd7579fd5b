//! The audit chain: how one entry is hashed so that any alteration, removal or reordering is
//! detected (`daiban audit verify`).

use sha2::{Digest, Sha256};

/// The fields of an audit entry that the hash covers, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry<'a> {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// RFC 3339 UTC time the entry was written.
    pub entered_at: &'a str,
    /// Acting user id, if any (none for system actions and failed logins of unknown users).
    pub actor_id: Option<i64>,
    /// Acting user name as typed or known.
    pub actor_name: &'a str,
    /// Role code of the actor, empty if none.
    pub actor_role: &'a str,
    /// Unit id of the actor, if any.
    pub actor_unit_id: Option<i64>,
    /// What was done, e.g. `unit.create`, `auth.login_failed`.
    pub action: &'a str,
    /// Object type, e.g. `unit`.
    pub object_type: &'a str,
    /// Object id as text, empty if none.
    pub object_id: &'a str,
    /// JSON before, empty if none.
    pub before: &'a str,
    /// JSON after, empty if none.
    pub after: &'a str,
    /// Request id, empty if none.
    pub request_id: &'a str,
    /// Client address, empty if none.
    pub client_addr: &'a str,
}

/// The hash of the chain's start (before entry 1).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Hashes `entry` onto `prev_hash`: SHA-256 over a length-prefixed encoding of every field, so
/// that no two different entries encode alike.
pub fn chain_hash(prev_hash: &str, entry: &ChainedEntry<'_>) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    let seq = entry.seq.to_string();
    let actor_id = entry.actor_id.map(|v| v.to_string()).unwrap_or_default();
    let unit_id = entry
        .actor_unit_id
        .map(|v| v.to_string())
        .unwrap_or_default();
    for s in [
        prev_hash,
        &seq,
        entry.entered_at,
        &actor_id,
        entry.actor_name,
        entry.actor_role,
        &unit_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.before,
        entry.after,
        entry.request_id,
        entry.client_addr,
    ] {
        field(s);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(after: &str) -> ChainedEntry<'_> {
        ChainedEntry {
            seq: 1,
            entered_at: "2026-11-27T04:00:00Z",
            actor_id: Some(1),
            actor_name: "admin",
            actor_role: "admin",
            actor_unit_id: None,
            action: "unit.create",
            object_type: "unit",
            object_id: "3",
            before: "",
            after,
            request_id: "r1",
            client_addr: "127.0.0.1",
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let a = chain_hash(GENESIS, &entry("{\"name\":\"戴南镇\"}"));
        let b = chain_hash(GENESIS, &entry("{\"name\":\"戴南镇 \"}"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(chain_hash(&a, &entry("x")), chain_hash(&b, &entry("x")));
    }

    #[test]
    fn field_boundaries_matter() {
        let mut e1 = entry("");
        e1.before = "ab";
        let mut e2 = entry("b");
        e2.before = "a";
        assert_ne!(chain_hash(GENESIS, &e1), chain_hash(GENESIS, &e2));
    }
}
