//! 好差评 ratings of concluded case items and the rectification loop of bad ones.

use super::schema::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("rectifications")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(big_integer("project_id"))
                .col(big_integer("responsible_unit_id"))
                .col(timestamp_with_time_zone("due_at"))
                .col(boolean("due_provisional"))
                .col(string("status"))
                .col(text("reply"))
                .col(big_integer_null("replied_by"))
                .col(timestamp_with_time_zone_null("replied_at"))
                .col(text("visit_note"))
                .col(big_integer_null("visited_by"))
                .col(timestamp_with_time_zone_null("visited_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust(
                    "status IN ('open','rectified','visited','closed')",
                ))
                .foreign_key(&mut fk("rectifications", "case_item_id", "case_items"))
                .foreign_key(&mut fk("rectifications", "project_id", "projects"))
                .foreign_key(&mut fk("rectifications", "responsible_unit_id", "units"))
                .foreign_key(&mut fk("rectifications", "replied_by", "users"))
                .foreign_key(&mut fk("rectifications", "visited_by", "users"))
                .to_owned(),
        )
        .await?;
        // `first_rating` is 1 on an item's first rating and NULL on re-ratings: the unique index
        // allows one first rating per item, any number of re-ratings.
        m.create_table(
            Table::create()
                .table("ratings")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(big_integer("project_id"))
                .col(big_integer("responsible_unit_id"))
                .col(string("rating"))
                .col(text("comment"))
                .col(integer_null("first_rating"))
                .col(big_integer_null("rectification_id"))
                .col(big_integer("rated_by"))
                .col(timestamp_with_time_zone("rated_at"))
                .check(Expr::cust(
                    "rating IN ('very_satisfied','satisfied','basic','dissatisfied','very_dissatisfied')",
                ))
                .foreign_key(&mut fk("ratings", "case_item_id", "case_items"))
                .foreign_key(&mut fk("ratings", "project_id", "projects"))
                .foreign_key(&mut fk("ratings", "responsible_unit_id", "units"))
                .foreign_key(&mut fk("ratings", "rectification_id", "rectifications"))
                .foreign_key(&mut fk("ratings", "rated_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_ratings_first")
                .table("ratings")
                .col("case_item_id")
                .col("first_rating")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_rectifications_unit_status")
                .table("rectifications")
                .col("responsible_unit_id")
                .col("status")
                .to_owned(),
        )
        .await
    }
}
