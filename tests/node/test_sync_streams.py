"""Sync over real libp2p hosts on 127.0.0.1 (node/sync.py): catch-up of a fresh node, partition heal, and
hostile peers cut off and counted while the node keeps serving others."""
from __future__ import annotations

import hashlib
from contextlib import asynccontextmanager
from dataclasses import dataclass

import multiaddr
import pytest
import trio
from antiport.app import text
from antiport.crypto import Identity
from antiport.node import libp2p_fixes
from antiport.node.home import now_ms
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.node.sync import PROTOCOL_ID, Syncer
from antiport.protocol import codec, load, sign
from antiport.protocol.sync_wire import (
    MAX_MESSAGE,
    NEED_DATA,
    Reader,
    encode_message,
)
from helpers import trio_wait_for
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_noise_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID
from libp2p.security.noise.transport import Transport as Noise
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.utils.varint import encode_uvarint, encode_varint_prefixed

TIMEOUT = 60
T0 = 1_767_225_600_000
TOPIC = "acme/widget"


@dataclass
class Peer:
    host: object
    store: Store
    ingest: Ingest
    syncer: Syncer

    @property
    def addr(self) -> multiaddr.Multiaddr:
        return self.host.get_addrs()[0]

    def ids(self) -> set[str]:
        return {i for _, i in self.store.ids(TOPIC)} | {i for _, i in self.store.ids("")}


def bare_host(seed: bytes):
    key = create_new_key_pair(seed)
    return new_host(key_pair=key, sec_opt={NOISE_ID: Noise(key, noise_privkey=create_noise_key_pair().private_key)},
                    muxer_opt={TProtocol(YAMUX_ID): Yamux}, connection_config=libp2p_fixes.connection_config())


@asynccontextmanager
async def running_host(seed: bytes):
    host = bare_host(seed)
    async with host.run(listen_addrs=[multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
        try:
            yield host
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(5):
                await host.close()


@asynccontextmanager
async def peer(tmp_path, name: str, follow=(TOPIC,), relay=(), read_timeout: float = 30):
    """A node following `follow` and relaying `relay` (carried, as gossip would join them, not followed); a
    short `read_timeout` for a test that waits for it (on a busy machine, a short one cuts honest sessions)."""
    store = Store(tmp_path / f"{name}.db")
    for slug in follow:
        store.follow(slug, T0)
    async with running_host(hashlib.sha256(name.encode()).digest()) as host:
        syncer = Syncer(store, Ingest(store), host, carried=lambda: {"", *store.followed(), *relay},
                        interval=3600, read_timeout=read_timeout)
        async with trio.open_nursery() as nursery:
            await nursery.start(syncer.run)
            yield Peer(host, store, syncer.ingest, syncer)
            nursery.cancel_scope.cancel()
    store.close()


def messages(n: int, seed: str, start: int = 0) -> list[bytes]:
    """n signed messages in TOPIC: requests, each followed by answers and a vote referring to it."""
    people = [Identity(hashlib.blake2b(f"{seed}/{k}".encode(), digest_size=32).digest()) for k in range(5)]
    out, root = [], None
    for k in range(n):
        who, created = people[k % 5], T0 + start + k
        if k % 4 == 0:
            msg = sign(who, "request", TOPIC, {"title": f"{seed} problem {k}", "text": "It beeps."}, created=created)
            root = msg.id
        elif k % 4 == 3:
            msg = sign(who, "vote", TOPIC, {"value": "up"}, [root], created=created)
        else:
            msg = sign(who, "answer", TOPIC, {"text": f"{seed}: try {k}"}, [root], created=created)
        out.append(msg.raw)
    return out


def fill(p: Peer, raws: list[bytes]) -> None:
    for raw in raws:
        p.ingest(raw, T0 + 10**9, "local")


async def connect(a: Peer, b: Peer) -> None:
    await a.host.connect(info_from_p2p_addr(b.addr))


@pytest.mark.trio
async def test_fresh_node_catches_up_on_connect(tmp_path):
    raws = messages(1000, "old")
    async with peer(tmp_path, "a") as a, peer(tmp_path, "b") as b:
        fill(a, raws)
        assert b.store.count() == 0
        await connect(b, a)  # no user action: the connection starts the sync
        await trio_wait_for(lambda: b.store.count() == 1000)
        assert b.ids() == a.ids()
        assert b.ingest.accepted[a.host.get_id().to_base58()] == 1000  # came in through Ingest, from a
        await trio_wait_for(lambda: any(r["state"] == "done" for r in b.syncer.status()["progress"]))
        (row,) = [r for r in b.syncer.status()["progress"] + a.syncer.status()["progress"]
                  if r["topic"] == TOPIC and r["known"]]
        assert (row["known"], row["fetched"], row["pending"]) == (1000, 1000, 0)


@pytest.mark.trio
async def test_partition_heal(tmp_path):
    base = messages(200, "base")
    async with peer(tmp_path, "a") as a, peer(tmp_path, "b") as b:
        fill(a, base)
        fill(b, base)
        fill(a, messages(150, "left", start=1000))
        fill(b, messages(90, "right", start=1000))
        # answers written apart to the same shared request
        rid = load(base[0]).id
        for name, p in (("x", a), ("y", b)):
            p.ingest(sign(Identity(bytes(32)), "answer", TOPIC, {"text": f"{name} says hi"}, [rid],
                          created=T0 + 5000).raw, T0 + 10**9, "local")
        assert a.ids() != b.ids()
        await connect(a, b)
        await trio_wait_for(lambda: a.store.count() == b.store.count() == 200 + 150 + 90 + 2)
        assert a.ids() == b.ids()


@pytest.mark.trio
async def test_following_a_topic_syncs_it(tmp_path):
    async with peer(tmp_path, "a") as a, peer(tmp_path, "b", follow=()) as b:
        fill(a, messages(40, "t"))
        await connect(a, b)
        await trio_wait_for(lambda: b.syncer.sessions + a.syncer.sessions >= 1 and not b.syncer._active
                         and not a.syncer._active)
        assert b.store.count() == 0  # b did not follow the topic yet
        b.store.follow(TOPIC, T0)  # as the follow command does; no other call
        await trio_wait_for(lambda: b.store.count() == 40)


@pytest.mark.trio
async def test_a_relay_syncs_what_it_carries_and_passes_on_what_it_fetched(tmp_path):
    """a – r – c, r follows nothing but carries the topic: a's messages reach c through r's sessions
    alone (the periodic sync is an hour away), and r's status says what each peer had that it lacked."""
    async with peer(tmp_path, "a") as a, peer(tmp_path, "r", follow=(), relay=(TOPIC,)) as r, \
            peer(tmp_path, "c") as c:
        await connect(r, c)
        await trio_wait_for(lambda: r.syncer.sessions and c.syncer.sessions and not r.syncer._active
                            and not c.syncer._active)  # their first session is over: nothing to move
        fill(a, messages(60, "far"))
        await connect(r, a)
        await trio_wait_for(lambda: c.store.count() == 60)
        assert r.store.count() == 60 and r.store.followed() == []
        status = r.syncer.status()
        assert {"topic": TOPIC, "relayed": True} in status["offered"]
        rows = {row["peer"]: row for row in status["progress"] if row["topic"] == TOPIC}
        from_a, to_c = rows[a.host.get_id().to_base58()], rows[c.host.get_id().to_base58()]
        assert (from_a["known"], from_a["fetched_total"], from_a["pending"]) == (60, 60, 0)
        assert to_c["sent_total"] == 60 and to_c["fetched_total"] == 0
        shown = text.sync_status(status, {})  # as `antiport sync status` prints it
        assert f"offering: (meta), {TOPIC} (relayed)" in shown and "missing here: nothing" in shown
        assert "it had 60 we lacked" in shown and "we had 60 it lacked (sent 60)" in shown


@pytest.mark.trio
async def test_a_message_written_seconds_before_a_heal_is_passed_on_once_no_gossip_brought_it(tmp_path):
    """a – r – c again, but what a holds was written two seconds before r reaches it: too young to be passed
    on at once (gossip may still be bringing it to c), and no gossip does (there is none here), so r passes it
    on once it is older than gossip's reach (protocol/pass_on.py). The periodic sync is an hour away: only the
    pass-on brings it to c."""
    async with peer(tmp_path, "a") as a, peer(tmp_path, "r", follow=(), relay=(TOPIC,)) as r, \
            peer(tmp_path, "c") as c:
        await connect(r, c)
        await trio_wait_for(lambda: r.syncer.sessions and c.syncer.sessions and not r.syncer._active
                            and not c.syncer._active)
        late = sign(Identity(bytes(32)), "request", TOPIC, {"title": "It beeps", "text": "since just now"},
                    created=now_ms() - 2000)
        a.ingest(late.raw, now_ms(), "local")
        await connect(r, a)
        await trio_wait_for(lambda: r.store.count() == 1)
        assert r.syncer.pass_on.next_due() is not None  # waiting: gossip may be bringing it to c
        await trio_wait_for(lambda: c.store.count() == 1)
        assert c.ids() == a.ids()
        assert r.syncer.pass_on.next_due() is None


@pytest.mark.trio
async def test_a_message_sync_stored_that_gossip_brings_too_is_not_passed_on(tmp_path):
    """Full nodes: b's session fetches a message a wrote a moment ago, before gossip brings it (as under a flash
    crowd); then gossip brings it too: it was in flight, and b does not pass it on."""
    from antiport.node import sync
    from nodes import connect as connect_nodes
    from nodes import start_node, wait_subscribed
    async with trio.open_nursery() as nursery:
        a, b = [await start_node(nursery, tmp_path, n, services=[sync.service]) for n in "ab"]
        for node in (a, b):
            await node.follow(TOPIC)
        await connect_nodes(b, a)
        await wait_subscribed(a, b, TOPIC)
        fresh = sign(Identity(bytes(32)), "request", TOPIC, {"title": "It beeps", "text": "now"}, created=now_ms())
        a.ingest(fresh.raw, now_ms(), "local")  # stored, not published yet
        b.sync.trigger()
        await trio_wait_for(lambda: b.store.has(fresh.id))
        assert b.sync.pass_on.next_due() is not None
        await a.gossip.publish(TOPIC, fresh.raw)
        await trio_wait_for(lambda: b.sync.pass_on.in_flight == 1)
        assert b.sync.pass_on.next_due() is None and b.sync.pass_on.due(now_ms() + 20_000) == set()
        nursery.cancel_scope.cancel()


def test_relayed_topics_over_the_limit_are_not_offered(tmp_path):
    store = Store(tmp_path / "r.db")
    syncer = Syncer(store, Ingest(store), None, carried=lambda: {"", TOPIC, "acme/other"}, relayed_max=10)
    fill_store = Ingest(store)
    for raw in messages(10, "small"):
        fill_store(raw, T0 + 10**9, "local")
    assert syncer.offered() == ["", "acme/other", TOPIC]
    fill_store(messages(1, "more", start=100)[0], T0 + 10**9, "local")
    assert syncer.offered() == ["", "acme/other"]  # carried live, no longer synced
    store.follow(TOPIC, T0)
    assert syncer.offered() == ["", TOPIC, "acme/other"]  # followed topics are synced whole, and first
    store.close()


class Wire:
    """A hand-driven peer's side of a sync stream: whole messages out and in."""

    def __init__(self, stream):
        self.stream, self.reader = stream, Reader()

    async def write(self, value: dict) -> None:
        await self.stream.write(encode_message(value))

    async def read(self) -> dict | None:
        while (message := self.reader.next()) is NEED_DATA:
            self.reader.feed(await self.stream.read(65536))
        return message


async def hostile_session(a: Peer, seed: bytes, payload: bytes, read_reply: bool = False):
    async with running_host(seed) as evil:
        await evil.connect(info_from_p2p_addr(a.addr))
        stream = await evil.new_stream(a.host.get_id(), [PROTOCOL_ID])
        await stream.write(payload)
        with trio.fail_after(TIMEOUT):  # the node cuts the stream: reads end in EOF or reset
            try:
                while await stream.read(65536):
                    pass
            except Exception:  # noqa: BLE001, S110 -- a reset is one of the two expected endings
                pass
        return evil.get_id().to_base58()


@pytest.mark.trio
async def test_hostile_peers_are_cut_off_and_counted(tmp_path):
    hello = encode_varint_prefixed(codec.encode({"topics": ["", TOPIC]}))
    turn = encode_varint_prefixed(codec.encode({"topic": "", "frame": b"\x00garbage", "msgs": []}))
    cases = {
        b"\x01" * 32: b"\xff\xff\xff\xff\x0f",                               # length over the limit
        b"\x02" * 32: encode_varint_prefixed(b"\xff\xfe not cbor"),          # malformed
        b"\x03" * 32: hello + turn,                                          # malformed reconciliation frame
        b"\x04" * 32: hello + encode_uvarint(MAX_MESSAGE) + b"\x00" * 1000,  # endless: never completes
    }
    async with peer(tmp_path, "a", read_timeout=3) as a, peer(tmp_path, "c") as c:
        fill(a, messages(100, "a"))
        for seed, payload in cases.items():
            evil = await hostile_session(a, seed, payload)
            if seed == b"\x04" * 32:  # cut by the read timeout: counted as a failed session
                await trio_wait_for(lambda evil=evil: a.syncer.failed[evil] >= 1)
            else:
                await trio_wait_for(lambda evil=evil: a.syncer.misbehaved[evil] == 1)
            if seed == b"\x03" * 32:  # the frame started the meta topic: its row says why it ended
                (row,) = [r for r in a.syncer.status()["progress"] if r["peer"] == evil]
                assert row["topic"] == "" and row["state"].startswith("peer misbehaved: frame is not")
        assert a.store.count() == 100
        # the node still serves a well-behaved peer
        await connect(c, a)
        await trio_wait_for(lambda: c.store.count() == 100)
        assert not a.syncer.misbehaved[c.host.get_id().to_base58()]


@pytest.mark.trio
async def test_peer_pushing_unasked_messages_is_cut_off(tmp_path):
    raw = messages(1, "x")[0]
    hello = encode_varint_prefixed(codec.encode({"topics": ["", TOPIC]}))
    turn = encode_varint_prefixed(codec.encode({"topic": None, "frame": None, "msgs": [raw]}))
    async with peer(tmp_path, "a") as a:
        evil = await hostile_session(a, b"\x05" * 32, hello + turn)
        await trio_wait_for(lambda: a.syncer.misbehaved[evil] == 1)
        assert a.store.count() == 0


@pytest.mark.trio
async def test_sync_as_a_runtime_service(tmp_path):
    from antiport.node import sync
    from nodes import connect as connect_nodes
    from nodes import start_node
    async with trio.open_nursery() as nursery:
        a = await start_node(nursery, tmp_path, "a", services=[sync.service])
        b = await start_node(nursery, tmp_path, "b", services=[sync.service])
        for raw in messages(60, "svc"):
            a.ingest(raw, T0 + 10**9, "local")
        b.store.follow(TOPIC, T0)
        a.store.follow(TOPIC, T0)
        await connect_nodes(b, a)
        await trio_wait_for(lambda: b.store.count() == 60)
        assert isinstance(b.sync, Syncer) and b.sync.status()["sessions"] >= 1
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_peer_that_never_agrees_is_cut_off_at_the_round_limit(tmp_path):
    import os

    from antiport.protocol.sync import FINGERPRINT, MAX_ROUNDS
    async with peer(tmp_path, "a") as a, running_host(b"\x06" * 32) as evil:
        fill(a, messages(100, "a"))
        await evil.connect(info_from_p2p_addr(a.addr))
        wire = Wire(await evil.new_stream(a.host.get_id(), [PROTOCOL_ID]))
        await wire.write({"topics": ["", TOPIC]})
        assert (await wire.read()) == {"topics": ["", TOPIC]}
        turns = 0
        with trio.fail_after(TIMEOUT):
            try:
                while True:  # a fresh random fingerprint over everything, every turn
                    frame = codec.encode({"v": 1, "r": [[0, b"", FINGERPRINT, os.urandom(16)]]})
                    await wire.write({"topic": "", "frame": frame, "msgs": []})
                    if await wire.read() is None:
                        break
                    turns += 1
            except Exception:  # noqa: BLE001, S110 -- the reset ends the loop
                pass
        evil_id = evil.get_id().to_base58()
        await trio_wait_for(lambda: a.syncer.misbehaved[evil_id] == 1)
        assert turns <= MAX_ROUNDS
