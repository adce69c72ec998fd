"""Full-text search over everything stored; enter opens the thread a result belongs to."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable, Input

from .base import TablePage, age, labelled, plain
from .i18n import _
from .thread import ThreadScreen, kind_name


def snippet(row: dict, width: int = 70) -> str:
    text = " ".join((row.get("title") or row.get("text") or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


class SearchScreen(TablePage):
    BINDINGS = [
        Binding("enter", "open", _("Open"), show=False),
        Binding("slash", "new_search", _("New search")),
    ]

    heading = _("Search")
    COLUMNS = (_("Found"), _("Kind"), _("Topic"), _("Age"), _("Labels"))

    def above(self):
        return (Input(placeholder=_("words to find in titles and texts, then enter"), id="query"),)

    def on_mount(self) -> None:
        self.query_one("#query").focus()

    async def load(self) -> None:
        words = self.query_one("#query", Input).value.strip()
        if not words:
            self.show((), _("Type words and press enter; then enter on a result opens its thread."))
            return
        found = await self.app.call("search", query=words, shown="all", limit=200)
        if found is None:
            return
        rows = found["results"]
        now, shown = self.app.now(), self.app.shown(rows)
        self.show(((r["id"], (snippet(r), plain(kind_name(r["kind"]), style="red" if r["kind"] == "complaint" else ""),
                              r["topic"], age(r["created"], now), labelled(r))) for r in shown),
                  _("Nothing found for {words!r}.").format(words=words), len(rows) - len(shown))

    def action_new_search(self) -> None:
        query = self.query_one("#query", Input)
        query.focus()
        query.select_all()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def about(self) -> dict:
        return {"id": self.current} if self.current else {}

    def action_open(self) -> None:
        if self.current:
            self.app.push_screen(ThreadScreen(self.current))
