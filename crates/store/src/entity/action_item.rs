//! `action_items`: Action items from meetings and the city leader's decisions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source: String,
    pub meeting_id: Option<i64>,
    pub decision_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub project_id: Option<i64>,
    pub title: String,
    pub owner_unit_id: i64,
    pub owner_user_id: Option<i64>,
    pub due_days: i32,
    pub assigned_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub due_provisional: bool,
    pub status: String,
    pub done_at: Option<DateTimeUtc>,
    pub done_note: String,
    pub warning: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
