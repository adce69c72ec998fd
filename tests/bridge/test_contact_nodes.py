"""Contact cards end to end (specs/11, issue 15 item 1): real libp2p nodes on 127.0.0.1 in one trio process, a
relay, a customer and two vendors' bridges: Acme through a real Request Tracker, Globex through a webhook CRM
that is down for a while. One change of the customer's card reaches both; the RT user record shows the new
email; both receipts come back; the webhook CRM gets the update once when it is back, and the status says
pending meanwhile; the relay carries the card and the receipts without being able to read them."""
from __future__ import annotations

import secrets
from functools import partial

import pytest
import trio
from antiport.crypto import Identity, SealError
from antiport.node.bridge.bridge import bridge_service
from antiport.node.bridge.config import parse_config
from antiport.node.service import Ctx, ask, contact_forget, contact_set, contact_status, trust_vendor
from antiport.protocol.contact import open_card, open_receipt
from bridge_helpers import SECRET, Receiver, Staff, rt_url, start
from helpers import trio_wait_for

pytestmark = [pytest.mark.rt, pytest.mark.trio]
eventually = partial(trio_wait_for, timeout=90, thread=True)  # checks call RT: in a thread
ACME, GLOBEX = "acme/widget", "globex/phone"


def rt_user(staff: Staff, did: str) -> dict:
    """The RT user named by a customer's did, empty until the bridge makes it."""
    r = staff.http.get(f"/user/{did}")
    return r.json() if r.status_code == 200 else {}


def states(ctx: Ctx) -> dict[str, str]:
    return {row["vendor"]: row["state"] for row in contact_status(ctx)["vendors"]}


async def test_one_change_reaches_both_crms_and_both_receipts_come_back(tmp_path):
    url, queue = rt_url(), f"antiport-contact-{secrets.token_hex(4)}"
    staff, crm = Staff(url), Receiver().start()
    acme_id, globex_id, customer_id, relay_id = (Identity.generate() for _ in range(4))
    fast = {"retry_base_seconds": 0.2, "retry_max_seconds": 1}
    acme = parse_config({"vendor": {"org": "Acme", "topics": [ACME]}, "delivery": fast,
                         "connectors": {"rt": {"url": url, "password": "password", "poll_seconds": 0.5,
                                               "queues": {ACME: queue}}}})
    globex = parse_config({"vendor": {"org": "Globex", "topics": [GLOBEX]}, "delivery": fast,
                           "connectors": {"webhook": [{"name": "crm", "url": crm.url, "secret": SECRET}]}})
    email = f"ada-{secrets.token_hex(4)}@example.org"  # RT keeps one user per address, and its users stay
    try:
        async with trio.open_nursery() as nursery:
            relay = await start(nursery, tmp_path, "relay", identity=relay_id)
            for topic in (ACME, GLOBEX):
                await relay.follow(topic)
            hub = relay.listen_addrs()
            customer = await start(nursery, tmp_path, "customer", identity=customer_id, bootstrap=hub)
            for name, cfg, vendor_id in (("acme", acme, acme_id), ("globex", globex, globex_id)):
                await start(nursery, tmp_path, name, identity=vendor_id, bootstrap=hub,
                            services=[bridge_service(cfg, vendor_id)])
            ctx = Ctx(customer.store, customer.ingest, customer_id, node=customer)
            for topic, vendor_id in ((ACME, acme_id), (GLOBEX, globex_id)):
                await eventually(lambda k=vendor_id.public_key, t=topic: k in customer.store.vendor_keys(t),
                                 "the vendor's manifest")
                trust_vendor(ctx, vendor_id.did)  # no domains here: she knows their keys (specs/02 section 6)
                ask(ctx, topic, "Help", "It broke.")
            customer.wake_outbox()
            await eventually(lambda: any(e["kind"] == "request" for e in crm.received), "Globex's CRM hearing of her")

            crm.failing = True  # Globex's CRM goes down
            sent = contact_set(ctx, name="Ada Lovelace", email=email, phone="+44 20 7946 0000")
            customer.wake_outbox()
            assert {s["vendor"] for s in sent["sent"]} == {acme_id.did, globex_id.did}  # her two vendors, unnamed
            [to_globex] = [s["id"] for s in sent["sent"] if s["vendor"] == globex_id.did]

            # RT applies a user's fields one at a time: wait for all of them, not a read between two
            card = {"EmailAddress": email, "RealName": "Ada Lovelace", "WorkPhone": "+44 20 7946 0000"}
            await eventually(lambda: (u := rt_user(staff, customer_id.did)) and {k: u.get(k) for k in card} == card,
                             "the RT user showing the new email, name and phone")
            await eventually(lambda: states(ctx).get(acme_id.did) == "updated", "Acme's receipt")
            await eventually(lambda: to_globex in crm.attempts, "a delivery to Globex's CRM failing")
            assert states(ctx)[globex_id.did] == "pending"

            crm.failing = False  # back: the update is delivered once, and its receipt comes back
            await eventually(lambda: states(ctx).get(globex_id.did) == "updated", "Globex's receipt")
            [update] = [b for b in crm.bodies if b["data"]["id"] == to_globex]
            assert update["type"] == "contact.updated" and crm.attempts.count(to_globex) >= 2
            assert update["data"]["contact"] == {"op": "update", "card": {
                "name": "Ada Lovelace", "email": email, "phone": "+44 20 7946 0000"}}

            # the relay holds the cards and receipts, sealed: it can open none of them
            ids = [s["id"] for s in sent["sent"]]
            await eventually(lambda: all(relay.store.receipts_of(i) for i in ids),
                             "the relay carrying both contacts and their receipts")
            held = [relay.store.get(i) for i in ids]
            receipts = [r for m in held for r in relay.store.receipts_of(m.id)]
            assert not any(email.encode() in m.raw or b"Lovelace" in m.raw for m in held + receipts)
            for m in held:
                with pytest.raises(SealError):
                    open_card(relay_id, m.body["sealed"])
            for r in receipts:
                with pytest.raises(SealError):
                    open_receipt(relay_id, r.body["sealed"])

            contact_forget(ctx, vendor=[acme_id.did])  # forget me, at Acme only
            customer.wake_outbox()
            await eventually(lambda: rt_user(staff, customer_id.did)["EmailAddress"] == "",
                             "the RT user's details erased")
            await eventually(lambda: states(ctx).get(acme_id.did) == "erased", "Acme's erasure receipt")
            assert states(ctx)[globex_id.did] == "updated"
            nursery.cancel_scope.cancel()
    finally:
        crm.stop()
