//! `announcements`: policy news (政策动态) written and published by the bureau.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub body: String,
    pub category: String,
    pub status: String,
    pub public: bool,
    pub pinned: bool,
    pub author_id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_by: Option<i64>,
    pub published_at: Option<DateTimeUtc>,
    pub unpublished_by: Option<i64>,
    pub unpublished_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
