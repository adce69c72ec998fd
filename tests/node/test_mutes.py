"""Mutes and blocks (specs/06 section 6): local choices that hide someone's messages from the viewer, and
keep her private parts from a blocked vendor, while the messages stay stored and relayed."""
from __future__ import annotations

import time

import pytest
import trio
from antiport.crypto import Identity
from antiport.protocol import sign
from nodes import connect, start_node, wait_stored, wait_subscribed
from test_labels import by_id, call, ctx_of

W, G = "acme/widget", "acme/gadget"


@pytest.mark.trio
async def test_a_muted_person_is_hidden_here_and_a_blocked_vendor_gets_no_private_part(tmp_path):
    async with trio.open_nursery() as nursery:
        v, m = [await start_node(nursery, tmp_path / n, n, identity=Identity(bytes([i]) * 32))
                for i, n in enumerate(("v", "m"), 41)]
        for node in (v, m):
            await node.follow(W)
            await node.follow(G)
        await connect(v, m)
        for topic in (W, G):
            await wait_subscribed(v, m, topic)
            await wait_subscribed(m, v, topic)
        V, M = ctx_of(v), ctx_of(m)
        mine = call(V, "ask", topic=W, title="Widget hums", text="at night")["id"]
        await wait_stored(m, mine)
        answer = call(M, "answer", id=mine, text="hum along, and buy my gadget")["id"]
        theirs = call(M, "ask", topic=G, title="Gadget deal", text="cheap gadgets here")["id"]
        for msg in (answer, theirs):
            await wait_stored(v, msg)
        assert [i["author"] for i in call(V, "inbox")["items"]] == [m.identity.did]

        assert call(V, "mute", did=m.identity.did, topic=W) == {"did": m.identity.did, "topic": W, "level": "muted"}
        [hidden] = call(V, "show", id=mine)["answers"]
        assert hidden["hidden"] and hidden["body"] == {} and [lb["why"] for lb in hidden["labels"]] == [
            "muted (its author), by you"]
        assert call(V, "show", id=mine, shown="all")["answers"][0]["body"]["text"].startswith("hum along")
        assert call(V, "inbox")["items"] == [] and call(V, "inbox")["unread"] == 0
        assert [r["id"] for r in call(V, "search", query="gadget")["results"]] == [theirs]  # muted in W only
        assert v.store.get(answer) is not None  # kept, and relayed: only this viewer's view changed

        call(V, "block", did=m.identity.did)
        assert [(r["did"], r["topic"], r["level"]) for r in call(V, "muted")["muted"]] == [
            (m.identity.did, "", "blocked")]  # the block replaced the mute in W
        assert call(V, "list", topic=G)["threads"] == [] and call(V, "search", query="gadget")["results"] == []
        assert set(by_id(call(V, "list", topic=G, shown="all")["threads"])) == {theirs}

        manifest = sign(m.identity, "vendor", "", {"org": "Mal", "topics": [W]}, created=int(time.time() * 1000))
        v.ingest.write(manifest.raw, int(time.time() * 1000), "test")
        call(V, "trust_vendor", did=m.identity.did)
        with pytest.raises(Exception, match="you blocked Mal"):
            call(V, "ask", topic=W, title="My serial", text="see the private part", private_text="SN 1234")
        assert call(V, "unmute", did=m.identity.did)["level"] is None
        sealed = call(V, "ask", topic=W, title="My serial", text="see the private part", private_text="SN 1234")
        assert sealed["sealed_to"]["did"] == m.identity.did
        assert [i["author"] for i in call(V, "inbox")["items"]] == [m.identity.did]
        assert call(V, "muted")["muted"] == []
        nursery.cancel_scope.cancel()


@pytest.mark.fast
def test_mute_errors_are_one_line(tmp_path):
    from antiport.node.ingest import Ingest
    from antiport.node.service import Ctx, OpError
    from antiport.node.store import Store
    me, store = Identity.generate(), Store(tmp_path / "home.db")
    ctx = Ctx(store, Ingest(store), me)
    for op, params, said in (("mute", {"did": me.did}, "you cannot mute or block yourself"),
                             ("block", {"did": "did:key:nonsense"}, "did"),
                             ("unmute", {"did": Identity.generate().did}, "is not muted")):
        with pytest.raises(OpError, match=said) as e:
            call(ctx, op, **params)
        assert "\n" not in str(e.value)
