"""Answers a person can read on a popular home (bench/popular.py, skewed authors, big threads): `why` lists
the strongest facts and counts the rest, a thread's votes are totals (one per voter) and its events the
newest few, and every read op's JSON stays under a bound however much the home holds."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from antiport.app.text import TEXT
from antiport.crypto import Identity, key_from_did
from antiport.node.client import Client
from antiport.node.home import now_ms
from antiport.node.ledger import DAMPING, WHY_FACTS, facts, ledger_for
from antiport.node.ops import OPS
from antiport.node.paging import Window
from antiport.node.readers import Viewer
from antiport.node.service import THREAD_EVENTS, Ctx, thread_view
from antiport.node.store import Store
from antiport.protocol import sign
from helpers import popular_home

pytestmark = pytest.mark.fast

OUTPUT_BOUND = 256 * 1024  # bytes of JSON any read op may return


@pytest.fixture(scope="module")
def popular(tmp_path_factory):
    path = tmp_path_factory.mktemp("popular") / "home"
    info = popular_home(path)
    client = Client(path)
    yield client, info
    client.close()


def biggest_thread(client: Client, topic: str) -> str:
    return max(client.call("list", topic=topic, limit=200)["threads"], key=lambda t: t["answers"])["id"]


def test_why_lists_the_strongest_facts_and_counts_the_rest(popular):
    """The facts `why` lists are kept with the ranking (node/ledger.py): the same as going through them all."""
    client, info = popular
    why = client.call("why", did=info["busiest"])
    big = next(t for t in why["topics"] if t["topic"] == info["topic"])
    store, busiest = client.ctx().store, info["busiest"]
    ranked = ledger_for(store).ranked(info["viewer"], info["topic"])
    about = facts(store, info["topic"], about=busiest)
    weight = {f.id: round(DAMPING * ranked.score[f.source] * f.weight / ranked.budget[f.source], 9)
              if f.source in ranked.budget else 0.0 for f in about}
    strongest = sorted(about, key=lambda f: (-abs(weight[f.id]), f.id))[:WHY_FACTS]
    assert big["left_out"] == len(about) - WHY_FACTS > 0
    assert [f["id"] for f in big["facts"]] == [f.id for f in strongest]
    assert [f["weight"] for f in big["facts"]] == pytest.approx([weight[f.id] for f in strongest], abs=1e-12)
    assert [(f["kind"], f["from"], f["note"]) for f in big["facts"]] == [(f.kind, f.source, f.note) for f in strongest]
    assert big["counts"] == dict(Counter(f.kind for f in about))
    for t in why["topics"]:
        assert len(t["facts"]) <= WHY_FACTS and sum(t["counts"].values()) == len(t["facts"]) + t["left_out"]
    order = sorted(ranked.score, key=lambda d: (-ranked.score[d], d))  # best first, ties by did
    assert big["score"] == round(ranked.score[busiest], 9) and big["rank"] == order.index(busiest) + 1
    assert [ranked.rank_of(d) for d in order] == list(range(1, len(order) + 1))  # read from the arrays alone
    assert f"and {big['left_out']:,} weaker facts" in TEXT["why"](why, {})


def test_a_threads_votes_are_totals_and_its_events_the_newest(popular):
    client, info = popular
    root = client.call("show", id=biggest_thread(client, info["topic"]))
    answer = root["answers"][0]["id"]
    ingest, later = client.ctx().ingest, now_ms()
    voter = Identity.generate()
    for value in ("up", "up", "down"):  # one voter, three votes: the newest counts, once
        later += 1
        ingest(sign(voter, "vote", info["topic"], {"value": value}, [answer], created=later).raw, later, "test")
    for _ in range(THREAD_EVENTS + 5):  # more reports than a thread lists
        later += 1
        ingest(sign(Identity.generate(), "report", info["topic"], {"reason": "spam"}, [root["id"]],
                    created=later).raw, later, "test")
    view = client.call("show", id=root["id"])
    votes = {a["id"]: a["votes"] for a in view["answers"]}
    before = {a["id"]: a["votes"] for a in root["answers"]}
    assert votes[answer] == {**before[answer], "down": before[answer].get("down", 0) + 1}
    newest = {}
    for m in client.ctx().store.thread(root["id"]):
        if m.kind == "vote":
            newest[(m.author, m.refs[0])] = m.body["value"]
    for a in view["answers"]:
        assert sum(a["votes"].values()) == sum(1 for (_, target) in newest if target == a["id"])
    assert "vote" not in {e["kind"] for e in view["events"]}
    assert len(view["events"]) == THREAD_EVENTS and view["events_left_out"] >= 5
    assert [e["created"] for e in view["events"]][-1] == later
    assert f"votes: +{view['votes'].get('up', 0)}/-{view['votes'].get('down', 0)}" in TEXT["show"](view, {})


def test_answers_stored_since_the_ranking_come_after_the_ranked_ones(popular):
    """The order of a thread's answers is kept with the ledger's ranking (node/answer_order.py): a node's reader
    uses the kept ranking whatever its age, and shows an answer stored since after the ranked ones until the
    next ranking places it."""
    client, info = popular
    root = biggest_thread(client, info["topic"])
    ranked = [a["id"] for a in client.call("show", id=root, limit=200)["answers"]]
    store = client.ctx().store
    reader = Store(store.path, readonly=True)
    ledger_for(reader, background=True)  # as the node's readers: the kept ranking, whatever its age
    viewer = Viewer(key_from_did(info["viewer"]), info["viewer"])
    later = now_ms()
    new, _ = client.ctx().ingest(sign(Identity.generate(), "answer", info["topic"], {"text": "try the reset pin"},
                                      [root], created=later).raw, later, "test")
    try:
        shown = thread_view(Ctx(reader, None, viewer), reader.get(root), Window(limit=200))
        assert [a["id"] for a in shown["answers"]] == [*ranked, new.id]
        ledger_for(reader).refresh()  # the node's next ranking places it
        shown = thread_view(Ctx(reader, None, viewer), reader.get(root), Window(limit=200))
        assert sorted(a["id"] for a in shown["answers"]) == sorted([*ranked, new.id])
        offline = client.call("show", id=root, limit=200)["answers"]  # ranked on the spot
        assert [a["id"] for a in shown["answers"]] == [a["id"] for a in offline]
    finally:
        reader.close()


def test_every_read_op_returns_a_bounded_answer(popular):
    client, info = popular
    cases = {"topics": {}, "labelers": {}, "list": {}, "search": {"query": "widget"},
             "show": {"id": biggest_thread(client, info["topic"])}, "experts": {"topic": info["topic"]},
             "why": {"did": info["busiest"]}, "vendors": {}, "vendor": {"name": info["vendor"]},
             "queue": {"limit": 200}, "figures": {"did": info["busiest"]}, "suggest": {},
             "inbox": {"all": True, "limit": 10**6}, "intents": {"closed": True}, "muted": {},
             "devices": {"identity": info["busiest"]},
             "contact_show": {}, "crossposts": {"topic": info["topic"]},
             "private_list": {}}
    reads = {name for name, entry in OPS.items() if not entry.write and not entry.live}
    assert reads <= set(cases), f"give these read ops a case: {reads - set(cases)}"
    for name in reads:
        size = len(json.dumps(client.call(name, **cases[name])))
        assert size < OUTPUT_BOUND, f"{name} returned {size:,} bytes"
