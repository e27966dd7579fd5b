//! A department's open joint items, read through their links.
//!
//! A department sees the items it leads and the joint items it takes part in as a
//! co-department (`case_item_departments`). Its workbench counts and lists its *open* items; for
//! the joint ones that meant looking up every link it ever had in `case_items` to test the
//! state. On the generated province the natural resources bureau has 134,000 links: its
//! workbench took 330–350 ms, growing with the links' whole history rather than with the open
//! work. Each link now carries `item_open`, whether its item is open, with an index on
//! `(department_id, item_open, case_item_id)`, so the open joint items are read from the index.
//!
//! Triggers keep the mark, so every path that changes an item's state or adds a link (the
//! transitions, the demo, the generator's bulk rows) keeps it without knowing: on a change of
//! the item's state, and on a new link. The open states are the domain's
//! (`CaseState::is_open`); should that set change, a later migration recreates the triggers.

use daiban_domain::case_item::CaseState;
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The open states as an SQL list: `'requested', 'accepted', …`.
pub fn open_states_sql() -> String {
    CaseState::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// The column, its values, the index and the triggers together or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let open = open_states_sql();
        db.execute_unprepared(
            "ALTER TABLE case_item_departments ADD COLUMN item_open BOOLEAN NOT NULL DEFAULT FALSE",
        )
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE case_item_departments SET item_open = EXISTS (SELECT 1 FROM case_items \
             WHERE case_items.id = case_item_departments.case_item_id \
             AND case_items.state IN ({open}))"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_case_item_departments_department_id_item_open \
             ON case_item_departments (department_id, item_open, case_item_id)",
        )
        .await?;
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER case_item_departments_item_open_on_state \
                     AFTER UPDATE OF state ON case_items BEGIN \
                     UPDATE case_item_departments SET item_open = (NEW.state IN ({open})) \
                     WHERE case_item_id = NEW.id; END"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER case_item_departments_item_open_on_link \
                     AFTER INSERT ON case_item_departments BEGIN \
                     UPDATE case_item_departments SET item_open = EXISTS (SELECT 1 FROM case_items \
                     WHERE case_items.id = NEW.case_item_id AND case_items.state IN ({open})) \
                     WHERE case_item_id = NEW.case_item_id AND department_id = NEW.department_id; \
                     END"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION case_item_departments_item_open_on_state() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     UPDATE case_item_departments SET item_open = (NEW.state IN ({open})) \
                     WHERE case_item_id = NEW.id; RETURN NULL; END $$"
                ))
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER case_item_departments_item_open_on_state \
                     AFTER UPDATE OF state ON case_items FOR EACH ROW \
                     EXECUTE FUNCTION case_item_departments_item_open_on_state()",
                )
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION case_item_departments_item_open_on_link() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     NEW.item_open := EXISTS (SELECT 1 FROM case_items \
                     WHERE case_items.id = NEW.case_item_id AND case_items.state IN ({open})); \
                     RETURN NEW; END $$"
                ))
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER case_item_departments_item_open_on_link \
                     BEFORE INSERT ON case_item_departments FOR EACH ROW \
                     EXECUTE FUNCTION case_item_departments_item_open_on_link()",
                )
                .await?;
            }
        }
        Ok(())
    }
}
