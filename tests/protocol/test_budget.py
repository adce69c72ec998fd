"""Token-bucket budgets and the bounded set of recent keys (protocol/budget.py): pure, times given."""
from __future__ import annotations

import pytest
from antiport.protocol.budget import Buckets, Budget, Recent
from spec_vectors import vectors

pytestmark = pytest.mark.fast


def test_a_burst_of_count_passes_then_the_window_rate():
    b = Buckets(Budget(10, 60.0))
    assert [b.take("k", 0.0) for _ in range(12)] == [True] * 10 + [False] * 2
    assert not b.take("k", 5.9)   # 5.9 s refill 0.98 of a token
    assert b.take("k", 6.1)       # one token per 6 s
    assert not b.take("k", 6.2)
    assert b.take("other", 6.2)  # keys are independent


def test_a_sender_under_its_budget_is_never_refused():
    b = Buckets(Budget(10, 60.0))
    assert all(b.take("k", t * 6.0) for t in range(100))


def test_refused_takes_spend_nothing_and_the_bucket_never_overfills():
    b = Buckets(Budget(2, 10.0))
    assert b.take("k", 0) and b.take("k", 0)
    for _ in range(50):
        assert not b.take("k", 1.0)
    assert b.tokens("k", 1.0) == pytest.approx(0.2)
    assert b.tokens("k", 1000.0) == 2.0


def test_the_table_of_keys_is_bounded_least_recently_used_first():
    b = Buckets(Budget(1, 60.0), max_keys=3)
    for k in "abcd":
        assert b.take(k, 0.0)
    assert not b.take("d", 0.0)
    assert b.take("a", 0.0)  # forgotten: a full bucket again
    b.forget("d")
    assert b.take("d", 0.0)


def test_recent_forgets_the_oldest():
    r = Recent(2)
    for k in "abc":
        r.add(k, k.upper())
    assert "a" not in r and r.get("c") == "C" and len(r) == 2


def test_the_committed_vectors():
    for case in vectors("budget.json")["cases"]:
        buckets = Buckets(Budget(case["count"], case["window"]))
        assert [buckets.take(key, at) for key, at in case["takes"]] == case["allowed"], case["name"]
