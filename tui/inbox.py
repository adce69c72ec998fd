"""The inbox: what changed in the threads you follow (answers, statuses, accepts, promises now overdue) and threads
passed on to you; enter opens the thread and marks its items read."""
from __future__ import annotations

from textual.binding import Binding

from .base import TablePage, age, plain, who
from .i18n import _
from .thread import ThreadScreen

INBOX_KINDS = ("answer", "status", "accept", "resolve", "share")  # the kinds of the new messages that make items
WHAT = {"answer": _("answer"), "status": _("status"), "accept": _("accepted"), "resolve": _("resolved"),
        "overdue": _("OVERDUE"), "share": _("shared")}


class InboxScreen(TablePage):
    BINDINGS = [
        Binding("enter", "open", _("Open")),
        Binding("r", "read", _("Mark read")),
        Binding("R", "read_all", _("All read")),
        Binding("t", "toggle", _("Read too")),
    ]

    heading = _("Your inbox: what changed in the threads you asked, answered or follow")
    COLUMNS = ("", _("What"), _("Topic"), _("Thread"), _("Said"), _("By"), _("When"))

    def __init__(self) -> None:
        super().__init__()
        self.everything = False  # read items too (t)
        self.threads: dict[str, str] = {}  # item -> its thread
        self.elsewhere: dict[str, str] = {}  # item -> the topic of its thread, not held here (a share)

    def touched(self, messages: list[dict]) -> bool:
        return any(m["kind"] in INBOX_KINDS for m in messages)

    async def load(self) -> None:
        found = await self.app.call("inbox", all=self.everything, limit=200)
        if found is None:
            return
        now = self.app.now()
        self.threads = {i["item"]: i["thread"] for i in found["items"]}
        self.elsewhere = {i["item"]: i["topic"] for i in found["items"] if not i.get("held", True)}
        self.show(((i["item"], ("" if i["read"] else "●", WHAT[i["kind"]], i["topic"], plain(i["title"]),
                                plain(i["text"]), who(i["author"], i["name"]), age(i["at"], now)))
                   for i in found["items"]),
                  _("Nothing new in the threads you follow.") if self.everything
                  else _("Nothing new in the threads you follow. t shows read items too."))
        self.app.show_unread(found["unread"])

    async def action_open(self) -> None:
        if self.current in self.elsewhere:  # passed on from a topic not followed: following it brings the thread
            topic = self.elsewhere[self.current]
            if await self.app.call("follow", topic=topic) is not None:
                self.notify(_("Following {topic}: the thread comes with it from your peers; open it again "
                              "then.").format(topic=topic))
        elif self.current:
            thread = self.threads[self.current]
            await self.mark(thread)
            self.app.push_screen(ThreadScreen(thread))

    async def action_read(self) -> None:
        if self.current and await self.mark(self.current):
            self.reload()

    async def action_read_all(self) -> None:
        if await self.mark(None):
            self.reload()

    def action_toggle(self) -> None:
        self.everything = not self.everything
        self.reload()

    async def mark(self, id: str | None) -> bool:
        done = await self.app.call("inbox_read", id=id, all=id is None)
        if done is not None:
            self.app.show_unread(done["unread"])
        return done is not None
