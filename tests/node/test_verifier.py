"""Signatures verified in the worker thread (node/verifier.py) give exactly what protocol.parse gives, and
Ingest.many, which uses it, stores, refuses and counts exactly as a message at a time does."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from antiport.crypto import Identity
from antiport.node import verifier
from antiport.node.ingest import VERIFY_CHUNK, Ingest
from antiport.node.store import Store
from antiport.protocol import Rejected, parse, sign

pytestmark = pytest.mark.fast

VECTORS = Path(__file__).resolve().parents[2] / "specs" / "vectors"
T0 = 1_767_225_600_000
ASKER, HELPER = Identity(bytes([41]) * 32), Identity(bytes([42]) * 32)


def outcome(fn, raw: bytes, now: int):
    try:
        return fn(raw, now)
    except Rejected as e:
        return e.reason


def test_a_batch_parses_every_vector_as_parse_does():
    entries = [v for name in ("valid.json", "invalid.json")
               for v in json.loads((VECTORS / name).read_text())["messages"]]
    raws = [bytes.fromhex(v["envelope"]) for v in entries]
    batch = verifier.Batch(raws)
    for v, raw in zip(entries, raws, strict=True):
        assert outcome(batch.parse, raw, v["now"]) == outcome(parse, raw, v["now"]), v["name"]


def messages(n: int) -> list[bytes]:
    """Requests and answers to them; every 7th signature broken, one envelope cut short, one sent twice."""
    out, root = [], None
    for i in range(n):
        if i % 5 == 0:
            msg = sign(ASKER, "request", "acme/widget", {"title": f"q{i}", "text": "it beeps"}, created=T0 + i)
            root = msg.id
        else:
            msg = sign(HELPER, "answer", "acme/widget", {"text": f"try {i}"}, [root], created=T0 + i)
        raw = msg.raw
        if i % 7 == 3:
            raw = raw[:-1] + bytes([raw[-1] ^ 1])
        out.append(raw)
    out[11] = out[11][:40]
    out.append(out[20])
    return out


def test_many_stores_refuses_and_counts_as_one_at_a_time_does(tmp_path, monkeypatch):
    raws = messages(3 * VERIFY_CHUNK + 4)
    threads = set()
    signed = verifier.signed

    def spy(sealed):
        threads.add(threading.current_thread().name)
        return signed(sealed)

    monkeypatch.setattr(verifier, "signed", spy)
    now = T0 + 10_000
    many = Ingest(Store(tmp_path / "many.db"))
    got = [None if r is None else r.reason for r in many.many(raws, now, "peer")]
    one = Ingest(Store(tmp_path / "one.db"))
    expected = []
    for raw in raws:
        try:
            one(raw, now, "peer")
            expected.append(None)
        except Rejected as e:
            expected.append(e.reason)
    assert got == expected
    assert "bad-signature" in got and "malformed" in got and "missing-ref" in got  # an answer to a refused request
    assert many.rejected == one.rejected and many.accepted == one.accepted
    assert many.store.count() == one.store.count() == got.count(None) - 1  # the copy was held already
    assert threads and all(name.startswith("antiport-verify") for name in threads)
