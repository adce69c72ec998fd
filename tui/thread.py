"""One thread: the request, its answers as the node ranks them (accepted first), and what happened."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from .base import Page, age, chrome, fill, highlighted, labelled, plain, state, who
from .i18n import _, ngettext
from .opform import OpForm
from .vendors import record, share, span
from .visible import file_lines, visible

SEALED = _("🔒 private part for the vendor, sealed: only the vendor's bridge can read it")
WITHHELD = _("(hidden by labels, see why above: h shows it)")
VOTED = {"up": _("Voted up"), "down": _("Voted down")}
KINDS = {"request": _("request"), "complaint": _("complaint"), "answer": _("answer")}


def kind_name(kind: str) -> str:
    """A message's kind in the reader's language; other kinds (and unknown ones) as the network names them."""
    return KINDS.get(kind, kind)


def with_files(body: dict, missing: str = "") -> str:
    """A message's text and, below it, its attachments (plain text names; `antiport blob get` saves one)."""
    return "\n\n".join([body.get("text", missing), *(["\n".join(file_lines(body))] if body.get("files") else [])])


def event_line(e: dict, now: float, by: str) -> str:
    """One line: what happened, when and by whom (its network strings escaped, line breaks included)."""
    body = e["body"]
    detail = body.get("state") or body.get("value") or body.get("reason") or body.get("amount") or ""
    note = body.get("note")
    return " ".join(x for x in (age(e["created"], now), visible(e["kind"]), visible(str(detail)),
                                note and f"({visible(note)})", _("by {person}").format(person=by)) if x)


def track(a: dict, person: str) -> str:
    """An answer's author's figures in the thread's topic, in a sentence (docs/queue.md, "Your figures")."""
    f = a["figures"]
    if f["response_rate"] is None:
        return _("{person} has answered nobody else in {topic} yet.").format(person=person, topic=a["topic"])
    return _("{person} in {topic}: {answered} of the requests asked while active answered, a first answer after "
             "{wait} (median), {accepted} of the answers accepted.").format(
        person=person, topic=a["topic"], answered=share(f["response_rate"]), wait=span(f["median_first_answer_s"]),
        accepted=share(f["accept_rate"]))


class ThreadScreen(Page):
    BINDINGS = [
        Binding("a", "answer", _("Answer")),
        Binding("y", "accept", _("Accept")),
        Binding("plus", "vote('up')", _("Vote +")),
        Binding("minus", "vote('down')", _("Vote -")),
        Binding("t", "thank", _("Thank")),
        Binding("b", "bounty", _("Bounty")),  # shown to the asker only
        Binding("r", "resolve", _("Resolve")),
        Binding("x", "retract", _("Retract")),
        Binding("exclamation_mark", "report", _("Report")),
        Binding("l", "label", _("Label")),
        Binding("u", "mute", _("Mute")),
        Binding("s", "status", _("Status")),  # shown to the topic's vendor only
    ]

    def __init__(self, id: str) -> None:
        super().__init__()
        self.thread_id = id
        self.view: dict | None = None
        self.me = ""

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static("", id="title", classes="title")
        with VerticalScroll(id="request"):
            yield Static("", id="meta")
            yield Static("", id="body")
            yield Static("", id="private", classes="sealed")
            yield Static("", id="events", classes="events")
        yield Static(_("Answers"), classes="title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("", id="answer", classes="answer")
        yield footer

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("", _("Answer"), _("By"), _("Their record"), _("Score"), _("Votes"),
                                              _("Age"))

    def person(self, m: dict) -> str:
        agent = m["body"].get("agent", "") if m["kind"] in ("answer", "status") else ""
        return _("you") if m["author"] == self.me else who(m["author"], m.get("name", ""), agent)

    async def load(self) -> None:
        if not self.me:
            self.me = (await self.app.call("id") or {}).get("did", "")
        view = await self.app.call("show", id=self.thread_id, shown="all" if self.app.show_hidden else "visible",
                                   limit=200)
        if view is None:
            if self.view is None:
                self.query_one("#title", Static).update(_("This thread could not be loaded: escape to go back."))
            return
        self.view, self.thread_id, now = view, view["id"], self.app.now()
        self.refresh_bindings()  # Status, for the topic's vendor
        body = view["body"]
        self.query_one("#title", Static).update(plain(body.get("title", WITHHELD)))
        votes = view["votes"]
        said = (_("{kind} in {topic} by {person}, {age} ago, votes +{up}/-{down}, bounty {bounty}") if view["bounty"]
                else _("{kind} in {topic} by {person}, {age} ago, votes +{up}/-{down}")).format(
            kind=visible(kind_name(view["kind"])), topic=visible(view["topic"]), person=self.person(view),
            age=age(view["created"], now), up=votes.get("up", 0), down=votes.get("down", 0), bounty=view["bounty"])
        self.query_one("#meta", Static).update(Text(said + "  ") + state({**view, "accepted": False}))
        self.query_one("#body", Static).update(plain(with_files(body), line=False))
        self.query_one("#private", Static).update(SEALED if body.get("private") else "")
        self.query_one("#private").display = bool(body.get("private"))
        left_out = view["events_left_out"]
        earlier = [ngettext("({n:,} earlier event not shown)", "({n:,} earlier events not shown)", left_out)
                   .format(n=left_out)] if left_out else []
        self.query_one("#events", Static).update(
            plain("\n".join([*earlier, *(event_line(e, now, self.person(e)) for e in view["events"])]), line=False))
        fill(self.query_one(DataTable), ((a["id"], self.answer_cells(a, now)) for a in view["answers"]))
        self.show_answer()

    def touched(self, messages: list[dict]) -> bool:
        """Replies to the request or its answers, and names and trust (the meta topic); votes elsewhere
        in the topic move the answers' scores a little, and count when it is next opened."""
        shown = {self.thread_id, *(a["id"] for a in (self.view or {}).get("answers", ()))}
        return any(m["topic"] == "" or (m["refs"] and m["refs"][0] in shown) for m in messages)

    def answer_cells(self, a: dict, now: float) -> tuple:
        votes = a["votes"].get("up", 0) - a["votes"].get("down", 0)
        mark = Text("✔", style="bold green") if a["accepted"] else ""
        first = (a["body"].get("text") or "").splitlines()[0:1] or [""]
        text = plain(first[0][:80]) + (Text(" ") if a["labels"] and first[0] else Text()) + labelled(a)
        said = ngettext("{votes:+d}, {n} thanks", "{votes:+d}, {n} thanks", a["thanks"]).format(
            votes=votes, n=a["thanks"]) if a["thanks"] else f"{votes:+d}"
        return (mark, text, self.person(a), record(a["figures"]), f"{a['score']:.2f}", said,
                age(a["created"], now))

    def show_answer(self) -> None:
        a = self.answer
        self.query_one("#answer", Static).update(
            Text.assemble(plain(with_files(a["body"], WITHHELD), line=False), "\n\n",
                          (track(a, self.person(a)), "dim"))
            if a else _("No answers yet: press a to answer."))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_answer()

    @property
    def answer(self) -> dict | None:
        """The highlighted answer."""
        key = highlighted(self.query_one(DataTable))
        if not self.view or key is None:
            return None
        return next((a for a in self.view["answers"] if a["id"] == key), None)

    def action_answer(self) -> None:
        self.app.action_compose("answer", target=self.thread_id)

    async def act(self, op: str, id: str, done: str, **params) -> None:
        if await self.app.call(op, id=id, **params) is not None:
            self.notify(done)
            self.reload()

    async def action_accept(self) -> None:
        if self.answer is None:
            self.notify(_("No answer to accept: highlight one first."), severity="warning")
        else:
            await self.act("accept", self.answer["id"], _("Answer accepted"))

    async def action_vote(self, value: str) -> None:
        if self.answer is None:
            self.notify(_("No answer to vote on: highlight one first."), severity="warning")
        else:
            await self.act("vote", self.answer["id"], VOTED[value], value=value)

    def action_thank(self) -> None:
        if self.answer is None:
            self.notify(_("No answer to thank: highlight one first."), severity="warning")
        else:
            self.form("thank", self.answer, _("Thank {person} for this answer").format(person=self.person(self.answer)))

    def action_bounty(self) -> None:
        if self.view:
            self.form("bounty", self.view,
                      _("Offer a bounty: the answer you accept gets that much more of your standing"))

    async def action_resolve(self) -> None:
        await self.act("resolve", self.thread_id, _("Marked resolved"))

    def about(self) -> dict:
        return {"id": self.thread_id}

    def check_action(self, action: str, parameters) -> bool:
        if action == "status":
            return bool(self.view) and self.view["topic"] in self.app.vendor_topics
        if action == "bounty":
            return bool(self.view) and self.view["author"] == self.me
        return True

    def form(self, op: str, target: dict, title: str, param: str = "id") -> None:
        self.app.push_screen(OpForm(op, fixed={param: target["id"]}, title=title),
                             lambda done: done is not None and self.reload())

    def action_report(self) -> None:
        """Report the highlighted answer, or the request when no answer is highlighted."""
        if self.view:
            target = self.answer or self.view
            self.form("report", target, _("Report this {kind} by {person} as spam or abuse").format(
                kind=kind_name(target["kind"]), person=self.person(target)))

    def action_label(self) -> None:
        """Label the highlighted answer, or the request when no answer is highlighted (as a labeler)."""
        if self.view:
            target = self.answer or self.view
            self.form("label", target, _("Label this {kind} by {person}").format(
                kind=kind_name(target["kind"]), person=self.person(target)), "target")

    def action_mute(self) -> None:
        """Mute the author of the highlighted answer (or of the request) in this topic; clear it for everywhere."""
        target = self.answer or self.view
        if not target or target["author"] == self.me:
            self.notify(_("Highlight someone else's answer to mute its author."), severity="warning")
            return
        title = _("Mute {person}: their messages are hidden here").format(person=self.person(target))
        self.app.push_screen(OpForm("mute", values={"topic": target["topic"]}, fixed={"did": target["author"]},
                                    title=title),
                             lambda done: done is not None and self.reload())

    def action_retract(self) -> None:
        """Withdraw the highlighted answer if it is yours, else the request if it is yours."""
        mine = [m for m in (self.answer, self.view) if m and m["author"] == self.me]
        if not mine:
            self.notify(_("Only your own messages can be retracted: highlight an answer of yours."), severity="warning")
            return
        self.form("retract", mine[0], _("Retract your {kind}").format(kind=kind_name(mine[0]["kind"])))

    def action_status(self) -> None:
        if self.view:
            self.form("status", self.view,
                      _("Set the status of this {kind}, as its vendor").format(kind=kind_name(self.view["kind"])))
