from __future__ import annotations

import pytest
from antiport.node.service import write
from antiport.tui.vendors import VendorScreen, VendorsScreen, span
from textual.widgets import DataTable
from tui_helpers import notes, row, settle

pytestmark = pytest.mark.asyncio


async def test_vendor_metrics_and_chart(app, node, world):
    acme = world.person("acme")
    write(acme.ctx(), "vendor", "", {"org": "Acme Inc", "topics": ["acme/gadget", "acme/widget"]})
    hums = node.call("ask", topic="acme/widget", title="It hums", text="Why?")["id"]
    node.call("ask", topic="acme/widget", title="It smokes", text="Help")
    node.call("ask", topic="globex/box", title="Box is empty", text="Nobody answers here")
    world.sync()
    acme.call("answer", id=hums, text="Tighten the fan screw.")
    world.sync()
    detail = node.call("vendor", name="Acme Inc")["per_topic"]
    widget = next(t for t in detail if t["topic"] == "acme/widget")

    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        table = pilot.app.screen.query_one(DataTable)
        rows = [row(table, i) for i in range(table.row_count)]
        assert [str(r[0]) for r in rows] == ["Acme Inc", "globex (unclaimed)"]
        assert [str(r[1]) for r in rows] == ["unverified", "–"], "Acme's manifest names no domain"
        assert rows[0][2:6] == [2, 2, "50%", span(widget["median_response_s"])]
        assert "It smokes" in str(rows[0][-1]) and rows[1][3:5] == [1, "0%"]
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VendorScreen)
        assert "no domain: unverified (its manifest names no domain)" in str(screen.query_one("#summary").render())
        topics = screen.query_one(DataTable)
        assert [row(topics, i)[:3] for i in range(topics.row_count)] == [["acme/gadget", 0, "–"],
                                                                               ["acme/widget", 2, "50%"]]
        chart = str(screen.query_one("#chart").render())
        assert "acme/widget  median █" in chart and span(widget["p90_response_s"]) in chart
        assert "acme/gadget  no response yet" in chart
    assert widget["median_response_s"] > 0


async def test_no_vendors_and_an_unknown_vendor(app):
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(pilot.app.screen, VendorsScreen)
        assert "No vendors yet" in str(pilot.app.screen.query_one("#empty").render())
        await pilot.press("enter")
        pilot.app.push_screen(VendorScreen("Nobody Ltd"))
        await settle(pilot)
        assert any("no vendor named 'Nobody Ltd'" in n for n in notes(pilot.app))
