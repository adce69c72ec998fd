"""The real mail server of the email bridge tests (ANTIPORT_MAIL, or the one tests/mail/setup-mail.sh
starts): Dovecot for IMAP, an SMTP front that delivers into it. Every address is a mailbox, password
"secret", so each test uses addresses of its own."""
from __future__ import annotations

import imaplib
import os
import secrets
import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

MAIL_DEFAULT = "smtp://127.0.0.1:2525 imap://127.0.0.1:1143"
PASSWORD = "secret"


class MailServer:
    def __init__(self, urls: str):
        self.smtp_url, self.imap_url = urls.split()
        smtp, imap = urlsplit(self.smtp_url), urlsplit(self.imap_url)
        self.smtp, self.imap = (smtp.hostname, smtp.port), (imap.hostname, imap.port)
        tag = secrets.token_hex(4)
        self.support, self.bridge = f"support-{tag}@acme.test", f"bridge-{tag}@acme.test"

    def config(self, **extra) -> dict:
        return {"support": self.support, "address": self.bridge, "smtp": self.smtp_url, "imap": self.imap_url,
                "password": PASSWORD, "staff": ["@acme.test"], "starttls": False, "poll_seconds": 0.3, **extra}

    def send(self, mail: EmailMessage | bytes, to: str | None = None) -> None:
        """Mail as a staff member (or anyone) would, over SMTP."""
        raw = mail if isinstance(mail, bytes) else mail.as_bytes(policy=policy.SMTP)
        with smtplib.SMTP(*self.smtp, timeout=30) as s:
            s.sendmail("someone@acme.test", [to or self.bridge], raw)

    def inbox(self, address: str | None = None) -> list[EmailMessage]:
        """Every mail in a mailbox (the support address's by default), oldest first."""
        imap = imaplib.IMAP4(*self.imap, timeout=30)
        try:
            imap.login(address or self.support, PASSWORD)
            imap.select("INBOX", readonly=True)
            _, [found] = imap.uid("SEARCH", "ALL")
            out = []
            for uid in found.split():
                _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                out.append(message_from_bytes(data[0][1], policy=policy.default))
            return out
        finally:
            imap.logout()


def reply(to: EmailMessage, text: str, sender: str = "anna@acme.test") -> EmailMessage:
    """A staff member's reply in a mail client: their text, an attribution line, the original quoted."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Anna Staff <{sender}>", to["From"], "Re: " + to["Subject"]
    mail["Message-ID"] = f"<{secrets.token_hex(8)}@acme.test>"
    mail["In-Reply-To"] = to["Message-ID"]
    mail["References"] = " ".join(filter(None, [str(to.get("References", "")), to["Message-ID"]]))
    quoted = "\n".join("> " + line for line in to.get_content().splitlines())
    mail.set_content(f"{text}\n\nOn Thu, 3 Dec 2026, Acme bridge wrote:\n{quoted}\n")
    return mail


def mail_server() -> MailServer:
    """The mail server to test against; skips (saying why) when there is none."""
    urls = os.environ.get("ANTIPORT_MAIL") or MAIL_DEFAULT
    server = MailServer(urls)
    try:
        smtplib.SMTP(*server.smtp, timeout=5).quit()
        imaplib.IMAP4(*server.imap, timeout=5).logout()
    except OSError as e:
        if os.environ.get("ANTIPORT_MAIL"):
            raise RuntimeError(f"ANTIPORT_MAIL={urls} is set but the mail server does not answer: {e}") from None
        pytest.skip(f"no mail server: ANTIPORT_MAIL is unset and {MAIL_DEFAULT} does not answer"
                    " (start one with tests/mail/setup-mail.sh)")
    return server
