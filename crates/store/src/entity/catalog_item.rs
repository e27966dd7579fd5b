//! `catalog_items`: An immutable revision of a catalog item; an edit inserts the next revision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub revision: i32,
    /// Whether this is the revision new case items use.
    pub current: bool,
    pub name: String,
    pub name_en: String,
    pub department_id: i64,
    pub item_type: String,
    /// JSON list of co-department unit ids (joint items).
    pub co_departments: String,
    pub statutory_limit_days: Option<i32>,
    pub committed_limit_days: i32,
    pub report_up_limit_days: Option<i32>,
    pub warning_threshold_days: i32,
    pub limits_source: String,
    pub source_note: String,
    pub legal_basis: String,
    pub stage: String,
    /// JSON list of prerequisite item codes.
    pub prerequisites: String,
    pub applies_when: String,
    pub fee: String,
    /// JSON list of required materials.
    pub materials: String,
    pub origin: String,
    pub change_note: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
