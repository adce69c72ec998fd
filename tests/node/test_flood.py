"""The flood guard (node/flood.py) on a real store, and on real libp2p hosts on 127.0.0.1: a flooder is held
to its budget, graylisted and disconnected while an honest node's messages all arrive; answers to unknown
messages are parked, stored (and passed on) when the reference arrives by gossip or sync, dropped when it does
not."""
from __future__ import annotations

import contextlib
import json
import os
import time

import pytest
import trio
from antiport.crypto import Identity
from antiport.node import libp2p_fixes, p2p
from antiport.node.flood import Guard, Settings
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import sign, topic_name
from antiport.protocol.budget import Budget
from helpers import trio_wait_for
from libp2p.network.exceptions import SwarmException
from nodes import connect, rpc_frames, start_node, wait_stored, wait_subscribed

W = "acme/widget"
FLOODER, HONEST, ASKER, HELPER = (Identity(bytes([i]) * 32) for i in (31, 32, 33, 34))
FLOOD = 400
AUTHOR_BUDGET = 10


def now() -> int:
    return int(time.time() * 1000)


def request(who: Identity, i: int, t: int | None = None):
    return sign(who, "request", W, {"title": f"n{i}", "text": "x"}, created=(t or now()) + i)


def guard(tmp_path, **settings) -> Guard:
    return Guard(Ingest(Store(tmp_path / "g.db")), Settings(**settings))


def test_budgets_per_author_and_per_peer_are_checked_before_storing(tmp_path):
    g = guard(tmp_path, author=Budget(3, 60), peer=Budget(5, 60), strikes=Budget(100, 60))
    t = now()
    results = [g.admit(m.raw, m.id, "p1", 0.0, topic=W)[1] for m in (request(FLOODER, i, t) for i in range(4))]
    assert results == ["", "", "", "rate-author"]
    other = [g.admit(m.raw, m.id, "p1", 0.0, topic=W)[1] for m in (request(HONEST, i, t) for i in range(3))]
    assert other == ["", "rate-peer", "rate-peer"]  # p1 spent its 5
    assert g.admit(request(HONEST, 1, t).raw, request(HONEST, 1, t).id, "p2", 0.0, topic=W)[1] == ""
    assert g.ingest.store.count(W) == 5
    assert g.ingest.rejected[("p1", "rate-author")] == 1 and g.ingest.rejected[("p1", "rate-peer")] == 2


def test_many_new_keys_through_one_peer_meet_its_budget_for_newcomers(tmp_path):
    g = guard(tmp_path, peer_newcomers=Budget(4, 60))
    sybils = [request(Identity.generate(), 0) for _ in range(6)]
    assert [g.admit(m.raw, m.id, "p", 0.0, topic=W)[1] for m in sybils] == [""] * 4 + ["rate-newcomers"] * 2
    assert g.admit(sybils[5].raw, sybils[5].id, "q", 0.0, topic=W)[1] == ""  # another peer has its own
    assert g.ingest.rejected[("p", "rate-newcomers")] == 2


def test_authors_with_standing_get_the_larger_budget(tmp_path):
    g = guard(tmp_path, author=Budget(1, 60), author_standing=Budget(5, 60))
    t = now()
    q = request(ASKER, 0, t)
    answer = sign(HELPER, "answer", W, {"text": "a"}, [q.id], created=t + 1)
    accept = sign(ASKER, "accept", W, {}, [answer.id], created=t + 2)
    for m in (q, answer, accept):
        g.ingest(m.raw, now(), "sync")  # sync is not budgeted
    assert HELPER.did in g.standing(100.0) and ASKER.did not in g.standing(100.0)  # the asker accepted itself
    more = [sign(HELPER, "answer", W, {"text": f"b{i}"}, [q.id], created=t + 3 + i) for i in range(5)]
    assert [g.admit(m.raw, m.id, "p", 100.0, topic=W)[1] for m in more] == [""] * 5
    extra = [sign(ASKER, "answer", W, {"text": f"c{i}"}, [q.id], created=t + 9 + i) for i in range(2)]
    assert [g.admit(m.raw, m.id, "p", 100.0, topic=W)[1] for m in extra] == ["", "rate-author"]


def test_invalid_ids_are_remembered_and_repeated_drops_graylist_the_peer(tmp_path):
    g = guard(tmp_path, strikes=Budget(3, 60), graylist_seconds=10)
    raw = request(FLOODER, 0).raw
    forged = raw[:-1] + bytes([raw[-1] ^ 1])  # the signature's last byte changed
    assert g.admit(forged, "f", "p", 0.0, topic=W)[1] == "bad-signature"
    assert g.admit(forged, "f", "p", 0.0, topic=W)[1] == "known-invalid"
    assert g.ingest.rejected[("p", "known-invalid")] == 1
    assert not g.graylisted("p", 0.0)
    g.admit(forged, "f", "p", 0.0, topic=W)
    g.admit(forged, "f", "p", 0.0, topic=W)  # the fourth strike: no token left
    assert g.graylisted("p", 1.0)
    ok = request(HONEST, 0)
    assert g.admit(ok.raw, ok.id, "p", 1.0, topic=W) == (None, "graylisted")
    assert g.tick(5.0) == ["p"]
    assert g.tick(11.0) == [] and g.admit(ok.raw, ok.id, "p", 11.0, topic=W)[1] == ""


def test_a_message_in_the_wrong_topic_is_dropped_not_stored_and_not_remembered_as_invalid(tmp_path):
    g = guard(tmp_path)
    elsewhere = sign(ASKER, "request", "acme/gadget", {"title": "t", "text": "x"}, created=now())
    assert g.admit(elsewhere.raw, elsewhere.id, "p", 0.0, topic=W) == (None, "wrong-topic")
    assert not g.ingest.store.has(elsewhere.id) and g.ingest.rejected[("p", "wrong-topic")] == 1
    answer = sign(HELPER, "answer", "acme/gadget", {"text": "a"}, [elsewhere.id], created=now())
    assert g.admit(answer.raw, answer.id, "p", 0.0, topic=W) == (None, "wrong-topic")  # not parked either
    assert not g.parked
    assert g.admit(elsewhere.raw, elsewhere.id, "q", 0.0, topic="acme/gadget")[1] == ""  # valid on its own topic
    assert g.ingest.store.has(elsewhere.id)


def test_parking_is_bounded_per_peer_and_in_total(tmp_path):
    g = guard(tmp_path, park_per_peer=2, park_total=3)
    missing = request(ASKER, 0)
    answers = [sign(HELPER, "answer", W, {"text": f"a{i}"}, [missing.id], created=now()) for i in range(5)]
    reasons = [g.admit(m.raw, m.id, peer, 0.0, topic=W)[1] for m, peer in zip(answers, "ppqqr", strict=True)]
    assert reasons == ["missing-ref", "missing-ref", "missing-ref", "parked-full", "parked-full"]
    g.ingest(missing.raw, now(), "sync")
    assert all(g.ingest.store.has(m.id) for m in answers[:3]) and not g.parked and not +g.parked_by_peer


def test_a_request_naming_terms_not_yet_held_is_parked_until_they_arrive(tmp_path):
    """specs/14 section 3: the terms document a request names is waited for like a missing ref."""
    g = guard(tmp_path)
    terms = sign(ASKER, "terms", W, {"words": ["no-tracking"]}, created=now())
    asked = sign(ASKER, "request", W, {"title": "t", "text": "x", "terms_doc": bytes.fromhex(terms.id)},
                 created=now() + 1)
    assert g.admit(asked.raw, asked.id, "p", 0.0, topic=W) == (None, "missing-ref")
    assert list(g.parked) == [terms.id]
    g.ingest(terms.raw, now(), "sync")
    assert g.ingest.store.has(asked.id) and not g.parked


async def wait_disconnected(a, b) -> None:
    await trio_wait_for(lambda: b.net.host.get_id() not in a.net.host.get_connected_peers(),
                        "the flooder disconnected")


@pytest.mark.trio
async def test_a_flooder_is_held_to_its_budget_and_disconnected_while_honest_messages_arrive(tmp_path):
    settings = Settings(author=Budget(AUTHOR_BUDGET, 3600), strikes=Budget(50, 3600))
    async with trio.open_nursery() as nursery:
        r = await start_node(nursery, tmp_path / "r", "r", flood_settings=settings)
        f, h = [await start_node(nursery, tmp_path / n, n) for n in "fh"]
        for node in (r, f, h):
            await node.follow(W)
        for node in (f, h):
            await connect(node, r)
            await wait_subscribed(node, r, W)
        t = now()
        flood = [request(FLOODER, i, t).raw for i in range(FLOOD)]
        honest = []

        async def flooding():
            for raw in flood:  # raw publishes: the flooder's own node would hold them to no budget either
                await f.net.pubsub.publish(topic_name(W), raw)
                await trio.sleep(0)

        nursery.start_soon(flooding)
        for i in range(10):
            honest.append(await h.submit(request(HONEST, i, t).raw))
            await trio.sleep(0.05)
        for m in honest:
            await wait_stored(r, m.id)
        await wait_disconnected(r, f)
        assert f.peer_id in r.guard.graylist and r.counters()["graylisted"] == 1
        held = [raw for raw in r.store.raw_all(W) if raw in set(flood)]
        assert len(held) == AUTHOR_BUDGET
        dropped = {reason: n for (src, reason), n in r.ingest.rejected.items() if src == f.peer_id}
        assert dropped["rate-author"] >= 50
        # It dials again: refused at once (pubsub blacklist) and hung up on by the guard.
        with contextlib.suppress(SwarmException):  # R may hang up before the dial has completed
            await connect(f, r)
        await wait_disconnected(r, f)
        assert len([raw for raw in r.store.raw_all(W) if raw in set(flood)]) == AUTHOR_BUDGET
        nursery.cancel_scope.cancel()


def invalid_flood(kind: str, n: int) -> list[bytes]:
    """Payloads of a flood of one kind: random bytes, requests with a broken signature, answers to messages
    nobody has."""
    t = now()
    if kind == "junk":
        return [os.urandom(200) for _ in range(n)]
    if kind == "missing-ref":
        return [sign(FLOODER, "answer", W, {"text": f"a{i}"}, [os.urandom(32).hex()], created=t + i).raw
                for i in range(n)]
    return [raw[:-1] + bytes([raw[-1] ^ 1]) for raw in (request(FLOODER, i, t).raw for i in range(n))]


@pytest.mark.trio
@pytest.mark.parametrize(("kind", "reason"), [("junk", "malformed"), ("bad-signature", "bad-signature"),
                                              ("missing-ref", "parked-full")])
async def test_a_flooder_of_invalid_messages_is_disconnected_and_nothing_of_it_stored(tmp_path, kind, reason):
    """F writes ready-made gossipsub frames straight on a stream of its own to R (as fast as R reads them), while
    H publishes: H's messages all arrive, none of F's is stored, at most its parking share waits, and R
    disconnects F and keeps it out."""
    settings = Settings(strikes=Budget(30, 3600), park_per_peer=10)
    async with trio.open_nursery() as nursery:
        r = await start_node(nursery, tmp_path / "r", "r", flood_settings=settings)
        f, h = [await start_node(nursery, tmp_path / n, n) for n in "fh"]
        for node in (r, h):
            await node.follow(W)
        await connect(h, r)
        await wait_subscribed(h, r, W)
        await connect(f, r)
        r_id = r.net.host.get_id()
        await f.net.pubsub.wait_for_peer(r_id, 30)
        stream = await f.net.host.new_stream(r_id, libp2p_fixes.PROTOCOLS)
        payloads = invalid_flood(kind, FLOOD)
        frames = rpc_frames(p2p.host_key(tmp_path / "f" / "f.key"), W, payloads)

        async def flooding():
            with contextlib.suppress(Exception):  # R resets the stream, then closes the connection
                for i in range(0, len(frames), 20):
                    await stream.write(b"".join(frames[i:i + 20]))
                    await trio.sleep(0.01)

        nursery.start_soon(flooding)
        t = now()
        honest = []
        for i in range(5):
            honest.append(await h.submit(request(HONEST, i, t).raw))
            await trio.sleep(0.05)
        for m in honest:
            await wait_stored(r, m.id)
        await wait_disconnected(r, f)
        assert f.peer_id in r.guard.graylist
        assert r.store.count(W) == len(honest)
        dropped = {why: n for (src, why), n in r.ingest.rejected.items() if src == f.peer_id}
        assert dropped[reason] >= 1 and r.counters()["parked"] <= settings.park_per_peer
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_answers_to_unknown_messages_are_parked_then_stored_or_dropped(tmp_path):
    async with trio.open_nursery() as nursery:
        b = await start_node(nursery, tmp_path / "b", "b", flood_settings=Settings(park_seconds=2.0))
        a, c = [await start_node(nursery, tmp_path / n, n) for n in "ac"]
        for node in (a, b, c):
            await node.follow(W)
        await connect(a, b)
        await connect(c, b)  # C hears only what B forwards or publishes
        for x, y in ((a, b), (b, c), (c, b)):
            await wait_subscribed(x, y, W)
        t = now()
        by_gossip, by_sync, never = (request(ASKER, i, t) for i in range(3))
        answers = [sign(HELPER, "answer", W, {"text": "x"}, [q.id], created=t + 10)
                   for q in (by_gossip, by_sync, never)]
        for m in answers:  # raw publishes: A's own node would refuse an answer to what it does not hold
            await a.net.pubsub.publish(topic_name(W), m.raw)
        await trio_wait_for(lambda: b.counters()["parked"] == 3, "three answers parked")
        assert not any(b.store.has(m.id) for m in answers)
        await a.net.pubsub.publish(topic_name(W), by_gossip.raw)
        await wait_stored(b, answers[0].id)
        b.ingest(by_sync.raw, now(), "sync")  # what node/sync.py does with a message it fetched
        await wait_stored(b, answers[1].id)  # released when the group it was stored in commits
        await wait_stored(c, answers[0].id)  # released, then passed on (parked, it was not forwarded)
        await trio_wait_for(lambda: b.ingest.rejected[(a.peer_id, "parked-timeout")] == 1, "the third dropped")
        assert not b.store.has(answers[2].id) and not b.guard.parked and not c.store.has(answers[2].id)
        assert a.net.host.get_id() in b.net.host.get_connected_peers()  # parking is no offence
        nursery.cancel_scope.cancel()


def test_settings_from_the_home_config_name_a_bad_key():
    s = Settings.from_config({"author": [5, 10], "park_seconds": 2})
    assert s.author == Budget(5, 10.0) and s.park_seconds == 2.0 and s.peer == Settings().peer
    for bad in ({"author": [0, 10]}, {"author": 5}, {"peer": [1, 0]}, {"park_total": -1}, {"nonsense": 1},
                {"park_seconds": True}):
        with pytest.raises(ValueError, match=f"flood.{next(iter(bad))}"):
            Settings.from_config(bad)
    with pytest.raises(ValueError, match='"flood" must be an object'):
        Settings.from_config([])


def test_run_with_a_bad_flood_setting_is_one_line(tmp_path, capsys):
    from antiport.app.cli import main
    home = tmp_path / "h"
    assert main(["--home", str(home), "init", "--no-passphrase"]) == 0
    config = json.loads((home / "config.json").read_text())
    (home / "config.json").write_text(json.dumps({**config, "flood": {"author": [0, 5]}}))
    capsys.readouterr()
    assert main(["--home", str(home), "run"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "flood.author must be [count >= 1, seconds > 0]" in err
