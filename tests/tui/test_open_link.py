"""`antiport open LINK` opens the TUI on the screen the link names, over the topics (escape goes back to them)."""
from __future__ import annotations

import pytest
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.tui.app import AntiportApp
from antiport.tui.thread import ThreadScreen
from antiport.tui.threads import ThreadsScreen
from antiport.tui.topics import TopicsScreen
from tui_helpers import press, row, settle

pytestmark = pytest.mark.asyncio

TITLE = "Η οθόνη δεν ανάβει"


@pytest.fixture
def client(tmp_path):
    home = Home(tmp_path / "h")
    home.init("alice")
    client = Client(home)  # no node: the TUI reads the home's store
    yield client
    client.close()


async def test_a_thread_link_opens_the_thread_and_a_topic_link_its_threads(client):
    thread = client.call("ask", topic="Ελληνικά/Προϊόν", title=TITLE, text="Από χθες.")["id"]
    async with AntiportApp(client, start=("thread", thread[:8])).run_test() as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ThreadScreen) and TITLE in str(screen.query_one("#title").render())
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, TopicsScreen)
    async with AntiportApp(client, start=("topic", "ελληνικά/προϊόν")).run_test() as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ThreadsScreen) and screen.topic == "ελληνικά/προϊόν"
        assert row(screen.query_one("DataTable"), 0)[0] == TITLE
