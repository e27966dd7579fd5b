//! Notification delivery: the per-user preferences per kind and channel, and one delivery row
//! per notification × channel × recipient with its state, attempts and lease.

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notification_preferences")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string("kind"))
                .col(string("channel"))
                .col(boolean("enabled"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("channel IN ('email','webhook')"))
                .foreign_key(&mut fk("notification_preferences", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "notification_preferences",
            &["user_id", "kind", "channel"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("deliveries")
                .col(big_pk_auto("id"))
                .col(big_integer("notification_id"))
                .col(string("channel"))
                .col(big_integer("user_id"))
                .col(string("address"))
                .col(string("state"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(string("lease_owner"))
                .col(text("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .check(Expr::cust("channel IN ('email','webhook')"))
                .check(Expr::cust("state IN ('pending','sent','failed','skipped')"))
                .foreign_key(&mut fk("deliveries", "notification_id", "notifications"))
                .foreign_key(&mut fk("deliveries", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        // One delivery per notification, channel and recipient: the fan-out may run twice.
        index(
            m,
            "deliveries",
            &["notification_id", "channel", "user_id"],
            true,
        )
        .await?;
        index(m, "deliveries", &["state", "next_attempt_at"], false).await?;
        // The dispatcher looks for outbox rows not yet handed to delivery.
        index(m, "notifications", &["delivered_at"], false).await
    }
}
