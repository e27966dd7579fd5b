//! The tables, one module each.

pub mod audit_entry;
pub mod audit_head;
pub mod calendar_version;
pub mod enterprise;
pub mod session;
pub mod unit;
pub mod user;
