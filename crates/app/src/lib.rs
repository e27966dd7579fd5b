//! Use cases of Daiban: one function per command, each one transaction with its audit entry.
//!
//! This crate owns *who may do what* (access scoping by role and unit is enforced here, below
//! the HTTP layer), the audit chain, sessions and tokens, and the demo city. It must not know
//! HTTP, HTML or any transport: `daiban-web` calls it, and so does the CLI.

pub mod activities;
pub mod actor;
pub mod announcements;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod clock;
pub mod complaints;
pub mod consultations;
pub mod deadlines;
pub mod delivery;
pub mod demands;
pub mod demo;
pub mod demo_activity;
mod demo_consultations;
mod demo_coordination;
mod demo_evaluation;
mod demo_outreach;
mod demo_personnel;
mod demo_platform;
mod demo_reports;
mod demo_surveys;
pub mod enterprises;
pub mod error;
pub mod evaluation;
pub mod faq;
pub mod findings;
pub mod generate;
pub mod handover;
pub mod inbox;
pub mod materials;
pub mod meetings;
pub mod monitor;
pub mod monthly_reports;
mod names;
pub mod personnel;
pub mod problems;
pub mod projects;
pub mod ratings;
pub mod scope;
pub mod search;
pub mod surveys;
pub mod timeline;
pub mod units;
pub mod uploads;
pub mod users;
pub mod visits;
mod write;

use daiban_store::Backend;
use std::sync::Arc;

pub use actor::{Actor, Meta};
pub use clock::{Clock, FixedClock, SystemClock};
pub use daiban_store::{Db, sea_orm};
pub use error::{AppError, AppResult, FieldError, Msg};
pub use write::{GROUP_MAX, GroupStats, WriteTxn};

/// Security settings of the accounts (等保 level 3 defaults).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AuthPolicy {
    /// Minimum password length.
    pub min_password_len: usize,
    /// Consecutive failures that lock an account.
    pub max_failed_logins: i32,
    /// How long a lock lasts, in minutes.
    pub lockout_minutes: i64,
    /// A browser session expires after this many idle minutes.
    pub idle_timeout_minutes: i64,
    /// An API token lives this many hours.
    pub api_token_hours: i64,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            min_password_len: 8,
            max_failed_logins: 5,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            api_token_hours: 12,
        }
    }
}

/// The application: the database, the clock and the policies. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Account security policy.
    pub auth: AuthPolicy,
    /// Response limits of the problem ladder, in working days.
    pub ladder: daiban_domain::problem::LadderLimits,
    /// Working days a department has to rectify after a bad rating.
    pub rectification_days: u32,
    /// The evaluation scheme in force (`data/evaluation/xinghua.toml` unless configured).
    pub scheme: Arc<daiban_domain::evaluation::Scheme>,
    /// The months in which staff adjustments are made together (年底集中调整).
    pub adjustment_window: daiban_domain::personnel::AdjustmentWindow,
    /// Working days after a project completes a stage within which the bureau visits it.
    pub return_visit_days: u32,
    /// A unit's monthly report is due by this working day of the next month.
    pub monthly_report_due_workday: u32,
    /// Working days within which an online consultation is to be answered.
    pub consultation_days: u32,
    /// Working days a unit has to answer an enterprise demand (企业诉求).
    pub demand_days: u32,
    /// Notification delivery: `[delivery]`, `[mail]`, `[webhook]` (off by default).
    pub delivery: Arc<delivery::DeliveryConfig>,
    /// SQLite allows one writer: writes queue here instead of failing with "database is
    /// locked", and those that queue together are committed together ([`write`]).
    writer: write::Writer,
    /// The effective working-day calendar ([`App::calendar`], [`calendar::reload`]).
    calendar: Arc<calendar::SharedCalendar>,
}

impl App {
    /// Builds the application over an open, migrated database, with the shipped calendar; call
    /// [`calendar::reload`] (or use [`App::start`]) to take imported years into account.
    pub fn new(db: Db, clock: Arc<dyn Clock>, auth: AuthPolicy) -> Self {
        let writer = if db.backend == Backend::Sqlite {
            write::Writer::Grouped(Arc::default())
        } else {
            write::Writer::Direct
        };
        Self {
            db,
            clock,
            auth,
            ladder: daiban_domain::problem::LadderLimits::default(),
            rectification_days: daiban_domain::rating::DEFAULT_RECTIFICATION_DAYS,
            adjustment_window: daiban_domain::personnel::AdjustmentWindow::default(),
            scheme: findings::shipped_scheme(),
            return_visit_days: daiban_domain::outreach::DEFAULT_RETURN_VISIT_DAYS,
            monthly_report_due_workday: daiban_domain::report::DEFAULT_MONTHLY_REPORT_DUE_WORKDAY,
            consultation_days: daiban_domain::consultation::DEFAULT_CONSULTATION_DAYS,
            demand_days: daiban_domain::platform::DEFAULT_DEMAND_DAYS,
            delivery: Arc::new(delivery::DeliveryConfig::default()),
            writer,
            calendar: Arc::new(calendar::SharedCalendar::shipped()),
        }
    }

    /// [`App::new`], then the calendar loaded from the database (imported years included).
    ///
    /// # Errors
    /// The calendar versions could not be read.
    pub async fn start(db: Db, clock: Arc<dyn Clock>, auth: AuthPolicy) -> AppResult<Self> {
        let app = Self::new(db, clock, auth);
        calendar::reload(&app).await?;
        // Rows written before the search index existed are indexed once.
        search::backfill(&app).await?;
        Ok(app)
    }

    /// Starts a write transaction: one command, committed whole with its audit entry or not at
    /// all (on SQLite queued behind the other writers and committed with them, see [`write`]).
    ///
    /// # Errors
    /// The database could not start a transaction.
    pub async fn begin_write(&self) -> AppResult<WriteTxn> {
        Ok(self.writer.begin(&self.db.conn).await?)
    }

    /// Group commits since start (SQLite; `None` on PostgreSQL, which commits each command).
    pub fn group_stats(&self) -> Option<GroupStats> {
        match &self.writer {
            write::Writer::Grouped(w) => Some(w.stats()),
            write::Writer::Direct => None,
        }
    }

    /// The current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
