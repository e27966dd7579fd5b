//! `problems`: Problems (矛盾问题) and enterprise demands on the escalation ladder.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub title: String,
    pub description: String,
    pub category: String,
    pub department_id: i64,
    pub owner_id: Option<i64>,
    pub at_site: bool,
    pub raised_by: i64,
    pub raised_by_role: String,
    pub level: String,
    pub level_entered_at: DateTimeUtc,
    pub level_due_at: DateTimeUtc,
    pub due_provisional: bool,
    pub status: String,
    pub resolution: String,
    pub resolved_at: Option<DateTimeUtc>,
    pub meeting_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
