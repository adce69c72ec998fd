"""Writing: a request or complaint (topic, title, text, optional sealed private part), or an answer."""
from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static, TextArea

from .base import chrome, plain
from .thread import ThreadScreen

HEADINGS = {"request": "Ask for help", "complaint": "Complain about a product", "answer": "Answer"}
PRIVATE = ("Private part for the vendor (optional): sealed to the vendor's key, so only the vendor's "
           "bridge can read it — for order numbers, serials, contact details. Sent only to a vendor whose "
           "domain proves its key (verified on the Vendors screen) or whose key you trust (trust-vendor); "
           "otherwise nothing is sent and you are told why.")


class ComposeScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("escape", "app.pop_screen", "Cancel"),
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
                yield Label("Topic (vendor/product)")
                yield Input(self.topic or "", placeholder="acme/widget", id="topic")
                yield Label("Title")
                yield Input(placeholder="one line that says what is wrong", id="title")
            yield Label("Text")
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
            self.query_one("#target", Static).update(plain(f"To: {view['body'].get('title', '')}"))

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
            self.notify("Write the answer first.", severity="warning")
        elif await self.app.call("answer", id=self.target, text=text) is not None:
            self.notify("Answer sent")
            self.dismiss()

    async def send_request(self) -> None:
        topic, title, text = self.value("#topic"), self.value("#title"), self.value("#text")
        missing = [name for name, v in (("topic", topic), ("title", title), ("text", text)) if not v]
        if missing:
            self.notify(f"Fill in the {' and '.join(missing)} first.", severity="warning")
            return
        done = await self.app.call("ask", topic=topic, title=title, text=text, kind=self.kind,
                                   private_text=self.value("#private") or None)
        if done is not None:
            to = done.get("sealed_to")
            standing = to and ("trusted" if to["trusted"] else to["state"])
            sealed = f"; private part sealed to {to['org']} ({standing})" if to else ""
            self.notify(("Complaint posted" if self.kind == "complaint" else "Request posted") + sealed)
            self.app.switch_screen(ThreadScreen(done["id"]))
