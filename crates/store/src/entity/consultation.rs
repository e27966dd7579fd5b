//! `consultations`: A question asked online (在线咨询), routed to the unit that answers it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub asker_user_id: i64,
    pub asker_enterprise_id: Option<i64>,
    pub project_id: Option<i64>,
    pub catalog_item_id: Option<i64>,
    pub unit_id: i64,
    pub routed_by: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub status: String,
    pub asked_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<i64>,
    pub answered_late: bool,
    pub resolved_at: Option<DateTimeUtc>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
