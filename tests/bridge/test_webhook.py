from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
import trio
from antiport.node.bridge.bridge import Bridge
from antiport.node.bridge.webhook import WebhookError, sign_headers, verify
from antiport.node.home import now_ms
from bridge_helpers import SECRET, config
from helpers import trio_wait_for


def test_signature_round_trip_and_refusals():
    body, now = b'{"id":"abc"}', int(time.time())
    headers = sign_headers(SECRET, "abc", now, body)
    assert headers["webhook-signature"].startswith("v1,")
    assert verify(SECRET, headers, body, now) == {"id": "abc"}
    # several signatures (secret rotation): one valid is enough
    rotated = {**headers, "webhook-signature": "v1,AAAA " + headers["webhook-signature"]}
    assert verify(SECRET, rotated, body, now) == {"id": "abc"}
    with pytest.raises(WebhookError, match="does not match"):
        verify(SECRET, headers, b'{"id":"abd"}', now)
    with pytest.raises(WebhookError, match="does not match"):
        verify("whsec_b3RoZXI=", headers, body, now)
    with pytest.raises(WebhookError, match="more than 300s"):
        verify(SECRET, headers, body, now + 301)
    with pytest.raises(WebhookError, match="missing"):
        verify(SECRET, {k: v for k, v in headers.items() if k != "webhook-signature"}, body, now)


def test_forged_webhook_is_refused_by_a_real_receiver(receiver):
    body, now = b'{"id":"forged","kind":"request"}', int(time.time())
    forged = sign_headers("whsec_d3Jvbmcta2V5", "forged", now, body)
    r = httpx.post(receiver.url, content=body, headers=forged)
    assert r.status_code == 400
    assert "signature does not match" in r.json()["error"]
    assert receiver.received == [] and len(receiver.refused) == 1


@pytest.mark.trio
async def test_receiver_down_then_up_gets_every_event_exactly_once(world, receiver):
    cfg = config(webhook=[{"name": "crm", "url": receiver.url, "secret": SECRET}])
    async with httpx.AsyncClient(timeout=5) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        first = [world.ask(f"widget {i} jams", "it jams") for i in range(3)]
        async with trio.open_nursery() as nursery:
            nursery.start_soon(bridge.scan_loop)
            nursery.start_soon(bridge.delivery_loop, "webhook:crm")
            bridge.stored.notify()
            await trio_wait_for(lambda: len(receiver.received) == 3)

            receiver.stop()  # the CRM goes down
            answer = world.post(world.vendor, "answer", {"text": "try oiling it"}, [first[0]])
            later = [answer,
                     world.post(world.customer, "accept", {}, [answer]),
                     world.post(world.customer, "vote", {"value": "up"}, [answer]),
                     world.post(world.customer, "resolve", {}, [first[0]]),
                     world.ask("widget 4 jams", "also jams"),
                     world.post(world.customer, "retract", {}, [first[2]])]
            bridge.stored.notify()
            await trio_wait_for(lambda: bridge.outbox.report()["webhook:crm"]["last_error"] is not None)
            pending = bridge.outbox.report()["webhook:crm"]
            assert pending["pending"] == len(later) and "ConnectError" in pending["last_error"]

            receiver.start()  # back up on the same port
            await trio_wait_for(lambda: bridge.outbox.report()["webhook:crm"]["pending"] == 0)
            nursery.cancel_scope.cancel()

        ids = [e["id"] for e in receiver.received]
        assert Counter(ids) == Counter(first + later)  # each exactly once
        assert receiver.refused == []
        kinds = {e["id"]: e["kind"] for e in receiver.received}
        assert [kinds[i] for i in later] == ["answer", "accept", "vote", "resolve", "request", "retract"]
        threads = {e["id"]: e["thread"] for e in receiver.received}
        assert threads[later[1]] == first[0] and threads[later[5]] == first[2]

        # A restarted bridge on the same store delivers nothing again.
        again = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        again.start()
        assert await again.deliver_due("webhook:crm") == (0, 0)
    assert len(receiver.received) == len(first + later)


@pytest.mark.trio
async def test_refused_delivery_is_retried_with_growing_back_off(world, receiver):
    cfg = config(webhook=[{"name": "crm", "url": receiver.url, "secret": "whsec_d3Jvbmcta2V5"}])
    async with httpx.AsyncClient(timeout=5) as client:
        bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
        bridge.start()
        world.ask("widget jams", "it jams")
        bridge.scan()
        for attempt in range(5):
            t0 = now_ms()
            assert await bridge.deliver_due("webhook:crm") == (0, 1)
            t1 = now_ms()
            next_try, attempts, error = world.store.db.execute(
                "SELECT next_try, attempts, last_error FROM bridge_deliveries").fetchone()
            expected = min(400, 50 * 2 ** attempt)  # 0.05 s doubling, capped at 0.4 s
            assert next_try - t1 <= expected <= next_try - t0
            assert attempts == attempt + 1
            assert bridge.outbox.due("webhook:crm", t1) == []  # not due again before the back-off
            world.store.db.execute("UPDATE bridge_deliveries SET next_try=0")
    assert "answered 400" in error
    assert "signature does not match" in receiver.refused[0]
    assert len(receiver.refused) == 5 and receiver.received == []
