//! `demands`: enterprise demands (企业诉求) routed to the responsible unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "demands")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub project_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub category: String,
    pub status: String,
    pub unit_id: Option<i64>,
    pub submitted_by: i64,
    pub submitted_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub due_provisional: bool,
    pub responded_at: Option<DateTimeUtc>,
    pub outcome: String,
    pub closed_at: Option<DateTimeUtc>,
    pub problem_id: Option<i64>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
