"""specs/vectors/sync.json replayed by a reconciler written from specs/05-sync.md sections 1-4 alone (not from
antiport.protocol): every frame byte for byte, the frame budget included, and what each side learns.
Frames are read with the independent verifier's CBOR reader and written with the small encoder below."""
from __future__ import annotations

import hashlib

import pytest
from spec_vectors import vectors
from test_independent_verifier import decode

pytestmark = pytest.mark.fast

INF = (2**64 - 1, b"")
SKIP, FINGERPRINT, IDLIST, IDDIFF = range(4)
FEW = 16  # at most this many items are listed; more are split into 16 runs


def enc(v) -> bytes:
    """Deterministic CBOR (01 section 2) of the values a frame holds."""
    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        info, width = next((24 + k, 1 << k) for k in range(4) if n < 1 << (8 << k))
        return bytes([major << 5 | info]) + n.to_bytes(width, "big")
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        return head(3, len(v.encode())) + v.encode()
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(map(enc, v))
    return head(5, len(v)) + b"".join(enc(k) + enc(v[k]) for k in sorted(v, key=enc))


def fingerprint(ids) -> bytes:
    total = sum(int.from_bytes(i, "little") for i in ids) % 2**256
    data = b"antiport/sync/1\x00" + total.to_bytes(32, "little") + len(ids).to_bytes(8, "little")
    return hashlib.blake2b(data, digest_size=16).digest()


def below(item, bound) -> bool:
    """Section 1: created first, then the id against the prefix; an id starting with the prefix is not below."""
    return item[0] < bound[0] or (item[0] == bound[0] and item[1][:len(bound[1])] < bound[1])


def shortest(a, b):
    if a[0] != b[0]:
        return (b[0], b"")
    k = next(k for k in range(32) if a[1][k] != b[1][k])
    return (b[0], b[1][:k + 1])


def encode_frame(ranges) -> tuple[bytes, int]:
    """A frame from [(bound, mode, payload)], consecutive SKIPs merged (section 3); and its number of ranges."""
    merged = []
    for r in ranges:
        if merged and r[1] == SKIP == merged[-1][1]:
            merged[-1] = r
        else:
            merged.append(r)
    if all(mode == SKIP for _, mode, _ in merged):
        return enc({"r": [], "v": 1}), 0
    wire, prev = [], 0
    for (created, prefix), mode, payload in merged:
        if (created, prefix) == INF:
            wire.append([0, b"", mode, payload])
        else:
            wire.append([created - prev + 1, prefix, mode, payload])
            prev = created
    return enc({"r": wire, "v": 1}), len(merged)


class Side:
    def __init__(self, items, budget: int):
        self.items, self.budget = sorted(items), budget
        self.held = {i for _, i in self.items}
        self.need: set[bytes] = set()
        self.have: set[bytes] = set()

    def initiate(self) -> bytes:
        ids = [i for _, i in self.items]
        return encode_frame([(INF, IDLIST, ids) if len(ids) <= FEW else (INF, FINGERPRINT, fingerprint(ids))])[0]

    def defer(self, start):
        return (INF, FINGERPRINT, fingerprint([i for c, i in self.items if not below((c, i), start)]))

    def closes(self, ranges) -> bool:
        """Section 4, frame budget: with one deferral range after them, within B bytes and 1,024 ranges."""
        data, n = encode_frame([*ranges, (INF, FINGERPRINT, bytes(16))])
        return len(data) <= self.budget and n <= 1024

    def receive(self, frame: bytes) -> bytes | None:
        value, out, lower, prev = decode(frame, 8), [], (0, b""), 0
        if not value["r"]:
            return None
        for c, prefix, mode, payload in value["r"]:
            bound = INF if c == 0 else (prev + c - 1, prefix)
            prev = bound[0] if c else prev
            mine = [x for x in self.items if not below(x, lower) and (bound == INF or below(x, bound))]
            if mode == IDLIST and not payload and len(mine) > FEW:  # the one answer that is cut
                k = next((k for k in range(len(mine), 0, -1) if self.closes([*out, self.ids_of(mine, k, bound)])), 0)
                if k:
                    out.append(self.ids_of(mine, k, bound))
                    self.have.update(i for _, i in mine[:k])
                if k < len(mine):
                    out.append(self.defer(out[-1][0] if k else lower))
                    break
            else:
                answer = self.answer(mine, bound, mode, payload)
                if not self.closes([*out, *answer]):
                    out.append(self.defer(lower))
                    break
                out += answer
            lower = bound
        return encode_frame(out)[0]

    def ids_of(self, mine, k: int, bound):
        return (bound if k == len(mine) else shortest(mine[k - 1], mine[k]), IDDIFF, [[i for _, i in mine[:k]], b""])

    def answer(self, mine, bound, mode: int, payload) -> list:
        ids = [i for _, i in mine]
        if mode == SKIP or (mode == FINGERPRINT and payload == fingerprint(ids)):
            return [(bound, SKIP, None)]
        if mode == IDDIFF:
            self.need.update(payload[0])
            self.have.update(i for k, i in enumerate(ids) if payload[1][k // 8] & (0x80 >> (k % 8)))
            return [(bound, SKIP, None)]
        if len(ids) > FEW:  # a differing fingerprint, or a list against more than 16 of ours: 16 runs
            starts = [len(ids) * k // 16 for k in range(16)]
            bounds = [shortest(mine[s - 1], mine[s]) for s in starts[1:]] + [bound]
            ends = starts[1:] + [len(ids)]
            return [(b, FINGERPRINT, fingerprint(ids[s:e])) for b, s, e in zip(bounds, starts, ends, strict=True)]
        if mode == FINGERPRINT:
            return [(bound, IDLIST, ids)]
        lacking, they_lack = [i for i in payload if i not in self.held], [i for i in ids if i not in payload]
        self.need.update(lacking)
        self.have.update(they_lack)
        if not lacking and not they_lack:
            return [(bound, SKIP, None)]
        bits = bytearray((len(payload) + 7) // 8)
        for k, i in enumerate(payload):
            bits[k // 8] |= (0x80 >> (k % 8)) if i not in self.held else 0
        return [(bound, IDDIFF, [they_lack, bytes(bits)])]


EXCHANGES = vectors("sync.json")["exchanges"]


@pytest.mark.parametrize("entry", EXCHANGES, ids=[e["name"] for e in EXCHANGES])
def test_every_frame_from_the_spec_alone(entry):
    sides = {n: Side([(c, bytes.fromhex(i)) for c, i in entry[n]], entry["frame_limit"]) for n in "ab"}
    frames = entry["frames"]
    assert sides["a"].initiate().hex() == frames[0]["hex"]
    for k, frame in enumerate(frames):
        reply = sides["b" if frame["from"] == "a" else "a"].receive(bytes.fromhex(frame["hex"]))
        assert (reply.hex() if reply is not None else None) == (frames[k + 1]["hex"] if k + 1 < len(frames) else None)
    assert all(len(f["hex"]) // 2 <= entry["frame_limit"] for f in frames)
    for n, side in sides.items():
        assert sorted(i.hex() for i in side.need) == entry[f"{n}_need"]
        assert sorted(i.hex() for i in side.have) == entry[f"{n}_have"]
