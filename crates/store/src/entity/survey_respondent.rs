//! `survey_respondents`: who is asked, with the hash of their personal link's token.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_respondents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub survey_id: i64,
    /// `agent`, `helper`, `enterprise` or `service_center`.
    pub grp: String,
    /// The account, if the respondent has one.
    pub user_id: Option<i64>,
    pub name: String,
    pub phone: String,
    /// SHA-256 of the link's token (the token itself is never stored).
    pub token_hash: String,
    pub added_by: i64,
    pub added_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
