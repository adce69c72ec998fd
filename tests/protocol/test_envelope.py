"""Signing and parsing envelopes: round trips, ids, the clock window, and tamper detection."""
from __future__ import annotations

import hashlib

import cbor2
import pytest
from antiport.crypto import Identity
from antiport.protocol import DOMAIN, MAX_ENVELOPE, Rejected, load, message_id, parse, sign
from antiport.protocol.envelope import MAX_SKEW_MS, MIN_CREATED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

ALICE = Identity(bytes(range(32)))
NOW = 1_767_225_600_000

texts = st.text(max_size=40)
bodies = st.dictionaries(st.text(min_size=1, max_size=10),
                         texts | st.binary(max_size=40) | st.integers(-(2**63), 2**63) | st.booleans() | st.none(),
                         max_size=5)
ids = st.binary(min_size=32, max_size=32).map(bytes.hex)


@given(kind=st.text(max_size=20).map("x-".__add__), body=bodies,
       refs=st.lists(ids, max_size=3), created=st.integers(MIN_CREATED, NOW))
def test_sign_then_parse_round_trip(kind, body, refs, created):
    msg = sign(ALICE, kind, "acme/widget", body, refs, created=created)
    again = parse(msg.raw, NOW)
    assert again == msg
    assert (again.kind, again.body, again.refs, again.created) == (kind, body, tuple(refs), created)
    assert again.author == ALICE.public_key and again.author_did == ALICE.did
    assert load(msg.raw) == msg


def test_id_is_blake2b_256_of_the_envelope():
    msg = sign(ALICE, "profile", "", {"name": "Alice"}, created=NOW)
    assert msg.id == hashlib.blake2b(msg.raw, digest_size=32).hexdigest() == message_id(msg.raw)


def test_signature_covers_domain_and_payload():
    msg = sign(ALICE, "profile", "", {"name": "Alice"}, created=NOW)
    payload, signature = cbor2.loads(msg.raw)
    assert signature == ALICE.sign(DOMAIN + payload)
    assert DOMAIN == b"antiport/msg/v1\x00"


def _signed_at(created: int) -> bytes:
    """An envelope built by hand (sign() itself refuses creation times before 2020)."""
    payload = cbor2.dumps({"v": 1, "kind": "x-t", "author": ALICE.public_key, "topic": "", "created": created,
                           "refs": [], "body": {}}, canonical=True)
    return cbor2.dumps([payload, ALICE.sign(DOMAIN + payload)], canonical=True)


def test_clock_window():
    for created in (NOW + MAX_SKEW_MS, MIN_CREATED, NOW - 10**11):
        assert parse(_signed_at(created), NOW).created == created
    for created in (NOW + MAX_SKEW_MS + 1, MIN_CREATED - 1, 0):
        with pytest.raises(Rejected) as e:
            parse(_signed_at(created), NOW)
        assert e.value.reason == "clock-skew"


def test_future_message_is_accepted_without_a_clock():
    raw = sign(ALICE, "x-t", "", {}, created=NOW).raw
    assert parse(raw).created == NOW  # `now` is optional for parse; validate always passes it


def test_size_limit_is_inclusive():
    def envelope_of(n: int) -> bytes:
        return sign(ALICE, "x-blob", "", {"d": bytes(n)}, created=NOW).raw
    base = len(envelope_of(1000)) - 1000
    # lengths of the byte string header change at 256 and 65536, so the padding is found by search
    n = MAX_ENVELOPE - base
    while len(envelope_of(n)) > MAX_ENVELOPE:
        n -= 1
    assert len(envelope_of(n)) <= MAX_ENVELOPE
    with pytest.raises(Rejected, match="oversize"):
        sign(ALICE, "x-blob", "", {"d": bytes(n + 1)}, created=NOW)


ENVELOPE = sign(ALICE, "request", "acme/widget", {"title": "Help", "text": "It broke."}, created=NOW).raw


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(ENVELOPE) - 1), xor=st.integers(1, 255))
def test_any_single_byte_change_is_refused(index, xor):
    raw = bytearray(ENVELOPE)
    raw[index] ^= xor
    with pytest.raises(Rejected):
        parse(bytes(raw), NOW)


def test_every_position_flipped_is_refused():
    for index in range(len(ENVELOPE)):
        raw = bytearray(ENVELOPE)
        raw[index] ^= 0x80
        with pytest.raises(Rejected):
            parse(bytes(raw), NOW)


@given(cut=st.integers(0, len(ENVELOPE) - 1))
def test_truncation_is_refused(cut):
    with pytest.raises(Rejected) as e:
        parse(ENVELOPE[:cut], NOW)
    assert e.value.reason == "malformed"


def test_sign_refuses_what_parse_would_refuse():
    with pytest.raises(Rejected, match="bad-field"):
        sign(ALICE, "x-t", "", {}, refs=["ab" * 31], created=NOW)
