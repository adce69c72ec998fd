"""Email connector: the vendor's support address as the helpdesk (every helpdesk takes support mail).

Network -> mail: a request or complaint becomes a mail from the bridge's `address` to the vendor's
`support` address over SMTP; its Message-ID names the thread (`<antiport.THREAD@domain>`), and every
later update in the thread (answers by others, accept, vote, status, resolve, retract) becomes a mail
with its own Message-ID, In-Reply-To and References pointing at the thread's first mail. A retry sends
the very same mail (same Message-ID and Date), so a helpdesk that deduplicates on Message-ID sees it once.

Mail -> network: a staff reply to one of those mails reaches the bridge's mailbox; the bridge reads it
over IMAP and publishes its text as the vendor's signed `answer` in the thread its In-Reply-To or
References name; a reply whose first line is `#status STATE` becomes a signed `status` instead (the lines
below it its note). Only mail from a `staff` address or domain is published; anything else (a stranger,
an auto-reply, no thread, too large, unreadable) is dropped and counted by reason, never published.
The mailbox is read by UID after a cursor kept in the bridge's state (with the mailbox's UIDVALIDITY),
from its first mail on (give the bridge a mailbox of its own): nothing is missed across restarts. An
answer is signed with the mail's arrival time at the server (INTERNALDATE, whole seconds) and carries
the mail's UID as `seq`, so that replies of one second keep the mailbox's order (specs/02 section 2);
a reply already in the thread (same time and body) is not published again.
"""
from __future__ import annotations

import imaplib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parsedate_to_datetime
from urllib.parse import urlsplit

import trio
from antiport.crypto import key_from_did
from antiport.protocol import is_blank
from antiport.protocol.kinds import STATES, THREAD_ROOTS

from ..store import Store
from .config import EmailConfig
from .events import Drops, agent_fields, one_line, staff_text, thread_root
from .rt import TEXT_LIMIT, Publish, describe, html_to_text, ticket_text

log = logging.getLogger("antiport.bridge.mail")
MAIL_LIMIT = 1 << 20   # bytes: a larger mail is dropped unread
BATCH = 50             # mails read per IMAP session
CURSOR = "email.uid"   # bridge state: "UIDVALIDITY:last UID read"
MARKER = "## Reply above this line: only your reply is sent to the customer ##"
OUR_ID = re.compile(r"<antiport\.([0-9a-f]{64})@[^>\s]+>")
HINT = f"(A first line '#status STATE' sets the thread's status instead: {', '.join(STATES)}.)"
STATUS_LINE = re.compile(r"#status\s+(\S+)", re.IGNORECASE)  # a staff reply's first line that sets the status


class Dropped(Exception):
    """A mail that is not a staff reply the bridge can publish; the message is the reason."""


def mail_id(message_id: str, domain: str) -> str:
    return f"<antiport.{message_id}@{domain}>"


def compose(seq: int, event: dict, cfg: EmailConfig, title: str) -> EmailMessage:
    """The mail an event becomes. Only `seq`, `event` and `title` vary, so a retry composes the same mail."""
    domain, thread = cfg.address.rsplit("@", 1)[1], event["thread"] or event["id"]
    root = event["kind"] in THREAD_ROOTS
    mail = EmailMessage(policy.default.clone(max_line_length=998))  # headers unfolded: ids stay whole
    mail["From"], mail["To"] = cfg.address, cfg.support
    mail["Subject"] = one_line(("[Complaint] " if event["kind"] == "complaint" else "") + title if root
                               else f"Re: {title}")
    mail["Message-ID"] = mail_id(event["id"], domain)
    mail["Date"] = formatdate(event["created"] / 1000, usegmt=True)
    if not root:
        mail["In-Reply-To"] = mail["References"] = mail_id(thread, domain)
    mail["X-Antiport-Thread"], mail["X-Antiport-Kind"] = thread, event["kind"]
    mail["X-Antiport-Topic"], mail["X-Antiport-Author"] = one_line(event["topic"]), event["author"]
    mail.set_content(f"{MARKER}\n{HINT}\n\n" + (ticket_text(seq, event) if root else describe(seq, event)))
    return mail


def parse_reply(raw: bytes, cfg: EmailConfig) -> tuple[list[str], str, dict]:
    """(message ids this mail answers, nearest first; the reply text; the agent fields: the sender's display
    name, else the part of their address before the @) of a staff reply. Raises Dropped."""
    try:  # the email package raises many kinds of error on hostile input (charsets, encodings, headers)
        mail = message_from_bytes(raw, policy=policy.default)
        senders = getaddresses([str(v) for v in mail.get_all("From", [])])
        automatic = str(mail.get("Auto-Submitted", "no")).strip().lower() != "no"
        answered = OUR_ID.findall(" ".join(str(v) for v in mail.get_all("References", [])
                                           + mail.get_all("In-Reply-To", [])))
        body = mail.get_body(("plain", "html"))
        text = "" if body is None else body.get_content()
        html = body is not None and body.get_content_type() == "text/html"
    except Exception as e:
        raise Dropped("unreadable") from e
    if len(senders) != 1 or not is_staff(senders[0][1], cfg.staff):
        raise Dropped("not-staff")
    if automatic:
        raise Dropped("auto-reply")
    if not answered:
        raise Dropped("no-thread")
    if html:
        text = html_to_text(text)
    text = staff_text(reply_text(text))[:TEXT_LIMIT]
    if is_blank(text):
        raise Dropped("empty")
    name, address = senders[0]
    return answered[::-1], text, agent_fields(name) or agent_fields(address.split("@")[0])


def staff_message(text: str) -> tuple[str, dict]:
    """The kind and body a staff reply's text becomes: an answer, or a status when its first line is
    `#status STATE` (one of specs/02's states, any case), the lines below it the status's note. Raises
    Dropped("bad-status") for a state the protocol does not know."""
    first, _, rest = text.partition("\n")
    command = STATUS_LINE.fullmatch(first.strip())
    if command is None:
        return "answer", {"text": text}
    state = command.group(1).lower()
    if state not in STATES:
        raise Dropped("bad-status")
    return "status", {"state": state, **({"note": rest.strip()} if rest.strip() else {})}


def is_staff(address: str, staff: list[str]) -> bool:
    address = address.lower()
    return "@" in address and any(address == s or (s.startswith("@") and address.endswith(s)) for s in staff)


def reply_text(text: str) -> str:
    """What the staff member wrote above the quoted mail: up to the marker line, without quoted lines
    (">") and without the "On ..., X wrote:" line a mail client puts above a quote."""
    lines = []
    for line in text.splitlines():
        if MARKER in line:
            break
        if not line.startswith(">"):
            lines.append(line.rstrip())
    while lines and (not lines[-1] or lines[-1].endswith("wrote:")):
        lines.pop()
    return "\n".join(lines).strip()


class Mailbox:
    """Blocking SMTP and IMAP sessions (run in a thread)."""

    def __init__(self, cfg: EmailConfig):
        self.cfg = cfg

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context()

    def send(self, mail: EmailMessage) -> None:
        url = urlsplit(self.cfg.smtp)
        smtp = (smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=30, context=self._tls())
                if url.scheme == "smtps" else smtplib.SMTP(url.hostname, url.port or 25, timeout=30))
        with smtp:
            if url.scheme == "smtp" and self.cfg.starttls:
                smtp.starttls(context=self._tls())
            smtp.ehlo_or_helo_if_needed()
            if smtp.has_extn("auth"):
                smtp.login(self.cfg.user, self.cfg.password)
            smtp.send_message(mail, from_addr=self.cfg.address, to_addrs=[self.cfg.support])

    def _imap(self) -> imaplib.IMAP4:
        url = urlsplit(self.cfg.imap)
        if url.scheme == "imaps":
            imap = imaplib.IMAP4_SSL(url.hostname, url.port or 993, ssl_context=self._tls(), timeout=30)
        else:
            imap = imaplib.IMAP4(url.hostname, url.port or 143, timeout=30)
            if self.cfg.starttls:
                imap.starttls(self._tls())
        imap.login(self.cfg.user, self.cfg.password)
        _ok(imap.select(_quoted(self.cfg.mailbox), readonly=True))
        return imap

    def fetch_after(self, validity: int | None, uid: int) -> tuple[int, list[tuple[int, int, bytes | None]]]:
        """(the mailbox's UIDVALIDITY, up to BATCH mails after `uid` as (uid, INTERNALDATE in ms, the mail or
        None when larger than MAIL_LIMIT)); no mails when `validity` is not the mailbox's. Mails are read
        with PEEK: nothing is marked seen."""
        imap = self._imap()
        try:
            current = int(imap.untagged_responses["UIDVALIDITY"][0])
            if current != validity:
                return current, []
            _, [found] = _ok(imap.uid("SEARCH", f"UID {uid + 1}:*"))
            uids = sorted(u for u in map(int, found.split()) if u > uid)[:BATCH]
            mails = []
            for u in uids:
                _, [meta] = _ok(imap.uid("FETCH", str(u), "(RFC822.SIZE INTERNALDATE)"))
                size = int(re.search(rb"RFC822\.SIZE (\d+)", meta).group(1))
                arrived = internaldate_ms(meta)
                raw = None
                if size <= MAIL_LIMIT:
                    _, data = _ok(imap.uid("FETCH", str(u), "(BODY.PEEK[])"))
                    raw = data[0][1]
                mails.append((u, arrived, raw))
            return current, mails
        finally:
            imap.logout()


def _ok(answer):
    if answer[0] != "OK":
        raise imaplib.IMAP4.error(f"IMAP said {answer[0]}: {answer[1]!r}")
    return answer


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def internaldate_ms(meta: bytes) -> int:
    """INTERNALDATE "03-Dec-2026 06:05:22 +0100" of a FETCH answer, in ms since the epoch."""
    day, month, rest = re.search(rb'INTERNALDATE "\s*(\d+)-(\w{3})-(.+)"', meta).groups()
    text = f"{int(day):02d} {month.decode().title()} {rest.decode()}"
    return int(parsedate_to_datetime(text).timestamp() * 1000)


class EmailConnector:
    name = "email"

    def __init__(self, cfg: EmailConfig, store: Store, vendor_did: str, topics: list[str]):
        self.cfg, self.store, self.vendor_did, self.topics = cfg, store, vendor_did, topics
        self.private = cfg.private
        self.vendor_key = key_from_did(vendor_did)
        self.mailbox = Mailbox(cfg)
        self.dropped = Drops(store, self.name)

    # -- network -> mail ----------------------------------------------------------------------------

    async def deliver(self, seq: int, event: dict, retry: bool) -> None:
        """The vendor's own messages (replies read from mail, RT's) are not mailed back."""
        if event["author"] == self.vendor_did:
            return
        if event["kind"] == "contact":  # a card to the support address, for staff to put in their records
            await trio.to_thread.run_sync(self.mailbox.send, compose(seq, event, self.cfg, "Contact details"))
            return
        root = self.store.get(event["thread"]) if event["thread"] else None
        if root is None:
            raise RuntimeError(f"thread of {event['id']} not stored yet; the thread is delivered first")
        mail = compose(seq, event, self.cfg, str(root.body.get("title", "")))
        await trio.to_thread.run_sync(self.mailbox.send, mail)

    # -- mail -> network ----------------------------------------------------------------------------

    async def poll(self, publish: Publish, created_floor: Callable[[str], int]) -> int:
        """Publish the staff replies that reached the mailbox since the cursor; returns how many."""
        published = 0
        while True:
            validity, uid = self.cursor()
            current, mails = await trio.to_thread.run_sync(self.mailbox.fetch_after, validity, uid)
            if current != validity:  # a new bridge, or the mailbox was made anew: read it from its first mail
                self._save(current, 0)
                continue
            for number, arrived, raw in mails:
                try:
                    thread, text, agent = self._reply(raw)
                    kind, body = staff_message(text)
                    body.update(seq=number, **agent)
                    created = max(arrived, created_floor(thread))
                    if not self._published(thread, kind, body, created):
                        try:
                            publish(kind, self.store.get(thread).topic, body, [thread], created)
                        except RuntimeError as e:  # refused by the protocol's rules (a full disk is retried)
                            raise Dropped("refused") from e
                        published += 1
                except Dropped as e:
                    self._drop(number, str(e))
                self._save(validity, number)
            if len(mails) < BATCH:
                return published

    def _reply(self, raw: bytes | None) -> tuple[str, str, dict]:
        """The thread a mail answers (one of the vendor's topics), its text and agent; raises Dropped."""
        if raw is None:
            raise Dropped("too-large")
        answered, text, agent = parse_reply(raw, self.cfg)
        for message_id in answered:
            msg = self.store.get(message_id)
            thread = thread_root(self.store, msg) if msg else None
            if thread and self.store.get(thread).topic in self.topics:
                return thread, text, agent
        raise Dropped("unknown-thread")

    def _published(self, thread: str, kind: str, body: dict, created: int) -> bool:
        """Whether this reply is already in the thread: read again after a crash, or after the mailbox
        was made anew (new UIDs, so another seq, but the same arrival time and body)."""
        same = {k: v for k, v in body.items() if k != "seq"}
        return any(m.kind == kind and m.author == self.vendor_key and m.created == created
                   and {k: v for k, v in m.body.items() if k != "seq"} == same for m in self.store.thread(thread))

    def cursor(self) -> tuple[int | None, int]:
        validity, _, uid = (self.store.bridge_state(CURSOR) or ":0").partition(":")
        return (int(validity) if validity else None), int(uid)

    def _save(self, validity: int, uid: int) -> None:
        self.store.set_bridge_state(CURSOR, f"{validity}:{uid}")

    def _drop(self, uid: int, reason: str) -> None:
        self.dropped.add(reason)
        log.warning("mail %d in %s dropped: %s", uid, self.cfg.mailbox, reason)
