//! Write transactions, and group commit on SQLite.
//!
//! SQLite has one writer, and a durable commit (`synchronous=FULL`: the WAL is synced before the
//! commit returns) costs a disk sync, which caps one-commit-per-request at the disk's sync rate.
//! So on SQLite the writers queue on one slot, and the writers that arrive while one is working
//! share a *group*: one outer transaction on one connection, each command in its own savepoint.
//!
//! - A command's changes are atomic: it runs in a savepoint; an error (or a dropped
//!   [`WriteTxn`]) rolls back to that savepoint and leaves the others' changes alone.
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
//! PostgreSQL needs none of this: several connections write at once, and the server already
//! merges the WAL flushes of concurrent commits. There [`WriteTxn`] is a plain transaction.

use crate::AppResult;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use tokio::sync::{Mutex, MutexGuard, watch};

/// The most commands one group commit carries: bounds the wait of the first of them.
pub const GROUP_MAX: usize = 64;

/// The outcome of a group's commit, shared by its members.
type Outcome = Option<Result<(), String>>;

/// The open group: the outer transaction, how many commands released their savepoint into it,
/// and where its outcome is announced.
struct Group {
    txn: DatabaseTransaction,
    members: usize,
    outcome: watch::Sender<Outcome>,
}

impl Group {
    /// Commits the group and tells every member.
    async fn commit(self) -> Result<(), String> {
        let r = self.txn.commit().await.map_err(|e| e.to_string());
        // A member that stopped waiting (its request was cancelled) is no reason to fail.
        self.outcome.send_replace(Some(r.clone()));
        r
    }
}

/// The SQLite writer slot: the open group (if any), how many writers wait for the slot, and
/// whether a flush is already on its way.
#[derive(Default)]
pub(crate) struct GroupWriter {
    slot: Mutex<Option<Group>>,
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

/// The writer slot held by a command on SQLite. Dropped without the command's commit (an
/// error, a cancelled request), its savepoint rolls back — SeaORM queues the `ROLLBACK TO` on
/// the connection — and a flush is requested for what the group already holds.
struct Held<'a> {
    writer: &'a Arc<GroupWriter>,
    slot: MutexGuard<'a, Option<Group>>,
    committed: bool,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if !self.committed && self.slot.is_some() {
            self.writer.request_flush();
        }
    }
}

/// A write transaction: one command's changes, committed whole or not at all.
pub struct WriteTxn<'a> {
    /// The open transaction (a savepoint inside the group on SQLite).
    pub txn: DatabaseTransaction,
    held: Option<Held<'a>>,
}

impl Writer {
    /// Starts a command's transaction: on SQLite, waits for the writer slot and opens a
    /// savepoint in the group (opening the group if none is open).
    pub(crate) async fn begin<'a>(
        &'a self,
        conn: &DatabaseConnection,
    ) -> Result<WriteTxn<'a>, DbErr> {
        match self {
            Self::Direct => Ok(WriteTxn {
                txn: conn.begin().await?,
                held: None,
            }),
            Self::Grouped(writer) => {
                let queued = Queued::enter(&writer.queued);
                let mut slot = writer.slot.lock().await;
                drop(queued);
                if slot.is_none() {
                    *slot = Some(Group {
                        txn: conn.begin().await?,
                        members: 0,
                        outcome: watch::channel(None).0,
                    });
                }
                let txn = match slot.as_ref() {
                    Some(g) => g.txn.begin().await?,
                    None => return Err(DbErr::Custom("the write group is not open".into())),
                };
                Ok(WriteTxn {
                    txn,
                    held: Some(Held {
                        writer,
                        slot,
                        committed: false,
                    }),
                })
            }
        }
    }
}

impl WriteTxn<'_> {
    /// Commits the command. On SQLite it returns once the group holding it is durably
    /// committed.
    ///
    /// # Errors
    /// The database refused the commit (of the command, or of its group); nothing of the
    /// command was written.
    pub async fn commit(self) -> AppResult<()> {
        let Self { txn, held } = self;
        let Some(mut held) = held else {
            txn.commit().await?;
            return Ok(());
        };
        // Release the savepoint into the group.
        txn.commit().await?;
        held.committed = true;
        let Some(group) = held.slot.as_mut() else {
            return Err(anyhow::anyhow!("the write group closed under a command").into());
        };
        group.members += 1;
        if held.writer.queued.load(Ordering::SeqCst) == 0 || group.members >= GROUP_MAX {
            let Some(group) = held.slot.take() else {
                return Err(anyhow::anyhow!("the write group closed under a command").into());
            };
            // On a task of its own: a cancelled request (the client went away) must not cancel
            // a commit that the other members of the group wait for. The slot stays held until
            // it is done, so no command begins in a transaction being committed.
            let writer = Arc::clone(held.writer);
            let r = tokio::spawn(async move { writer.commit(group).await })
                .await
                .map_err(|e| anyhow::anyhow!("group commit task: {e}"))?;
            drop(held);
            return r.map_err(|e| anyhow::anyhow!("group commit: {e}").into());
        }
        // Others are queued: they join the group, and the flush queued behind them commits it.
        let mut outcome = group.outcome.subscribe();
        held.writer.request_flush();
        drop(held);
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
    use crate::{App, AppError, AuthPolicy, SystemClock};
    use sea_orm::{ConnectionTrait, Statement};
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
}
