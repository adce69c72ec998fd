"""Finding peers: remember the peers we were connected to (in the store) and redial them at start; and,
optionally, Kademlia provider records per followed topic (we provide the topics we are in, and connect to
other providers of them). mDNS is a switch on the host (p2p.build)."""
from __future__ import annotations

import time

import multiaddr
import trio
from antiport.protocol import topic_name
from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo

from . import libp2p_fixes
from .home import now_ms
from .store import StoreError

LOOK_EVERY = 1.0      # seconds between looks at the connected peers
REFRESH_EVERY = 60.0  # seconds after which a still-connected peer's last_seen is written again
REDIAL_AT_START = 20  # most recently seen peers dialled when the node starts
DIAL_TIMEOUT = 10.0
DHT_EVERY = 30.0       # seconds between provider rounds (also run when the node's topics change)
DHT_LOOK = 1.0         # seconds between looks for new topics or peers
PROVIDERS_DIALLED = 5  # providers of a topic we connect to per round


async def remember_peers(node) -> None:
    """Write every connected peer and its addresses to the store when it appears (and now and then after)."""
    written: dict[str, float] = {}
    while True:
        host = node.net.host
        for pid in host.get_connected_peers():
            name = pid.to_base58()
            if trio.current_time() - written.get(name, -REFRESH_EVERY) < REFRESH_EVERY:
                continue
            try:
                addrs = [str(a) for a in host.get_peerstore().addrs(pid)]
            except Exception:  # noqa: BLE001, S112 -- py-libp2p raises when it holds no address
                continue
            if addrs:
                try:
                    node.store.remember_peer(name, addrs, now_ms())
                except StoreError:  # a full disk: remembered at a later look
                    continue
                written[name] = trio.current_time()
        await trio.sleep(LOOK_EVERY)


async def redial_known(node) -> None:
    """Dial the peers remembered from earlier runs, all at once; failures are expected and ignored."""
    async with trio.open_nursery() as nursery:
        for peer_id, addrs in node.store.known_peers(REDIAL_AT_START):
            if peer_id != node.peer_id and addrs and not node.guard.graylisted(peer_id, time.monotonic()):
                nursery.start_soon(_dial, node, peer_id, addrs)


async def _dial(node, peer_id: str, addrs: list[str]) -> None:
    try:
        info = PeerInfo(ID.from_base58(peer_id), [multiaddr.Multiaddr(a) for a in addrs])
        with trio.move_on_after(DIAL_TIMEOUT):
            await libp2p_fixes.redial(node.net.host, info)
    except Exception:  # noqa: BLE001, S110 -- a peer gone since, or a bad stored address: never fatal
        pass


async def topic_providers(node) -> None:
    """Run a Kademlia DHT (server mode) and keep a provider record for every product topic the node is in;
    connect to other providers of those topics. Needs at least one connected peer that runs it too."""
    from libp2p.tools.anyio_service import background_trio_service

    dht = KadDHT(node.net.host, DHTMode.SERVER)
    async with background_trio_service(dht):
        done: tuple = ()
        last = -DHT_EVERY
        while True:
            peers = tuple(sorted(p.to_base58() for p in node.net.host.get_connected_peers()))
            state = (tuple(sorted(node.gossip.joined)), peers)
            if state != done or trio.current_time() - last >= DHT_EVERY:
                done, last = state, trio.current_time()
                await _provider_round(node, dht)
            await trio.sleep(DHT_LOOK)


async def _provider_round(node, dht: KadDHT) -> None:
    host = node.net.host
    for pid in host.get_connected_peers():
        await dht.routing_table.add_peer(pid)
    for slug in sorted(node.gossip.joined):
        if not slug:
            continue  # every node is in the meta topic: providing it finds nobody in particular
        key = topic_name(slug)
        try:
            await dht.provide(key)
            providers = await dht.find_providers(key, PROVIDERS_DIALLED + 1)
        except Exception:  # noqa: BLE001, S112 -- an unreachable DHT this round; the next one retries
            continue
        connected = set(host.get_connected_peers())
        for info in providers:
            if info.peer_id != host.get_id() and info.peer_id not in connected and info.addrs:
                await _dial(node, info.peer_id.to_base58(), [str(a) for a in info.addrs])
