"""A bridge answering contact cards (specs/11) with a real webhook receiver: the newest card wins whatever order
they arrive in, a card that does not open is refused by receipt without reaching the CRM, and every contact is
answered once, also by a bridge started again on the same store."""
from __future__ import annotations

import httpx
import pytest
import trio
from antiport.crypto import Identity
from antiport.crypto.seal import seal
from antiport.node.bridge.bridge import Bridge
from antiport.node.home import now_ms
from antiport.protocol import codec, sign
from antiport.protocol.contact import open_receipt, seal_card
from bridge_helpers import SECRET, config
from helpers import trio_wait_for

pytestmark = [pytest.mark.fast, pytest.mark.trio]


def contact(world, sealed: bytes, created: int, who: Identity | None = None) -> str:
    msg = sign(who or world.customer, "contact", "", {"to": world.vendor.public_key, "sealed": sealed}, created=created)
    world.ingest(msg.raw, now_ms(), "test")
    return msg.id


def receipt(world, contact_id: str, who: Identity | None = None) -> tuple[str, str]:
    [answer] = world.store.receipts_of(contact_id)
    assert answer.author == world.vendor.public_key and answer.body["to"] == (who or world.customer).public_key
    return open_receipt(who or world.customer, answer.body["sealed"])


async def test_the_newest_card_wins_and_a_bad_one_is_refused_by_receipt(world, receiver):
    cfg = config(webhook=[{"name": "crm", "url": receiver.url, "secret": SECRET}])
    now, key = now_ms(), world.vendor.public_key
    newer = contact(world, seal_card(key, {"email": "new@example.org"}), now)
    older = contact(world, seal_card(key, {"email": "old@example.org"}), now - 60_000)  # came late
    other = Identity.generate()  # another customer, whose card does not open to a valid one
    bad = contact(world, seal(key, codec.encode({"op": "update", "card": {"email": "no at sign"}})), now, other)
    elsewhere = sign(world.customer, "contact", "", {"to": Identity.generate().public_key,
                                                     "sealed": seal_card(key, {"name": "Ada"})}, created=now)
    world.ingest(elsewhere.raw, now_ms(), "test")  # to another vendor: not this bridge's business
    async with httpx.AsyncClient(timeout=5) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(bridge.delivery_loop, "webhook:crm")
            bridge.new_events.notify()
            await trio_wait_for(lambda: all(world.store.receipts_of(i) for i in (newer, older, bad)))
            nursery.cancel_scope.cancel()
        assert [(b["type"], b["data"]["contact"]) for b in receiver.bodies] == [
            ("contact.updated", {"op": "update", "card": {"email": "new@example.org"}})]
        assert receipt(world, newer) == receipt(world, older) == ("applied", "")
        assert receipt(world, bad, other) == ("refused", "email is an address such as ada@example.org")
        assert not world.store.receipts_of(elsewhere.id)

        again = Bridge(world.store, world.ingest, world.vendor, cfg, client)  # started again: nothing twice
        again.start()
        assert again.receipts() == 0 and await again.deliver_due("webhook:crm") == (0, 0)
    assert all(len(world.store.receipts_of(i)) == 1 for i in (newer, older, bad))
