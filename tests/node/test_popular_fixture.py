"""bench/popular.py, the popular-topic home of the scale benchmarks: every message it writes passes the
network's rules when another node ingests it in creation order, and its authors are skewed."""
from __future__ import annotations

from collections import Counter

import pytest
from antiport.node.home import Home, now_ms
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from helpers import popular_home

pytestmark = pytest.mark.fast


def test_the_popular_home_holds_valid_messages_of_skewed_authors(tmp_path):
    info = popular_home(tmp_path / "home")
    home = Home(tmp_path / "home")
    assert home.identity().did == info["viewer"]
    store = Store(home.db_file)
    other = Ingest(Store(tmp_path / "other.db"))
    for raw in store.raw_all():  # refs before what refers to them; a bad signature or rule raises Rejected
        assert other(raw, now_ms(), "test")[1]
    assert other.store.count() == store.count() == info["messages"]
    answers = Counter(store.answer_counts(info["topic"]))
    [(busiest, most)] = answers.most_common(1)
    assert busiest == info["busiest"] and most > 5 * sorted(answers.values())[len(answers) // 2]
    assert set(store.followed()) == {info["topic"], *info["small_topics"]}
    assert store.vendor_keys(info["topic"])
