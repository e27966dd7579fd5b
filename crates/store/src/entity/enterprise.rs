//! `enterprises`: companies identified by their unified social credit code.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uscc: String,
    /// Set when a coordinator accepted a code that fails only the checksum.
    pub uscc_override_reason: Option<String>,
    pub name: String,
    pub unit_id: i64,
    pub legal_rep: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub industry: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
