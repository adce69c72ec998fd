"""Writes vectors/sync.json: reconciliation exchanges (specs/05-sync.md) for fixed item sets.

    python specs/vectors/generate_sync.py          # rewrite sync.json
    python specs/vectors/generate_sync.py --check  # exit 1 if the committed file differs

Each exchange gives both item sets, the frame budget each side used, every frame in order (hex, with
its sender; "a" starts), and what each side learnt: `need` (ids it lacks) and `have` (ids the other lacks).
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from antiport.protocol.sync import MAX_FRAME, MIN_FRAME, Reconciler

HERE = Path(__file__).resolve().parent
T0 = 1_767_225_600_000


def items(name: str, n: int) -> list[tuple[int, bytes]]:
    """n items; every third one shares its created time with the next, so ids break ties."""
    return [(T0 + (k // 3) * 1000, hashlib.blake2b(f"sync/{name}/{k}".encode(), digest_size=32).digest())
            for k in range(n)]


def exchange(name: str, a_items, b_items, frame_limit: int = MAX_FRAME) -> dict:
    a, b = Reconciler(a_items, frame_limit), Reconciler(b_items, frame_limit)
    frames, frame, sender, receiver = [], a.initiate(), "a", b
    sides = {"a": a, "b": b}
    while frame is not None:
        frames.append({"from": sender, "hex": frame.hex()})
        _, frame = receiver.receive(frame)
        sender = "b" if sender == "a" else "a"
        receiver = sides["b" if sender == "a" else "a"]
    return {
        "name": name,
        "frame_limit": frame_limit,
        "a": [[c, i.hex()] for c, i in sorted(a_items)],
        "b": [[c, i.hex()] for c, i in sorted(b_items)],
        "frames": frames,
        "a_need": sorted(i.hex() for i in a.need), "a_have": sorted(i.hex() for i in a.have),
        "b_need": sorted(i.hex() for i in b.need), "b_have": sorted(i.hex() for i in b.have),
    }


def build() -> dict:
    base = items("base", 200)
    gone = set(range(5, 200, 23))  # 9 items b lacks
    return {"exchanges": [
        exchange("equal sets: one fingerprint, then done", base[:40], base[:40]),
        exchange("small sets: id lists", items("x", 5), items("x", 3) + items("y", 2)),
        exchange("empty side: all ids in one answer", [], base[:40]),
        exchange("nine missing of two hundred: fingerprints split, then id lists",
                 base, [x for k, x in enumerate(base) if k not in gone]),
        exchange("empty side, smallest frames: the rest is deferred", [], items("z", 250), MIN_FRAME),
    ]}


def text() -> str:
    return json.dumps(build(), indent=1) + "\n"


def main(argv: list[str]) -> int:
    path = HERE / "sync.json"
    if "--check" in argv:
        same = path.exists() and path.read_text() == text()
        print("sync.json is up to date" if same else "sync.json differs from the generator")
        return 0 if same else 1
    path.write_text(text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
