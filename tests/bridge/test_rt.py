"""The RT connector against a real Request Tracker 5 server (see tests/rt/setup-rt.sh)."""
from __future__ import annotations

import secrets
from urllib.parse import quote

import httpx
import pytest
import trio
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.config import parse_config
from antiport.node.bridge.rt import CF_CUSTOMER, CF_THREAD, CURSOR, RTClient, rt_time_ms
from antiport.node.home import now_ms
from antiport.node.service import Ctx, thread_view
from antiport.protocol import sign
from bridge_helpers import TOPIC, Gate, Staff, config, rt_url
from helpers import trio_wait_for

pytestmark = [pytest.mark.rt, pytest.mark.trio]


@pytest.fixture
def rt():
    return rt_url()


def rt_config(url: str, queue: str):
    return config(rt={"url": url, "user": "root", "password": "password", "queues": {TOPIC: queue}, "private": True})


async def test_request_to_ticket_staff_reply_and_resolve_back_to_the_network(world, rt):
    staff, queue = Staff(rt), f"antiport-test-{secrets.token_hex(4)}"
    cfg = rt_config(rt, queue)
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()  # publishes the vendor manifest: the vendor may now set statuses in its topic
        assert world.store.vendor_keys(TOPIC) == {world.vendor.public_key}

        thread = world.ask("Widget jams after update", "Since 2.1 it jams daily.", private="order 4471, serial W-99")
        assert bridge.scan() == 1
        assert await bridge.deliver_due("rt") == (1, 0)

        [found] = staff.tickets_for(thread)
        ticket = int(found["id"])
        before_reply = world.store.bridge_state(CURSOR)
        t = staff.get(f"/ticket/{ticket}")
        assert t["Subject"] == "Widget jams after update"
        assert staff.get(f"/queue/{t['Queue']['id']}")["Name"] == queue
        fields = {cf["name"]: cf["values"] for cf in t["CustomFields"]}
        assert fields[CF_THREAD] == [thread] and fields[CF_CUSTOMER] == [world.customer.did]
        [created] = staff.texts(ticket, "Create")
        assert "Since 2.1 it jams daily." in created and "order 4471, serial W-99" in created
        assert world.customer.did in created and thread in created

        # A staff reply in RT becomes the vendor's signed answer; RT also opens the ticket.
        staff.correspond(ticket, "Please reinstall 2.0.3; a fix ships next week.")
        assert await bridge.poll_rt() == 2
        view = thread_view(Ctx(world.store, world.ingest, world.customer), world.store.get(thread))
        [answer] = view["answers"]
        assert answer["author"] == world.vendor.did
        assert answer["body"]["text"] == "Please reinstall 2.0.3; a fix ships next week."
        assert view["status"] == "in-progress"

        # Resolving in RT becomes a signed status, also when it happens within the second of RT's
        # LastUpdated that the previous poll saw: that second is not marked seen while it is the newest.
        staff.set_status(ticket, "resolved")
        assert await bridge.poll_rt() == 1
        view = thread_view(Ctx(world.store, world.ingest, world.customer), world.store.get(thread))
        assert view["status"] == "resolved"
        statuses = [e for e in view["events"] if e["kind"] == "status"]
        assert all(e["author"] == world.vendor.did for e in statuses)

        # The vendor's own answer is not echoed into RT; the customer's accept becomes a comment.
        world.post(world.customer, "accept", {}, [answer["id"]])
        assert bridge.scan() == 4  # answer, two statuses, accept
        assert await bridge.deliver_due("rt") == (4, 0)
        comments = staff.texts(ticket, "Comment")
        assert len(comments) == 1 and "accepted answer" in comments[0]
        assert not any("reinstall" in c for c in comments)

        # Restart after a crash that lost every cursor: RT's transactions are read again, their messages
        # are the same (same signed time, same RT sequence), nothing is published or ticketed twice.
        count = world.store.count()
        world.store.db.execute("UPDATE bridge_rt_tickets SET last_txn=0")
        world.store.set_bridge_state(CURSOR, before_reply)
        again = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        again.start()
        assert await again.poll_rt() == 3
        assert world.store.count() == count
        world.store.db.execute("DELETE FROM bridge_rt_tickets")
        world.store.db.execute("UPDATE bridge_deliveries SET acked=NULL, next_try=0")
        assert await again.deliver_due("rt") == (5, 0)
        assert len(staff.tickets_for(thread)) == 1
        assert len(staff.texts(ticket, "Comment")) == 1


async def test_tampered_sealed_part_is_refused_with_a_clear_error(world, rt):
    staff = Staff(rt)
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, rt_config(rt, "antiport-test-sealed"), client)
        bridge.start()
        thread = world.ask("Refund", "Please refund.", private="IBAN DE00 1234", tamper=True)
        bridge.scan()
        event = bridge.event(thread, True)
        assert event["private"] == {"error": "the sealed part cannot be opened: not addressed to this key, "
                                             "or tampered with"}
        assert await bridge.deliver_due("rt") == (1, 0)
        [found] = staff.tickets_for(thread)
        [created] = staff.texts(int(found["id"]), "Create")
        assert "Private part refused: the sealed part cannot be opened" in created
        assert "IBAN" not in created


async def new_ticket(world, bridge: Bridge, staff: Staff, title: str, text: str) -> tuple[str, int]:
    """Start the bridge, ask in the topic and deliver the request to RT: (thread id, its ticket)."""
    bridge.start()
    thread = world.ask(title, text)
    bridge.scan()
    assert await bridge.deliver_due("rt") == (1, 0)
    return thread, int(staff.tickets_for(thread)[0]["id"])


async def test_html_reply_from_rt_web_editor_becomes_plain_text(world, rt):
    staff = Staff(rt)
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, rt_config(rt, "antiport-test-html"), client)
        thread, ticket = await new_ticket(world, bridge, staff, "Widget squeaks", "loudly")
        html = "<p>Hello <b>there</b>,</p><p>oil &amp; retry</p>"
        staff.http.post(f"/ticket/{ticket}/correspond", json={"Content": html, "ContentType": "text/html"}) \
            .raise_for_status()
        await bridge.poll_rt()
        [answer] = [m for m in world.store.thread(thread) if m.kind == "answer"]
        assert answer.body["text"] == "Hello there,\noil & retry" and answer.author == world.vendor.public_key


async def test_staff_replies_carry_rts_transaction_id_as_their_order(world, rt):
    """RT stamps transactions in whole seconds: each published reply carries RT's transaction id as `seq`, and
    the thread is in RT's order (tests/node/test_store.py shows the same-second case on the store alone)."""
    staff = Staff(rt)
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, rt_config(rt, "antiport-test-order"), client)
        thread, ticket = await new_ticket(world, bridge, staff, "Widget blinks", "red, then green")
        for i in range(3):
            staff.correspond(ticket, f"step {i}")
        replies = [int(t["id"]) for t in staff.get(f"/ticket/{ticket}/history", fields="Type")["items"]
                   if t["Type"] == "Correspond"]
        assert await bridge.poll_rt() >= 3
        answers = [m for m in world.store.thread(thread) if m.kind == "answer"]
        assert [(a.body["seq"], a.body["text"]) for a in answers] == list(zip(replies, ["step 0", "step 1", "step 2"],
                                                                               strict=True))
        # who replied (specs/02 section 9): the transaction's Creator, its real name and RT's number; RT itself
        # opened the ticket on the first reply: a status without an agent
        creator = staff.get("/user/root")
        agent = {"agent": creator["RealName"] or "root", "agent_id": str(creator["id"])}
        assert [{k: a.body[k] for k in agent} for a in answers] == [agent] * 3
        [opened] = [m for m in world.store.thread(thread) if m.kind == "status"]
        assert opened.body["state"] == "in-progress" and "agent" not in opened.body
        staff.set_status(ticket, "resolved")
        assert await bridge.poll_rt() == 1
        resolved = world.store.thread(thread)[-1]
        assert resolved.body["state"] == "resolved" and {k: resolved.body[k] for k in agent} == agent


async def test_a_reply_is_published_however_many_tickets_changed_while_the_bridge_was_stopped(world, rt):
    """The bridge reads every RT transaction since the last it read, in pages: a staff reply followed by
    changes on 500 other network tickets (5 pages of transactions) is still published."""
    staff, queue = Staff(rt), f"antiport-test-{secrets.token_hex(4)}"
    busy = staff.bulk_tickets("antiport-test-busy", 500)
    cfg = rt_config(rt, queue)
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        thread = world.ask("Widget rattles", "Since Tuesday.")
        bridge.scan()
        assert await bridge.deliver_due("rt") == (1, 0)
        for i, ticket in enumerate(busy):  # tickets this bridge made for other threads, earlier
            world.store.rt_add_ticket(f"earlier-thread-{i}", ticket, TOPIC)
        assert await bridge.poll_rt() == 0
    read_before = {t: world.store.rt_ticket(t)[2] for t in busy}
    # the bridge is stopped; the helpdesk works on
    ticket = int(staff.tickets_for(thread)[0]["id"])
    staff.correspond(ticket, "Tighten the back screw.")
    staff.change_all(busy)
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        assert await bridge.poll_rt() == 2  # the answer, and the status RT set when it opened the ticket
    [answer] = [m for m in world.store.thread(thread) if m.kind == "answer"]
    assert answer.body["text"] == "Tighten the back screw." and answer.author == world.vendor.public_key
    assert [t for t in busy if world.store.rt_ticket(t)[2] <= read_before[t]] == []  # every change was read


async def test_bridges_starting_at_once_on_a_new_rt_agree_on_one_custom_field(rt):
    """Both find no field and both create one; each keeps the lowest id and disables the other."""
    name = f"Antiport test field {secrets.token_hex(4)}"
    async with httpx.AsyncClient(timeout=30) as client:
        first, second = (RTClient(rt, "root", "password", client) for _ in range(2))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(first.ensure_custom_field, name)
            nursery.start_soon(second.ensure_custom_field, name)
        [kept] = await first.custom_fields(name)
        await second.ensure_custom_field(name)
        assert await second.custom_fields(name) == [kept]


async def test_a_complaint_fills_the_tickets_fields_and_the_customers_resolve_resolves_it(world, rt):
    """Requestor: an RT user named by the customer's did, with their profile's display name; the kind and
    topic in the configured custom fields; the kind's priority; due by the vendor's promise."""
    staff, queue = Staff(rt), f"antiport-test-{secrets.token_hex(4)}"
    cfg = parse_config({"vendor": {"org": "Acme", "topics": [TOPIC], "promise_hours": 48},
                        "connectors": {"rt": {"url": rt, "password": "password", "queues": {TOPIC: queue},
                                              "fields": {"priority": {"complaint": 90}, "topic_field": "Product"}}}})
    profile = sign(world.customer, "profile", "", {"name": "Ada Lovelace"}, [], created=now_ms())
    world.ingest(profile.raw, now_ms(), "test")
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        thread = world.post(world.customer, "complaint", {"title": "Broken on arrival", "text": "Cracked case."})
        bridge.scan()
        assert await bridge.deliver_due("rt") == (1, 0)
        ticket = int(staff.tickets_for(thread)[0]["id"])
        t = staff.get(f"/ticket/{ticket}")
        [requestor] = t["Requestor"]
        assert requestor["id"] == world.customer.did
        assert staff.get(f"/user/{quote(world.customer.did, safe='')}")["RealName"] == "Ada Lovelace"
        fields = {cf["name"]: cf["values"] for cf in t["CustomFields"]}
        assert fields["Antiport type"] == ["complaint"] and fields["Product"] == [TOPIC]
        assert int(t["Priority"]) == 90
        assert rt_time_ms(t["Due"]) == world.store.get(thread).created // 1000 * 1000 + 48 * 3_600_000

        world.post(world.customer, "resolve", {}, [thread])
        bridge.scan()
        assert await bridge.deliver_due("rt") == (1, 0)
        assert staff.get(f"/ticket/{ticket}")["Status"] == "resolved"
        assert "confirmed that the request is solved" in staff.texts(ticket, "Comment")[0]


async def test_with_resolve_on_customer_false_the_customers_resolve_is_only_a_comment(world, rt):
    staff = Staff(rt)
    cfg = config(rt={"url": rt, "password": "password", "queues": {TOPIC: "antiport-test-no-resolve"},
                     "resolve_on_customer": False})
    async with httpx.AsyncClient(timeout=30) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        thread, ticket = await new_ticket(world, bridge, staff, "Widget wobbles", "on the left")
        world.post(world.customer, "resolve", {}, [thread])
        bridge.scan()
        assert await bridge.deliver_due("rt") == (1, 0)
    assert "confirmed that the request is solved" in staff.texts(ticket, "Comment")[0]
    assert staff.get(f"/ticket/{ticket}")["Status"] == "new"


async def test_requests_made_while_rt_is_down_reach_it_in_journal_order_one_attempt_at_a_time(world, rt):
    """RT unreachable (a gate in front of it closes every connection) while 5 requests arrive: only the oldest is
    tried, on the connector's back-off; when RT is back, the backlog becomes tickets in journal order."""
    staff, gate = Staff(rt), Gate(rt)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            cfg = rt_config(gate.url, "antiport-test-outage")
            bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
            bridge.start()
            threads = [world.ask(f"Widget {i} jams", "since the outage") for i in range(5)]
            async with trio.open_nursery() as nursery:
                nursery.start_soon(bridge.scan_loop)
                nursery.start_soon(bridge.delivery_loop, "rt")
                await trio_wait_for(lambda: gate.refused >= 3, "a few probes while RT is down")
                pending = bridge.outbox.due("rt", 2**62)
                assert [d.message_id for d in pending] == threads  # journal order, nothing delivered
                assert [d.message_id for d in pending if d.attempts] == [threads[0]]  # only the oldest probed
                gate.down = False
                await trio_wait_for(lambda: bridge.outbox.report()["rt"]["pending"] == 0, "the backlog delivered",
                                    timeout=120)
                nursery.cancel_scope.cancel()
        tickets = [int(staff.tickets_for(t)[0]["id"]) for t in threads]
        assert tickets == sorted(tickets)  # created in journal order
    finally:
        gate.close()
