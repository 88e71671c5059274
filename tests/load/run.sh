#!/usr/bin/env bash
# Load test (issue #7): a minute of sustained search traffic with wrk on
# loopback against `wenyuan serve`, while `wenyuan ingest` adds 200 scans to
# the same archive. Passes when wrk saw no errors and no non-2xx answers,
# the ingest succeeded, the new items became searchable, and the server's
# memory stayed bounded. Uses the debug binary CI already built (or $WENYUAN).
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
bin="${WENYUAN:-$target/debug/wenyuan}"
[ -x "$bin" ] || cargo build --locked --bin wenyuan
duration="${LOAD_SECONDS:-60}"
max_rss_mib="${LOAD_MAX_RSS_MIB:-512}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== building the demo archive"
"$bin" demo --no-serve --data "$work/data" >"$work/demo.log" 2>&1
key="$("$bin" keys create load-test --data "$work/data" 2>/dev/null)"

echo "== generating 200 scans for the ingest that runs during the load"
python3 - "$work/delivery" <<'PY'
import os, struct, sys, zlib
root = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
def png(width, height, seed):
    base = bytes(((i * 7 + seed * 13) ^ (i >> 5)) & 255 for i in range(width * 6))
    rows = b"".join(b"\0" + base[(y * 9 + seed) % (width * 3):][: width * 3] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
for index in range(200):
    folder = os.path.join(root, f"box{index % 8}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"scan{index:03}.png"), "wb") as out:
        out.write(png(1200, 900, index))
PY

echo "== starting the server"
"$bin" serve --data "$work/data" --addr 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
addr=""
for _ in $(seq 1 120); do
    addr="$(grep -o 'serving on http://[0-9.:]*' "$work/serve.log" | head -1 | sed 's|serving on http://||')" || true
    [ -n "$addr" ] && break
    sleep 0.5
done
[ -n "$addr" ] || { echo "the server did not start:"; cat "$work/serve.log"; exit 1; }
items_before="$(curl -fsS -H "X-Api-Key: $key" "http://$addr/api/v1/search?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"

cat >"$work/queries.lua" <<LUA
local paths = {
  "/api/v1/search?q=%E8%80%80%E5%B7%9E%E7%AA%91",            -- 耀州窑
  "/api/v1/search?q=%E5%BF%97&facet_limit=20",               -- 志
  "/api/v1/search?q=%E5%9C%96%E6%9B%B8%E9%A4%A8",            -- 圖書館 (traditional)
  "/api/v1/search?q=wangyi",
  "/api/v1/search?q=&sort=date_desc&per_page=50",
  "/api/v1/search?q=%22%E9%BB%84%E5%A0%A1%22",               -- "黄堡"
  "/search?q=%E6%B0%91%E5%9B%BD",                             -- 民国 (HTML page)
  "/search?q=scan",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["X-Api-Key"] = "$key" })
end
LUA

echo "== ${duration}s of search traffic (wrk -t2 -c16) while an ingest runs"
"$bin" ingest "$work/delivery" --data "$work/data" --report "$work/report.json" >"$work/ingest.out" 2>"$work/ingest.log" &
ingest_pid=$!
peak_kib=0
(
    while kill -0 "$server_pid" 2>/dev/null; do
        awk '/VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || true
        sleep 1
    done
) >"$work/rss.txt" &
sampler_pid=$!
wrk -t2 -c16 -d"${duration}s" --latency -s "$work/queries.lua" "http://$addr" | tee "$work/wrk.txt"
ingest_status=0
wait "$ingest_pid" || ingest_status=$?
kill "$sampler_pid" 2>/dev/null || true
peak_kib="$(sort -n "$work/rss.txt" | tail -1)"

failed=0
# Each check below counts itself, for the closing line CI sums.
checks=0
check() { checks=$((checks + 1)); }
check
if grep -q "Non-2xx or 3xx responses" "$work/wrk.txt"; then
    echo "FAIL: some answers were not 2xx/3xx"; failed=$((failed + 1))
fi
check
if grep -q "Socket errors" "$work/wrk.txt"; then
    echo "FAIL: socket errors (connect/read/write/timeout)"; failed=$((failed + 1))
fi
requests="$(awk '/requests in/ {print $1}' "$work/wrk.txt")"
check
[ "${requests:-0}" -gt 0 ] || { echo "FAIL: wrk made no requests"; failed=$((failed + 1)); }
check
if [ "$ingest_status" -ne 0 ]; then
    echo "FAIL: the ingest during the load exited $ingest_status:"; tail -5 "$work/ingest.log"; failed=$((failed + 1))
fi
# Every ingested item becomes searchable (the reader reloads shortly after the last commit).
added="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items_added"])' "$work/report.json" 2>/dev/null || echo 0)"
expected=$((items_before + added))
items_after="$items_before"
for _ in $(seq 1 40); do
    items_after="$(curl -fsS -H "X-Api-Key: $key" "http://$addr/api/v1/search?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
    [ "$items_after" -eq "$expected" ] && break
    sleep 0.5
done
check
if [ "$added" -eq 0 ] || [ "$items_after" -ne "$expected" ]; then
    echo "FAIL: searchable items $items_after, expected $items_before + $added ingested"; failed=$((failed + 1))
fi
samples="$(grep -c '^[0-9][0-9]*$' "$work/rss.txt" || true)"
check
if [ "${samples:-0}" -eq 0 ] || [ "${peak_kib:-0}" -le 0 ]; then
    # A bound checked against a memory never read would pass without measuring.
    echo "FAIL: the server's memory was never measured (no VmRSS samples from /proc/$server_pid/status)"; failed=$((failed + 1))
fi
peak_mib=$(( ${peak_kib:-0} / 1024 ))
check
if [ "$peak_mib" -ge "$max_rss_mib" ]; then
    echo "FAIL: server memory peaked at ${peak_mib} MiB (limit ${max_rss_mib} MiB)"; failed=$((failed + 1))
fi
check
if grep -q "panicked" "$work/serve.log"; then
    echo "FAIL: the server panicked:"; grep -m3 panicked "$work/serve.log"; failed=$((failed + 1))
fi
echo "load: ${requests:-0} requests in ${duration}s, 0 errors expected; items ${items_before} → ${items_after} while serving; server peak RSS ${peak_mib} MiB over ${samples:-0} samples"
echo "load: $checks checks ran, $failed failed"
[ "$failed" -eq 0 ]
