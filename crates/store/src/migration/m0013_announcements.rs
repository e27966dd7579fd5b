//! The information platform (policy 五(三)): announcements (政策动态) with their attachments and
//! staff read receipts, and enterprise demands (企业诉求) with their events.

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("announcements")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(text("body"))
                .col(string("category"))
                .col(string("status"))
                .col(boolean("public"))
                .col(boolean("pinned"))
                .col(big_integer("author_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer_null("published_by"))
                .col(timestamp_with_time_zone_null("published_at"))
                .col(big_integer_null("unpublished_by"))
                .col(timestamp_with_time_zone_null("unpublished_at"))
                .col(integer("version").default(1))
                .check(Expr::cust(
                    "category IN ('policy','notice','guide','work_news')",
                ))
                .check(Expr::cust("status IN ('draft','published','unpublished')"))
                .foreign_key(&mut fk("announcements", "author_id", "users"))
                .foreign_key(&mut fk("announcements", "published_by", "users"))
                .foreign_key(&mut fk("announcements", "unpublished_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "announcements", &["status", "published_at"], false).await?;

        m.create_table(
            Table::create()
                .table("announcement_attachments")
                .col(big_pk_auto("id"))
                .col(big_integer("announcement_id"))
                .col(string("filename"))
                .col(string("content_type"))
                .col(big_integer("size_bytes"))
                .col(string("sha256"))
                .col(blob("data"))
                .col(big_integer("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk(
                    "announcement_attachments",
                    "announcement_id",
                    "announcements",
                ))
                .foreign_key(&mut fk("announcement_attachments", "uploaded_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "announcement_attachments", &["announcement_id"], false).await?;

        m.create_table(
            Table::create()
                .table("announcement_reads")
                .col(big_pk_auto("id"))
                .col(big_integer("announcement_id"))
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone("first_read_at"))
                .foreign_key(&mut fk(
                    "announcement_reads",
                    "announcement_id",
                    "announcements",
                ))
                .foreign_key(&mut fk("announcement_reads", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        // A receipt is recorded once per person and announcement.
        index(
            m,
            "announcement_reads",
            &["announcement_id", "user_id"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("demands")
                .col(big_pk_auto("id"))
                .col(big_integer("enterprise_id"))
                .col(big_integer_null("project_id"))
                .col(string("title"))
                .col(text("description"))
                .col(string("category"))
                .col(string("status"))
                .col(big_integer_null("unit_id"))
                .col(big_integer("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(boolean("due_provisional"))
                .col(timestamp_with_time_zone_null("responded_at"))
                .col(text("outcome"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(big_integer_null("problem_id"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "status IN ('submitted','routed','accepted','in_progress','escalated','closed','confirmed')",
                ))
                .foreign_key(&mut fk("demands", "enterprise_id", "enterprises"))
                .foreign_key(&mut fk("demands", "project_id", "projects"))
                .foreign_key(&mut fk("demands", "unit_id", "units"))
                .foreign_key(&mut fk("demands", "submitted_by", "users"))
                .foreign_key(&mut fk("demands", "problem_id", "problems"))
                .to_owned(),
        )
        .await?;
        index(m, "demands", &["enterprise_id"], false).await?;
        index(m, "demands", &["unit_id", "status"], false).await?;

        m.create_table(
            Table::create()
                .table("demand_events")
                .col(big_pk_auto("id"))
                .col(big_integer("demand_id"))
                .col(string("action"))
                .col(string("status"))
                .col(big_integer_null("unit_id"))
                .col(big_integer("actor_id"))
                .col(text("note"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk("demand_events", "demand_id", "demands"))
                .foreign_key(&mut fk("demand_events", "unit_id", "units"))
                .foreign_key(&mut fk("demand_events", "actor_id", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "demand_events", &["demand_id"], false).await
    }
}
