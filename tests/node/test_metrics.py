"""/metrics of a running node, read by Prometheus' own parser: what arrived from a peer (stored and refused by
rule), sync sessions and bytes, the outbox, a bridge's deliveries, the ledger's recomputes; no names in labels."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
import trio
from antiport.crypto import Identity
from antiport.node import api, sync
from antiport.node.bridge.outbox import Outbox
from antiport.node.home import Home
from antiport.node.service import Ctx
from antiport.protocol import DOMAIN, codec, sign, topic_name
from helpers import trio_wait_for
from nodes import connect, start_node, wait_stored, wait_subscribed
from prometheus_client.parser import text_string_to_metric_families

W = "acme/widget"
ASKER, STRANGER = Identity(bytes([21]) * 32), Identity(bytes([22]) * 32)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.mark.trio
async def test_metrics_of_a_node_that_took_good_and_bad_messages_from_a_peer(tmp_path):
    home = Home(tmp_path / "h")
    home.init("alice")
    async with trio.open_nursery() as nursery:
        a = await start_node(nursery, tmp_path / "a", "a", services=[sync.service])
        b = await start_node(nursery, tmp_path / "b", "b", services=[sync.service])
        early = await b.submit(sign(ASKER, "request", W, {"title": "old", "text": "x"},
                                    created=int(time.time() * 1000)).raw)
        for node in (a, b):
            await node.follow(W)
        await connect(a, b)
        await wait_stored(a, early.id)  # by sync: a lacked it
        await wait_subscribed(b, a, W)
        good = sign(ASKER, "request", W, {"title": "t", "text": "x"}, created=int(time.time() * 1000))
        payload, _ = codec.cbor2.loads(good.raw)
        forged = codec.encode([payload, STRANGER.sign(DOMAIN + payload)])
        await b.net.pubsub.publish(topic_name(W), forged)  # raw: b's own submit would refuse it
        await b.submit(good.raw)
        await wait_stored(a, good.id)
        await trio_wait_for(lambda: a.counters()["rejected"] == 1, "a refused the forgery")
        hook = Outbox(a.store, ["helpdesk"])
        for message_id in (early.id, good.id):
            hook.add(message_id, 0)
        seq = hook.due("helpdesk", 10**13)[0].seq
        hook.begin("helpdesk", seq)
        hook.failed("helpdesk", seq, 0, "HTTP 500")

        url = await nursery.start(api.serve, Ctx(a.store, a.ingest, home.identity(), "alice", a), home)
        token = {"authorization": f"Bearer {home.read_api()['token']}"}
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            assert (await http.get("/v1/experts", params={"topic": W}, headers=token)).is_success  # a kept ledger
            vote = (await http.post("/v1/vote", json={"id": good.id, "value": "up"}, headers=token)).json()["id"]
            await wait_stored(b, vote)  # published: the outbox is empty again

            async def scrape() -> httpx.Response:
                return await http.get("/metrics")  # no token: counts only
            with trio.fail_after(120):  # the vote's background ledger recompute
                while samples((r := await scrape()).text)[("antiport_ledger_recompute_seconds_count", ())] < 1:
                    await trio.sleep(0.1)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        got = samples(r.text)
        assert got[("antiport_messages_accepted_total", (("source", "network"),))] == 2
        assert got[("antiport_messages_accepted_total", (("source", "local"),))] == 1  # the vote
        assert got[("antiport_messages_rejected_total", (("reason", "bad-signature"), ("source", "network")))] == 1
        assert got[("antiport_stored", ())] == 3 and got[("antiport_peers", ())] == 1
        assert got[("antiport_sync_sessions_total", ())] >= 1
        assert got[("antiport_sync_bytes_total", (("direction", "received"),))] > len(early.raw)
        assert got[("antiport_outbox_depth", ())] == 0
        deliveries = {labels: v for (name, labels), v in got.items() if name == "antiport_bridge_deliveries"}
        assert deliveries == {(("connector", "helpdesk"), ("state", "acknowledged")): 0,
                              (("connector", "helpdesk"), ("state", "pending")): 2,
                              (("connector", "helpdesk"), ("state", "failing")): 1}
        assert got[("antiport_ledger_recompute_seconds_sum", ())] > 0
        dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text())
        used = {m for p in dashboard["panels"] for t in p["targets"] for m in re.findall(r"antiport_\w+", t["expr"])}
        assert used and used <= {name for name, _ in got}  # the sample dashboard plots series that exist
        assert a.peer_id not in r.text and b.peer_id not in r.text and W not in r.text
        nursery.cancel_scope.cancel()
