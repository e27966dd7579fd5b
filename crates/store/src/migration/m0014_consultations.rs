//! Online consultation (在线咨询): questions routed to a unit, their thread, the answer limit's
//! alerts; the FAQ (常见问题) published from answered questions; and the search index of the
//! information platform (Chinese substring search): an FTS5 table with the `trigram`
//! tokenizer on SQLite, a plain table with a `pg_trgm` GIN index on PostgreSQL. The index is
//! filled by the application (`daiban_app::search`), in the transactions that write the rows.

use super::schema::{fk, index};
use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("consultations")
                .col(big_pk_auto("id"))
                .col(big_integer("asker_user_id"))
                .col(big_integer_null("asker_enterprise_id"))
                .col(big_integer_null("project_id"))
                .col(big_integer_null("catalog_item_id"))
                .col(big_integer("unit_id"))
                .col(string("routed_by"))
                .col(string("subject"))
                .col(text("body"))
                .col(string("status"))
                .col(timestamp_with_time_zone("asked_at"))
                .col(timestamp_with_time_zone("due_at"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .col(big_integer_null("answered_by"))
                .col(boolean("answered_late").default(false))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::cust("status IN ('open','answered','resolved')"))
                .check(Expr::cust(
                    "routed_by IN ('unit','catalog_item','project','bureau','reroute')",
                ))
                .foreign_key(&mut fk("consultations", "asker_user_id", "users"))
                .foreign_key(&mut fk(
                    "consultations",
                    "asker_enterprise_id",
                    "enterprises",
                ))
                .foreign_key(&mut fk("consultations", "project_id", "projects"))
                .foreign_key(&mut fk("consultations", "catalog_item_id", "catalog_items"))
                .foreign_key(&mut fk("consultations", "unit_id", "units"))
                .foreign_key(&mut fk("consultations", "answered_by", "users"))
                .to_owned(),
        )
        .await?;
        index(m, "consultations", &["unit_id", "status"], false).await?;
        index(m, "consultations", &["asker_enterprise_id"], false).await?;
        index(m, "consultations", &["asker_user_id"], false).await?;

        m.create_table(
            Table::create()
                .table("consultation_messages")
                .col(big_pk_auto("id"))
                .col(big_integer("consultation_id"))
                .col(big_integer("author_id"))
                .col(string("kind"))
                .col(text("body"))
                .col(big_integer_null("unit_id"))
                .col(timestamp_with_time_zone("at"))
                .check(Expr::cust(
                    "kind IN ('question','answer','follow_up','reroute','resolve')",
                ))
                .foreign_key(&mut fk(
                    "consultation_messages",
                    "consultation_id",
                    "consultations",
                ))
                .foreign_key(&mut fk("consultation_messages", "author_id", "users"))
                .foreign_key(&mut fk("consultation_messages", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "consultation_messages", &["consultation_id"], false).await?;

        m.create_table(
            Table::create()
                .table("consultation_alerts")
                .col(big_pk_auto("id"))
                .col(big_integer("consultation_id"))
                .col(string("level"))
                .col(timestamp_with_time_zone("due_at"))
                .col(big_integer("unit_id"))
                .col(timestamp_with_time_zone("raised_at"))
                .check(Expr::cust("level IN ('yellow','red')"))
                .foreign_key(&mut fk(
                    "consultation_alerts",
                    "consultation_id",
                    "consultations",
                ))
                .foreign_key(&mut fk("consultation_alerts", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        // Once per level and due time: a restart or a second instance never notifies twice.
        index(
            m,
            "consultation_alerts",
            &["consultation_id", "level", "due_at"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("faq_entries")
                .col(big_pk_auto("id"))
                .col(big_integer_null("consultation_id"))
                .col(string("category"))
                .col(text("question"))
                .col(text("answer"))
                .col(boolean("published"))
                .col(big_integer("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("faq_entries", "consultation_id", "consultations"))
                .foreign_key(&mut fk("faq_entries", "published_by", "users"))
                .to_owned(),
        )
        .await?;
        // One entry per consultation: publishing again edits it.
        index(m, "faq_entries", &["consultation_id"], true).await?;
        index(m, "faq_entries", &["published", "category"], false).await?;

        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Sqlite => {
                // `doc` is the normal form of title and body (Latin letters lower-cased):
                // case-sensitive trigrams over it give exact substring semantics, identical to
                // PostgreSQL's LIKE over the same text.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE search_index USING fts5(\
                     kind UNINDEXED, ref_id UNINDEXED, audience UNINDEXED, \
                     title UNINDEXED, body UNINDEXED, doc, \
                     tokenize = 'trigram case_sensitive 1')",
                )
                .await?;
            }
            DbBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                db.execute_unprepared(
                    "CREATE TABLE search_index (\
                     id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, ref_id BIGINT NOT NULL, \
                     audience TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, \
                     doc TEXT NOT NULL, UNIQUE (kind, ref_id))",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_search_index_doc ON search_index \
                     USING gin (doc gin_trgm_ops)",
                )
                .await?;
            }
            _ => {
                return Err(DbErr::Migration(
                    "search_index: SQLite or PostgreSQL only".into(),
                ));
            }
        }
        Ok(())
    }
}
