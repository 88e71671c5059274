# Shared by the partner-interface scripts: build wenyuan, start a server on a
# free port over a data directory, stop it on exit. Source, don't run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

build_wenyuan() {
    (cd "$ROOT" && cargo build --quiet --bin wenyuan)
    WENYUAN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/wenyuan"
}

# start_server DATA_DIR: sets PORT and BASE.
start_server() {
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    BASE="http://127.0.0.1:$PORT"
    "$WENYUAN" serve --data "$1" --addr "127.0.0.1:$PORT" --public-url "$BASE" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if python3 -c "import urllib.request; urllib.request.urlopen('$BASE/healthz')" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    cat "$WORK/server.log" >&2
    echo "the server did not start" >&2
    exit 1
}

# python_env PACKAGES...: a virtualenv with the packages, sets PYTHON.
python_env() {
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet "$@"
    PYTHON="$WORK/venv/bin/python"
}
