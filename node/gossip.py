"""Gossip topics: one per followed product slug plus the meta topic; every message passes the flood guard
(budgets, known-invalid ids, parking) and is validated and stored in an async topic validator before libp2p
delivers or forwards it."""
from __future__ import annotations

import time
from collections.abc import Callable

import trio
from antiport.protocol import topic_name
from libp2p.peer.id import ID

from .flood import Guard
from .ingest import Ingest
from .libp2p_fixes import PACE_QUEUE_DEPTH
from .p2p import P2P, content_id

PACE_STEP = 0.005  # seconds between looks at the peer queues while pacing
PACE_LIMIT = 10.0  # publish anyway after waiting this long for a stuck peer (sync repairs what is lost)
PENALISED = ("rate-peer", "rate-author", "rate-newcomers", "known-invalid", "parked-full")  # behaviour penalty as well


class Gossip:
    """Joins and leaves topics, validates what arrives, publishes paced on the peers' outbound queues.

    Rejections are counted in `ingest.rejected` by (forwarding peer id, reason); besides the protocol's
    reasons and the guard's (node/flood.py, "wrong-topic" among them: valid, but gossiped in another topic) and
    "error" (anything unexpected)."""

    def __init__(self, net: P2P, ingest: Ingest, guard: Guard):
        self.net = net
        self.ingest = ingest
        self.guard = guard
        guard.on_released = self._pass_on
        self.nursery: trio.Nursery | None = None  # set by the running node; drain tasks live there
        self.joined: set[str] = set()
        self.on_heard: Callable[[str], None] = lambda message_id: None  # every message gossip brings that is held

    async def join(self, slug: str) -> None:
        topic = topic_name(slug)
        if slug in self.joined:
            return
        self.joined.add(slug)
        self.net.pubsub.set_topic_validator(topic, self._validator(slug), True)
        subscription = await self.net.pubsub.subscribe(topic)
        self.nursery.start_soon(_drain, subscription)

    async def leave(self, slug: str) -> None:
        if slug not in self.joined:
            return
        self.joined.discard(slug)
        topic = topic_name(slug)
        await self.net.pubsub.unsubscribe(topic)  # closes the channel: its drain task ends
        self.net.pubsub.remove_topic_validator(topic)

    def _validator(self, slug: str):
        my_id = self.net.host.get_id()
        scorer = self.net.gossipsub.scorer

        async def validate(forwarder: ID, msg) -> bool:
            """Never awaits: a message waiting for a reference is parked by the guard, not held here."""
            if forwarder == my_id:
                return True  # our own publishes were validated and stored before they were published
            source = forwarder.to_base58()
            try:
                stored, reason = self.guard.admit(msg.data, content_id(msg).hex(), source, time.monotonic(),
                                                  topic=slug)
            except Exception:  # noqa: BLE001 -- hostile input must never take the node down
                self.ingest.rejected[(source, "error")] += 1
                return False
            if stored is None:
                if reason in PENALISED and scorer is not None:
                    scorer.penalize_behavior(forwarder, 1.0)  # on top of the invalid-message count (P4)
                if source in self.guard.graylist and not self.net.pubsub.is_peer_blacklisted(forwarder):
                    self._hang_up(forwarder)
                return False
            self.on_heard(stored.id)  # sync passes on only what gossip is not bringing (node/sync.py)
            return True  # also when already held: it is relayed on
        return validate

    def _pass_on(self, msg) -> None:
        """A parked message was stored once its reference arrived: publish it, as it was not forwarded."""
        if self.nursery is not None and msg.topic in self.joined:
            self.nursery.start_soon(self.publish, msg.topic, msg.raw)

    def _hang_up(self, peer: ID) -> None:
        """A peer just graylisted: ignore what it already sent, and disconnect it now (the node's guard loop
        keeps it away until its time is up)."""
        self.net.pubsub.add_to_blacklist(peer)
        if self.nursery is not None:
            self.nursery.start_soon(disconnect, self.net.host, peer)

    def ready(self, slug: str) -> bool:
        """True when a publish in this topic reaches at least one peer (mesh peers, or any subscribed peer
        for a topic we do not follow)."""
        topic = topic_name(slug)
        mesh = self.net.gossipsub.mesh
        if topic in mesh:
            return bool(mesh[topic])
        return bool(self.net.pubsub.peer_topics.get(topic))

    async def publish(self, slug: str, raw: bytes) -> None:
        """Publish once no peer's outbound queue is filling up (py-libp2p drops silently on a full queue)."""
        queues = self.net.pubsub.peer_queues
        with trio.move_on_after(PACE_LIMIT):
            while any(len(q) >= PACE_QUEUE_DEPTH for q in list(queues.values())):
                await trio.sleep(PACE_STEP)
        await self.net.pubsub.publish(topic_name(slug), raw)


async def disconnect(host, peer: ID) -> None:
    """Close every connection to `peer`; nothing when it is gone already."""
    try:
        await host.disconnect(peer)
    except Exception:  # noqa: BLE001, S110 -- already gone
        pass


async def _drain(subscription) -> None:
    """Messages were stored by the validator; the subscription channel is only emptied so it never fills."""
    async for _ in subscription:
        pass
