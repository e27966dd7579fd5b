//! Statements sent together: a command's last writes, and reads that do not depend on each
//! other, in one round trip on SQLite.
//!
//! sqlx runs each SQLite connection on its own thread, and every statement is a round trip to
//! it: two thread switches, which on two cores cost more than the statement itself (`perf` on a
//! transition: most of the server's time in the kernel, switching). A command's last writes —
//! its timeline event, its notifications, its audit entry and the chain's new head — need no
//! answer from each other, so on SQLite they go as one multi-statement execution (sqlx binds
//! the values of each statement in turn). On PostgreSQL they are executed one after the other,
//! as before; the SQL is the same.
//!
//! The batch runs inside the command's transaction: a failing statement fails the command and
//! its transaction (or savepoint) rolls back whole, as with separate statements. [`read_all`]
//! does the same for reads: several `SELECT`s, each one's rows apart.
//!
//! sqlx has deprecated several statements in one prepared text (only SQLite can do it), so a
//! later sqlx may stop running the later statements. Both paths would then fail loudly, never
//! quietly lose a write: [`Batch::run`] checks that the batch wrote one row per statement, and
//! [`read_all`] that every statement completed. The API suite runs both on every test.

use crate::AppResult;
use daiban_store::entity::audit_head;
use sea_orm::sqlx::{self, Either};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, QueryResult, QueryTrait,
    Statement, Values,
};
use sea_query_sqlx::SqlxValues;

/// Statements to execute together, in order, and audit entries to chain after them.
#[derive(Debug, Default)]
pub struct Batch {
    stmts: Vec<Statement>,
    /// Entries for the audit chain (see [`crate::audit::append_to`]).
    pub(crate) audit: Vec<crate::audit::Pending>,
    /// The chain's head as already reserved by the caller (the first entry's number and the
    /// previous hash; see [`crate::audit::reserved`]); reserved by [`Batch::run`] otherwise.
    pub(crate) audit_head: Option<(i64, String)>,
}

impl Batch {
    /// Adds a write of exactly one row (an insert of one row, an update by key), built for the
    /// backend of `db`: [`Batch::run`] checks that the batch wrote as many rows as it holds
    /// statements.
    pub fn add<C: ConnectionTrait, Q: QueryTrait>(&mut self, db: &C, q: &Q) {
        self.stmts.push(q.build(db.get_database_backend()));
    }

    /// Adds a statement as built (tests of the write path).
    #[cfg(test)]
    pub(crate) fn add_statement(&mut self, s: Statement) {
        self.stmts.push(s);
    }

    /// Executes the statements in order inside `txn`, then the audit entries, each chained to
    /// the one before: on SQLite in one execution (after the head's reservation, unless the
    /// caller made it); on PostgreSQL one by one, the head reserved after the other writes so
    /// that its row lock, which orders every writer, is taken as late as possible.
    ///
    /// # Errors
    /// The first failing statement's error, or a batch that wrote another number of rows than
    /// it holds statements (a key that matched nothing, or a driver that ran only part of the
    /// text): the caller's transaction then rolls back whole.
    pub async fn run<C: ConnectionTrait>(self, txn: &C) -> AppResult<()> {
        let (stmts, expected, written) = self.prepare(txn).await?;
        check_written(expected, written + execute(txn, stmts).await?)
    }

    /// Whether the batch holds nothing to write.
    pub fn is_empty(&self) -> bool {
        self.stmts.is_empty() && self.audit.is_empty()
    }

    /// The statements to execute on SQLite, the audit entries chained after the others, and
    /// the number of rows they must write (see [`Batch::run`]).
    ///
    /// # Errors
    /// The audit head could not be reserved.
    pub(crate) async fn statements<C: ConnectionTrait>(
        self,
        txn: &C,
    ) -> AppResult<(Vec<Statement>, u64)> {
        let (stmts, expected, written) = self.prepare(txn).await?;
        if written != 0 {
            return Err(anyhow::anyhow!("a batch was partly executed while prepared").into());
        }
        Ok((stmts, expected))
    }

    /// The statements still to execute, the rows the whole batch must write, and the rows
    /// already written: on PostgreSQL the other writes go before the audit head's reservation.
    async fn prepare<C: ConnectionTrait>(self, txn: &C) -> AppResult<(Vec<Statement>, u64, u64)> {
        let Self {
            mut stmts,
            audit,
            audit_head,
        } = self;
        let sqlite = txn.get_database_backend() == DbBackend::Sqlite;
        let mut expected = stmts.len() as u64;
        let mut written = 0;
        if !audit.is_empty() {
            expected += audit.len() as u64 + 1;
            let head = match audit_head {
                Some(head) => head,
                None => {
                    if !sqlite {
                        written += execute(txn, std::mem::take(&mut stmts)).await?;
                    }
                    let row = txn
                        .query_one_raw(crate::audit::reserve_statement(txn.get_database_backend()))
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("audit_head row is missing"))?;
                    let head = audit_head::Model::from_query_result(&row, "")?;
                    (head.seq, head.last_hash)
                }
            };
            stmts.extend(crate::audit::chained(txn, head, audit));
        }
        Ok((stmts, expected, written))
    }
}

/// Checks that a batch of `expected` one-row writes wrote as many rows.
///
/// # Errors
/// Another number: a key that matched nothing, or a driver that ran only part of the text.
pub(crate) fn check_written(expected: u64, written: u64) -> AppResult<()> {
    if written != expected {
        return Err(
            anyhow::anyhow!("a batch of {expected} one-row writes wrote {written} rows").into(),
        );
    }
    Ok(())
}

/// Executes `stmts` in order (on SQLite as one text) and returns the rows they wrote.
pub(crate) async fn execute<C: ConnectionTrait>(txn: &C, stmts: Vec<Statement>) -> AppResult<u64> {
    if stmts.len() > 1 && txn.get_database_backend() == DbBackend::Sqlite {
        return Ok(txn.execute_raw(joined(stmts)).await?.rows_affected());
    }
    let mut n = 0;
    for s in stmts {
        n += txn.execute_raw(s).await?.rows_affected();
    }
    Ok(n)
}

/// Runs several reads (each built for the backend of `db`) and returns each one's rows, in
/// order: on SQLite in one round trip (one multi-statement execution on one pooled connection,
/// each statement's rows ending at its completion marker), on PostgreSQL one after the other.
/// Each read sees the commits made before it ran, as separate queries would.
///
/// # Errors
/// Database failure.
pub async fn read_all(
    db: &DatabaseConnection,
    stmts: Vec<Statement>,
) -> AppResult<Vec<Vec<QueryResult>>> {
    let n = stmts.len();
    if db.get_database_backend() != DbBackend::Sqlite || n < 2 {
        let mut out = Vec::with_capacity(n);
        for s in stmts {
            out.push(db.query_all_raw(s).await?);
        }
        return Ok(out);
    }
    let one = joined(stmts);
    let values = one.values.unwrap_or(Values(Vec::new()));
    // `fetch_many` is deprecated because only SQLite can prepare several statements from one
    // text; this is the SQLite branch, and a driver that stopped running the later statements
    // would be caught below (fewer completions than statements), never read as empty results.
    #[expect(
        deprecated,
        reason = "SQLite only: several statements in one round trip"
    )]
    let mut rows = sqlx::query_with(sqlx::AssertSqlSafe(one.sql), SqlxValues(values))
        .fetch_many(db.get_sqlite_connection_pool());
    // Each statement's rows, then its completion marker.
    let (mut out, mut current) = (Vec::with_capacity(n), Vec::new());
    while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows)
        .await
        .map_err(|e| anyhow::anyhow!(e))?
    {
        match r {
            Either::Right(row) => current.push(row.into()),
            Either::Left(_) => out.push(std::mem::take(&mut current)),
        }
    }
    if out.len() != n || !current.is_empty() {
        return Err(anyhow::anyhow!("{} of {n} statements completed", out.len()).into());
    }
    Ok(out)
}

/// Runs `stmts` in order inside `txn` and returns the rows they return, all together in order:
/// on SQLite in one execution. For statements whose rows the caller tells apart by count and
/// order (a write with `RETURNING` after writes without).
///
/// # Errors
/// The first failing statement's error.
pub async fn query_rows<C: ConnectionTrait>(
    txn: &C,
    stmts: Vec<Statement>,
) -> AppResult<Vec<QueryResult>> {
    if txn.get_database_backend() == DbBackend::Sqlite {
        return Ok(txn.query_all_raw(joined(stmts)).await?);
    }
    let mut rows = Vec::new();
    for s in stmts {
        rows.extend(txn.query_all_raw(s).await?);
    }
    Ok(rows)
}

/// The statements as one SQLite text: their SQL separated by `;`, their values in order (each
/// statement's `?` placeholders take the next values).
fn joined(stmts: Vec<Statement>) -> Statement {
    let mut sql = String::new();
    let mut values = Vec::new();
    for s in stmts {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&s.sql);
        if let Some(Values(v)) = s.values {
            values.extend(v);
        }
    }
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_keeps_each_statements_values_in_order() {
        let s = joined(vec![
            Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO a VALUES (?, ?)",
                [1i64.into(), 2i64.into()],
            ),
            Statement::from_string(DbBackend::Sqlite, "DELETE FROM b"),
            Statement::from_sql_and_values(DbBackend::Sqlite, "UPDATE c SET x = ?", ["z".into()]),
        ]);
        assert_eq!(
            s.sql,
            "INSERT INTO a VALUES (?, ?);\nDELETE FROM b;\nUPDATE c SET x = ?"
        );
        assert_eq!(
            s.values.map(|v| v.0),
            Some(vec![1i64.into(), 2i64.into(), "z".into()])
        );
    }
}
