"""An expert's own figures (docs/queue.md, "Your figures") equal a hand computation over a scripted history,
other nodes see them in the experts list, and `suggest` names the unfollowed topics where answers were accepted."""
from __future__ import annotations

import pytest
from antiport.app.text import TEXT
from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.ledger import ledger_for
from antiport.node.service import Ctx
from antiport.node.store import Store
from antiport.protocol import sign
from cast import call

pytestmark = pytest.mark.fast
W, G, H, K = "acme/widget", "acme/gadget", "acme/hose", "acme/kettle"
T0 = 1_700_000_000_000
MIN = 60_000


@pytest.fixture
def history(tmp_path):
    """Minutes after T0 in W: the expert E answers from 70 to 330 (active), O from 65 to 200."""
    store = Store(tmp_path / "s.db")
    ingest = Ingest(store)
    e, o, a, b = (Identity(bytes([i + 1]) * 32) for i in range(4))

    def post(who, kind, topic, body, refs=(), at=0):
        msg = sign(who, kind, topic, body, [r.id for r in refs], created=T0 + at * MIN)
        ingest(msg.raw, T0 + at * MIN, "test")
        return msg

    def ask(who, topic, title, at):
        return post(who, "request", topic, {"title": title, "text": "help"}, at=at)

    def answer(who, root, at):
        return post(who, "answer", root.topic, {"text": "try this"}, [root], at=at)

    r0 = ask(a, W, "r0 before anyone was active", -30)
    r1 = ask(a, W, "r1 answered late", 0)
    r2 = ask(a, W, "r2", 60)
    r3 = ask(b, W, "r3 missed by E", 120)
    r4 = ask(e, W, "r4 asked by E", 180)
    r5 = ask(b, W, "r5", 240)
    r6 = ask(a, W, "r6", 300)
    ask(b, W, "r7 after E's last answer", 360)
    answer(o, r2, 65)
    post(a, "accept", W, {}, [answer(e, r2, 70)], at=90)
    answer(o, r4, 200)
    answer(e, r4, 210)  # in E's own thread: no response to anyone
    answer(e, r5, 270)
    post(b, "accept", W, {}, [answer(e, r5, 280)], at=290)
    answer(e, r6, 320)
    answer(e, r1, 330)
    for topic, accepted, left in ((G, 1, 0), (K, 2, 1), (H, 0, 1)):
        for i in range(accepted + left):
            root = ask(a, topic, f"{topic} {i}", 400 + 10 * i)
            mine = answer(e, root, 401 + 10 * i)
            if i < accepted:
                post(a, "accept", topic, {}, [mine], at=402 + 10 * i)
    ctx = Ctx(store, ingest, e)
    store.follow(W, T0)
    return {"ctx": ctx, "e": e, "o": o, "post": post,
            "ids": {m.body["title"].split()[0]: m.id for m in (r0, r1, r2, r3, r5, r6)}}


def test_an_experts_figures_equal_the_hand_computation(history):
    ctx, ids = history["ctx"], history["ids"]
    mine = call(ctx, "figures")
    assert mine["did"] == history["e"].did and mine["topics_left_out"] == 0
    assert [t["topic"] for t in mine["topics"]] == [W, K, G, H]  # most answers first, then by name
    w = mine["topics"][0]
    # counted: r1 (answered), r2, r3, r5, r6 (asked while active: 70..330); not r0, r7 (outside), r4 (E's own)
    assert (w["active_from"], w["active_to"]) == (T0 + 70 * MIN, T0 + 330 * MIN)
    assert (w["threads"], w["answered"], w["response_rate"]) == (5, 4, 0.8)
    assert w["median_first_answer_s"] == (20 + 30) / 2 * 60  # waits 10, 20, 30, 330 minutes
    assert (w["answers"], w["accepted"], w["accept_rate"]) == (5, 2, 0.4)
    shown = {r["id"]: r for r in w["threads_shown"]}
    assert [r["id"] for r in w["threads_shown"]] == [ids[k] for k in ("r6", "r5", "r3", "r2", "r1")]
    assert shown[ids["r3"]]["first_answer_s"] is None and shown[ids["r1"]]["first_answer_s"] == 330 * 60
    assert (shown[ids["r5"]]["answers"], shown[ids["r5"]]["accepted"]) == (2, 1)
    assert w["threads_left_out"] == 0
    text = TEXT["figures"](mine, {})
    assert "answered 4 of 5 threads (80%)" in text and "accepted 2 of 5 answers (40%)" in text
    assert "missed" in text

    theirs = call(ctx, "figures", did=history["o"].did)
    [ow] = theirs["topics"]  # O: r2 (answered), r3, r4 (asked while active: 65..200)
    assert (ow["threads"], ow["answered"], ow["median_first_answer_s"], ow["accept_rate"]) == (3, 2, 750, 0)
    # O's waits: r2 5 minutes, r4 20 minutes; median 12.5 minutes


def test_every_answer_shows_its_authors_figures_kept_with_the_ledger(history, tmp_path):
    """`show` gives each answer its author's figures in the topic, the same numbers as the hand computation;
    a node's reader uses the ones kept with the ledger's scores until the ledger is refreshed (never
    computing them on a read)."""
    ctx, e, o, ids = history["ctx"], history["e"], history["o"], history["ids"]
    view = call(ctx, "show", id=ids["r2"])
    by = {a["author"]: a["figures"] for a in view["answers"]}
    assert by == {e.did: {"response_rate": 0.8, "median_first_answer_s": 1500, "accept_rate": 0.4},
                  o.did: {"response_rate": 0.667, "median_first_answer_s": 750, "accept_rate": 0}}
    text = TEXT["show"](view, {})
    assert "their record here: answered 80% of requests, median first answer 25.0m, 40% accepted" in text

    reader = Ctx(Store(tmp_path / "s.db", readonly=True), None, e)  # as in the node's reader processes
    ledger = ledger_for(reader.store, background=True)
    history["post"](e, "answer", W, {"text": "late, sorry"}, [ctx.store.get(ids["r3"])], at=340)
    assert call(reader, "show", id=ids["r2"])["answers"][0]["figures"]["response_rate"] == 0.8  # kept
    assert ledger.refresh() == 1
    mine = [a for a in call(reader, "show", id=ids["r2"])["answers"] if a["author"] == e.did]
    assert mine[0]["figures"]["response_rate"] == 1.0  # r1, r2, r3, r5 and r6 (70..340): all answered


def test_the_experts_list_shows_each_experts_compact_figures(history):
    ctx = history["ctx"]
    data = call(ctx, "experts", topic=W)
    rows = {r["did"]: r for r in data["experts"]}
    o = rows[history["o"].did]
    assert (o["response_rate"], o["median_first_answer_s"], o["accept_rate"]) == (0.667, 750, 0)
    assert "67%" in TEXT["experts"](data, {"topic": W})


def test_suggest_lists_unfollowed_topics_where_answers_were_accepted_best_first(history):
    rows = call(history["ctx"], "suggest")
    assert [(r["topic"], r["accepted"], r["answers"]) for r in rows] == [(K, 2, 3), (G, 1, 1)]
    assert "antiport follow acme/kettle" in TEXT["suggest"](rows, {})
