"""A sync session between two simulated nodes: each side is a real protocol.sync_session.Session, and every
byte it sends crosses the simulated link. The receiving side spends VALIDATE_S of CPU per envelope before it
goes on, as a node's sync driver does; a session ends with the connection if the connection closes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from antiport.protocol.sync import IDLIST_MAX
from antiport.protocol.sync_session import Done, Received, Send, Session
from antiport.protocol.sync_wire import NEED_DATA, encode_message

from .node import MAX_INBOUND, VALIDATE_S

# For comparison (docs/scale.md), the rule the node had before protocol/pass_on.py: pass on whatever a session stored
PASS_ON_EVERYTHING = False

if TYPE_CHECKING:
    from .node import Network, Node


class Side:
    def __init__(self, net: Network, node: Node, peer: int, initiator: bool):
        self.net, self.node, self.peer = net, node, peer
        self.initiator = initiator
        self.session = Session(initiator, sorted(node.topics), self._items, self._envelope)
        self.other: Side | None = None
        self.stored = 0
        self.old = False   # it stored a message older than gossip's reach: passed on when the session ends
        self.over = False

    def _items(self, topic: str) -> list[tuple[int, bytes]]:
        return [(m.created, m.id) for m in self.node.store.get(topic, {}).values()]

    def _envelope(self, mid: bytes) -> bytes | None:
        msg = self.net.messages.get(mid)
        return msg.raw if msg is not None and self.node.holds(mid, msg.topic) else None

    def pump(self) -> None:
        """Act on the session's events until it waits for bytes, for the CPU, or is done."""
        world = self.net.world
        while not self.over:
            event = self.session.next_event()
            if event is NEED_DATA:
                return
            if isinstance(event, Send):
                self._send(event.data)
            elif isinstance(event, Received):
                self._take(event)
                if self.node.cpu_free > world.now:
                    world.at(self.node.cpu_free, self.pump)
                    return
            elif isinstance(event, Done):
                self._send(b"")
                self.finish()

    def _take(self, event: Received) -> None:
        msg = self.net.messages[event.id]
        self.node.cpu_free = max(self.net.world.now, self.node.cpu_free) + VALIDATE_S
        if not msg.valid:
            self.session.refused(event, "bad-signature")
        elif self.node.stored_by_sync(msg):
            self.stored += 1
            self.old |= self.node.passes_on(msg, self.peer)
            self.session.stored(event)
        else:
            self.session.refused(event, "missing-ref")

    def _send(self, data: bytes) -> None:
        size = len(data) or 40  # closing the stream still costs a frame
        self.node.sent["sync"] += size
        self.net.sync_bytes += size
        self.net.world.transmit(self.node.index, self.peer, size, self._arrive, data)

    def _arrive(self, data: bytes) -> None:
        other = self.other
        if other is None or other.over or self.node.index not in other.node.peers:
            self.abort()
            return
        other.session.receive_data(data)
        other.pump()

    def finish(self) -> None:
        if self.over:
            return
        self.over = True
        if self.initiator:
            self.net.ended(self.node.index, self.peer)
        if self.stored if PASS_ON_EVERYTHING else self.old:
            self.node.pass_on_to_others({self.peer})  # what this neighbour brought goes on at once (node/sync.py)

    def abort(self) -> None:
        for side in (self, self.other):
            if side is not None and not side.over:
                side.over = True
                if side.initiator:
                    self.net.ended(side.node.index, side.peer)


def run_session(net: Network, a: int, b: int) -> None:
    """Node a starts a session with node b. Most sessions are between stores that agree (the periodic ones);
    such a session costs the same bytes each time for the same topics: it is run once, without the links,
    and later ones only count its bytes (they bring nothing, so their timing changes nothing)."""
    node_a, node_b = net.nodes[a], net.nodes[b]
    if all(node_a.digest[t] == node_b.digest[t] for t in node_a.topics & node_b.topics):
        sent_a, sent_b = agreeing_cost(net, node_a, node_b)
        node_a.sent["sync"] += sent_a
        node_b.sent["sync"] += sent_b
        net.sync_bytes += sent_a + sent_b
        net.sync_sessions += 1
        return
    if len(node_b.inbound) >= MAX_INBOUND or a in node_b.inbound:
        net.counts["sync-refused"] += 1  # b resets the stream: a's session fails, and a moves on
        return
    first = Side(net, node_a, b, initiator=True)
    second = Side(net, node_b, a, initiator=False)
    first.other, second.other = second, first
    node_a.outbound.add(b)
    node_b.inbound.add(a)
    net.sync_sessions += 1
    first.pump()


def agreeing_cost(net: Network, node_a: Node, node_b: Node) -> tuple[int, int]:
    """The bytes each side sends in a session between stores that agree: both hellos (each side's topics), then
    the same turns for the same agreed topics and item counts (a range of more than IDLIST_MAX items is one
    fingerprint, whatever the items): those are measured once by a real exchange and kept."""
    offered = sorted(node_a.topics | {""})
    agreed = sorted((node_a.topics & node_b.topics) | {""})
    key = tuple((t, min(len(node_a.store.get(t, ())), IDLIST_MAX + 1)) for t in agreed)
    hellos = len(encode_message({"topics": offered})), len(encode_message({"topics": agreed}))
    turns = net.agreeing.get(key)
    if turns is None:
        sent = exchange(net, node_a, node_b)
        turns = net.agreeing[key] = (sent[0] - hellos[0], sent[1] - hellos[1])
    return hellos[0] + turns[0], hellos[1] + turns[1]


def exchange(net: Network, node_a: Node, node_b: Node) -> tuple[int, int]:
    """A whole session between two nodes whose stores agree, pumped directly: the bytes each side sent."""
    sides = (Side(net, node_a, node_b.index, True), Side(net, node_b, node_a.index, False))
    sent = [0, 0]
    pending: list[tuple[int, bytes]] = []
    for i, side in enumerate(sides):
        while (event := side.session.next_event()) is not NEED_DATA:
            if isinstance(event, Send):
                pending.append((1 - i, event.data))
                sent[i] += len(event.data)
            if isinstance(event, Done):
                break
    while pending:
        to, data = pending.pop(0)
        sides[to].session.receive_data(data)
        while (event := sides[to].session.next_event()) is not NEED_DATA:
            if isinstance(event, Send):
                pending.append((1 - to, event.data))
                sent[to] += len(event.data)
            elif isinstance(event, Done):
                if to == 0:
                    pending.append((1, b""))
                sent[to] += 40
                break
    return sent[0], sent[1]
