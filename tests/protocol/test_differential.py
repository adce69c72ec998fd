"""The protocol code and the independent verifier refuse damaged envelopes for the same reason."""
from __future__ import annotations

import cbor2
import pytest
from antiport.protocol import Rejected, validate
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from spec_vectors import Held
from test_independent_verifier import PAYLOADS, VALID, Refused, held, verify

pytestmark = pytest.mark.fast


def reasons(raw: bytes, v: dict) -> tuple[str | None, str | None]:
    try:
        validate(raw, v["now"], Held(bytes.fromhex(w["envelope"]) for w in VALID if w["id"] in v["context"]))
        ours = None
    except Rejected as e:
        ours = e.reason
    try:
        verify(raw, v["now"], held(v["context"]))
        theirs = None
    except Refused as e:
        theirs = str(e)
    return ours, theirs


vectors = st.sampled_from(VALID)


@settings(max_examples=400, deadline=None)
@given(vectors, st.data())
def test_byte_changes(v, data):
    raw = bytearray.fromhex(v["envelope"])
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    assume(raw.hex() != v["envelope"])  # two changes at one place may cancel out
    ours, theirs = reasons(bytes(raw), v)
    assert ours == theirs and ours is not None


@settings(max_examples=200, deadline=None)
@given(vectors, st.data())
def test_payload_changes_re_signed(v, data):
    """Change the payload's bytes, then sign it again: the decoding and field rules get exercised."""
    import nacl.signing
    from test_vectors import SEEDS
    payload = bytearray.fromhex(v["payload"])
    payload[data.draw(st.integers(0, len(payload) - 1))] ^= data.draw(st.integers(1, 255))
    sig = nacl.signing.SigningKey(SEEDS[v["author"]].seed).sign(b"antiport/msg/v1\x00" + payload).signature
    ours, theirs = reasons(cbor2.dumps([bytes(payload), sig]), v)
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_arbitrary_bytes(raw):
    ours, theirs = reasons(raw, VALID[0])
    assert ours == theirs


assert PAYLOADS  # the verifier's vectors loaded


FIELD_NAMES = ["title", "text", "private", "to", "value", "state", "note", "reason", "name", "about", "org", "topics",
               "keys", "promise_hours", "subject", "scope", "extra"]
KEY = bytes(range(32))
field_values = st.one_of(st.sampled_from(["", "up", "down", "trust", "spam", "acknowledged", "wont-fix", "acme/widget",
                                          "Acme", "x" * 201, 0, -1, 48, 10_001, True, None, KEY, b"\x01",
                                          ["acme/widget"], ["Acme"], [], [KEY], [b"\x01"], "x" * 501]),
                         st.text(max_size=5))
ALL_IDS = [v["id"] for v in VALID]


@settings(max_examples=500, deadline=None)
@given(kind=st.sampled_from(["request", "complaint", "answer", "accept", "vote", "status", "resolve", "retract",
                             "report", "profile", "vendor", "trust", "label", "x-new"]),
       topic=st.sampled_from(["", "acme/widget", "acme/widget", "acme/widget", "acme/gadget", "Acme/Widget"]),
       refs=st.lists(st.sampled_from(ALL_IDS + ["cd" * 32]), max_size=1)
       | st.lists(st.sampled_from(ALL_IDS), max_size=2),
       body=st.dictionaries(st.sampled_from(FIELD_NAMES), field_values, max_size=5),
       author=st.sampled_from(["alice", "bob", "carol", "dave", "mallory"]),
       version=st.sampled_from([1] * 18 + [2, True]),
       created=st.sampled_from([1_767_225_600_000] * 18 + [1_767_312_600_001, 1_500_000_000_000]),
       context=st.lists(st.sampled_from(ALL_IDS), unique=True, min_size=len(ALL_IDS) - 3))
def test_generated_payloads(kind, topic, refs, body, author, version, created, context):
    """Payloads built field by field, signed properly: the kind and context rules must agree too."""
    from test_vectors import SEEDS
    ident = SEEDS[author]
    p = {"v": version, "kind": kind, "author": ident.public_key, "topic": topic, "created": created,
         "refs": [bytes.fromhex(r) for r in refs], "body": body}
    payload = cbor2.dumps(p, canonical=True)
    raw = cbor2.dumps([payload, ident.sign(b"antiport/msg/v1\x00" + payload)], canonical=True)
    ours, theirs = reasons(raw, {"now": VALID[0]["now"], "context": context})
    assert ours == theirs
