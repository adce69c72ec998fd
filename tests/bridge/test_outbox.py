from __future__ import annotations

import random

import pytest
from antiport.node.bridge.outbox import Outbox
from antiport.node.store import Store

pytestmark = pytest.mark.fast


def test_journal_is_idempotent_durable_and_backfills_new_connectors(tmp_path):
    store = Store(tmp_path / "store.db")
    box = Outbox(store, ["webhook:a"], base_ms=1000, max_ms=8000)
    assert box.add("m1", 100) == 1 and box.add("m2", 200) == 2
    assert box.add("m1", 300) is None  # the message id is the idempotency key
    assert [d.message_id for d in box.due("webhook:a", 1000)] == ["m1", "m2"]
    box.begin("webhook:a", 1)
    box.acked("webhook:a", 1, 400)
    box.begin("webhook:a", 2)
    delay = box.failed("webhook:a", 2, 500, "ConnectError")
    assert 500 <= delay <= 1000
    store.close()

    # Reopened (a restart) with a second connector: state kept, the new one gets everything.
    store = Store(tmp_path / "store.db")
    box = Outbox(store, ["webhook:a", "rt"], base_ms=1000, max_ms=8000)
    assert box.retry_at("webhook:a") == 500 + delay
    assert box.due("webhook:a", 499 + delay) == []
    assert [d.message_id for d in box.due("webhook:a", 500 + delay)] == ["m2"]
    assert [d.message_id for d in box.due("rt", 0)] == ["m1", "m2"]
    report = box.report()
    assert report["webhook:a"] == {"acknowledged": 1, "pending": 1, "last_error": "ConnectError",
                                   "retry_at": 500 + delay}
    assert report["rt"] == {"acknowledged": 0, "pending": 2, "last_error": None, "retry_at": None}
    assert box.events_after(1) == [(2, "m2")] and box.last_seq() == 2
    box.acked("webhook:a", 2, 9000)
    assert box.retry_at("webhook:a") is None and box.next_try("webhook:a") is None
    store.close()


def test_back_off_doubles_per_failure_in_a_row_with_jitter_and_resets_when_the_connector_takes_one(tmp_path):
    store = Store(tmp_path / "store.db")
    box = Outbox(store, ["rt"], base_ms=1000, max_ms=8000, rng=random.Random(7))
    for seq in (1, 2):
        box.add(f"m{seq}", 0)
    delays = [box.failed("rt", 1, 0, "down") for _ in range(6)]
    ceilings = [1000, 2000, 4000, 8000, 8000, 8000]
    assert all(c // 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), delays
    assert len(set(delays[3:])) > 1  # drawn, not fixed: bridges restarted together do not probe in step
    box.acked("rt", 1, 0)
    assert box.failed("rt", 2, 0, "down again") <= 1000  # a new run of failures starts from the base
    store.close()
