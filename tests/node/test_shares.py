"""Passing a thread on (specs/13, node/share.py): a share appears once in its person's inbox, stays after the
store is reopened, clears when read, and not from someone she muted; a cross-post points from another topic."""
from __future__ import annotations

import pytest
from antiport.node import inbox, share
from antiport.node.home import now_ms
from antiport.node.service import Ctx, OpError, write
from antiport.node.store import Store
from cast import call, cast

pytestmark = pytest.mark.fast
W, G = "acme/widget", "acme/gadget"


@pytest.fixture
def people(tmp_path):
    return cast(tmp_path / "s.db", "alice", "bob", "carol")


def items(ctx: Ctx, unread_only: bool = True) -> list[tuple[str, str, str]]:
    return [(i["kind"], i["title"], i["text"]) for i in inbox.items(ctx.store, ctx.identity.did, now_ms(), 50,
                                                                    unread_only)]


def test_a_shared_thread_appears_once_stays_after_a_restart_and_clears_when_read(people, tmp_path):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    thread = call(carol, "ask", topic=W, title="The hinge squeaks", text="since Monday")["id"]
    sent = call(alice, "share", id=thread, to=[bob.identity.did], note="You fixed one of these?\nThanks")["sent"]
    assert items(bob) == []  # not opened yet: the node opens shares to its person (share.service)
    assert share.open_new(bob.store, bob.identity) == 1 and share.open_new(bob.store, bob.identity) == 0
    assert items(bob) == [("share", "The hinge squeaks", "You fixed one of these?")]
    assert inbox.items(bob.store, bob.identity.did, now_ms())[0]["held"]  # one store here: the thread is held
    assert items(carol) == [] and share.open_new(carol.store, carol.identity) == 0  # sealed to bob alone
    assert call(bob, "inbox")["unread"] == 1

    bob = Ctx(Store(tmp_path / "s.db"), bob.ingest, bob.identity)  # the same home, reopened
    assert [i["item"] for i in call(bob, "inbox")["items"]] == [sent[0]["id"]]
    assert call(bob, "inbox_read", id=thread)["marked"] == 1  # reading the thread reads its share too
    assert items(bob) == [] and call(bob, "inbox")["unread"] == 0
    assert items(bob, unread_only=False) == [("share", "The hinge squeaks", "You fixed one of these?")]

    call(alice, "share", id=thread, to=[bob.identity.did])  # again, without a note: a new item
    share.open_new(bob.store, bob.identity)
    assert items(bob) == [("share", "The hinge squeaks", "passed this thread on to you")]
    call(bob, "mute", did=alice.identity.did)
    assert items(bob) == [] and call(bob, "inbox")["unread"] == 0


def test_a_share_that_does_not_open_is_kept_aside_and_never_shown(people):
    alice, bob = people["alice"], people["bob"]
    write(alice, "share", "", {"to": bob.identity.public_key, "sealed": bytes(80)})
    assert share.open_new(bob.store, bob.identity) == 1
    assert items(bob) == [] and call(bob, "inbox")["unread"] == 0
    assert bob.store.db.execute("SELECT problem FROM shares_in").fetchone()[0].startswith("the sealed part cannot")


def test_what_a_share_refuses_before_sending_anything(people):
    alice, bob = people["alice"], people["bob"]
    thread = call(bob, "ask", topic=W, title="The hinge squeaks", text="since Monday")["id"]
    answer = call(alice, "answer", id=thread, text="Oil it")["id"]
    for params, says in ((dict(to=[]), "to whom"), (dict(to=["did:key:nope"]), "did"),
                         (dict(to=[alice.identity.did]), "that is you"),
                         (dict(to=[bob.identity.did], note="x" * 501), "note is 1 to 500"),
                         (dict(to=[bob.identity.did], note="a\x1b[2Jb"), "note is 1 to 500")):
        with pytest.raises(OpError, match=says):
            call(alice, "share", id=answer, **params)
    assert alice.store.db.execute("SELECT count(*) FROM messages WHERE kind='share'").fetchone()[0] == 0
    sent = call(alice, "share", id=answer, to=[bob.identity.did])  # an answer's id shares its thread
    assert sent["thread"] == thread


def test_a_crosspost_points_from_another_topic_with_the_threads_own_title(people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    thread = call(carol, "ask", topic=W, title="The hinge squeaks", text="since Monday")["id"]
    with pytest.raises(OpError, match="in acme/widget already"):
        call(alice, "crosspost", id=thread, topic="Acme/Widget")
    pointer = call(alice, "crosspost", id=thread, topic="Acme/Gadget", note="The gadget has this hinge")["id"]
    assert alice.store.get(pointer).topic == G
    # a pointer naming another title, and one naming a thread of another topic: the held thread decides
    write(bob, "crosspost", G, {"thread": bytes.fromhex(thread), "source": W, "title": "FREE GADGETS"})
    write(bob, "crosspost", G, {"thread": bytes.fromhex(thread), "source": "acme/sprocket", "title": "x"})
    write(bob, "crosspost", G, {"thread": bytes(32), "source": W, "title": "Not held here"})
    rows = call(carol, "crossposts", topic=G)
    assert sorted((r["title"], r["held"], r["note"]) for r in rows) == [
        ("Not held here", False, ""), ("The hinge squeaks", True, ""),
        ("The hinge squeaks", True, "The gadget has this hinge")]
    call(carol, "mute", did=bob.identity.did, topic=G)
    assert [r["id"] for r in call(carol, "crossposts", topic=G)] == [pointer]
