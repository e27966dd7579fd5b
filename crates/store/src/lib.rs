//! Storage of Daiban: the SeaORM entities, the one migration history for both backends, and the
//! connection setup (SQLite embedded by default, PostgreSQL for larger deployments).
//!
//! This crate knows tables and connections, not rules: it never decides who may do what (that is
//! `daiban-app`) and never formats anything for people (that is `daiban-web`). Backend-specific
//! SQL lives only in `migration` (triggers, pragmas) and is tested on both backends.

pub mod connect;
pub mod entity;
pub mod migration;

pub use connect::{Backend, Db, DbUrlError, connect, connect_for_bulk_load, parse_database_url};
pub use sea_orm;
