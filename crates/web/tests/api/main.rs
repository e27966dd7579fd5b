//! The API and page suite: one binary, one fresh database per test (a temporary SQLite file,
//! or a fresh PostgreSQL database when `DAIBAN_TEST_POSTGRES_URL` is set).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a test harness fails loudly by design"
)]

mod helpers;

mod access;
mod announcements;
mod audit;
mod auth;
mod calendar;
mod case_pages;
mod cases;
mod consultations;
mod delivery;
mod demands;
mod demo;
mod errors;
mod evaluation;
mod generate;
mod openapi;
mod outreach;
mod pages;
mod personnel;
mod problem_pages;
mod problems;
mod reports;
mod search;
mod surveys;
