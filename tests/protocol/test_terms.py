"""Terms (specs/14): the vectors of terms.json against the protocol code, the plain words, what a message waits for."""
from __future__ import annotations

import pytest
from antiport.protocol import Rejected, load, validate
from antiport.protocol.terms import PLAIN, WORDS, in_plain_words, waits_for
from spec_vectors import Held, vectors

pytestmark = pytest.mark.fast

TERMS = vectors("terms.json")
BY_ID = {v["id"]: bytes.fromhex(v["envelope"]) for v in TERMS["valid"]}
BY_NAME = {v["name"]: load(bytes.fromhex(v["envelope"])) for v in TERMS["valid"]}


@pytest.mark.parametrize("v", TERMS["valid"], ids=[v["name"] for v in TERMS["valid"]])
def test_valid(v):
    msg = validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert msg.id == v["id"]
    if msg.kind == "terms":
        assert in_plain_words(msg.body) == v["plain"]


@pytest.mark.parametrize("v", TERMS["invalid"], ids=[v["name"] for v in TERMS["invalid"]])
def test_invalid(v):
    with pytest.raises(Rejected) as e:
        validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert e.value.reason == v["reason"], e.value


def test_every_word_reads_as_a_sentence_with_its_parameter():
    assert set(PLAIN) == set(WORDS)
    assert in_plain_words({"words": ["delete-after-days", "no-sharing"], "days": 7}) == [
        "Delete what I revealed at most 7 days after I revealed it.", "Give my data to nobody else."]


def test_a_message_missing_its_terms_waits_for_them_and_a_reply_for_its_target():
    terms, request, consent = BY_NAME["terms"], BY_NAME["request"], BY_NAME["consent-accept"]
    assert waits_for(request) == terms.id
    assert waits_for(consent) == terms.id
    with pytest.raises(Rejected, match="missing-ref"):
        validate(request.raw, TERMS["valid"][0]["now"], Held())
