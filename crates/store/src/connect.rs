//! Opening the database named by a URL, with the settings each backend needs.

use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{DatabaseConnection, DbBackend};
use std::str::FromStr;
use std::time::Duration;

/// The database backend behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A database URL that Daiban cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbUrlError {
    /// The scheme is neither `sqlite:` nor `postgres:`/`postgresql:`.
    #[error(
        "unsupported database URL scheme `{0}`: accepted schemes are sqlite:// and postgres:// (or postgresql://)"
    )]
    UnsupportedScheme(String),
}

/// Reads the backend from the URL's scheme; anything else is refused (never guessed).
///
/// # Errors
/// [`DbUrlError::UnsupportedScheme`] naming the accepted schemes.
pub fn parse_database_url(url: &str) -> Result<Backend, DbUrlError> {
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => Err(DbUrlError::UnsupportedScheme(scheme)),
    }
}

/// An open database.
#[derive(Clone, Debug)]
pub struct Db {
    /// The SeaORM connection (a pool).
    pub conn: DatabaseConnection,
    /// Which backend it is.
    pub backend: Backend,
    /// The URL it was opened with (a bulk loader opens a second connection to it).
    pub url: String,
}

impl Db {
    /// Answers whether the database responds (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }

    /// The SeaORM backend enum.
    pub fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}

/// Opens the database, creating the SQLite file and its folder if needed.
///
/// SQLite: WAL, `foreign_keys=ON`, `busy_timeout` 10 s, `synchronous=FULL` (an acknowledged
/// write survives a power loss). PostgreSQL: a pool of `max_connections`.
///
/// # Errors
/// A bad URL or an unreachable database.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    open(url, max_connections, SqliteSynchronous::Full).await
}

/// A single SQLite connection with `synchronous=NORMAL`, for generating the demo city into an
/// empty database: in WAL mode a crash can lose only the last commits, never corrupt the file,
/// and a half-generated demo is regenerated anyway. PostgreSQL: as [`connect`] with one
/// connection.
///
/// # Errors
/// As [`connect`].
pub async fn connect_for_bulk_load(url: &str) -> anyhow::Result<Db> {
    open(url, 1, SqliteSynchronous::Normal).await
}

async fn open(url: &str, max_connections: u32, sync: SqliteSynchronous) -> anyhow::Result<Db> {
    let backend = parse_database_url(url)?;
    let conn: DatabaseConnection = match backend {
        Backend::Sqlite => {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(sync)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = opts.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)?;
            }
            // No ping before each use: an embedded file does not hang up, and on SQLite the ping
            // is one more round trip to the connection's thread for every statement outside a
            // transaction (a quarter of a transition's statements).
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(2))
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            pool.into()
        }
        Backend::Postgres => {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            pool.into()
        }
    };
    Ok(Db {
        conn,
        backend,
        url: url.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(parse_database_url("sqlite://x.db"), Ok(Backend::Sqlite));
        assert_eq!(
            parse_database_url("postgres://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            parse_database_url("postgresql://u@h/db"),
            Ok(Backend::Postgres)
        );
        let e = parse_database_url("mysql://x").unwrap_err();
        assert!(e.to_string().contains("sqlite://"));
        assert!(e.to_string().contains("postgres://"));
    }
}
