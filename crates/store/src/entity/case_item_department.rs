//! `case_item_departments`: the co-departments of a joint case item (联办件).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_item_departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_item_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: i64,
    /// Whether the item is open, kept by triggers (migration m0021): a department's open joint
    /// items are read from the index on `(department_id, item_open, case_item_id)`.
    pub item_open: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
