"""The one write path (Ingest.create/write) and the bridge journal are atomic: a process killed between
any two of their steps leaves the message wholly there (stored, queued, published when the node next
runs) or wholly absent. The writes run in real child processes killed with os._exit(9)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from antiport.crypto import Identity
from antiport.node.bridge.outbox import Outbox
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import Rejected
from nodes import check_published_at_start

CHILD = Path(__file__).with_name("crash_child.py")
sys.path.insert(0, str(CHILD.parent))
from crash_child import CONNECTORS, TOPIC  # noqa: E402


def run_child(mode: str, db: Path, kill_at: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHILD), mode, str(db), str(kill_at)],
                          capture_output=True, text=True, timeout=60)


def statements(mode: str, tmp_path: Path) -> int:
    """How many SQL statements one write runs, when nothing kills it."""
    done = run_child(mode, tmp_path / "count.db", 0)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_a_write_killed_at_any_step_is_wholly_there_or_wholly_absent(tmp_path):
    steps = statements("write", tmp_path)
    assert steps >= 4  # BEGIN, reads for validation, the message, the outbox, COMMIT
    outcomes = []
    for kill_at in [*range(1, steps + 1), -1]:
        db = tmp_path / f"killed-{kill_at}.db"
        assert run_child("write", db, kill_at).returncode == 9
        store = Store(db)
        held, queued = store.count(), store.outbox()
        assert (held, len(queued)) in ((0, 0), (1, 1)), f"killed before statement {kill_at}"
        if held:
            assert store.get(queued[0].id) == queued[0]
        outcomes.append(held)
        store.close()
    assert outcomes[0] == 0 and outcomes[-1] == 1  # killed at the start: absent; after the commit: there


@pytest.mark.trio
async def test_a_write_killed_after_its_commit_is_published_when_the_node_runs(tmp_path):
    home = tmp_path / "a"
    home.mkdir()
    assert run_child("write", home / "a.db", -1).returncode == 9
    store = Store(home / "a.db")
    [msg] = store.outbox()
    store.follow(TOPIC, 0)
    store.close()
    await check_published_at_start(home, tmp_path, TOPIC, msg.id)


def test_a_journal_entry_killed_at_any_step_is_wholly_there_or_wholly_absent(tmp_path):
    steps = statements("journal", tmp_path)
    assert steps >= 4  # BEGIN, the event, a delivery per connector, COMMIT
    outcomes = []
    for kill_at in range(1, steps + 1):
        db = tmp_path / f"killed-{kill_at}.db"
        assert run_child("journal", db, kill_at).returncode == 9
        store = Store(db)
        journal = Outbox(store, CONNECTORS)
        events = journal.events_after(0)
        pending = [journal.report()[name]["pending"] for name in CONNECTORS]
        assert (len(events), pending) in ((0, [0, 0]), (1, [1, 1])), f"killed before statement {kill_at}"
        outcomes.append(len(events))
        store.close()
    assert outcomes[0] == 0


def test_oversize_and_invalid_writes_are_refused_and_leave_nothing(tmp_path):
    store = Store(tmp_path / "s.db")
    ingest = Ingest(store)
    asker = Identity(bytes([7]) * 32)
    with pytest.raises(Rejected, match="oversize"):
        ingest.create(asker, "request", TOPIC, {"title": "big", "text": "x" * 70_000})
    with pytest.raises(Rejected, match="missing-ref"):
        ingest.create(asker, "answer", TOPIC, {"text": "to nothing"}, ["00" * 32])
    assert store.count() == 0 and store.outbox() == []
    assert ingest.rejected == {("local", "oversize"): 1, ("local", "missing-ref"): 1}
