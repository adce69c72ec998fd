"""Every setting, subclass and patch that works around py-libp2p 0.8.1 behaviour, in one place.

Each item says in one line what py-libp2p does and what we do; tests/node/test_libp2p_fixes.py shows each.
"""
from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections import Counter, deque
from contextlib import asynccontextmanager
from weakref import WeakKeyDictionary

import libp2p.pubsub.gossipsub as gossipsub_module
import libp2p.pubsub.pubsub as pubsub_module
import multiaddr
import trio
from libp2p.network.config import ConnectionConfig
from libp2p.network.stream.exceptions import StreamReset
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from libp2p.peer.peerstore import env_to_send_in_RPC
from libp2p.pubsub.gossipsub import PROTOCOL_ID, PROTOCOL_ID_V11, GossipSub
from libp2p.pubsub.pubsub import Pubsub
from libp2p.pubsub.rpc_queue import RpcQueue
from libp2p.pubsub.score import ScoreParams, TopicScoreParams
from libp2p.pubsub.utils import maybe_consume_signed_record
from libp2p.pubsub.validators import signature_validator

from .home import CannotListen

# /meshsub/1.2.0 sends an IDONTWANT per message to every mesh peer, doubling RPCs; we offer 1.1 and 1.0 only.
PROTOCOLS = [PROTOCOL_ID_V11, PROTOCOL_ID]

# Outbound RPC queue per peer: py-libp2p holds 32 and silently drops the rest; ours holds this many.
RPC_QUEUE_SIZE = 1024

# Subscription channel: py-libp2p holds 32 and drops for good when full; ours is larger (and always drained).
SUBSCRIPTION_CHANNEL_SIZE = 10_000

# Keep this many delivery timestamps per topic (py-libp2p appends one per message forever).
DELIVERY_HISTORY = 64

# Publishers wait while any peer's outbound queue holds this many RPCs (pacing instead of silent drops).
PACE_QUEUE_DEPTH = 8

# Our signed peer record is looked up again at most this often (seconds); a peer's identical record is verified again
# at most this often.
RECORD_REFRESH = 1.0
RECORD_RECHECK = 60.0

STOP_LIMIT = 10.0  # seconds libp2p gets to close its connections once the node is cancelled

NOISY_LOGGERS = ("libp2p", "multiaddr", "libp2p.pubsub.gossipsub", "libp2p.pubsub.pubsub",
                 "libp2p.host.basic_host", "libp2p.network.swarm", "libp2p.identity", "async_service")


def gossipsub_settings(loopback: bool) -> dict:
    """GossipSub keyword arguments; `loopback` for tests and single-machine networks (every peer is 127.0.0.1)."""
    return {
        "protocols": PROTOCOLS,
        "degree": 6, "degree_low": 4, "degree_high": 12,
        "heartbeat_interval": 1,             # default 120 s: meshes repair and gossip far too slowly
        "heartbeat_initial_delay": 0.1,
        "adaptive_gossip_enabled": False,    # on by default it stretched a 1 s heartbeat to 60 s
        "eclipse_protection_enabled": False,  # wants mesh peers from 3 distinct IPs: never true on loopback
        "spam_protection_enabled": not loopback,  # 10 msg/s per topic per peer by default; raised below
        "max_messages_per_topic_per_second": 50.0,
        "prune_back_off": 10 if loopback else 60,
        "unsubscribe_back_off": 5 if loopback else 10,
        "gossip_window": 3, "gossip_history": 5,
        "do_px": True,
        "max_pending_messages_per_peer": 10,  # default 100 RPCs held per unidentified peer
        "pending_messages_ttl": 5,
        "score_params": score_params(),
    }


def score_params() -> ScoreParams:
    """Peer scoring is inert by default (weights 0, thresholds -inf). Our validator counts every message it
    refuses as invalid (P4: py-libp2p has no IGNORE) and adds a behaviour penalty for budget drops (P5 in
    py-libp2p's names, P7 in the gossipsub v1.1 spec); both decay by 1 % a heartbeat. The thresholds sit below
    what the flood guard's strike budget allows, so the guard graylists and disconnects a flooder first and
    these only stop one that reconnects under a fresh guard (py-libp2p forgets a peer's score on disconnect)."""
    return ScoreParams(p4_invalid_messages=TopicScoreParams(weight=1.0, cap=10_000.0, decay=0.99),
                       p5_behavior_penalty_weight=1.0, p5_behavior_penalty_decay=0.99,
                       gossip_threshold=-250.0, publish_threshold=-500.0, graylist_threshold=-1000.0)


# Pubsub keyword arguments (besides host, router, signing and message ids, set in p2p.py).
PUBSUB_SETTINGS = {"seen_ttl": 600, "validation_timeout": 5.0}


class AntiportGossipSub(GossipSub):
    """GossipSub with two fixes:
    - the spam guard counts the local publisher like any peer (bursts of our own lose messages): own publishes pass;
    - `recent_message_deliveries` grows one entry per message forever: keep the last DELIVERY_HISTORY per topic.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recent_message_deliveries = _Bounded(DELIVERY_HISTORY)

    def _check_spam_protection(self, peer_id: ID, msg) -> bool:
        if self.pubsub is not None and peer_id == self.pubsub.my_id:
            return True
        return super()._check_spam_protection(peer_id, msg)


class _Bounded(dict):
    """A defaultdict of bounded deques."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __missing__(self, key):
        self[key] = value = deque(maxlen=self.size)
        return value


class LargeRpcQueue(RpcQueue):
    """RpcQueue's size is a default argument bound at import (changing the module constant does nothing)."""

    def __init__(self, max_size: int = RPC_QUEUE_SIZE, **kwargs):
        super().__init__(max_size=max_size, **kwargs)


class PeerRecords:
    """Every pubsub RPC carries the sender's signed peer record. To send one, py-libp2p lists and parses the host's
    addresses each time (env_to_send_in_RPC, ~0.8 ms: most of a small message's cost); on receipt it checks the
    record's Ed25519 signature each time (maybe_consume_signed_record). Here the record to send is kept for
    RECORD_REFRESH seconds per host, and a record byte-identical to the last one a peer sent and we accepted is not
    verified again for RECORD_RECHECK seconds (a new or changed record is checked as before)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.sent: WeakKeyDictionary = WeakKeyDictionary()  # host -> (when, what it sends)
        self.accepted: WeakKeyDictionary = WeakKeyDictionary()  # host -> {peer: (when, record)}

    def to_send(self, host) -> tuple[bytes, bool]:
        now = self.clock()
        held = self.sent.get(host)
        if held is None or now - held[0] >= RECORD_REFRESH:
            held = self.sent[host] = (now, env_to_send_in_RPC(host))
        return held[1]

    def consume(self, rpc, host, peer_id: ID) -> bool:
        if not rpc.HasField("senderRecord"):
            return True
        now, peers = self.clock(), self.accepted.setdefault(host, {})
        held = peers.get(peer_id)
        if held is not None and held[1] == rpc.senderRecord and now - held[0] < RECORD_RECHECK:
            return True
        ok = maybe_consume_signed_record(rpc, host, peer_id)
        if ok:
            if len(peers) >= 10_000:  # peers come and go: forget them all now and then
                peers.clear()
            peers[peer_id] = (now, rpc.senderRecord)
        return ok


PEER_RECORDS = PeerRecords()


class OwnPublishes:
    """py-libp2p checks the pubsub signature of every message it pushes, its own publishes too: an Ed25519
    verification of the signature it made a moment before, on every publish. `check` replaces the module's
    signature_validator: a message our AntiportPubsub is publishing (marked while its push_msg runs) passes,
    every other one is verified as before."""

    def __init__(self):
        self.publishing: set[int] = set()  # id() of the messages being published here (alive meanwhile)

    def check(self, msg) -> bool:
        return id(msg) in self.publishing or signature_validator(msg)


OWN_PUBLISHES = OwnPublishes()


def install() -> None:
    """Pubsub reads these module globals when a peer joins, a topic is subscribed, an RPC is sent or received:
    point them at ours."""
    pubsub_module.RpcQueue = LargeRpcQueue
    pubsub_module.SUBSCRIPTION_CHANNEL_SIZE = SUBSCRIPTION_CHANNEL_SIZE
    for module in (pubsub_module, gossipsub_module):
        module.env_to_send_in_RPC = PEER_RECORDS.to_send
        module.maybe_consume_signed_record = PEER_RECORDS.consume
    pubsub_module.signature_validator = OWN_PUBLISHES.check


# Bytes pubsub reads from a peer's stream at a time (BufferedStream).
READ_CHUNK = 65536

# Messages of one peer being handled (push_msg) at once; its stream is not read further meanwhile.
IN_FLIGHT = 16


class AntiportPubsub(Pubsub):
    """Pubsub with these fixes (the first two for a peer that floods us):
    - py-libp2p reads a peer's stream as fast as it arrives and starts a task per message: a flooder's thousands
      of tasks queue before an honest peer's message. Each peer's stream is read through a BufferedStream that
      waits while IN_FLIGHT of that peer's messages are being handled (the muxer's window then pushes back);
    - a blacklisted peer's stream is read on, each frame parsed and given a task before push_msg drops it, until
      the connection closes. Ours stops reading it and resets it;
    - blacklisting a peer that disconnects meanwhile raised KeyError (below);
    - its own publishes are not verified again (OwnPublishes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight: Counter[ID] = Counter()

    async def stream_handler(self, stream) -> None:
        peer = stream.muxed_conn.peer_id
        if not self.is_peer_blacklisted(peer):
            await super().stream_handler(BufferedStream(stream, self, peer))
        if self.is_peer_blacklisted(peer):  # its reader returns quietly on StreamReset: reset it here
            await stream.reset()

    async def _teardown_if_connected(self, peer_id: ID) -> None:
        """Blacklisting resets our stream to the peer, then deletes its entry: when the peer disconnected while
        the reset was awaited, the entry is gone and py-libp2p's KeyError stops pubsub, and the node with it."""
        stream = self.peers.pop(peer_id, None)
        if stream is not None:
            with contextlib.suppress(Exception):  # the stream may be gone with the connection
                await stream.reset()
        self._forget_all_subscriptions(peer_id)

    async def push_msg(self, msg_forwarder: ID, msg) -> None:
        own = msg_forwarder == self.my_id  # publish(): a peer's id is its connection's, authenticated by Noise
        if own:
            OWN_PUBLISHES.publishing.add(id(msg))
        self.in_flight[msg_forwarder] += 1
        try:
            await super().push_msg(msg_forwarder, msg)
        finally:
            if own:
                OWN_PUBLISHES.publishing.discard(id(msg))
            self.in_flight[msg_forwarder] -= 1
            if not self.in_flight[msg_forwarder]:
                del self.in_flight[msg_forwarder]


class BufferedStream:
    """A peer's pubsub stream as pubsub reads it. py-libp2p reads each RPC's length a byte at a time, and each
    read of a yamux stream takes three locks and sends a window update frame: ~3 muxer reads and 2 frames written
    per message. This reads up to READ_CHUNK bytes at once and serves the small reads from memory, one scheduler
    turn each (so the tasks pubsub started for earlier frames are counted before the next is read), and waits
    while the peer has IN_FLIGHT messages being handled. Once the peer is blacklisted it raises StreamReset
    instead (the pubsub reader then stops), so what is still buffered is never parsed."""

    def __init__(self, stream, pubsub: AntiportPubsub, peer: ID):
        self.stream = stream
        self.pubsub = pubsub
        self.peer = peer
        self.buffer = bytearray()

    def __getattr__(self, name):
        return getattr(self.stream, name)

    async def read(self, n: int | None = -1) -> bytes:
        await trio.lowlevel.checkpoint()
        while self.pubsub.in_flight[self.peer] >= IN_FLIGHT and not self.pubsub.is_peer_blacklisted(self.peer):
            await trio.sleep(0.001)
        if self.pubsub.is_peer_blacklisted(self.peer):
            raise StreamReset("the peer is blacklisted")
        if not self.buffer:
            self.buffer += await self.stream.read(READ_CHUNK)
        if n is None or n < 0:
            n = len(self.buffer)
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


class NoVerdicts:
    """Pubsub keeps each validator verdict by message id for 300 s and answers from it without asking again, on any
    topic and for our own publishes too. Our verdicts change: a message refused on the wrong gossip topic is valid
    on its own (specs/03 section 2), a parked one once its reference arrives. So pubsub keeps none: the flood guard
    remembers invalid ids itself, and pubsub's seen cache still stops repeats of what we accepted."""

    def get(self, msg_id: bytes) -> None:
        return None

    def put(self, msg_id: bytes, result) -> None:
        pass

    def clear_expired(self) -> None:
        pass


def connection_config() -> ConnectionConfig:
    """Default 3 connections per peer made every connect() wait 250 ms (happy eyeballs); 1 takes ~12 ms."""
    return ConnectionConfig(max_connections_per_peer=1)


async def redial(host, info: PeerInfo) -> None:
    """A failed dial blocks the peer for 60 s (negative cache); a deliberate redial unblocks it first."""
    host.get_network().unblock_peer(info.peer_id)
    await host.connect(info)


def check_listen(addrs: list[str]) -> None:
    """py-libp2p's listen reports a failed bind only in a debug log and host.run goes on listening nowhere; it binds
    with SO_REUSEPORT, so a port another node of ours holds is even shared with it (the kernel splits the
    connections between them). Before the host listens: bind each TCP address once without SO_REUSEPORT, and
    raise CannotListen with the reason."""
    for addr in addrs:
        try:
            ma = multiaddr.Multiaddr(addr)
            names = [p.name for p in ma.protocols()]
            ip = "ip6" if "ip6" in names else "ip4"
            host, port = ma.value_for_protocol(ip), int(ma.value_for_protocol("tcp"))
        except Exception:  # noqa: BLE001 -- multiaddr's parse errors have no common base
            raise CannotListen(addr, "antiport listens on /ip4/<address>/tcp/<port> (or /ip6/...)") from None
        with socket.socket(socket.AF_INET6 if ip == "ip6" else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as py-libp2p: a TIME_WAIT port is free
            try:
                probe.bind((host, port))
            except OSError as e:
                raise CannotListen(addr, e.strerror or str(e)) from None


def check_listening(host, addrs: list[str]) -> None:
    """After host.run: every address has a listener (py-libp2p's result is a bool that host.run drops)."""
    listeners = host.get_network().listeners
    for addr in addrs:
        if str(multiaddr.Multiaddr(addr)) not in listeners:
            raise CannotListen(addr, "py-libp2p did not listen there")


def quiet_loggers(level: int = logging.CRITICAL) -> None:
    """py-libp2p logs failed dials, unknown protocols and drops as multi-line WARNING/ERROR text."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)


@asynccontextmanager
async def stopping_in_order(limit: float = STOP_LIMIT):
    """Cancelled from outside, py-libp2p's own tasks die before host.close() shuts the sockets, and peers never
    notice we left; so libp2p runs shielded here, and an outer cancellation only cancels the yielded scope (wrap
    the application in it), leaving `limit` seconds to close the host in order."""
    app = trio.CancelScope()
    shielded = trio.CancelScope(shield=True)

    async def watch() -> None:
        try:
            await trio.sleep_forever()
        finally:
            app.cancel()
            shielded.deadline = trio.current_time() + limit

    async with trio.open_nursery() as guard:
        guard.start_soon(watch)
        with shielded:
            yield app
        guard.cancel_scope.cancel()
