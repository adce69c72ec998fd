"""Attachments over libp2p streams (/antiport/blob/1, specs/09-attachments.md section 4).

`Blobs` serves the blobs this node holds, one per stream, and fetches the ones listed by messages of its
followed topics that it lacks: first from the peer a message came from, then from any connected peer. A blob
is kept only when its length and BLAKE2b-256 are the listed ones, read no further than the listed size;
anything else is dropped and counted against the peer, and so are malformed requests.
"""
from __future__ import annotations

from collections import Counter

import trio
from antiport.protocol.blobs import MAX_BLOB, listed, matches
from libp2p.custom_types import TProtocol
from libp2p.network.stream.exceptions import StreamError
from libp2p.peer.id import ID

from .ingest import Ingest, Stored
from .store import Store, StoreError
from .sync import _read, _reset

PROTOCOL_ID = TProtocol("/antiport/blob/1")
FOUND, NOT_HELD = b"\x01", b"\x00"
TIMEOUT = 30.0        # seconds for one request or one whole blob
MAX_SERVING = 8       # streams served at once; more are answered "not held"
RETRY = 10.0          # seconds between looks for blobs still missing (peers come and go)
HINTS = 10_000        # blobs whose announcing peer is remembered


class Blobs:
    """The blob service of one node: `run()` serves the protocol and fetches; `counters()` for status."""

    def __init__(self, store: Store, ingest: Ingest, host, *, timeout: float = TIMEOUT, retry: float = RETRY):
        self.store, self.host, self.timeout, self.retry = store, host, timeout, retry
        self.fetched = self.served = 0
        self.refused: Counter[tuple[str, str]] = Counter()  # (peer, reason): what a peer sent that we dropped
        self._from: dict[bytes, str] = {}  # blob -> the peer that sent a message listing it
        self._serving = 0
        self._wake = trio.Event()
        ingest.subscribe(self._stored)

    def _stored(self, event: Stored) -> None:
        items = listed(event.message.kind, event.message.body)
        if not items:
            return
        for item in items:
            self._from[item["hash"]] = event.source
            if len(self._from) > HINTS:
                del self._from[next(iter(self._from))]
        self._wake.set()

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        self.host.set_stream_handler(PROTOCOL_ID, self._serve)
        task_status.started(self)
        while True:
            self._wake = trio.Event()
            for digest, size in self.store.missing_blobs():
                await self._fetch_any(digest, size)
            with trio.move_on_after(self.retry):
                await self._wake.wait()

    async def _fetch_any(self, digest: bytes, size: int) -> bool:
        first = self._from.get(digest)
        connected = [p.to_base58() for p in self.host.get_connected_peers()]
        for peer in sorted(connected, key=lambda p: p != first):
            data = await self.fetch(peer, digest, size)
            if data is not None:
                try:
                    self.store.put_blob(digest, data)
                except StoreError:
                    return False  # a full disk: asked again at the next round
                self.fetched += 1
                return True
        return False

    async def fetch(self, peer: str, digest: bytes, size: int) -> bytes | None:
        """The blob from `peer`, or None (not held there, or dropped and counted)."""
        try:
            stream = await self.host.new_stream(ID.from_base58(peer), [PROTOCOL_ID])
        except Exception:  # noqa: BLE001 -- not connected, protocol unsupported: not the peer's fault
            return None
        try:
            with trio.fail_after(self.timeout):
                await stream.write(digest)
                answer = await _read_upto(stream, size + 2)  # one byte more than a right answer: too long
        except (StreamError, trio.TooSlowError, EOFError):
            answer, reason = b"", "failed"
        else:
            reason = _judge(answer, digest, size)
        if reason is None:
            with trio.move_on_after(self.timeout):
                await stream.close()
            return answer[1:]
        await _reset(stream)
        if reason != "not-held":
            self.refused[(peer, reason)] += 1
        return None

    async def _serve(self, stream) -> None:
        peer = stream.muxed_conn.peer_id.to_base58()
        self._serving += 1
        try:
            with trio.fail_after(self.timeout):
                digest = await _read_upto(stream, 32)
                if len(digest) != 32:
                    self.refused[(peer, "bad-request")] += 1
                    await _reset(stream)
                    return
                data = self.store.blob(digest) if self._serving <= MAX_SERVING else None
                if data is None or len(data) > MAX_BLOB:
                    await stream.write(NOT_HELD)
                else:
                    await stream.write(FOUND + data)
                    self.served += 1
                await stream.close()
        except (StreamError, trio.TooSlowError, EOFError):
            self.refused[(peer, "failed")] += 1
            await _reset(stream)
        finally:
            self._serving -= 1

    def counters(self) -> dict:
        refused: Counter[str] = Counter()
        for (_, reason), n in self.refused.items():
            refused[reason] += n
        return {"fetched": self.fetched, "served": self.served, "missing": len(self.store.missing_blobs()),
                "refused": dict(refused)}


async def _read_upto(stream, most: int) -> bytes:
    """The stream's bytes until its end or until `most` are read."""
    data = bytearray()
    while len(data) < most:
        chunk = await _read(stream)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _judge(answer: bytes, digest: bytes, size: int) -> str | None:
    """None for an answer that carries the blob, else why it is dropped ("not-held" is no fault)."""
    if answer == NOT_HELD:
        return "not-held"
    if len(answer) > size + 1:
        return "oversize"
    if answer[:1] != FOUND:
        return "malformed"
    return None if matches(size, digest, answer[1:]) else "wrong-blob"


async def service(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
    """The runtime's service hook: runs the node's Blobs and exposes it as `node.blobs`."""
    node.blobs = Blobs(node.store, node.ingest, node.net.host)
    await node.blobs.run(task_status=task_status)
