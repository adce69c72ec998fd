"""The first screen: the topics you follow, with unread and unanswered counts."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from .base import TablePage
from .experts import ExpertsScreen
from .i18n import _
from .marks import read_marks
from .queue import QueueScreen
from .threads import ThreadsScreen


class TopicsScreen(TablePage):
    BINDINGS = [
        Binding("escape", "back", _("Back"), show=False),
        Binding("enter", "open", _("Open"), show=False),
        Binding("f", "app.follow", _("Follow")),
        Binding("u", "unfollow", _("Unfollow")),
        Binding("n", "compose('request')", _("Ask")),
        Binding("c", "compose('complaint')", _("Complain")),
        Binding("e", "experts", _("Experts")),
        Binding("q", "queue", _("Queue")),
        Binding("v", "app.vendors", _("Vendors")),
        Binding("w", "app.network", _("Network")),
        Binding("i", "app.identity", _("Identity")),
    ]

    heading = _("Topics you follow")
    COLUMNS = (_("Topic"), _("Threads"), _("Unanswered"), _("Unread"))

    def touched(self, messages: list[dict]) -> bool:
        # no table while the screen is being composed or taken down (the app closing)
        shown = {key for table in self.query(DataTable) for key, _cells in getattr(table, "shown_rows", ())}
        return any(m["topic"] in shown for m in messages)

    def outdated(self) -> bool:
        return True  # follows and read marks change without a message

    async def load(self) -> None:
        topics = await self.app.call("topics")
        if topics is None:
            return
        seen = read_marks(self.app.client.home)
        self.show(((t["topic"], (t["topic"], t["threads"], t["unanswered"],
                                 max(0, t["messages"] - seen.get(t["topic"], 0)) or "")) for t in topics),
                  _("You follow no topics yet: press f to follow one (vendor/product), or n to ask."))

    @property
    def topic(self) -> str | None:
        return self.current

    def action_open(self) -> None:
        if self.topic:
            self.app.push_screen(ThreadsScreen(self.topic))

    async def action_unfollow(self) -> None:
        if self.topic and await self.app.call("unfollow", topic=self.topic) is not None:
            self.notify(_("No longer following {topic}").format(topic=self.topic))
            self.reload()

    def action_compose(self, kind: str) -> None:
        self.app.action_compose(kind, topic=self.topic)

    def action_queue(self) -> None:
        self.app.push_screen(QueueScreen())

    def action_experts(self) -> None:
        if self.topic:
            self.app.push_screen(ExpertsScreen(self.topic))
