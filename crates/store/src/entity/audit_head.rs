//! `audit_head`: one row holding the chain's last sequence number and hash. Appending locks this
//! row first (an `UPDATE`), which orders concurrent appenders on PostgreSQL; a truncated tail is
//! detected because the head no longer matches the last entry.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub seq: i64,
    pub last_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
