//! `problem_blocks`: the case items a problem blocks.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_blocks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub problem_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_item_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
