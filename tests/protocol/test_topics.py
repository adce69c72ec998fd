"""Topic slugs: normalisation (idempotent, always a valid slug), slug checks, gossip topic names."""
from __future__ import annotations

import unicodedata

import pytest
from antiport.protocol import META_TOPIC, BadTopic, normalise, topic_name
from antiport.protocol.topics import is_slug
from hypothesis import given
from hypothesis import strategies as st
from spec_vectors import vectors

pytestmark = pytest.mark.fast

TOPICS = vectors("topics.json")


@given(st.text(max_size=40), st.text(max_size=40))
def test_normalise_gives_a_slug_and_is_idempotent(vendor, product):
    try:
        slug = normalise(f"{vendor}/{product}")
    except BadTopic:
        return
    assert is_slug(slug)
    assert normalise(slug) == slug
    assert normalise(topic_name(slug)) == slug


@given(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True).filter(lambda p: len(p) <= 64), st.just("x"))
def test_slugs_are_fixed_points(part, other):
    assert normalise(f"{part}/{other}") == f"{part}/{other}"


@pytest.mark.parametrize("case", TOPICS["normalise"], ids=lambda c: repr(c["input"]))
def test_normalise_vectors(case):
    if case["slug"] is None:
        with pytest.raises(BadTopic):
            normalise(case["input"])
    else:
        assert normalise(case["input"]) == case["slug"]


@pytest.mark.parametrize("case", TOPICS["is_slug"], ids=lambda c: repr(c["input"]))
def test_slug_vectors(case):
    assert is_slug(case["input"]) is case["valid"]


def test_gossip_topic_names():
    for case in TOPICS["gossip_topic"]:
        assert topic_name(case["slug"]) == case["topic"]
    assert topic_name("") == META_TOPIC == "/antiport/1/meta"


def test_errors_say_what_to_do():
    with pytest.raises(BadTopic, match="vendor/product"):
        normalise("widget")


def test_every_script_has_slugs():
    assert normalise("ÄCME/Wïdget") == "äcme/wïdget"
    assert normalise("Straße/X") == normalise("STRASSE/x") == "strasse/x"
    assert normalise("ps5/プレイステーション５") == "ps5/プレイステーション5"


def test_look_alike_scripts_are_not_mixed():
    with pytest.raises(BadTopic, match="look alike"):
        normalise("аcme/widget")  # Cyrillic а
    assert not is_slug("аcme/widget")
    assert is_slug("асме/widget")  # wholly Cyrillic: a name, if an unlikely one


def test_normalisation_is_idempotent_for_every_letter_mark_and_digit():
    """Folding, then keeping letters, marks and digits, gives a slug that normalises to itself, for a
    sample of every letter, mark and number code point Unicode has (all of them take ~6 s)."""
    for cp in range(0, 0x110000, 7):
        ch = chr(cp)
        if unicodedata.category(ch)[0] not in "LMN":
            continue
        try:
            slug = normalise(f"x{ch}y/z")
        except BadTopic:
            continue
        assert is_slug(slug) and normalise(slug) == slug, hex(cp)
