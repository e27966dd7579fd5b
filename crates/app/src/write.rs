//! Write transactions, and group commit on SQLite.
//!
//! SQLite has one writer, and a durable commit (`synchronous=FULL`: the WAL is synced before the
//! commit returns) costs a disk sync, which caps one-commit-per-request at the disk's sync rate.
//! So on SQLite the writers queue on one slot, and the writers that arrive while one is working
//! share a *group*: one outer transaction on one connection, each command in its own savepoint.
//!
//! - A command's changes are atomic: they run in the savepoint `daiban_command`; an error (or a
//!   dropped [`WriteTxn`]) rolls back to it and leaves the others' changes alone. Should that
//!   rollback fail, or a command's changes have entered the group when it fails (see
//!   [`WriteTxn::finish`]), the group is *poisoned*: it rolls back whole and each of its
//!   commands gets the error, so nothing is ever half-written.
//! - A command is acknowledged only once its group is committed, durably: [`WriteTxn::commit`]
//!   returns after the outer `COMMIT`. If that commit fails, every command of the group gets the
//!   error and nothing of the group is written.
//! - The group is committed by the command that finishes with no other writer queued behind it,
//!   or when it holds [`GROUP_MAX`] commands; otherwise by a flush that queues for the slot
//!   behind the writers waiting now (so it also happens if they fail or are cancelled). A lone
//!   writer therefore commits at once, exactly as without grouping; under load, many commands
//!   share one sync.
//! - Readers on other connections see a command's changes once its group commits (WAL snapshot),
//!   which is also when its caller learns it succeeded.
//!
//! Round trips. sqlx runs each SQLite connection on a thread of its own, and every call to it
//! is a hand-off there and back, which on two cores costs more than most statements (see
//! [`crate::batch`]). sqlx's own savepoints are two such calls per command, each answered only
//! after the caller has taken the answer (a rendezvous). So the command's savepoint is plain SQL
//! on the group's transaction ([`Txn`]): opened in the same call as the command's first query,
//! and released in the same call as its last writes when the command ends with
//! [`WriteTxn::finish`]. A transition is then two calls inside the slot instead of four.
//!
//! PostgreSQL needs none of this: several connections write at once, and the server already
//! merges the WAL flushes of concurrent commits. There [`WriteTxn`] is a plain transaction.

use crate::AppResult;
use crate::batch::Batch;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// The most commands one group commit carries: bounds the wait of the first of them.
pub const GROUP_MAX: usize = 64;

/// The savepoint that holds one command's changes inside its group (SQLite).
const SAVEPOINT: &str = "SAVEPOINT daiban_command";
/// Its release: the command's changes join the group's.
const RELEASE: &str = "RELEASE daiban_command";
/// Its rollback: the command's changes are taken back, the group's stay.
const ROLLBACK: &str = "ROLLBACK TO daiban_command; RELEASE daiban_command";

/// The outcome of a group's commit, shared by its members.
type Outcome = Option<Result<(), String>>;

/// The open group: the outer transaction, how many commands released their savepoint into it,
/// where its outcome is announced, and why it may not be committed.
struct Group {
    txn: Arc<DatabaseTransaction>,
    members: usize,
    outcome: watch::Sender<Outcome>,
    poisoned: Option<String>,
}

impl Group {
    /// Commits the group (rolls it back if it is poisoned) and tells every member.
    async fn commit(self) -> Result<(), String> {
        let Self {
            txn,
            outcome,
            poisoned,
            ..
        } = self;
        let r = match (Arc::try_unwrap(txn), poisoned) {
            (Ok(txn), None) => txn.commit().await.map_err(|e| e.to_string()),
            (Ok(txn), Some(why)) => {
                // A failed rollback leaves nothing either: the connection drops the transaction.
                if let Err(e) = txn.rollback().await {
                    tracing::error!(error = %e, "rolling back a poisoned write group");
                }
                Err(why)
            }
            // Cannot happen: a command's handle is gone before its slot is released.
            (Err(_), _) => Err("the write group's transaction is still in use".to_owned()),
        };
        // A member that stopped waiting (its request was cancelled) is no reason to fail.
        outcome.send_replace(Some(r.clone()));
        r
    }

    /// Marks the group as not to be committed (the first reason is kept).
    fn poison(&mut self, why: String) {
        tracing::error!(reason = %why, "write group poisoned: it will roll back whole");
        self.poisoned.get_or_insert(why);
    }
}

/// The SQLite writer slot: the open group (if any), how many writers wait for the slot, and
/// whether a flush is already on its way.
#[derive(Default)]
pub(crate) struct GroupWriter {
    slot: Arc<Mutex<Option<Group>>>,
    queued: AtomicUsize,
    flush_pending: AtomicBool,
    stats: Stats,
}

/// What the group writer has done since start: groups committed and the commands they held.
#[derive(Default)]
struct Stats {
    groups: AtomicU64,
    commands: AtomicU64,
}

/// Group commits since start (SQLite): how many, and how many commands they carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GroupStats {
    /// Outer commits.
    pub groups: u64,
    /// Commands committed in them.
    pub commands: u64,
}

impl GroupWriter {
    /// Commits `g`, counted.
    async fn commit(&self, g: Group) -> Result<(), String> {
        let members = g.members as u64;
        let r = g.commit().await;
        if r.is_ok() {
            self.stats.groups.fetch_add(1, Ordering::Relaxed);
            self.stats.commands.fetch_add(members, Ordering::Relaxed);
        }
        r
    }

    /// The counts so far.
    pub(crate) fn stats(&self) -> GroupStats {
        GroupStats {
            groups: self.stats.groups.load(Ordering::Relaxed),
            commands: self.stats.commands.load(Ordering::Relaxed),
        }
    }

    /// Commits the open group, if any, once the writers queued now have had their turn: it
    /// queues for the slot behind them (the slot is first come, first served).
    async fn flush(&self) {
        let mut slot = self.slot.lock().await;
        self.flush_pending.store(false, Ordering::SeqCst);
        if let Some(g) = slot.take()
            && let Err(e) = self.commit(g).await
        {
            tracing::error!(error = %e, "group commit failed");
        }
    }

    /// Makes sure a flush is on its way, so that no member waits on a group nobody commits
    /// (the writer queued behind it may be cancelled, or may fail).
    fn request_flush(self: &Arc<Self>) {
        if self.flush_pending.swap(true, Ordering::SeqCst) {
            return;
        }
        let writer = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move { writer.flush().await });
            }
            Err(_) => self.flush_pending.store(false, Ordering::SeqCst),
        }
    }
}

/// Counts a writer waiting for the slot, also when its request is cancelled while it waits.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where writes go: straight to the pool (PostgreSQL), or through the group writer (SQLite).
#[derive(Clone)]
pub(crate) enum Writer {
    /// One transaction per command.
    Direct,
    /// Grouped commits behind one writer slot.
    Grouped(Arc<GroupWriter>),
}

/// Where a command stands with its savepoint (SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Savepoint {
    /// Nothing of the command has run yet.
    Pending,
    /// Opened (or sent with a statement that may have failed after opening it).
    Open,
    /// Released: the command's changes are the group's.
    Released,
}

/// The transaction a command's statements run in: on PostgreSQL its own; on SQLite the group's,
/// with the command's savepoint opened by its first statement (in the same call when that is a
/// query). Every statement of a command goes through here, so none runs outside its savepoint.
pub struct Txn {
    /// The transaction; taken when the command ends, so that the group's commit finds it
    /// alone.
    inner: Option<Arc<DatabaseTransaction>>,
    backend: DbBackend,
    /// SQLite: the command's savepoint; `None` on PostgreSQL.
    savepoint: Option<Mutex<Savepoint>>,
}

impl Txn {
    fn new(inner: Arc<DatabaseTransaction>, savepoint: Option<Savepoint>) -> Self {
        Self {
            backend: inner.get_database_backend(),
            inner: Some(inner),
            savepoint: savepoint.map(Mutex::new),
        }
    }

    /// The transaction, while the command lasts.
    fn conn(&self) -> Result<&DatabaseTransaction, DbErr> {
        self.inner
            .as_deref()
            .ok_or_else(|| DbErr::Custom("the command's transaction has ended".into()))
    }

    /// Opens the savepoint if nothing of the command has run yet, in a call of its own.
    async fn open(&self) -> Result<(), DbErr> {
        if let Some(state) = &self.savepoint {
            let mut s = state.lock().await;
            if *s == Savepoint::Pending {
                self.conn()?.execute_unprepared(SAVEPOINT).await?;
                *s = Savepoint::Open;
            }
        }
        Ok(())
    }

    /// `stmt`, preceded by the savepoint's opening if it is the command's first statement. The
    /// guard is held until the statement has run, so that no other statement of the command
    /// can overtake the opening.
    async fn first(
        &self,
        stmt: Statement,
    ) -> (Statement, Option<tokio::sync::MutexGuard<'_, Savepoint>>) {
        let Some(state) = &self.savepoint else {
            return (stmt, None);
        };
        let mut s = state.lock().await;
        if *s != Savepoint::Pending {
            return (stmt, None);
        }
        // Counted as open even if the statement fails: the rollback then finds out.
        *s = Savepoint::Open;
        let sql = format!("{SAVEPOINT};\n{}", stmt.sql);
        (
            Statement {
                sql,
                values: stmt.values,
                db_backend: stmt.db_backend,
            },
            Some(s),
        )
    }

    /// The savepoint's state now, for a command being dropped (`Open` if a statement of it is
    /// still in flight).
    fn state_now(&self) -> Savepoint {
        match &self.savepoint {
            Some(state) => state.try_lock().map_or(Savepoint::Open, |s| *s),
            None => Savepoint::Released,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Txn {
    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    // Writes open the savepoint in a call of their own: sqlx reports a text's rows affected as
    // the sum over its statements, and `SAVEPOINT` repeats the count of the write before it.
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.open().await?;
        self.conn()?.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.open().await?;
        self.conn()?.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let (stmt, _opening) = self.first(stmt).await;
        self.conn()?.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let (stmt, _opening) = self.first(stmt).await;
        self.conn()?.query_all_raw(stmt).await
    }
}

/// The writer slot held by a command on SQLite.
struct Held {
    writer: Arc<GroupWriter>,
    slot: OwnedMutexGuard<Option<Group>>,
}

impl Held {
    /// Gives up the slot for a command that did not commit: its changes are taken back (rolled
    /// back to its savepoint, on a task of its own, still holding the slot), and a flush is
    /// requested for what the group already holds.
    fn abandon(self, state: Savepoint, txn: Option<Arc<DatabaseTransaction>>) {
        let Self { writer, mut slot } = self;
        match state {
            Savepoint::Pending => {}
            Savepoint::Released => {
                if let Some(g) = slot.as_mut() {
                    g.poison("a command failed after its changes had joined the group".into());
                }
            }
            Savepoint::Open => {
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    rt.spawn(async move {
                        let r = match &txn {
                            Some(t) => t.execute_unprepared(ROLLBACK).await.map(|_| ()),
                            None => Err(DbErr::Custom("no transaction".into())),
                        };
                        // The group's commit must find its transaction alone.
                        drop(txn);
                        if let (Some(g), Err(e)) = (slot.as_mut(), r) {
                            g.poison(format!("a command's changes could not be taken back: {e}"));
                        }
                        Self::release(&writer, slot);
                    });
                    return;
                }
                if let Some(g) = slot.as_mut() {
                    g.poison("a command was dropped outside the runtime".into());
                }
            }
        }
        Self::release(&writer, slot);
    }

    /// Releases the slot; the group, if one is open, is committed by a flush.
    fn release(writer: &Arc<GroupWriter>, slot: OwnedMutexGuard<Option<Group>>) {
        let open = slot.is_some();
        drop(slot);
        if open {
            writer.request_flush();
        }
    }
}

/// A write transaction: one command's changes, committed whole or not at all.
pub struct WriteTxn {
    /// The transaction the command's statements run in (see [`Txn`]).
    pub txn: Txn,
    held: Option<Held>,
}

impl Drop for WriteTxn {
    fn drop(&mut self) {
        // On PostgreSQL the transaction rolls back when dropped uncommitted.
        if let Some(held) = self.held.take() {
            let state = self.txn.state_now();
            held.abandon(state, self.txn.inner.take());
        }
    }
}

impl Writer {
    /// Starts a command's transaction: on SQLite, waits for the writer slot (opening the group
    /// if none is open); the command's savepoint opens with its first statement.
    pub(crate) async fn begin(&self, conn: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
        match self {
            Self::Direct => Ok(WriteTxn {
                txn: Txn::new(Arc::new(conn.begin().await?), None),
                held: None,
            }),
            Self::Grouped(writer) => {
                let queued = Queued::enter(&writer.queued);
                let mut slot = Arc::clone(&writer.slot).lock_owned().await;
                drop(queued);
                // A poisoned group is finished (rolled back, its members told) before anyone
                // else joins it.
                if slot.as_ref().is_some_and(|g| g.poisoned.is_some())
                    && let Some(g) = slot.take()
                {
                    let _ = writer.commit(g).await;
                }
                let txn = match slot.as_ref() {
                    Some(g) => Arc::clone(&g.txn),
                    None => {
                        let txn = Arc::new(conn.begin().await?);
                        *slot = Some(Group {
                            txn: Arc::clone(&txn),
                            members: 0,
                            outcome: watch::channel(None).0,
                            poisoned: None,
                        });
                        txn
                    }
                };
                Ok(WriteTxn {
                    txn: Txn::new(txn, Some(Savepoint::Pending)),
                    held: Some(Held {
                        writer: Arc::clone(writer),
                        slot,
                    }),
                })
            }
        }
    }
}

impl WriteTxn {
    /// Runs `batch` as the command's last writes, then commits the command. On SQLite the
    /// savepoint's release goes in the same call as the writes (one round trip fewer). Once it
    /// is released the command's changes are the group's, so if the batch then turns out to
    /// have written another number of rows than it holds, the whole group rolls back and each
    /// of its commands gets the error.
    ///
    /// # Errors
    /// As [`Batch::run`] and [`WriteTxn::commit`].
    pub async fn finish(self, batch: Batch) -> AppResult<()> {
        let open = match &self.txn.savepoint {
            Some(state) => *state.lock().await == Savepoint::Open,
            None => false,
        };
        if !open || batch.is_empty() {
            batch.run(&self.txn).await?;
            return self.commit().await;
        }
        let (mut stmts, expected) = batch.statements(&self.txn).await?;
        stmts.push(Statement::from_string(DbBackend::Sqlite, RELEASE));
        let written = crate::batch::execute(self.txn.conn()?, stmts).await?;
        if let Some(state) = &self.txn.savepoint {
            *state.lock().await = Savepoint::Released;
        }
        // `RELEASE` repeats the count of the batch's last statement, a one-row write.
        crate::batch::check_written(expected, written.saturating_sub(1))?;
        self.commit().await
    }

    /// Commits the command. On SQLite it returns once the group holding it is durably
    /// committed.
    ///
    /// # Errors
    /// The database refused the commit (of the command, or of its group); nothing of the
    /// command was written.
    pub async fn commit(mut self) -> AppResult<()> {
        let Some(txn) = self.txn.inner.take() else {
            return Err(anyhow::anyhow!("the command's transaction has ended").into());
        };
        let Some(held) = self.held.take() else {
            drop(self);
            let txn = Arc::try_unwrap(txn)
                .map_err(|_| anyhow::anyhow!("the transaction is still in use"))?;
            txn.commit().await?;
            return Ok(());
        };
        if let Some(state) = &self.txn.savepoint {
            let mut s = state.lock().await;
            if *s == Savepoint::Open {
                if let Err(e) = txn.execute_unprepared(RELEASE).await {
                    drop(s);
                    // Dropped with the slot: its changes are taken back.
                    self.txn.inner = Some(txn);
                    self.held = Some(held);
                    return Err(e.into());
                }
                *s = Savepoint::Released;
            }
        }
        drop(self);
        drop(txn);
        let Held { writer, mut slot } = held;
        let Some(group) = slot.as_mut() else {
            return Err(anyhow::anyhow!("the write group closed under a command").into());
        };
        group.members += 1;
        if writer.queued.load(Ordering::SeqCst) == 0 || group.members >= GROUP_MAX {
            let Some(group) = slot.take() else {
                return Err(anyhow::anyhow!("the write group closed under a command").into());
            };
            // On a task of its own: a cancelled request (the client went away) must not cancel
            // a commit that the other members of the group wait for. The slot stays held until
            // it is done, so no command begins in a transaction being committed.
            let w = Arc::clone(&writer);
            let r = tokio::spawn(async move { w.commit(group).await })
                .await
                .map_err(|e| anyhow::anyhow!("group commit task: {e}"))?;
            drop(slot);
            return r.map_err(|e| anyhow::anyhow!("group commit: {e}").into());
        }
        // Others are queued: they join the group, and the flush queued behind them commits it.
        let mut outcome = group.outcome.subscribe();
        drop(slot);
        writer.request_flush();
        let r = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| anyhow::anyhow!("the write group was dropped uncommitted"))?
            .clone();
        match r {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(anyhow::anyhow!("group commit: {e}").into()),
            None => Err(anyhow::anyhow!("the write group was dropped uncommitted").into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::batch::Batch;
    use crate::{App, AppError, AuthPolicy, SystemClock};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use std::sync::Arc;

    async fn app() -> (App, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let db = daiban_store::connect(&url, 4).await.expect("connect");
        db.conn
            .execute_unprepared("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)")
            .await
            .expect("table");
        (
            App::new(db, Arc::new(SystemClock), AuthPolicy::default()),
            dir,
        )
    }

    async fn insert(app: &App, n: i64, fail: bool) -> Result<(), AppError> {
        let w = app.begin_write().await?;
        w.txn
            .execute_raw(Statement::from_sql_and_values(
                w.txn.get_database_backend(),
                "INSERT INTO t (n) VALUES (?)",
                [n.into()],
            ))
            .await?;
        // Give the others time to queue behind this one.
        tokio::task::yield_now().await;
        if fail {
            return Err(anyhow::anyhow!("refused after writing").into());
        }
        w.commit().await
    }

    async fn rows(app: &App) -> Vec<i64> {
        let r = app
            .db
            .conn
            .query_all_raw(Statement::from_string(
                app.db.conn.get_database_backend(),
                "SELECT n FROM t ORDER BY n",
            ))
            .await
            .expect("rows");
        r.iter().map(|r| r.try_get("", "n").expect("n")).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commands_share_commits_and_each_is_acknowledged_only_once_durable() {
        let (app, _dir) = app().await;
        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let app = app.clone();
                tokio::spawn(async move { insert(&app, n, false).await })
            })
            .collect();
        for t in tasks {
            t.await.expect("join").expect("committed");
        }
        // Every acknowledged command is visible to a reader on another connection.
        assert_eq!(rows(&app).await, (0..200).collect::<Vec<_>>());
        let s = app.group_stats().expect("sqlite groups");
        assert_eq!(s.commands, 200);
        assert!(s.groups < 200, "some commands shared a commit: {s:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_command_rolls_back_alone_and_leaves_no_one_waiting() {
        let (app, _dir) = app().await;
        let tasks: Vec<_> = (0..90)
            .map(|n| {
                let app = app.clone();
                tokio::spawn(async move { (n, insert(&app, n, n % 3 == 0).await) })
            })
            .collect();
        for t in tasks {
            let (n, r) = t.await.expect("join");
            assert_eq!(r.is_ok(), n % 3 != 0, "{n}: {r:?}");
        }
        let want: Vec<i64> = (0..90).filter(|n| n % 3 != 0).collect();
        assert_eq!(rows(&app).await, want);
        // A constraint error inside a command is that command's alone.
        let (a, b) = tokio::join!(insert(&app, 1, false), insert(&app, 1000, false));
        assert!(a.is_err() && b.is_ok(), "{a:?} {b:?}");
        assert!(rows(&app).await.contains(&1000));
    }

    fn stmt(sql: &str, n: i64) -> Statement {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, [n.into()])
    }

    /// A command whose first statement is a query (its savepoint opened in the same call),
    /// ended by `finish` with its last writes (the release in the same call). `bad` adds a write
    /// that matches no row, found only after the release.
    async fn through_finish(app: &App, n: i64, fail: bool, bad: bool) -> Result<(), AppError> {
        let w = app.begin_write().await?;
        let rows = w
            .txn
            .query_all_raw(stmt("INSERT INTO t (n) VALUES (?) RETURNING n", n))
            .await?;
        assert_eq!(rows.len(), 1);
        // Opened with that query, not by a call of its own.
        assert_eq!(
            w.txn
                .savepoint
                .as_ref()
                .map(|s| s.try_lock().map(|s| *s).ok()),
            Some(Some(super::Savepoint::Open))
        );
        tokio::task::yield_now().await;
        if fail {
            return Err(anyhow::anyhow!("refused after writing").into());
        }
        let mut batch = Batch::default();
        batch.add_statement(stmt("INSERT INTO t (n) VALUES (?)", n + 10_000));
        if bad {
            batch.add_statement(stmt("UPDATE t SET n = n WHERE n = ?", -1));
        }
        w.finish(batch).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_command_opened_by_a_query_and_finished_with_its_writes_is_atomic() {
        let (app, _dir) = app().await;
        through_finish(&app, 1, false, false)
            .await
            .expect("committed");
        assert!(through_finish(&app, 2, true, false).await.is_err());
        through_finish(&app, 3, false, false)
            .await
            .expect("committed");
        // A constraint error in the last writes takes back the command's first write too.
        let w = app.begin_write().await.expect("begin");
        w.txn
            .query_all_raw(stmt("INSERT INTO t (n) VALUES (?) RETURNING n", 4))
            .await
            .expect("first");
        let mut batch = Batch::default();
        batch.add_statement(stmt("INSERT INTO t (n) VALUES (?)", 10_001));
        assert!(
            w.finish(batch).await.is_err(),
            "duplicate in the last writes"
        );
        // A miscount found after the release rolls back the group it joined: alone here.
        assert!(through_finish(&app, 5, false, true).await.is_err());
        through_finish(&app, 6, false, false)
            .await
            .expect("committed after");
        assert_eq!(rows(&app).await, vec![1, 3, 6, 10_001, 10_003, 10_006]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commands_are_written_exactly_when_acknowledged() {
        let (app, _dir) = app().await;
        // Some fail before their last writes (taken back alone), one poisons its group (all of
        // that group fail); whatever the grouping, a command is in the table iff it succeeded.
        let tasks: Vec<_> = (0..120)
            .map(|n| {
                let app = app.clone();
                tokio::spawn(async move {
                    let r = if n % 2 == 0 {
                        through_finish(&app, n, n % 7 == 0, n == 60).await
                    } else {
                        insert(&app, n, n % 5 == 0).await
                    };
                    (n, r.is_ok())
                })
            })
            .collect();
        let mut want = Vec::new();
        for t in tasks {
            let (n, ok) = t.await.expect("join");
            if ok {
                want.push(n);
                if n % 2 == 0 {
                    want.push(n + 10_000);
                }
            }
            assert!(!(n == 60 && ok), "the miscounted command failed");
        }
        want.sort_unstable();
        assert_eq!(rows(&app).await, want);
        assert!(want.len() > 60, "most commands committed: {}", want.len());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_command_cancelled_halfway_takes_back_its_changes() {
        let (app, _dir) = app().await;
        let (started, wait) = tokio::sync::oneshot::channel();
        let a = app.clone();
        let task = tokio::spawn(async move {
            let w = a.begin_write().await.expect("begin");
            w.txn
                .query_all_raw(stmt("INSERT INTO t (n) VALUES (?) RETURNING n", 1))
                .await
                .expect("first");
            started.send(()).expect("signal");
            std::future::pending::<()>().await;
            drop(w);
        });
        wait.await.expect("started");
        task.abort();
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
        insert(&app, 2, false).await.expect("the next command");
        assert_eq!(rows(&app).await, vec![2]);
    }
}
