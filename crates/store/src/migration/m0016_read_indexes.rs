//! Indexes for the reads that every page makes, found by the load test on a generated city of
//! 10,000 projects (`bench/load/run.py`, `DAIBAN_LOG=sqlx=debug`): the inbox in the header and on
//! the workbench sorted all of a user's notifications to show the newest (1.1 s for the bureau's
//! coordinator) and counted the unread ones by reading them all (0.7 s); the lists of red and
//! yellow items scanned every open case item. The single-column indexes on the notification's
//! recipient are replaced by the composite ones that start with the same column.

use super::schema::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        index(m, "notifications", &["user_id", "created_at"], false).await?;
        index(m, "notifications", &["user_id", "read_at"], false).await?;
        index(m, "notifications", &["enterprise_id", "created_at"], false).await?;
        for old in [
            "idx_notifications_user_id",
            "idx_notifications_enterprise_id",
        ] {
            m.drop_index(
                Index::drop()
                    .name(old)
                    .table(Alias::new("notifications"))
                    .to_owned(),
            )
            .await?;
        }
        // Covers "the projects with an open red item" (the project list's order, the board).
        index(m, "case_items", &["warning", "state", "project_id"], false).await
    }
}
