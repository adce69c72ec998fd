"""Building and running the libp2p side of a node: host (TCP + Noise + Yamux), Pubsub and GossipSub."""
from __future__ import annotations

import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import multiaddr
import trio
from antiport.protocol import message_id
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.keys import KeyPair
from libp2p.crypto.x25519 import create_new_key_pair as create_noise_key_pair
from libp2p.custom_types import TProtocol
from libp2p.identity_utils import load_identity, save_identity
from libp2p.peer.id import ID
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID
from libp2p.security.noise.transport import Transport as Noise
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.tools.anyio_service import background_trio_service

from . import libp2p_fixes
from .home import HomeError


def host_key(path: Path) -> KeyPair:
    """The node's libp2p Ed25519 key (its peer id), created on first use; separate from the author identity."""
    path = Path(path)
    if path.exists():
        return load_host_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = create_new_key_pair()
    save_identity(key, path)
    os.chmod(path, 0o600)
    return key


def peer_id_of(key: KeyPair) -> str:
    return ID.from_pubkey(key.public_key).to_base58()


def load_host_key(path: Path) -> KeyPair:
    """The host key in `path`; HomeError (one line, what to do) when it cannot be read. A damaged key is never
    replaced here: the peer id would change under the user's feet."""
    try:
        return load_identity(path)
    except FileNotFoundError:
        raise HomeError(f"no host key at {path}: 'antiport run' makes one") from None
    except OSError as e:
        raise HomeError(f"cannot read the host key {path} ({e.strerror})") from None
    except ValueError:  # libp2p's word for every undecodable key file
        raise HomeError(f"the host key {path} is damaged: move it aside and 'antiport run' makes a new one "
                        "(the node gets a new peer id; your identity and messages stay)") from None


def content_id(msg) -> bytes:
    """Gossip message id = the Antiport message id (BLAKE2b-256 of the envelope): a message republished by
    two nodes is one message. Every implementation on the network must use the same function."""
    return bytes.fromhex(message_id(msg.data))


def is_loopback(addrs: list[str]) -> bool:
    return all(a.startswith(("/ip4/127.", "/ip6/::1/")) for a in addrs)


@dataclass
class P2P:
    host: object
    pubsub: libp2p_fixes.AntiportPubsub
    gossipsub: libp2p_fixes.AntiportGossipSub

    @property
    def peer_id(self) -> str:
        return self.host.get_id().to_base58()


def build(key: KeyPair, loopback: bool = True, mdns: bool = False) -> P2P:
    """`mdns`: find and connect to peers on the local network (off by default: test nodes would find each other)."""
    libp2p_fixes.install()
    host = new_host(key_pair=key,
                    sec_opt={NOISE_ID: Noise(key, noise_privkey=create_noise_key_pair().private_key)},
                    muxer_opt={TProtocol(YAMUX_ID): Yamux},
                    connection_config=libp2p_fixes.connection_config(), enable_mDNS=mdns)
    gossipsub = libp2p_fixes.AntiportGossipSub(**libp2p_fixes.gossipsub_settings(loopback))
    pubsub = libp2p_fixes.AntiportPubsub(host, gossipsub, strict_signing=True, msg_id_constructor=content_id,
                    **libp2p_fixes.PUBSUB_SETTINGS)
    pubsub.validation_cache = libp2p_fixes.NoVerdicts()
    return P2P(host, pubsub, gossipsub)


@asynccontextmanager
async def running(p2p: P2P, listen: list[str]):
    """Services first, then the host listening on `listen` (concrete addresses; CannotListen when one cannot be
    used); closes the host on the way out
    so peers notice at once. The block is cancelled when the caller is (its own tasks first), then libp2p stops."""
    libp2p_fixes.check_listen(listen)
    async with libp2p_fixes.stopping_in_order() as app, \
            background_trio_service(p2p.pubsub), background_trio_service(p2p.gossipsub):
        await p2p.pubsub.wait_until_ready()
        async with p2p.host.run(listen_addrs=[multiaddr.Multiaddr(a) for a in listen]):
            try:
                libp2p_fixes.check_listening(p2p.host, listen)
                with app:
                    yield p2p
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(5):
                    await p2p.host.close()
