from __future__ import annotations

import pytest
from textual.command import CommandList
from textual.widgets import DataTable, Input
from tui_helpers import notes, row, settle, until

pytestmark = pytest.mark.asyncio


async def test_follow_from_the_keyboard_shows_the_topic(app, node):
    async with app.run_test() as pilot:
        await settle(pilot)
        assert "follow no topics" in str(pilot.app.screen.query_one("#empty").render())
        await pilot.press("f")
        await pilot.press(*"acme/widget", "enter")
        await settle(pilot)
        table = pilot.app.screen.query_one(DataTable)
        assert row(table, 0)[0] == "acme/widget"
    assert [t["topic"] for t in node.call("topics")] == ["acme/widget"]


async def test_a_bad_topic_is_a_notification_not_a_crash(app):
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("f", *"no slash here", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen.query_one(Input), Input)  # the prompt stays open to fix it
        assert any("topic" in n for n in notes(pilot.app))


async def test_the_command_palette_opens_screens(app):
    from antiport.tui.vendors import VendorsScreen

    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Vendors")
        palette = pilot.app.screen.query_one(CommandList)
        await until(pilot, lambda: palette.highlighted is not None
                    and "Vendors" in str(palette.get_option_at_index(palette.highlighted).prompt),
                    "Vendors found by the palette's search")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, VendorsScreen)


async def test_live_updates_arriving_as_the_app_closes_are_dropped(app):
    """The live batch timer may fire after the last screen is gone (seen as a crash on quit)."""
    async with app.run_test() as pilot:
        await settle(pilot)
    app._pending.append({"id": "0" * 64, "kind": "request", "topic": "acme/widget"})
    app._flush_live()  # no screen to tell: nothing raised
