//! `case_items`: Case items (办件): one catalog item for one project.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub catalog_item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    /// The town unit of the project (denormalised for scoping).
    pub unit_id: i64,
    pub item_type: String,
    pub limit_days: i32,
    pub report_up_limit_days: Option<i32>,
    pub warning_threshold_days: i32,
    pub state: String,
    pub first_contact_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub helper_id: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub materials_complete_at: Option<DateTimeUtc>,
    pub submit_due_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub review_started_at: Option<DateTimeUtc>,
    pub due_at: Option<DateTimeUtc>,
    pub due_provisional: bool,
    pub reported_up_at: Option<DateTimeUtc>,
    pub concluded_at: Option<DateTimeUtc>,
    pub outcome_note: String,
    pub warning: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
    /// When the deadline monitor looks at the item again; `NULL`: at its next run.
    pub watch_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
