"""Tables show whole cells from their first drawing, whatever their headers' widths."""
from __future__ import annotations

import pytest
from antiport.tui.base import fill
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

pytestmark = pytest.mark.asyncio

TITLE = "Route requests through the widget gateway"


class OneTable(App):
    def compose(self):
        yield DataTable()


async def test_a_long_title_is_not_cut_to_its_header_width():
    async with OneTable().run_test(size=(100, 10)) as pilot:
        table = pilot.app.query_one(DataTable)
        table.add_columns("Title", "Kind")
        await pilot.pause()
        fill(table, [("a", (TITLE, Text("request", style="red")))])
        # drawn at once, before the table goes idle (when Textual would measure the new rows): a
        # screen drawn at that moment kept 'Route requ' in its cache
        assert table.render_line(1).text.split() == [*TITLE.split(), "request"]


async def test_columns_shrink_when_wide_rows_go():
    async with OneTable().run_test(size=(100, 10)) as pilot:
        table = pilot.app.query_one(DataTable)
        table.add_columns("Title", "Kind")
        await pilot.pause()
        fill(table, [("a", (TITLE, "request"))])
        fill(table, [("b", ("Short", "answer"))])
        assert [c.content_width for c in table.ordered_columns] == [len("Short"), len("answer")]
