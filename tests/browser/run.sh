#!/usr/bin/env bash
# Runs the browser test: builds wenyuan, builds and serves the demo archive
# on a free local port, drives Debian's Chromium through it with selenium.
# Needs: chromium, chromium-driver (Debian), python3 with pip.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "selenium>=4.20,<5"

cargo build -q --bin wenyuan
binary="${CARGO_TARGET_DIR:-target}/debug/wenyuan"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$binary" demo --data "$work/demo" --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.5
done
shots="${SCREENSHOT_DIR:-${CARGO_TARGET_DIR:-target}/screenshots}"
"$work/venv/bin/python" tests/browser/browser_test.py "http://127.0.0.1:$port" "$shots"
