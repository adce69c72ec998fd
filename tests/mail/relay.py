"""The test mail server's SMTP side (started by tests/mail/setup-mail.sh): aiosmtpd on 127.0.0.1 that
hands every accepted mail to Dovecot over LMTP, as an MTA's local delivery would. Any sender, any
recipient; a recipient Dovecot refuses fails the whole mail (the client sees the error).

    python tests/mail/relay.py SMTP_PORT LMTP_SOCKET
"""
from __future__ import annotations

import smtplib
import sys
import threading

from aiosmtpd.controller import Controller


class Deliver:
    def __init__(self, lmtp_socket: str):
        self.lmtp_socket = lmtp_socket

    async def handle_DATA(self, server, session, envelope):
        try:
            with smtplib.LMTP(self.lmtp_socket) as lmtp:
                lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        except (OSError, smtplib.SMTPException) as e:
            return f"451 local delivery failed: {e}"
        return "250 delivered"


def main() -> None:
    port, lmtp_socket = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Deliver(lmtp_socket), hostname="127.0.0.1", port=port, data_size_limit=10 << 20)
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
