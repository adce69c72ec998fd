from __future__ import annotations

import pytest
from antiport.tui.search import SearchScreen
from antiport.tui.thread import ThreadScreen
from textual.widgets import DataTable
from tui_helpers import press, settle

pytestmark = pytest.mark.asyncio


async def test_search_finds_requests_and_answers_and_opens_their_thread(app, node):
    request = node.call("ask", topic="acme/widget", title="Hinge squeaks", text="Since the update")["id"]
    node.call("ask", topic="acme/gadget", title="Battery drains", text="Overnight")
    node.call("answer", id=request, text="Oil the hinge with graphite")
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        assert "Type words" in str(screen.query_one("#empty").render())

        await pilot.press(*"zebra", "enter")
        await settle(pilot)
        assert "Nothing found" in str(screen.query_one("#empty").render())

        await pilot.press("slash", *"graphite", "enter")
        await settle(pilot)
        table = screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == ["answer"]
        await pilot.press("enter")  # an answer opens the thread it belongs to
        await settle(pilot)
        assert isinstance(pilot.app.screen, ThreadScreen) and pilot.app.screen.thread_id == request

        await press(pilot, "escape", "slash", *"battery", "enter")
        await settle(pilot)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["Battery drains"]
