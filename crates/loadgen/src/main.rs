//! Open-loop load at a fixed rate, for `bench/load/run.py`.
//!
//! `wrk` is closed-loop: a connection sends its next request when the previous one is answered,
//! so a slow server is offered less load and its queueing never shows in the latencies. Here
//! request *k* is due at `start + k / rate` whatever happened before, and its latency is counted
//! from that due time: a request that waits for a free connection, or for an item whose previous
//! request is still in flight, carries the wait in its latency (no coordinated omission).
//!
//! Two kinds of load:
//! - `reads`: `GET` of the paths in `--paths` (one per line) in turn, with one `--header`;
//! - `transitions`: `POST /api/v1/cases/{id}/actions`, `suspend` then `resume`, on the items in
//!   `--items` (lines `id version token`). An item takes its next request only after its previous
//!   one is answered, with the version that answer gave, so no request carries a stale version.
//!
//! Prints one JSON object: requests sent, 2xx, 409, 5xx, failed connections, the offered and
//! achieved rates, and p50/p90/p99/max latency in milliseconds.

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    Reads,
    Transitions,
}

/// Open-loop load at a fixed rate.
#[derive(Debug, Parser)]
struct Args {
    /// The server, e.g. `http://127.0.0.1:18955`.
    #[arg(long)]
    base: String,
    /// What to send.
    #[arg(long, value_enum)]
    kind: Kind,
    /// Requests per second offered.
    #[arg(long)]
    rate: f64,
    /// Seconds of load.
    #[arg(long)]
    seconds: f64,
    /// Most requests in flight (connections).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// `reads`: the paths, one per line.
    #[arg(long)]
    paths: Option<String>,
    /// `reads`: one header, `Name: value`.
    #[arg(long)]
    header: Option<String>,
    /// `transitions`: the items, lines `id version token`.
    #[arg(long)]
    items: Option<String>,
}

/// A case item the driver toggles.
struct Item {
    id: i64,
    version: i64,
    token: String,
    suspended: bool,
}

/// Items whose previous request is answered, how many are still in play (free or in flight),
/// and a signal when one comes back or drops out.
#[derive(Default)]
struct Free {
    items: Mutex<VecDeque<Item>>,
    live: AtomicUsize,
    back: Notify,
}

impl Free {
    fn add(&self, it: Item) {
        self.live.fetch_add(1, Ordering::SeqCst);
        self.put(it);
    }

    /// The next free item, waiting for one; `None` once every item has dropped out.
    async fn take(&self) -> Option<Item> {
        loop {
            let notified = self.back.notified();
            if let Some(it) = lock(&self.items).pop_front() {
                return Some(it);
            }
            if self.live.load(Ordering::SeqCst) == 0 {
                return None;
            }
            notified.await;
        }
    }

    fn put(&self, it: Item) {
        lock(&self.items).push_back(it);
        self.back.notify_one();
    }

    /// An item refused or failed is not sent again: its version is unknown.
    fn drop_out(&self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
        self.back.notify_waiters();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What one request came to.
#[derive(Clone, Copy)]
enum Outcome {
    Ok,
    Conflict,
    ServerError,
    OtherStatus,
    Failed,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    ok: u64,
    conflicts: u64,
    server_errors: u64,
    other: u64,
    failed: u64,
}

impl Tally {
    fn add(&mut self, due: Instant, outcome: Outcome) {
        let us = u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.latencies_us.push(us);
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Conflict => self.conflicts += 1,
            Outcome::ServerError => self.server_errors += 1,
            Outcome::OtherStatus => self.other += 1,
            Outcome::Failed => self.failed += 1,
        }
    }
}

fn outcome(status: reqwest::StatusCode) -> Outcome {
    if status.is_success() {
        Outcome::Ok
    } else if status == reqwest::StatusCode::CONFLICT {
        Outcome::Conflict
    } else if status.is_server_error() {
        Outcome::ServerError
    } else {
        Outcome::OtherStatus
    }
}

fn read_lines(path: &str) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn items(path: &str) -> Result<Vec<Item>> {
    read_lines(path)?
        .into_iter()
        .map(|l| {
            let mut f = l.split_whitespace();
            let (Some(id), Some(version), Some(token)) = (f.next(), f.next(), f.next()) else {
                bail!("an item line is `id version token`: {l:?}");
            };
            Ok(Item {
                id: id.parse()?,
                version: version.parse()?,
                token: token.to_owned(),
                suspended: false,
            })
        })
        .collect()
}

/// Sends one transition on `it`; gives the item back with the version the answer gave.
async fn transition(client: &reqwest::Client, base: &str, mut it: Item) -> (Item, Outcome) {
    let body = if it.suspended {
        serde_json::json!({"action": "resume", "version": it.version})
    } else {
        serde_json::json!({
            "action": "suspend",
            "version": it.version,
            "suspension_reason": "correction",
            "reason": "负载测试：补正材料",
        })
    };
    let sent = client
        .post(format!("{base}/api/v1/cases/{}/actions", it.id))
        .bearer_auth(&it.token)
        .json(&body)
        .send()
        .await;
    let Ok(resp) = sent else {
        return (it, Outcome::Failed);
    };
    let o = outcome(resp.status());
    if let Outcome::Ok = o {
        match resp.json::<serde_json::Value>().await {
            Ok(v) => {
                it.version = v["version"].as_i64().unwrap_or(it.version + 1);
                it.suspended = !it.suspended;
            }
            Err(_) => return (it, Outcome::Failed),
        }
    }
    (it, o)
}

async fn read(client: &reqwest::Client, url: &str, header: Option<&(String, String)>) -> Outcome {
    let mut req = client.get(url);
    if let Some((k, v)) = header {
        req = req.header(k, v);
    }
    match req.send().await {
        Ok(resp) => {
            let o = outcome(resp.status());
            // The whole body, as a browser would read it.
            if resp.bytes().await.is_err() {
                return Outcome::Failed;
            }
            o
        }
        Err(_) => Outcome::Failed,
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a list of at most millions of samples"
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    #[expect(clippy::cast_precision_loss, reason = "microseconds, printed in ms")]
    let ms = sorted[i.min(sorted.len() - 1)] as f64 / 1000.0;
    ms
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let a = Args::parse();
    if !(a.rate > 0.0 && a.seconds > 0.0) {
        bail!("--rate and --seconds must be positive");
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.connections)
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = a.base.trim_end_matches('/').to_owned();
    let header = a
        .header
        .as_deref()
        .map(|h| {
            h.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .context("--header is `Name: value`")
        })
        .transpose()?;
    let paths = match a.kind {
        Kind::Reads => read_lines(a.paths.as_deref().context("reads need --paths")?)?,
        Kind::Transitions => Vec::new(),
    };
    let free = Arc::new(Free::default());
    if let Kind::Transitions = a.kind {
        for it in items(a.items.as_deref().context("transitions need --items")?)? {
            free.add(it);
        }
        if lock(&free.items).is_empty() {
            bail!("no items");
        }
    } else if paths.is_empty() {
        bail!("no paths");
    }

    let slots = Arc::new(Semaphore::new(a.connections.max(1)));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let header = Arc::new(header);
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / a.rate);
    let end = Duration::from_secs_f64(a.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    let mut k: u32 = 0;
    loop {
        let due_in = interval * k;
        if due_in >= end {
            break;
        }
        let due = start + due_in;
        tokio::time::sleep_until(due.into()).await;
        let (client, slots, tally, free, header) = (
            client.clone(),
            slots.clone(),
            tally.clone(),
            free.clone(),
            header.clone(),
        );
        let url = paths
            .get(k as usize % paths.len().max(1))
            .map(|p| format!("{base}{p}"));
        let kind = a.kind;
        let base = base.clone();
        tasks.spawn(async move {
            let Ok(_slot) = slots.acquire_owned().await else {
                return;
            };
            let o = match kind {
                Kind::Reads => {
                    read(
                        &client,
                        url.as_deref().unwrap_or_default(),
                        header.as_ref().as_ref(),
                    )
                    .await
                }
                Kind::Transitions => match free.take().await {
                    Some(it) => {
                        let (it, o) = transition(&client, &base, it).await;
                        if let Outcome::Ok = o {
                            free.put(it);
                        } else {
                            free.drop_out();
                        }
                        o
                    }
                    None => Outcome::Failed,
                },
            };
            lock(&tally).add(due, o);
        });
        k += 1;
        // Reap the finished ones as we go, so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let mut t = std::mem::take(&mut *lock(&tally));
    t.latencies_us.sort_unstable();
    #[expect(clippy::cast_precision_loss, reason = "counts of requests")]
    let achieved = t.ok as f64 / elapsed;
    let out = serde_json::json!({
        "offered_rate": a.rate,
        "seconds": elapsed,
        "sent": k,
        "ok": t.ok,
        "conflicts": t.conflicts,
        "server_errors": t.server_errors,
        "other_status": t.other,
        "failed": t.failed,
        "rate": achieved,
        "p50_ms": percentile(&t.latencies_us, 0.50),
        "p90_ms": percentile(&t.latencies_us, 0.90),
        "p99_ms": percentile(&t.latencies_us, 0.99),
        "max_ms": percentile(&t.latencies_us, 1.0),
    });
    println!("{out}");
    Ok(())
}
