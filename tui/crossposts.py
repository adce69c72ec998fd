"""Cross-posts in a topic (specs/13): threads of other topics someone pointed to from here, with the thread's own
title when your node holds it; enter opens the thread, or follows its topic when your node does not hold it yet."""
from __future__ import annotations

from textual.binding import Binding

from .base import TablePage, age, plain, who
from .i18n import _
from .thread import ThreadScreen


class CrosspostsScreen(TablePage):
    BINDINGS = [Binding("enter", "open", _("Open"))]
    COLUMNS = (_("Thread"), _("From"), _("Note"), _("By"), _("Age"))

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.heading = _("Threads of other topics pointed to from {topic}").format(topic=topic)
        self.pointers: dict[str, dict] = {}

    def touched(self, messages: list[dict]) -> bool:
        return any(m["kind"] == "crosspost" and m["topic"] == self.topic for m in messages)

    async def load(self) -> None:
        found = await self.app.call("crossposts", topic=self.topic)
        if found is None:
            return
        now = self.app.now()
        self.pointers = {p["id"]: p for p in found}
        self.show(((p["id"], (plain(p["title"]), p["source"] + ("" if p["held"] else " " + _("(not held)")),
                               plain(p["note"]), who(p["author"]), age(p["created"], now))) for p in found),
                  _("Nobody pointed to a thread of another topic from here."))

    async def action_open(self) -> None:
        pointer = self.pointers.get(self.current or "")
        if pointer is None:
            return
        if pointer["held"]:
            self.app.push_screen(ThreadScreen(pointer["thread"]))
        elif await self.app.call("follow", topic=pointer["source"]) is not None:
            self.notify(_("Following {topic}: the thread comes with it from your peers.").format(
                topic=pointer["source"]))
