"""Deterministic CBOR: round trips, and refusal of every other encoding of the same value."""
from __future__ import annotations

import cbor2
import pytest
from antiport.protocol import Rejected, codec
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

scalars = (st.integers(min_value=-(2**64), max_value=2**64 - 1) | st.text(max_size=30) | st.binary(max_size=30)
           | st.booleans() | st.none())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(st.text(max_size=10), inner, max_size=5), max_leaves=30)


@given(values)
def test_round_trip(value):
    data = codec.encode(value)
    assert codec.decode(data) == value
    assert codec.encode(codec.decode(data)) == data


@given(st.dictionaries(st.text(max_size=10), scalars, min_size=2, max_size=6))
def test_any_other_key_order_is_refused(value):
    reordered = dict(reversed(list(codec.decode(codec.encode(value)).items())))
    data = cbor2.dumps(reordered)  # insertion order, not deterministic order
    with pytest.raises(Rejected) as e:
        codec.decode(data)
    assert e.value.reason == "non-canonical"


@given(values)
def test_keys_in_order_is_the_canonical_rule(value):
    """decode re-encodes without cbor2's canonical mode and checks key order instead: it accepts an encoding exactly
    when the canonical re-encoding is the same bytes (maps nested anywhere, keys in any order)."""
    data = cbor2.dumps(value)  # each map in the order hypothesis built it
    try:
        codec.decode(data)
        accepted = True
    except Rejected as e:
        assert e.reason == "non-canonical"
        accepted = False
    assert accepted == (cbor2.dumps(value, canonical=True) == data)


def _long_header(major: int, n: int, width: int) -> bytes:
    extra = {1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([major << 5 | extra]) + n.to_bytes(width, "big")


@given(st.integers(min_value=0, max_value=2**16 - 1), st.sampled_from([4, 8]))
def test_non_minimal_integer_is_refused(n, width):
    with pytest.raises(Rejected) as e:
        codec.decode(_long_header(0, n, width))
    assert e.value.reason == "non-canonical"


@given(st.binary(max_size=23))
def test_non_minimal_length_is_refused(data):
    with pytest.raises(Rejected) as e:
        codec.decode(_long_header(2, len(data), 1) + data)
    assert e.value.reason == "non-canonical"


@given(values, st.binary(min_size=1, max_size=4))
def test_trailing_bytes_are_refused(value, tail):
    with pytest.raises(Rejected) as e:
        codec.decode(codec.encode(value) + tail)
    assert e.value.reason == "non-canonical"


@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_canonically_or_are_refused(data):
    try:
        value = codec.decode(data)
    except Rejected as e:
        assert e.reason in ("malformed", "non-canonical")
    else:
        assert codec.encode(value) == data


@pytest.mark.parametrize("hex_, what", [
    ("f93c00", "half float"), ("fb3ff8000000000000", "double"), ("c11a5e0be100", "date tag"),
    ("c24101", "bignum tag"), ("d9d9f7a0", "self-describe tag"), ("d8634101", "unknown tag"),
    ("f7", "undefined"), ("f0", "simple value 16"), ("5f4101ff", "indefinite bytes"), ("9f01ff", "indefinite array"),
    ("a2616101616102", "duplicate key"), ("a10101", "int key"), ("62ffff", "bad UTF-8"), ("", "empty"),
    ("42aa", "truncated"), ("ff", "break"),
])
def test_outside_the_data_model_is_malformed(hex_, what):
    with pytest.raises(Rejected) as e:
        codec.decode(bytes.fromhex(hex_))
    assert e.value.reason == "malformed", what


def test_nesting_limit():
    assert codec.decode(bytes.fromhex("81" * 15 + "01"), max_depth=16)
    assert codec.decode(bytes.fromhex("81" * 16 + "01"), max_depth=16)
    with pytest.raises(Rejected, match="malformed"):
        codec.decode(bytes.fromhex("81" * 17 + "01"), max_depth=16)


@pytest.mark.parametrize("value", [1.5, {1: "x"}, 2**64, -(2**64) - 1, {"a": {"b": object()}}])
def test_encode_refuses_values_outside_the_model(value):
    with pytest.raises(Rejected, match="malformed"):
        codec.encode(value)


@settings(max_examples=50)
@given(st.dictionaries(st.text(max_size=30), st.integers(0, 10), min_size=2, max_size=8))
def test_keys_sort_by_encoded_bytes(value):
    data = codec.encode(value)
    keys = list(codec.decode(data))
    encoded = [cbor2.dumps(k) for k in keys]
    assert encoded == sorted(encoded)


@pytest.mark.parametrize("hex_", ["c24101", "d81c81d81d00", "d9010081617881d81900", "a1c1000100"])
def test_every_tag_is_refused_alike(hex_):
    """Bignums, shared values, string references, a tagged map key: cbor2's own tag decoders never run."""
    with pytest.raises(Rejected) as e:
        codec.decode(bytes.fromhex(hex_))
    assert e.value.reason == "malformed"


def test_a_programming_error_is_not_a_malformed_message():
    """Only cbor2's decode errors mean "malformed": a caller's mistake surfaces as itself (with a cbor2 that
    lacked a decoder option, every envelope used to be refused as malformed)."""
    with pytest.raises(TypeError):
        codec.decode("a1616101")
    with pytest.raises(TypeError):
        codec.decode(bytes.fromhex("a1616101"), max_depth="16")
