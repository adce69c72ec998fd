"""API reads run on worker threads with their own read-only connections: while a slow read is in
progress, the node still ingests what its peers publish and answers other calls."""
from __future__ import annotations

import threading
import time

import httpx
import pytest
import trio
from antiport.crypto import Identity
from antiport.node.home import Home
from antiport.node.ops import OPS, Op
from antiport.node.runtime import Node, api_service
from antiport.node.store import Store
from antiport.protocol import sign
from helpers import trio_wait_for
from nodes import connect, start_node, wait_stored, wait_subscribed

W = "acme/widget"
ASKER = Identity(bytes([41]) * 32)


@pytest.mark.trio
async def test_a_slow_read_does_not_stop_the_node(tmp_path, monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow(ctx) -> dict:
        """A read that takes as long as the test wants (a stand-in for reputation on a big store)."""
        started.set()
        release.wait(120)
        return {"stored": ctx.store.count()}

    monkeypatch.setitem(OPS, "slow", Op("slow", slow))
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
                answers.append((await http.get("/v1/slow")).json())

            nursery.start_soon(read)
            await trio.to_thread.run_sync(started.wait)  # the read is in progress
            msg = await b.submit(sign(ASKER, "request", W, {"title": "t", "text": "x"},
                                      created=int(time.time() * 1000)).raw)
            await wait_stored(a, msg.id)  # gossip went on: a's loop validated and stored it
            r = await http.get("/v1/topics")  # and other calls are answered
            assert r.json() == [{"topic": W, "messages": 1, "threads": 1, "unanswered": 1}]
            assert answers == []  # the slow read is still running
            release.set()
            await trio_wait_for(lambda: answers, "the slow read answered")
        assert answers == [{"stored": 1}]
        nursery.cancel_scope.cancel()
