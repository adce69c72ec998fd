"""Your own figures as an expert (docs/queue.md, "Your figures"): per topic, how often you answer, how
soon, how often your answer is accepted, and the newest threads those numbers rest on."""
from __future__ import annotations

import time

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from .base import TablePage, plain, who
from .i18n import _
from .vendors import share, span


def day(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def behind(t: dict) -> Text:
    """The threads one topic's figures rest on, one line each: the wait for your first answer (or missed),
    your answers and accepted ones, the title (a network string: drawn plain)."""
    text = Text.assemble(plain(t["topic"], style="bold"), ": ", _(
        "answered {answered} of {threads} threads asked while you were active ({start} to {end}), {accepted} of "
        "{answers} answers accepted. The newest:").format(
        answered=t["answered"], threads=t["threads"], start=day(t["active_from"]), end=day(t["active_to"]),
        accepted=t["accepted"], answers=t["answers"]), "\n")
    for r in t["threads_shown"]:
        wait = (_("missed") if r["first_answer_s"] is None
                else _("first answer after {wait}").format(wait=span(r["first_answer_s"])))
        counts = _("{answers} answers, {accepted} accepted").format(answers=r["answers"], accepted=r["accepted"])
        text.append(f"  {day(r['created'])}  {wait:<28} {counts}  ")
        text.append_text(plain(r["title"][:60]))
        text.append("\n")
    if t["threads_left_out"]:
        text.append("  " + _("... and {count:,} older threads").format(count=t["threads_left_out"]) + "\n")
    text.rstrip()
    return text


class FiguresScreen(TablePage):
    BINDINGS = [Binding("enter", "open", _("Threads behind"))]
    COLUMNS = (_("Topic"), _("Answered"), _("Median 1st answer"), _("Accepted"), _("Answers"))
    heading = _("Your figures: how you answer in each topic, from signed messages any node can check")

    def __init__(self) -> None:
        super().__init__()
        self.topics: dict[str, dict] = {}
        self.opened: str | None = None  # the topic whose threads the panel shows; kept across reloads

    def below(self):
        panel = Static("", id="behind", classes="panel")
        panel.display = False
        return (panel,)

    def touched(self, messages: list[dict]) -> bool:
        return any(m["kind"] in ("request", "complaint", "answer", "accept") for m in messages)

    async def load(self) -> None:
        found = await self.app.call("figures")
        if found is None:
            return
        self.topics = {t["topic"]: t for t in found["topics"]}
        self.query_one(".title", Static).update(plain(f"{self.heading} ({who(found['did'], found['name'])})"))
        self.show(((t["topic"], (t["topic"], f"{share(t['response_rate'])} ({t['answered']}/{t['threads']})",
                                 span(t["median_first_answer_s"]), share(t["accept_rate"]), t["answers"]))
                   for t in found["topics"]),
                  _("No figures yet: they count your answers to other people's requests. Answer one from your "
                    "queue (escape)."))
        self.show_behind()

    def action_open(self) -> None:
        if self.current:
            self.opened = self.current
            self.show_behind()

    def show_behind(self) -> None:
        panel = self.query_one("#behind", Static)
        panel.display = self.opened in self.topics
        if panel.display:
            panel.update(behind(self.topics[self.opened]))
