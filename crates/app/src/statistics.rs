//! The query planner's statistics on SQLite.
//!
//! Without them SQLite picks an index by its shape alone, and on a large database it sometimes
//! picks badly: on the generated province a department's workbench counted its open items through
//! the index on the state (reading all 290,909 open items of the province, 145 ms) instead of the
//! one on the department (3 ms with the statistics). So the server refreshes them when it starts
//! and every few hours: `ANALYZE` the first time (`sqlite_stat1` missing), `PRAGMA optimize`
//! after that, which analyses only the tables that changed a lot. `analysis_limit` bounds the
//! work to a sample of each index (0.3 s on a 21 GB database). PostgreSQL's autovacuum keeps its
//! own statistics.

use crate::{App, AppResult};
use daiban_store::connect::Backend;
use sea_orm::{ConnectionTrait, Statement};

/// Rows of each index that `ANALYZE` samples (SQLite's `analysis_limit`).
pub const ANALYSIS_LIMIT: u32 = 1000;

/// Brings SQLite's planner statistics up to date (a no-op on PostgreSQL). Runs as one write
/// command, queued behind the other writers.
///
/// # Errors
/// Database failure.
pub async fn refresh(app: &App) -> AppResult<()> {
    if app.db.backend != Backend::Sqlite {
        return Ok(());
    }
    let w = app.begin_write().await?;
    let analysed = w
        .txn
        .query_one_raw(Statement::from_string(
            w.txn.get_database_backend(),
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'",
        ))
        .await?
        .is_some();
    w.txn
        .execute_unprepared(&format!("PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
        .await?;
    w.txn
        .execute_unprepared(if analysed {
            "PRAGMA optimize"
        } else {
            "ANALYZE"
        })
        .await?;
    w.commit().await?;
    Ok(())
}
