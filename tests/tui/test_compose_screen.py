from __future__ import annotations

import pytest
from antiport.node.service import write
from antiport.tui.compose import ComposeScreen
from antiport.tui.thread import ThreadScreen
from textual.widgets import DataTable
from tui_helpers import notes, row, settle

pytestmark = pytest.mark.asyncio


async def test_a_complaint_with_a_private_part_then_an_answer(app, node, world):
    acme = world.person("acme")
    write(acme.ctx(), "vendor", "", {"org": "Acme", "topics": ["acme/widget"]})
    world.sync()
    node.call("follow", topic="acme/widget")
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.press("ctrl+s")  # nothing filled in yet
        await settle(pilot)
        assert isinstance(pilot.app.screen, ComposeScreen)
        assert any("Fill in the title and text" in n for n in notes(pilot.app))

        await pilot.press(*"Arrived broken", "tab", *"Cracked lid", "tab", *"order 4711", "ctrl+s")
        await settle(pilot)  # Acme's manifest names no domain: nothing private is sealed to it, and the form stays
        assert isinstance(pilot.app.screen, ComposeScreen) and pilot.app.screen.value("#private") == "order 4711"
        assert any("private part not sent: no vendor of acme/widget is verified" in n for n in notes(pilot.app))
        assert node.call("list")["threads"] == []

        node.call("trust_vendor", did=acme.call("id")["did"])  # the customer knows this key is Acme's
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("private part sealed to Acme (trusted)" in n for n in notes(pilot.app))
        screen = pilot.app.screen
        assert isinstance(screen, ThreadScreen)
        assert "sealed" in str(screen.query_one("#private").render())
        # the request's texts (a container's own render() is a blank whose repr held '4711' by chance)
        shown = " ".join(str(w.render()) for w in screen.query("#request Static"))
        assert "Cracked lid" in shown and "4711" not in shown

        await pilot.press("a", *"Send it back", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        table = screen.query_one(DataTable)
        assert [row(table, i)[1] for i in range(table.row_count)] == ["Send it back"]
    view = node.call("show", id=screen.thread_id)
    assert view["kind"] == "complaint" and view["body"]["to"] == acme.call("id")["did"]
    assert "private" in view["body"] and [a["body"]["text"] for a in view["answers"]] == ["Send it back"]


async def test_a_private_part_without_a_vendor_is_refused_and_the_form_kept(app, node):
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n", *"globex/box", "tab", *"No power", "tab", *"Dead", "tab", *"serial 9")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ComposeScreen)
        assert any("no vendor manifest" in n for n in notes(pilot.app))
        assert pilot.app.screen.value("#title") == "No power"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ComposeScreen)
    assert node.call("list")["threads"] == []
