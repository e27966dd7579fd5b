//! The search index on SQLite: keyed, with a head, and able to answer two-character queries.
//!
//! - **Keys.** `search_index` (FTS5) had rowids in insertion order, so re-indexing or removing
//!   a row found it by `kind` and `ref_id`, which FTS5 cannot index: every project created read
//!   the whole index inside the writer slot (60 ms on the generated province of 100,000
//!   projects). Each row's rowid is now its key, `ref_id × 4 + k` (k: faq 0, announcement 1,
//!   project 2, enterprise 3; the application's `search::key`), found in one lookup.
//! - **Head.** A second indexed column, `head`: the row's title and codes
//!   (`daiban_domain::consultation::search_head`), so that the project list, which searches
//!   names and codes, finds them through the index without the industries and descriptions
//!   the whole `doc` also holds (工业 is in 44,000 of the province's documents, in no name).
//! - **Bigrams.** The trigram tokenizer cannot answer queries of two characters (环评, 土地,
//!   工业), which were a scan of every row (20–50 ms there, three times per project-list page).
//!   `search_grams` holds the bigrams of each row's head and document
//!   (`daiban_domain::consultation::bigram_tokens`) under the same rowid; a two-character query
//!   is one token of it. It is contentless: only its index is stored, and rows are deleted by
//!   rowid (`contentless_delete`).
//!
//! The rows are rebuilt from the old table in Rust (the head and the bigrams are computed by
//! the domain's functions), a thousand at a time: 125,000 rows in 5 s on the generated province.
//! PostgreSQL is unchanged: its `search_index` is a table with a unique `(kind, ref_id)` and a
//! `pg_trgm` index, and its lists search with `LIKE`.

use daiban_domain::consultation::{bigram_tokens, search_head};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sea_orm_migration::prelude::*;
use std::collections::BTreeMap;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows read and written per statement while rebuilding.
const CHUNK: i64 = 1_000;

/// One row of the old index, rebuilt.
struct Row {
    kind: String,
    ref_id: i64,
    audience: String,
    title: String,
    body: String,
    doc: String,
    head: String,
}

/// `INSERT INTO table (cols) VALUES (?, …), …` for `rows` rows of `cols` columns.
fn insert(verb: &str, table: &str, cols: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; cols.len()].join(", "));
    format!(
        "{verb} INTO {table} ({}) VALUES {}",
        cols.join(", "),
        vec![one; rows].join(", ")
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All of it or none, with its record: a rebuild stopped half-way would leave the index
    /// dropped or its bigrams partial.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        db.execute_unprepared(
            "CREATE VIRTUAL TABLE search_index_keyed USING fts5(\
             kind UNINDEXED, ref_id UNINDEXED, audience UNINDEXED, \
             title UNINDEXED, body UNINDEXED, head, doc, \
             tokenize = 'trigram case_sensitive 1')",
        )
        .await?;
        db.execute_unprepared(
            "CREATE VIRTUAL TABLE search_grams USING fts5(head, doc, content = '', \
             contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0')",
        )
        .await?;
        let mut after = i64::MIN;
        loop {
            let rows = db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "SELECT s.rowid AS r, s.kind, s.ref_id, s.audience, s.title, s.body, s.doc, \
                     COALESCE(p.code, e.uscc, '') AS code FROM search_index s \
                     LEFT JOIN projects p ON s.kind = 'project' AND p.id = s.ref_id \
                     LEFT JOIN enterprises e ON s.kind = 'enterprise' AND e.id = s.ref_id \
                     WHERE s.rowid > ? ORDER BY s.rowid LIMIT ?",
                    [after.into(), CHUNK.into()],
                ))
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.try_get("", "r")?;
            // By key: a row indexed twice keeps its last version, as a re-index would.
            let mut keyed: BTreeMap<i64, Row> = BTreeMap::new();
            for r in &rows {
                let kind: String = r.try_get("", "kind")?;
                let ref_id: i64 = r.try_get("", "ref_id")?;
                let k = match kind.as_str() {
                    "faq" => 0,
                    "announcement" => 1,
                    "project" => 2,
                    _ => 3,
                };
                let title: String = r.try_get("", "title")?;
                let code: String = r.try_get("", "code")?;
                keyed.insert(
                    ref_id * 4 + k,
                    Row {
                        head: search_head(&title, &[&code]),
                        kind,
                        ref_id,
                        audience: r.try_get("", "audience")?,
                        title,
                        body: r.try_get("", "body")?,
                        doc: r.try_get("", "doc")?,
                    },
                );
            }
            let mut index: Vec<Value> = Vec::with_capacity(keyed.len() * 8);
            let mut grams: Vec<Value> = Vec::with_capacity(keyed.len() * 3);
            for (k, r) in &keyed {
                grams.extend([
                    (*k).into(),
                    bigram_tokens(&r.head).into(),
                    bigram_tokens(&r.doc).into(),
                ]);
                index.extend([
                    (*k).into(),
                    r.kind.as_str().into(),
                    r.ref_id.into(),
                    r.audience.as_str().into(),
                    r.title.as_str().into(),
                    r.body.as_str().into(),
                    r.head.as_str().into(),
                    r.doc.as_str().into(),
                ]);
            }
            let keys: Vec<String> = keyed.keys().map(i64::to_string).collect();
            db.execute_unprepared(&format!(
                "DELETE FROM search_grams WHERE rowid IN ({})",
                keys.join(", ")
            ))
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                insert(
                    "INSERT OR REPLACE",
                    "search_index_keyed",
                    &[
                        "rowid", "kind", "ref_id", "audience", "title", "body", "head", "doc",
                    ],
                    keyed.len(),
                ),
                index,
            ))
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                insert(
                    "INSERT",
                    "search_grams",
                    &["rowid", "head", "doc"],
                    keyed.len(),
                ),
                grams,
            ))
            .await?;
        }
        db.execute_unprepared("DROP TABLE search_index").await?;
        db.execute_unprepared("ALTER TABLE search_index_keyed RENAME TO search_index")
            .await?;
        Ok(())
    }
}
