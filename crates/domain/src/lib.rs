//! The pure rules of Daiban (代办): who is who, what a valid identifier is, how the working-day
//! calendar counts, how the audit chain is hashed.
//!
//! Projects and their service: [`project`] (the project code, the investment in 万元, the
//! industrial-policy standing, stages and statuses), [`mandate`] (the 委托代办 and its states),
//! [`case_item`] (the lifecycle of a case item, the one-time notice rule and missing materials),
//! [`clock`] (the working-day clock of an item), [`custody`] (the custody chain of a paper
//! material) and [`schedule`] (a project's expected completion and critical path).
//!
//! This crate owns the domain vocabulary of `shared/DESIGN.md` and nothing else. It must not do
//! IO: no database, no network, no file reads at run time, no clock reads, no environment reads,
//! no randomness. Time and identifiers come in as arguments, so every rule here is a plain
//! function that a table of cases can test. CI fails if `cargo tree -p daiban-domain -e normal`
//! shows an IO crate.

pub mod audit;
pub mod calendar;
pub mod case_item;
pub mod clock;
pub mod consultation;
pub mod custody;
pub mod delivery;
pub mod enterprise;
pub mod evaluation;
pub mod mandate;
pub mod outreach;
pub mod password;
pub mod personnel;
pub mod platform;
pub mod problem;
pub mod project;
pub mod rating;
pub mod report;
pub mod role;
pub mod schedule;
pub mod staff;
pub mod survey;
pub mod unit;
