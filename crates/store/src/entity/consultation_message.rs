//! `consultation_messages`: The thread of a consultation: the question, answers, follow-ups,
//! re-routings and the resolution, with who and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consultation_id: i64,
    pub author_id: i64,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub unit_id: Option<i64>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
