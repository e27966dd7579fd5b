//! Why a mandate was terminated and, for a project lost through a staff member's own fault
//! (attachment 2, −5 per project), who that member was. SQLite cannot add a foreign key to an
//! existing table, so `fault_user_id` is checked by the use case that writes it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        m.alter_table(
            Table::alter()
                .table("mandates")
                .add_column(string_null("termination_cause"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("mandates")
                .add_column(big_integer_null("fault_user_id"))
                .to_owned(),
        )
        .await
    }
}
