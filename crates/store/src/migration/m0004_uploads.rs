//! Files the enterprise or the agent uploads for a case item's materials (电子材料).

use super::schema::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("uploads")
                .col(big_pk_auto("id"))
                .col(big_integer("case_item_id"))
                .col(big_integer("material_id"))
                .col(big_integer("project_id"))
                .col(string("filename"))
                .col(string("content_type"))
                .col(big_integer("size_bytes"))
                .col(string("sha256"))
                .col(blob("data"))
                .col(big_integer("uploaded_by"))
                .col(string("uploaded_by_name"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk("uploads", "case_item_id", "case_items"))
                .foreign_key(&mut fk("uploads", "material_id", "materials"))
                .foreign_key(&mut fk("uploads", "project_id", "projects"))
                .foreign_key(&mut fk("uploads", "uploaded_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_uploads_case_item")
                .table("uploads")
                .col("case_item_id")
                .to_owned(),
        )
        .await
    }
}
