"""One node's gossipsub v1.1 router, as py-libp2p's GossipSub runs it with node/libp2p_fixes.py's settings.

Per topic the node joined it keeps a mesh of D peers (between D_LOW and D_HIGH, repaired each heartbeat with
GRAFT and PRUNE, a pruned peer backed off), pushes each new valid message to its mesh at once, and each
heartbeat tells D_LAZY other peers of the topic which ids it has seen lately (IHAVE); a peer missing one asks
for it (IWANT) and gets it from the message cache. A message is forwarded only after the node validated it.
Peer scores count invalid messages (P4, squared, decaying by 1 % a heartbeat): below GOSSIP_THRESHOLD a peer
gets no gossip, below PUBLISH_THRESHOLD no messages, below GRAYLIST_THRESHOLD its RPCs are ignored. Not
modelled: peer exchange on prune, opportunistic grafting, outbound quotas, IP colocation (off here too)."""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .node import Node

D, D_LOW, D_HIGH, D_LAZY = 6, 4, 12, 6
HEARTBEAT = 1.0
GOSSIP_WINDOW, HISTORY = 3, 5       # heartbeats of ids told in IHAVE; kept to answer IWANT
PRUNE_BACKOFF = 60.0
IWANT_MAX = 500                      # ids asked per IHAVE
P4_WEIGHT, SCORE_DECAY = -1.0, 0.99
GOSSIP_THRESHOLD, PUBLISH_THRESHOLD, GRAYLIST_THRESHOLD = -250.0, -500.0, -1000.0

# bytes on the wire
MESSAGE_OVERHEAD = 160  # pubsub's from, seqno, topic, signature and key (strict signing), protobuf and framing
CONTROL_OVERHEAD = 40
ID_BYTES = 34


@dataclass(eq=False)
class Msg:
    """A message as the simulation carries it: the real envelope and what the store indexes of it."""
    id: bytes
    topic: str
    raw: bytes
    created: int
    refs: tuple[bytes, ...] = ()
    valid: bool = True
    published: float = 0.0           # simulated time of its publication
    published_by: int = -1           # the node that published it
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.raw) + MESSAGE_OVERHEAD + len(self.topic)


class Router:
    def __init__(self, node: Node):
        self.node = node
        self.mesh: dict[str, set[int]] = {}
        # the message cache: one window per heartbeat, newest first, each the ids per topic
        self.cache: deque[defaultdict[str, list[Msg]]] = deque([defaultdict(list) for _ in range(HISTORY)],
                                                              maxlen=HISTORY)
        self.cached: dict[bytes, Msg] = {}
        self.seen: set[bytes] = set()
        self.backoff: dict[tuple[str, int], float] = {}
        self.invalid: dict[int, float] = {}  # P4 counter per peer
        self.duplicates = 0

    # -- what the node asks ------------------------------------------------------------------------------

    def join(self, topic: str) -> None:
        self.mesh.setdefault(topic, set())

    def publish(self, msg: Msg) -> None:
        """A message written here: seen, cached, pushed to the mesh (or to D peers of the topic without one)."""
        self.seen.add(msg.id)
        self._cache(msg)
        targets = self.mesh.get(msg.topic) or set(self._sample(self._topic_peers(msg.topic), D))
        self._push(msg, targets)

    def forward(self, msg: Msg, source: int) -> None:
        """A message from `source` that this node validated and stored."""
        self._cache(msg)
        self._push(msg, self.mesh.get(msg.topic, set()) - {source})

    def score(self, peer: int) -> float:
        invalid = self.invalid.get(peer)
        return P4_WEIGHT * invalid * invalid if invalid else 0.0

    def penalize(self, peer: int) -> None:
        self.invalid[peer] = self.invalid.get(peer, 0.0) + 1

    def peer_gone(self, peer: int) -> None:
        for mesh in self.mesh.values():
            mesh.discard(peer)

    # -- RPCs from peers ---------------------------------------------------------------------------------

    def on_message(self, source: int, msg: Msg) -> None:
        if self.score(source) < GRAYLIST_THRESHOLD:
            return
        if msg.id in self.seen:
            self.duplicates += 1
            return
        self.seen.add(msg.id)
        self.node.received(msg, source)

    def on_ihave(self, source: int, ids: list[bytes]) -> None:
        if self.score(source) < GOSSIP_THRESHOLD:
            return
        wanted = [i for i in ids if i not in self.seen][:IWANT_MAX]
        if wanted:
            self.node.send(source, CONTROL_OVERHEAD + ID_BYTES * len(wanted), "on_iwant", wanted)

    def on_iwant(self, source: int, ids: list[bytes]) -> None:
        if self.score(source) < GOSSIP_THRESHOLD:
            return
        for i in ids:
            msg = self.cached.get(i)
            if msg is not None:
                self.node.send(source, msg.size, "on_message", msg)

    def on_graft(self, source: int, topic: str) -> None:
        mesh = self.mesh.get(topic)
        if mesh is None or self.backoff.get((topic, source), 0.0) > self.node.world.now \
                or self.score(source) < 0:
            self.node.send(source, CONTROL_OVERHEAD + len(topic), "on_prune", topic)
        else:
            mesh.add(source)

    def on_prune(self, source: int, topic: str) -> None:
        if topic in self.mesh:
            self.mesh[topic].discard(source)
            self.backoff[(topic, source)] = self.node.world.now + PRUNE_BACKOFF

    # -- the heartbeat -----------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        now = self.node.world.now
        for peer in list(self.invalid):
            self.invalid[peer] *= SCORE_DECAY
        for topic, mesh in self.mesh.items():
            mesh &= self.node.peers
            if len(mesh) < D_LOW:
                candidates = [p for p in self._topic_peers(topic) if p not in mesh and self.score(p) >= 0
                              and self.backoff.get((topic, p), 0.0) <= now]
                for peer in self._sample(candidates, D - len(mesh)):
                    mesh.add(peer)
                    self.node.send(peer, CONTROL_OVERHEAD + len(topic), "on_graft", topic)
            elif len(mesh) > D_HIGH:
                for peer in self._sample(sorted(mesh), len(mesh) - D):
                    mesh.discard(peer)
                    self.backoff[(topic, peer)] = now + PRUNE_BACKOFF
                    self.node.send(peer, CONTROL_OVERHEAD + len(topic), "on_prune", topic)
            self._gossip(topic, mesh)
        for msgs in self.cache[-1].values():  # the oldest window leaves the cache
            for msg in msgs:
                self.cached.pop(msg.id, None)
        self.cache.appendleft(defaultdict(list))

    def _gossip(self, topic: str, mesh: set[int]) -> None:
        ids = [m.id for window in list(self.cache)[:GOSSIP_WINDOW] for m in window.get(topic, ())]
        if not ids:
            return
        others = [p for p in self._topic_peers(topic) if p not in mesh and self.score(p) >= GOSSIP_THRESHOLD]
        for peer in self._sample(others, D_LAZY):
            self.node.send(peer, CONTROL_OVERHEAD + len(topic) + ID_BYTES * len(ids), "on_ihave", ids)

    # -- helpers -----------------------------------------------------------------------------------------

    def _cache(self, msg: Msg) -> None:
        self.cache[0][msg.topic].append(msg)
        self.cached[msg.id] = msg

    def _push(self, msg: Msg, targets) -> None:
        for peer in sorted(targets):
            if self.score(peer) >= PUBLISH_THRESHOLD:
                self.node.send(peer, msg.size, "on_message", msg)

    def _topic_peers(self, topic: str) -> list[int]:
        return self.node.topic_peers(topic)

    def _sample(self, items: list[int], k: int) -> list[int]:
        return items if len(items) <= k else self.node.world.rng.sample(items, k)
