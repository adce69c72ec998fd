"""A topic's threads: requests and complaints, newest first, with their state as short badges."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Static

from .base import Page, age, chrome, fill, highlighted
from .topics import mark_read


def badges(thread: dict) -> Text:
    """accepted / resolved / the vendor's status, as coloured words."""
    words = [("accepted", "green")] if thread.get("accepted") else []
    if thread.get("resolved"):
        words.append(("resolved", "bold green"))
    if thread.get("status"):
        words.append((thread["status"], "yellow"))
    return Text(" ").join(Text(w, style=s) for w, s in words)


class ThreadsScreen(Page):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("n", "compose('request')", "Ask"),
        Binding("c", "compose('complaint')", "Complain"),
        Binding("e", "experts", "Experts"),
    ]

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static(f"Threads in {self.topic}", classes="title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", classes="hint")
        yield footer

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Title", "Kind", "Age", "Answers", "State")
        super().on_mount()

    async def load(self) -> None:
        threads = await self.app.call("list", topic=self.topic)
        if threads is None:
            return
        now = self.app.now()
        fill(self.query_one(DataTable), ((t["id"], (
            t["title"], Text(t["kind"], style="red" if t["kind"] == "complaint" else ""), age(t["created"], now),
            t["answers"] or "", badges(t))) for t in threads))
        self.query_one("#empty", Static).update(
            "" if threads else "No threads here yet: press n to ask for help, or c to complain.")
        await self.mark_read()

    async def mark_read(self) -> None:
        """Everything in the topic has now been seen (the Topics screen's Unread column)."""
        topics = await self.app.call("topics")
        for t in topics or ():
            if t["topic"] == self.topic:
                mark_read(self.app.client.home, self.topic, t["messages"])

    @property
    def thread(self) -> str | None:
        return highlighted(self.query_one(DataTable))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.thread:
            from .thread import ThreadScreen
            self.app.push_screen(ThreadScreen(self.thread))

    def action_compose(self, kind: str) -> None:
        self.app.action_compose(kind, topic=self.topic)

    def action_experts(self) -> None:
        from .experts import ExpertsScreen
        self.app.push_screen(ExpertsScreen(self.topic))
