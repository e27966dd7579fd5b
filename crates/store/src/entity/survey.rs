//! `surveys`: one democratic-appraisal survey per quarter.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "surveys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub quarter: String,
    pub title: String,
    pub opens_on: Date,
    pub closes_on: Date,
    /// `open` or `closed`.
    pub state: String,
    /// The appraised units, a JSON array of ids.
    pub unit_ids: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub closed_by: Option<i64>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
