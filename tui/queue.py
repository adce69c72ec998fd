"""The expert's queue: what is open across the followed topics, in the order to take it (docs/queue.md),
with keys to open, answer, claim and skip; a page at a time, the next one loaded as the cursor reaches the
last row or the table is scrolled to its end."""
from __future__ import annotations

import time

from textual.binding import Binding
from textual.timer import Timer

from .base import PagedTable, age, plain, who
from .figures import FiguresScreen
from .i18n import _, ngettext
from .thread import ThreadScreen

CLAIM_MINUTES = 30
SKIP_HOURS = 24
MAX_LIMIT = 200  # the most rows one call returns (node/paging.py): a reload asks for as many as are shown, up to it
REFRESH_SECONDS = 15  # claims and skips end without a message saying so: the queue looks again this often,
# and when a claim it shows ends sooner, right after that


def answered(e: dict) -> str:
    return _("you") if e["mine"] else _("vendor") if e["vendor_answered"] else str(e["answers"] or "")


def on_it(e: dict, me: str) -> str:
    return ", ".join(_("you") if c["did"] == me else who(c["did"], c["name"]) for c in e["claims"])


class QueueScreen(PagedTable):
    BINDINGS = [
        Binding("enter", "open", _("Open")),
        Binding("a", "answer", _("Answer")),
        Binding("c", "claim", _("Claim")),
        Binding("s", "skip", _("Skip")),
        Binding("f", "figures", _("Your figures")),
    ]

    heading = _("Your queue: open requests in the topics you follow, what to take next first")
    COLUMNS = (_("Topic"), _("Title"), _("Asker"), _("Age"), _("Answered"), _("On it"))
    claim_ends: Timer | None = None  # the reload when the first claim shown ends
    me: dict | None = None  # this node's identity, as the id op says it

    def on_mount(self) -> None:  # Textual runs the base classes' on_mount too (the table, the first load)
        self.set_interval(REFRESH_SECONDS, self.reload)

    def touched(self, messages: list[dict]) -> bool:
        return any(m["kind"] in ("request", "complaint", "answer", "accept", "resolve", "status", "claim",
                                 "retract") for m in messages)

    async def load(self) -> None:
        """The first page, as long as what is loaded (a reload keeps the pages scrolled to)."""
        self.me = await self.app.call("id")
        found = self.me and await self.fetch(limit=min(max(self.PAGE, len(self.rows)), MAX_LIMIT))
        if found is None or not self.me:
            return
        self.rows, self.more_below = found["queue"], found["page"]["before"]
        self.draw()
        self.app.alerts_seen()
        self.look_again(min((c["until"] for e in self.rows for c in e["claims"]), default=None))

    async def fetch(self, **where) -> dict | None:
        return await self.app.call("queue", **{"limit": self.PAGE, **where})

    def rows_of(self, found: dict) -> list[dict]:
        return found["queue"]

    def draw(self) -> None:
        now, me = self.app.now(), self.me["did"]
        self.show(((e["id"], (e["topic"], plain(e["title"]), who(e["author"], e["name"]), age(e["created"], now),
                              answered(e), on_it(e, me))) for e in self.rows),
                  _("Nothing open in the topics you follow: press escape and f to follow more topics."))

    def look_again(self, until_ms: int | None) -> None:
        """Reload when the first claim shown ends, if that comes before the next regular look."""
        if self.claim_ends:
            self.claim_ends.stop()
        wait = until_ms / 1000 - time.time() if until_ms else REFRESH_SECONDS
        self.claim_ends = self.set_timer(wait + 0.1, self.reload) if 0 < wait < REFRESH_SECONDS else None

    def action_open(self) -> None:
        if self.current:
            self.app.push_screen(ThreadScreen(self.current))

    def action_figures(self) -> None:
        self.app.push_screen(FiguresScreen())

    def action_answer(self) -> None:
        if self.current:
            self.app.action_compose("answer", target=self.current)

    async def action_claim(self) -> None:
        if self.current and await self.app.call("claim", id=self.current, minutes=CLAIM_MINUTES) is not None:
            until = time.strftime("%H:%M", time.localtime(self.app.now() + CLAIM_MINUTES * 60))
            self.notify(_("You are on it until {until}: other experts see your claim").format(until=until))
            self.reload()

    async def action_skip(self) -> None:
        if self.current and await self.app.call("skip", id=self.current, hours=SKIP_HOURS) is not None:
            self.notify(ngettext("Out of your queue for {n} hour", "Out of your queue for {n} hours", SKIP_HOURS)
                        .format(n=SKIP_HOURS))
            self.reload()
