"""Cursor paging of the read ops (node/paging.py) and the query plans of their pages, on a small home of
the popular-topic shape (bench/popular.py: skewed authors, threads of hundreds of answers)."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from antiport.app.cli import main
from antiport.crypto import did_from_key, key_from_did
from antiport.node.home import Home
from antiport.node.ledger import ledger_for
from antiport.node.ops import OpError
from antiport.node.readers import Viewer
from antiport.node.service import OPS, Ctx
from antiport.node.store import Store
from antiport.protocol.kinds import thread_order
from helpers import popular_home

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("popular") / "home"
    info = popular_home(path)
    store = Store(Home(path).db_file, readonly=True)
    yield Ctx(store, None, Viewer(key_from_did(info["viewer"]), info["viewer"])), {**info, "home": str(path)}
    store.close()


def call(ctx: Ctx, op: str, **params):
    return json.loads(json.dumps(OPS[op](ctx, params)))  # as the API and the CLI see it


def walk(ctx: Ctx, op: str, rows: str, key: str, **params) -> list[str]:
    """Every row of a paged op, page by page from the top, by its key."""
    seen, where = [], {}
    while True:
        found = call(ctx, op, limit=7, **params, **where)
        seen += [r[key] for r in found[rows]]
        if found["page"]["before"] is None:
            return seen
        where = {"before": found["page"]["before"]}


def test_pages_go_down_to_the_oldest_and_back_up(home):
    ctx, info = home
    roots = ctx.store.threads(info["topic"], 10_000)
    every = walk(ctx, "list", "threads", "id", topic=info["topic"], shown="all")
    assert every == [t["id"] for t in roots] and len(every) > 100  # newest first, each once
    oldest = call(ctx, "list", topic=info["topic"], limit=7, oldest=True, shown="all")
    assert [t["id"] for t in oldest["threads"]] == every[-7:] and oldest["page"]["before"] is None
    above = call(ctx, "list", topic=info["topic"], limit=7, after=oldest["page"]["after"], shown="all")
    assert [t["id"] for t in above["threads"]] == every[-14:-7]
    assert call(ctx, "list", topic=info["topic"], limit=7)["page"]["after"] is None
    assert walk(ctx, "list", "threads", "id", shown="all") == [t["id"] for t in ctx.store.threads(None, 10_000)]


def test_search_experts_why_answers_and_a_vendors_requests_page_too(home):
    ctx, info = home
    everything = ctx.store.search("reset firmware", 10_000)
    assert walk(ctx, "search", "results", "id", query="reset firmware", shown="all") == [r["id"] for r in everything]
    assert len(everything) > 7
    ranked = call(ctx, "experts", topic=info["topic"], limit=200)["experts"]
    assert walk(ctx, "experts", "experts", "did", topic=info["topic"]) == [r["did"] for r in ranked]
    assert [t["topic"] for t in call(ctx, "why", did=info["busiest"], limit=2)["topics"]] == \
        ctx.store.topics_of(info["busiest"])[:2]
    big = max(ctx.store.threads(info["topic"], 10_000), key=lambda t: t["answers"])
    answers = walk(ctx, "show", "answers", "id", id=big["id"], shown="all")
    assert answers == ranked_answers(ctx, big["id"]) and len(answers) == big["answers"]
    requests = walk(ctx, "vendor", "requests", "id", name=info["vendor"])
    claimed = call(ctx, "vendor", name=info["vendor"])["topics"]
    assert requests == [t["id"] for t in sorted((t for topic in claimed for t in ctx.store.threads(topic, 10_000)),
                                               key=lambda t: (t["created"], t["id"]), reverse=True)]


def ranked_answers(ctx: Ctx, root: str) -> list[str]:
    """A thread's answers ranked from all its messages, as `show` ranked them per read before the ledger kept
    the order: accepted first, then the author's score, net votes (a voter's newest), oldest, seq, id."""
    thread = ctx.store.thread(root)
    score = ledger_for(ctx.store).scores(ctx.identity.did, ctx.store.get(root).topic)
    votes = {(m.author, m.refs[0]): m.body["value"] for m in thread if m.kind == "vote"}
    net = Counter({target: 0 for _, target in votes})
    for (_, target), value in votes.items():
        net[target] += 1 if value == "up" else -1
    accepted = {m.refs[0] for m in thread if m.kind == "accept"}
    return [m.id for m in sorted((m for m in thread if m.kind == "answer"), key=lambda m: (
        m.id not in accepted, -round(score.get(did_from_key(m.author), 0.0), 9), -net[m.id], *thread_order(m)))]


def test_the_command_reaches_the_oldest_thread_and_says_where_more_are(home, capsys):
    ctx, info = home
    oldest = ctx.store.threads(info["topic"], 10_000)[-1]
    assert main(["--home", info["home"], "list", info["topic"], "--oldest", "--limit", "1", "--all", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in found["threads"]] == [oldest["id"]] and found["page"]["before"] is None
    assert main(["--home", info["home"], "list", info["topic"], "--limit", "2", "--before", oldest["id"]]) == 0
    assert capsys.readouterr().out.strip() == f"(more above: --after {oldest['id']})"  # nothing below it
    assert main(["--home", info["home"], "list", info["topic"], "--limit", "2", "--all"]) == 0
    *rows, more = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 2 and more.startswith("(more below: --before ")
    assert main(["--home", info["home"], "list", "--limit", "500"]) == 1
    assert capsys.readouterr().err.strip() == "antiport: limit must be between 1 and 200, not 500"


@pytest.mark.parametrize(("params", "error"), [
    ({"limit": 0}, "limit must be between 1 and 200"), ({"limit": 201}, "limit must be between 1 and 200"),
    ({"before": "ab" * 32}, "is not a position in this list"), ({"before": "x", "oldest": True}, "give one of"),
])
def test_a_page_that_cannot_be_given_is_one_line(home, params, error):
    ctx, info = home
    with pytest.raises(OpError, match=error):
        call(ctx, "list", topic=info["topic"], **params)


def plans(ctx: Ctx, run) -> list[str]:
    """The query plan steps of every statement `run()` makes."""
    steps, execute = [], ctx.store.db.execute

    def explained(sql, params=()):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            steps.extend(r[-1] for r in execute("EXPLAIN QUERY PLAN " + sql, params))
        return execute(sql, params)
    ctx.store.db.execute = explained
    try:
        run()
    finally:
        del ctx.store.db.execute
    return steps


def test_pages_are_read_through_indexes_never_through_an_author(home):
    """A page of threads, of search results, of a thread's answers, a vendor's metrics and requests, `why`,
    `experts` and the expert's queue read their rows through an index of what they show, never the whole
    table and never the author index (the busiest author wrote hundreds of times what the others did): what
    a page costs is what it returns (the ranking, the strongest facts and the figures are kept with the ledger)."""
    ctx, info = home
    last = call(ctx, "list", topic=info["topic"], limit=7)["page"]["before"]
    big = max(ctx.store.threads(info["topic"], 10_000), key=lambda t: t["answers"])
    for op, params in [("list", {"topic": info["topic"]}), ("list", {}), ("list", {"oldest": True}),
                       ("list", {"topic": info["topic"], "before": last}), ("search", {"query": "reset firmware"}),
                       ("search", {"query": "reset", "oldest": True}), ("show", {"id": big["id"]}),
                       ("vendor", {"name": info["vendor"]}), ("vendors", {}), ("why", {"did": info["busiest"]}),
                       ("experts", {"topic": info["topic"]}), ("queue", {})]:
        OPS[op](ctx, params)  # the ledger's ranking of a topic is computed once, then kept (not a page's cost)
        steps = plans(ctx, lambda: OPS[op](ctx, params))  # noqa: B023 -- run here, at once
        assert not [s for s in steps if "idx_messages_author" in s], (op, params, steps)
        accepts = [s for s in steps if s.startswith("SEARCH c ")]  # never every accept held (messages_kind_created)
        assert all("messages_accepts (target=?" in s for s in accepts), (op, params, accepts)
        scans = [s for s in steps if s.startswith("SCAN") and s not in (  # the page itself, the user's own lists
            "SCAN m", "SCAN CONSTANT ROW", "SCAN labelers", "SCAN label_effects", "SCAN mutes",
            "SCAN t")  # t: the topics walked
            and not s.startswith(("SCAN vendor_keys", "SCAN trusted_vendors", "SCAN queue_skips", "SCAN follows"))]
        # vendor keys: a row per vendor key, per topic; the queue's skips and the followed topics: the user's own
        assert all("messages_roots_all" in s or "VIRTUAL TABLE" in s for s in scans), (op, params, scans)
    steps = plans(ctx, lambda: ctx.store.threads(info["topic"], 51))
    assert "SEARCH m USING INDEX messages_roots (topic=?)" in steps
    assert "SEARCH c USING INDEX messages_accepts (target=? AND author=?)" in steps  # accepted: by target
    resolved = [s for s in steps if s.startswith("SEARCH r ")]
    assert resolved == ["SEARCH r USING COVERING INDEX messages_replies (target=? AND kind=?)"]
