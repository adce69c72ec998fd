"""Sync over libp2p streams (/antiport/sync/1, specs/05-sync.md): the trio driver of protocol.sync_session.

A session is one stream; `Session` decides every message and what to accept, this module reads and writes
the stream with timeouts, ingests what arrives exactly like gossip, limits concurrent sessions and keeps
the progress that `antiport sync status` shows. A node offers every topic it carries: the ones it follows
and the ones it relays (joined in gossip for its peers), the latter while they hold at most RELAYED_MAX
messages. Sync runs when a peer connects, when the node starts carrying a topic (seen within TOPIC_CHECK,
or at once with `Syncer.trigger()`), every `interval`, and with every other connected peer when a session
stored a message that gossip is not carrying (protocol/pass_on.py): what one neighbour brought is passed on
hop by hop, instead of waiting for each hop's periodic sync, while what gossip is still spreading is not.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import trio
import trio.lowlevel
from antiport.protocol.envelope import load
from antiport.protocol.pass_on import PassOn
from antiport.protocol.sync import RemoteProtocolError, SyncError
from antiport.protocol.sync_session import (
    MAX_TOPICS,
    Done,
    Received,
    Send,
    Session,
    TopicProgress,
    TopicStarted,
)
from antiport.protocol.sync_wire import NEED_DATA
from libp2p.abc import INotifee
from libp2p.custom_types import TProtocol
from libp2p.network.stream.exceptions import StreamError
from libp2p.peer.id import ID

from .home import now_ms
from .ingest import Ingest
from .store import Store

PROTOCOL_ID = TProtocol("/antiport/sync/1")
READ_TIMEOUT = 30.0          # seconds for one whole message to arrive (or be written)
MAX_INBOUND = 8              # concurrent sessions a node serves
MAX_OUTBOUND = 4             # concurrent sessions a node starts
INTERVAL = 60.0              # seconds between periodic syncs
TOPIC_CHECK = 0.5            # seconds between looks at the carried topics
RELAYED_MAX = 10_000         # a relayed topic holding more messages is carried live only, no longer synced
BATCH = 100                  # envelopes stored in one go between checkpoints, so gossip and the API keep running


@dataclass
class Progress:
    """One (topic, peer): the latest session's counters, when it started and ended, and the totals."""
    latest: TopicProgress
    started: int
    finished: int | None = None
    sessions: int = 1            # with this peer on this topic, since the node started
    fetched_before: int = 0      # in the sessions before the latest
    sent_before: int = 0

    @classmethod
    def after(cls, old: Progress | None, latest: TopicProgress, now: int) -> Progress:
        """The row of a new session, carrying the totals of the earlier ones."""
        if old is None:
            return cls(latest, now)
        return cls(latest, now, sessions=old.sessions + 1, fetched_before=old.fetched_before + old.latest.fetched,
                   sent_before=old.sent_before + old.latest.sent)

    def row(self) -> dict:
        return {**asdict(self.latest), "pending": self.latest.pending, "started": self.started,
                "finished": self.finished, "sessions": self.sessions,
                "fetched_total": self.fetched_before + self.latest.fetched,
                "sent_total": self.sent_before + self.latest.sent}


class Syncer:
    """The sync service of one node. `run()` serves the protocol and syncs on connect, on `trigger()`, when
    the carried topics grow, when a session stored what gossip is not carrying, and periodically;
    `sync_with(peer)` runs one session as initiator; `status()` is for `antiport sync status`. `carried()` gives
    the topics the node is in (the gossip topics it joined); without it, the followed ones. `gossiped(id)` is
    told of every message gossip brings (protocol/pass_on.py)."""

    def __init__(self, store: Store, ingest: Ingest, host, *, carried=None, relayed_max: int = RELAYED_MAX,
                 interval: float = INTERVAL, read_timeout: float = READ_TIMEOUT, clock=now_ms):
        self.store, self.ingest, self.host = store, ingest, host
        self.carried, self.relayed_max = carried or store.followed, relayed_max
        self.interval, self.read_timeout, self.clock = interval, read_timeout, clock
        self.progress: dict[tuple[str, str], Progress] = {}
        self.misbehaved: Counter[str] = Counter()   # sessions cut for protocol violations, per peer
        self.failed: Counter[str] = Counter()       # sessions lost to resets, timeouts, closed connections
        self.sessions = 0
        self.bytes_received = self.bytes_sent = 0  # of sync streams, both roles (for /metrics)
        self._active: set[tuple[str, bool]] = set()  # (peer, initiator)
        self._again: set[str] = set()                # peers to sync with again when their session ends
        self.pass_on = PassOn()                      # what sessions stored, until gossip brings it or it is due
        self._brought_old: set[str] = set()          # peers whose running session stored an old message
        self._wake_send, self._wake_recv = trio.open_memory_channel[tuple[str | None, frozenset[str]]](64)
        self._outbound = trio.CapacityLimiter(MAX_OUTBOUND)

    # -- service ---------------------------------------------------------------------------------------

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        self.host.set_stream_handler(PROTOCOL_ID, self._serve)
        notifee = _Connected(self)
        self.host.get_network().register_notifee(notifee)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._periodic)
                task_status.started(self)
                async for peer, skip in self._wake_recv:
                    peers = [peer] if peer else [p.to_base58() for p in self.host.get_connected_peers()]
                    for p in peers:
                        if p not in skip:
                            nursery.start_soon(self.sync_with, p)
        finally:
            self.host.get_network().remove_notifee(notifee)

    def trigger(self) -> None:
        """Sync with every connected peer soon (after following a topic)."""
        self._wake(None)

    def gossiped(self, message_id: str) -> None:
        """Gossip brought this message (new here or not): no session needs to pass it on."""
        self.pass_on.gossiped(bytes.fromhex(message_id), self.clock())

    def _wake(self, peer: str | None, skip: frozenset[str] = frozenset()) -> None:
        """Sync with `peer`, or with every connected peer but those in `skip`."""
        try:
            self._wake_send.send_nowait((peer, skip))
        except trio.WouldBlock:
            pass  # syncs are already queued; they will cover this

    def offered(self) -> list[str]:
        """The topics this node offers in a session: the meta topic and the followed ones, then the relayed
        ones (carried, not followed) that hold at most `relayed_max` messages, at most MAX_TOPICS in all."""
        followed = sorted({"", *self.store.followed()})
        relayed = sorted(set(self.carried()) - set(followed))
        return [*followed, *(t for t in relayed if self.store.count(t) <= self.relayed_max)][:MAX_TOPICS]

    async def _periodic(self) -> None:
        """Every `interval`, soon after the node starts carrying a topic (followed by any path that writes the
        store, or joined in gossip to relay it), and when messages sessions stored are due to be passed on."""
        carried, last = self._carried(), trio.current_time()
        while True:
            await trio.sleep(min(TOPIC_CHECK, self.interval))
            now_carried, brought = self._carried(), self.pass_on.due(self.clock())
            if now_carried - carried or trio.current_time() - last >= self.interval:
                last = trio.current_time()
                self._wake(None)
            elif brought:
                self._wake(None, skip=frozenset(brought))  # no gossip brought them: pass them on
            carried = now_carried

    def _carried(self) -> set[str]:
        return set(self.carried()) | set(self.store.followed())

    async def sync_with(self, peer: str) -> bool:
        """Sessions as initiator until none was asked for while one ran; True when the last one completed.
        With one already running with `peer`, False at once: that one runs again when it ends."""
        if (peer, True) in self._active:
            self._again.add(peer)
            return False
        self._active.add((peer, True))
        try:
            async with self._outbound:
                while True:
                    self._again.discard(peer)
                    try:
                        stream = await self.host.new_stream(ID.from_base58(peer), [PROTOCOL_ID])
                    except Exception:  # noqa: BLE001 -- not connected, protocol unsupported: not the peer's fault
                        self.failed[peer] += 1
                        return False
                    completed = await self._session(stream, peer, initiator=True)
                    if peer not in self._again:
                        return completed
        finally:
            self._active.discard((peer, True))
            self._again.discard(peer)

    async def _serve(self, stream) -> None:
        peer = stream.muxed_conn.peer_id.to_base58()
        if (peer, False) in self._active or sum(not init for _, init in self._active) >= MAX_INBOUND:
            await _reset(stream)
            return
        self._active.add((peer, False))
        try:
            await self._session(stream, peer, initiator=False)
        finally:
            self._active.discard((peer, False))

    async def _session(self, stream, peer: str, initiator: bool) -> bool:
        self.sessions += 1
        session = Session(initiator, self.offered(), self._items, self._envelope)
        try:
            await self._drive(session, stream, peer)
            return True
        except RemoteProtocolError as e:
            self.misbehaved[peer] += 1
            self._finish(session, peer, f"peer misbehaved: {e}")
            await _reset(stream)
        except (SyncError, StreamError, trio.TooSlowError, EOFError) as e:
            self.failed[peer] += 1
            self._finish(session, peer, f"failed: {type(e).__name__}")
            await _reset(stream)
        except Exception as e:  # noqa: BLE001 -- a bug here must not take the node down; it shows in status
            self.failed[peer] += 1
            self._finish(session, peer, f"error: {type(e).__name__}: {e}")
            await _reset(stream)
        finally:
            if peer in self._brought_old:
                self._brought_old.discard(peer)
                self._wake(None, skip=frozenset({peer}))  # pass on what this peer brought
        return False

    async def _drive(self, session: Session, stream, peer: str) -> None:
        """Run the session's events: read and write the stream (each whole message within read_timeout),
        ingest what arrives, keep the progress rows."""
        while True:
            event = session.next_event()
            if event is NEED_DATA:
                with trio.fail_after(self.read_timeout):
                    while event is NEED_DATA:
                        data = await _read(stream)
                        self.bytes_received += len(data)
                        session.receive_data(data)
                        event = session.next_event()
            if isinstance(event, Send):
                with trio.fail_after(self.read_timeout):
                    await stream.write(event.data)
                self.bytes_sent += len(event.data)
            elif isinstance(event, Received):
                batch = [event, *session.received(BATCH - 1)]
                for received, refused in zip(batch, self.ingest.many([e.raw for e in batch], self.clock(), peer),
                                             strict=True):
                    if refused is None:
                        session.stored(received)
                        if self.pass_on.stored(received.id, load(received.raw).created, peer, self.clock()):
                            self._brought_old.add(peer)
                    else:
                        session.refused(received, refused.reason)
                await trio.lowlevel.checkpoint()
            elif isinstance(event, TopicStarted):
                self._row(session, event.topic, peer)
            elif isinstance(event, Done):
                with trio.move_on_after(self.read_timeout):
                    await stream.close()
                self._finish(session, peer, None)
                return

    def _finish(self, session: Session, peer: str, failure: str | None) -> None:
        """Stamp the end of the session on its topics' rows; on failure their state says why."""
        for topic, progress in session.progress.items():
            if failure:
                progress.state = failure
            self._row(session, topic, peer).finished = self.clock()

    def _row(self, session: Session, topic: str, peer: str) -> Progress:
        """The progress row of this session on `topic`, made when the topic starts (or when the session
        failed in the step that started it)."""
        row = self.progress.get((topic, peer))
        if row is None or row.latest is not session.progress[topic]:
            row = self.progress[(topic, peer)] = Progress.after(row, session.progress[topic], self.clock())
        return row

    def _items(self, topic: str) -> list[tuple[int, bytes]]:
        return [(c, bytes.fromhex(i)) for c, i in self.store.ids(topic)]

    def _envelope(self, message_id: bytes) -> bytes | None:
        return self.store.raw(message_id.hex())

    @property
    def active(self) -> int:
        """Sessions running now."""
        return len(self._active)

    def status(self) -> dict:
        """The topics offered now (relayed ones marked) and, per topic and peer, what the latest session learnt:
        the peer has `known` we lacked (fetched, rejected, pending), it lacked `lacking` we have (sent)."""
        followed = {"", *self.store.followed()}
        offered = [{"topic": t, "relayed": t not in followed} for t in self.offered()]
        rows = [{"topic": t, "peer": p, **pr.row()} for (t, p), pr in sorted(self.progress.items())]
        return {"running": True, "sessions": self.sessions, "active": self.active, "offered": offered,
                "progress": rows, "misbehaved": dict(self.misbehaved), "failed": dict(self.failed)}


async def _read(stream) -> bytes:
    """The next bytes of the stream; b"" at its end."""
    try:
        return await stream.read(65_536)
    except EOFError:
        return b""


async def _reset(stream) -> None:
    with trio.move_on_after(5):
        try:
            await stream.reset()
        except Exception:  # noqa: BLE001, S110 -- already gone
            pass


class _Connected(INotifee):
    """Starts a sync when a connection opens; the peer with the smaller id initiates, so one session runs."""

    def __init__(self, syncer: Syncer):
        self.syncer = syncer

    async def connected(self, network, conn) -> None:
        peer = conn.muxed_conn.peer_id.to_base58()
        if self.syncer.host.get_id().to_base58() < peer:
            self.syncer._wake(peer)

    async def disconnected(self, network, conn) -> None: ...
    async def opened_stream(self, network, stream) -> None: ...
    async def closed_stream(self, network, stream) -> None: ...
    async def listen(self, network, multiaddr) -> None: ...
    async def listen_close(self, network, multiaddr) -> None: ...


def status(node) -> dict:
    """`antiport sync status`: the node's sync progress, or a note when sync is not running."""
    syncer = getattr(node, "sync", None)
    return syncer.status() if syncer else {"running": False, "progress": []}


async def service(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
    """The runtime's service hook: runs a Syncer for the node and exposes it as `node.sync`."""
    node.sync = Syncer(node.store, node.ingest, node.net.host, carried=lambda: node.gossip.joined)
    node.gossip.on_heard = node.sync.gossiped
    await node.sync.run(task_status=task_status)
