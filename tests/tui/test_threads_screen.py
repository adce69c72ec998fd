from __future__ import annotations

import pytest
from antiport.tui.experts import ExpertsScreen
from antiport.tui.marks import read_marks
from antiport.tui.thread import ThreadScreen
from antiport.tui.threads import ThreadsScreen
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
