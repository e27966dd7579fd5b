//! `handover_entries`: One piece of work a handover moved.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handover_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub handover_id: i64,
    pub kind: String,
    pub ref_id: i64,
    pub project_id: Option<i64>,
    pub label: String,
    pub moved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
