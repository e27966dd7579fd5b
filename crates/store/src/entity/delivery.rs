//! `deliveries`: one notification on one channel to one recipient: state, attempts, lease.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notification_id: i64,
    /// `email` or `webhook`.
    pub channel: String,
    pub user_id: i64,
    /// The e-mail address or phone number at fan-out time.
    pub address: String,
    /// `pending`, `sent`, `failed`, `skipped`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While set and in the future, a dispatcher is sending it.
    pub lease_until: Option<DateTimeUtc>,
    pub lease_owner: String,
    pub last_error: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
