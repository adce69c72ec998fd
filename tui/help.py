"""The help screen: what Antiport is and every key."""
from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .i18n import _

KEYS = (
    ("enter", _("open the highlighted topic, thread, person or vendor")),
    ("escape", _("back")),
    ("n / c", _("ask for help / complain (in the highlighted topic)")),
    ("a", _("answer the open thread")),
    ("y", _("accept the highlighted answer (only the asker can)")),
    ("+ / -", _("vote the highlighted answer up / down")),
    ("r", _("mark your request resolved")),
    ("x / !", _("retract your answer or request / report the highlighted answer (or the request)")),
    ("l", _("label the highlighted answer (or the request): spam, scam, ... for those who follow you")),
    ("s", _("set the thread's status, when you are the topic's vendor")),
    ("f / u", _("follow / unfollow a topic")),
    ("e", _("experts of a topic; enter: why one ranks there; t: trust them")),
    ("x", _("threads of other topics pointed to from a topic (cross-posts)")),
    ("/", _("search everything your node holds")),
    ("m", _("your inbox: answers, statuses and overdue promises in the threads you follow")),
    ("k", _("your contact card, per vendor updated, pending or refused; e: edit it and send it")),
    ("h", _("show or hide what your labelers (and reports by people with standing) hide")),
    ("v", _("vendors: who answers, and how fast")),
    ("b", _("buy on your terms: your intents; n: a new one; enter: its offers side by side, a: accept one")),
    ("w", _("network: peers, sync progress, rejected messages (r: refresh now)")),
    ("i", _("your identity; p: change your display name; b: back up your key")),
    ("ctrl+p", _("command palette: every screen, and every operation as a form")),
    ("ctrl+q", _("quit")),
)

ABOUT = _("Ask for help and complain about products; experts and vendors answer. Everything you see\n"
           "is signed by its author and kept on your own node. New messages appear as they arrive;\n"
           "problems show as notifications at the bottom right.")


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", _("Close"))]

    def compose(self):
        with VerticalScroll(classes="dialog help"):
            yield Static("Antiport", classes="title")
            yield Static(ABOUT)
            yield Static("\n".join(f"[b]{key:>8}[/b]  {does}" for key, does in KEYS), classes="keys")
