"""The demo vendor's helpdesk end of a webhook: a threaded HTTP server on 127.0.0.1 that checks every
signature (docs/bridge.md, "Webhooks") and keeps the events it accepted."""
from __future__ import annotations

import base64
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from antiport.node.bridge.webhook import WebhookError, verify


class WebhookReceiver:
    def __init__(self):
        self.secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.events: dict[str, dict] = {}  # by webhook-id: a retried delivery is kept once
        self.refused: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    event = verify(receiver.secret, self.headers, body, int(time.time()))["data"]
                except (WebhookError, KeyError, TypeError) as e:
                    receiver.refused.append(str(e))
                    self.send_response(400)
                else:
                    receiver.events.setdefault(event["id"], event)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
