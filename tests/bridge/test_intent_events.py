"""A vendor's bridge and intents (specs/12): an intent in a category the vendor serves is an `intent.created` lead
for its CRM, the customer's award of its offer an `offer.awarded` with the contact opened (private connectors
only), a decline an `offer.declined`; awards of other vendors' offers and intents of other categories never."""
from __future__ import annotations

import httpx
import pytest
import trio
from antiport.crypto import Identity
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.config import parse_config
from antiport.node.bridge.events import WITHHELD
from antiport.node.home import now_ms
from antiport.protocol import sign
from antiport.protocol.intents import award_plain, offer_plain, seal_to
from bridge_helpers import SECRET, Receiver
from helpers import trio_wait_for

LAPTOPS, BIKES = "intent/laptops", "intent/bikes"


@pytest.mark.trio
async def test_leads_awards_and_declines_reach_the_crm(world):
    receiver = Receiver().start()
    cfg = parse_config({"vendor": {"org": "Acme", "topics": [LAPTOPS]},
                        "connectors": {"webhook": [{"name": "crm", "url": receiver.url, "secret": SECRET,
                                                    "private": True}]}})
    rival, intent_key, clock = Identity.generate(), Identity.generate(), now_ms()

    def post(who, kind, topic, body, refs=()):
        nonlocal clock
        clock += 1
        msg = sign(who, kind, topic, body, list(refs), created=clock)
        world.ingest(msg.raw, now_ms(), "test")
        return msg.id

    try:
        async with httpx.AsyncClient(timeout=5) as client:
            bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
            bridge.start()  # its manifest lists intent/laptops
            post(rival, "vendor", "", {"org": "Rival", "topics": [LAPTOPS, BIKES]})
            terms = post(intent_key, "terms", LAPTOPS, {"words": ["no-tracking", "purpose-only"]})  # specs/14
            lead = post(intent_key, "intent", LAPTOPS, {"title": "A laptop", "text": "14 inch",
                                                       "expires": clock + 3_600_000, "terms": ["no-tracking"],
                                                       "terms_doc": bytes.fromhex(terms)})
            post(intent_key, "intent", BIKES, {"title": "A bike", "text": "red", "expires": clock + 3_600_000})
            plain = offer_plain(89_900, "EUR", clock + 86_400_000, "X1", ["no-tracking"])
            ours = post(world.vendor, "offer", LAPTOPS, {"sealed": seal_to(intent_key.public_key, plain)}, [lead])
            theirs = post(rival, "offer", LAPTOPS, {"sealed": seal_to(intent_key.public_key, plain)}, [lead])
            award = post(intent_key, "award", LAPTOPS,
                         {"sealed": seal_to(world.vendor.public_key, award_plain("Yes", "alice@example.org"))}, [ours])
            post(intent_key, "decline", LAPTOPS, {}, [theirs])  # the rival's: not this CRM's business
            other_key = Identity.generate()
            second = post(other_key, "intent", LAPTOPS, {"title": "Another", "text": "any", "expires": clock + 60_000})
            ours_too = post(world.vendor, "offer", LAPTOPS, {"sealed": seal_to(other_key.public_key, plain)}, [second])
            declined = post(other_key, "decline", LAPTOPS, {"reason": "Too dear."}, [ours_too])
            async with trio.open_nursery() as nursery:
                nursery.start_soon(bridge.scan_loop)
                nursery.start_soon(bridge.delivery_loop, "webhook:crm")
                bridge.stored.notify()
                await trio_wait_for(lambda: len(receiver.received) == 4)
                nursery.cancel_scope.cancel()
    finally:
        receiver.stop()
    assert [b["type"] for b in receiver.bodies] == ["intent.created", "offer.awarded", "intent.created",
                                                    "offer.declined"]
    created, awarded, _, refused = (b["data"] for b in receiver.bodies)
    assert created["id"] == created["thread"] == lead and created["body"]["terms"] == ["no-tracking"]
    assert created["terms"] == {"id": terms, "words": ["no-tracking", "purpose-only"], "days": None,
                                "plain": ["No tracking of me beyond this deal: no profiles, no ad networks.",
                                          "Use what I reveal only to deliver what I buy."]}  # the lead's terms
    assert refused["id"] == declined and refused["thread"] == second and refused["body"] == {"reason": "Too dear."}
    assert awarded["id"] == award and awarded["thread"] == lead
    assert awarded["award"] == {"text": "Yes", "contact": "alice@example.org"} and "sealed" not in awarded["body"]
    assert bridge.event(award, False)["award"] == {"withheld": WITHHELD}  # a connector that did not opt in
