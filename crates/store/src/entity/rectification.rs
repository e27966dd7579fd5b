//! `rectifications`: The rectification loop a bad rating opens.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_item_id: i64,
    pub project_id: i64,
    pub responsible_unit_id: i64,
    pub due_at: DateTimeUtc,
    pub due_provisional: bool,
    pub status: String,
    pub reply: String,
    pub replied_by: Option<i64>,
    pub replied_at: Option<DateTimeUtc>,
    pub visit_note: String,
    pub visited_by: Option<i64>,
    pub visited_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
