"""The context rules of specs/02-kinds.md section 4, checked on the real Store and on the spec's reading."""
from __future__ import annotations

import itertools

import pytest
from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import Rejected, sign, validate
from spec_vectors import Held

pytestmark = pytest.mark.fast

CAROL, DAVE, ERIN, ALICE = (Identity(bytes([i]) * 32) for i in range(1, 5))
T0 = 1_767_225_600_000
NOW = T0 + 3_600_000
W, G = "acme/widget", "acme/gadget"


def manifest(created, topics=(W,), keys=(DAVE,), author=CAROL, org="Acme"):
    body = {"org": org, "topics": list(topics), "keys": [k.public_key for k in keys]}
    return sign(author, "vendor", "", body, created=created)


def status_by(who, request):
    return sign(who, "status", request.topic, {"state": "acknowledged"}, [request.id], created=T0 + 10_000)


def contexts(tmp_path, msgs):
    """The same messages held by a real Store and by the spec's reading of the rule."""
    store = Store(tmp_path / f"s{next(_n)}.db")
    store.add_many(list(msgs), NOW)
    return store, Held(m.raw for m in msgs)


_n = itertools.count()
REQUEST = sign(ALICE, "request", W, {"title": "t", "text": "x"}, created=T0)


def claimed(ctx, topic=W):
    return ctx.claimed_keys(topic)


def vendors(store, topic=W):
    """The keys of the vendors' current (newest) manifests: whom a client shows and seals to."""
    return store.vendor_keys(topic)


def test_manifest_author_and_its_keys_are_vendor_keys(tmp_path):
    for ctx in contexts(tmp_path, [manifest(T0, topics=(W, G))]):
        assert claimed(ctx) == claimed(ctx, G) == {CAROL.public_key, DAVE.public_key}
        assert claimed(ctx, "other/topic") == set()


def test_a_newer_manifest_does_not_revoke_what_an_older_one_allowed(tmp_path):
    old, new = manifest(T0), manifest(T0 + 1, keys=(ERIN,))
    for ctx in contexts(tmp_path, [old, new, REQUEST]):
        assert claimed(ctx) == {CAROL.public_key, DAVE.public_key, ERIN.public_key}
        assert validate(status_by(DAVE, REQUEST).raw, NOW, ctx).kind == "status"
    store, _ = contexts(tmp_path, [old, new])
    assert vendors(store) == {CAROL.public_key, ERIN.public_key}, "the current manifest is the newest"


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_the_same_messages_in_any_order_give_the_same_store(tmp_path, order):
    """Two nodes get the same messages in different orders (gossip), then retry what they refused (sync):
    they hold the same messages. With "only the newest manifest counts" dave's status was kept by a node
    that saw it before the manifest dropping the topic, and refused by one that saw that manifest first."""
    msgs = [manifest(T0), REQUEST, status_by(DAVE, REQUEST), manifest(T0 + 20_000, topics=(G,))]
    held = []
    for arrival in (range(4), order):
        ingest = Ingest(Store(tmp_path / f"n{next(_n)}.db"))
        waiting = [msgs[i].raw for i in arrival]
        for _ in msgs:  # one pass per message is enough for the last refusal to be retried with all context
            refused = []
            for raw in waiting:
                try:
                    ingest(raw, NOW, "peer")
                except Rejected:
                    refused.append(raw)
            waiting = refused
        held.append({raw for raw, in ingest.store.db.execute("SELECT raw FROM messages")})
    assert held[0] == held[1] == {m.raw for m in msgs}


def test_equal_times_pick_the_smallest_id_as_current(tmp_path):
    a, b = manifest(T0, keys=(DAVE,)), manifest(T0, keys=(ERIN,))
    winner = min(a, b, key=lambda m: m.id)
    store, held = contexts(tmp_path, [a, b])
    assert vendors(store) == {CAROL.public_key, *winner.body["keys"]}
    assert claimed(store) == claimed(held) == {CAROL.public_key, DAVE.public_key, ERIN.public_key}


def test_two_vendors_may_claim_one_topic(tmp_path):
    other = manifest(T0, keys=(), author=ERIN, org="Rival")
    store, held = contexts(tmp_path, [manifest(T0), other])
    assert vendors(store) == claimed(store) == claimed(held) == {CAROL.public_key, DAVE.public_key, ERIN.public_key}


def test_manifest_moving_away_from_a_topic(tmp_path):
    store, held = contexts(tmp_path, [manifest(T0), manifest(T0 + 5, topics=(G,))])
    assert vendors(store) == set(), "nobody is the vendor of acme/widget now"
    assert vendors(store, G) == {CAROL.public_key, DAVE.public_key}
    assert claimed(store) == claimed(held) == {CAROL.public_key, DAVE.public_key}, "its old statuses stay valid"
