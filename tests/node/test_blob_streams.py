"""Attachments between real libp2p hosts on 127.0.0.1 (node/blobs.py, specs/09 section 4): a node that syncs a
message listing files fetches the blobs, checks them, and refuses and counts what a hostile peer sends."""
from __future__ import annotations

import hashlib
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
import trio
from antiport.crypto import Identity
from antiport.node.blobs import FOUND, NOT_HELD, PROTOCOL_ID, Blobs
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.node.sync import Syncer
from antiport.protocol import sign
from antiport.protocol.blobs import blob_hash, entry
from helpers import trio_wait_for
from libp2p.peer.peerinfo import info_from_p2p_addr
from test_sync_streams import T0, TOPIC, running_host

ALICE = Identity(hashlib.blake2b(b"blob-test/alice", digest_size=32).digest())
SHOT = bytes(range(256)) * 5000   # 1.28 MB: several stream reads
LOG = b"boot: beep\n"


@dataclass
class Peer:
    host: object
    store: Store
    ingest: Ingest
    blobs: Blobs

    @property
    def id(self) -> str:
        return self.host.get_id().to_base58()


@asynccontextmanager
async def peer(tmp_path, name: str, follow=(TOPIC,)):
    store = Store(tmp_path / f"{name}.db")
    for slug in follow:
        store.follow(slug, T0)
    async with running_host(hashlib.sha256(name.encode()).digest()) as host:
        ingest = Ingest(store)
        syncer = Syncer(store, ingest, host, interval=3600, read_timeout=3)
        blobs = Blobs(store, ingest, host, timeout=5, retry=0.2)
        async with trio.open_nursery() as nursery:
            await nursery.start(syncer.run)
            await nursery.start(blobs.run)
            yield Peer(host, store, ingest, blobs)
            nursery.cancel_scope.cancel()
    store.close()


def ask_with_files(p: Peer, files: dict[str, bytes]) -> str:
    """Alice's request listing `files` (name -> bytes), stored at `p` with its blobs, as `ask --attach` does."""
    body = {"title": "Widget beeps", "text": "Attached.",
            "files": [entry(data, name, "application/octet-stream") for name, data in files.items()]}
    msg = sign(ALICE, "request", TOPIC, body, created=T0)

    def keep(_msg):
        for data in files.values():
            assert p.store.put_blob(blob_hash(data), data)
    p.ingest.write(msg.raw, T0 + 1000, also=keep)
    return msg.id


async def connect(a, b) -> None:
    await a.host.connect(info_from_p2p_addr(b.host.get_addrs()[0]))


@pytest.mark.trio
async def test_a_node_fetches_the_blobs_of_what_it_syncs(tmp_path):
    async with peer(tmp_path, "a") as a, peer(tmp_path, "b") as b:
        mid = ask_with_files(a, {"screen.bin": SHOT, "boot.log": LOG})
        assert not b.store.has_blob(blob_hash(SHOT))
        await connect(b, a)
        await trio_wait_for(lambda: b.store.has(mid), "the request synced")
        await trio_wait_for(lambda: b.store.blob(blob_hash(SHOT)) == SHOT and b.store.blob(blob_hash(LOG)) == LOG,
                            "both blobs fetched")
        assert b.store.missing_blobs() == []
        assert (b.blobs.fetched, a.blobs.served) == (2, 2)
        assert b.blobs.counters()["refused"] == {}


@pytest.mark.trio
async def test_blobs_of_unfollowed_topics_are_not_fetched(tmp_path):
    async with peer(tmp_path, "a") as a, peer(tmp_path, "c", follow=()) as c:
        mid = ask_with_files(a, {"boot.log": LOG})
        c.ingest(a.store.get(mid).raw, T0 + 1000, a.id)  # held (relayed, say), not followed
        assert c.store.missing_blobs() == []
        assert not c.store.put_blob(blob_hash(b"never listed"), b"never listed")  # a blob nobody lists


@asynccontextmanager
async def hostile(seed: bytes, answer):
    """A host that answers every blob request with `answer(hash)`."""
    async with running_host(seed) as host:
        async def serve(stream):
            digest = await stream.read(32)
            await stream.write(answer(digest))
            await stream.close()
        host.set_stream_handler(PROTOCOL_ID, serve)
        yield host


@pytest.mark.trio
@pytest.mark.parametrize("answer, reason", [
    (lambda d: FOUND + b"x" * len(LOG), "wrong-blob"),           # the right size, other bytes
    (lambda d: FOUND + LOG + b"more", "oversize"),               # longer than listed: read no further
    (lambda d: FOUND + LOG[:-1], "wrong-blob"),                  # cut short
    (lambda d: b"\x07" + LOG, "malformed"),                      # neither found nor not held
])
async def test_hostile_answers_are_dropped_and_counted(tmp_path, answer, reason):
    async with peer(tmp_path, "a") as a, peer(tmp_path, "b") as b, hostile(b"m" * 32, answer) as m:
        mid = ask_with_files(a, {"boot.log": LOG})
        msg = a.store.get(mid)
        b.ingest(msg.raw, T0 + 1000, m.get_id().to_base58())  # as if m had announced it: asked first
        await m.connect(info_from_p2p_addr(b.host.get_addrs()[0]))
        mid_peer = m.get_id().to_base58()
        await trio_wait_for(lambda: b.blobs.refused[(mid_peer, reason)] >= 1, f"{reason} counted")
        assert not b.store.has_blob(blob_hash(LOG))
        await connect(b, a)  # an honest peer has it
        await trio_wait_for(lambda: b.store.blob(blob_hash(LOG)) == LOG, "fetched from the honest peer")


@pytest.mark.trio
async def test_requests_a_node_refuses(tmp_path):
    async with peer(tmp_path, "a") as a, running_host(b"q" * 32) as q:
        ask_with_files(a, {"boot.log": LOG})
        await q.connect(info_from_p2p_addr(a.host.get_addrs()[0]))

        async def ask(request: bytes) -> bytes:
            stream = await q.new_stream(a.host.get_id(), [PROTOCOL_ID])
            await stream.write(request)
            if len(request) < 32:
                await stream.close()
            out = b""
            with trio.fail_after(10):
                while chunk := await _read(stream):
                    out += chunk
            return out

        assert await ask(blob_hash(LOG)) == FOUND + LOG
        assert await ask(blob_hash(b"unknown")) == NOT_HELD       # never a store for hashes nobody listed
        await ask(b"short")                                       # not 32 bytes
        await trio_wait_for(lambda: a.blobs.refused[(q.get_id().to_base58(), "bad-request")] == 1, "counted")
        assert a.blobs.served == 1


async def _read(stream) -> bytes:
    try:
        return await stream.read(65_536)
    except Exception:  # noqa: BLE001 -- a reset or the end: nothing more
        return b""
