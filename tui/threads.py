"""A topic's threads: requests and complaints, newest first, with their state as short badges; a page at a
time, the next one loaded when the cursor reaches the last row or the table is scrolled to its end; o jumps
to the oldest ones and back; g shows only the threads written in one language; x the threads of other topics
pointed to from this one."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable, Static

from .base import PagedTable, Prompt, age, plain, state
from .crossposts import CrosspostsScreen
from .experts import ExpertsScreen
from .i18n import _
from .marks import mark_read
from .thread import ThreadScreen, kind_name
from .visible import written_in


class LanguagePrompt(Prompt):
    def __init__(self, topic: str, lang: str) -> None:
        super().__init__(_("Only threads written in (a language tag such as de or pt-BR; empty: every language)"),
                         "de", lang)
        self.topic = topic

    async def accept(self, value: str) -> bool:
        """The node checks the tag (its error is shown), on a page of one."""
        return await self.app.call("list", topic=self.topic, lang=value, limit=1) is not None


class ThreadsScreen(PagedTable):
    BINDINGS = [
        Binding("enter", "open", _("Open"), show=False),
        Binding("n", "compose('request')", _("Ask")),
        Binding("c", "compose('complaint')", _("Complain")),
        Binding("e", "experts", _("Experts")),
        Binding("o", "oldest", _("Oldest/newest")),
        Binding("g", "language", _("Language")),
        Binding("x", "crossposts", _("Cross-posts")),
    ]
    COLUMNS = (_("Title"), _("Kind"), _("Age"), _("Answers"), _("State"))

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.heading = _("Threads in {topic}").format(topic=topic)
        self.oldest = False            # showing the oldest page (o), not the newest
        self.lang = ""                 # only threads written in this language (g); "" every thread

    def touched(self, messages: list[dict]) -> bool:
        return any(m["topic"] == self.topic for m in messages)

    async def load(self) -> None:
        """The first page (newest, or the oldest one after o); the pages below it that were loaded stay."""
        found = await self.fetch(**({"oldest": True} if self.oldest else {}))
        if found is None:
            return
        first = found["threads"]
        kept = [t for t in self.rows if first and (t["created"], t["id"]) < (first[-1]["created"], first[-1]["id"])]
        self.more_below = self.more_below if kept else found["page"]["before"]
        self.rows = first + kept
        self.draw()
        if self.oldest:
            self.query_one(DataTable).move_cursor(row=len(self.rows) - 1)  # on the oldest thread
        await self.mark_read()

    def draw(self) -> None:
        now, shown = self.app.now(), self.app.shown(self.rows)
        self.show(((t["id"], (written_in(t.get("lang")) + t["title"],
                              plain(kind_name(t["kind"]), style="red" if t["kind"] == "complaint" else ""),
                              age(t["created"], now), t["answers"] or "", state(t))) for t in shown),
                  _("No threads here yet: press n to ask for help, or c to complain."), len(self.rows) - len(shown))

    async def fetch(self, **where) -> dict | None:
        return await self.app.call("list", topic=self.topic, shown="all", limit=self.PAGE, **self.filters(), **where)

    def rows_of(self, found: dict) -> list[dict]:
        return found["threads"]

    def filters(self) -> dict:
        return {"lang": self.lang} if self.lang else {}

    def action_language(self) -> None:
        """Only the threads written in one language (their `lang`, specs/02), or every thread again."""
        def chosen(lang: str | None) -> None:
            self.lang = lang or ""
            heading = (_("{heading} · in {language}").format(heading=self.heading, language=self.lang) if self.lang
                       else self.heading)
            self.query_one(".title", Static).update(plain(heading))
            self.rows, self.more_below = [], None
            self.reload()
        self.app.push_screen(LanguagePrompt(self.topic, self.lang), chosen)

    def action_oldest(self) -> None:
        """The oldest threads (the cursor on the very oldest), or back to the newest."""
        self.oldest = not self.oldest
        self.rows, self.more_below = [], None
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

    def action_crossposts(self) -> None:
        self.app.push_screen(CrosspostsScreen(self.topic))

    def action_experts(self) -> None:
        self.app.push_screen(ExpertsScreen(self.topic))
