#!/usr/bin/env bash
# The README's test command (`make test`): starts the real services the suite talks to, runs pytest
# with any arguments given, and stops the services it started.
# Request Tracker (for the bridge tests) and the mail server (Dovecot and an SMTP front, for the email
# bridge tests) are installed from Debian's packages when we are root or have sudo, and so is Chromium
# (for the web view's browser tests); in CI they must come up, elsewhere their tests are skipped with a
# note when they cannot.
# Several runs may share one server (two checkouts testing at once): each holds a shared lock on it
# while it runs, and the last one out stops it, if a test run started it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export PYTHON="$PY"
CLEANUP="true"
trap 'eval "$CLEANUP"' EXIT

# service NAME VAR STATE_DIR FD SETUP STOP: unless VAR is set, runs SETUP and exports what it prints as VAR
service() {
    local name=$1 var=$2 state=$3 fd=$4 setup=$5 stop=$6 log value
    [ -n "${!var:-}" ] && return 0
    mkdir -p "$state"
    eval "exec $fd>'$state/users.lock'"
    flock -s "$fd"  # waits while a last user stops it
    log=$(mktemp)
    if value=$(bash "$setup" 2>"$log"); then
        cat "$log" >&2
        export "$var=$value"
        grep -q "already answering" "$log" || touch "$state/started-by-tests"
        CLEANUP="flock -u $fd; flock -xn $fd && [ -f '$state/started-by-tests' ] && rm '$state/started-by-tests' \
                 && bash $stop; $CLEANUP"
    elif cat "$log" >&2; [ "${CI:-}" = true ]; then
        echo "test: $name could not be set up (see the lines above)" >&2
        exit 1
    else
        echo "test: no $name here (installing it needs root or sudo); its tests are skipped" >&2
    fi
    rm -f "$log"
}

service "Request Tracker" ANTIPORT_RT_URL "${RT_STATE_DIR:-/tmp/antiport-rt}" 9 tests/rt/setup-rt.sh tests/rt/stop-rt.sh
service "mail server" ANTIPORT_MAIL "${MAIL_STATE_DIR:-/tmp/antiport-mail}" 8 \
    tests/mail/setup-mail.sh tests/mail/stop-mail.sh

# Chromium for the web view's browser tests: installed from Debian's packages, started by each test module
if [ -z "${ANTIPORT_CHROMIUM:-}" ]; then
    if browser=$(bash tests/web/setup-chromium.sh); then
        export ANTIPORT_CHROMIUM="$browser"
    elif [ "${CI:-}" = true ]; then
        echo "test: chromium could not be installed (see the lines above)" >&2
        exit 1
    else
        echo "test: no chromium here (installing it needs root or sudo); the browser tests are skipped" >&2
    fi
fi

"$PY" -m pytest "$@"
