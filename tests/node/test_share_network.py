"""Passing a thread on over real nodes on 127.0.0.1 (specs/13): a share reaches its person through a relay, which
stores and forwards it and can read nothing of it; her node opens it into her inbox."""
from __future__ import annotations

import pytest
import trio
from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.node import inbox, share, sync
from antiport.node.home import now_ms
from antiport.node.service import OPS, Ctx
from antiport.protocol.share import open_share
from helpers import trio_wait_for
from nodes import connect, start_node, wait_stored

pytestmark = pytest.mark.slow


@pytest.mark.trio
async def test_a_share_crosses_a_relay_that_reads_nothing_and_lands_in_the_inbox(tmp_path):
    names = ("alice", "relay", "bob")
    keys = {n: Identity.generate() for n in names}
    async with trio.open_nursery() as nursery:
        # relay=False: a node relaying product topics joins acme/widget once it sees alice in it and then holds the
        # thread by gossip or sync, sooner or later; here the relay carries the meta topic only, so holding the
        # thread could only come from the share
        nodes = {n: await start_node(nursery, tmp_path / n, n, identity=keys[n], relay=False,
                                     services=[sync.service, share.service]) for n in names}
        ctx = {n: Ctx(nodes[n].store, nodes[n].ingest, keys[n], n, nodes[n]) for n in names}
        await connect(nodes["alice"], nodes["relay"])
        await connect(nodes["relay"], nodes["bob"])
        await nodes["alice"].follow("acme/widget")
        thread = OPS["ask"](ctx["alice"], {"topic": "acme/widget", "title": "The hinge squeaks", "text": "Monday"})
        note = "Bob, you fixed one of these?"
        sent = OPS["share"](ctx["alice"], {"id": thread["id"], "to": [keys["bob"].did], "note": note})["sent"][0]

        await wait_stored(nodes["bob"], sent["id"])
        await trio_wait_for(lambda: inbox.items(nodes["bob"].store, keys["bob"].did, now_ms()), "the share opened")
        [item] = inbox.items(nodes["bob"].store, keys["bob"].did, now_ms())
        assert (item["kind"], item["thread"], item["title"], item["text"]) == (
            "share", thread["id"], "The hinge squeaks", note)
        assert item["held"] is False  # bob follows no topic: the share does not make his node fetch the thread

        held = nodes["relay"].store.get(sent["id"])  # the relay stored it and passed it on...
        assert held is not None and not nodes["relay"].store.has(thread["id"])
        with pytest.raises(SealError):  # ...and cannot open it, nor find the thread, title or note in it
            open_share(keys["relay"], held.body["sealed"])
        assert not any(part in held.raw for part in (bytes.fromhex(thread["id"]), b"The hinge", note.encode()))
        assert inbox.items(nodes["relay"].store, keys["relay"].did, now_ms()) == []
        nursery.cancel_scope.cancel()
