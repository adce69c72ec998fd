"""The whole path in one trio process: customer, relay (following the topic) and bridge nodes (real libp2p hosts on
127.0.0.1), the bridge running as a node service, a real Request Tracker and a real webhook receiver.

ask (with a sealed part) -> ticket in RT -> staff reply through RT's REST API -> the customer's node
shows the vendor's signed answer -> resolved in RT -> the customer sees the status.
"""
from __future__ import annotations

import secrets
from collections import Counter
from functools import partial

import pytest
import trio
from antiport.crypto import Identity
from antiport.node.bridge.bridge import bridge_service
from antiport.node.bridge.config import parse_config
from antiport.node.home import now_ms
from antiport.node.service import Ctx, ask, show, trust_vendor
from antiport.protocol import sign
from bridge_helpers import SECRET, TOPIC, Receiver, Staff, rt_url, start
from helpers import trio_wait_for

pytestmark = [pytest.mark.rt, pytest.mark.trio]
TIMEOUT = 90
# checks may call RT: in a thread, so the nodes in this trio loop keep running
eventually = partial(trio_wait_for, timeout=TIMEOUT, thread=True)


async def test_ask_ticket_reply_resolve_across_nodes(tmp_path):
    url, queue = rt_url(), f"antiport-nodes-{secrets.token_hex(4)}"
    staff, receiver = Staff(url), Receiver().start()
    vendor_id, customer_id = Identity.generate(), Identity.generate()
    cfg = parse_config({
        "vendor": {"org": "Acme", "topics": [TOPIC], "did": vendor_id.did},
        "delivery": {"retry_base_seconds": 0.2, "retry_max_seconds": 2},
        "connectors": {"webhook": [{"name": "crm", "url": receiver.url, "secret": SECRET, "private": True}],
                       "rt": {"url": url, "password": "password", "poll_seconds": 0.5, "queues": {TOPIC: queue},
                              "private": True}}})
    try:
        async with trio.open_nursery() as nursery:
            relay = await start(nursery, tmp_path, "relay")
            await relay.follow(TOPIC)  # gossipsub forwards only the topics a node is subscribed to
            hub = relay.listen_addrs()
            customer = await start(nursery, tmp_path, "customer", identity=customer_id, bootstrap=hub)
            await eventually(lambda: customer.net.host.get_connected_peers(), "customer connected to the relay")
            vendor = await start(nursery, tmp_path, "vendor", identity=vendor_id, bootstrap=hub,
                                 services=[bridge_service(cfg, vendor_id)])

            await eventually(lambda: vendor_id.public_key in customer.store.vendor_keys(TOPIC),
                             "the vendor manifest reaching the customer")
            ctx = Ctx(customer.store, customer.ingest, customer_id, node=customer)
            trust_vendor(ctx, vendor_id.did)  # no domain here: the customer knows the vendor's key (specs/02 §6)
            request = ask(ctx, TOPIC, "Widget jams", "since 2.1", private_text="order 4471")["id"]
            customer.wake_outbox()

            tickets = await eventually(lambda: staff.tickets_for(request), "the ticket appearing in RT")
            ticket = int(tickets[0]["id"])
            assert staff.get(f"/ticket/{ticket}")["Subject"] == "Widget jams"
            [created] = staff.texts(ticket, "Create")
            assert "since 2.1" in created and "order 4471" in created and customer_id.did in created
            assert "order 4471" not in repr(customer.store.get(request).body)  # sealed on the wire

            staff.correspond(ticket, "Fixed in 2.1.1, please update.")
            view = await eventually(lambda: (v := show(ctx, request))["answers"] and v,
                                    "the vendor's answer reaching the customer")
            [answer] = view["answers"]
            assert answer["author"] == vendor_id.did and answer["body"]["text"] == "Fixed in 2.1.1, please update."

            staff.set_status(ticket, "resolved")
            await eventually(lambda: show(ctx, request)["status"] == "resolved",
                             "the resolved status reaching the customer")
            await eventually(lambda: Counter(e["kind"] for e in receiver.received)["status"] >= 2,
                             "the webhook receiving both statuses")
            ids = [e["id"] for e in receiver.received]
            assert len(ids) == len(set(ids)) and receiver.refused == []
            first = [e for e in receiver.received if e["id"] == request]
            assert first[0]["private"] == {"text": "order 4471"}
            assert len(staff.tickets_for(request)) == 1
            assert vendor.store.get(answer["id"]).author == vendor_id.public_key  # signed by the bridge's node
            nursery.cancel_scope.cancel()
    finally:
        receiver.stop()


async def test_the_customers_resolve_resolves_the_ticket(tmp_path):
    """The bridge running in its node: a customer's request becomes a ticket, their resolve a comment and, with
    resolve_on_customer (the default), the ticket's status in RT, read back from RT until it says resolved
    (test_rt.py: with resolve_on_customer = false it stays as it was)."""
    url, queue = rt_url(), f"antiport-resolve-{secrets.token_hex(4)}"
    staff, vendor_id, customer = Staff(url), Identity.generate(), Identity.generate()
    cfg = parse_config({"vendor": {"org": "Acme", "topics": [TOPIC]},
                        "delivery": {"retry_base_seconds": 0.2, "retry_max_seconds": 2},
                        "connectors": {"rt": {"url": url, "password": "password", "poll_seconds": 0.5,
                                              "queues": {TOPIC: queue}}}})
    async with trio.open_nursery() as nursery:
        vendor = await start(nursery, tmp_path, "vendor", identity=vendor_id, services=[bridge_service(cfg, vendor_id)])
        request = sign(customer, "request", TOPIC, {"title": "Widget jams", "text": "since 2.1"}, created=now_ms())
        vendor.ingest(request.raw, now_ms(), "test")
        tickets = await eventually(lambda: staff.tickets_for(request.id), "the ticket appearing in RT")
        ticket = int(tickets[0]["id"])
        resolve = sign(customer, "resolve", TOPIC, {}, [request.id], created=now_ms())
        vendor.ingest(resolve.raw, now_ms(), "test")
        await eventually(lambda: staff.get(f"/ticket/{ticket}")["Status"] == "resolved", "the ticket resolved")
        assert "confirmed that the request is solved" in staff.texts(ticket, "Comment")[0]
        nursery.cancel_scope.cancel()
