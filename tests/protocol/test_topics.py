"""Topic slugs: normalisation (idempotent, always a valid slug), slug checks, gossip topic names."""
from __future__ import annotations

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
