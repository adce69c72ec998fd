"""Real nodes on 127.0.0.1: a line A–B–C relays a whole thread; hostile input is dropped and counted on the
first hop; the outbox written offline is published once the node runs."""
from __future__ import annotations

import time

import pytest
import trio
from antiport.crypto import Identity
from antiport.protocol import DOMAIN, codec, sign, topic_name
from helpers import trio_wait_for
from nodes import check_published_at_start, connect, start_node, wait_stored, wait_subscribed

W = "acme/widget"
OTHER = "acme/gadget"
ASKER, HELPER, STRANGER = (Identity(bytes([i]) * 32) for i in (11, 12, 13))


def now() -> int:
    return int(time.time() * 1000)


async def line(nursery, tmp_path):
    """A–B–C, all following W (A and C not connected), subscriptions known on every link."""
    a, b, c = [await start_node(nursery, tmp_path / n, n) for n in "abc"]
    for node in (a, b, c):
        await node.follow(W)
    await connect(a, b)
    await connect(c, b)
    for x, y in ((a, b), (b, a), (b, c), (c, b)):
        await wait_subscribed(x, y, W)
    return a, b, c


@pytest.mark.trio
async def test_thread_crosses_a_line_of_three(tmp_path):
    async with trio.open_nursery() as nursery:
        a, b, c = await line(nursery, tmp_path)
        assert c.peer_id not in [p["peer_id"] for p in a.peers()]
        request = await a.submit(sign(ASKER, "request", W, {"title": "Widget hums", "text": "at night"},
                                      created=now()).raw)
        await wait_stored(c, request.id)
        answer = await c.submit(sign(HELPER, "answer", W, {"text": "oil it"}, [request.id], created=now()).raw)
        await wait_stored(a, answer.id)
        accept = await a.submit(sign(ASKER, "accept", W, {}, [answer.id], created=now()).raw)
        for node in (b, c):
            await wait_stored(node, accept.id)
        held = [sorted(node.store.raw_all()) for node in (a, b, c)]
        assert held[0] == held[1] == held[2] == sorted([request.raw, answer.raw, accept.raw])
        assert b.counters()["rejected"] == 0
        assert {p["peer_id"]: p["accepted"] for p in b.peers()} == {a.peer_id: 2, c.peer_id: 1}
        nursery.cancel_scope.cancel()


def hostile(request, answer) -> dict[str, bytes]:
    """One envelope per reason, each built from a valid message."""
    good = sign(ASKER, "request", W, {"title": "fine", "text": "fine"}, created=now())
    payload, signature = codec.cbor2.loads(good.raw)
    forged = codec.encode([payload, STRANGER.sign(DOMAIN + payload)])
    fields = codec.cbor2.loads(payload)
    fields["body"] = {"title": "fine", "text": "changed"}
    tampered = codec.encode([codec.encode(fields), signature])
    # The same envelope with the payload's length written in 4 bytes instead of the shortest form.
    non_canonical = b"\x82\x5a" + len(payload).to_bytes(4, "big") + payload + codec.encode(signature)
    big = sign(ASKER, "request", W, {"title": "big", "text": "x" * 19_000}, created=now()).raw
    oversize = codec.encode([payload + b"\0" * 70_000, signature])
    stranger_accept = sign(STRANGER, "accept", W, {}, [answer.id], created=now()).raw
    assert len(big) < 64 * 1024
    return {"bad-signature": forged, "tampered": tampered, "non-canonical": non_canonical,
            "oversize": oversize, "not-asker": stranger_accept}


@pytest.mark.trio
async def test_hostile_input_is_dropped_and_counted_on_the_first_hop(tmp_path):
    async with trio.open_nursery() as nursery:
        a, b, c = await line(nursery, tmp_path)
        request = await a.submit(sign(ASKER, "request", W, {"title": "t", "text": "x"}, created=now()).raw)
        answer = await a.submit(sign(HELPER, "answer", W, {"text": "y"}, [request.id], created=now()).raw)
        await wait_stored(c, answer.id)
        bad = hostile(request, answer)
        for raw in bad.values():  # raw pubsub publish: our submit would refuse them
            await a.net.pubsub.publish(topic_name(W), raw)

        def rejected():
            # An answer that overtook its request was parked, then stored: "missing-ref" is not a refusal.
            found = next(p["rejected"] for p in b.peers() if p["peer_id"] == a.peer_id)
            return {reason: n for reason, n in found.items() if reason != "missing-ref"}

        await trio_wait_for(lambda: sum(rejected().values()) == len(bad))
        # Then a valid message over the same path: once C has it, anything forwarded before it arrived too.
        last = await a.submit(sign(ASKER, "resolve", W, {}, [request.id], created=now()).raw)
        await wait_stored(c, last.id)
        assert rejected() == {"bad-signature": 2, "non-canonical": 1, "oversize": 1, "not-asker": 1}
        for node in (b, c):
            assert sorted(node.store.raw_all()) == sorted([request.raw, answer.raw, last.raw])
        assert c.counters()["rejected"] == 0 and sum(p["accepted"] for p in c.peers()) == 3
        assert b.counters()["rejected"] == len(bad)
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_message_gossiped_in_the_wrong_topic_is_dropped_and_still_taken_in_its_own(tmp_path):
    """specs/03 section 2: not stored, not forwarded, counted 'wrong-topic'; the same bytes arriving later in their
    own topic from another peer are validated afresh and stored (no verdict is kept by message id)."""
    async with trio.open_nursery() as nursery:
        a, b, c = await line(nursery, tmp_path)
        misplaced = sign(ASKER, "request", OTHER, {"title": "t", "text": "x"}, created=now())
        await a.net.pubsub.publish(topic_name(W), misplaced.raw)  # raw publish: submit would pick OTHER
        await trio_wait_for(lambda: b.counters()["rejected"] == 1, "B refused it")
        assert {p["peer_id"]: p["rejected"] for p in b.peers()}[a.peer_id] == {"wrong-topic": 1}
        last = await a.submit(sign(ASKER, "request", W, {"title": "u", "text": "y"}, created=now()).raw)
        await wait_stored(c, last.id)  # whatever B forwarded before it reached C too
        assert not b.store.has(misplaced.id) and not c.store.has(misplaced.id)
        for node in (b, c):
            await node.follow(OTHER)
        await wait_subscribed(b, c, OTHER)
        await wait_subscribed(c, b, OTHER)
        await c.submit(misplaced.raw)  # C publishes it in its own topic
        await wait_stored(b, misplaced.id)
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_outbox_written_offline_is_published_after_start(tmp_path):
    from antiport.node.store import Store
    home = tmp_path / "a"
    home.mkdir()
    store = Store(home / "a.db")
    store.follow(W, now())
    offline = sign(ASKER, "request", W, {"title": "written offline", "text": "on a train"}, created=now())
    store.add(offline, now(), queue=True)
    store.close()
    await check_published_at_start(home, tmp_path, W, offline.id)


@pytest.mark.trio
async def test_a_node_relays_the_topics_its_peers_use(tmp_path):
    async with trio.open_nursery() as nursery:
        a, b, c = [await start_node(nursery, tmp_path / n, n) for n in "abc"]
        await connect(a, b)
        await connect(c, b)
        for node in (a, c):
            await node.follow(W)
        await wait_subscribed(a, b, W)  # B joined W because its peers are in it
        await wait_subscribed(c, b, W)
        request = await a.submit(sign(ASKER, "request", W, {"title": "relayed", "text": "x"}, created=now()).raw)
        await wait_stored(c, request.id)
        assert b.store.followed() == [] and b.store.has(request.id)
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_a_topic_in_any_script_crosses_the_network(tmp_path):
    """03 section 1: the slug a person types as `ソニー/プレイステーション５` is the gossip topic both nodes join."""
    topic = "ソニー/プレイステーション5"
    async with trio.open_nursery() as nursery:
        a, b = [await start_node(nursery, tmp_path / n, n) for n in "ab"]
        for node in (a, b):
            await node.follow(topic)
        await connect(a, b)
        await wait_subscribed(a, b, topic)
        request = await a.submit(sign(ASKER, "request", topic, {"title": "音が出ない", "text": "電源を入れても"},
                                      created=now()).raw)
        await wait_stored(b, request.id)
        assert b.counters()["rejected"] == 0
        nursery.cancel_scope.cancel()
