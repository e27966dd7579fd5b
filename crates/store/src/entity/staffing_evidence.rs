//! `staffing_evidence`: Staffing evidence for the evaluation (人员到位).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staffing_evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub filing_id: Option<i64>,
    pub detail: String,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
