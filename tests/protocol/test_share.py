"""Passing a thread on (specs/13): the vectors of share.json against the protocol code, and what a share seals."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.protocol import Rejected, validate
from antiport.protocol.share import open_share, seal_share, share_problem, shared
from spec_vectors import Held, vectors

pytestmark = pytest.mark.fast

SHARE = vectors("share.json")
SEEDS = {i["name"]: Identity(bytes.fromhex(i["seed"])) for i in vectors("identities.json")["identities"]}


@pytest.mark.parametrize("v", SHARE["valid"], ids=[v["name"] for v in SHARE["valid"]])
def test_valid(v):
    msg = validate(bytes.fromhex(v["envelope"]), v["now"], Held())
    assert msg.id == v["id"] and msg.kind == v["kind"]


@pytest.mark.parametrize("v", SHARE["invalid"], ids=[v["name"] for v in SHARE["invalid"]])
def test_invalid(v):
    with pytest.raises(Rejected) as e:
        validate(bytes.fromhex(v["envelope"]), v["now"], Held())
    assert e.value.reason == v["reason"], e.value


@pytest.mark.parametrize("s", SHARE["sealed"], ids=[s["name"] for s in SHARE["sealed"]])
def test_the_sealed_vectors_open_as_they_say_and_only_for_their_recipient(s):
    sealed = bytes.fromhex(s["sealed"])
    if s["valid"]:
        assert open_share(SEEDS["bob"], sealed)["title"] == "The hinge squeaks"
    else:
        with pytest.raises(SealError, match="not valid"):
            open_share(SEEDS["bob"], sealed)
    for other in ("alice", "mallory"):
        with pytest.raises(SealError, match="cannot be opened"):
            open_share(SEEDS[other], sealed)


def test_a_share_round_trips_and_its_note_is_optional():
    bob, thread = SEEDS["bob"], bytes(range(32))
    assert open_share(bob, seal_share(bob.public_key, shared(thread, "acme/widget", "Squeaks", "see this"))) == {
        "thread": thread, "topic": "acme/widget", "title": "Squeaks", "note": "see this"}
    assert "note" not in open_share(bob, seal_share(bob.public_key, shared(thread, "acme/widget", "Squeaks")))


@pytest.mark.parametrize("plain, problem", [
    ([], "a share holds"), ({"thread": bytes(32), "topic": "a/b"}, "a share holds"),
    ({"thread": bytes(32), "topic": "a/b", "title": "t", "to": "x"}, "a share holds"),
    ({"thread": bytes(31), "topic": "a/b", "title": "t"}, "thread"),
    ({"thread": bytes(32), "topic": "a", "title": "t"}, "topic"),
    ({"thread": bytes(32), "topic": "a/b", "title": "\x1b[2J"}, "title"),
    ({"thread": bytes(32), "topic": "a/b", "title": "t" * 201}, "title"),
    ({"thread": bytes(32), "topic": "a/b", "title": "t", "note": " "}, "note"),
    ({"thread": bytes(32), "topic": "a/b", "title": "t", "note": "a\u0007b"}, "note"),
])
def test_share_problems(plain, problem):
    assert share_problem(plain).startswith(problem)


def test_a_note_may_have_lines():
    assert share_problem({"thread": bytes(32), "topic": "a/b", "title": "t", "note": "one\ntwo"}) is None
