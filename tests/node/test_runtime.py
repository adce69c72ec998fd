"""The Node's surface: host key, addresses, submit, follow/unfollow, feed, peers and counters, bootstrap."""
from __future__ import annotations

import os
import stat
import time

import pytest
import trio
from antiport.crypto import Identity
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import Rejected, sign, topic_name
from helpers import trio_wait_for
from nodes import TIMEOUT, connect, start_node, wait_stored, wait_subscribed

W = "acme/widget"
ASKER = Identity(bytes([31]) * 32)


def now() -> int:
    return int(time.time() * 1000)


def test_host_key_is_private_and_keeps_the_peer_id(tmp_path):
    first = Node(Store(tmp_path / "s.db"), tmp_path / "host.key")
    again = Node(Store(tmp_path / "s.db"), tmp_path / "host.key")
    assert first.peer_id == again.peer_id
    assert stat.S_IMODE(os.stat(tmp_path / "host.key").st_mode) == 0o600
    assert first.listen_addrs() == []  # not listening yet


@pytest.mark.trio
async def test_submit_follow_feed_and_counters(tmp_path):
    async with trio.open_nursery() as nursery:
        a = await start_node(nursery, tmp_path / "a", "a")
        addr = a.listen_addrs()[0]
        assert addr.startswith("/ip4/127.0.0.1/tcp/") and addr.endswith(f"/p2p/{a.peer_id}")
        with pytest.raises(Rejected, match="bad-signature"):
            raw = sign(ASKER, "request", W, {"title": "t", "text": "x"}, created=now()).raw
            await a.submit(raw[:-3] + bytes(3))
        await a.follow(W)
        assert a.store.followed() == [W] and topic_name(W) in a.net.pubsub.topic_ids
        with a.message_feed() as feed:
            msg = await a.submit(sign(ASKER, "request", W, {"title": "t", "text": "x"}, created=now()).raw)
            with trio.fail_after(TIMEOUT):
                assert (await feed.receive()) == msg
        assert a.store.outbox() == [msg]  # no peer: waiting to be published
        await a.unfollow(W)
        assert a.store.followed() == [] and topic_name(W) not in a.net.pubsub.topic_ids
        a.store.follow("acme/gadget", now())  # as the API and the CLI do: the store, then a wake-up
        a.wake_outbox()
        await trio_wait_for(lambda: topic_name("acme/gadget") in a.net.pubsub.topic_ids)
        a.store.unfollow("acme/gadget")
        a.wake_outbox()
        await trio_wait_for(lambda: topic_name("acme/gadget") not in a.net.pubsub.topic_ids)
        assert a.counters() == {"peers": 0, "stored": 1, "accepted": 0, "rejected": 0, "missing_ref": 0,
                                "rejected_by_reason": {}, "outbox": 1, "parked": 0, "graylisted": 0}
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_bootstrap_peers(tmp_path):
    async with trio.open_nursery() as nursery:
        b = await start_node(nursery, tmp_path / "b", "b")
        await b.follow(W)
        a = Node(Store(tmp_path / "a.db"), tmp_path / "a.key", bootstrap=b.listen_addrs())
        await a.follow(W)
        await nursery.start(a.run)
        await wait_subscribed(b, a, W)
        (peer,) = b.peers()
        assert peer["peer_id"] == a.peer_id and peer["addrs"] and topic_name(W) in peer["topics"]
        assert peer["accepted"] == 0 and peer["rejected"] == {}
        await trio_wait_for(lambda: [p for p, _ in a.store.known_peers()] == [b.peer_id])  # remembered for next time
        assert b.listen_addrs()[0] in a.store.known_peers()[0][1]
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_full_disk_does_not_stop_the_node(tmp_path):
    async with trio.open_nursery() as nursery:
        a = await start_node(nursery, tmp_path / "a", "a")
        b = await start_node(nursery, tmp_path / "b", "b")
        for node in (a, b):
            await node.follow(W)
        pages = a.store.db.execute("PRAGMA page_count").fetchone()[0]
        a.store.db.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"
        await connect(b, a)
        await wait_subscribed(b, a, W)
        big = {"title": "big", "text": "x" * 19_000}
        lost = await b.submit(sign(ASKER, "request", W, big, created=now()).raw)
        await trio_wait_for(lambda: a.ingest.rejected[(b.peer_id, "error")] >= 1, "a's store refused b's message")
        assert not a.store.has(lost.id)
        a.store.db.execute("PRAGMA max_page_count=1073741823")  # space returns
        later = await b.submit(sign(ASKER, "request", W, {"title": "later", "text": "x"}, created=now()).raw)
        await wait_stored(a, later.id)  # a kept running
        nursery.cancel_scope.cancel()
