"""Experts of a topic, as ranked by your own ledger, and why each one ranks where they do."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from .base import TablePage, plain, who
from .i18n import _
from .vendors import record
from .visible import visible


class ExpertsScreen(TablePage):
    BINDINGS = [
        Binding("enter", "open", _("Why")),
        Binding("t", "trust", _("Trust")),
    ]

    COLUMNS = ("#", _("Who"), _("Score"), _("Answers"), _("Accepted"), _("Votes"), _("Their record"))

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.heading = _("Experts in {topic}").format(topic=topic)
        self.why_of: str | None = None  # whose "why" the panel shows; reloaded with the table

    def below(self):
        why = Static("", id="why", classes="panel")
        why.display = False
        return (why,)

    def touched(self, messages: list[dict]) -> bool:
        """Facts in the topic, and trust and names (the meta topic)."""
        return any(m["topic"] in (self.topic, "") for m in messages)

    async def load(self) -> None:
        found = await self.app.call("experts", topic=self.topic, limit=200)
        if found is None:
            return
        rows = found["experts"]
        self.names = {r["did"]: who(r["did"], r["name"]) for r in rows}
        self.show(((r["did"], (r["rank"], plain(self.names[r["did"]]), f"{r['score']:.3f}", r["answers"],
                               r["accepted"], f"+{r['upvotes']} -{r['downvotes']}", record(r))) for r in rows),
                  _("No experts here yet: experts appear when answers in this topic get accepted or voted up. "
                    "Press escape, open the topic and accept the answers that helped you."))
        await self.show_why()

    @property
    def did(self) -> str | None:
        return self.current

    def about(self) -> dict:
        return {"did": self.did} if self.did else {}

    async def action_open(self) -> None:
        """Why the highlighted person ranks where they do."""
        if self.did:
            self.why_of = self.did
            await self.show_why()

    async def show_why(self) -> None:
        if not self.why_of:
            return
        me = await self.app.call("id")
        view = me and await self.app.call("why", did=self.why_of, topic=self.topic)
        if not view:
            return
        panel = self.query_one("#why", Static)
        panel.update(why_text(view, me["did"]))
        panel.display = True

    async def action_trust(self) -> None:
        if not self.did:
            self.notify(_("Nobody to trust here yet."), severity="warning")
            return
        if await self.app.call("trust", did=self.did, scope=self.topic) is not None:
            self.notify(_("You trust {name} in {topic}: their accepts and votes now count in your ranking "
                          "there.").format(name=self.names[self.did], topic=self.topic))
            self.reload()


def why_text(view: dict, me: str) -> Text:
    """The facts behind a score, one line each: what, from whom, how much it added (names as plain text)."""
    text = Text()
    for t in view["topics"]:
        text.append(_("Why {name} ranks here").format(name=who(view["did"], view["name"])), "bold")
        text.append(" " + _("(score {score:.3f} in {topic})").format(score=t["score"], topic=t["topic"]) + "\n")
        for f in sorted(t["facts"], key=lambda f: -abs(f["weight"])):
            note = f"  {visible(f['note'])}" if f["note"] else ""
            source = _("you") if f["from"] == me else who(f["from"], f["from_name"])
            fact = _("{kind:<9} from {source}").format(kind=visible(f["kind"]), source=source)
            text.append(f"  {fact}  {f['weight']:+.3f}{note}\n")
        if t["left_out"]:
            kinds = ", ".join(f"{n:,} {kind}" for kind, n in t["counts"].items())
            text.append("  " + _("... and {count:,} weaker facts (in all {kinds})").format(count=t["left_out"],
                                                                                      kinds=kinds) + "\n")
        if not t["facts"]:
            text.append("  " + _("No accepts, votes or trust about this person yet: their answers have not been "
                                 "rated.") + "\n")
    text.rstrip()
    return text
