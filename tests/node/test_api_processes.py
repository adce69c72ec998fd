"""The local API of a real `antiport run` process: a 20 MB import (and 20 MB of junk) while /v1/id is polled,
the CLI's import and export with the node up and down, and a node that cannot listen.
`bench/api.py` measures /v1/id's latency in the same scenario."""
from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity
from antiport.node.client import api_of
from antiport.node.home import Home, now_ms
from antiport.protocol import sign
from helpers import wait_for
from test_homes import antiport, one_line_error

pytestmark = pytest.mark.slow

W = "acme/widget"


def big_export(path: Path, size: int) -> int:
    """Write a valid export of requests (about 2 KB each, one author) of at least `size` bytes; returns their
    number."""
    author, n, written, start = Identity.generate(), 0, 0, now_ms() - 3_600_000
    words = [f"word{i}" for i in range(500)]
    with open(path, "wb") as out:
        while written < size:
            text = " ".join(random.Random(n).choices(words, k=300))
            raw = sign(author, "request", W, {"title": f"Question {n}", "text": text}, created=start + n).raw
            out.write(raw)
            written, n = written + len(raw), n + 1
    return n


def junk(path: Path, size: int) -> None:
    """Bytes that are no CBOR sequence (the same ones each run)."""
    path.write_bytes(random.Random(13).randbytes(size))


@dataclass
class Poll:
    status: int
    sent: float
    done: float


@dataclass
class Poller:
    """GET /v1/id over and over on a thread of its own, each poll's status and times kept."""
    home: Path
    polls: list[Poll] = field(default_factory=list)

    def __enter__(self) -> Poller:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()
        return self

    def _run(self) -> None:
        api = api_of(Home(self.home))
        with httpx.Client(base_url=api["url"], headers={"authorization": f"Bearer {api['token']}"},
                          timeout=120) as http:
            while not self._stop.is_set():
                sent = time.monotonic()
                try:
                    status = http.get("/v1/id").status_code
                except httpx.HTTPError:
                    status = 0
                self.polls.append(Poll(status, sent, time.monotonic()))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Upload:
    response: httpx.Response
    uploaded: float  # when the last byte of the body was handed to the connection
    answered: float


def post_import(home: Path, path: Path, content_type: str = "application/cbor-seq") -> Upload:
    api = api_of(Home(home))
    uploaded = 0.0

    def body():
        nonlocal uploaded
        with open(path, "rb") as fp:
            while chunk := fp.read(1 << 16):
                yield chunk
        uploaded = time.monotonic()
    with httpx.Client(base_url=api["url"], headers={"authorization": f"Bearer {api['token']}"}, timeout=300) as http:
        r = http.post("/v1/import", content=body(), headers={"content-type": content_type})
    return Upload(r, uploaded, time.monotonic())


@pytest.fixture
def home(tmp_path) -> Path:
    assert antiport(tmp_path / "h", "init", "--no-passphrase").returncode == 0
    return tmp_path / "h"


def test_a_20_mb_import_is_streamed_while_the_node_answers(home, tmp_path):
    export, garbage = tmp_path / "big.apx", tmp_path / "junk.apx"
    n = big_export(export, 20 << 20)
    junk(garbage, 20 << 20)
    with NodeProcess(home) as node:
        node.wait_ready()
        with Poller(home) as junk_poller:
            refused = post_import(home, garbage)
        assert refused.response.status_code == 400
        assert refused.response.json()["error"].startswith("the file is not a CBOR sequence of envelopes")
        with Poller(home) as poller:
            imported = post_import(home, export)
        assert imported.response.json() == {"accepted": n, "duplicates": 0, "rejected": {}}
        for polls in (junk_poller.polls, poller.polls):
            assert polls and all(p.status == 200 for p in polls)
        # the API answered while the import was being stored, not only before or after it
        assert len([p for p in poller.polls if imported.uploaded < p.sent and p.done < imported.answered]) >= 2
        client = node.client()
        client.call("follow", topic=W)
        assert client.call("topics") == [{"topic": W, "messages": n, "threads": n, "unanswered": n}]
        client.close()
        assert "Traceback" not in node.log()


def test_the_cli_imports_and_exports_with_the_node_up_and_down(home, tmp_path):
    small, garbage, back, own = (tmp_path / f for f in ("small.apx", "junk.apx", "back.apx", "own.apx"))
    n = big_export(small, 2 << 20)
    junk(garbage, 1000)
    config = Home(home).config()
    Home(home).write_config({**config, "import_limit_mb": 1})
    one_line_error(antiport(home, "import", str(garbage)), "not a CBOR sequence of envelopes")
    with NodeProcess(home) as node:
        node.wait_ready()
        one_line_error(antiport(home, "import", str(small)), "larger than 1,048,576 bytes", "import_limit_mb")
        one_line_error(antiport(home, "import", str(garbage)), "not a CBOR sequence of envelopes")
        Home(home).write_config(config)  # read when the node starts
    assert antiport(home, "export", "--out", str(own)).returncode == 0
    assert len(own.read_bytes()) > 0  # the home's inception (specs/10), made when its node first ran
    with NodeProcess(home) as node:
        node.wait_ready()
        r = antiport(home, "import", str(small))
        assert (r.returncode, r.stdout) == (0, f"{n} new, 0 already held, rejected: none\n"), r
        assert antiport(home, "export", "--out", str(back)).returncode == 0
    everything = small.read_bytes() + own.read_bytes()  # creation order: the requests are an hour older
    assert back.read_bytes() == everything
    r = antiport(home, "import", str(back))  # the inception again too: held already, not a second inception
    assert (r.returncode, r.stdout) == (0, f"0 new, {n + 1} already held, rejected: none\n"), r
    assert antiport(home, "export", "--out", str(back)).returncode == 0
    assert back.read_bytes() == everything


def test_a_5xx_is_in_the_node_log_with_its_traceback(home, tmp_path):
    out = tmp_path / "out.apx"  # an export is binary: the CLI helper reads its output as text
    with NodeProcess(home) as node:
        node.wait_ready()
        db = Home(home).db_file
        db.rename(db.with_name("aside.db"))  # the node's open connections go on; a new one finds no store
        try:
            one_line_error(antiport(home, "export", "--out", str(out)), "unable to open database file")
        finally:
            db.with_name("aside.db").rename(db)
        wait_for(lambda: "antiport.api ERROR: GET /v1/export -> 503" in node.log(), "the 503 logged")
        assert "Traceback (most recent call last)" in node.log() and "StoreError: " in node.log()
        assert antiport(home, "export", "--out", str(out)).returncode == 0
        assert out.read_bytes()  # at least the home's inception


@pytest.mark.parametrize("where", ["libp2p", "api"])
def test_a_node_that_cannot_listen_exits_and_says_why(home, where):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    with taken:
        if where == "libp2p":
            r = antiport(home, "run", "--no-discovery", "--listen", f"/ip4/127.0.0.1/tcp/{port}")
            addr = f"/ip4/127.0.0.1/tcp/{port}"
        else:
            r = antiport(home, "run", "--no-discovery", "--api-port", str(port))
            addr = f"127.0.0.1:{port}"
    assert (r.returncode, r.stderr) == (1, f"antiport: cannot listen on {addr}: Address already in use\n"), r
