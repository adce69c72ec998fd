"""Helpers of the bridge tests: a vendor and a customer on a real store, a real webhook receiver, and the
real Request Tracker server (ANTIPORT_RT_URL, or the one tests/rt/setup-rt.sh starts)."""
from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import standardwebhooks
from antiport.crypto import Identity, seal
from antiport.node.bridge.config import parse_config
from antiport.node.bridge.rt import CF_THREAD
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
    """A CRM's webhook endpoint: a real HTTP server that checks every delivery with the Standard Webhooks
    library (its own verifier, not the bridge's) against each of its secrets, and counts the requests in
    flight. `failing` makes it answer 500 (a CRM that is down but reachable)."""

    def __init__(self, *secrets: str):
        self.secrets, self.port = list(secrets or [SECRET]), free_port()
        self.received: list[dict] = []   # the verified deliveries' data (the event and its seq), in arrival order
        self.bodies: list[dict] = []     # the verified bodies: {type, timestamp, data}
        self.refused: list[str] = []     # why requests failed verification
        self.attempts: list[str] = []    # webhook-id of every request, answered or not
        self.failing, self.in_flight, self.most_in_flight = False, 0, 0
        self.lock = threading.Lock()  # the server answers each request on its own thread
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def verify(self, headers, body: bytes) -> dict:
        """The body, if any secret verifies it; the library refuses a stale timestamp too."""
        errors = []
        for secret in self.secrets:
            try:
                return standardwebhooks.Webhook(secret).verify(body, dict(headers))
            except standardwebhooks.WebhookVerificationError as e:
                errors.append(str(e))
        raise standardwebhooks.WebhookVerificationError("; ".join(errors))

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                with receiver.lock:
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                    receiver.attempts.append(self.headers.get("webhook-id", ""))
                self.handle_delivery()

            def handle_delivery(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                time.sleep(0.01)  # a CRM takes a moment: overlapping requests would be seen
                if receiver.failing:
                    self._answer(500, {"error": "down for maintenance"})
                    return
                try:
                    payload = receiver.verify(self.headers, body)
                except standardwebhooks.WebhookVerificationError as e:
                    receiver.refused.append(str(e))
                    self._answer(400, {"error": str(e)})
                    return
                if set(payload) != {"type", "timestamp", "data"} or payload["data"]["id"] != self.headers["webhook-id"]:
                    self._answer(400, {"error": "not a Standard Webhooks body for this webhook-id"})
                    return
                receiver.bodies.append(payload)
                receiver.received.append(payload["data"])
                self._answer(200, {"ok": True})

            def _answer(self, status, obj):
                with receiver.lock:  # done before the reply leaves: the bridge's next request may come at once
                    receiver.in_flight -= 1
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

    def comment(self, ticket: int, text: str) -> None:
        self.http.post(f"/ticket/{ticket}/comment", json={"Content": text, "ContentType": "text/plain"}) \
            .raise_for_status()

    def correspond(self, ticket: int, text: str) -> None:
        self.http.post(f"/ticket/{ticket}/correspond", json={"Content": text, "ContentType": "text/plain"}) \
            .raise_for_status()

    def set_status(self, ticket: int, status: str) -> None:
        self.http.put(f"/ticket/{ticket}", json={"Status": status}).raise_for_status()

    def bulk_tickets(self, queue: str, n: int) -> list[int]:
        """`n` network tickets (with an Antiport thread) in `queue`: made by the first run against this RT, in
        one REST 2.0 bulk call (RT makes about one a second on a busy two-core machine), found by later runs."""
        if self.http.get(f"/queue/{queue}").status_code == 404:
            self.http.post("/queue", json={"Name": queue}).raise_for_status()
        ids, page = [], 1
        while True:
            found = self.get("/tickets", query=f"Queue = '{queue}'", per_page=100, page=page)
            ids += [int(t["id"]) for t in found["items"]]
            if page >= int(found.get("pages") or 1):
                break
            page += 1
        missing = [{"Queue": queue, "Subject": f"busy helpdesk {i}", "Content": "-",
                    "CustomFields": {CF_THREAD: f"bulk-{queue}-{i}"}} for i in range(len(ids), n)]
        if missing:
            made = self.http.post("/tickets/bulk", json=missing, timeout=1800)
            made.raise_for_status()
            ids += [int(t["id"]) for t in made.json()]
        return sorted(ids)[:n]

    def change_all(self, tickets: list[int]) -> None:
        """One status change on each ticket, in one REST 2.0 bulk call (RT does them one after another
        whichever way they come; parallel calls were slower): stalled and new in turn (the bridge's status
        map publishes neither)."""
        status = "new" if self.get(f"/ticket/{tickets[0]}")["Status"] == "stalled" else "stalled"
        target = dict.fromkeys(tickets, status)
        todo, said = list(tickets), []
        for attempt in range(8):  # RT on SQLite turns a write down while another test (or suite) writes
            done = self.http.put("/tickets/bulk", json=[{"id": t, "Status": target[t]} for t in todo], timeout=1800)
            done.raise_for_status()
            said = [r for r in done.json() if "Status changed" not in str(r)]
            todo = [r[0] for r in said]
            if not todo:
                return
            for t in todo:  # already so (a run stopped halfway left it): the other way is a change too
                if self.get(f"/ticket/{t}")["Status"] == target[t]:
                    target[t] = "new" if target[t] == "stalled" else "stalled"
            time.sleep(0.5 * (attempt + 1))  # back off: the other writer's transaction must end first
        raise AssertionError(f"RT did not change {len(todo)} tickets: {said[:5]}")


class Gate:
    """A TCP forwarder on 127.0.0.1 to a server (RT): while `down`, every connection is closed at once (the
    server is unreachable) and counted in `refused`; while up, bytes flow both ways."""

    def __init__(self, target: str):
        host, port = target.removeprefix("http://").split("/")[0].split(":")
        self.target, self.down, self.refused = (host, int(port)), True, 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            if self.down:
                self.refused += 1
                conn.close()
                continue
            threading.Thread(target=self._forward, args=(conn,), daemon=True).start()

    def _forward(self, conn: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        for ends in ((conn, upstream), (upstream, conn)):
            threading.Thread(target=_pipe, args=ends, daemon=True).start()

    def close(self) -> None:
        self.server.close()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
