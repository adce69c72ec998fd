#!/usr/bin/env bash
# The README's test command (`make test`): starts the real services the suite talks to, runs pytest
# with any arguments given, and stops the services it started.
# Request Tracker (for the bridge tests) is installed from Debian's packages when we are root or have
# sudo; in CI it must come up, elsewhere its tests are skipped with a note when it cannot.
# Several runs may share one Request Tracker (two checkouts testing at once): each holds a shared lock
# on it while it runs, and the last one out stops it, if a test run started it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
STATE="${RT_STATE_DIR:-/tmp/antiport-rt}"

if [ -z "${ANTIPORT_RT_URL:-}" ]; then
    mkdir -p "$STATE"
    exec 9>"$STATE/users.lock"
    flock -s 9  # waits while a last user stops it
    log=$(mktemp)
    if url=$(bash tests/rt/setup-rt.sh 2>"$log"); then
        cat "$log" >&2
        export ANTIPORT_RT_URL="$url"
        grep -q "already answering" "$log" || touch "$STATE/started-by-tests"
        # shellcheck disable=SC2064
        trap "flock -u 9; flock -xn 9 && [ -f '$STATE/started-by-tests' ] && rm '$STATE/started-by-tests' \
              && bash tests/rt/stop-rt.sh; true" EXIT
    elif cat "$log" >&2; [ "${CI:-}" = true ]; then
        echo "test: Request Tracker could not be set up (see the lines above)" >&2
        exit 1
    else
        echo "test: no Request Tracker here (installing it needs root or sudo); its tests are skipped" >&2
    fi
    rm -f "$log"
fi

"$PY" -m pytest "$@"
