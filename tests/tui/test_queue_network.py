"""The expert's queue over a network of real nodes (`antiport run` processes on 127.0.0.1, gossip between
them, nothing imported by hand): a request asked on another node reaches the queue and raises an alert;
a claim signed on another expert's node shows on this one's queue until it ends, and this expert's claim
shows on theirs."""
from __future__ import annotations

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.protocol import topic_name
from antiport.tui.queue import QueueScreen
from helpers import wait_for
from tui_helpers import cells, notes, press, settle, until

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
W = "acme/widget"
CLAIM_END = 60 + 15 + 30  # seconds: Olga's one-minute claim, the queue's regular look, a busy machine


def peer_home(root, name: str) -> Home:
    """A home that follows W, with a profile: both go out once its node runs."""
    home = Home(root / name)
    home.init(name)
    offline = Client(home)
    offline.call("profile", name=name)
    offline.call("follow", topic=W)
    offline.close()
    return home


async def test_a_request_from_a_peer_alerts_and_claims_travel_both_ways_and_end(app, node, tmp_path):
    node.call("follow", topic=W)
    me = node.call("id")
    homes = [peer_home(tmp_path, name) for name in ("asker", "olga")]
    with NodeProcess(homes[0].path, bootstrap=me["addrs"][:1]) as a, \
            NodeProcess(homes[1].path, bootstrap=me["addrs"][:1]) as o:
        ids = {"asker": a.wait_ready(), "olga": o.wait_ready()}
        asker, olga = a.client(), o.client()

        def in_topic() -> bool:  # both peers connected and known to be in W's gossip topic
            peers = {p["peer_id"]: p["topics"] for p in node.call("peers")}
            return all(topic_name(W) in peers.get(i["peer_id"], ()) for i in ids.values())
        wait_for(in_topic, "both peers in the topic")

        async with app.run_test() as pilot:
            await settle(pilot)
            asked = asker.call("ask", topic=W, title="Widget [b]hums[/b]", text="since Monday")["id"]
            await until(pilot, lambda: any("new request in acme/widget: Widget [b]hums[/b]" in n
                                           for n in notes(pilot.app)), "the alert")
            assert pilot.app.sub_title.endswith("· 1 new")
            came = {p["peer_id"]: p["accepted"] for p in node.call("peers")}
            assert came[ids["asker"]["peer_id"]] >= 1  # from the asker's node, over the network
            await press(pilot, "q")
            screen = pilot.app.screen
            assert isinstance(screen, QueueScreen)
            await until(pilot, lambda: [r[:2] for r in cells(screen)] == [[W, "Widget [b]hums[/b]"]], "the queue")
            assert not pilot.app.sub_title.endswith("new")  # seen

            await press(pilot, "c")  # my claim, on Olga's queue
            await until(pilot, lambda: cells(screen)[0][5] == "you", "my claim shown")
            await until(pilot, lambda: [c["did"] for e in olga.call("queue")["queue"] for c in e["claims"]]
                        == [me["did"]], "my claim on Olga's queue")

            olga.call("claim", id=asked, minutes=1)  # the shortest claim the spec allows (specs/02 section 8)
            await until(pilot, lambda: ids["olga"]["did"][-8:] in cells(screen)[0][5], "Olga's claim shown")
            assert "you" in cells(screen)[0][5].split(", ")
            await until(pilot, lambda: cells(screen)[0][5] == "you", "Olga's claim ended", timeout=CLAIM_END)
            assert [m["kind"] for m in node.call("show", id=asked)["events"]].count("claim") == 2
