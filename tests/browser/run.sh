#!/usr/bin/env bash
# Runs the browser test: builds wenyuan, builds and serves the demo archive
# on a free local port, drives Debian's Chromium through it with selenium.
# Needs: chromium, chromium-driver, npm (Debian), python3 with pip.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "selenium>=4.20,<5"
# axe-core, the accessibility rules engine, from npm (MPL-2.0, run in the page).
npm install --silent --no-audit --no-fund --prefix "$work/npm" "axe-core@4" > /dev/null
export AXE_JS="$work/npm/node_modules/axe-core/axe.min.js"

cargo build -q --bin wenyuan
binary="${CARGO_TARGET_DIR:-target}/debug/wenyuan"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$binary" demo --no-serve --data "$work/demo" > "$work/demo.log" 2>&1
# A librarian of the demo's first venue, for the staff walk.
venue=$("$binary" institutions list --data "$work/demo" | awk 'NR == 1 {print $1}')
export STAFF_USER=librarian STAFF_PASSWORD="browser test password"
echo "$STAFF_PASSWORD" | "$binary" staff add "$STAFF_USER" --role editor --institution "$venue" \
    --password-stdin --data "$work/demo"
"$binary" serve --data "$work/demo" --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.5
done
shots="${SCREENSHOT_DIR:-${CARGO_TARGET_DIR:-target}/screenshots}"
"$work/venv/bin/python" tests/browser/browser_test.py "http://127.0.0.1:$port" "$shots"
