#!/usr/bin/env bash
# Stops the rt-server that tests/rt/setup-rt.sh started (its whole process group: it forks workers).
set -euo pipefail
STATE="${RT_STATE_DIR:-/tmp/antiport-rt}"
PIDFILE="$STATE/rt-server.pid"
if [ ! -f "$PIDFILE" ]; then
    echo "stop-rt: no $PIDFILE; nothing to stop" >&2
    exit 0
fi
PID="$(cat "$PIDFILE")"
if kill -0 "$PID" 2>/dev/null; then
    kill -TERM -- "-$PID" 2>/dev/null || kill -TERM "$PID"
    for _ in $(seq 1 20); do
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.5
    done
    kill -0 "$PID" 2>/dev/null && kill -KILL -- "-$PID" 2>/dev/null || true
fi
rm -f "$PIDFILE"
echo "stop-rt: stopped rt-server (pid $PID)" >&2
