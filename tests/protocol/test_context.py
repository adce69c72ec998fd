"""The context rules of specs/02-kinds.md section 4, checked on the real Store and on the spec's reading."""
from __future__ import annotations

import itertools

import pytest
from antiport.crypto import Identity
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


def vendors(ctx, topic=W):
    return ctx.vendor_keys(topic)


def test_manifest_author_and_its_keys_are_vendor_keys(tmp_path):
    for ctx in contexts(tmp_path, [manifest(T0, topics=(W, G))]):
        assert vendors(ctx) == vendors(ctx, G) == {CAROL.public_key, DAVE.public_key}
        assert vendors(ctx, "other/topic") == set()


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_newest_manifest_wins_whatever_the_arrival_order(tmp_path, order):
    old, new = manifest(T0), manifest(T0 + 1, keys=(ERIN,))
    msgs = [(old, new)[i] for i in order]
    store = Store(tmp_path / "s.db")
    for m in msgs:  # one by one, as they would arrive
        store.add(m, NOW)
    for ctx in (store, Held(m.raw for m in msgs)):
        assert vendors(ctx) == {CAROL.public_key, ERIN.public_key}, "dave was revoked by the newer manifest"
        with pytest.raises(Rejected, match="not-vendor"):
            validate(status_by(DAVE, REQUEST).raw, NOW, _with(ctx, REQUEST))
        assert validate(status_by(ERIN, REQUEST).raw, NOW, _with(ctx, REQUEST)).kind == "status"


def test_equal_times_pick_the_smallest_id(tmp_path):
    a, b = manifest(T0, keys=(DAVE,)), manifest(T0, keys=(ERIN,))
    winner = min(a, b, key=lambda m: m.id)
    for ctx in contexts(tmp_path, [a, b]):
        assert vendors(ctx) == {CAROL.public_key, *winner.body["keys"]}


def test_two_vendors_may_claim_one_topic(tmp_path):
    other = manifest(T0, keys=(), author=ERIN, org="Rival")
    for ctx in contexts(tmp_path, [manifest(T0), other]):
        assert vendors(ctx) == {CAROL.public_key, DAVE.public_key, ERIN.public_key}


def test_manifest_moving_away_from_a_topic(tmp_path):
    for ctx in contexts(tmp_path, [manifest(T0), manifest(T0 + 5, topics=(G,))]):
        assert vendors(ctx) == set()
        assert vendors(ctx, G) == {CAROL.public_key, DAVE.public_key}


def _with(ctx, *msgs):
    """`ctx` plus some messages (added to the Store for real; Held copies)."""
    if isinstance(ctx, Store):
        ctx.add_many(list(msgs), NOW)
        return ctx
    held = Held()
    held.messages = {**ctx.messages, **{m.id: m for m in msgs}}
    return held
