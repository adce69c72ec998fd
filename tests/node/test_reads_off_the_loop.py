"""API reads run in worker processes with their own read-only connections: while a slow read is in
progress, the node still ingests what its peers publish and answers other calls; a reader that dies
is one clear error, and the next read works."""
from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
import trio
from antiport.crypto import Identity
from antiport.node.home import Home
from antiport.node.ops import OPS, Op
from antiport.node.runtime import Node, api_service
from antiport.node.store import Store
from antiport.protocol import sign
from helpers import trio_wait_for, wait_for
from nodes import connect, start_node, wait_stored, wait_subscribed

W = "acme/widget"
ASKER = Identity(bytes([41]) * 32)


def slow(ctx, gate: str) -> dict:
    """A read that takes as long as the test wants (a stand-in for reputation on a big store): it says
    it started, then waits for its gate file (it runs in a reader process: no event crosses over)."""
    Path(gate + ".started").touch()
    wait_for(lambda: Path(gate).exists(), "the gate", timeout=120)
    return {"stored": ctx.store.count(), "pid": os.getpid()}


def dies(ctx) -> dict:
    """A reader process that ends in the middle of a read (killed, out of memory)."""
    os._exit(1)


@pytest.mark.trio
async def test_a_slow_read_does_not_stop_the_node(tmp_path, monkeypatch):
    monkeypatch.setitem(OPS, "slow", Op("slow", slow))
    gate = tmp_path / "gate"
    home = Home(tmp_path / "a")
    home.init("a")
    async with trio.open_nursery() as nursery:
        a = Node(Store(home.db_file), home.host_key_file, identity=home.identity(), services=[api_service(home)])
        await nursery.start(a.run)
        b = await start_node(nursery, tmp_path / "b", "b")
        for node in (a, b):
            await node.follow(W)
        await connect(b, a)
        await wait_subscribed(b, a, W)
        api = home.read_api()
        async with httpx.AsyncClient(base_url=api["url"], headers={"authorization": f"Bearer {api['token']}"},
                                     timeout=120) as http:
            answers = []

            async def read() -> None:
                answers.append((await http.get("/v1/slow", params={"gate": str(gate)})).json())

            nursery.start_soon(read)
            await trio_wait_for(lambda: Path(f"{gate}.started").exists(), "the slow read started")
            msg = await b.submit(sign(ASKER, "request", W, {"title": "t", "text": "x"},
                                      created=int(time.time() * 1000)).raw)
            await wait_stored(a, msg.id)  # gossip went on: a's loop validated and stored it
            r = await http.get("/v1/topics")  # and other reads are answered (by another reader)
            assert r.json() == [{"topic": W, "messages": 1, "threads": 1, "unanswered": 1}]
            assert (await http.get("/v1/id")).json()["did"] == home.identity().did
            assert answers == []  # the slow read is still running
            gate.touch()
            await trio_wait_for(lambda: answers, "the slow read answered")
        [answer] = answers
        assert answer["stored"] == 1 and answer["pid"] != os.getpid()  # read beside the writer, in another process
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_reader_that_dies_is_one_error_and_the_next_read_works(tmp_path, monkeypatch):
    monkeypatch.setitem(OPS, "dies", Op("dies", dies))
    home = Home(tmp_path / "a")
    home.init("a")
    async with trio.open_nursery() as nursery:
        a = Node(Store(home.db_file), home.host_key_file, identity=home.identity(), services=[api_service(home)])
        await nursery.start(a.run)
        api = home.read_api()
        async with httpx.AsyncClient(base_url=api["url"], headers={"authorization": f"Bearer {api['token']}"},
                                     timeout=60) as http:
            r = await http.get("/v1/dies")
            assert r.status_code == 503 and r.json() == {"error": "a reader process of the node stopped: try again"}
            assert (await http.get("/v1/topics")).json() == []
        nursery.cancel_scope.cancel()
