//! The evaluation: findings (each deduction with its evidence and the bureau's decision) and the
//! published quarterly results (immutable snapshots, corrected only by a new revision).

use super::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("findings")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("quarter"))
                .col(string("category"))
                .col(string("rule"))
                .col(big_integer("points"))
                .col(date("occurred_on"))
                .col(string("source"))
                .col(string("state"))
                .col(string("evidence_kind"))
                .col(big_integer_null("evidence_id"))
                .col(string("evidence_label"))
                .col(big_integer_null("project_id"))
                .col(string_null("detected_key"))
                .col(text("note"))
                .col(big_integer_null("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_reason"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("source IN ('detected','recorded')"))
                .check(Expr::cust("state IN ('proposed','confirmed','dismissed')"))
                .check(Expr::cust("points > 0"))
                .foreign_key(&mut fk("findings", "unit_id", "units"))
                .foreign_key(&mut fk("findings", "project_id", "projects"))
                .foreign_key(&mut fk("findings", "recorded_by", "users"))
                .foreign_key(&mut fk("findings", "decided_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "findings", &["quarter", "unit_id"], false).await?;
        index(m, "findings", &["quarter", "state"], false).await?;
        // Detection is idempotent: one finding per detected fact.
        index(m, "findings", &["detected_key"], true).await?;

        m.create_table(
            Table::create()
                .table("evaluation_publications")
                .col(big_pk_auto("id"))
                .col(string("quarter"))
                .col(integer("revision"))
                .col(string("scheme_version"))
                .col(text("result"))
                .col(text("reason"))
                .col(big_integer("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .foreign_key(&mut fk("evaluation_publications", "published_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "evaluation_publications", &["quarter", "revision"], true).await
    }
}
