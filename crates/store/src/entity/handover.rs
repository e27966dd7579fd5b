//! `handovers`: The handover of an adjustment: the outgoing person's open work, moved to the successor.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handovers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub filing_id: i64,
    pub unit_id: i64,
    pub from_user_id: i64,
    pub to_user_id: i64,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub from_confirmed_at: Option<DateTimeUtc>,
    pub from_confirmed_by: Option<i64>,
    pub to_confirmed_at: Option<DateTimeUtc>,
    pub to_confirmed_by: Option<i64>,
    pub note: String,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
