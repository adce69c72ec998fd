"""Range-based set reconciliation for /antiport/sync/1, sans-IO (specs/05-sync.md).

Each side holds items (created_ms, id: 32 bytes) sorted by created, then id. A frame is a list of ranges
covering all items from the start to infinity; each range says SKIP (agreed), FINGERPRINT (a digest of
the sender's items in it), IDLIST (the sender's ids in it) or IDDIFF (the answer to an IDLIST: the ids
the IDLIST's sender lacks, and a bitmap of its list marking the ids the answerer lacks). A side answers a
differing fingerprint by splitting its own items into BUCKETS sub-ranges, or, when it holds few, by an
IDLIST. Both sides end knowing both differences: `need` (ids I lack) and `have` (ids the other lacks).
Cost grows with the difference: agreeing ranges collapse into SKIP after one fingerprint.

A frame never exceeds MAX_FRAME bytes or MAX_RANGES ranges: what does not fit is deferred as one
fingerprint over the rest, which the other side answers next round. `Reconciler` counts rounds; a peer
that sends a malformed, oversized or endless exchange gets RemoteProtocolError.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import codec
from .errors import Rejected, brief

VERSION = 1
MAX_FRAME = 65_536       # bytes, both ways
MIN_FRAME = 4_096        # the smallest frame budget a sender may use (a frame's first answer always fits)
MAX_RANGES = 1_024       # ranges per frame
BUCKETS = 16             # sub-ranges per split
IDLIST_MAX = 16          # a side holding at most this many items in a differing range lists them
MAX_ROUNDS = 500         # frames received per exchange (the exchange is resumable: sync again)
FINGERPRINT_SIZE = 16
FP_DOMAIN = b"antiport/sync/1\x00"
SKIP, FINGERPRINT, IDLIST, IDDIFF = 0, 1, 2, 3
INFINITY = (2**64 - 1, b"")  # the upper bound of the last range; never an item's created
Item = tuple[int, bytes]     # (created, id); a bound is (created, id prefix)
Range = tuple[Item, int, Any]  # (upper bound, mode, payload) of a decoded frame


class SyncError(Exception):
    """Base class of the two errors below."""


class RemoteProtocolError(SyncError):
    """The peer sent something the protocol forbids: drop the exchange and count it against the peer."""

    def __init__(self, detail: str):
        super().__init__(brief(detail))


class LocalProtocolError(SyncError):
    """This side used the Reconciler wrongly (a bug here, not the peer's fault)."""


@dataclass(frozen=True)
class Need:
    """Ids this side lacks and the other holds."""
    ids: tuple[bytes, ...]


@dataclass(frozen=True)
class Have:
    """Items (created, id) this side holds and the other lacks, in order."""
    items: tuple[tuple[int, bytes], ...]


def fingerprint(id_sum: int, count: int) -> bytes:
    """BLAKE2b-128 of the domain, the sum of the ids (little-endian, mod 2^256) and the count."""
    data = FP_DOMAIN + (id_sum % 2**256).to_bytes(32, "little") + count.to_bytes(8, "little")
    return hashlib.blake2b(data, digest_size=FINGERPRINT_SIZE).digest()


def separator(lower: tuple[int, bytes], upper: tuple[int, bytes]) -> tuple[int, bytes]:
    """The shortest bound b with lower < b <= upper (items compare as (created, id))."""
    if lower[0] != upper[0]:
        return (upper[0], b"")
    k = 0
    while lower[1][k] == upper[1][k]:
        k += 1
    return (upper[0], upper[1][:k + 1])


class Reconciler:
    """One side of one exchange over a fixed set of items. `initiate()` on one side, then pass each frame
    received to `receive()`, which returns the events learnt and the reply (None once the exchange is over)."""

    def __init__(self, items: Iterable[tuple[int, bytes]], frame_limit: int = MAX_FRAME,
                 max_rounds: int = MAX_ROUNDS):
        if not MIN_FRAME <= frame_limit <= MAX_FRAME:
            raise LocalProtocolError(f"frame_limit must be within {MIN_FRAME}..{MAX_FRAME}")
        self.items = sorted(set(items))
        if any(len(i) != 32 or not 0 <= c < INFINITY[0] for c, i in self.items):
            raise LocalProtocolError("items are (created, 32-byte id) with 0 <= created < 2^64-1")
        self.ids = {i for _, i in self.items}
        self._sums = [0]
        for _, i in self.items:
            self._sums.append(self._sums[-1] + int.from_bytes(i, "little"))
        self.frame_limit, self.max_rounds = frame_limit, max_rounds
        self.need: set[bytes] = set()
        self.have: set[bytes] = set()
        self.rounds = 0
        self.bytes_in = self.bytes_out = 0
        self.done = False
        self._started = False

    # -- the exchange ---------------------------------------------------------------------------------

    def initiate(self) -> bytes:
        if self._started:
            raise LocalProtocolError("initiate() once, and only on the side that starts")
        self._started = True
        out = _Out(self.frame_limit)
        self._answer_differing(out, 0, len(self.items), INFINITY, split_first=False)
        return self._emit(out)

    def receive(self, frame: bytes) -> tuple[list[Need | Have], bytes | None]:
        if self.done:
            raise LocalProtocolError("the exchange is over")
        self._started = True
        self.rounds += 1
        if self.rounds > self.max_rounds:
            raise RemoteProtocolError(f"more than {self.max_rounds} rounds")
        self.bytes_in += len(frame)
        ranges = decode_frame(frame)
        if not ranges:
            self.done = True
            return [], None
        new_need: list[bytes] = []
        new_have: list[Item] = []
        out = _Out(self.frame_limit)
        lo = 0
        for upper, mode, payload in ranges:
            hi = bisect_left(self.items, upper) if upper != INFINITY else len(self.items)
            mark = out.mark()
            cut = self._answer(out, lo, hi, upper, mode, payload, new_need, new_have)
            if cut is None and not out.within_budget():
                out.rollback(mark)
                cut = lo
            if cut is not None:  # defer the rest: one fingerprint over it, answered next round
                out.add(INFINITY, FINGERPRINT, self._fp(cut, len(self.items)))
                break
            lo = hi
        events: list[Need | Have] = []
        if new_need:
            events.append(Need(tuple(new_need)))
        if new_have:
            events.append(Have(tuple(sorted(new_have))))
        return events, self._emit(out)

    # -- answering one range ----------------------------------------------------------------------------

    def _answer(self, out: _Out, lo: int, hi: int, upper: Item, mode: int, payload: Any, new_need: list[bytes],
                new_have: list[Item]) -> int | None:
        """Add the answer to one range; returns an item index when only items before it were answered."""
        if mode == SKIP:
            out.add(upper, SKIP, None)
        elif mode == FINGERPRINT:
            if payload == self._fp(lo, hi):
                out.add(upper, SKIP, None)
            else:
                self._answer_differing(out, lo, hi, upper, split_first=True)
        elif mode == IDLIST:
            if not payload and hi - lo > IDLIST_MAX:  # they hold none here: send ours, as many as fit
                return self._send_ids(out, lo, hi, upper, new_need, new_have)
            if hi - lo > IDLIST_MAX:  # too many to list back: narrow the range down first
                self._split(out, lo, hi, upper)
                return None
            my_ids = [i for _, i in self.items[lo:hi]]
            theirs = set(payload)
            lacking = [i for i in payload if i not in self.ids]
            self._learn(lacking, [item for item in self.items[lo:hi] if item[1] not in theirs], new_need, new_have)
            they_lack = [i for i in my_ids if i not in theirs]
            if not lacking and not they_lack:
                out.add(upper, SKIP, None)
            else:
                out.add(upper, IDDIFF, [they_lack, _bitmap([i not in self.ids for i in payload])])
        else:  # IDDIFF: the answer to our IDLIST of items[lo:hi]
            i_lack, bitmap = payload
            listed = self.items[lo:hi]
            flags = _bits(bitmap, len(listed))
            if len(bitmap) != (len(listed) + 7) // 8 or flags is None:
                raise RemoteProtocolError("IDDIFF bitmap does not match the listed range")
            if any(i in self.ids for i in i_lack):
                raise RemoteProtocolError("IDDIFF says we lack an id we hold")
            self._learn(i_lack, [item for item, f in zip(listed, flags, strict=True) if f], new_need, new_have)
            out.add(upper, SKIP, None)
        return None

    def _answer_differing(self, out: _Out, lo: int, hi: int, upper: Item, split_first: bool) -> None:
        """Our items[lo:hi] differ from the other's (or, starting, may): list them if few, else split."""
        if hi - lo <= IDLIST_MAX:
            out.add(upper, IDLIST, [i for _, i in self.items[lo:hi]])
        elif split_first:
            self._split(out, lo, hi, upper)
        else:
            out.add(upper, FINGERPRINT, self._fp(lo, hi))

    def _send_ids(self, out: _Out, lo: int, hi: int, upper: Item, new_need: list[bytes],
                  new_have: list[Item]) -> int | None:
        """An IDDIFF of our first k ids in items[lo:hi], k the largest that keeps the frame within budget
        (each id takes 33 bytes, so no more than the room left); returns where the rest starts, if any."""
        mark = out.mark()
        for end in range(lo + min(hi - lo, out.room() // 33), lo, -1):
            bound = upper if end == hi else separator(self.items[end - 1], self.items[end])
            out.add(bound, IDDIFF, [[i for _, i in self.items[lo:end]], b""])
            if out.within_budget():
                self._learn([], self.items[lo:end], new_need, new_have)
                return None if end == hi else end
            out.rollback(mark)
        return lo

    def _split(self, out: _Out, lo: int, hi: int, upper: Item) -> None:
        n = hi - lo
        edges = [lo + n * k // BUCKETS for k in range(1, BUCKETS)]
        for a, b in zip([lo] + edges, edges + [hi], strict=True):
            bound = upper if b == hi else separator(self.items[b - 1], self.items[b])
            out.add(bound, FINGERPRINT, self._fp(a, b))

    def _learn(self, lacking: list[bytes], they_lack: list[Item], new_need: list[bytes],
               new_have: list[Item]) -> None:
        for i in lacking:
            if i not in self.need:
                self.need.add(i)
                new_need.append(i)
        for item in they_lack:
            if item[1] not in self.have:
                self.have.add(item[1])
                new_have.append(item)

    def _fp(self, lo: int, hi: int) -> bytes:
        return fingerprint(self._sums[hi] - self._sums[lo], hi - lo)

    def _emit(self, out: _Out) -> bytes:
        frame = out.encode()
        if frame == EMPTY_FRAME:
            self.done = True
        self.bytes_out += len(frame)
        return frame


class _Out:
    """Ranges of the frame being built, consecutive SKIPs merged, and the exact size of each range's encoding
    (a range's `c` counts from the previous bound, so a merge re-measures the range it extends)."""

    def __init__(self, limit: int):
        self.ranges: list[list[Any]] = []
        self.sizes: list[int] = []
        self.total = 0
        self.limit = limit

    def add(self, upper: Item, mode: int, payload: Any) -> None:
        if mode == SKIP and self.ranges and self.ranges[-1][1] == SKIP:
            self.ranges[-1][0] = upper
            self.total -= self.sizes.pop()
        else:
            self.ranges.append([upper, mode, payload])
        prev = self.ranges[-2][0][0] if len(self.ranges) > 1 else 0
        self.sizes.append(len(codec.encode(_wire(self.ranges[-1], prev))))
        self.total += self.sizes[-1]

    def mark(self) -> tuple[int, Item | None, int, int]:
        if not self.ranges:
            return 0, None, 0, 0
        return len(self.ranges), self.ranges[-1][0], self.sizes[-1], self.total

    def rollback(self, mark: tuple[int, Item | None, int, int]) -> None:
        n, last_upper, last_size, self.total = mark
        del self.ranges[n:], self.sizes[n:]
        if n:  # the last range may have grown by a merged SKIP since
            self.ranges[-1][0], self.sizes[-1] = last_upper, last_size

    def complete_size(self) -> int:
        """The bytes of this frame once one deferral range ends it (specs/05 section 4, frame budget)."""
        n = len(self.ranges) + 1
        return 6 + (1 if n < 24 else 2 if n < 256 else 3) + self.total + DEFERRAL_SIZE

    def within_budget(self) -> bool:
        return self.complete_size() <= self.limit and len(self.ranges) + 1 <= MAX_RANGES

    def room(self) -> int:
        return max(0, self.limit - self.complete_size())

    def encode(self) -> bytes:
        if all(mode == SKIP for _, mode, _ in self.ranges):
            return EMPTY_FRAME
        wire, prev = [], 0
        for r in self.ranges:
            wire.append(_wire(r, prev))
            prev = r[0][0]
        return codec.encode({"v": VERSION, "r": wire})


def _wire(r: list[Any], prev_created: int) -> list[Any]:
    """A range [upper bound, mode, payload] as sent: [c, prefix, mode, payload] (section 3)."""
    (created, prefix), mode, payload = r
    if (created, prefix) == INFINITY:
        return [0, b"", mode, payload]
    return [1 + created - prev_created, prefix, mode, payload]


EMPTY_FRAME = codec.encode({"v": VERSION, "r": []})
DEFERRAL_SIZE = len(codec.encode([0, b"", FINGERPRINT, bytes(FINGERPRINT_SIZE)]))  # 21


def decode_frame(frame: bytes) -> list[Range]:
    """Parse and check a frame: [(upper bound, mode, payload)], bounds increasing, the last one infinity."""
    if len(frame) > MAX_FRAME:
        raise RemoteProtocolError(f"frame of {len(frame)} bytes > {MAX_FRAME}")
    try:
        value = codec.decode(frame, max_depth=5)
    except Rejected as e:
        raise RemoteProtocolError(f"frame is not deterministic CBOR ({e})") from None
    if not (isinstance(value, dict) and set(value) == {"v", "r"} and isinstance(value["r"], list)):
        raise RemoteProtocolError('a frame is {"v": 1, "r": [ranges]}')
    if type(value["v"]) is not int or value["v"] != VERSION:
        raise RemoteProtocolError(f"unsupported sync version {value['v']!r}")
    wire = value["r"]
    if len(wire) > MAX_RANGES:
        raise RemoteProtocolError(f"more than {MAX_RANGES} ranges")
    out, prev_created, prev_bound = [], 0, (0, b"")
    for n, r in enumerate(wire):
        if not (isinstance(r, list) and len(r) == 4 and type(r[0]) is int and isinstance(r[1], bytes)
                and type(r[2]) is int):
            raise RemoteProtocolError("a range is [created, prefix, mode, payload]")
        c, prefix, mode, payload = r
        if c == 0:
            if prefix or n != len(wire) - 1:
                raise RemoteProtocolError("only the last range ends at infinity, with an empty prefix")
            bound = INFINITY
        else:
            created = prev_created + c - 1
            if len(prefix) > 32 or created >= INFINITY[0]:
                raise RemoteProtocolError("bad range bound")
            bound, prev_created = (created, prefix), created
        if not bound > prev_bound:
            raise RemoteProtocolError("range bounds must increase")
        prev_bound = bound
        out.append((bound, mode, _check_payload(mode, payload)))
    if out and out[-1][0] != INFINITY:
        raise RemoteProtocolError("the last range must end at infinity")
    return out


def _check_payload(mode: int, payload: Any) -> Any:
    def ids(x: Any) -> bool:
        return isinstance(x, list) and all(isinstance(i, bytes) and len(i) == 32 for i in x)
    if mode == SKIP and payload is None:
        return payload
    if mode == FINGERPRINT and isinstance(payload, bytes) and len(payload) == FINGERPRINT_SIZE:
        return payload
    if mode == IDLIST and ids(payload) and len(set(payload)) == len(payload):
        return payload
    if (mode == IDDIFF and isinstance(payload, list) and len(payload) == 2 and ids(payload[0])
            and len(set(payload[0])) == len(payload[0]) and isinstance(payload[1], bytes)):
        return payload
    raise RemoteProtocolError(f"bad payload for mode {mode}")


def _bitmap(flags: list[bool]) -> bytes:
    """Flags packed most significant bit first, padded with zero bits."""
    out = bytearray((len(flags) + 7) // 8)
    for k, f in enumerate(flags):
        if f:
            out[k // 8] |= 0x80 >> (k % 8)
    return bytes(out)


def _bits(bitmap: bytes, n: int) -> list[bool] | None:
    """The n flags of a bitmap, or None when its padding bits are not zero."""
    flags = [bool(bitmap[k // 8] & (0x80 >> (k % 8))) for k in range(len(bitmap) * 8)]
    return None if any(flags[n:]) else flags[:n]
