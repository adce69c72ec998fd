from __future__ import annotations

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.tui.app import AntiportApp
from antiport.tui.network import NetworkScreen
from textual.widgets import DataTable, Label, ProgressBar
from tui_helpers import notes, row, settle, until

pytestmark = pytest.mark.asyncio


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_no_peers_yet(app):
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, NetworkScreen)
        assert "0 peers connected" in text(screen, "#status") and "No peers yet" in text(screen, "#status")
        assert screen.query_one("#peers", DataTable).row_count == 0
        overall = screen.query_one("#all")
        assert overall.query_one(ProgressBar).percentage == 1
        assert "all topics  in sync (0 fetched since" in str(overall.query_one(Label).render())
        assert "No sync sessions yet" in text(screen, "#sync-empty")
        assert "Rejected messages from peers: –" in text(screen, "#rejected")
        assert not notes(pilot.app)


async def test_a_peer_and_its_sync(app, node, tmp_path):
    node.call("follow", topic="acme/widget")
    first = node.call("id")
    home = Home(tmp_path / "peer")
    home.init("peer")
    peer = Client(home)  # written before the peers meet: it arrives by sync
    asked = peer.call("ask", topic="acme/widget", title="From the peer", text="Does it sync?")["id"]
    peer.close()
    with NodeProcess(home.path, bootstrap=[first["addrs"][0]]) as proc:
        second = proc.wait_ready()
        async with app.run_test() as pilot:
            await settle(pilot)
            await pilot.press("w")
            screen = pilot.app.screen
            peers = screen.query_one("#peers", DataTable)
            await until(pilot, lambda: peers.row_count == 1, "the peer")
            assert row(peers, 0)[0] == second["peer_id"][:6] + "…" + second["peer_id"][-6:]
            await until(pilot, lambda: "acme/widget" in screen.bars and "acme/widget  in sync (1 fetched since"
                        in str(screen.bars["acme/widget"].query_one(Label).render()), "the topic synced")
            assert screen.bars["acme/widget"].query_one(ProgressBar).percentage == 1
            assert "1 peer connected" in text(screen, "#status")
    assert node.call("show", id=asked)["body"]["title"] == "From the peer"


async def test_offline_client_shows_a_line(tmp_path):
    home = Home(tmp_path / "offline")
    home.init("offline")
    async with AntiportApp(Client(home)).run_test() as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert "node is not running" in text(pilot.app.screen, "#status")
        assert not notes(pilot.app)


async def test_the_node_going_away_is_one_notification_and_a_line(tmp_path):
    home = Home(tmp_path / "brief")
    home.init("brief")
    with NodeProcess(home.path) as proc:
        proc.wait_ready()
        client = Client(home)
        async with AntiportApp(client).run_test() as pilot:
            await settle(pilot)
            await pilot.press("w")
            await settle(pilot)
            proc.stop()
            screen = pilot.app.screen
            await until(pilot, lambda: "Could not reach the node" in text(screen, "#status"), "the failure")
            await pilot.pause(1.5)  # refreshes stop after a failure: the error is not repeated every second
            assert len([n for n in notes(pilot.app) if "is not answering" in n]) == 1
            assert isinstance(pilot.app.screen, NetworkScreen)
        client.close()
