"""The store on disk: migrations from every earlier schema, private files, a damaged file refused with
one line and nothing written, a full disk refusing a write with nothing lost, and list queries that
use an index for every reply lookup."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from antiport.crypto import Identity
from antiport.node import schema
from antiport.node.bridge.outbox import Outbox
from antiport.node.home import now_ms
from antiport.node.ingest import Ingest
from antiport.node.store import Store, StoreError
from antiport.protocol import sign

pytestmark = pytest.mark.fast

FIXTURES = Path(__file__).with_name("fixtures")
TOPIC = "acme/widget"
ASKER = Identity(bytes([9]) * 32)


def test_a_schema_1_home_opens_migrated_with_its_data(tmp_path):
    db = tmp_path / "store.db"
    shutil.copy(FIXTURES / "schema1.db", db)  # made by the first release's code, bridge tables and all
    store = Store(db)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
    assert "meta" not in store.db.table_names()
    assert store.count() == 7 and store.followed() == [TOPIC]
    [thread] = store.threads(TOPIC)
    assert (thread["title"], thread["answers"], thread["accepted"], thread["resolved"], thread["status"]) == \
        ("Widget hums", 1, True, True, "resolved")
    assert [m.kind for m in store.outbox()] == ["request"]
    assert store.known_peers() == [("12D3KooWExample", ["/ip4/127.0.0.1/tcp/4001"])]
    assert [r["title"] for r in store.search("loudly")] == ["Widget hums"]
    journal = Outbox(store, ["webhook:a", "rt"])
    assert journal.last_seq() == 5 and journal.get_state("scan.rowid") == "7"
    assert journal.report()["webhook:a"] == {"acknowledged": 1, "pending": 4, "last_error": None, "retry_at": None}
    assert store.rt_ticket(7)[1:] == (TOPIC, 42)
    store.close()
    assert Store(db).count() == 7  # opening again migrates nothing


def test_each_new_message_is_found_by_search_once_in_a_migrated_home(tmp_path):
    db = tmp_path / "store.db"
    shutil.copy(FIXTURES / "schema1.db", db)  # its insert trigger wrote search entries; the store does now
    store = Store(db)
    ingest = Ingest(store)
    request = ingest.create(ASKER, "request", TOPIC, {"title": "Widget squeaks", "text": "A loose bolt?"})
    answer = ingest.create(Identity(bytes([8]) * 32), "answer", TOPIC, {"text": "Tighten the bolt."},
                           [request.id])
    assert not store.add_many([request, answer], now_ms())  # held already: no second search entry
    assert [r["id"] for r in store.search("squeaks")] == [request.id]
    assert [r["id"] for r in store.search("bolt")] == [answer.id, request.id]
    assert [r["title"] for r in store.search("loudly")] == ["Widget hums"]  # the old entries stay
    assert store.db.execute("SELECT count(*) FROM messages_fts").fetchone()[0] == store.count()
    store.close()


def test_a_newer_schema_is_refused(tmp_path):
    Store(tmp_path / "s.db").close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute(f"PRAGMA user_version={schema.VERSION + 1}")
    with pytest.raises(StoreError, match="made by a newer antiport"):
        Store(tmp_path / "s.db")


def test_store_files_are_private_even_in_an_older_home(tmp_path):
    db = tmp_path / "store.db"
    shutil.copy(FIXTURES / "schema1.db", db)
    os.chmod(db, 0o644)
    store = Store(db)
    Ingest(store).create(ASKER, "request", TOPIC, {"title": "t", "text": "x"})
    for name in ("store.db", "store.db-wal", "store.db-shm"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    store.close()
    Store(tmp_path / "new.db").close()
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600


def damage(db: Path) -> None:
    """Overwrite one page in the middle of the file (a bad sector, a torn copy)."""
    with sqlite3.connect(db) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    middle = (len(data) // page // 2) * page
    data[middle:middle + page] = b"\xa5" * page
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("harm", ["page", "garbage"])
def test_a_damaged_store_is_refused_in_one_line_and_never_written(tmp_path, harm):
    db = tmp_path / "store.db"
    store = Store(db)
    ingest = Ingest(store)
    for i in range(200):
        ingest.create(ASKER, "request", TOPIC, {"title": f"t{i}", "text": "some words " * 20})
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    if harm == "page":
        damage(db)
    else:
        db.write_bytes(b"this is not a database at all" * 100)
    before = db.read_bytes()
    with pytest.raises(StoreError) as refused:
        Store(db)
    line = str(refused.value)
    assert "\n" not in line and "antiport doctor" in line and str(db) in line
    assert db.read_bytes() == before


def test_a_full_disk_refuses_the_write_and_loses_nothing(tmp_path):
    store = Store(tmp_path / "store.db")
    ingest = Ingest(store)
    kept = ingest.create(ASKER, "request", TOPIC, {"title": "kept", "text": "x"})
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"
    with pytest.raises(StoreError, match="is full: nothing was written"):
        ingest.create(ASKER, "request", TOPIC, {"title": "big", "text": "y" * 19_000})
    assert store.count() == 1 and store.outbox() == [kept] and not store.db.conn.in_transaction
    store.db.execute("PRAGMA max_page_count=1073741823")  # space returns
    again = ingest.create(ASKER, "request", TOPIC, {"title": "big", "text": "y" * 19_000})
    assert store.count() == 2 and store.outbox() == [kept, again]


def test_same_time_answers_are_in_the_order_of_their_seq(tmp_path):
    """A helpdesk's replies of one second carry its own order in `seq` (specs/02 section 2); ids do not decide."""
    store, vendor = Store(tmp_path / "store.db"), Identity(bytes([7]) * 32)
    ingest, t = Ingest(store), now_ms() - 60_000
    root = ingest.create(ASKER, "request", TOPIC, {"title": "Widget hums", "text": "x"}, created=t)
    texts = [f"reply {i}" for i in range(6)]
    for i in (3, 0, 5, 1, 4, 2):  # stored out of order, all in the same millisecond
        ingest.create(vendor, "answer", TOPIC, {"text": texts[i], "seq": 100 + i}, [root.id], created=t + 1_000)
    ingest.create(vendor, "answer", TOPIC, {"text": "later"}, [root.id], created=t + 2_000)
    assert [m.body.get("text") for m in store.thread(root.id)[1:]] == [*texts, "later"]
    store.close()


def test_a_threads_current_status_is_the_last_in_thread_order_also_within_one_second(tmp_path):
    """Two statuses of one second (RT's whole seconds): the current one is the greater `seq`, whichever has the
    smaller id or was stored first (specs/02 section 2)."""
    store, vendor = Store(tmp_path / "store.db"), Identity(bytes([7]) * 32)
    ingest, t = Ingest(store), now_ms() - 60_000
    ingest.create(vendor, "vendor", "", {"org": "Acme", "topics": [TOPIC]}, created=t)
    for n in range(2):
        root = ingest.create(ASKER, "request", TOPIC, {"title": f"Widget hums {n}", "text": "x"}, created=t)
        notes = iter(range(100))
        while True:  # a later status whose id sorts first, so that neither id nor storage order decides (both ids
            note = str(next(notes))  # vary: with one fixed, an id near 00... left no later one below it in 100 tries)
            later = status_of(vendor, root.id, {"state": "resolved", "seq": 20, "note": note}, t + 1_000)
            earlier = status_of(vendor, root.id, {"state": "in-progress", "seq": 10, "note": note}, t + 1_000)
            if later.id < earlier.id:
                break
        for status in (earlier, later) if n else (later, earlier):
            ingest(status.raw, now_ms(), "test")
    assert [row["status"] for row in store.threads(TOPIC)] == ["resolved", "resolved"]
    assert store.thread(root.id)[-1].body["state"] == "resolved"
    store.close()


def status_of(author: Identity, root: str, body: dict, created: int):
    return sign(author, "status", TOPIC, body, [root], created=created)
