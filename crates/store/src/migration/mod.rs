//! One migration history for both backends. Never edit a migration that has shipped: add one.
//! The few backend-specific statements (append-only triggers) branch on the backend inside
//! the migration that needs them.

use sea_orm_migration::prelude::*;

pub use m0017_monitor_watch::WATCHED_STATES_SQL;
pub use m0021_joint_items_open::open_states_sql;
pub use sea_orm_migration::MigratorTrait;

mod m0001_foundation;
mod m0002_calendar;
mod m0003_cases;
mod m0004_uploads;
mod m0005_problems;
mod m0006_ratings;
mod m0007_personnel;
mod m0008_outreach;
mod m0009_evaluation;
mod m0010_reports;
mod m0011_surveys;
mod m0012_termination;
mod m0013_announcements;
mod m0014_consultations;
mod m0015_delivery;
mod m0016_read_indexes;
mod m0017_monitor_watch;
mod m0018_urgency_index;
mod m0019_project_filter_indexes;
mod m0020_search_keys;
mod m0021_joint_items_open;
mod schema;

/// Runs Daiban's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_calendar::Migration),
            Box::new(m0003_cases::Migration),
            Box::new(m0004_uploads::Migration),
            Box::new(m0005_problems::Migration),
            Box::new(m0006_ratings::Migration),
            Box::new(m0007_personnel::Migration),
            Box::new(m0008_outreach::Migration),
            Box::new(m0009_evaluation::Migration),
            Box::new(m0010_reports::Migration),
            Box::new(m0011_surveys::Migration),
            Box::new(m0012_termination::Migration),
            Box::new(m0014_consultations::Migration),
            Box::new(m0013_announcements::Migration),
            Box::new(m0015_delivery::Migration),
            Box::new(m0016_read_indexes::Migration),
            Box::new(m0017_monitor_watch::Migration),
            Box::new(m0018_urgency_index::Migration),
            Box::new(m0019_project_filter_indexes::Migration),
            Box::new(m0020_search_keys::Migration),
            Box::new(m0021_joint_items_open::Migration),
        ]
    }
}

/// Applies every pending migration.
///
/// # Errors
/// A failing migration; nothing of it is kept on PostgreSQL (transactional DDL).
pub async fn migrate(db: &crate::Db) -> Result<(), DbErr> {
    Migrator::up(&db.conn, None).await
}
