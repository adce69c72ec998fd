"""Helpers for tests that run real nodes on 127.0.0.1 in one process."""
from __future__ import annotations

import multiaddr
import trio
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import topic_name
from helpers import trio_wait_for
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.validators import PUBSUB_SIGNING_PREFIX
from libp2p.utils import encode_varint_prefixed

TIMEOUT = 30


async def start_node(nursery: trio.Nursery, home, name: str, **kwargs) -> Node:
    home.mkdir(parents=True, exist_ok=True)
    node = Node(Store(home / f"{name}.db"), home / f"{name}.key", **kwargs)
    await nursery.start(node.run)
    return node


async def connect(a: Node, b: Node) -> None:
    await a.net.host.connect(info_from_p2p_addr(multiaddr.Multiaddr(b.listen_addrs()[0])))


async def wait_subscribed(a: Node, b: Node, slug: str) -> None:
    """Wait until `a` knows `b` is in the topic."""
    with trio.fail_after(TIMEOUT):
        await a.net.pubsub.wait_for_subscription(b.net.host.get_id(), topic_name(slug), TIMEOUT)


async def wait_stored(node: Node, message_id: str) -> None:
    """Until the message is committed, and so counted and announced: the node's own connection sees a row of the
    open group commit (node/ingest.py) before that."""
    await trio_wait_for(lambda: node.store.has(message_id) and not node.store.held,
                        f"message {message_id[:12]} stored")


async def check_published_at_start(home, tmp_path, slug: str, message_id: str) -> None:
    """The node of `home` (its store a.db) publishes a message waiting in its outbox once a peer in
    `slug` connects, and empties the outbox."""
    async with trio.open_nursery() as nursery:
        a = await start_node(nursery, home, "a")
        assert [m.id for m in a.store.outbox()] == [message_id]  # no peer yet: it waits
        b = await start_node(nursery, tmp_path / "b", "b")
        await b.follow(slug)
        await connect(b, a)
        await wait_stored(b, message_id)
        await trio_wait_for(lambda: a.store.outbox() == [], "the outbox emptied")
        nursery.cancel_scope.cancel()


def rpc_frames(key_pair, slug: str, payloads: list[bytes]) -> list[bytes]:
    """Each payload as a length-prefixed pubsub RPC of one message in `slug`'s topic, signed by the libp2p key
    pair as pubsub.publish signs: what a peer writes on its gossipsub stream, ready to write as it is."""
    sender = ID.from_pubkey(key_pair.public_key).to_bytes()
    out = []
    for seqno, payload in enumerate(payloads, 1):
        msg = rpc_pb2.Message(data=payload, topicIDs=[topic_name(slug)], from_id=sender,
                              seqno=seqno.to_bytes(8, "big"))
        msg.signature = key_pair.private_key.sign(PUBSUB_SIGNING_PREFIX.encode() + msg.SerializeToString())
        msg.key = key_pair.public_key.serialize()
        out.append(encode_varint_prefixed(rpc_pb2.RPC(publish=[msg]).SerializeToString()))
    return out
