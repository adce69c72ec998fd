"""The sync reconciler (protocol/sync.py): two sides in memory end knowing both differences, at a cost that
grows with the difference; hostile frames raise RemoteProtocolError and nothing else."""
from __future__ import annotations

import random

import pytest
from antiport.protocol import codec
from antiport.protocol.sync import (
    EMPTY_FRAME,
    FINGERPRINT,
    IDDIFF,
    IDLIST,
    MAX_FRAME,
    MAX_RANGES,
    MIN_FRAME,
    Have,
    LocalProtocolError,
    Need,
    Reconciler,
    RemoteProtocolError,
    decode_frame,
    separator,
)
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fast


def reconcile(a: Reconciler, b: Reconciler) -> dict:
    """Run an exchange in memory; returns the events each side saw and the bytes both ways."""
    events = {a: [], b: []}
    frame, sender, receiver = a.initiate(), a, b
    while frame is not None:
        got, frame = receiver.receive(frame)
        events[receiver] += got
        sender, receiver = receiver, sender
    return {"a": events[a], "b": events[b], "bytes": a.bytes_out + b.bytes_out}


def items_of(ids_created):
    return [(c, i) for i, c in ids_created.items()]


def check(a_items, b_items, frame_limit=MAX_FRAME):
    a, b = Reconciler(a_items, frame_limit), Reconciler(b_items, frame_limit)
    out = reconcile(a, b)
    a_ids, b_ids = {i for _, i in a_items}, {i for _, i in b_items}
    assert a.need == b_ids - a_ids and a.have == a_ids - b_ids
    assert b.need == a_ids - b_ids and b.have == b_ids - a_ids
    assert a.done and b.done
    # events report each id once, and together say the same as need/have
    for side, evs in ((a, out["a"]), (b, out["b"])):
        need = [i for e in evs if isinstance(e, Need) for i in e.ids]
        have = [i for e in evs if isinstance(e, Have) for _, i in e.items]
        assert sorted(need) == sorted(side.need) and sorted(have) == sorted(side.have)
    return out


ids = st.binary(min_size=32, max_size=32)
times = st.integers(min_value=0, max_value=50)  # few distinct times: many ties broken by id


@settings(max_examples=150, deadline=None)
@given(common=st.dictionaries(ids, times, max_size=300), only_a=st.dictionaries(ids, times, max_size=60),
       only_b=st.dictionaries(ids, times, max_size=60), small=st.booleans())
def test_both_sides_learn_both_differences(common, only_a, only_b, small):
    a = items_of({**common, **only_a})
    b = items_of({**common, **only_b})
    check(a, b, MIN_FRAME if small else MAX_FRAME)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(0, 5000), missing=st.integers(0, 40))
def test_larger_sets(seed, n, missing):
    rng = random.Random(seed)
    items = [(1_700_000_000_000 + rng.randrange(10**6), rng.randbytes(32)) for _ in range(n)]
    gone = set(rng.sample(range(n), min(missing, n)))
    check(items, [x for k, x in enumerate(items) if k not in gone], MIN_FRAME)


def test_empty_against_full_uses_many_bounded_frames():
    rng = random.Random(1)
    items = [(1_700_000_000_000 + k, rng.randbytes(32)) for k in range(20_000)]
    a, b = Reconciler([], MIN_FRAME), Reconciler(items, MIN_FRAME)
    sizes = []
    frame, sender, receiver = a.initiate(), a, b
    while frame is not None:
        sizes.append(len(frame))
        _, frame = receiver.receive(frame)
        sender, receiver = receiver, sender
    assert max(sizes) <= MIN_FRAME
    assert a.need == {i for _, i in items} and not a.have and b.have == a.need


def test_equal_sets_cost_one_round_trip():
    rng = random.Random(2)
    items = [(k, rng.randbytes(32)) for k in range(10_000)]
    out = check(items, list(items))
    assert out["bytes"] < 100


def cost(n: int, missing: int) -> int:
    rng = random.Random(n)
    items = [(1_700_000_000_000 + rng.randrange(10**9), rng.randbytes(32)) for _ in range(n)]
    gone = set(rng.sample(range(n), missing))
    return check(items, [x for k, x in enumerate(items) if k not in gone])["bytes"]


def test_cost_grows_with_the_difference_not_the_total():
    ten_of_100k = cost(100_000, 10)
    assert ten_of_100k < 50_000
    assert ten_of_100k < 2 * cost(10_000, 10)  # 10x the items: one more level of fingerprints, not 10x
    assert cost(10_000, 100) > 5 * cost(10_000, 10)  # 10x the difference: several times the bytes


def test_separator_is_shortest_between():
    a, b = (5, bytes([1, 2, 3]) + bytes(29)), (5, bytes([1, 2, 9]) + bytes(29))
    assert separator(a, b) == (5, bytes([1, 2, 9]))
    assert a < separator(a, b) <= b
    assert separator((4, b"\xff" * 32), b) == (5, b"")


# -- hostile frames ---------------------------------------------------------------------------------------

def frame(ranges, v=1):
    return codec.encode({"v": v, "r": ranges})


FP = bytes(16)
BAD_FRAMES = {
    "not cbor": b"\xff\x00",
    "non-canonical": b"\xa2\x61v\x01\x61r\x80",  # keys out of order
    "oversize": b"\x00" * (MAX_FRAME + 1),
    "wrong version": frame([], v=2),
    "version true": codec.encode({"v": True, "r": []}),
    "extra key": codec.encode({"v": 1, "r": [], "x": 1}),
    "too many ranges": frame([[1, b"", 0, None]] * MAX_RANGES + [[0, b"", 0, None]]),
    "last not infinity": frame([[5, b"", FINGERPRINT, FP]]),
    "infinity not last": frame([[0, b"", FINGERPRINT, FP], [0, b"", FINGERPRINT, FP]]),
    "bounds not increasing": frame([[5, b"\x02", 0, None], [1, b"\x01", 0, None], [0, b"", 0, None]]),
    "long prefix": frame([[5, b"\x00" * 33, 0, None], [0, b"", 0, None]]),
    "short fingerprint": frame([[0, b"", FINGERPRINT, b"\x00"]]),
    "unknown mode": frame([[0, b"", 9, None]]),
    "short id": frame([[0, b"", IDLIST, [b"\x01" * 31]]]),
    "duplicate ids": frame([[0, b"", IDLIST, [b"\x01" * 32] * 2]]),
    "bitmap length": frame([[0, b"", IDDIFF, [[], b"\x00\x00"]]]),
    "range shape": frame([[0, b"", 1]]),
}


@pytest.mark.parametrize("name", BAD_FRAMES)
def test_hostile_frames_are_refused(name):
    r = Reconciler([(1, b"\x05" * 32)])
    with pytest.raises(RemoteProtocolError):
        r.receive(BAD_FRAMES[name])


def test_iddiff_claiming_we_lack_what_we_hold():
    held = b"\x05" * 32
    r = Reconciler([(1, held)])
    with pytest.raises(RemoteProtocolError):
        r.receive(frame([[0, b"", IDDIFF, [[held], b"\x00"]]]))


def test_round_limit_stops_an_endless_peer():
    rng = random.Random(4)
    r = Reconciler([(k, rng.randbytes(32)) for k in range(100)], max_rounds=5)
    with pytest.raises(RemoteProtocolError):
        for _ in range(6):
            r.receive(frame([[0, b"", FINGERPRINT, rng.randbytes(16)]]))  # never agrees


def test_misuse_is_local_error():
    r = Reconciler([])
    r.receive(EMPTY_FRAME)
    with pytest.raises(LocalProtocolError):
        r.receive(EMPTY_FRAME)
    with pytest.raises(LocalProtocolError):
        Reconciler([], frame_limit=100)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_remote_errors(data):
    r = Reconciler([(1, b"\x05" * 32), (2, b"\x06" * 32)])
    try:
        r.receive(data)
    except RemoteProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-2**64, 2**64 - 1) | st.binary(max_size=40),
                    lambda c: st.lists(c, max_size=5), max_leaves=30))
def test_random_ranges_raise_only_remote_errors(ranges):
    r = Reconciler([(1, b"\x05" * 32), (2, b"\x06" * 32)])
    try:
        r.receive(frame(ranges if isinstance(ranges, list) else [ranges]))
    except RemoteProtocolError:
        pass


def test_decode_frame_round_trip():
    a = Reconciler([(k, bytes([k]) * 32) for k in range(40)])
    ranges = decode_frame(a.initiate())
    assert [m for _, m, _ in ranges] == [FINGERPRINT]
