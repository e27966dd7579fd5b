//! `projects`: Investment projects.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: Option<String>,
    pub name: String,
    pub enterprise_id: i64,
    pub unit_id: i64,
    pub investment_yuan: i64,
    pub industry: String,
    pub kind: String,
    pub policy_standing: String,
    pub major_urban: bool,
    pub major: bool,
    pub bureau_helper_id: Option<i64>,
    pub stage: String,
    pub status: String,
    pub description: String,
    pub decline_reason: Option<String>,
    pub created_by: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
