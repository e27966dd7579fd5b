//! `complaints`: Complaints (举报投诉) about a unit, with the complainant's identity (bureau only).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel: String,
    pub status: String,
    pub unit_id: i64,
    pub project_id: Option<i64>,
    pub staff_name: String,
    pub subject: String,
    pub body: String,
    pub complainant_user_id: Option<i64>,
    pub complainant_enterprise_id: Option<i64>,
    pub complainant_name: String,
    pub complainant_contact: String,
    pub received_by: i64,
    pub received_at: DateTimeUtc,
    pub assignee_id: Option<i64>,
    pub findings: String,
    pub conclusion_reason: String,
    pub concluded_by: Option<i64>,
    pub concluded_at: Option<DateTimeUtc>,
    pub finding_id: Option<i64>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
