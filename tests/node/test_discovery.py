"""Finding peers without a bootstrap list: peers remembered from the last run, mDNS, DHT provider records."""
from __future__ import annotations

import pytest
import trio
from antiport.node.runtime import Node
from antiport.node.store import Store
from helpers import trio_wait_for
from nodes import connect, start_node

W = "acme/widget"


@pytest.mark.trio
async def test_a_restarted_node_redials_the_peers_it_knew(tmp_path):
    async with trio.open_nursery() as nursery:
        b = await start_node(nursery, tmp_path / "b", "b")
        store = Store(tmp_path / "a.db")
        a = Node(store, tmp_path / "a.key")
        first_run = trio.CancelScope()

        async def run_first(task_status=trio.TASK_STATUS_IGNORED):
            with first_run:
                await a.run(task_status=task_status)
        await nursery.start(run_first)
        await connect(a, b)
        await trio_wait_for(lambda: [p for p, _ in store.known_peers()] == [b.peer_id])
        first_run.cancel()
        await trio_wait_for(lambda: b.peers() == [])
        again = Node(store, tmp_path / "a.key")  # no bootstrap: only what the store remembers
        await nursery.start(again.run)
        await trio_wait_for(lambda: [p["peer_id"] for p in b.peers()] == [again.peer_id])
        assert again.peer_id == a.peer_id
        nursery.cancel_scope.cancel()


@pytest.mark.slow  # zeroconf takes seconds to start and to answer
@pytest.mark.trio
async def test_mdns_finds_peers_on_the_local_network(tmp_path):
    async with trio.open_nursery() as nursery:
        a, b = [await start_node(nursery, tmp_path / n, n, mdns=True) for n in "ab"]
        await trio_wait_for(lambda: b.peer_id in [p["peer_id"] for p in a.peers()])
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_dht_provider_records_connect_peers_of_a_topic(tmp_path):
    """A and C only know B; both follow W, so through B's DHT they find and connect to each other."""
    async with trio.open_nursery() as nursery:
        a, b, c = [await start_node(nursery, tmp_path / n, n, dht=True, relay=False) for n in "abc"]
        await connect(a, b)
        await connect(c, b)
        for node in (a, c):
            await node.follow(W)
        await trio_wait_for(lambda: c.peer_id in [p["peer_id"] for p in a.peers()])
        nursery.cancel_scope.cancel()
