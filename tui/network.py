"""The network: connected peers and what they sent us, sync progress per topic, rejected messages."""
from __future__ import annotations

from collections import Counter, defaultdict

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, ProgressBar, Static

from .base import Page, chrome, fill, plain
from .i18n import _, ngettext

REFRESH_SECONDS = 1.0
OFFLINE = _("The node is not running for this home, so there are no peers and no sync to show. "
           "Start it with 'antiport run' (or open the TUI again: it starts the node).")
SYNC_STATES = {"reconciling": _("reconciling"), "fetching": _("fetching"), "done": _("done"),
               "incomplete": _("incomplete")}  # a failed session's state says why, in the node's words


def short(peer_id: str) -> str:
    return peer_id[:6] + "…" + peer_id[-6:] if len(peer_id) > 14 else peer_id


def topic_name(topic: str) -> str:
    return topic or _("(global: profiles, trust, vendors)")


def counts(counter: dict) -> str:
    """'bad-signature 2, too-large 1', or '–'."""
    return ", ".join(f"{k} {n}" for k, n in sorted(counter.items())) or "–"


class TopicSync(Horizontal):
    """One followed topic's catch-up: envelopes fetched (or refused) out of those known to be missing."""

    def compose(self):
        yield Label("", classes="sync-label")
        yield ProgressBar(show_eta=False)

    def show(self, topic: str, rows: list[dict]) -> None:
        known = sum(r["known"] for r in rows)
        done = sum(r["fetched"] + r["rejected"] for r in rows)
        catching_up = any(r["state"] != "done" for r in rows) or done < known
        total = sum(r["fetched_total"] for r in rows)
        state = (_("{done} of {known} fetched").format(done=done, known=known) if catching_up
                 else _("in sync ({total} fetched since the node started)").format(total=total))
        self.query_one(Label).update(plain(f"{topic}  {state}"))
        self.query_one(ProgressBar).update(total=known, progress=done)


class NetworkScreen(Page):
    BINDINGS = [Binding("r", "refresh", _("Refresh"))]

    def compose(self):
        header, footer = chrome()
        yield header
        yield Static(_("Network"), classes="title")
        yield Static("", id="status", classes="hint")
        with Vertical(id="online"):  # hidden while the node does not run
            yield Static(_("Peers"), classes="title")
            yield DataTable(id="peers", cursor_type="row", zebra_stripes=True)
            yield Static(_("Sync"), classes="title")
            with Vertical(id="progress"):
                yield TopicSync(id="all")
            yield DataTable(id="sync", cursor_type="row", zebra_stripes=True)
            yield Static("", id="sync-empty", classes="hint")
            yield Static("", id="rejected", classes="hint")
        yield footer

    def on_mount(self) -> None:
        self.failed = False
        self.bars: dict[str, TopicSync] = {}
        self.query_one("#peers", DataTable).add_columns(_("Peer"), _("Topics"), _("Accepted"), _("Rejected"))
        self.query_one("#sync", DataTable).add_columns(_("Topic"), _("Peer"), _("State"), _("Fetched"),
                                                       _("Known missing"), _("Sent"), _("Sessions"))
        self.set_interval(REFRESH_SECONDS, self.tick)

    def tick(self) -> None:
        """Periodic refresh while this screen is on top; stopped after a failure until r is pressed."""
        if self.app.screen is self and not self.failed and self.app.client.running:
            self.reload()

    def action_refresh(self) -> None:
        self.failed = False
        self.reload()

    async def load(self) -> None:
        status = self.query_one("#status", Static)
        if not self.app.client.running:
            status.update(OFFLINE)
            self.query_one("#online").display = False
            return
        peers = await self.app.call("peers")
        sync = await self.app.call("sync_status") if peers is not None else None
        if sync is None:
            self.failed = True
            status.update(_("Could not reach the node (see the notification); press r to try again."))
            return
        self.failed = False
        sessions = sync.get("sessions", 0)
        said = _("{peers} connected; {sessions} since the node started, {active} running now.").format(
            peers=ngettext("{n} peer", "{n} peers", len(peers)).format(n=len(peers)),
            sessions=ngettext("{n} sync session", "{n} sync sessions", sessions).format(n=sessions),
            active=sync.get("active", 0))
        status.update(said if peers else " ".join((said, _(
            "No peers yet: peers appear when the node finds others (mDNS on the local network, the DHT, "
            "or --bootstrap addresses)."))))
        self.show_peers(peers)
        await self.show_sync(sync)
        rejected = Counter()
        for p in peers:
            rejected.update(p["rejected"])
        self.query_one("#rejected", Static).update(plain(_(
            "Rejected messages from peers: {rejected}.  Sync sessions cut for protocol errors: {misbehaved}; "
            "lost: {lost}.").format(rejected=counts(rejected), misbehaved=counts(sync.get("misbehaved", {})),
                                    lost=counts(sync.get("failed", {})))))

    def show_peers(self, peers: list[dict]) -> None:
        fill(self.query_one("#peers", DataTable), ((p["peer_id"], (
            short(p["peer_id"]), plain(", ".join(p["topics"]) or "–"), p["accepted"], plain(counts(p["rejected"]))))
            for p in peers))

    async def show_sync(self, sync: dict) -> None:
        by_topic = defaultdict(list)
        for r in sync["progress"]:
            by_topic[r["topic"]].append(r)
        fill(self.query_one("#sync", DataTable), ((f"{r['topic']} {r['peer']}", (
            topic_name(r["topic"]), short(r["peer"]), SYNC_STATES.get(r["state"], r["state"]), r["fetched"],
            r["known"], r["sent"], r["sessions"])) for r in sync["progress"]))
        box = self.query_one("#progress", Vertical)
        for topic in set(self.bars) - set(by_topic):
            await self.bars.pop(topic).remove()
        for topic, rows in sorted(by_topic.items()):
            if topic not in self.bars:
                self.bars[topic] = TopicSync()
                await box.mount(self.bars[topic])
            self.bars[topic].show(topic_name(topic), rows)
        self.query_one("#all", TopicSync).show(_("all topics"), sync["progress"])
        self.query_one("#sync-empty", Static).update(
            "" if by_topic else _("No sync sessions yet: they start when a peer that follows one of your topics "
                                  "connects, and catch you up on what you missed."))
