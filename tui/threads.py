"""A topic's threads: requests and complaints, newest first, with their state as short badges; a page at a
time, the next one loaded when the cursor reaches the last row or the table is scrolled to its end; o jumps
to the oldest ones and back; g shows only the threads written in one language."""
from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.widgets import DataTable, Static

from .base import Prompt, TablePage, age, plain, state
from .experts import ExpertsScreen
from .marks import mark_read
from .thread import ThreadScreen
from .visible import written_in


class LanguagePrompt(Prompt):
    def __init__(self, topic: str, lang: str) -> None:
        super().__init__("Only threads written in (a language tag such as de or pt-BR; empty: every language)",
                         "de", lang)
        self.topic = topic

    async def accept(self, value: str) -> bool:
        """The node checks the tag (its error is shown), on a page of one."""
        return await self.app.call("list", topic=self.topic, lang=value, limit=1) is not None


class ThreadsScreen(TablePage):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("n", "compose('request')", "Ask"),
        Binding("c", "compose('complaint')", "Complain"),
        Binding("e", "experts", "Experts"),
        Binding("o", "oldest", "Oldest/newest"),
        Binding("g", "language", "Language"),
    ]
    PAGE = 50

    COLUMNS = ("Title", "Kind", "Age", "Answers", "State")

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.heading = f"Threads in {topic}"
        self.threads: list[dict] = []  # the rows loaded so far, newest first
        self.more_below: str | None = None  # where the next page down starts (None: nothing more)
        self.oldest = False            # showing the oldest page (o), not the newest
        self.lang = ""                 # only threads written in this language (g); "" every thread

    def touched(self, messages: list[dict]) -> bool:
        return any(m["topic"] == self.topic for m in messages)

    async def load(self) -> None:
        """The first page (newest, or the oldest one after o); the pages below it that were loaded stay."""
        found = await self.app.call("list", topic=self.topic, shown="all", limit=self.PAGE, **self.filters(),
                                    **({"oldest": True} if self.oldest else {}))
        if found is None:
            return
        first = found["threads"]
        kept = [t for t in self.threads if first and (t["created"], t["id"]) < (first[-1]["created"], first[-1]["id"])]
        self.more_below = self.more_below if kept else found["page"]["before"]
        self.threads = first + kept
        self.draw()
        if self.oldest:
            self.query_one(DataTable).move_cursor(row=len(self.threads) - 1)  # on the oldest thread
        await self.mark_read()

    def draw(self) -> None:
        now, shown = self.app.now(), self.app.shown(self.threads)
        self.show(((t["id"], (written_in(t.get("lang")) + t["title"],
                              plain(t["kind"], style="red" if t["kind"] == "complaint" else ""),
                              age(t["created"], now), t["answers"] or "", state(t))) for t in shown),
                  "No threads here yet: press n to ask for help, or c to complain.", len(self.threads) - len(shown))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.watch(table, "scroll_y", lambda _: self.at_bottom(table.scroll_y >= table.max_scroll_y > 0))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.at_bottom(event.cursor_row >= event.data_table.row_count - 1)

    def at_bottom(self, reached: bool) -> None:
        """The cursor on the last row, or the table scrolled to its end: the next page, if there is one."""
        if reached and self.more_below:
            self.run_worker(partial(self.more, self.more_below), exclusive=True, group="more")

    async def more(self, position: str) -> None:
        """The next page down, below the last row shown."""
        found = await self.app.call("list", topic=self.topic, shown="all", limit=self.PAGE, before=position,
                                    **self.filters())
        if found is None or position != self.more_below:
            return
        self.threads += found["threads"]
        self.more_below = found["page"]["before"]
        self.draw()

    def filters(self) -> dict:
        return {"lang": self.lang} if self.lang else {}

    def action_language(self) -> None:
        """Only the threads written in one language (their `lang`, specs/02), or every thread again."""
        def chosen(lang: str | None) -> None:
            self.lang = lang or ""
            self.query_one(".title", Static).update(plain(self.heading + (f" · in {self.lang}" if self.lang else "")))
            self.threads, self.more_below = [], None
            self.reload()
        self.app.push_screen(LanguagePrompt(self.topic, self.lang), chosen)

    def action_oldest(self) -> None:
        """The oldest threads (the cursor on the very oldest), or back to the newest."""
        self.oldest = not self.oldest
        self.threads, self.more_below = [], None
        self.reload()

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
