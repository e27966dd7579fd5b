//! `deadline_alerts`: Yellow and red alerts raised by the deadline monitor, once per level.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_item_id: i64,
    pub project_id: i64,
    pub step: String,
    pub level: String,
    pub due_at: DateTimeUtc,
    pub responsible_unit_id: i64,
    pub responsible_user_id: Option<i64>,
    pub raised_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
