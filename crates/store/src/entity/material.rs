//! `materials`: Materials of a case item and where each one is now.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "materials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_item_id: i64,
    pub project_id: i64,
    pub material_code: String,
    pub name: String,
    pub state: String,
    pub holder_user_id: Option<i64>,
    pub holder_unit_id: Option<i64>,
    pub holder_name: String,
    pub note: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
