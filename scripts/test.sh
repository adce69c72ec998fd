#!/usr/bin/env bash
# The README's test command (`make test`): starts the real services the suite talks to, runs pytest
# with any arguments given, and stops the services it started.
# Request Tracker (for the bridge tests) is installed from Debian's packages when we are root or have
# sudo; in CI it must come up, elsewhere its tests are skipped with a note when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

if [ -z "${ANTIPORT_RT_URL:-}" ]; then
    log=$(mktemp)
    if url=$(bash tests/rt/setup-rt.sh 2>"$log"); then
        cat "$log" >&2
        export ANTIPORT_RT_URL="$url"
        # Stop RT afterwards only if this run started it.
        grep -q "already answering" "$log" || trap 'bash tests/rt/stop-rt.sh' EXIT
    elif cat "$log" >&2; [ "${CI:-}" = true ]; then
        echo "test: Request Tracker could not be set up (see the lines above)" >&2
        exit 1
    else
        echo "test: no Request Tracker here (installing it needs root or sudo); its tests are skipped" >&2
    fi
fi

"$PY" -m pytest "$@"
