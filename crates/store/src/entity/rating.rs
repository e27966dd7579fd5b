//! `ratings`: 好差评 ratings of concluded case items.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_item_id: i64,
    pub project_id: i64,
    pub responsible_unit_id: i64,
    pub rating: String,
    pub comment: String,
    pub first_rating: Option<i32>,
    pub rectification_id: Option<i64>,
    pub rated_by: i64,
    pub rated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
