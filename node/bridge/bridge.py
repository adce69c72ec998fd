"""The bridge service: a running node speaking for a vendor.

It keeps the vendor manifest current, follows the vendor's topics, journals every new thread and
update in those topics into the outbox (a rowid cursor over the store, so nothing stored while the
bridge was stopped is missed), delivers each event to every connector with retries, polls RT (and the
mailbox) for staff replies and status changes and publishes them as signed messages, and serves the pull API.
"""
from __future__ import annotations

import logging
from collections import Counter

import httpx
import trio
from antiport.crypto import Identity
from antiport.protocol import Rejected
from antiport.protocol.contact import seal_receipt

from ..attachments import keep
from ..home import now_ms
from ..ingest import Ingest
from ..service import Ctx, OpError
from ..store import Store, StoreError
from .config import BridgeConfig, BridgeConfigError, load_config
from .events import KINDS, Connector, ContactRefused, contact_of, event_of
from .mail import EmailConnector
from .manifest import refresh_manifest
from .outbox import Outbox
from .rt import RTConnector
from .webhook import WebhookConnector

log = logging.getLogger("antiport.bridge")
SCAN_FALLBACK_S = 2.0


class Signal:
    """Wakes every task waiting for 'something new' (new events, new answers)."""

    def __init__(self):
        self._event = trio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = trio.Event()

    async def wait(self) -> None:
        await self._event.wait()


class Bridge:
    def __init__(self, store: Store, ingest: Ingest, identity: Identity, cfg: BridgeConfig,
                 client: httpx.AsyncClient):
        self.store, self.identity, self.cfg = store, identity, cfg
        self.ctx = Ctx(store, ingest, identity)
        self.outbox = Outbox(store, cfg.connector_names(), int(cfg.retry_base_seconds * 1000),
                             int(cfg.retry_max_seconds * 1000))
        self.connectors: dict[str, Connector] = {}
        for w in cfg.webhooks:
            hook = WebhookConnector(w, client)
            self.connectors[hook.name] = hook
        self.rt = RTConnector(cfg.rt, store, client, identity.did, identity) if cfg.rt else None
        self.email = EmailConnector(cfg.email, store, identity.did, cfg.topics) if cfg.email else None
        for connector in (self.rt, self.email):
            if connector:
                self.connectors[connector.name] = connector
        self.new_events = Signal()
        self.stored = Signal()

    def start(self) -> None:
        """Publish (or refresh) the manifest, follow the topics, journal what is already stored."""
        refresh_manifest(self.ctx, self.cfg, now_ms())
        for slug in self.cfg.topics:
            self.store.follow(slug, now_ms())
        self.scan()

    def scan(self) -> int:
        """Journal messages stored since the last scan in the vendor's topics; returns how many."""
        cursor = int(self.outbox.get_state("scan.rowid", "0"))
        rows = self.store.stored_since(cursor)
        added = 0
        now = now_ms()
        for rowid, msg_id, kind, topic in rows:
            ours = (kind in KINDS and topic in self.cfg.topics and self.concerns(msg_id, kind)
                    or kind == "contact" and self._to_me(msg_id))
            if ours and self.outbox.add(msg_id, now) is not None:
                added += 1
            cursor = rowid
        if rows:
            self.outbox.set_state("scan.rowid", cursor)
        if added:
            self.new_events.notify()
        return added

    def concerns(self, message_id: str, kind: str) -> bool:
        """An award or decline only when it is of one of this vendor's offers (specs/12); everything else, yes."""
        if kind not in ("award", "decline"):
            return True
        offer = self.store.get(self.store.get(message_id).target or "")
        return offer is not None and offer.author == self.identity.public_key

    def _to_me(self, message_id: str) -> bool:
        msg = self.store.get(message_id)
        return msg is not None and msg.body["to"] == self.identity.public_key

    def event(self, message_id: str, private: bool) -> dict:
        return event_of(self.store, self.identity, self.store.get(message_id), private)

    async def deliver_due(self, name: str) -> tuple[int, int]:
        """Deliver what is pending for one connector, one at a time in journal order; stop at the first
        failure, which puts the connector in back-off (nothing is tried until it is due again, and then
        only the oldest pending delivery, as the probe). Returns (delivered, failed)."""
        connector, delivered = self.connectors[name], 0
        for due in self.outbox.due(name, now_ms()):
            self.outbox.begin(name, due.seq)
            event = self.event(due.message_id, connector.private)
            try:
                if "op" in event.get("contact", {"op": None}):  # a card superseded or unreadable: nothing to apply
                    await connector.deliver(due.seq, event, due.attempts > 0)
            except ContactRefused as e:  # the delivery is done; the customer's receipt says why
                self.outbox.set_state(f"contact.refused.{due.message_id}", f"{name}: {e}")
            except Exception as e:  # any failure of the far side is retried; the reason is recorded
                delay = self.outbox.failed(name, due.seq, now_ms(), f"{type(e).__name__}: {e}")
                log.warning("delivery of %s to %s failed (attempt %d; the connector is probed again in %.1fs): %s",
                            due.message_id[:12], name, due.attempts + 1, delay / 1000, e)
                return delivered, 1
            self.outbox.acked(name, due.seq, now_ms())
            delivered += 1
        return delivered, 0

    def receipts(self) -> int:
        """Answer every contact that every connector has taken with a receipt sealed to its author (specs/11
        section 3): applied, erased, or refused and why. A receipt is published once: the contacts waiting are
        the ones without a receipt by this key in the store. Returns how many it published."""
        waiting = self.store.contacts_awaiting_receipt(self.identity.did)
        for message_id in waiting:
            msg = self.store.get(message_id)
            asked = contact_of(self.store, self.identity, msg)
            refused = asked.get("error") or self.outbox.get_state(f"contact.refused.{message_id}")
            result = "refused" if refused else "erased" if asked.get("op") == "erase" else "applied"
            self.publish("receipt", "", {"to": msg.author, "sealed": seal_receipt(msg.author, result, refused or "")},
                         [message_id], now_ms())
        return len(waiting)

    def publish(self, kind: str, topic: str, body: dict, refs: list, created: int, blobs=()) -> str:
        """Sign as the vendor, store and queue for the network (Ingest.create), with the `blobs` (hash, bytes) its
        `files` list. Same inputs, same message id."""
        try:
            return self.ctx.ingest.create(self.identity, kind, topic, body, refs, created=created, source="bridge",
                                          also=keep(self.store, list(blobs))).id
        except Rejected as e:
            raise RuntimeError(f"the bridge's own {kind} was refused: {e}") from None

    def created_floor(self, thread: str) -> int:
        root = self.store.get(thread)
        return root.created + 1 if root else 0

    def dropped(self) -> dict[str, dict[str, int]]:
        """Per connector that reads a helpdesk: what it read and did not publish, by reason."""
        return {c.name: dict(c.dropped.counts) for c in (self.rt, self.email) if c}

    def refused(self) -> dict[str, int]:
        """What this node refused from the network since it started, by reason (all sources together)."""
        out: Counter[str] = Counter()
        for (_, reason), n in self.ctx.ingest.rejected.items():
            out[reason] += n
        return dict(out)

    async def poll_rt(self) -> int:
        return await self.rt.poll(self.publish, self.created_floor)

    # -- the loops the service runs ------------------------------------------------------------------

    async def scan_loop(self) -> None:
        """Scan whenever a message is stored (the store's "stored" events), and every few seconds."""
        unsubscribe = self.ctx.ingest.subscribe(lambda _: self.stored.notify())
        try:
            while True:
                try:
                    self.scan()
                    self.receipts()  # a bridge without push connectors answers as soon as it journals
                except StoreError as e:  # a full disk: nothing journaled; the cursor did not move
                    log.warning("journaling failed (retrying): %s", e)
                with trio.move_on_after(SCAN_FALLBACK_S):
                    await self.stored.wait()
        finally:
            unsubscribe()

    async def delivery_loop(self, name: str) -> None:
        while True:
            try:
                await self.deliver_due(name)
                self.receipts()
            except StoreError as e:  # a delivery's record could not be written: it is made again later
                log.warning("recording a delivery to %s failed (retrying): %s", name, e)
            next_try = self.outbox.next_try(name)
            wait = 30.0 if next_try is None else max(0.01, (next_try - now_ms()) / 1000)
            with trio.move_on_after(wait):
                await self.new_events.wait()

    async def poll_loop(self, connector: RTConnector | EmailConnector) -> None:
        """Publish what staff did in RT or by mail, every poll_seconds."""
        while True:
            try:
                await connector.poll(self.publish, self.created_floor)
            except Exception as e:
                log.warning("polling %s failed (retrying in %.0fs): %s", connector.name, connector.cfg.poll_seconds, e)
            await trio.sleep(connector.cfg.poll_seconds)

    async def manifest_loop(self) -> None:
        while True:
            await trio.sleep(min(3600.0, self.cfg.refresh_hours * 3600))
            try:
                refresh_manifest(self.ctx, self.cfg, now_ms())
            except OpError as e:  # a full disk: refreshed at the next round
                log.warning("refreshing the vendor manifest failed: %s", e)


def load_bridge(path, identity: Identity):
    """Read the configuration and check it against the home's identity, before the node starts;
    returns the node service. Raises BridgeConfigError (one line for the person running it)."""
    cfg = load_config(path)
    if cfg.did and cfg.did != identity.did:
        raise BridgeConfigError(f"{path}: vendor.did is {cfg.did} but this home's identity is {identity.did}")
    return bridge_service(cfg, identity)


def bridge_service(cfg: BridgeConfig, identity: Identity):
    """The node service `fn(node, task_status)` that runs the bridge; task_status gets the Bridge.

    Uses of the node: store, ingest, follow(slug)."""

    async def run(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
        from .pull import serve_pull  # the HTTP stack is loaded only when a bridge runs

        async with httpx.AsyncClient(timeout=15) as client:
            bridge = Bridge(node.store, node.ingest, identity, cfg, client)
            bridge.start()
            for slug in cfg.topics:
                await node.follow(slug)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(bridge.scan_loop)
                for name in bridge.connectors:
                    nursery.start_soon(bridge.delivery_loop, name)
                for connector in (bridge.rt, bridge.email):
                    if connector:
                        nursery.start_soon(bridge.poll_loop, connector)
                nursery.start_soon(bridge.manifest_loop)
                if cfg.pull:
                    bridge.pull_url = await nursery.start(serve_pull, bridge, cfg.pull)
                task_status.started(bridge)

    return run
