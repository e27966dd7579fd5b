//! The tables, one module each.

pub mod audit_entry;
pub mod audit_head;
pub mod calendar_version;
pub mod case_extension;
pub mod case_item;
pub mod case_item_department;
pub mod case_suspension;
pub mod catalog_item;
pub mod deadline_alert;
pub mod enterprise;
pub mod mandate;
pub mod material;
pub mod notification;
pub mod one_time_notice;
pub mod project;
pub mod project_event;
pub mod session;
pub mod unit;
pub mod upload;
pub mod user;
