"""Shared moderation (specs/02 section 7, specs/06 section 5): labels travel with what they label, and
only the labelers a viewer follows, or reporters with standing in the viewer's ledger, change what the
viewer sees."""
from __future__ import annotations

import time

import pytest
import trio
from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx, OpError
from antiport.node.store import Store
from antiport.protocol import sign
from cast import call
from nodes import connect, start_node, wait_stored, wait_subscribed

W = "acme/widget"


def now() -> int:
    return int(time.time() * 1000)


def ctx_of(node) -> Ctx:
    return Ctx(node.store, node.ingest, node.identity, node=node)


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}


@pytest.mark.trio
async def test_a_followed_labeler_hides_and_marks_for_its_followers_only(tmp_path):
    """Asker A, labeler L, viewer V who follows L, and W who does not (and labels too: a stranger to V)."""
    async with trio.open_nursery() as nursery:
        a, lab, v, w = [await start_node(nursery, tmp_path / n, n, identity=Identity(bytes([i]) * 32))
                        for i, n in enumerate(("a", "l", "v", "w"), 31)]
        for node in (a, lab, v, w):
            await node.follow(W)
        for x in (a, v, w):
            await connect(x, lab)
            await wait_subscribed(lab, x, W)
            await wait_subscribed(x, lab, W)
        A, L, V, S = map(ctx_of, (a, lab, v, w))
        spam = call(A, "ask", topic=W, title="Cheap widgets", text="buy at example.com")["id"]
        odd = call(A, "ask", topic=W, title="Anyone like gadgets?", text="not widgets")["id"]
        fine = call(A, "ask", topic=W, title="Widget hums", text="at night")["id"]
        for node in (lab, v, w):
            await wait_stored(node, fine)
        call(V, "labelers_add", did=lab.identity.did)
        labels = [call(L, "label", target=spam, value="spam", reason="[b]link farm[/b]")["id"],
                  call(L, "label", target=odd, value="off-topic")["id"],
                  call(S, "label", target=fine, value="scam")["id"]]  # W is nobody to V
        for node in (v, w):
            for label in labels:
                await wait_stored(node, label)

        seen = by_id(call(V, "list", topic=W)["threads"])
        assert set(seen) == {odd, fine}  # spam is hidden
        assert [lb["why"] for lb in seen[odd]["labels"]] == [f"off-topic, by labeler {lab.identity.did[:20]}…"]
        assert seen[odd]["labels"][0]["effect"] == "mark" and not seen[odd]["hidden"]
        assert seen[fine]["labels"] == []  # the stranger's scam label does nothing
        everything = by_id(call(V, "list", topic=W, shown="all")["threads"])
        assert everything[spam]["hidden"] and everything[spam]["labels"][0]["reason"] == "[b]link farm[/b]"
        assert [r["id"] for r in call(V, "search", query="example")["results"]] == []
        assert [r["id"] for r in call(V, "search", query="example", shown="all")["results"]] == [spam]
        thread = call(V, "show", id=spam)
        assert thread["hidden"] and thread["body"] == {} and thread["labels"][0]["value"] == "spam"
        assert call(V, "show", id=spam, shown="all")["body"]["title"] == "Cheap widgets"

        other = by_id(call(S, "list", topic=W, shown="all")["threads"])  # W does not follow the labeler
        assert not other[spam]["labels"] and not other[odd]["labels"]
        assert [lb["why"] for lb in other[fine]["labels"]] == ["scam, by you"]  # its own label counts for W

        call(V, "label_effect", value="spam", effect="mark")  # the viewer's own setting per value
        assert spam in by_id(call(V, "list", topic=W)["threads"])
        call(V, "label_effect", value="off-topic", effect="ignore")
        assert by_id(call(V, "list", topic=W)["threads"])[odd]["labels"] == []
        call(V, "label_effect", value="spam", effect="hide")

        retraction = call(L, "retract", id=labels[0])["id"]  # the labeler takes its label back
        await wait_stored(v, retraction)
        assert spam in by_id(call(V, "list", topic=W)["threads"])
        mark = call(L, "label", target=a.identity.did, value="scam")["id"]  # an identity label, in meta
        await wait_stored(v, mark)
        assert call(V, "list", topic=W)["threads"] == []  # every message of that author is hidden now
        assert by_id(call(V, "list", topic=W, shown="all")["threads"])[fine]["labels"][0]["why"].startswith(
            "scam (its author), by labeler")
        call(V, "labelers_remove", did=lab.identity.did)
        assert set(by_id(call(V, "list", topic=W)["threads"])) == {spam, odd, fine}
        nursery.cancel_scope.cancel()


@pytest.mark.fast
def test_reports_count_by_the_reporters_standing(tmp_path):
    """A report is a claim weighted by the reporter's score in the viewer's ledger: twenty sybils with no
    path from the viewer's trust roots count nothing; one reporter the viewer trusts counts."""
    store = Store(tmp_path / "v.db")
    ingest = Ingest(store)
    viewer, asker, helper, *sybils = (Identity(bytes([i]) * 32) for i in range(1, 24))
    v = Ctx(store, ingest, viewer)
    t = now() - 60_000

    def put(who, kind, topic, body, refs=()):
        nonlocal t
        t += 10
        msg, _ = ingest(sign(who, kind, topic, body, refs, created=t).raw, now(), "test")
        return msg.id

    put(viewer, "trust", "", {"subject": helper.public_key, "value": "trust", "scope": W})
    request = put(asker, "request", W, {"title": "Free widgets!!!", "text": "click"})
    for s in sybils:
        put(s, "report", W, {"reason": "spam"}, [request])
    for s in sybils[:5]:
        put(s, "trust", "", {"subject": sybils[-1].public_key, "value": "trust"})  # praising each other
    [row] = call(v, "list", topic=W)["threads"]
    assert row["labels"] == [] and not row["hidden"]

    put(helper, "report", W, {"reason": "Spam "}, [request])
    assert call(v, "list", topic=W)["threads"] == []
    [row] = call(v, "list", topic=W, shown="all")["threads"]
    [label] = row["labels"]
    assert label["source"] == "reports" and label["by"] == [helper.did] and label["standing"] >= 0.05
    assert label["why"].startswith(f"spam, reported by {helper.did[:20]}… with standing")

    other = put(asker, "request", W, {"title": "Widget is loud", "text": "why"})
    put(helper, "report", W, {"reason": "rude title"}, [other])  # not a label value: 'reported', a mark
    assert [lb["value"] for lb in by_id(call(v, "list", topic=W)["threads"])[other]["labels"]] == ["reported"]


@pytest.mark.fast
def test_label_and_labeler_errors_are_one_line(tmp_path):
    store = Store(tmp_path / "v.db")
    v = Ctx(store, Ingest(store), Identity(bytes([1]) * 32))
    for op, params, says in (("labelers_add", {"did": "did:key:nonsense"}, "did"),
                             ("labelers_remove", {"did": Identity(bytes([2]) * 32).did}, "not following labeler"),
                             ("label", {"target": "abcdef12", "value": "spam"}, "no message with id"),
                             ("label", {"target": "did:key:z6Mk", "value": "spam"}, "did"),
                             ("label_effect", {"value": "spam", "effect": "delete"}, "effect is one of")):
        with pytest.raises(OpError) as e:
            call(v, op, **params)
        assert says in str(e.value) and "\n" not in str(e.value)


@pytest.mark.fast
def test_reports_are_weighed_with_scores_up_to_ten_minutes_old(tmp_path):
    """Ranking a big topic takes seconds: moderation reuses recent scores, show and experts recompute."""
    from antiport.node.labels import SCORES_MAX_AGE
    from antiport.node.ledger import ledger_for
    store = Store(tmp_path / "v.db")
    ingest = Ingest(store)
    viewer, asker = Identity(bytes([1]) * 32), Identity(bytes([2]) * 32)
    ledger = ledger_for(store)
    ingest(sign(asker, "request", W, {"title": "t", "text": "x"}, created=now() - 1000).raw, now(), "test")
    first = ledger.scores(viewer.did, W)
    ingest(sign(viewer, "trust", "", {"subject": asker.public_key, "value": "trust"}, created=now()).raw, now(), "t")
    assert ledger.scores(viewer.did, W, max_age=SCORES_MAX_AGE) is first
    assert ledger.scores(viewer.did, W)[asker.did] > 0 == first.get(asker.did, 0)
