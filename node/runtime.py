"""The running node: one trio program holding the store, the libp2p host, gossip, the outbox and services."""
from __future__ import annotations

import logging
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import multiaddr
import trio
from antiport.protocol import Message
from antiport.protocol.topics import PREFIX, is_slug
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr

from . import alerts, blobs, discovery, domains, flood, intents, keyring, libp2p_fixes, p2p, share, sync
from . import web as web_view
from .gossip import Gossip, disconnect
from .home import DEFAULT_LISTEN, CannotListen, Home, HomeError, first_in, now_ms
from .ingest import Ingest, Stored
from .store import Store, StoreError

OUTBOX_RETRY = 1.0     # seconds between outbox passes when nothing wakes it (waiting for peers)
DIAL_BACKOFF = (1, 2, 5, 10, 30)  # seconds between bootstrap redials
DIAL_CHECK = 5.0       # seconds between checks that a bootstrap peer is still connected
MAX_RELAYED = 200      # topics joined only because peers are in them
GUARD_EVERY = 1.0      # seconds between flood-guard rounds (parked timeouts, graylisted peers)
FEED_SIZE = 1000       # messages buffered per feed reader; a slower reader misses some (the store has them)

Service = Callable[..., Awaitable[None]]  # fn(node, task_status=...)


class Node:
    """A node: `await node.run()` (in a nursery: `await nursery.start(node.run)`) until cancelled.

    `services` are async callables `fn(node, task_status)` started in the node's nursery once the host
    listens (the HTTP API, sync, the bridge). With `relay`, the node also joins (without following) the
    product topics its peers are in, so it carries them between peers that are not connected.
    Peers it was connected to are remembered in the store and dialled again at the next start; with `mdns`,
    peers on the local network are found and connected; with `dht`, peers in the same product topics are
    found through Kademlia provider records."""

    def __init__(self, store: Store, host_key_path: Path, *, identity=None, listen: Iterable[str] | None = None,
                 bootstrap: Iterable[str] = (), services: Iterable[Service] = (), loopback: bool | None = None,
                 relay: bool = True, mdns: bool = False, dht: bool = False,
                 flood_settings: flood.Settings | None = None):
        self.store = store
        self.identity = identity  # the author identity, for services that sign (may be None)
        self.ingest = Ingest(store)
        self.ingest.subscribe(self._stored)
        self.listen = list(listen or DEFAULT_LISTEN)
        self.bootstrap = list(bootstrap)
        self.services = list(services)
        self.relay = relay
        self.dht = dht
        self.net = p2p.build(p2p.host_key(host_key_path),
                             loopback=p2p.is_loopback(self.listen) if loopback is None else loopback, mdns=mdns)
        self.guard = flood.Guard(self.ingest, flood_settings,
                                 standing=[identity.did] if identity is not None else [])
        self.gossip = Gossip(self.net, self.ingest, self.guard)
        self.peer_id = self.net.peer_id
        self._feeds: set[trio.MemorySendChannel] = set()
        self._wake = trio.Event()
        self._running = False

    # -- what other code uses -------------------------------------------------------------------------

    def listen_addrs(self) -> list[str]:
        """Full multiaddrs with /p2p/<peer id> (empty before the node listens)."""
        return [str(a) for a in self.net.host.get_addrs()] if self._running else []

    async def submit(self, raw: bytes) -> Message:
        """Validate, store and publish an envelope signed here (Ingest.write); raises protocol.Rejected."""
        return self.ingest.write(raw, now_ms())

    async def follow(self, slug: str) -> None:
        self.store.follow(slug, now_ms())
        if self._running:
            await self.gossip.join(slug)

    async def unfollow(self, slug: str) -> None:
        self.store.unfollow(slug)
        if self._running and slug:  # the meta topic is always followed
            await self.gossip.leave(slug)

    def wake_outbox(self) -> None:
        """Something was written to the store (follows, outbox): publish and subscribe now."""
        self._wake.set()

    @contextmanager
    def message_feed(self):
        """`with node.message_feed() as feed: async for msg in feed`: every message newly stored from now on."""
        send, receive = trio.open_memory_channel[Message](FEED_SIZE)
        self._feeds.add(send)
        try:
            yield receive
        finally:
            self._feeds.discard(send)
            send.close()

    def peers(self) -> list[dict]:
        out = []
        topics = self.net.pubsub.peer_topics
        for pid in self.net.host.get_connected_peers():
            name = pid.to_base58()
            try:
                addrs = [str(a) for a in self.net.host.get_peerstore().addrs(pid)]
            except Exception:  # noqa: BLE001 -- py-libp2p raises when it holds no address for the peer
                addrs = []
            out.append({"peer_id": name, "addrs": addrs,
                        "topics": sorted(t for t, members in topics.items() if pid in members),
                        "accepted": self.ingest.accepted[name],
                        "rejected": {r: n for (src, r), n in self.ingest.rejected.items() if src == name}})
        return out

    def counters(self) -> dict:
        """Totals: accepted and rejected from the network, "missing-ref" rejects apart (parked: they may still be
        stored); messages parked now, and peers graylisted."""
        remote = {k: n for k, n in self.ingest.rejected.items() if k[0] not in ("local", "import")}
        by_reason: Counter[str] = Counter()
        for (_, reason), n in remote.items():
            by_reason[reason] += n
        missing = by_reason.pop("missing-ref", 0)
        return {"peers": len(self.net.host.get_connected_peers()), "stored": self.store.count(),
                "accepted": sum(n for src, n in self.ingest.accepted.items() if src not in ("local", "import")),
                "rejected": sum(by_reason.values()), "missing_ref": missing, "rejected_by_reason": dict(by_reason),
                "outbox": len(self.store.outbox()), "parked": sum(self.guard.parked_by_peer.values()),
                "graylisted": len(self.guard.graylist)}

    # -- running ------------------------------------------------------------------------------------------

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        async with p2p.running(self.net, self.listen), trio.open_nursery() as nursery:
            self.gossip.nursery = nursery
            self.ingest.group_commit(nursery)
            self._running = True
            try:
                for slug in ["", *self.store.followed()]:
                    await self.gossip.join(slug)
                for addr in self.bootstrap:
                    nursery.start_soon(self._keep_dialled, addr)
                nursery.start_soon(self._outbox_loop)
                nursery.start_soon(self._guard_loop)
                nursery.start_soon(discovery.remember_peers, self)
                nursery.start_soon(discovery.redial_known, self)
                if self.dht:
                    nursery.start_soon(discovery.topic_providers, self)
                for service in self.services:
                    await nursery.start(service, self)
                task_status.started()
                await trio.sleep_forever()
            finally:
                self._running = False
                self.ingest.group_commit(None)
                nursery.cancel_scope.cancel()

    def _stored(self, event: Stored) -> None:
        """Every newly stored message goes to the live feeds; one created here wakes the publisher."""
        if event.queued:
            self._wake.set()
        for feed in list(self._feeds):
            try:
                feed.send_nowait(event.message)
            except trio.WouldBlock:
                pass
            except trio.ClosedResourceError:
                self._feeds.discard(feed)

    async def _outbox_loop(self) -> None:
        while True:
            self._wake = trio.Event()
            await self._sync_topics()
            published = []
            for msg in self.store.outbox():
                if self.gossip.ready(msg.topic):
                    await self.gossip.publish(msg.topic, msg.raw)
                    published.append(msg.id)
            try:  # in one transaction: a crash before it publishes them again, and peers drop twins
                self.store.outbox_done(published)
            except StoreError:  # a full disk: they stay queued and are published again
                pass
            with trio.move_on_after(OUTBOX_RETRY):
                await self._wake.wait()

    async def _guard_loop(self) -> None:
        """Drop parked messages past their time; keep graylisted peers disconnected and ignored by pubsub (a
        blacklisted peer's messages and streams are refused before any validation), until their time is up."""
        pubsub, host = self.net.pubsub, self.net.host
        while True:
            graylisted = {ID.from_base58(p) for p in self.guard.tick(time.monotonic())}
            for pid in pubsub.get_blacklisted_peers() - graylisted:
                pubsub.remove_from_blacklist(pid)
            for pid in graylisted:
                pubsub.add_to_blacklist(pid)
                if pid in host.get_connected_peers():
                    await disconnect(host, pid)
            await trio.sleep(GUARD_EVERY)

    async def _sync_topics(self) -> None:
        """Be in the meta topic, the followed topics (the store may change under us: API, CLI, bridge) and,
        relaying, the product topics peers are in."""
        followed = {"", *self.store.followed()}
        relayed = set()
        if self.relay:
            for topic, members in list(self.net.pubsub.peer_topics.items()):
                slug = topic[len(PREFIX):]
                if members and topic.startswith(PREFIX) and is_slug(slug) and slug not in followed:
                    relayed.add(slug)
            relayed = set(sorted(relayed)[:MAX_RELAYED])
        wanted = followed | relayed
        for slug in sorted(wanted - self.gossip.joined):
            await self.gossip.join(slug)
        for slug in sorted(self.gossip.joined - wanted):
            await self.gossip.leave(slug)

    async def _keep_dialled(self, addr: str) -> None:
        """Dial a bootstrap peer, and again whenever it is not connected; failures are never fatal."""
        try:
            info = info_from_p2p_addr(multiaddr.Multiaddr(addr))
        except Exception:  # noqa: BLE001 -- any parse error means the same to the user
            print(f"antiport: bootstrap address {addr!r} is not a multiaddr with /p2p/<peer id>; ignored")
            return
        failures = 0
        while True:
            if info.peer_id not in self.net.host.get_connected_peers() and \
                    not self.guard.graylisted(info.peer_id.to_base58(), time.monotonic()):
                try:
                    await libp2p_fixes.redial(self.net.host, info)
                    failures = 0
                except Exception:  # noqa: BLE001 -- a failed dial is never fatal; retried
                    await trio.sleep(DIAL_BACKOFF[min(failures, len(DIAL_BACKOFF) - 1)])
                    failures += 1
                    continue
            await trio.sleep(DIAL_CHECK)


def api_service(home: Home, port: int = 0, web: str | None = None) -> Service:
    """The local HTTP API as a node service, with the web view on `web` (HOST:PORT) when given."""

    async def serve_api(node: Node, task_status=trio.TASK_STATUS_IGNORED) -> None:
        from . import api
        from .service import Ctx
        ctx = Ctx(node.store, node.ingest, node.identity, home.config().get("name", ""), node, home)
        await api.serve(ctx, home, port, web, task_status=task_status)
    return serve_api


def run_forever(home: Home, listen: list[str] | None = None, bootstrap: list[str] | None = None,
                api_port: int | None = 0, services: Iterable[Service] = (), discovery: bool = True,
                web: str | None = None) -> None:
    """`antiport run`: the node with its API until SIGINT or SIGTERM. mDNS and the DHT run as the
    config says unless `discovery` is off (tests and the demo fix their own topology). The web view is
    served on `web` (HOST:PORT or PORT), else where the config's `web.listen` says, else not at all."""
    config = home.config()
    try:
        web = web_view.address(web) if web else None
    except ValueError as e:
        raise HomeError(f"--web: {e}") from None
    identity = home.identity()
    libp2p_fixes.quiet_loggers()
    log_to_stderr()
    try:
        settings = flood.Settings.from_config(config.get("flood", {}))
        checker = domains.service(domains.Settings.from_config(config.get("domains", {})))
        hooks = alerts.service(alerts.Settings.from_config(config.get("alerts", {})))
        web = web or web_view.from_config(config.get("web", {}))
    except ValueError as e:
        raise HomeError(f"{home.config_file}: {e}: fix it, or remove the key for its default") from None
    store = Store(home.db_file)
    if not config.get("restored"):  # a restored identity's log comes back by sync (specs/10 section 6)
        keyring.incept(home, Ingest(store), identity)
    node = Node(store, home.host_key_file, identity=identity, listen=listen or config.get("listen"),
                bootstrap=[*(bootstrap or []), *config.get("bootstrap", [])],
                mdns=discovery and config["mdns"], dht=discovery and config["dht"],
                services=[api_service(home, api_port or 0, web), sync.service, blobs.service, share.service, checker,
                          hooks, intents.service(home), *services],
                flood_settings=settings)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(node.run)
            print(f"antiport: peer id {node.peer_id}", flush=True)
            for addr in node.listen_addrs():
                print(f"antiport: listening on {addr}", flush=True)
            if view := (home.read_api() or {}).get("web"):
                print(f"antiport: web view on {view}", flush=True)
            with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    nursery.cancel_scope.cancel()
                    break

    try:
        trio.run(main)
    except BaseExceptionGroup as group:  # trio wraps what the node's tasks raise
        cannot = first_in(group, CannotListen)
        if cannot is None:
            raise
        raise cannot from None
    finally:
        store.close()


def log_to_stderr() -> None:
    """Our loggers (the API's 5xx with their tracebacks, Hypercorn's own failures) to stderr: the node's log."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    logger = logging.getLogger("antiport")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("antiport.http").setLevel(logging.WARNING)  # not Hypercorn's "Running on ..."
