"""Writing: a request or complaint (topic, title, text, optional sealed private part), or an answer."""
from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static, TextArea

from .base import chrome, plain
from .i18n import _
from .thread import ThreadScreen

HEADINGS = {"request": _("Ask for help"), "complaint": _("Complain about a product"), "answer": _("Answer")}
FIELDS = {"topic": _("topic"), "title": _("title"), "text": _("text")}  # as "Fill in the ..." names them
PRIVATE = _("Private part for the vendor (optional): sealed to the vendor's key, so only the vendor's "
             "bridge can read it — for order numbers, serials, contact details. Sent only to a vendor whose "
             "domain proves its key (verified on the Vendors screen) or whose key you trust (trust-vendor); "
             "otherwise nothing is sent and you are told why.")


class ComposeScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "send", _("Send"), priority=True),
        Binding("escape", "app.pop_screen", _("Cancel")),
    ]

    def __init__(self, kind: str, topic: str | None = None, target: str | None = None) -> None:
        super().__init__()
        self.kind, self.topic, self.target = kind, topic, target

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static(HEADINGS.get(self.kind, self.kind), classes="title")
        with VerticalScroll(classes="form"):
            if self.kind == "answer":
                yield Static("", id="target", classes="hint")
            else:
                yield Label(_("Topic (vendor/product)"))
                yield Input(self.topic or "", placeholder="acme/widget", id="topic")
                yield Label(_("Title"))
                yield Input(placeholder=_("one line that says what is wrong"), id="title")
            yield Label(_("Text"))
            yield TextArea(id="text")
            if self.kind != "answer":
                yield Static(PRIVATE, classes="explain")
                yield TextArea(id="private", classes="private")
        yield footer

    def on_mount(self) -> None:
        if self.kind == "answer":
            self.query_one("#text").focus()
            self.run_worker(self.show_target)
        else:
            self.query_one("#title" if self.topic else "#topic").focus()

    async def show_target(self) -> None:
        view = await self.app.call("show", id=self.target)
        if view is not None:
            title = view["body"].get("title", "")
            self.query_one("#target", Static).update(plain(_("To: {title}").format(title=title)))

    def value(self, selector: str) -> str:
        widget = self.query_one(selector)
        return (widget.value if isinstance(widget, Input) else widget.text).strip()

    async def action_send(self) -> None:
        if self.kind == "answer":
            await self.send_answer()
        else:
            await self.send_request()

    async def send_answer(self) -> None:
        text = self.value("#text")
        if not text:
            self.notify(_("Write the answer first."), severity="warning")
        elif await self.app.call("answer", id=self.target, text=text) is not None:
            self.notify(_("Answer sent"))
            self.dismiss()

    async def send_request(self) -> None:
        topic, title, text = self.value("#topic"), self.value("#title"), self.value("#text")
        missing = [name for name, v in (("topic", topic), ("title", title), ("text", text)) if not v]
        if missing:
            fields = _(" and ").join(FIELDS[name] for name in missing)
            self.notify(_("Fill in the {fields} first.").format(fields=fields), severity="warning")
            return
        done = await self.app.call("ask", topic=topic, title=title, text=text, kind=self.kind,
                                   private_text=self.value("#private") or None)
        if done is not None:
            to = done.get("sealed_to")
            posted = _("Complaint posted") if self.kind == "complaint" else _("Request posted")
            if to:
                posted = _("{posted}; private part sealed to {org} ({standing})").format(
                    posted=posted, org=to["org"], standing=_("trusted") if to["trusted"] else to["state"])
            self.notify(posted)
            self.app.switch_screen(ThreadScreen(done["id"]))
