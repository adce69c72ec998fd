"""Simulated nodes and the network that joins them.

A node keeps what it stored per topic, spends CPU on every message it receives (VALIDATE_S, the receive path
measured in docs/performance.md) before it stores and forwards it, parks a message whose reference it lacks
until the reference arrives (as node/flood.py does), and syncs with its peers when they connect, every
SYNC_INTERVAL, and with every other peer after a session that brought what gossip is not carrying (as node/sync.py
does, with the same rule: protocol/pass_on.py).
Peers are found as node/discovery.py finds them: a few at random (bootstrap) and, per followed topic, a few
that follow it too (the DHT's provider records)."""
from __future__ import annotations

from collections import Counter, defaultdict, deque

from antiport.protocol.pass_on import PassOn

from .gossip import HEARTBEAT, Msg, Router
from .world import World

VALIDATE_S = 0.0005      # CPU seconds per message received (decode, verify, rules, store)
SYNC_INTERVAL = 60.0
MAX_OUTBOUND, MAX_INBOUND = 4, 8   # concurrent sync sessions a node starts, serves (node/sync.py)
BOOTSTRAP_PEERS = 4
PROVIDERS_DIALLED = 5    # per followed topic


class Node:
    def __init__(self, net: Network, index: int, topics: set[str]):
        self.net, self.world, self.nodes, self.index = net, net.world, net.nodes, index
        self.topics = topics
        self.online = True
        self.peers: set[int] = set()
        self.dialled: set[int] = set()                # whom it connects to when online (it dials them)
        self.store: dict[str, dict[bytes, Msg]] = {t: {} for t in topics}
        self.digest: dict[str, tuple[int, int]] = {t: (0, 0) for t in topics}  # per topic: count, sum of ids
        self.parked: defaultdict[bytes, list[Msg]] = defaultdict(list)
        self.cpu_free = 0.0
        self.router = Router(self)
        for topic in sorted(topics):  # sorted: the run must not depend on Python's string hashing
            self.router.join(topic)
        self.sent: Counter[str] = Counter()          # bytes by purpose: gossip, sync
        self.outbound: set[int] = set()               # peers it runs a session with, as initiator
        self.inbound: set[int] = set()                # peers that run one with it
        self.waiting: deque[int] = deque()            # peers to sync with once an outbound slot is free
        self.again: set[int] = set()                  # peers asked for again while a session with them ran
        self.pass_on = PassOn()                        # what sessions stored, until gossip brings it or it is due
        self._look_at: float | None = None              # when the node looks next at what is due
        self._topic_peers: dict[str, list[int]] = {}

    def topic_peers(self, topic: str) -> list[int]:
        """The connected peers that follow `topic`, in order (kept until the peers change)."""
        found = self._topic_peers.get(topic)
        if found is None:
            found = self._topic_peers[topic] = sorted(p for p in self.peers if topic in self.nodes[p].topics)
        return found

    def linked(self, peer: int, up: bool) -> None:
        (self.peers.add if up else self.peers.discard)(peer)
        self._topic_peers.clear()
        if not up:
            self.router.peer_gone(peer)

    def holds(self, mid: bytes, topic: str) -> bool:
        return mid in self.store.get(topic, ())

    # -- messages --------------------------------------------------------------------------------------

    def publish(self, msg: Msg) -> None:
        self._store(msg)
        self.router.publish(msg)

    def received(self, msg: Msg, source: int) -> None:
        """A message gossiped by peer `source`: validated once the node's CPU gets to it."""
        self.cpu_free = max(self.world.now, self.cpu_free) + VALIDATE_S
        self.world.at(self.cpu_free, self._validated, msg, source)

    def _validated(self, msg: Msg, source: int) -> None:
        if not msg.valid:
            self.net.counts["invalid"] += 1
            self.router.penalize(source)
            return
        if msg.topic not in self.store:
            return
        self.pass_on.gossiped(msg.id, self.world.ms())
        if self.holds(msg.id, msg.topic):  # stored by sync before gossip brought it: relayed on all the same
            self.router.forward(msg, source)
            return
        missing = next((r for r in msg.refs if not self.holds(r, msg.topic)), None)
        if missing is not None:
            self.parked[missing].append(msg)
            return
        self._store(msg)
        self.router.forward(msg, source)

    def _store(self, msg: Msg) -> None:
        self.store[msg.topic][msg.id] = msg
        count, total = self.digest[msg.topic]
        self.digest[msg.topic] = (count + 1, total + int.from_bytes(msg.id, "little"))
        self.net.arrived(msg, self)
        for waiting in self.parked.pop(msg.id, ()):
            if not self.holds(waiting.id, waiting.topic):
                self._store(waiting)

    def stored_by_sync(self, msg: Msg) -> bool:
        """A session's envelope, validated: stored now unless a reference is missing (the session retries it)."""
        if self.holds(msg.id, msg.topic):
            return True
        if any(not self.holds(r, msg.topic) for r in msg.refs):
            return False
        self._store(msg)
        return True

    def passes_on(self, msg: Msg, peer: int) -> bool:
        """A session with `peer` stored `msg`: True to pass it on when the session ends; when it has to wait, the
        node looks again when it is due (protocol/pass_on.py, as node/sync.py)."""
        if self.pass_on.stored(msg.id, msg.created, str(peer), self.world.ms()):
            return True
        self._look_when_due()
        return False

    def _look_when_due(self) -> None:
        """One look at what waits, when the first of it is due (as the node's loop looks every half second)."""
        due = self.pass_on.next_due()
        if due is None:
            return
        at = self.world.now + max(1, due - self.world.ms()) / 1000
        if self._look_at is None or at < self._look_at:
            self._look_at = at
            self.world.at(at, self._due, at)

    def _due(self, at: float) -> None:
        if at != self._look_at:
            return  # an earlier look replaced this one
        self._look_at = None
        brought = self.pass_on.due(self.world.ms())
        if brought and self.online:
            self.pass_on_to_others({int(p) for p in brought})
        self._look_when_due()

    def pass_on_to_others(self, brought: set[int]) -> None:
        for peer in sorted(self.peers - brought):
            self.net.sync(self.index, peer)

    # -- links -----------------------------------------------------------------------------------------

    def send(self, peer: int, size: int, method: str, *args, purpose: str = "gossip") -> None:
        self.sent[purpose] += size
        self.world.transmit(self.index, peer, size, self.net.deliver, self.index, peer, method, args)

    def heartbeat(self) -> None:
        if self.online:
            self.router.heartbeat()
        self.world.after(HEARTBEAT, self.heartbeat)

    def periodic_sync(self) -> None:
        if self.online:
            for peer in sorted(self.peers):
                self.net.sync(self.index, peer)
        self.world.after(SYNC_INTERVAL, self.periodic_sync)


class Network:
    """The nodes, their connections, and what the scenario measures: when each message reached each node."""

    def __init__(self, world: World, follows: list[set[str]]):
        self.world = world
        self.nodes: list[Node] = []
        for i, topics in enumerate(follows):
            self.nodes.append(Node(self, i, topics))
        self.followers: defaultdict[str, list[int]] = defaultdict(list)
        for node in self.nodes:
            for topic in sorted(node.topics):
                self.followers[topic].append(node.index)
        self.arrivals: dict[bytes, dict[int, float]] = {}
        self.watched: dict[bytes, Msg] = {}
        self.messages: dict[bytes, Msg] = {}          # every message made in the run, by id (sync reads them)
        self.counts: Counter[str] = Counter()
        self.partition: dict[int, int] = {}           # node -> side, while a partition holds
        self.sync_bytes = 0
        self.sync_sessions = 0
        self.agreeing: dict[tuple, tuple[int, int]] = {}  # the topics of both sides -> bytes each side sent

    def start(self) -> None:
        """Every node dials its peers, starts its heartbeat and its periodic sync (each at its own phase)."""
        rng = self.world.rng
        n = len(self.nodes)
        for node in self.nodes:
            chosen = set(rng.sample(range(n), min(n, BOOTSTRAP_PEERS + 1)))
            for topic in sorted(node.topics):
                others = self.followers[topic]
                chosen |= set(rng.sample(others, min(len(others), PROVIDERS_DIALLED + 1)))
            node.dialled = chosen - {node.index}
        for node in self.nodes:
            for peer in sorted(node.dialled):
                self.connect(node.index, peer)
            self.world.after(rng.uniform(0, HEARTBEAT), node.heartbeat)
            self.world.after(rng.uniform(0, 60.0), node.periodic_sync)

    # -- connections -----------------------------------------------------------------------------------

    def reachable(self, a: int, b: int) -> bool:
        return (self.nodes[a].online and self.nodes[b].online
                and self.partition.get(a, 0) == self.partition.get(b, 0))

    def connect(self, a: int, b: int) -> None:
        """a dials b: connected both ways, and a sync session starts (node/sync.py syncs on connect)."""
        if a == b or b in self.nodes[a].peers or not self.reachable(a, b):
            return
        self.nodes[a].linked(b, True)
        self.nodes[b].linked(a, True)
        self.sync(a, b)

    def disconnect(self, a: int, b: int) -> None:
        self.nodes[a].linked(b, False)
        self.nodes[b].linked(a, False)

    def deliver(self, src: int, dst: int, method: str, args: tuple) -> None:
        """Bytes arriving at dst: lost if the connection closed meanwhile."""
        node = self.nodes[dst]
        if src in node.peers:
            getattr(node.router, method)(src, *args)

    def sync(self, a: int, b: int) -> None:
        """a asks for a session with b, as node/sync.py does: one at a time per peer (asked again while one runs,
        once more after it), at most MAX_OUTBOUND at once (the others wait their turn); b refuses one beyond
        MAX_INBOUND."""
        from .sync import run_session
        node = self.nodes[a]
        if not self.reachable(a, b):
            return
        if b in node.outbound:
            node.again.add(b)
        elif len(node.outbound) >= MAX_OUTBOUND:
            if b not in node.waiting:
                node.waiting.append(b)
        else:
            run_session(self, a, b)

    def ended(self, a: int, b: int) -> None:
        """The session a started with b is over: the next ones a asked for start."""
        node = self.nodes[a]
        node.outbound.discard(b)
        self.nodes[b].inbound.discard(a)
        if b in node.again:
            node.again.discard(b)
            self.sync(a, b)
        while node.waiting and len(node.outbound) < MAX_OUTBOUND:
            self.sync(a, node.waiting.popleft())

    def split(self, side_of: dict[int, int]) -> None:
        """A partition: connections across sides close."""
        self.partition = side_of
        for node in self.nodes:
            for peer in sorted(node.peers):
                if side_of.get(peer, 0) != side_of.get(node.index, 0):
                    self.disconnect(node.index, peer)

    def heal(self) -> None:
        """The partition ends: every node dials again the peers it lost."""
        self.partition = {}
        for node in self.nodes:
            for peer in sorted(node.dialled):
                self.connect(node.index, peer)

    def leave(self, i: int) -> None:
        node = self.nodes[i]
        for peer in sorted(node.peers):
            self.disconnect(i, peer)
        node.online = False

    def rejoin(self, i: int) -> None:
        self.nodes[i].online = True
        for peer in sorted(self.nodes[i].dialled):
            self.connect(i, peer)

    # -- what is measured ------------------------------------------------------------------------------

    def watch(self, msg: Msg, origin: int) -> None:
        """Measure this message (published by node `origin`): when it reaches each follower of its topic."""
        msg.published, msg.published_by = self.world.now, origin
        self.watched[msg.id] = msg
        self.arrivals[msg.id] = {}

    def arrived(self, msg: Msg, node: Node) -> None:
        times = self.arrivals.get(msg.id)
        if times is not None and node.index not in times:
            times[node.index] = self.world.now - msg.published
