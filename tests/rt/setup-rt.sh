#!/usr/bin/env bash
# Installs Request Tracker 5 from Debian's packages (if missing), starts rt-server on a loopback
# port in the background (if not already answering) and prints its base URL on stdout.
# Idempotent; runs unattended (CI=true, no stdin). Needs root (or sudo) only for the install.
#   RT_PORT       port to serve on (default 8089)
#   RT_STATE_DIR  where the pid file and server log go (default /tmp/antiport-rt)
# Stop it with tests/rt/stop-rt.sh.
set -euo pipefail
exec </dev/null

PORT="${RT_PORT:-8089}"
STATE="${RT_STATE_DIR:-/tmp/antiport-rt}"
URL="http://127.0.0.1:${PORT}"
SERVER=/usr/share/request-tracker5/libexec/rt-server
PACKAGES="request-tracker5 rt5-db-sqlite rt5-standalone rt5-clients"

log() { echo "setup-rt: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

rest_answers() {
    # 200 from an authenticated REST 2.0 call means the server is up and the database works.
    python3 - "$URL" <<'PY'
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/REST/2.0/queues/all")
req.add_header("Authorization", "Basic " + base64.b64encode(b"root:password").decode())
try:
    sys.exit(0 if urllib.request.urlopen(req, timeout=5).status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

if rest_answers; then
    log "already answering on port ${PORT}"
    echo "$URL"
    exit 0
fi

if [ ! -x "$SERVER" ]; then
    log "installing ${PACKAGES} (about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES >&2
fi

mkdir -p "$STATE"
if [ -f "$STATE/rt-server.pid" ] && kill -0 "$(cat "$STATE/rt-server.pid")" 2>/dev/null; then
    log "rt-server (pid $(cat "$STATE/rt-server.pid")) is starting; waiting"
else
    log "starting rt-server on port ${PORT} (log: ${STATE}/rt-server.log)"
    # A plain background command (no function or subshell), so that nothing keeps our stdout open
    # and $! is the server itself: setsid makes it the leader of its own process group.
    if [ "$(id -u)" = 0 ]; then
        setsid "$SERVER" --host 127.0.0.1 --port "$PORT" >"$STATE/rt-server.log" 2>&1 </dev/null &
    else
        sudo -n setsid "$SERVER" --host 127.0.0.1 --port "$PORT" >"$STATE/rt-server.log" 2>&1 </dev/null &
    fi
    echo $! >"$STATE/rt-server.pid"
fi

for _ in $(seq 1 120); do
    if rest_answers; then
        echo "$URL"
        exit 0
    fi
    sleep 1
done
log "rt-server did not answer within 120 s; last log lines:"
tail -n 20 "$STATE/rt-server.log" >&2 || true
exit 1
