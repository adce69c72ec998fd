"""Intents over real nodes on 127.0.0.1 (specs/12): the customer's intent reaches a vendor through a relay by sync
alone, the vendor's offer comes back readable only with the intent's key, the award only with the vendor's."""
from __future__ import annotations

import pytest
import trio
from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.node import intents, sync
from antiport.node.home import Home
from antiport.node.service import Ctx, write
from antiport.protocol.intents import award_problem, offer_problem, open_sealed
from nodes import connect, start_node, wait_stored

pytestmark = pytest.mark.slow

LAPTOPS = "intent/laptops"


@pytest.mark.trio
async def test_intent_offer_award_through_a_relay_that_reads_nothing(tmp_path):
    names = ("alice", "relay", "carol")
    home = Home(tmp_path / "alice-home")  # the customer's: it keeps the secret her intent keys derive from
    keys = {"alice": home.init("alice"), "relay": Identity.generate(), "carol": Identity.generate()}
    async with trio.open_nursery() as nursery:
        nodes = {n: await start_node(nursery, tmp_path / n, n, identity=keys[n], services=[sync.service])
                 for n in names}
        ctx = {n: Ctx(nodes[n].store, nodes[n].ingest, keys[n], n, nodes[n], home if n == "alice" else None)
               for n in names}
        manifest = write(ctx["carol"], "vendor", "", {"org": "Acme Laptops", "topics": [LAPTOPS]})["id"]
        for node in nodes.values():
            await node.follow(LAPTOPS)
        await connect(nodes["alice"], nodes["relay"])
        await connect(nodes["relay"], nodes["carol"])
        await wait_stored(nodes["alice"], manifest)

        intent = intents.intent_post(ctx["alice"], "laptops", "A light laptop", "14 inch", terms="no-tracking")
        await wait_stored(nodes["carol"], intent["id"])  # alice -> relay -> carol, by sync
        assert nodes["alice"].store.outbox() == []  # never gossiped: no peer id of alice's is attached to it
        assert [r["id"] for r in intents.intents(ctx["carol"])] == [intent["id"]]

        offer = intents.intent_offer(ctx["carol"], intent["id"], "899", "EUR", "ThinkPad X1", accepts="no-tracking")
        await wait_stored(nodes["alice"], offer["id"])
        seen = intents.intent_offers(ctx["alice"])
        assert [(o["id"], o["price"], o["accepts"]) for o in seen] == [(offer["id"], 89900, ["no-tracking"])]
        sealed = nodes["relay"].store.get(offer["id"]).body["sealed"]
        with pytest.raises(SealError):
            open_sealed(keys["relay"], sealed, offer_problem)

        award = intents.intent_award(ctx["alice"], offer["id"], contact="alice@example.org")
        await wait_stored(nodes["carol"], award["id"])
        sealed = nodes["carol"].store.get(award["id"]).body["sealed"]
        assert open_sealed(keys["carol"], sealed, award_problem)["contact"] == "alice@example.org"
        with pytest.raises(SealError):
            open_sealed(keys["relay"], nodes["relay"].store.get(award["id"]).body["sealed"], award_problem)
        nursery.cancel_scope.cancel()
