#!/usr/bin/env bash
# Starts a real mail server on 127.0.0.1 for the email bridge tests and prints where it listens:
# "smtp://127.0.0.1:PORT imap://127.0.0.1:PORT" on stdout.
#   IMAP: Debian's Dovecot (installed with apt-get if missing), every address a mailbox, password "secret"
#   SMTP: tests/mail/relay.py (aiosmtpd), which hands each accepted mail to Dovecot over LMTP
# Idempotent; runs unattended (CI=true, no stdin). Needs root (or sudo) for the install and for Dovecot.
#   MAIL_SMTP_PORT (default 2525), MAIL_IMAP_PORT (default 1143)
#   MAIL_STATE_DIR where config, mailboxes, pid files and logs go (default /tmp/antiport-mail)
# Stop it with tests/mail/stop-mail.sh.
set -euo pipefail
exec </dev/null
cd "$(dirname "$0")/../.."

SMTP_PORT="${MAIL_SMTP_PORT:-2525}"
IMAP_PORT="${MAIL_IMAP_PORT:-1143}"
STATE="${MAIL_STATE_DIR:-/tmp/antiport-mail}"
PY="${PYTHON:-.venv/bin/python}"
PACKAGES="dovecot-imapd dovecot-lmtpd"

log() { echo "setup-mail: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

answers() {
    "$PY" - "$SMTP_PORT" "$IMAP_PORT" <<'PY'
import imaplib, smtplib, sys
try:
    smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=3).quit()
    imaplib.IMAP4("127.0.0.1", int(sys.argv[2]), timeout=3).logout()
except OSError:
    sys.exit(1)
PY
}

if answers; then
    log "already answering on ports ${SMTP_PORT} (SMTP) and ${IMAP_PORT} (IMAP)"
    echo "smtp://127.0.0.1:${SMTP_PORT} imap://127.0.0.1:${IMAP_PORT}"
    exit 0
fi

if ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ]; then
    log "installing ${PACKAGES}"
    install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES >&2; }
    install || { as_root apt-get update -q >&2 && install; }  # package lists fresh (RT's setup) or not
fi

mkdir -p "$STATE/run" "$STATE/mail"
as_root chown dovecot:dovecot "$STATE/mail"
cat >"$STATE/dovecot.conf" <<CONF
base_dir = $STATE/run
state_dir = $STATE/state
log_path = $STATE/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$STATE/mail/%u
first_valid_uid = 1
last_valid_uid = 0
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$STATE/mail/%u allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
CONF

if [ -f "$STATE/run/master.pid" ] && kill -0 "$(cat "$STATE/run/master.pid")" 2>/dev/null; then
    log "dovecot (pid $(cat "$STATE/run/master.pid")) is running"
else
    log "starting dovecot on 127.0.0.1:${IMAP_PORT} (log: ${STATE}/dovecot.log)"
    as_root /usr/sbin/dovecot -c "$STATE/dovecot.conf"
fi
if [ -f "$STATE/relay.pid" ] && kill -0 "$(cat "$STATE/relay.pid")" 2>/dev/null; then
    log "the SMTP relay (pid $(cat "$STATE/relay.pid")) is running"
else
    log "starting the SMTP relay on 127.0.0.1:${SMTP_PORT} (log: ${STATE}/relay.log)"
    setsid "$PY" tests/mail/relay.py "$SMTP_PORT" "$STATE/run/lmtp" >"$STATE/relay.log" 2>&1 </dev/null &
    echo $! >"$STATE/relay.pid"
fi

for _ in $(seq 1 60); do
    if answers; then
        echo "smtp://127.0.0.1:${SMTP_PORT} imap://127.0.0.1:${IMAP_PORT}"
        exit 0
    fi
    sleep 0.5
done
log "the mail server did not answer within 30 s; last log lines:"
tail -n 10 "$STATE/dovecot.log" "$STATE/relay.log" >&2 || true
exit 1
