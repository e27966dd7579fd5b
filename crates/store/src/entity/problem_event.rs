//! `problem_events`: The history of a problem.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub problem_id: i64,
    pub kind: String,
    pub from_level: Option<String>,
    pub to_level: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: String,
    pub note: String,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
