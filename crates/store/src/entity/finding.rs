//! `findings`: Evaluation findings: one deduction each, with its evidence and the bureau's decision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "findings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub quarter: String,
    pub category: String,
    pub rule: String,
    /// Hundredths of a point deducted.
    pub points: i64,
    pub occurred_on: Date,
    pub source: String,
    pub state: String,
    pub evidence_kind: String,
    pub evidence_id: Option<i64>,
    pub evidence_label: String,
    pub project_id: Option<i64>,
    pub detected_key: Option<String>,
    pub note: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_reason: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
