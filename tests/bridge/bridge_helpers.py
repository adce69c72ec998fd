"""Helpers of the bridge tests: a vendor and a customer on a real store, a real webhook receiver, and the
real Request Tracker server (ANTIPORT_RT_URL, or the one tests/rt/setup-rt.sh starts)."""
from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from antiport.crypto import Identity, seal
from antiport.node.bridge.config import parse_config
from antiport.node.bridge.rt import CF_THREAD
from antiport.node.bridge.webhook import WebhookError, verify
from antiport.node.home import now_ms
from antiport.node.ingest import Ingest
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import sign

TOPIC = "acme/widget"
SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtdGVzdHMtb25seQ=="
RT_DEFAULT = "http://127.0.0.1:8089"


class World:
    """A vendor's store (the bridge's node) and a customer who writes into it."""

    def __init__(self, path):
        self.store = Store(path / "store.db")
        self.ingest = Ingest(self.store)
        self.vendor = Identity.generate()
        self.customer = Identity.generate()

    def post(self, who: Identity, kind: str, body: dict, refs=()) -> str:
        msg = sign(who, kind, TOPIC, body, list(refs), created=now_ms())
        self.ingest(msg.raw, now_ms(), "test")
        return msg.id

    def ask(self, title: str, text: str, private: str | None = None, tamper: bool = False) -> str:
        body = {"title": title, "text": text}
        if private is not None:
            sealed = bytearray(seal(self.vendor.public_key, private.encode()))
            if tamper:
                sealed[-1] ^= 1
            body.update(private=bytes(sealed), to=self.vendor.public_key)
        return self.post(self.customer, "request", body)


def config(**connectors) -> object:
    return parse_config({"vendor": {"org": "Acme", "topics": [TOPIC]},
                         "delivery": {"retry_base_seconds": 0.05, "retry_max_seconds": 0.4},
                         "connectors": connectors})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A CRM's webhook endpoint: a real HTTP server that verifies every signature it gets."""

    def __init__(self, secret: str = SECRET):
        self.secret, self.port = secret, free_port()
        self.received: list[dict] = []   # verified payloads, in arrival order
        self.refused: list[str] = []     # error messages for requests that failed verification
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    payload = verify(receiver.secret, self.headers, body, int(time.time()))
                except WebhookError as e:
                    receiver.refused.append(str(e))
                    self._answer(400, {"error": str(e)})
                    return
                if payload["id"] != self.headers["webhook-id"]:
                    self._answer(400, {"error": "webhook-id differs from the payload's id"})
                    return
                receiver.received.append(payload)
                self._answer(200, {"ok": True})

            def _answer(self, status, obj):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


async def start(nursery, tmp_path, name: str, **kwargs) -> Node:
    """A node on 127.0.0.1 (a real libp2p host) running in `nursery`."""
    node = Node(Store(tmp_path / f"{name}.db"), tmp_path / f"{name}.key", listen=["/ip4/127.0.0.1/tcp/0"], **kwargs)
    await nursery.start(node.run)
    return node


def rt_url() -> str:
    """The RT server to test against; skips (saying why) when there is none."""
    url = os.environ.get("ANTIPORT_RT_URL") or RT_DEFAULT
    try:
        httpx.get(url + "/REST/2.0/queues/all", auth=("root", "password"), timeout=5).raise_for_status()
    except httpx.HTTPError as e:
        if os.environ.get("ANTIPORT_RT_URL"):
            raise RuntimeError(f"ANTIPORT_RT_URL={url} is set but RT does not answer: {e}") from None
        pytest.skip(f"no Request Tracker: ANTIPORT_RT_URL is unset and {RT_DEFAULT} does not answer"
                    " (start one with tests/rt/setup-rt.sh)")
    return url


class Staff:
    """A helpdesk agent working in RT through its REST 2.0 API, independently of the bridge's client."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(base_url=url + "/REST/2.0", auth=("root", "password"), timeout=30)

    def get(self, path: str, **params) -> dict:
        r = self.http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def tickets_for(self, thread: str) -> list[dict]:
        return self.get("/tickets", query=f"'CF.{{{CF_THREAD}}}' = '{thread}'")["items"]

    def texts(self, ticket: int, kind: str) -> list[str]:
        out = []
        for txn in self.get(f"/ticket/{ticket}/history", fields="Type", per_page=100)["items"]:
            if txn["Type"] == kind:
                for att in self.get(f"/transaction/{txn['id']}/attachments")["items"]:
                    content = self.get(f"/attachment/{att['id']}").get("Content")
                    if content:
                        out.append(base64.b64decode(content).decode())
        return out

    def correspond(self, ticket: int, text: str) -> None:
        self.http.post(f"/ticket/{ticket}/correspond", json={"Content": text, "ContentType": "text/plain"}) \
            .raise_for_status()

    def set_status(self, ticket: int, status: str) -> None:
        self.http.put(f"/ticket/{ticket}", json={"Status": status}).raise_for_status()

    def edit_many(self, forms: list[str]) -> list[int]:
        """Create or change many tickets in one call (REST 1.0 takes several forms at once; REST 2.0 one
        ticket per call); returns the ids RT reports created or updated."""
        r = httpx.post(self.url + "/REST/1.0/ticket/edit", params={"user": "root", "pass": "password"},
                       data={"content": "\n--\n".join(forms)}, timeout=600)
        r.raise_for_status()
        done = [int(line.split()[2]) for line in r.text.splitlines()
                if line.startswith("# Ticket ") and line.endswith((" created.", " updated."))]
        assert len(done) == len(forms), r.text[:2000]
        return done

    def bulk_tickets(self, queue: str, n: int) -> list[int]:
        """`n` network tickets (with an Antiport thread) in `queue`: made by the first run against this RT
        (500 take about 40 s), found by later ones."""
        if self.http.get(f"/queue/{queue}").status_code == 404:
            self.http.post("/queue", json={"Name": queue}).raise_for_status()
        ids, page = [], 1
        while True:
            found = self.get("/tickets", query=f"Queue = '{queue}'", per_page=100, page=page)
            ids += [int(t["id"]) for t in found["items"]]
            if page >= int(found.get("pages") or 1):
                break
            page += 1
        missing = [f"id: ticket/new\nQueue: {queue}\nSubject: busy helpdesk {i}\nText: -\n"
                   f"CF-{CF_THREAD}: bulk-{queue}-{i}\n" for i in range(len(ids), n)]
        return sorted(ids + (self.edit_many(missing) if missing else []))[:n]

    def change_all(self, tickets: list[int]) -> None:
        """One status change on each ticket, in one call: stalled and new in turn (the bridge's status
        map publishes neither)."""
        status = "new" if self.get(f"/ticket/{tickets[0]}")["Status"] == "stalled" else "stalled"
        self.edit_many([f"id: ticket/{t}\nStatus: {status}\n" for t in tickets])
