"""Intents (specs/12): the vectors of intents.json against the protocol code, the sealed parts, the reader rules."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.protocol import BadTopic, Rejected, validate
from antiport.protocol.intents import (
    award_plain,
    award_problem,
    category,
    inert,
    is_category,
    is_open,
    offer_plain,
    offer_problem,
    open_sealed,
    seal_to,
)
from spec_vectors import Held, vectors

pytestmark = pytest.mark.fast

INTENTS = vectors("intents.json")
BY_ID = {v["id"]: bytes.fromhex(v["envelope"]) for v in INTENTS["valid"]}
KEYS = {k["name"]: Identity(bytes.fromhex(k["seed"])) for k in INTENTS["keys"]}
KEYS.update({i["name"]: Identity(bytes.fromhex(i["seed"])) for i in vectors("identities.json")["identities"]})


@pytest.mark.parametrize("v", INTENTS["valid"], ids=[v["name"] for v in INTENTS["valid"]])
def test_valid(v):
    msg = validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert msg.id == v["id"]


@pytest.mark.parametrize("v", INTENTS["invalid"], ids=[v["name"] for v in INTENTS["invalid"]])
def test_invalid(v):
    with pytest.raises(Rejected) as e:
        validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert e.value.reason == v["reason"], e.value


def test_the_sealed_parts_open_for_their_recipient_only():
    for s in INTENTS["sealed"]:
        problem = offer_problem if s["name"].startswith("offer") else award_problem
        plain = open_sealed(KEYS[s["recipient"]], bytes.fromhex(s["sealed"]), problem)
        assert plain["text"]
        with pytest.raises(SealError):
            open_sealed(KEYS["mallory"], bytes.fromhex(s["sealed"]), problem)


def test_a_sealed_part_of_another_shape_is_no_offer():
    key = Identity.generate()
    award = seal_to(key.public_key, award_plain("Yes"))
    with pytest.raises(SealError, match="not valid"):
        open_sealed(key, award, offer_problem)
    offer = seal_to(key.public_key, offer_plain(100, "EUR", 5, "Tyres", ["no-tracking"]))
    assert open_sealed(key, offer, lambda p: offer_problem(p, ["no-tracking"]))["price"] == 100
    with pytest.raises(SealError, match="accepts"):  # a vendor accepting terms the intent never asked for
        open_sealed(key, offer, lambda p: offer_problem(p, []))


@pytest.mark.parametrize("args", [(-1, "EUR", 5, "x", []), (1, "eur", 5, "x", []), (1, "EUR", True, "x", []),
                                  (1, "EUR", 5, " ", []), (1, "EUR", 5, "x", ["sell-my-data"]),
                                  (1, "EUR", 5, "x\x1b[2J", []), (1, "EUR", 5, "x", ["no-tracking"] * 2)])
def test_bad_offers_are_refused_before_sealing(args):
    with pytest.raises(Rejected):
        offer_plain(*args)


def test_award_contact_is_one_line():
    with pytest.raises(Rejected):
        award_plain("Yes", "me\nyou")


def test_categories():
    assert category("Laptops") == "intent/laptops"
    assert category("intent/Bicycle Repair") == "intent/bicycle-repair"
    assert is_category("intent/laptops") and not is_category("acme/laptops") and not is_category("")
    with pytest.raises(BadTopic):
        category("a/b")


def test_open_and_inert():
    body = {"expires": 1000}
    assert is_open(body, False, 999) and not is_open(body, False, 1000) and not is_open(body, True, 0)
    assert not inert(500, None) and not inert(499, 500) and inert(500, 500)
