//! `activities`: The bureau's trainings, seminars and enterprise visits.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub topic: String,
    pub scheduled_at: DateTimeUtc,
    pub place: String,
    pub notes: String,
    pub status: String,
    pub cancel_reason: String,
    pub cancelled_at: Option<DateTimeUtc>,
    pub attendance_recorded_at: Option<DateTimeUtc>,
    pub created_by: i64,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
