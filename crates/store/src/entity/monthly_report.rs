//! `monthly_reports`: A unit's submitted monthly report (月报表), its figures frozen.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monthly_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    /// `2026-10`.
    pub month: String,
    pub status: String,
    pub items_accepted: i32,
    pub items_submitted: i32,
    pub items_concluded: i32,
    pub items_overdue: i32,
    pub problems_raised: i32,
    pub problems_resolved: i32,
    pub return_visits: i32,
    pub remarks: String,
    pub due_on: Date,
    pub late: bool,
    pub submitted_by: i64,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
