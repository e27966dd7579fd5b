//! `mandates`: The enterprise's mandate (委托代办) for a project.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mandates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub project_id: i64,
    pub state: String,
    pub scope: String,
    /// JSON list of the agents' user ids.
    pub agent_ids: String,
    pub signed_by: Option<i64>,
    pub signed_at: DateTimeUtc,
    pub last_reason: String,
    pub closed_at: Option<DateTimeUtc>,
    /// Why it was terminated (`TerminationCause` code), when it was.
    pub termination_cause: Option<String>,
    /// The staff member at fault, for a project lost through a staff member's own fault.
    pub fault_user_id: Option<i64>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
