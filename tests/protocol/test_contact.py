"""Contact cards (specs/11): the vectors of contact.json against the protocol code, and what is sealed."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.protocol import Rejected, validate
from antiport.protocol.contact import card_problem, open_card, open_receipt, seal_card, seal_receipt
from spec_vectors import Held, vectors

pytestmark = pytest.mark.fast

CONTACT = vectors("contact.json")
BY_ID = {v["id"]: bytes.fromhex(v["envelope"]) for v in CONTACT["valid"]}
SEEDS = {i["name"]: Identity(bytes.fromhex(i["seed"])) for i in vectors("identities.json")["identities"]}
SEALED = {s["name"]: s for s in CONTACT["sealed"]}


@pytest.mark.parametrize("v", CONTACT["valid"], ids=[v["name"] for v in CONTACT["valid"]])
def test_valid(v):
    msg = validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert msg.id == v["id"] and msg.kind == v["kind"]


@pytest.mark.parametrize("v", CONTACT["invalid"], ids=[v["name"] for v in CONTACT["invalid"]])
def test_invalid(v):
    with pytest.raises(Rejected) as e:
        validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert e.value.reason == v["reason"], e.value


def test_the_sealed_vectors_open_as_they_say():
    card = open_card(SEEDS["carol"], bytes.fromhex(SEALED["card"]["sealed"]))
    assert card == {"name": "Alice Liddell", "email": "alice@example.org", "phone": "+44 1865 000000",
                    "address": "Christ Church\nOxford OX1 1DP"}
    assert open_card(SEEDS["carol"], bytes.fromhex(SEALED["erase"]["sealed"])) is None
    assert open_receipt(SEEDS["alice"], bytes.fromhex(SEALED["applied"]["sealed"])) == ("applied", "")
    assert open_receipt(SEEDS["alice"], bytes.fromhex(SEALED["refused"]["sealed"])) == (
        "refused", "We keep no phone numbers.")
    with pytest.raises(ValueError, match="email"):
        open_card(SEEDS["carol"], bytes.fromhex(SEALED["card-bad-email"]["sealed"]))
    for name in ("card", "erase"):  # only the addressee opens them
        with pytest.raises(SealError):
            open_card(SEEDS["mallory"], bytes.fromhex(SEALED[name]["sealed"]))
    with pytest.raises(SealError):
        open_receipt(SEEDS["carol"], bytes.fromhex(SEALED["applied"]["sealed"]))


def test_cards_and_receipts_round_trip():
    vendor, customer = SEEDS["carol"], SEEDS["alice"]
    assert open_card(vendor, seal_card(vendor.public_key, {"email": "a@b.example"})) == {"email": "a@b.example"}
    assert open_card(vendor, seal_card(vendor.public_key, None)) is None
    assert open_receipt(customer, seal_receipt(customer.public_key, "erased")) == ("erased", "")
    assert open_receipt(customer, seal_receipt(customer.public_key, "refused", "x" * 300))[1] == "x" * 200


@pytest.mark.parametrize("card, problem", [
    ({}, "a card is a map"), ({"fax": "1"}, "a card is a map"), ([], "a card is a map"),
    ({"name": ""}, "name is 1 to 100"), ({"name": " \u3000"}, "name is 1 to 100"), ({"phone": "1" * 41}, "phone"),
    ({"name": "Ada\nLovelace"}, "line break"), ({"address": "a\x1b[2Jb"}, "control character"),
    ({"name": "\u202eecila"}, "line break"), ({"email": "ada"}, "email is an address"),
    ({"email": "ada@@x.org"}, "email is an address"), ({"email": "@x.org"}, "email is an address"),
    ({"email": "ada lovelace@x.org"}, "email is an address"), ({"name": 7}, "name is 1 to 100"),
])
def test_card_problems(card, problem):
    assert problem in card_problem(card)


def test_a_good_card_has_no_problem():
    assert card_problem({"name": "Ada", "email": "ada@x.org", "phone": "+1 555", "address": "1 Main St\nTown"}) is None
