"""Key logs in the store (specs/10 section 6): whom each held message speaks for follows the logs held, in
whatever order the events and the messages arrive."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from antiport.crypto import did_from_key
from antiport.node import keyring
from antiport.node.home import Home
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import Rejected, load

pytestmark = pytest.mark.fast

STORY = json.loads((Path(__file__).parents[2] / "specs" / "vectors" / "keys.json").read_text())
STEP = {s["name"]: s for s in STORY["steps"]}
ALICE = did_from_key(bytes.fromhex(STORY["keys"]["alice"]))
LAPTOP = did_from_key(bytes.fromhex(STORY["keys"]["alice-laptop"]))
NOW = STORY["steps"][0]["now"]


def store_in(tmp_path: Path, names: list[str]) -> Store:
    store = Store(tmp_path / "store.db")
    ingest = Ingest(store)
    for name in names:
        ingest(bytes.fromhex(STEP[name]["envelope"]), NOW, "test")
    return store


def author(store: Store, name: str) -> str:
    return store.db.execute("SELECT author FROM messages WHERE id=?", [STEP[name]["id"]]).fetchone()[0]


def test_the_story_in_order(tmp_path):
    valid = [s["name"] for s in STORY["steps"] if s["valid"] and s["name"] != "kept-accept-still-valid"]
    store = store_in(tmp_path, valid)
    assert author(store, "the-laptop-accepts") == ALICE  # kept by the revocation
    assert author(store, "the-laptop-asks") == LAPTOP  # stored before the revocation, no longer Alice's
    assert author(store, "the-new-key-resolves-the-old-thread") == ALICE
    assert store.owner(bytes.fromhex(STORY["keys"]["mallory-device"])) is None  # his branch lost


def test_messages_held_before_the_log_are_attributed_when_it_arrives(tmp_path):
    store = store_in(tmp_path, ["the-laptop-asks", "alice-incepts"])
    assert author(store, "the-laptop-asks") == LAPTOP
    store_in(tmp_path, ["alice-adds-her-laptop"])
    assert author(store, "the-laptop-asks") == ALICE
    store_in(tmp_path, ["alice-asks", "bob-answers", "the-laptop-accepts", "alice-rotates-to-her-committed-key",
                        "alice-revokes-the-laptop"])
    assert author(store, "the-laptop-asks") == LAPTOP
    assert author(store, "the-laptop-accepts") == ALICE


def test_a_revoked_devices_new_message_is_refused_and_not_stored(tmp_path):
    store = store_in(tmp_path, ["alice-incepts", "alice-adds-her-laptop", "alice-asks",
                                "alice-rotates-to-her-committed-key", "alice-revokes-the-laptop"])
    with pytest.raises(Rejected) as e:
        Ingest(store)(bytes.fromhex(STEP["the-revoked-laptop-answers"]["envelope"]), NOW, "test")
    assert e.value.reason == "revoked-key"
    assert not store.has(STEP["the-revoked-laptop-answers"]["id"])
    assert [m.id for m in store.key_log(load(bytes.fromhex(STEP["alice-incepts"]["envelope"])).author)] == [
        STEP[n]["id"] for n in ("alice-incepts", "alice-adds-her-laptop", "alice-rotates-to-her-committed-key",
                                "alice-revokes-the-laptop")]


def test_an_inception_received_again_is_held_already_not_refused(tmp_path):
    """A node gets its peers' inceptions by gossip and by sync, and its own back from them: the copy is the same
    message (stored once, nothing counted as refused), while another inception by the same key is refused."""
    store = store_in(tmp_path, ["alice-incepts"])
    ingest = Ingest(store)
    msg, new = ingest(bytes.fromhex(STEP["alice-incepts"]["envelope"]), NOW, "peer")
    assert (msg.id, new, sum(ingest.rejected.values())) == (STEP["alice-incepts"]["id"], False, 0)
    with pytest.raises(Rejected) as e:
        ingest(bytes.fromhex(STEP["a-second-inception"]["envelope"]), NOW, "peer")
    assert e.value.reason == "bad-key-event"


def test_a_home_whose_store_lost_its_inception_gets_the_same_one_back_not_a_second(tmp_path):
    """Every peer holds the inception a home made on its first run and would refuse another: a store deleted
    or rebuilt by the doctor must not make the home sign a second one (specs/10 section 3)."""
    home = Home(tmp_path / "home")
    identity = home.init(None, None)
    store = Store(home.db_file)
    first = keyring.incept(home, Ingest(store), identity)
    assert first is not None and keyring.incept(home, Ingest(store), identity) is None
    store.close()
    home.db_file.rename(tmp_path / "lost.db")
    store = Store(home.db_file)
    again = keyring.incept(home, Ingest(store), identity)
    assert again is not None and again.raw == first.raw
    assert keyring.state(store, identity.did).head == first.id
