//! When the deadline monitor must look at a case item again (`watch_at`). The monitor used to
//! recompute every open item every minute inside one write transaction: on the generated
//! province of 100,000 projects (277,691 open items) one run read every item and its pauses and
//! held SQLite's writer slot for minutes, so every other write waited and timed out. Now each
//! run takes only the open items whose warning can have changed: those never looked at
//! (`NULL`: new, just changed by a transition, or after a calendar import) and those whose
//! next change (yellow, red, a recorded pause starting or ending) has come.
//!
//! The partial index holds only the open items, so the monitor's query reads just the ones due.
//! Its condition is written with literals, so that PostgreSQL can match it to the monitor's
//! query (also written with literals) in a generic plan.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The states the monitor watches (`crate`'s users write the same literal list).
pub const WATCHED_STATES_SQL: &str = "state IN ('ready', 'submitted', 'in_review', 'suspended')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("case_items")
                .add_column(timestamp_with_time_zone_null("watch_at"))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX idx_case_items_watch_at ON case_items (watch_at) \
                 WHERE {WATCHED_STATES_SQL}"
            ))
            .await?;
        Ok(())
    }
}
