"""The expert's queue screen against a real node: a new request in a followed topic raises an alert and
shows in the queue; another expert's claim shows there until it ends; claim and skip from the keys; a long
queue loads a page at a time."""
from __future__ import annotations

import time

import pytest
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.protocol import sign
from antiport.tui.app import AntiportApp
from antiport.tui.figures import FiguresScreen
from antiport.tui.queue import QueueScreen
from antiport.tui.thread import ThreadScreen
from antiport.tui.topics import TopicsScreen
from helpers import popular_home
from textual.widgets import DataTable
from tui_helpers import cells, notes, press, settle, until

pytestmark = pytest.mark.asyncio
W = "acme/widget"


async def test_a_new_request_alerts_and_shows_in_the_queue_and_a_claim_shows_until_it_ends(app, node, world):
    node.call("follow", topic=W)
    asker, olga = world.person("asker"), world.person("olga")
    async with app.run_test() as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, TopicsScreen)
        asked = asker.call("ask", topic=W, title="Widget [b]hums[/b]", text="since Monday")["id"]
        world.sync()
        await until(pilot, lambda: any("new request in acme/widget: Widget [b]hums[/b]" in n
                                       for n in notes(pilot.app)), "the alert")
        assert pilot.app.sub_title.endswith("· 1 new")
        await press(pilot, "q")
        screen = pilot.app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: [r[:2] for r in cells(screen)] == [[W, "Widget [b]hums[/b]"]], "the queue")
        assert not pilot.app.sub_title.endswith("new")  # seen

        # Olga's claim, signed 55 s into its one minute: shown, then gone when it ends
        raw = sign(Identity(olga.ctx().identity.seed), "claim", W, {"minutes": 1}, [asked],
                   created=int(time.time() * 1000) - 55_000).raw
        node.import_(raw)
        await until(pilot, lambda: "olga" in cells(screen)[0][5], "the claim shown")
        await until(pilot, lambda: cells(screen)[0][5] == "", "the claim ended", timeout=60)

        await press(pilot, "c")  # my own claim
        await until(pilot, lambda: cells(screen)[0][5] == "you", "my claim shown")
        assert [m["kind"] for m in node.call("show", id=asked)["events"]].count("claim") == 2
        await press(pilot, "s")
        await until(pilot, lambda: cells(screen) == [], "skipped")
        assert any("Nothing open" in str(w.render()) for w in screen.query("#empty"))


async def test_your_figures_from_the_queue_and_each_answerers_record_in_a_thread(app, node, world):
    """f on the queue: your figures per topic, enter shows the threads behind them (titles drawn as plain
    text); a thread shows each answerer's figures beside their answer."""
    asker = world.person("asker")
    asked = asker.call("ask", topic=W, title="Widget [b]hums[/b]", text="since Monday")["id"]
    world.sync()
    mine = node.call("answer", id=asked, text="Tighten the fan screw.")["id"]
    world.sync()
    asker.call("accept", id=mine)
    world.sync()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "q", "f")
        screen = pilot.app.screen
        assert isinstance(screen, FiguresScreen)
        assert cells(screen) == [[W, "100% (1/1)", cells(screen)[0][2], "100%", "1"]]
        await press(pilot, "enter")
        panel = str(screen.query_one("#behind").render())
        assert "answered 1 of 1 threads" in panel and "1 answers, 1 accepted  Widget [b]hums[/b]" in panel
        await press(pilot, "escape", "escape")
        pilot.app.push_screen(ThreadScreen(asked))
        await settle(pilot)
        thread = pilot.app.screen
        [answer] = cells(thread)
        assert answer[3].startswith("100% · ") and answer[3].endswith("100% ✔")
        sentence = str(thread.query_one("#answer").render())
        assert "you in acme/widget: 100% of the requests asked while active answered" in sentence


async def test_a_long_queue_loads_more_at_the_bottom(tmp_path):
    """The queue comes 50 at a time, in its order: reaching the last row loads the next page below it."""
    popular_home(tmp_path / "home")
    with NodeProcess(tmp_path / "home") as proc:
        proc.wait_ready(timeout=120)
        client = Client(Home(tmp_path / "home"))
        every = [e["id"] for e in client.call("queue", limit=200)["queue"]]
        assert len(every) > 2 * QueueScreen.PAGE
        app = AntiportApp(client)
        async with app.run_test() as pilot:
            await settle(pilot)
            await press(pilot, "q")
            table = app.screen.query_one(DataTable)
            await until(pilot, lambda: table.row_count == QueueScreen.PAGE, "the first page")
            await press(pilot, "ctrl+end")  # the last row: the next page comes
            await until(pilot, lambda: table.row_count == 2 * QueueScreen.PAGE, "the second page")
            assert [r.value for r in table.rows] == every[:2 * QueueScreen.PAGE]
        client.close()
