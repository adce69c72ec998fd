from __future__ import annotations

import time

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.tui.app import AntiportApp
from antiport.tui.base import highlighted
from antiport.tui.experts import ExpertsScreen
from antiport.tui.marks import read_marks
from antiport.tui.thread import ThreadScreen
from antiport.tui.threads import ThreadsScreen
from helpers import popular_home
from textual.widgets import DataTable
from tui_helpers import notes, press, settle, until

pytestmark = pytest.mark.asyncio


def column(screen, n: int) -> list:
    table = screen.query_one(DataTable)
    return [str(table.get_row_at(i)[n]) for i in range(table.row_count)]


async def test_ask_then_accept_vote_and_resolve_an_experts_answer(app, node, world):
    node.call("follow", topic="acme/widget")
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.press(*"It squeaks", "tab", *"Since the update", "ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ThreadScreen)
        request = pilot.app.screen.thread_id
        assert "press a to answer" in str(pilot.app.screen.query_one("#answer").render())

        await press(pilot, "escape", "enter")  # back to the topics, open the topic
        await settle(pilot)
        assert isinstance(pilot.app.screen, ThreadsScreen)
        assert column(pilot.app.screen, 0) == ["It squeaks"]
        assert read_marks(node.home)["acme/widget"] == node.call("topics")[0]["messages"]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ExpertsScreen) and pilot.app.screen.topic == "acme/widget"
        await pilot.press("escape")

        expert = world.person("expert")
        world.sync()
        expert.call("answer", id=request, text="Oil the hinge")
        for value in ("down", "up"):  # one voter: the newer vote replaces the older, in the totals
            expert.call("vote", id=request, value=value)
            made = time.time_ns() // 1_000_000
            while time.time_ns() // 1_000_000 == made:  # the newer is the later created: not the same ms
                time.sleep(0.001)
        world.sync()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ThreadScreen)
        assert column(pilot.app.screen, 1) == ["Oil the hinge"]
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert column(pilot.app.screen, 0) == ["✔"]
        assert "resolved" in str(pilot.app.screen.query_one("#meta").render())
        assert "votes +1/-0" in str(pilot.app.screen.query_one("#meta").render())
        events = str(pilot.app.screen.query_one("#events").render())
        assert "accept" in events and "resolve" in events and "vote" not in events  # votes are totals, not lines
        await pilot.press("escape")
        await settle(pilot)
        assert column(pilot.app.screen, 4) == ["accepted resolved"]
    view = node.call("show", id=request)
    assert view["resolved"] and view["answers"][0]["accepted"]
    assert view["answers"][0]["votes"] == {"up": 1}


async def test_someone_elses_thread_updates_live_and_refuses_resolve(app, node, world):
    node.call("follow", topic="acme/widget")
    other, expert = world.person("other"), world.person("expert")
    request = other.call("ask", topic="acme/widget", title="Broken hinge", text="It fell off")["id"]
    world.sync()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("enter", "wait:100")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ThreadScreen) and screen.thread_id == request

        expert.import_(b"".join(node.export()))
        expert.call("answer", id=request, text="Glue it back")
        node.import_(b"".join(expert.export()))
        # no key pressed: the node's event stream brings it
        await until(pilot, lambda: screen.query_one(DataTable).row_count, "the answer on the open thread")
        assert column(screen, 1) == ["Glue it back"]

        await pilot.press("r")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("only the person who asked" in n for n in notes(pilot.app))
    assert not node.call("show", id=request)["resolved"]


async def test_a_thread_closed_while_it_loads_does_not_stop_the_app(app, node):
    asked = node.call("ask", topic="acme/widget", title="It hums", text="Why?")["id"]
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = ThreadScreen(asked)
        await pilot.app.push_screen(screen)
        await settle(pilot)
        await press(pilot, "escape")
        await screen.load_while_shown()  # what a load still running at escape does: nothing left to fill
        await settle(pilot)
        assert pilot.app.is_running and not isinstance(pilot.app.screen, ThreadScreen)


async def test_a_big_topic_loads_more_at_the_bottom_and_jumps_to_the_oldest(tmp_path):
    """200 threads come 50 at a time: reaching the last row loads the next page below it; o shows the
    oldest ones, the cursor on the very oldest; o again the newest."""
    info = popular_home(tmp_path / "home")
    with NodeProcess(tmp_path / "home") as proc:
        proc.wait_ready(timeout=120)
        client = Client(Home(tmp_path / "home"))
        every = [t["id"] for t in client.call("list", topic=info["topic"], limit=200, shown="all")["threads"]]
        app = AntiportApp(client)
        async with app.run_test() as pilot:
            await settle(pilot)
            app.push_screen(ThreadsScreen(info["topic"]))
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            assert table.row_count == ThreadsScreen.PAGE
            await press(pilot, "ctrl+end")  # the last row: the next page comes
            await until(pilot, lambda: table.row_count == 2 * ThreadsScreen.PAGE, "the second page")
            assert [r.value for r in table.rows][:100] == every[:100]
            await press(pilot, "o")
            await until(pilot, lambda: highlighted(table) == every[-1], "the oldest thread under the cursor")
            assert [r.value for r in table.rows] == every[-ThreadsScreen.PAGE:]
            await press(pilot, "o")
            await until(pilot, lambda: [r.value for r in table.rows] == every[:ThreadsScreen.PAGE], "the newest again")
        client.close()


async def test_g_shows_only_the_threads_written_in_one_language(app, node, world):
    node.call("follow", topic="acme/widget")
    other = world.person("other")
    german = other.call("ask", topic="acme/widget", title="Scharnier bricht", text="Seit gestern", lang="de")["id"]
    other.call("ask", topic="acme/widget", title="Hinge breaks", text="Since yesterday", lang="en")
    other.call("ask", topic="acme/widget", title="Unsaid", text="no tag")
    world.sync()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, ThreadsScreen) and screen.query_one(DataTable).row_count == 3
        await press(pilot, "g", *"d-e", "enter")
        assert any("not a language tag" in n for n in notes(pilot.app))  # the prompt stays open to fix it
        for _ in range(3):
            await pilot.press("backspace")
        await press(pilot, *"de", "enter")
        assert pilot.app.screen is screen and [highlighted(screen.query_one(DataTable))] == [german]
        assert screen.query_one(DataTable).row_count == 1 and "in de" in str(screen.query_one(".title").render())
        await press(pilot, "g", "ctrl+u", "enter")  # empty: every language again
        assert screen.query_one(DataTable).row_count == 3
