//! `project_events`: The timeline of a project and its case items.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub case_item_id: Option<i64>,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub actor_role: String,
    pub occurred_at: DateTimeUtc,
    pub entered_at: DateTimeUtc,
    pub backdated: bool,
    pub backdate_reason: String,
    pub note: String,
    /// JSON list of the material codes touched.
    pub materials: String,
    /// JSON object with kind-specific details (e.g. old and new due dates).
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
