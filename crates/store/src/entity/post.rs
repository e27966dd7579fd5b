//! `posts`: The register: who holds which post at which unit, since and until when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub user_id: i64,
    pub post: String,
    pub cadre: String,
    pub conditions: i32,
    pub since: Date,
    pub until: Option<Date>,
    pub filing_id: i64,
    pub end_filing_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
