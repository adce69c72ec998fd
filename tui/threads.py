"""A topic's threads: requests and complaints, newest first, with their state as short badges."""
from __future__ import annotations

from textual.binding import Binding

from .base import TablePage, age, plain, state
from .experts import ExpertsScreen
from .marks import mark_read
from .thread import ThreadScreen


class ThreadsScreen(TablePage):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("n", "compose('request')", "Ask"),
        Binding("c", "compose('complaint')", "Complain"),
        Binding("e", "experts", "Experts"),
    ]

    COLUMNS = ("Title", "Kind", "Age", "Answers", "State")

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.heading = f"Threads in {topic}"

    def touched(self, messages: list[dict]) -> bool:
        return any(m["topic"] == self.topic for m in messages)

    async def load(self) -> None:
        threads = await self.app.call("list", topic=self.topic, shown="all")
        if threads is None:
            return
        now, shown = self.app.now(), self.app.shown(threads)
        self.show(((t["id"], (t["title"], plain(t["kind"], style="red" if t["kind"] == "complaint" else ""),
                              age(t["created"], now), t["answers"] or "", state(t))) for t in shown),
                  "No threads here yet: press n to ask for help, or c to complain.", len(threads) - len(shown))
        await self.mark_read()

    async def mark_read(self) -> None:
        """Everything in the topic has now been seen (the Topics screen's Unread column)."""
        topics = await self.app.call("topics")
        for t in topics or ():
            if t["topic"] == self.topic:
                mark_read(self.app.client.home, self.topic, t["messages"])

    def about(self) -> dict:
        return {"id": self.current} if self.current else {}

    def action_open(self) -> None:
        if self.current:
            self.app.push_screen(ThreadScreen(self.current))

    def action_compose(self, kind: str) -> None:
        self.app.action_compose(kind, topic=self.topic)

    def action_experts(self) -> None:
        self.app.push_screen(ExpertsScreen(self.topic))
