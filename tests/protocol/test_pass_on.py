"""protocol/pass_on.py: what a sync session stored is passed on at once when it is older than gossip's reach,
after waiting when it is younger, and never when gossip brings it too (specs/05-sync.md §8)."""
from __future__ import annotations

import pytest
from antiport.protocol.pass_on import REACH_MS, PassOn

pytestmark = pytest.mark.fast

NOW = 1_767_225_600_000
A, B = b"\x0a" * 32, b"\x0b" * 32


def test_an_old_message_is_passed_on_at_once():
    rule = PassOn()
    assert rule.stored(A, NOW - REACH_MS, "p", NOW)
    assert rule.next_due() is None


def test_a_young_message_waits_until_it_is_older_than_the_reach_then_goes_to_the_others():
    rule = PassOn()
    assert not rule.stored(A, NOW - 2_000, "p", NOW)
    assert not rule.stored(B, NOW - 1_000, "q", NOW)
    assert rule.next_due() == NOW + REACH_MS - 2_000
    assert rule.due(NOW + REACH_MS - 2_001) == set()
    assert rule.due(NOW + REACH_MS - 2_000) == {"p"}
    assert rule.due(NOW + REACH_MS) == {"q"}
    assert rule.next_due() is None and rule.in_flight == 0


def test_gossip_bringing_it_before_or_after_the_session_means_it_was_in_flight():
    rule = PassOn()
    assert not rule.stored(A, NOW, "p", NOW)
    rule.gossiped(A, NOW + 300)          # after: it stops waiting
    rule.gossiped(B, NOW + 400)          # before the session that stores it
    assert not rule.stored(B, NOW, "q", NOW + 500)
    assert rule.due(NOW + 2 * REACH_MS) == set() and rule.in_flight == 2


def test_a_clock_ahead_waits_no_longer_than_the_reach_and_gossips_news_is_forgotten_after_it():
    rule = PassOn()
    assert not rule.stored(A, NOW + 3_600_000, "p", NOW)  # its author's clock is an hour ahead
    assert rule.due(NOW + REACH_MS) == {"p"}
    rule.gossiped(B, NOW)
    assert rule.stored(B, NOW - REACH_MS, "q", NOW + REACH_MS)  # old by now, and gossip's news is stale
