//! `calendar_versions`: every imported year arrangement, versioned per year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    /// 1, 2, … per year; unique with `year`.
    pub version: i32,
    /// The arrangement's JSON as imported.
    pub arrangement: String,
    /// `YearArrangement::fingerprint` of it.
    pub fingerprint: String,
    pub notice_number: String,
    pub notice_title: String,
    pub notice_published: Option<Date>,
    /// `cli`, `web` or `api`.
    pub source: String,
    /// The importing user; `None` for the command line.
    pub imported_by: Option<i64>,
    pub imported_by_name: String,
    pub imported_at: DateTimeUtc,
    /// Open deadlines recomputed by the import.
    pub recomputed_items: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
