#!/usr/bin/env bash
# Stops what tests/mail/setup-mail.sh started: the SMTP relay and Dovecot.
set -euo pipefail
STATE="${MAIL_STATE_DIR:-/tmp/antiport-mail}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
if [ -f "$STATE/relay.pid" ]; then
    kill -TERM "$(cat "$STATE/relay.pid")" 2>/dev/null || true
    rm -f "$STATE/relay.pid"
fi
if [ -f "$STATE/run/master.pid" ]; then
    as_root /usr/sbin/dovecot -c "$STATE/dovecot.conf" stop 2>/dev/null || true
fi
rm -rf "$STATE/mail"  # the test mailboxes (every test uses addresses of its own)
echo "stop-mail: stopped the mail server" >&2
