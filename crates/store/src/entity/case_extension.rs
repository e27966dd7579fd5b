//! `case_extensions`: Approved extensions (延期) of a case item's limit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_extensions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_item_id: i64,
    pub days: i32,
    pub approver: String,
    pub reason: String,
    pub granted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
