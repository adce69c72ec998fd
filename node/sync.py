"""Sync over libp2p streams (/antiport/sync/1, specs/05-sync.md): reconcile every topic both peers follow
with protocol.sync, push each side the envelopes it lacks, and ingest what arrives exactly like gossip.

A session is one stream. The initiator says which topics it follows, the responder answers with the ones
both follow; then the two sides take turns, each turn one message carrying at most one reconciliation
frame and a batch of envelopes. The session ends when a side receives an idle turn and has nothing to say.
Sync runs when a peer connects, when the node follows a topic (seen in the store within FOLLOW_CHECK, or
at once with `Syncer.trigger()`), and every `interval`.
"""
from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import asdict, dataclass

import trio
import trio.lowlevel
from antiport.protocol import Rejected, codec, load, message_id, topics
from antiport.protocol.sync import (
    Have,
    Need,
    Reconciler,
    RemoteProtocolError,
    SyncError,
)
from libp2p.abc import INotifee
from libp2p.custom_types import TProtocol
from libp2p.network.stream.exceptions import StreamError
from libp2p.peer.id import ID
from libp2p.utils.varint import encode_varint_prefixed

from .home import now_ms
from .ingest import Ingest
from .store import Store

PROTOCOL_ID = TProtocol("/antiport/sync/1")
MAX_MESSAGE = 1 << 20        # bytes per stream message
BATCH_BYTES = 512 * 1024     # envelope bytes per turn
MAX_TOPICS = 256
MAX_TURNS = 5_000            # per session; the reconcilers' round limits bound frames, this bounds idling
READ_TIMEOUT = 30.0          # seconds for one whole message to arrive (or be written)
MAX_INBOUND = 8              # concurrent sessions a node serves
MAX_OUTBOUND = 4             # concurrent sessions a node starts
INTERVAL = 60.0              # seconds between periodic syncs
FOLLOW_CHECK = 2.0           # seconds between looks at the followed topics
YIELD_EVERY = 50             # ingests between checkpoints, so gossip and the API keep running


@dataclass
class Progress:
    """One (topic, peer) in the latest session: ids known to be missing here, fetched, rejected, sent."""
    state: str = "reconciling"
    known: int = 0
    fetched: int = 0
    rejected: int = 0
    sent: int = 0
    rounds: int = 0
    started: int = 0
    finished: int | None = None
    sessions: int = 0           # with this peer on this topic, since the node started
    fetched_total: int = 0
    sent_total: int = 0

    @property
    def pending(self) -> int:
        return self.known - self.fetched - self.rejected


class Syncer:
    """The sync service of one node. `run()` serves the protocol and syncs on connect, on `trigger()` and
    periodically; `sync_with(peer)` runs one session as initiator; `status()` is for `antiport sync status`."""

    def __init__(self, store: Store, ingest: Ingest, host, *, interval: float = INTERVAL,
                 read_timeout: float = READ_TIMEOUT, clock=now_ms):
        self.store, self.ingest, self.host = store, ingest, host
        self.interval, self.read_timeout, self.clock = interval, read_timeout, clock
        self.progress: dict[tuple[str, str], Progress] = {}
        self.misbehaved: Counter[str] = Counter()   # sessions cut for protocol violations, per peer
        self.failed: Counter[str] = Counter()       # sessions lost to resets, timeouts, closed connections
        self.sessions = 0
        self._active: set[tuple[str, bool]] = set()  # (peer, initiator)
        self._wake_send, self._wake_recv = trio.open_memory_channel[str | None](64)
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
                async for peer in self._wake_recv:
                    peers = [peer] if peer else [p.to_base58() for p in self.host.get_connected_peers()]
                    for p in peers:
                        nursery.start_soon(self.sync_with, p)
        finally:
            self.host.get_network().remove_notifee(notifee)

    def trigger(self) -> None:
        """Sync with every connected peer soon (after following a topic)."""
        self._wake(None)

    def _wake(self, peer: str | None) -> None:
        try:
            self._wake_send.send_nowait(peer)
        except trio.WouldBlock:
            pass  # a sync is already queued; it will cover this

    async def _periodic(self) -> None:
        """Every `interval`, and soon after a topic is followed (by any path that writes the store)."""
        followed, last = set(self.store.followed()), trio.current_time()
        while True:
            await trio.sleep(min(FOLLOW_CHECK, self.interval))
            now_followed = set(self.store.followed())
            if now_followed - followed or trio.current_time() - last >= self.interval:
                last = trio.current_time()
                self._wake(None)
            followed = now_followed

    async def sync_with(self, peer: str) -> bool:
        """One session as initiator; True when it completed (False at once if one is running with `peer`)."""
        if (peer, True) in self._active:
            return False
        self._active.add((peer, True))
        async with self._outbound:
            try:
                stream = await self.host.new_stream(ID.from_base58(peer), [PROTOCOL_ID])
            except Exception:  # noqa: BLE001 -- not connected, protocol unsupported: not the peer's fault
                self.failed[peer] += 1
                self._active.discard((peer, True))
                return False
            return await self._session(stream, peer, initiator=True)

    async def _serve(self, stream) -> None:
        peer = stream.muxed_conn.peer_id.to_base58()
        if (peer, False) in self._active or sum(not init for _, init in self._active) >= MAX_INBOUND:
            await _reset(stream)
            return
        await self._session(stream, peer, initiator=False)

    async def _session(self, stream, peer: str, initiator: bool) -> bool:
        self._active.add((peer, initiator))
        self.sessions += 1
        session = _Session(self, _Wire(stream, self.read_timeout), peer)
        try:
            await session.run(initiator)
            return True
        except (RemoteProtocolError, Rejected) as e:
            self.misbehaved[peer] += 1
            session.finish(f"peer misbehaved: {e}")
            await _reset(stream)
        except (SyncError, StreamError, trio.TooSlowError, EOFError) as e:
            self.failed[peer] += 1
            session.finish(f"failed: {type(e).__name__}")
            await _reset(stream)
        except Exception as e:  # noqa: BLE001 -- a bug here must not take the node down; it shows in status
            self.failed[peer] += 1
            session.finish(f"error: {type(e).__name__}: {e}")
            await _reset(stream)
        finally:
            self._active.discard((peer, initiator))
        return False

    def followed(self) -> list[str]:
        """The topics offered in a session: the meta topic (followed by every node; it sorts first) and the
        followed ones, at most MAX_TOPICS (the rest wait for a later version that pages them)."""
        return sorted(set(self.store.followed()) | {""})[:MAX_TOPICS]

    def status(self) -> dict:
        """Per topic and peer: what the latest session learnt is missing here, fetched, pending, sent."""
        rows = [{"topic": t, "peer": p, **asdict(pr), "pending": pr.pending}
                for (t, p), pr in sorted(self.progress.items())]
        return {"running": True, "sessions": self.sessions, "active": len(self._active), "progress": rows,
                "misbehaved": dict(self.misbehaved), "failed": dict(self.failed)}


class _Session:
    """Both roles of one session over a _Wire; raises RemoteProtocolError when the peer breaks the protocol."""

    def __init__(self, syncer: Syncer, wire: _Wire, peer: str):
        self.syncer, self.wire, self.peer = syncer, wire, peer
        self.topics: list[str] = []
        self.index = -1                       # the topic being reconciled
        self.rec: Reconciler | None = None
        self.reply: bytes | None = None       # our next frame
        self.needed: dict[bytes, str] = {}    # id -> topic, ids the peer will send us
        self.to_send: deque[tuple[str, bytes]] = deque()
        self.parked: dict[str, list[tuple[bytes, str]]] = {}  # missing ref -> envelopes waiting for it
        self.ingested = 0

    async def run(self, initiator: bool) -> None:
        mine = self.syncer.followed()
        if initiator:
            await self.wire.write({"topics": mine})
            hello = await self.wire.read()
            theirs = _hello_topics(hello)
            if not set(theirs) <= set(mine):
                raise RemoteProtocolError("the answer names topics we did not offer")
            self.topics = theirs
        else:
            self.topics = sorted(set(_hello_topics(await self.wire.read())) & set(mine))
            await self.wire.write({"topics": self.topics})
        peer_idle, my_turn = True, initiator
        for _ in range(MAX_TURNS):
            if my_turn:
                turn = await self._next_turn()
                idle = turn["frame"] is None and not turn["msgs"]
                if idle and peer_idle:
                    break
                await self.wire.write(turn)
            else:
                turn = await self.wire.read()
                if turn is None:
                    break
                peer_idle = await self._take_turn(turn)
            my_turn = not my_turn
        else:
            raise RemoteProtocolError(f"more than {MAX_TURNS} turns")
        await self.wire.close()
        for raws in self.parked.values():
            self._progress(raws[0][1]).rejected += len(raws)
        self.finish("done")

    def finish(self, state: str) -> None:
        for t in self.topics[:self.index + 1]:
            pr = self._progress(t)
            pr.state = "incomplete" if state == "done" and pr.pending else state
            pr.finished = self.syncer.clock()

    def _progress(self, topic: str) -> Progress:
        return self.syncer.progress[(topic, self.peer)]

    def _start_topic(self) -> Reconciler:
        self.index += 1
        topic = self.topics[self.index]
        old = self.syncer.progress.get((topic, self.peer)) or Progress()
        self.syncer.progress[(topic, self.peer)] = Progress(
            started=self.syncer.clock(), sessions=old.sessions + 1, fetched_total=old.fetched_total,
            sent_total=old.sent_total)
        self.rec = Reconciler((c, bytes.fromhex(i)) for c, i in self.syncer.store.ids(topic))
        return self.rec

    async def _next_turn(self) -> dict:
        topic, frame = None, self.reply
        self.reply = None
        if frame is None and (self.rec is None or self.rec.done) and self.index + 1 < len(self.topics):
            frame = self._start_topic().initiate()
        if frame is not None:
            topic = self.topics[self.index]
            self._progress(topic).rounds = self.rec.rounds
        msgs, size = [], 0
        while self.to_send and size < BATCH_BYTES:
            t, mid = self.to_send.popleft()
            msg = self.syncer.store.get(mid.hex())
            if msg is not None:
                msgs.append(msg.raw)
                size += len(msg.raw)
                pr = self._progress(t)
                pr.sent, pr.sent_total = pr.sent + 1, pr.sent_total + 1
        return {"topic": topic, "frame": frame, "msgs": msgs}

    async def _take_turn(self, turn: dict) -> bool:
        """Handle the peer's turn; True when it was idle."""
        if set(turn) != {"topic", "frame", "msgs"} or not isinstance(turn["msgs"], list):
            raise RemoteProtocolError('a turn is {"topic", "frame", "msgs"}')
        if turn["frame"] is not None:
            self._take_frame(turn["topic"], turn["frame"])
        for raw in turn["msgs"]:
            await self._take_envelope(raw)
        return turn["frame"] is None and not turn["msgs"]

    def _take_frame(self, topic, frame) -> None:
        if not isinstance(frame, bytes):
            raise RemoteProtocolError("a frame is a byte string")
        current = self.topics[self.index] if self.rec is not None else None
        if self.rec is not None and not self.rec.done and topic == current:
            rec = self.rec
        elif ((self.rec is None or self.rec.done) and self.index + 1 < len(self.topics)
              and topic == self.topics[self.index + 1]):
            rec = self._start_topic()
        else:
            raise RemoteProtocolError(f"unexpected frame for topic {topic!r}")
        events, self.reply = rec.receive(frame)
        progress = self._progress(topic)
        progress.rounds = rec.rounds
        for event in events:
            if isinstance(event, Need):
                self.needed.update((i, topic) for i in event.ids)
                progress.known += len(event.ids)
            elif isinstance(event, Have):
                self.to_send.extend((topic, i) for _, i in event.items)
        if rec.done:
            progress.state = "fetching" if progress.pending else "done"

    async def _take_envelope(self, raw) -> None:
        if not isinstance(raw, bytes):
            raise RemoteProtocolError("envelopes are byte strings")
        topic = self.needed.pop(bytes.fromhex(message_id(raw)), None)
        if topic is None:
            raise RemoteProtocolError("sent a message we did not ask for")
        if _topic_of(raw) not in (topic, None):
            raise RemoteProtocolError("sent a message from another topic")
        waiting = [(raw, topic)]
        while waiting:
            raw, topic = waiting.pop()
            self.ingested += 1
            if self.ingested % YIELD_EVERY == 0:
                await trio.lowlevel.checkpoint()
            try:
                msg, _ = self.syncer.ingest(raw, self.syncer.clock(), self.peer)
            except Rejected as e:
                if e.reason == "missing-ref":  # its ref may still come later in this session
                    self.parked.setdefault(load(raw).refs[0], []).append((raw, topic))
                else:
                    self._progress(topic).rejected += 1
                continue
            pr = self._progress(topic)
            pr.fetched, pr.fetched_total = pr.fetched + 1, pr.fetched_total + 1
            waiting.extend(self.parked.pop(msg.id, []))
        if self.rec is not None and self.rec.done:
            pr = self._progress(self.topics[self.index])
            if pr.state == "fetching" and not pr.pending:
                pr.state = "done"


class _Wire:
    """Varint-length-prefixed deterministic CBOR maps over a stream, read in large chunks."""

    def __init__(self, stream, timeout: float):
        self.stream, self.timeout = stream, timeout
        self.buf = bytearray()

    async def write(self, value: dict) -> None:
        data = codec.encode(value)
        with trio.fail_after(self.timeout):
            await self.stream.write(encode_varint_prefixed(data))

    async def close(self) -> None:
        with trio.move_on_after(self.timeout):
            await self.stream.close()

    async def read(self) -> dict | None:
        """The next message, or None when the peer closed cleanly between messages."""
        with trio.fail_after(self.timeout):
            while True:
                length, head = _varint(self.buf)
                if length is not None and len(self.buf) >= head + length:
                    data = bytes(self.buf[head:head + length])
                    del self.buf[:head + length]
                    value = codec.decode(data, max_depth=8)
                    if not isinstance(value, dict):
                        raise RemoteProtocolError("a message is a CBOR map")
                    return value
                try:
                    chunk = await self.stream.read(65_536)
                except EOFError:
                    chunk = b""
                if not chunk:
                    if self.buf:
                        raise RemoteProtocolError("stream ended inside a message")
                    return None
                self.buf += chunk


def _varint(buf: bytearray) -> tuple[int | None, int]:
    """(length, header size) of the message at the start of buf; length None while incomplete."""
    limit = math.ceil(MAX_MESSAGE.bit_length() / 7)
    value = 0
    for k, byte in enumerate(buf[:limit]):
        value |= (byte & 0x7F) << (7 * k)
        if not byte & 0x80:
            if (byte == 0 and k) or value > MAX_MESSAGE:
                raise RemoteProtocolError(f"message length {value} over {MAX_MESSAGE} or not minimal")
            return value, k + 1
    if len(buf) >= limit:
        raise RemoteProtocolError(f"message length over {MAX_MESSAGE}")
    return None, 0


def _hello_topics(hello) -> list[str]:
    if not (isinstance(hello, dict) and set(hello) == {"topics"} and isinstance(hello["topics"], list)
            and len(hello["topics"]) <= MAX_TOPICS
            and all(isinstance(t, str) and (t == "" or topics.is_slug(t)) for t in hello["topics"])
            and hello["topics"] == sorted(set(hello["topics"]))):
        raise RemoteProtocolError(f'hello is {{"topics": [at most {MAX_TOPICS} sorted unique slugs]}}')
    return hello["topics"]


def _topic_of(raw: bytes) -> str | None:
    """The topic an envelope claims, or None when it cannot be read (Ingest will then reject it)."""
    try:
        return load(raw).topic
    except Exception:  # noqa: BLE001 -- any decoding error means the same here
        return None


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
    node.sync = Syncer(node.store, node.ingest, node.net.host)
    await node.sync.run(task_status=task_status)
