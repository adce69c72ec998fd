from __future__ import annotations

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
    assert box.failed("webhook:a", 2, 500, "ConnectError") == 1000
    store.close()

    # Reopened (a restart) with a second connector: state kept, the new one gets everything.
    store = Store(tmp_path / "store.db")
    box = Outbox(store, ["webhook:a", "rt"], base_ms=1000, max_ms=8000)
    assert box.due("webhook:a", 1499) == [] and [d.message_id for d in box.due("webhook:a", 1500)] == ["m2"]
    assert [d.message_id for d in box.due("rt", 10**12)] == ["m1", "m2"]
    report = box.report()
    assert report["webhook:a"] == {"acknowledged": 1, "pending": 1, "last_error": "ConnectError"}
    assert report["rt"] == {"acknowledged": 0, "pending": 2, "last_error": None}
    delays = []
    for _ in range(5):
        box.begin("webhook:a", 2)
        delays.append(box.failed("webhook:a", 2, 0, "still down"))
    assert delays == [2000, 4000, 8000, 8000, 8000]  # doubling, capped at max_ms
    assert box.events_after(1) == [(2, "m2")] and box.last_seq() == 2
    store.close()
