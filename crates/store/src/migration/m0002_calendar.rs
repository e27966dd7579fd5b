//! Imported working-day calendar versions: one row per imported year arrangement, numbered
//! 1, 2, … per year. The shipped years are not stored; a year's latest version replaces them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("calendar_versions")
                .col(big_pk_auto("id"))
                .col(integer("year"))
                .col(integer("version"))
                .col(text("arrangement"))
                .col(string("fingerprint"))
                .col(string("notice_number"))
                .col(string("notice_title"))
                .col(date_null("notice_published"))
                .col(string("source"))
                .col(big_integer_null("imported_by"))
                .col(string("imported_by_name"))
                .col(timestamp_with_time_zone("imported_at"))
                .col(big_integer("recomputed_items").default(0))
                .check(Expr::cust("source IN ('cli','web','api')"))
                .check(Expr::cust("version >= 1"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_calendar_versions_imported_by")
                        .from(Alias::new("calendar_versions"), Alias::new("imported_by"))
                        .to(Alias::new("users"), Alias::new("id"))
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_calendar_versions_year_version")
                .table("calendar_versions")
                .col("year")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await
    }
}
