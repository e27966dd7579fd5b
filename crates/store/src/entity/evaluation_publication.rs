//! `evaluation_publications`: Published quarterly results: immutable snapshots, revised with a reason.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub quarter: String,
    pub revision: i32,
    pub scheme_version: String,
    /// The result as published (JSON).
    pub result: String,
    pub reason: String,
    pub published_by: i64,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
