"""The inbox (node/inbox.py): what others said in the threads a person follows, and vendor promises that fell
due; each item once, kept across a restart of the store, cleared when read."""
from __future__ import annotations

import pytest
from antiport.node import inbox
from antiport.node.home import now_ms
from antiport.node.service import Ctx, OpError, due_ms, write
from antiport.node.store import Store
from cast import call, cast

pytestmark = pytest.mark.fast
W = "acme/widget"
HOUR = 3_600_000


@pytest.fixture
def people(tmp_path):
    ctxs = cast(tmp_path / "s.db", "customer", "expert", "vendor", "reader")
    write(ctxs["vendor"], "vendor", "", {"org": "Acme Corp", "topics": [W]})
    return ctxs


def items(ctx: Ctx, now: int | None = None, unread_only: bool = True) -> list[tuple[str, str]]:
    return [(i["kind"], i["text"]) for i in inbox.items(ctx.store, ctx.identity.did, now or now_ms(), 50,
                                                         unread_only)]


def test_answers_statuses_and_a_promise_that_falls_due_each_appear_once_and_clear_when_read(people, tmp_path):
    customer, expert, vendor = people["customer"], people["expert"], people["vendor"]
    request = call(customer, "ask", topic=W, title="It squeaks", text="since Monday")["id"]
    assert items(customer) == []
    call(expert, "answer", id=request, text="Oil the hinge\nwith a drop")
    promise = call(vendor, "status", id=request, state="in-progress", note="a fix is planned", due="2h")["id"]
    due = customer.store.get(promise).body["due"]
    assert due - now_ms() > HOUR
    # newest first; the two may share a millisecond: then by id
    assert sorted(items(customer)) == [("answer", "Oil the hinge"), ("status", "in-progress: a fix is planned")]
    assert items(customer, now=due + 1)[0] == ("overdue", "promised in-progress by then: a fix is planned")
    assert items(expert) == [("status", "in-progress: a fix is planned")]  # the expert answered: followed too
    assert call(customer, "inbox")["unread"] == 2

    restarted = Ctx(Store(tmp_path / "s.db"), customer.ingest, customer.identity)  # the same home, reopened
    assert call(restarted, "inbox_read", id=request)["marked"] == 2
    assert items(restarted) == [] and len(items(restarted, unread_only=False)) == 2
    assert items(restarted, now=due + 1) == [("overdue", "promised in-progress by then: a fix is planned")]
    overdue = inbox.items(restarted.store, customer.identity.did, due + 1)[0]["item"]
    assert call(restarted, "inbox_read", id=overdue)["marked"] == 1
    assert items(restarted, now=due + 1) == []

    call(vendor, "status", id=request, state="resolved")  # a newer status ends the promise
    assert items(customer, now=due + 1) == [("status", "resolved")]


def test_a_watched_thread_brings_what_comes_after_and_unwatch_mutes_even_your_own(people):
    customer, expert, reader = people["customer"], people["expert"], people["reader"]
    request = call(customer, "ask", topic=W, title="Hums", text="at night")["id"]
    first = call(expert, "answer", id=request, text="Check the fan")["id"]
    assert items(reader) == []
    assert call(reader, "watch", id=first) == {"thread": request, "following": True}  # an answer names its thread
    call(reader, "vote", id=first, value="up")  # a vote is not news
    accept = call(customer, "accept", id=first)["id"]
    assert [i["item"] for i in inbox.items(reader.store, reader.identity.did, now_ms())] == [accept]
    call(customer, "unwatch", id=request)
    call(expert, "answer", id=request, text="Or the pump")
    assert items(customer) == []


def test_a_due_time_as_people_write_it():
    now = 1_767_225_600_000  # 2026-01-01T00:00Z
    assert due_ms("48h", now) == now + 48 * HOUR and due_ms("3d", now) == now + 72 * HOUR
    assert due_ms("2026-01-02", now) == now + 24 * HOUR
    assert due_ms("2026-01-01T01:00+01:00", now) == now
    with pytest.raises(OpError, match="write a date"):
        due_ms("next tuesday", now)
