#!/usr/bin/env python3
"""The load test: starts the real server on a database and drives it over HTTP with wrk and
daiban-loadgen (`cargo build --release -p daiban -p daiban-loadgen`).

    python3 bench/load/run.py [--database URL] [--duration 10] [--connections 32] [--smoke]

Without --database it generates the demo city into a fresh SQLite file (what `serve --demo`
does). With a database made by `daiban generate`, it measures province scale. It reports, as a
Markdown table and as JSON (--json FILE):

- case-item transitions through the API (suspend / resume by the department's helper, each one
  transaction with its audit entry and outbox rows): rate and p50/p90/p99 at a fixed number of
  connections (wrk is closed-loop: each connection sends its next request when the previous one
  is answered, so the latency is measured at the rate the server sustains);
- reads: the project list with filters and paging (API), the bureau's board and a helper's
  workbench (pages), a case-item page;
- then each of these open-loop at a fixed rate, half of what the closed loop sustained, with
  `daiban-loadgen` (crates/loadgen): request k is due at start + k/rate whatever happened
  before, and its latency counts from that due time, so queueing shows (an item gets its next
  transition only after its previous one was answered, with the version that answer gave);
- the evaluation of one quarter (`daiban evaluate`), the server's RSS under load, and the time
  from start to ready on the existing database;
- the raw limit: the same writes a transition makes (case item, project event, notification,
  audit entry and its head) by a minimal program — Python's sqlite3 on SQLite, pgbench on
  PostgreSQL — one durable commit per transition and a thousand per commit, so each figure can
  be read as a fraction of what the database itself allows.

Nothing here asserts a time: CI runs it with --smoke so that it keeps working.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PASSWORD = "daiban2026"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Server:
    def __init__(self, binary, url, port, demo, workdir):
        self.binary, self.url, self.port, self.demo, self.workdir = binary, url, port, demo, workdir
        self.proc = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self):
        """Starts the server; returns the seconds until /readyz answers 200."""
        args = [self.binary, "serve", "--database", self.url, "--listen", f"127.0.0.1:{self.port}"]
        if self.demo:
            args.append("--demo")
        if self.url.startswith("postgres"):
            args.append("--migrate")
        env = dict(os.environ, DAIBAN_LOG=os.environ.get("DAIBAN_LOG", "warn"))
        t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=open(os.path.join(self.workdir, "server.log"), "ab"),
                                     stderr=subprocess.STDOUT, env=env)
        while True:
            if self.proc.poll() is not None:
                sys.exit(f"the server stopped (exit {self.proc.returncode}); see {self.workdir}/server.log")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu_s(self):
        """CPU seconds the server has used (user + system)."""
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, limit_s=900):
        """Waits until the server uses under a tenth of a core over two seconds (the deadline
        monitor's first run on a database it has not watched yet can take a while); returns the
        seconds waited."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit_s:
            before = self.cpu_s()
            time.sleep(2)
            if self.cpu_s() - before < 0.2:
                break
        return time.monotonic() - t0

    def rss_mb(self):
        """(current, peak) resident set of the server, in MB."""
        status = open(f"/proc/{self.proc.pid}/status").read()
        cur = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        return cur, peak


def api(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def token(base, username):
    return api(base, "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD})["token"]


def cookie(base, username):
    """Logs in through the page form; returns the Cookie header value of the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=30).read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"_csrf": csrf, "next": "/", "username": username, "password": PASSWORD})
    opener.open(base + "/login", data=form.encode(), timeout=30).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(script, base, seconds, connections, threads, env):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script, base],
        capture_output=True, text=True, env=dict(os.environ, LOAD_THREADS=str(threads), **env), check=True)
    m = re.search(r"RESULT (\{.*\})", out.stdout)
    if not m:
        sys.exit("wrk printed no result:\n" + out.stdout + out.stderr)
    r = json.loads(m.group(1))
    # Only what succeeded counts.
    r["rate"] = (r["requests"] - r["non_2xx"]) / r["seconds"] if r["seconds"] else 0.0
    if out.stderr.strip():
        log(out.stderr.strip())
    return r


def items_under_review(base, items_file):
    """Lists the items under each department helper's review (with the helper's token and the
    item's current version) into `items_file`; returns the lines."""
    lines, depts, seen, dupes = [], 0, set(), 0
    for unit, user in sorted(helpers_by_unit().items()):
        try:
            t = token(base, user)
        except OSError:
            continue
        me = api(base, "GET", "/api/v1/me", token=t)
        page = api(base, "GET", "/api/v1/cases?state=in_review&limit=500", token=t)
        # Only the department's own items: a helper may see items it takes no action on.
        items = [i for i in page["items"] if i["department_id"] == me["unit_id"]]
        if items:
            depts += 1
        for i in items:
            if i["id"] in seen:
                dupes += 1
                continue
            seen.add(i["id"])
            lines.append(f"{i['id']} {i['version']} {t}")
    if not lines:
        sys.exit("no case item is under a helper's review: nothing to transition")
    open(items_file, "w").write("\n".join(lines) + "\n")
    log(f"{len(lines)} items under review in {depts} departments ({dupes} listed twice)")
    return lines


def loadgen(binary, base, rate, seconds, args):
    """Open-loop load at `rate` requests per second for `seconds` (daiban-loadgen)."""
    out = subprocess.run([binary, "--base", base, "--rate", str(rate), "--seconds", str(seconds), *args],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    log(f"open loop at {rate:.0f}/s: {r['rate']:.0f}/s answered 2xx, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
    return r


def helpers_by_unit():
    city = tomllib.loads(open(os.path.join(ROOT, "data", "demo", "city.toml"), encoding="utf-8").read())
    return {s["unit"]: s["username"] for s in city["staff"] if s["role"] == "helper" and s["unit"] != "BUREAU"}


def raw_limit_sqlite(workdir, n_single, n_batched):
    """The four writes of a transition (case item, project event, notification, audit entry and
    its head) straight into a WAL database with synchronous=FULL: one commit per transition, and
    a thousand per commit. Returns transitions per second for both."""
    path = os.path.join(workdir, "raw.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
        CREATE TABLE case_items (id INTEGER PRIMARY KEY, state TEXT, version INTEGER, updated_at TEXT);
        CREATE TABLE project_events (id INTEGER PRIMARY KEY, project_id INTEGER, case_item_id INTEGER,
            kind TEXT, from_state TEXT, to_state TEXT, actor_id INTEGER, occurred_at TEXT, note TEXT, data TEXT);
        CREATE INDEX pe_case ON project_events(case_item_id);
        CREATE TABLE notifications (id INTEGER PRIMARY KEY, enterprise_id INTEGER, case_item_id INTEGER,
            kind TEXT, title_zh TEXT, body_zh TEXT, created_at TEXT);
        CREATE TABLE audit_entries (seq INTEGER PRIMARY KEY, action TEXT, object_id TEXT, after TEXT,
            prev_hash TEXT, hash TEXT);
        CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq INTEGER, last_hash TEXT);
        INSERT INTO audit_head VALUES (1, 0, '');
    """)
    db.executemany("INSERT INTO case_items VALUES (?, 'in_review', 1, '')", [(i,) for i in range(1, 10001)])

    def one(i):
        item = i % 10000 + 1
        db.execute("UPDATE case_items SET state='suspended', version=version+1, updated_at=? WHERE id=?", ("2026-12-07T10:00:00Z", item))
        db.execute("INSERT INTO project_events (project_id, case_item_id, kind, from_state, to_state, actor_id, occurred_at, note, data) VALUES (?,?,?,?,?,?,?,?,?)",
                   (item // 20, item, "case.suspend", "in_review", "suspended", 7, "2026-12-07T10:00:00Z", "负载测试：补正材料", "{}"))
        db.execute("INSERT INTO notifications (enterprise_id, case_item_id, kind, title_zh, body_zh, created_at) VALUES (?,?,?,?,?,?)",
                   (item // 80, item, "progress", "办件进度", "您的办件已挂起：补正材料", "2026-12-07T10:00:00Z"))
        db.execute("INSERT INTO audit_entries (action, object_id, after, prev_hash, hash) VALUES (?,?,?,?,?)",
                   ("case.suspend", str(item), '{"state":"suspended"}', "0" * 64, "f" * 64))
        db.execute("UPDATE audit_head SET seq=seq+1, last_hash=? WHERE id=1", ("f" * 64,))

    t0 = time.monotonic()
    for i in range(n_single):
        db.execute("BEGIN IMMEDIATE")
        one(i)
        db.execute("COMMIT")
    single = n_single / (time.monotonic() - t0)
    t0 = time.monotonic()
    for start in range(0, n_batched, 1000):
        db.execute("BEGIN IMMEDIATE")
        for i in range(start, min(start + 1000, n_batched)):
            one(i)
        db.execute("COMMIT")
    batched = n_batched / (time.monotonic() - t0)
    db.close()
    return single, batched


PG_RAW_SCHEMA = """
DROP TABLE IF EXISTS raw_case_items, raw_project_events, raw_notifications, raw_audit_entries, raw_audit_head;
CREATE TABLE raw_case_items (id bigint PRIMARY KEY, state text, version int, updated_at timestamptz);
INSERT INTO raw_case_items SELECT g, 'in_review', 1, now() FROM generate_series(1, 10000) g;
CREATE TABLE raw_project_events (id bigserial PRIMARY KEY, project_id bigint, case_item_id bigint, kind text,
    from_state text, to_state text, actor_id bigint, occurred_at timestamptz, note text, data text);
CREATE INDEX ON raw_project_events (case_item_id);
CREATE TABLE raw_notifications (id bigserial PRIMARY KEY, enterprise_id bigint, case_item_id bigint, kind text,
    title_zh text, body_zh text, created_at timestamptz);
CREATE TABLE raw_audit_entries (seq bigserial PRIMARY KEY, action text, object_id text, after text, prev_hash text, hash text);
CREATE TABLE raw_audit_head (id int PRIMARY KEY, seq bigint, last_hash text);
INSERT INTO raw_audit_head VALUES (1, 0, '');
"""

PG_RAW_ONE = """\\set item random(1, 10000)
BEGIN;
UPDATE raw_case_items SET state = 'suspended', version = version + 1, updated_at = now() WHERE id = :item;
INSERT INTO raw_project_events (project_id, case_item_id, kind, from_state, to_state, actor_id, occurred_at, note, data)
    VALUES (:item / 20, :item, 'case.suspend', 'in_review', 'suspended', 7, now(), '负载测试：补正材料', '{}');
INSERT INTO raw_notifications (enterprise_id, case_item_id, kind, title_zh, body_zh, created_at)
    VALUES (:item / 80, :item, 'progress', '办件进度', '您的办件已挂起：补正材料', now());
UPDATE raw_audit_head SET seq = seq + 1, last_hash = md5(random()::text) WHERE id = 1;
INSERT INTO raw_audit_entries (action, object_id, after, prev_hash, hash)
    VALUES ('case.suspend', :item, '{"state":"suspended"}', repeat('0', 64), repeat('f', 64));
COMMIT;
"""

PG_RAW_BATCH = """\\set first random(1, 9000)
BEGIN;
UPDATE raw_case_items SET state = 'suspended', version = version + 1, updated_at = now() WHERE id BETWEEN :first AND :first + 999;
INSERT INTO raw_project_events (project_id, case_item_id, kind, from_state, to_state, actor_id, occurred_at, note, data)
    SELECT g / 20, g, 'case.suspend', 'in_review', 'suspended', 7, now(), '负载测试：补正材料', '{}' FROM generate_series(:first, :first + 999) g;
INSERT INTO raw_notifications (enterprise_id, case_item_id, kind, title_zh, body_zh, created_at)
    SELECT g / 80, g, 'progress', '办件进度', '您的办件已挂起：补正材料', now() FROM generate_series(:first, :first + 999) g;
UPDATE raw_audit_head SET seq = seq + 1000, last_hash = md5(random()::text) WHERE id = 1;
INSERT INTO raw_audit_entries (action, object_id, after, prev_hash, hash)
    SELECT 'case.suspend', g, '{"state":"suspended"}', repeat('0', 64), repeat('f', 64) FROM generate_series(:first, :first + 999) g;
COMMIT;
"""


def raw_limit_postgres(url, workdir, seconds, clients):
    """The same writes with pgbench (synchronous_commit as the server has it, on by default),
    in tables of their own beside the application's: one transaction per transition from
    `clients` connections (they serialise on the audit head row, as the application's do), and
    a thousand per transaction. Returns transitions per second for both."""
    pgbin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    subprocess.run([f"{pgbin}/psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", PG_RAW_SCHEMA], check=True,
                   capture_output=True)

    def bench(script, c):
        path = os.path.join(workdir, "raw.sql")
        open(path, "w").write(script)
        out = subprocess.run([f"{pgbin}/pgbench", "-n", "-f", path, "-c", str(c), "-j", "2", "-T", str(seconds), url],
                             check=True, capture_output=True, text=True).stdout
        return float(re.search(r"tps = ([0-9.]+)", out).group(1))

    single = bench(PG_RAW_ONE, clients)
    batched = bench(PG_RAW_BATCH, 1) * 1000
    subprocess.run([f"{pgbin}/psql", "-q", url, "-c",
                    "DROP TABLE raw_case_items, raw_project_events, raw_notifications, raw_audit_entries, raw_audit_head"],
                   check=True, capture_output=True)
    return single, batched


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", help="an existing database (default: a fresh SQLite demo city)")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "daiban"))
    ap.add_argument("--loadgen", default=None, help="the open-loop driver (default: daiban-loadgen beside --bin)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--port", type=int, default=18955)
    ap.add_argument("--quarter", default="2026Q3")
    ap.add_argument("--json", help="write the results here too")
    ap.add_argument("--smoke", action="store_true", help="1-second runs, few connections: checks that it works")
    a = ap.parse_args()
    if a.smoke:
        a.duration, a.connections = 1, 4
    a.loadgen = a.loadgen or os.path.join(os.path.dirname(a.bin), "daiban-loadgen")
    if not os.path.exists(a.loadgen):
        sys.exit(f"{a.loadgen} is missing: cargo build --release -p daiban -p daiban-loadgen")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    work = tempfile.mkdtemp(prefix="daiban-load-")
    url = a.database or f"sqlite://{work}/load.db"
    results = {"database": "postgres" if url.startswith("postgres") else "sqlite", "duration_s": a.duration,
               "connections": a.connections}
    # `serve --demo` loads the demo city only into an empty database: a fresh one gets it, a
    # generated one is left as it is.
    srv = Server(a.bin, url, a.port, demo=True, workdir=work)
    try:
        first = srv.start()
        log(f"ready after {first:.2f}s (first start)")
        srv.stop()
        srv.demo = False
        results["ready_s"] = round(srv.start(), 3)
        log(f"ready after {results['ready_s']}s on the existing database")
        base = srv.base

        # The deadline monitor's first run looks at every open item not yet watched (all of them
        # on a generated database): let it finish, so that it does not share the measurements.
        results["monitor_catch_up_s"] = round(srv.wait_idle(), 1)
        log(f"server idle after {results['monitor_catch_up_s']}s (the monitor's first run)")

        # The helpers' tokens and the items under their review.
        items_file = os.path.join(work, "items.txt")
        lines = items_under_review(base, items_file)

        # An item comes round again only after its previous request was answered: at least four
        # items per connection in flight (else a 409 from the version check, by design).
        conns = max(a.threads, min(a.connections, len(lines) // 4))
        r = wrk(os.path.join(HERE, "transitions.lua"), base, a.duration, conns, a.threads, {"LOAD_ITEMS": items_file})
        r["items"], r["connections"] = len(lines), conns
        results["transitions"] = r
        results["rss_mb_after_transitions"] = round(srv.rss_mb()[0], 1)

        # Reads.
        coord = token(base, "bureau.coord1")
        paths = os.path.join(work, "paths.txt")

        def reads(name, header, path_list):
            open(paths, "w").write("\n".join(path_list) + "\n")
            results[name] = wrk(os.path.join(HERE, "reads.lua"), base, a.duration, a.connections, a.threads,
                                {"LOAD_PATHS": paths, "LOAD_HEADER": header})

        plist = []
        for k in range(200):
            offset = (k * 37) % 2000
            f = ["status=active", "stage=construction_permit", "major=true", "overdue=true", "", "q=%E5%B7%A5%E4%B8%9A"][k % 6]
            plist.append(f"/api/v1/projects?limit=20&offset={offset}&{f}")
        reads("project_list", "Authorization: Bearer " + coord, plist)
        coord_cookie = cookie(base, "bureau.coord1")
        reads("board", "Cookie: " + coord_cookie, ["/"])
        helper_cookie = cookie(base, "fgw.helper")
        reads("workbench", "Cookie: " + helper_cookie, ["/"])
        fgw_token = token(base, "fgw.helper")
        fgw_items = api(base, "GET", "/api/v1/cases?limit=200", token=fgw_token)
        fgw_items = fgw_items["items"]
        reads("item_page", "Cookie: " + helper_cookie, [f"/cases/{i['id']}" for i in fgw_items] or ["/"])
        # Open loop: the same requests at a fixed rate, half of what the closed loop sustained,
        # each latency counted from the request's due time (daiban-loadgen).
        items_under_review(base, items_file)
        open_loop = [("transitions", ["--kind", "transitions", "--items", items_file]),
                     ("project_list", ["--kind", "reads", "--paths", None, "--header", "Authorization: Bearer " + coord], plist),
                     ("board", ["--kind", "reads", "--paths", None, "--header", "Cookie: " + coord_cookie], ["/"]),
                     ("workbench", ["--kind", "reads", "--paths", None, "--header", "Cookie: " + helper_cookie], ["/"]),
                     ("item_page", ["--kind", "reads", "--paths", None, "--header", "Cookie: " + helper_cookie],
                      [f"/cases/{i['id']}" for i in fgw_items] or ["/"])]
        results["open_loop"] = {}
        for name, args, *path_list in open_loop:
            if path_list:
                open(paths, "w").write("\n".join(path_list[0]) + "\n")
                args = [paths if x is None else x for x in args]
            rate = max(1.0, round(results[name]["rate"] / 2))
            results["open_loop"][name] = loadgen(a.loadgen, base, rate, a.duration, args)
        cur, peak = srv.rss_mb()
        results["rss_mb"] = round(cur, 1)
        results["rss_peak_mb"] = round(peak, 1)

        # The evaluation of a quarter, as the CLI runs it, beside the serving process.
        t0 = time.monotonic()
        subprocess.run([a.bin, "evaluate", "--quarter", a.quarter, "--format", "json", "--database", url],
                       check=True, capture_output=True)
        results["evaluate_s"] = round(time.monotonic() - t0, 3)
        verify = subprocess.run([a.bin, "audit", "verify", "--database", url], capture_output=True, text=True)
        results["audit_verify"] = verify.stdout.strip().splitlines()[-1] if verify.stdout.strip() else verify.stderr.strip()
        if verify.returncode != 0:
            sys.exit("the audit chain does not verify after the load: " + verify.stdout + verify.stderr)
    finally:
        srv.stop()

    if results["database"] == "sqlite":
        n = 200 if a.smoke else 3000
        single, batched = raw_limit_sqlite(work, n, n * 10)
    else:
        single, batched = raw_limit_postgres(url, work, 1 if a.smoke else a.duration, a.connections)
    results["raw"] = {"one_commit_per_transition": round(single), "batched_1000": round(batched)}
    shutil.rmtree(work, ignore_errors=True)

    t = results["transitions"]
    print(f"| what | rate (2xx/s) | p50 ms | p90 ms | p99 ms | non-2xx |")
    print(f"|---|---|---|---|---|---|")
    for k in ["transitions", "project_list", "board", "workbench", "item_page"]:
        r = results[k]
        print(f"| {k} ({r.get('connections', a.connections)} conn.) | {r['rate']:.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} |")
    print()
    print("Open loop, at half the closed-loop rate (latency from each request's due time):")
    print()
    print("| what | offered /s | 2xx/s | p50 ms | p90 ms | p99 ms | not 2xx |")
    print("|---|---|---|---|---|---|---|")
    for k, r in results["open_loop"].items():
        bad = r["sent"] - r["ok"]
        print(f"| {k} | {r['offered_rate']:.0f} | {r['rate']:.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {bad} |")
    print()
    print(f"database {results['database']}, {a.connections} connections, {a.duration}s each; ready {results['ready_s']}s; "
          f"RSS {results['rss_mb']} MB (peak {results['rss_peak_mb']} MB); evaluate {a.quarter}: {results['evaluate_s']}s; "
          f"audit: {results['audit_verify']}")
    raw = results["raw"]
    print(f"raw {results['database']} limit (durable commits): {raw['one_commit_per_transition']}/s one commit per transition, "
          f"{raw['batched_1000']}/s batched; API transitions = {t['rate'] / raw['one_commit_per_transition']:.2f}× "
          f"the one-commit limit, {t['rate'] / raw['batched_1000']:.2f}× the batched one")
    if a.json:
        json.dump(results, open(a.json, "w"), indent=2)
    # A 409 is the version check refusing a transition the driver sent on a stale version (see
    # PERFORMANCE.md); a 5xx or a failed connection is a fault.
    refused_limit = t["requests"] if a.smoke else t["requests"] // 10
    if t["server_errors"] or t["errors"] or t["non_2xx"] > refused_limit:
        sys.exit(f"transitions: {t['server_errors']} server errors, {t['errors']} failed connections, "
                 f"{t['non_2xx']} refused of {t['requests']}")
    for k in ["project_list", "board", "workbench", "item_page"]:
        if results[k]["non_2xx"] or results[k]["errors"]:
            sys.exit(f"{k}: {results[k]['non_2xx']} non-2xx, {results[k]['errors']} failed")
    # Open loop: an item is sent again only after its answer, so nothing may be refused.
    for k, r in results["open_loop"].items():
        if r["server_errors"] or r["failed"] or r["conflicts"] or r["other_status"]:
            sys.exit(f"open loop {k}: {r['server_errors']} server errors, {r['failed']} failed, "
                     f"{r['conflicts']} refused, {r['other_status']} other statuses of {r['sent']}")


if __name__ == "__main__":
    main()
