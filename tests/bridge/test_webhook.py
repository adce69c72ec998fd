"""Webhooks as Standard Webhooks describes them, checked by the convention's own library (bridge_helpers.Receiver):
the {type, timestamp, data} body with a journal seq, one signature per secret, private parts only when opted in,
and a down receiver probed on one schedule and then given its backlog in journal order, one request at a time."""
from __future__ import annotations

import base64
import time
from collections import Counter

import httpx
import pytest
import trio
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.webhook import WebhookError, sign_headers, verify
from antiport.node.home import now_ms
from bridge_helpers import SECRET, Receiver, config
from helpers import trio_wait_for

OTHER = "whsec_" + base64.b64encode(b"another secret of 24 bytes").decode()


def test_signature_round_trip_and_refusals():
    body, now = b'{"id":"abc"}', int(time.time())
    headers = sign_headers([SECRET], "abc", now, body)
    assert headers["webhook-signature"].startswith("v1,")
    assert verify(SECRET, headers, body, now) == {"id": "abc"}
    both = sign_headers([OTHER, SECRET], "abc", now, body)  # rotation: one entry per secret
    assert len(both["webhook-signature"].split()) == 2
    assert verify(SECRET, both, body, now) == verify(OTHER, both, body, now) == {"id": "abc"}
    with pytest.raises(WebhookError, match="does not match"):
        verify(SECRET, headers, b'{"id":"abd"}', now)
    with pytest.raises(WebhookError, match="does not match"):
        verify(OTHER, headers, body, now)
    with pytest.raises(WebhookError, match="more than 300s"):
        verify(SECRET, headers, body, now + 301)
    with pytest.raises(WebhookError, match="missing"):
        verify(SECRET, {k: v for k, v in headers.items() if k != "webhook-signature"}, body, now)


def test_forged_webhook_is_refused_by_a_real_receiver(receiver):
    body, now = b'{"type":"request.created","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"x"}}', \
        int(time.time())
    r = httpx.post(receiver.url, content=body, headers=sign_headers([OTHER], "x", now, body))
    assert r.status_code == 400 and "No matching signature" in r.json()["error"]
    assert receiver.received == [] and len(receiver.refused) == 1


@pytest.mark.trio
async def test_deliveries_are_standard_webhooks_signed_with_every_secret_and_private_only_when_opted_in(world):
    old_only, new_only = Receiver(SECRET).start(), Receiver(OTHER).start()
    try:
        cfg = config(webhook=[{"name": "old", "url": old_only.url, "secret": f"{OTHER} {SECRET}", "private": True},
                              {"name": "new", "url": new_only.url, "secret": f"{OTHER} {SECRET}"}])
        async with httpx.AsyncClient(timeout=5) as client:
            bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
            bridge.start()
            request = world.ask("Widget jams", "daily", private="serial W-99")
            answer = world.post(world.vendor, "answer", {"text": "oil it"}, [request])
            world.post(world.customer, "accept", {}, [answer])
            bridge.scan()
            assert await bridge.deliver_due("webhook:old") == (3, 0)
            assert await bridge.deliver_due("webhook:new") == (3, 0)
    finally:
        old_only.stop(), new_only.stop()
    # each receiver knows one of the two secrets: every delivery verified for both
    assert old_only.refused == new_only.refused == []
    assert [b["type"] for b in old_only.bodies] == ["request.created", "answer.created", "answer.accepted"]
    assert [d["seq"] for d in old_only.received] == [d["seq"] for d in new_only.received] == [1, 2, 3]
    first = old_only.bodies[0]
    assert first["data"]["id"] == request and first["timestamp"].endswith("Z")
    assert first["data"]["private"] == {"text": "serial W-99"}  # opted in
    assert "serial" not in str(new_only.bodies) and "withheld" in new_only.received[0]["private"]


@pytest.mark.trio
async def test_a_down_receiver_is_probed_one_request_at_a_time_then_gets_the_backlog_in_journal_order(world):
    receiver = Receiver().start()
    cfg = config(webhook=[{"name": "crm", "url": receiver.url, "secret": SECRET}])
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
            bridge.start()
            first = [world.ask(f"widget {i} jams", "it jams") for i in range(3)]
            async with trio.open_nursery() as nursery:
                nursery.start_soon(bridge.scan_loop)
                nursery.start_soon(bridge.delivery_loop, "webhook:crm")
                bridge.stored.notify()
                await trio_wait_for(lambda: len(receiver.received) == 3)

                receiver.failing = True  # the CRM answers 500 for a while
                answer = world.post(world.vendor, "answer", {"text": "try oiling it"}, [first[0]])
                later = [answer,
                         world.post(world.customer, "accept", {}, [answer]),
                         world.post(world.customer, "vote", {"value": "up"}, [answer]),
                         world.post(world.customer, "resolve", {}, [first[0]]),
                         *[world.ask(f"widget {i} also jams", "also") for i in range(4, 20)],
                         world.post(world.customer, "retract", {}, [first[2]])]
                bridge.stored.notify()
                await trio_wait_for(lambda: len(receiver.attempts) >= 3 + 4)  # a few probes
                down = bridge.outbox.report()["webhook:crm"]
                assert down["pending"] == len(later) and "answered 500" in down["last_error"]
                assert down["retry_at"] is not None
                probes = receiver.attempts[3:]
                assert set(probes) == {answer}  # only the oldest pending event is tried while it is down

                receiver.failing = False
                await trio_wait_for(lambda: bridge.outbox.report()["webhook:crm"]["pending"] == 0)
                nursery.cancel_scope.cancel()
            assert bridge.outbox.report()["webhook:crm"]["retry_at"] is None  # healthy again

            # A restarted bridge on the same store delivers nothing again.
            again = Bridge(world.store, world.ingest, world.vendor, cfg, client)
            again.start()
            assert await again.deliver_due("webhook:crm") == (0, 0)
    finally:
        receiver.stop()
    assert [e["id"] for e in receiver.received] == first + later  # journal order, each exactly once
    assert [e["seq"] for e in receiver.received] == list(range(1, len(first + later) + 1))
    assert receiver.most_in_flight == 1 and receiver.refused == []
    assert Counter(receiver.attempts)[answer] >= 2  # probed until it was taken
    threads = {e["id"]: e["thread"] for e in receiver.received}
    assert threads[later[1]] == first[0] and threads[later[-1]] == first[2]


@pytest.mark.trio
async def test_failures_in_a_row_back_off_exponentially_with_jitter(world, receiver):
    cfg = config(webhook=[{"name": "crm", "url": receiver.url, "secret": OTHER}])  # the receiver refuses it
    async with httpx.AsyncClient(timeout=5) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        world.ask("widget jams", "it jams")
        world.ask("gadget jams", "it jams too")
        bridge.scan()
        for failures in range(1, 6):
            t0 = now_ms()
            assert await bridge.deliver_due("webhook:crm") == (0, 1)
            t1 = now_ms()
            retry_at = bridge.outbox.retry_at("webhook:crm")
            ceiling = min(400, 50 * 2 ** (failures - 1))  # 0.05 s doubling, capped at 0.4 s
            assert t0 + ceiling // 2 <= retry_at <= t1 + ceiling
            assert await bridge.deliver_due("webhook:crm") == (0, 0)  # nothing is tried before then
            world.store.set_bridge_state("webhook:crm.retry_at", t1)  # let the schedule's time come
    attempts = world.store.db.execute("SELECT attempts FROM bridge_deliveries ORDER BY seq").fetchall()
    assert [a for (a,) in attempts] == [5, 0]  # the second event waited behind the first
    assert len(receiver.refused) == 5 and receiver.received == []
