"""Full-text search over everything stored; enter opens the thread a result belongs to."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from .base import Page, age, chrome, fill, highlighted


def snippet(row: dict, width: int = 70) -> str:
    text = " ".join((row.get("title") or row.get("text") or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


class SearchScreen(Page):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("slash", "new_search", "New search"),
    ]

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static("Search", classes="title")
        yield Input(placeholder="words to find in titles and texts, then enter", id="query")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", classes="hint")
        yield footer

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Found", "Kind", "Topic", "Age")
        self.query_one("#query").focus()
        super().on_mount()

    async def load(self) -> None:
        words = self.query_one("#query", Input).value.strip()
        empty = self.query_one("#empty", Static)
        table = self.query_one(DataTable)
        if not words:
            fill(table, ())
            empty.update("Type words and press enter; then enter on a result opens its thread.")
            return
        rows = await self.app.call("search", query=words)
        if rows is None:
            return
        now = self.app.now()
        fill(table, ((r["id"], (snippet(r), Text(r["kind"], style="red" if r["kind"] == "complaint" else ""),
                                r["topic"], age(r["created"], now))) for r in rows))
        empty.update("" if rows else f"Nothing found for {words!r}.")

    def action_new_search(self) -> None:
        query = self.query_one("#query", Input)
        query.focus()
        query.select_all()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        if key := highlighted(self.query_one(DataTable)):
            from .thread import ThreadScreen
            self.app.push_screen(ThreadScreen(key))
