"""Finding peers again: remember the peers we were connected to (in the store) and redial them at start."""
from __future__ import annotations

import multiaddr
import trio
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo

from . import libp2p_fixes
from .home import now_ms

LOOK_EVERY = 1.0      # seconds between looks at the connected peers
REFRESH_EVERY = 60.0  # seconds after which a still-connected peer's last_seen is written again
REDIAL_AT_START = 20  # most recently seen peers dialled when the node starts
DIAL_TIMEOUT = 10.0


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
                node.store.remember_peer(name, addrs, now_ms())
                written[name] = trio.current_time()
        await trio.sleep(LOOK_EVERY)


async def redial_known(node) -> None:
    """Dial the peers remembered from earlier runs, all at once; failures are expected and ignored."""
    async with trio.open_nursery() as nursery:
        for peer_id, addrs in node.store.known_peers(REDIAL_AT_START):
            if peer_id != node.peer_id and addrs:
                nursery.start_soon(_dial, node, peer_id, addrs)


async def _dial(node, peer_id: str, addrs: list[str]) -> None:
    try:
        info = PeerInfo(ID.from_base58(peer_id), [multiaddr.Multiaddr(a) for a in addrs])
        with trio.move_on_after(DIAL_TIMEOUT):
            await libp2p_fixes.redial(node.net.host, info)
    except Exception:  # noqa: BLE001, S110 -- a peer gone since, or a bad stored address: never fatal
        pass
