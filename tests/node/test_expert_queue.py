"""The expert's queue (docs/queue.md): what is open across the followed topics, in the order to take it,
with claims that hold for their minutes and skips that only this node knows."""
from __future__ import annotations

import time

import pytest
from antiport.crypto import Identity
from antiport.node.expert_queue import claims_holding, order
from antiport.node.ingest import Ingest
from antiport.node.service import OPS, Ctx, OpError, write
from antiport.node.store import Store
from antiport.protocol import sign

pytestmark = pytest.mark.fast
W, G = "acme/widget", "acme/gadget"
MIN = 60_000


def entry(id: str, created: int, answers=0, mine=False, vendor=False, claims=(), standing=0.0) -> dict:
    return {"id": id, "created": created, "answers": answers, "mine": mine, "vendor_answered": vendor,
            "claims": [{"did": d} for d in claims], "standing": standing}


def test_the_order_unanswered_first_then_others_then_the_vendors_then_mine():
    rows = [entry("mine", 9, answers=1, mine=True), entry("vendor", 8, answers=1, vendor=True),
            entry("others", 7, answers=2), entry("open-old", 1), entry("open-new", 2)]
    assert [e["id"] for e in order(rows, "me")] == ["open-new", "open-old", "others", "vendor", "mine"]


def test_within_a_group_my_claims_then_unclaimed_then_others_claims_then_standing_then_newest():
    rows = [entry("theirs", 9, claims=["bob"]), entry("mine", 1, claims=["bob", "me"]),
            entry("newcomer", 8), entry("regular", 2, standing=0.4), entry("known", 3, standing=0.4)]
    assert [e["id"] for e in order(rows, "me")] == ["mine", "known", "regular", "newcomer", "theirs"]


def test_a_claim_holds_from_its_created_for_its_minutes_unless_retracted():
    bob, eve = Identity(b"\x02" * 32), Identity(b"\x03" * 32)
    ref, t = "ab" * 32, int(time.time() * 1000) - 60 * MIN  # sign() checks the clock too
    c1 = sign(bob, "claim", W, {"minutes": 30}, [ref], created=t)
    c2 = sign(bob, "claim", W, {"minutes": 10}, [ref], created=t + 25 * MIN)
    c3 = sign(eve, "claim", W, {"minutes": 5}, [ref], created=t)
    assert claims_holding([c1, c2, c3], set(), t) == {bob.did: t + 30 * MIN, eve.did: t + 5 * MIN}
    assert claims_holding([c1, c2, c3], set(), t + 29 * MIN) == {bob.did: t + 35 * MIN}  # the latest end
    assert claims_holding([c1, c2, c3], {c2.id}, t + 29 * MIN) == {bob.did: t + 30 * MIN}
    assert claims_holding([c1, c2, c3], set(), t + 35 * MIN) == {}  # over: the end is not in it
    assert claims_holding([c1], set(), t - 1) == {}  # not yet


@pytest.fixture
def people(tmp_path):
    store = Store(tmp_path / "s.db")
    ingest = Ingest(store)
    names = ("expert", "customer", "other", "vendor")
    ctxs = {n: Ctx(store, ingest, Identity(bytes([i + 1]) * 32)) for i, n in enumerate(names)}
    call(ctxs["vendor"], "profile", name="Acme")
    write(ctxs["vendor"], "vendor", "", {"org": "Acme Corp", "topics": [W, G]})
    for t in (W, G):
        call(ctxs["expert"], "follow", topic=t)
    return ctxs


def call(ctx: Ctx, op: str, **params):
    found = OPS[op](ctx, params)
    return found["queue"] if op == "queue" else found


def ids(rows: list[dict]) -> list[str]:
    return [r["title"] for r in rows]


def ask(ctx: Ctx, topic: str, title: str) -> str:
    return call(ctx, "ask", topic=topic, title=title, text="help")["id"]


def test_the_queue_holds_what_is_open_in_followed_topics_and_leaves_the_rest(people):
    me, customer, other, vendor = (people[n] for n in ("expert", "customer", "other", "vendor"))
    answered = ask(customer, W, "answered by other")
    ask(customer, "globex/router", "not followed")
    call(me, "unfollow", topic="globex/router")  # one store for everyone here: the asker's ask followed it
    ask(me, W, "my own question")
    accepted = ask(customer, G, "accepted")
    resolved = ask(customer, W, "resolved")
    closed = ask(customer, G, "closed by the vendor")
    by_vendor = ask(customer, G, "vendor answered")
    ask(customer, W, "open")
    call(other, "answer", id=answered, text="try this")
    call(customer, "accept", id=call(other, "answer", id=accepted, text="this")["id"])
    call(customer, "resolve", id=resolved)
    call(vendor, "status", id=closed, state="wont-fix")
    call(vendor, "answer", id=by_vendor, text="we are on it")
    rows = call(me, "queue")
    assert ids(rows) == ["open", "answered by other", "vendor answered"]
    assert rows[0]["name"] == "" and rows[2]["vendor_answered"] and rows[1]["answers"] == 1

    call(me, "answer", id=answered, text="or this")
    assert ids(call(me, "queue")) == ["open", "vendor answered", "answered by other"]  # mine wait on the asker


def test_a_claim_shows_on_another_experts_queue_and_is_let_go_by_retracting_it(people):
    me, customer, other = people["expert"], people["customer"], people["other"]
    first, second = ask(customer, W, "first"), ask(customer, W, "second")
    claim = call(other, "claim", id=second, minutes=45)["id"]
    call(other, "profile", name="Olga")
    rows = call(me, "queue")
    assert ids(rows) == ["first", "second"]  # the newer one, but Olga is on it
    [held] = rows[1]["claims"]
    assert held["name"] == "Olga" and held["until"] - time.time() * 1000 > 40 * MIN
    call(me, "claim", id=first)
    assert [c["did"] for c in call(me, "queue")[0]["claims"]] == [me.identity.did]
    call(other, "retract", id=claim)
    rows = call(me, "queue")  # mine first; Olga's let go
    assert ids(rows) == ["first", "second"] and rows[1]["claims"] == []
    with pytest.raises(OpError, match="1 to 120 minutes"):
        call(me, "claim", id=first, minutes=121)


def test_a_skip_keeps_a_request_out_of_this_nodes_queue_for_a_while(people):
    me, customer = people["expert"], people["customer"]
    asked = ask(customer, W, "skip me")
    answer = call(people["other"], "answer", id=asked, text="x")["id"]
    done = call(me, "skip", id=asked, hours=2)
    assert done["until"] > time.time() * 1000 + 1.9 * 3_600_000 and call(me, "queue") == []
    call(me, "skip", id=asked, hours=0)  # over at once
    assert ids(call(me, "queue")) == ["skip me"]
    with pytest.raises(OpError, match="skip a request or a complaint"):
        call(me, "skip", id=answer)


def test_the_queue_comes_a_page_at_a_time_in_its_order(people):
    me, customer = people["expert"], people["customer"]
    for i in range(7):
        ask(customer, W, f"question {i}")
    whole = [r["id"] for r in call(me, "queue")]
    first = OPS["queue"](me, {"limit": 3})
    assert [r["id"] for r in first["queue"]] == whole[:3] and first["page"]["after"] is None
    second = OPS["queue"](me, {"limit": 3, "before": first["page"]["before"]})
    assert [r["id"] for r in second["queue"]] == whole[3:6]
    last = OPS["queue"](me, {"limit": 3, "oldest": True})
    assert [r["id"] for r in last["queue"]] == whole[-3:] and last["page"]["before"] is None
    back = OPS["queue"](me, {"limit": 3, "after": second["page"]["after"]})
    assert [r["id"] for r in back["queue"]] == whole[:3]
    with pytest.raises(OpError, match="not a position in this list"):
        OPS["queue"](me, {"before": "ab" * 32})
