#!/usr/bin/env bash
# The browser suite. Installs Chromium and a CJK font (Debian packages) and playwright-core
# (npm) if missing, starts Daiban on a fresh demo database, and drives it as every role.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --silent
# The release build, as the README runs it: the demo city's year of activity loads in seconds there.
cargo build -q --release -p daiban --manifest-path ../Cargo.toml
BIN="${CARGO_TARGET_DIR:-../target}/release/daiban"
WORK=$(mktemp -d)
PORT=${DAIBAN_E2E_PORT:-18931}
"$BIN" serve --demo --database "sqlite://$WORK/e2e.db" --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$WORK/server.log"; exit 1; }
mkdir -p artifacts
DAIBAN_URL="http://127.0.0.1:$PORT" node tests.mjs
