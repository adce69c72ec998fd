"""A write whose client gave up after the node stored it: retried, it is the same message, not a second one.
The rules on a home's store; then a real `antiport run` whose stall is real too: another connection holds the
store's write lock, so the node's `ask` waits for it while the client's timeout runs out."""
from __future__ import annotations

import sqlite3

import pytest
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity
from antiport.node.client import Client, ClientError
from antiport.node.home import Home, now_ms
from antiport.node.service import RETRY_WINDOW
from antiport.node.store import Store
from antiport.protocol import sign
from helpers import wait_for
from test_homes import antiport

ASK = ["ask", "acme/widget", "--title", "Stuck at boot", "--text", "it blinks red"]


def requests(home: Home) -> list[str]:
    store = Store(home.db_file, readonly=True)
    try:
        return [r["id"] for r in store.threads("acme/widget")]
    finally:
        store.close()


@pytest.fixture
def offline(tmp_path):
    Home(tmp_path / "h").init("ann")
    client = Client(tmp_path / "h")
    yield client
    client.close()


@pytest.mark.fast
def test_the_same_request_or_answer_again_is_the_message_already_made(offline):
    asked = offline.call("ask", topic="acme/widget", title="Squeaks", text="since Monday")
    assert offline.call("ask", topic="Acme/Widget", title="Squeaks ", text="since Monday") == {**asked, "already": True}
    first = offline.call("answer", id=asked["id"], text="oil it")
    assert offline.call("answer", id=asked["id"], text="oil it") == {**first, "already": True}
    assert offline.call("answer", id=asked["id"], text="oil it twice")["id"] != first["id"]
    store = offline.ctx().store
    store.db.execute("UPDATE sent SET at = at - ?", (RETRY_WINDOW + 1,))  # a day later it is a new answer
    assert "already" not in offline.call("answer", id=asked["id"], text="oil it")
    assert store.count() == 4  # the request and three answers


@pytest.mark.fast
def test_votes_are_never_taken_for_retries_a_newer_one_replaces_the_older(offline):
    theirs = sign(Identity.generate(), "request", "acme/widget", {"title": "Squeaks", "text": "since Monday"},
                  created=now_ms())
    offline.ctx().ingest(theirs.raw, now_ms(), "test")
    votes = [offline.call("vote", id=theirs.id, value=v) for v in ("up", "down", "up")]
    assert len({v["id"] for v in votes}) == 3 and not any("already" in v for v in votes)


@pytest.mark.slow
def test_an_ask_that_timed_out_after_it_was_stored_is_one_message_when_retried(tmp_path):
    home = Home(tmp_path / "h")
    assert antiport(home.path, "init", "--no-passphrase", "--name", "ann").returncode == 0
    with NodeProcess(home.path) as node:
        node.wait_ready()
        lock = sqlite3.connect(home.db_file, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # the node's write waits for this (its busy timeout is 30 s)
        client = Client(home, timeout=1)
        try:
            with pytest.raises(ClientError) as stalled:
                client.call("ask", topic="acme/widget", title="Stuck at boot", text="it blinks red")
        finally:
            client.close()
            lock.execute("COMMIT")
            lock.close()
        said = str(stalled.value)
        assert "did not answer" in said and "may have been stored" in said and "same command again" in said
        [stored] = wait_for(lambda: requests(home), "the ask the node went on with")
        again = antiport(home.path, *ASK)
        assert again.returncode == 0, again
        assert again.stdout.splitlines()[0] == stored and "already stored" in again.stdout
        assert requests(home) == [stored]
        other = antiport(home.path, *ASK[:-1], "it blinks green")
        assert other.returncode == 0 and requests(home) == [other.stdout.strip(), stored]
