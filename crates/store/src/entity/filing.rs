//! `filings`: Personnel filings: selections and adjustments proposed by units, decided by the bureau.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub status: String,
    pub post: String,
    pub candidate_id: i64,
    pub cadre: String,
    pub conditions: i32,
    pub appointed_on: Option<Date>,
    pub outgoing_id: Option<i64>,
    pub work_change: bool,
    pub reason: String,
    /// Comma-separated adjustment rule codes broken (at proposal; fixed at the decision).
    pub violations: String,
    pub proposed_by: i64,
    pub proposed_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
