"""The recorded sync sessions (specs/vectors/sync-sessions.json) checked against specs/05-sync.md §5 alone,
with the independent verifier's CBOR reader (not antiport.protocol): the framing, the hello and its
answer, alternating turns, frames in the agreed topic order, and envelopes that are valid, each sent once,
lacked by the receiver, and together exactly the difference in the common topics."""
from __future__ import annotations

import hashlib

import pytest
from spec_vectors import vectors
from test_independent_verifier import check_kind, decode, is_slug, verify_envelope

pytestmark = pytest.mark.fast

NOW = 1_767_225_600_000 + 30 * 24 * 3600 * 1000  # after every vector's created time
ROLES = ("initiator", "responder")
SESSIONS = [s for s in vectors("sync-sessions.json")["sessions"] if all(r in s for r in ROLES)]


def message(hex_data: str) -> dict:
    """One stream message: a minimal LEB128 length of at most 1 MiB, then a deterministic CBOR map."""
    data = bytes.fromhex(hex_data)
    length, k = 0, 0
    while True:
        length |= (data[k] & 0x7F) << (7 * k)
        k += 1
        if not data[k - 1] & 0x80:
            break
    assert length <= 1 << 20 and len(data) == k + length and (k == 1 or data[k - 1] != 0)
    value = decode(data[k:], 8)
    assert isinstance(value, dict)
    return value


def other(role: str) -> str:
    return ROLES[1 - ROLES.index(role)]


@pytest.mark.parametrize("s", SESSIONS, ids=[s["name"] for s in SESSIONS])
def test_session_moves_exactly_the_difference(s):
    steps = [x for x in s["transcript"] if "hex" in x]
    values = [message(x["hex"]) for x in steps]
    offered = sorted(set(s["initiator"]["followed"]) | {""})
    common = sorted(set(offered) & (set(s["responder"]["followed"]) | {""}))
    assert all(t == "" or is_slug(t) for t in offered)
    assert (steps[0]["from"], values[0]) == ("initiator", {"topics": offered})
    assert (steps[1]["from"], values[1]) == ("responder", {"topics": common})

    turns = list(zip(steps[2:], values[2:], strict=True))
    assert [x["from"] for x, _ in turns] == [ROLES[k % 2] for k in range(len(turns))]
    assert all(set(v) == {"topic", "frame", "msgs"} and (v["topic"] is None) == (v["frame"] is None)
               for _, v in turns)
    order = [common.index(v["topic"]) for _, v in turns if v["frame"] is not None]
    assert order == sorted(order)

    held = {r: {t: {i for _, i in pairs} for t, pairs in s[r]["items"].items()} for r in ROLES}
    got: dict[str, list[str]] = {r: [] for r in ROLES}
    for x, v in turns:
        sender, receiver = x["from"], other(x["from"])
        for raw in v["msgs"]:
            p = verify_envelope(raw, NOW)
            check_kind(p)
            mid = hashlib.blake2b(raw, digest_size=32).hexdigest()
            assert p["topic"] in common and mid in held[sender][p["topic"]]
            assert mid not in held[receiver].get(p["topic"], set()) and mid not in got[receiver]
            got[receiver].append(mid)
    for r in ROLES:
        lacking = {i for t in common for i in held[other(r)].get(t, set()) - held[r].get(t, set())}
        assert got[r] == s[f"{r}_received"] and set(got[r]) == lacking

    # the end: after an idle turn of the other side, one side closes instead of answering; then the other
    first, second = s["transcript"][-2:]
    assert first.get("close") and second.get("close") and second["from"] == other(first["from"])
    last_from, last = turns[-1]
    assert last_from["from"] == other(first["from"]) and last["frame"] is None and not last["msgs"]
