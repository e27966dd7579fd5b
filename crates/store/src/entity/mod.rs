//! The tables, one module each.

pub mod audit_entry;
pub mod audit_head;
pub mod enterprise;
pub mod session;
pub mod unit;
pub mod user;
