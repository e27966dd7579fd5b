//! `one_time_notices`: One-time notices (一次性告知书) of a case item.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "one_time_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_item_id: i64,
    pub seq: i32,
    /// JSON list of demands: code, name, problem, note.
    pub demands: String,
    /// JSON list of material codes no earlier notice demanded (a breach when non-empty).
    pub breach_codes: String,
    pub issued_by: Option<i64>,
    pub issued_by_name: String,
    pub issued_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
