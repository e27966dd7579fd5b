//! `problem_overdue`: A problem left too long at a level: escalated once, evidence of late reporting.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_overdue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub problem_id: i64,
    pub level: String,
    pub level_entered_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub responsible_unit_id: i64,
    pub raised_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
