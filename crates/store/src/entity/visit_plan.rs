//! `visit_plan`: Return visits due after a project completes a stage.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub stage: String,
    pub next_stage: String,
    pub stage_changed_at: DateTimeUtc,
    pub due_on: Date,
    pub due_provisional: bool,
    pub visit_id: Option<i64>,
    pub visited_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
