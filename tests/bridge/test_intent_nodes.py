"""Intents end to end (specs/12, issue 14): real libp2p nodes on 127.0.0.1 in one trio process. A customer, a
relay that carries every topic, and three vendors' bridges: Acme serves laptops through a real Request Tracker,
Globex serves them through a webhook CRM, Initech serves printers only (its node holds the laptops category as a
relay would). The intent becomes a lead at Acme and Globex, both offer (Acme's written by RT staff), the customer
awards Globex's offer and Acme's ticket is closed by the decline; Initech's CRM never hears of the intent; the
relay holds the offers and the award and can open none of them."""
from __future__ import annotations

import secrets
from functools import partial

import pytest
import trio
from antiport.crypto import Identity, SealError
from antiport.node import intents, sync
from antiport.node.bridge.bridge import bridge_service
from antiport.node.bridge.config import parse_config
from antiport.node.home import Home
from antiport.node.service import Ctx
from antiport.protocol.intents import award_problem, offer_problem, open_sealed
from bridge_helpers import SECRET, Receiver, Staff, rt_url, start
from helpers import trio_wait_for

pytestmark = [pytest.mark.rt, pytest.mark.trio]
eventually = partial(trio_wait_for, timeout=90, thread=True)  # checks call RT: in a thread
LAPTOPS, PRINTERS = "intent/laptops", "initech/printer"
FAST = {"retry_base_seconds": 0.2, "retry_max_seconds": 1}


def kept(bridges: dict, name: str, service):
    """The bridge service, with the Bridge it starts kept in `bridges[name]` (to read its journal)."""
    async def run(node, task_status=trio.TASK_STATUS_IGNORED):
        async with trio.open_nursery() as nursery:
            bridges[name] = await nursery.start(service, node)
            task_status.started()
    return run


def journaled(bridge) -> list[str]:
    return [message_id for _, message_id in bridge.outbox.events_after(0)]


async def test_intent_two_offers_one_award_one_decline_and_nobody_else_reads(tmp_path):
    url, queue = rt_url(), f"antiport-leads-{secrets.token_hex(4)}"
    staff, globex_crm, initech_crm = Staff(url), Receiver().start(), Receiver().start()
    ids = {n: Identity.generate() for n in ("relay", "acme", "globex", "initech")}
    home = Home(tmp_path / "customer-home")  # hers keeps the secret her intent keys derive from
    ids["customer"] = home.init("customer")
    configs = {
        "acme": {"vendor": {"org": "Acme", "topics": [LAPTOPS]}, "delivery": FAST,
                 "connectors": {"rt": {"url": url, "password": "password", "poll_seconds": 0.5,
                                       "queues": {LAPTOPS: queue}}}},
        "globex": {"vendor": {"org": "Globex", "topics": [LAPTOPS]}, "delivery": FAST,
                   "connectors": {"webhook": [{"name": "crm", "url": globex_crm.url, "secret": SECRET}]}},
        "initech": {"vendor": {"org": "Initech", "topics": [PRINTERS]}, "delivery": FAST,
                    "connectors": {"webhook": [{"name": "crm", "url": initech_crm.url, "secret": SECRET}]}}}
    bridges: dict = {}
    try:
        async with trio.open_nursery() as nursery:
            relay = await start(nursery, tmp_path, "relay", identity=ids["relay"], services=[sync.service])
            for topic in (LAPTOPS, PRINTERS):
                await relay.follow(topic)
            hub = relay.listen_addrs()
            nodes = {"relay": relay}
            for name, cfg in configs.items():
                service = kept(bridges, name, bridge_service(parse_config(cfg), ids[name]))
                nodes[name] = await start(nursery, tmp_path, name, identity=ids[name], bootstrap=hub,
                                          services=[sync.service, service])
            await nodes["initech"].follow(LAPTOPS)  # it carries the category without serving it
            customer = nodes["customer"] = await start(nursery, tmp_path, "customer", identity=ids["customer"],
                                                       bootstrap=hub, services=[sync.service])
            ctx = {"customer": Ctx(customer.store, customer.ingest, ids["customer"], node=customer, home=home),
                   "globex": Ctx(nodes["globex"].store, nodes["globex"].ingest, ids["globex"], node=nodes["globex"])}
            for vendor in ("acme", "globex"):
                await eventually(lambda k=ids[vendor].public_key: k in customer.store.claimed_keys(LAPTOPS),
                                 f"{vendor}'s manifest serving laptops at the customer")

            intent = intents.intent_post(ctx["customer"], "laptops", "A light laptop", "14 inch, 32 GB, Linux",
                                         budget="900", currency="EUR", terms="no-tracking,purpose-only")["id"]
            await eventually(lambda: any(b["type"] == "intent.created" and b["data"]["id"] == intent
                                         for b in globex_crm.bodies), "Globex's CRM getting the lead")
            await eventually(lambda: staff.tickets_for(intent), "Acme's lead in RT")
            [ticket] = [int(t["id"]) for t in staff.tickets_for(intent)]
            assert staff.get(f"/queue/{staff.get(f'/ticket/{ticket}')['Queue']['id']}")["Name"] == queue

            staff.correspond(ticket, "Price: 949 EUR\nValid: 5d\nAccepts: no-tracking\n\nX1 Carbon, 32 GB, in 2 days.")
            mine = intents.intent_offer(ctx["globex"], intent, "899.90", "EUR", "Framework 13, 32 GB, Linux",
                                        valid="7d", accepts="no-tracking,purpose-only")["id"]
            await eventually(lambda: len(intents.intent_offers(ctx["customer"], intent)) == 2, "both offers")
            offers = {o["org"]: o for o in intents.intent_offers(ctx["customer"], intent)}
            assert {o: (offers[o]["price"], offers[o]["accepts"], offers[o]["state"]) for o in offers} == {
                "Acme": (94_900, ["no-tracking"], "open"),
                "Globex": (89_990, ["no-tracking", "purpose-only"], "open")}
            theirs = offers["Acme"]["id"]
            assert offers["Globex"]["id"] == mine and offers["Acme"]["vendor"] == ids["acme"].did

            award = intents.intent_award(ctx["customer"], mine, contact="ada@example.org", text="Yes, please")
            [declined] = award["declined"]
            await eventually(lambda: any(b["type"] == "offer.awarded" for b in globex_crm.bodies),
                             "Globex's CRM getting the award")
            [awarded] = [b["data"] for b in globex_crm.bodies if b["type"] == "offer.awarded"]
            assert awarded["thread"] == intent and awarded["id"] == award["id"]
            await eventually(lambda: staff.get(f"/ticket/{ticket}")["Status"] == "rejected",
                             "Acme's lead closed by the decline")
            assert not any("accepted your offer" in c for c in staff.texts(ticket, "Comment"))

            # Initech holds the intent (it carries the category) and its bridge scanned past it: no lead
            await eventually(lambda: nodes["initech"].store.has(intent), "the intent at Initech")
            rowid = nodes["initech"].store.position(intent)[2]
            await eventually(lambda: int(bridges["initech"].outbox.get_state("scan.rowid", "0")) >= rowid,
                             "Initech's bridge scanning past the intent")
            assert journaled(bridges["initech"]) == [] and initech_crm.received == []

            # the relay carries every offer, the award and the decline, and opens none of them
            for message_id in (mine, theirs, award["id"], declined):
                await eventually(lambda i=message_id: relay.store.has(i), f"{message_id[:12]} at the relay")
            for message_id in (mine, theirs):
                raw = relay.store.raw(message_id)
                assert b"Framework" not in raw and b"X1 Carbon" not in raw
                with pytest.raises(SealError):
                    open_sealed(ids["relay"], relay.store.get(message_id).body["sealed"], offer_problem)
            assert b"ada@example.org" not in relay.store.raw(award["id"])
            with pytest.raises(SealError):
                open_sealed(ids["relay"], relay.store.get(award["id"]).body["sealed"], award_problem)
            nursery.cancel_scope.cancel()
    finally:
        globex_crm.stop()
        initech_crm.stop()
