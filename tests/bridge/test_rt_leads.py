"""Intents as leads in a real Request Tracker (specs/12, docs/bridge.md): an intent in a category the vendor serves
becomes a ticket in its leads queue, a staff reply with a price becomes the vendor's offer sealed to the intent's
key, and the customer's award (with her contact) or decline comes back to the ticket."""
from __future__ import annotations

import secrets

import httpx
import pytest
from antiport.crypto import Identity
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.config import parse_config
from antiport.node.home import now_ms
from antiport.protocol import sign
from antiport.protocol.intents import award_plain, offer_problem, open_sealed, seal_to
from bridge_helpers import Staff, rt_url

pytestmark = [pytest.mark.rt, pytest.mark.trio]

LAPTOPS = "intent/laptops"


async def test_an_intent_is_a_lead_and_a_staff_reply_an_offer_only_she_reads(world):
    staff, queue = Staff(rt_url()), f"antiport-leads-{secrets.token_hex(4)}"
    cfg = parse_config({"vendor": {"org": "Acme", "topics": [LAPTOPS]},
                        "connectors": {"rt": {"url": rt_url(), "user": "root", "password": "password",
                                              "queues": {LAPTOPS: queue}, "private": True}}})
    keys, clock = [Identity.generate(), Identity.generate()], now_ms()

    def post(who, kind, body, refs=()):
        nonlocal clock
        clock += 1
        msg = sign(who, kind, LAPTOPS, body, list(refs), created=clock)
        world.ingest(msg.raw, now_ms(), "test")
        return msg.id

    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        terms = post(keys[0], "terms", {"words": ["no-sharing", "delete-after-days"], "days": 7})  # specs/14
        leads = [post(key, "intent", {"title": f"Laptop {i}", "text": "14 inch, Linux", "budget": 90_000,
                                      "currency": "EUR", "expires": clock + 3_600_000, "terms": ["no-tracking"],
                                      **({"terms_doc": bytes.fromhex(terms)} if i == 0 else {})})
                 for i, key in enumerate(keys)]
        assert bridge.scan() == 2 and await bridge.deliver_due("rt") == (2, 0)
        tickets = [int(staff.tickets_for(lead)[0]["id"]) for lead in leads]
        t = staff.get(f"/ticket/{tickets[0]}")
        assert t["Subject"] == "Laptop 0" and staff.get(f"/queue/{t['Queue']['id']}")["Name"] == queue
        [created] = staff.texts(tickets[0], "Create")
        assert "Budget: up to 900.00 EUR" in created and "Her terms: no-tracking" in created
        assert (f"The customer's terms (signed, {terms}):\n- Give my data to nobody else.\n- Delete what I revealed"
                " at most 7 days after I revealed it." in created)  # her terms document, in plain words
        assert "customer's terms" not in staff.texts(tickets[1], "Create")[0]

        staff.correspond(tickets[0], "Thanks, we will look.")  # no price: not an offer
        for ticket in tickets:
            staff.correspond(ticket, "Price: 899.90 EUR\nValid: 7d\nAccepts: no-tracking\n\nThinkPad X1, in 3 days.")
        assert await bridge.poll_rt() == 2
        assert bridge.dropped()["rt"] == {"not-an-offer": 1}
        offers = [world.store.replies_to([lead], ("offer",)) for lead in leads]
        assert [len(o) for o in offers] == [1, 1] and offers[0][0].author == world.vendor.public_key
        plain = open_sealed(keys[0], offers[0][0].body["sealed"], offer_problem)
        assert (plain["price"], plain["currency"], plain["accepts"]) == (89_990, "EUR", ["no-tracking"])
        assert plain["text"] == "ThinkPad X1, in 3 days."

        post(keys[0], "award", {"sealed": seal_to(world.vendor.public_key, award_plain("Yes!", "alice@example.org"))},
             [offers[0][0].id])
        post(keys[1], "decline", {"reason": "Too dear."}, [offers[1][0].id])
        assert bridge.scan() == 2  # the award and the decline (the vendor's own offers are not echoed)
        assert await bridge.deliver_due("rt") == (2, 0)
        [award] = [c for c in staff.texts(tickets[0], "Comment") if "accepted your offer" in c]
        assert "Contact: alice@example.org" in award
        assert staff.get(f"/ticket/{tickets[1]}")["Status"] == "rejected"

        staff.comment(tickets[0], "Terms: refuse We keep invoices ten years.")  # her terms, answered from RT
        staff.comment(tickets[1], "Terms: accept")  # its intent names no terms document: nothing to answer
        assert await bridge.poll_rt() == 1
        [consent] = world.store.replies_to([terms], ("consent",))
        assert (consent.author, consent.topic) == (world.vendor.public_key, LAPTOPS)
        assert consent.body == {"value": "refuse", "reason": "We keep invoices ten years."}
        assert world.store.consents_in([LAPTOPS]) == [consent]
