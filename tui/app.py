"""`antiport tui`: the Textual app. It talks to the node only through the node's client API (HTTP);
calls run in worker threads, so the screen stays responsive whatever the node is doing."""
from __future__ import annotations

import asyncio
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from antiport.node.client import Client, ClientError
from antiport.node.home import Home
from antiport.node.ops import OPS
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message

from .base import Page, who
from .compose import ComposeScreen
from .contact import ContactScreen
from .help import HelpScreen
from .i18n import _
from .identity import IdentityScreen
from .inbox import INBOX_KINDS, InboxScreen
from .intents import IntentComposeScreen, IntentsScreen
from .network import NetworkScreen
from .opform import OpForm
from .search import SearchScreen
from .thread import ThreadScreen
from .threads import ThreadsScreen
from .topics import TopicsScreen
from .vendors import VendorsScreen
from .visible import visible

LIVE_BATCH_SECONDS = 0.5  # new messages are applied to the screen at most this often
CALL_THREADS = 4
ALERTS_SHOWN = 3  # notifications at once; the header counts them all


class Live(Message):
    """New messages arrived from the node (a batch); the current screen reloads if they touch it."""

    def __init__(self, messages: list[dict]) -> None:
        super().__init__()
        self.messages = messages


class AntiportApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "Antiport"
    BINDINGS = [
        Binding("ctrl+q", "quit", _("Quit"), priority=True),
        Binding("question_mark", "help", _("Help")),
        Binding("slash", "search", _("Search")),
        Binding("v", "vendors", _("Vendors"), show=False),  # shown on the topics screen, and in the palette
        Binding("w", "network", _("Network"), show=False),
        Binding("i", "identity", _("Identity"), show=False),
        Binding("m", "inbox", _("Inbox"), show=False),
        Binding("k", "contact", _("Contact card"), show=False),
        Binding("b", "intents", _("Buy"), show=False),
        Binding("h", "toggle_hidden", _("Show hidden"), show=False),
    ]

    def __init__(self, client: Client, now=time.time, start: tuple[str, str] | None = None) -> None:
        """`now` is the clock the screens show ages against (the snapshot tests fix it). `start` opens a screen
        over the topics: ("topic", slug) its threads, ("thread", id) the thread (`antiport open`)."""
        super().__init__()
        self.client = client
        self.start = start
        self.now = now
        self._pending: list[dict] = []
        self.vendor_topics: set[str] = set()  # topics whose vendor manifest names your key: you may set statuses
        self.show_hidden = False  # what labels hide is shown too (key h), with why
        # Node calls run on threads: with a node, a few, so that one screen's slow call does not hold up
        # another's (a screen's own calls are awaited in turn); offline, one, as a client's SQLite
        # connection is only ever used by the thread that opened it.
        self.live = client.running  # the node's event stream tells of every new message
        self._calls = ThreadPoolExecutor(CALL_THREADS if client.running else 1, thread_name_prefix="antiport-call")
        self.delivered = 0  # new messages heard from the node and passed to the screens
        self.alerts = 0  # alerts (node/alerts.py) since the queue was last looked at: a count in the header
        self.me = ""  # how the header names you
        self.unread = 0  # inbox items unread: a count in the header

    def on_mount(self) -> None:
        self.push_screen(TopicsScreen())
        if self.start:  # escape goes back to the topics
            kind, value = self.start
            self.push_screen(ThreadsScreen(value) if kind == "topic" else ThreadScreen(value))
        self.show_identity()
        if self.client.running:
            self.listen()
            self.set_interval(LIVE_BATCH_SECONDS, self._flush_live)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification (screens' too) as plain text: they quote names, titles and errors."""
        super().notify(visible(message, line=False), title=title, severity=severity, timeout=timeout, markup=False)

    def show_identity(self) -> None:
        """Name you in the header (again after a change of display name)."""
        self.run_worker(self._whoami, group="load")

    async def _whoami(self) -> None:
        me = await self.call("id")
        if me:
            self.me = who(me["did"], me["name"]) + ("" if me["running"] else " · " + _("node not running"))
            self.show_alerts()
            await self._count_unread()
            vendors = await self.call("vendors") or []
            self.vendor_topics = {t for v in vendors if v["did"] == me["did"] for t in v["topics"]}

    async def call(self, op: str, **params):
        """Run a node operation off the UI thread. A failure is shown as a notification and gives None.
        After a write every screen loads again when it is back on top (the write is stored already; its
        event may come after the screen is back)."""
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                self._calls, functools.partial(self.client.call, op, **params))
            if OPS[op].write:
                self.outdate_screens()
            return result
        except ClientError as e:
            self.notify(str(e), title="Antiport", severity="error", timeout=8)
        except Exception as e:  # noqa: BLE001 -- a screen shows a notification, never a traceback
            self.notify(_("{op} failed unexpectedly: {error}").format(op=op, error=repr(e)), title="Antiport",
                        severity="error", timeout=8)
        return None

    def outdate_screens(self) -> None:
        """Every screen loads again when it is back on top."""
        for screen in self.screen_stack:
            if isinstance(screen, Page):
                screen.stale = True

    @work(exclusive=True, group="live")
    async def listen(self) -> None:
        """Follow the node's event stream; reconnect after a pause if it breaks (saying so once)."""
        said = False
        while True:
            try:
                async for msg in self.client.events():
                    self._pending.append(msg)
                    said = False
            except ClientError as e:
                if not said:
                    self.notify(_("{error}; retrying").format(error=e), title=_("Live updates"), severity="warning")
                said = True
            await asyncio.sleep(2)

    def _flush_live(self) -> None:
        """The batch to the screen on top; screens below that it touches load again when they are back."""
        # The timer can fire while the app shuts down, after the last screen is gone.
        if self._pending and self.screen_stack:
            batch, self._pending = self._pending, []
            for screen in self.screen_stack[:-1]:
                if isinstance(screen, Page) and screen.touched(batch):
                    screen.stale = True
            self.screen.post_message(Live(batch))
            self.delivered += len(batch)
            self.alert([m["alert"] for m in batch if m.get("alert")])
            if any(m["kind"] in INBOX_KINDS for m in batch):
                self.run_worker(self._count_unread, group="unread", exclusive=True)

    def alert(self, found: list[dict]) -> None:
        """New alerts as notifications (the first few; a count for the rest) and in the header's count."""
        for a in found[:ALERTS_SHOWN]:
            self.notify(a["text"], title="Antiport", timeout=10)
        if len(found) > ALERTS_SHOWN:
            self.notify(_("and {count} more: press q on the first screen for your queue").format(
                count=len(found) - ALERTS_SHOWN))
        self.alerts += len(found)
        self.show_alerts()

    def alerts_seen(self) -> None:
        self.alerts = 0
        self.show_alerts()

    async def _count_unread(self) -> None:
        found = await self.call("inbox", limit=1)
        if found is not None:
            self.show_unread(found["unread"])

    def show_unread(self, count: int) -> None:
        self.unread = count
        self.show_alerts()

    def show_alerts(self) -> None:
        self.sub_title = (self.me + (" · " + _("inbox {count}").format(count=self.unread) if self.unread else "")
                          + (" · " + _("{count} new").format(count=self.alerts) if self.alerts else ""))

    def on_unmount(self) -> None:
        self._calls.shutdown(wait=False, cancel_futures=True)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for entry in OPS.values():  # every operation you may perform, from the op registry
            if not entry.write or (entry.name == "status" and not self.vendor_topics):
                continue
            for command in entry.commands:
                yield SystemCommand(command.name.capitalize(), command.help or entry.summary,
                                    lambda op=entry.name, preset=command.preset: self.perform(op, preset))
        for title, help, action in (
            (_("Inbox"), _("what changed in the threads you follow"), "inbox"),
            (_("Contact card"), _("your details, and which vendors hold them: updated, pending or refused"), "contact"),
            (_("Search"), _("full-text search over everything stored"), "search"),
            (_("Vendors"), _("which vendors answer, and how fast"), "vendors"),
            (_("Intents"), _("what you want to buy, on your terms, and the offers for it"), "intents"),
            (_("Network"), _("peers, sync progress, rejected messages"), "network"),
            (_("Identity"), _("your did and a backup of your key"), "identity"),
            (_("Help"), _("keys and screens"), "help"),
        ):
            yield SystemCommand(title, help, lambda a=action: self.run_action(a))

    def shown(self, rows: list[dict]) -> list[dict]:
        """The rows to show: what labels hide is left out unless the user asked to see it (h)."""
        return rows if self.show_hidden else [r for r in rows if not r["hidden"]]

    def action_toggle_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        self.notify(_("Showing what labels hide, and why") if self.show_hidden else _("Hiding what labels hide"))
        self.outdate_screens()
        if isinstance(self.screen, Page):
            self.screen.reload()

    # -- screens reachable from everywhere -------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_search(self) -> None:
        self.push_screen(SearchScreen())

    def action_inbox(self) -> None:
        self.push_screen(InboxScreen())

    def action_contact(self) -> None:
        self.push_screen(ContactScreen())

    def action_vendors(self) -> None:
        self.push_screen(VendorsScreen())

    def action_intents(self) -> None:
        self.push_screen(IntentsScreen())

    def action_network(self) -> None:
        self.push_screen(NetworkScreen())

    def action_identity(self) -> None:
        self.push_screen(IdentityScreen())

    def action_follow(self) -> None:
        self.push_screen(OpForm("follow"))

    def perform(self, op: str, preset: dict) -> None:
        """An operation from the palette: posts and answers in their writing screen, the others in a
        form, filled in with what the current screen is about (the thread, the person)."""
        about = self.screen.about() if isinstance(self.screen, Page) else {}
        if op == "ask":
            self.action_compose(preset["kind"], topic=getattr(self.screen, "topic", None))
        elif op == "intent_post":
            self.push_screen(IntentComposeScreen())
        elif op == "answer" and "id" in about:
            self.action_compose("answer", target=about["id"])
        else:
            self.push_screen(OpForm(op, values=about, fixed=preset))

    def action_compose(self, kind: str, topic: str | None = None, target: str | None = None) -> None:
        self.push_screen(ComposeScreen(kind, topic=topic, target=target))


def run(home: Home | Path | str, start: tuple[str, str] | None = None) -> int:
    """Open the TUI on a home: on its running node, or on its store when none runs (the `antiport tui`
    command starts the node first); on a topic's threads or a thread with `start` (AntiportApp)."""
    client = Client(home if isinstance(home, Home) else Home(Path(home)))
    try:
        AntiportApp(client, start=start).run()
    finally:
        client.close()
    return 0
