"""Writes the sync vectors (specs/05-sync.md) from fixed inputs:

    python specs/vectors/generate_sync.py          # rewrite sync.json and sync-sessions.json
    python specs/vectors/generate_sync.py --check  # exit 1 if a committed file differs

sync.json: reconciliation exchanges (§1-4). Each gives both item sets, the frame budget each side used,
every frame in order (hex, with its sender; "a" starts), and what each side learnt: `need` (ids it lacks)
and `have` (ids the other lacks).

sync-sessions.json: whole sessions of the stream protocol (§5), recorded between two `Session`s, or between
a `Session` and a scripted peer that breaks the protocol; see §7 of the spec for how to replay them.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from antiport.crypto import Identity
from antiport.protocol import load, sign
from antiport.protocol.sync import MAX_FRAME, MIN_FRAME, Reconciler, RemoteProtocolError
from antiport.protocol.sync_session import (
    Done,
    Received,
    Send,
    Session,
)
from antiport.protocol.sync_wire import NEED_DATA, encode_message

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
    many = items("many", 400)
    return {"exchanges": [
        exchange("equal sets: one fingerprint, then done", base[:40], base[:40]),
        exchange("small sets: id lists", items("x", 5), items("x", 3) + items("y", 2)),
        exchange("empty side: all ids in one answer", [], base[:40]),
        exchange("nine missing of two hundred: fingerprints split, then id lists",
                 base, [x for k, x in enumerate(base) if k not in gone]),
        exchange("empty side, smallest frames: the rest is deferred", [], items("z", 250), MIN_FRAME),
        exchange("one in seven missing, smallest frames: split answers deferred",
                 many, [x for k, x in enumerate(many) if k % 7 != 3], MIN_FRAME),
    ]}


# -- sessions ---------------------------------------------------------------------------------------------

TOPIC, OTHER, THIRD = "acme/widget", "acme/gadget", "globex/phone"


def person(k: int) -> Identity:
    return Identity(hashlib.blake2b(f"antiport/sync-sessions/{k}".encode(), digest_size=32).digest())


def thread(topic: str, n: int, seed: str, start: int = 0) -> list[bytes]:
    """n envelopes in topic: a request every third message, answered by the next two."""
    out: list[bytes] = []
    for k in range(n):
        who, created = person(k % 5), T0 + start + k * 1000
        if k % 3 == 0:
            root = sign(who, "request", topic, {"title": f"{seed} {k}", "text": "It beeps."}, created=created)
            out.append(root.raw)
        else:
            out.append(sign(who, "answer", topic, {"text": f"{seed}: try {k}"}, [root.id], created=created).raw)
    return out


def profiles(names: list[str]) -> list[bytes]:
    return [sign(person(k), "profile", "", {"name": name}, created=T0 + k).raw for k, name in enumerate(names)]


class Side:
    """What one side of a session holds: envelopes per topic; it stores what it receives."""

    def __init__(self, followed: list[str], envelopes: list[bytes]):
        self.followed = followed
        self.held = {bytes.fromhex(m.id): m for m in map(load, envelopes)}
        self.sent: set[bytes] = set()
        self.start = {t: [[c, i.hex()] for c, i in sorted(self.items(t))]
                      for t in sorted({m.topic for m in self.held.values()})}

    def items(self, topic: str) -> list[tuple[int, bytes]]:
        return [(m.created, i) for i, m in self.held.items() if m.topic == topic]

    def envelope(self, message_id: bytes) -> bytes | None:
        self.sent.add(message_id)
        return self.held[message_id].raw

    def session(self, initiator: bool, batch_bytes: int) -> Session:
        return Session(initiator, self.followed, self.items, self.envelope, batch_bytes=batch_bytes)

    def inputs(self) -> dict:
        """For the vector: the followed topics, the items per topic, and the envelopes that left this side."""
        return {"followed": self.followed, "items": self.start,
                "envelopes": [self.held[i].raw.hex() for i in sorted(self.sent)]}


def session(name: str, initiator: Side, responder: Side, batch_bytes: int = 512 * 1024) -> dict:
    """Two Sessions over an in-memory stream, every message both ways recorded in order."""
    sides = {"initiator": initiator, "responder": responder}
    sessions = {role: side.session(role == "initiator", batch_bytes) for role, side in sides.items()}
    inbox: dict[str, list[bytes]] = {"initiator": [], "responder": []}
    received: dict[str, list[str]] = {"initiator": [], "responder": []}
    transcript, closed = [], []
    while len(closed) < 2:
        for role, s in sessions.items():
            other = "responder" if role == "initiator" else "initiator"
            if role in closed:
                continue
            event = s.next_event()
            if event is NEED_DATA:
                if inbox[role]:
                    s.receive_data(inbox[role].pop(0))
                elif other in closed:
                    s.receive_data(b"")
            elif isinstance(event, Send):
                transcript.append({"from": role, "hex": event.data.hex()})
                inbox[other].append(event.data)
            elif isinstance(event, Received):
                received[role].append(event.id.hex())
                sides[role].held[event.id] = load(event.raw)
                s.stored(event)
            elif isinstance(event, Done):
                transcript.append({"from": role, "close": True})
                closed.append(role)
    return {"name": name, "batch_bytes": batch_bytes,
            "initiator": initiator.inputs(), "responder": responder.inputs(),
            "transcript": transcript,
            "initiator_received": received["initiator"], "responder_received": received["responder"]}


def violation(name: str, honest: str, side: Side, script: list[dict]) -> dict:
    """A Session (role `honest`) against a scripted peer: the peer's messages are fixed; the session must
    refuse the last one (RemoteProtocolError) after sending what the transcript shows."""
    s = side.session(honest == "initiator", 512 * 1024)
    transcript = []
    for value in [None, *script]:
        event = s.next_event()
        while isinstance(event, Send):
            transcript.append({"from": honest, "hex": event.data.hex()})
            event = s.next_event()
        if value is not None:
            data = encode_message(value)
            transcript.append({"from": "peer", "hex": data.hex()})
            s.receive_data(data)
    try:
        s.next_event()
    except RemoteProtocolError as e:
        transcript.append({"from": honest, "error": str(e)})
    else:
        raise AssertionError(f"{name}: the session accepted the violation")
    return {"name": name, "batch_bytes": 512 * 1024, honest: side.inputs(), "transcript": transcript}


def build_sessions() -> dict:
    meta = profiles(["ann", "ben", "cat"])
    widget = thread(TOPIC, 300, "widget")
    hello = {"topics": ["", TOPIC]}
    return {"sessions": [
        session("equal sets: one fingerprint each way per topic",
                Side([TOPIC], meta + widget[:40]), Side([TOPIC], meta + widget[:40])),
        session("one side empty: every envelope, in batches that stop once past 4 KiB",
                Side([TOPIC], []), Side([TOPIC], meta + widget[:40]), batch_bytes=4096),
        session("small difference in a large set: three and two missing of three hundred",
                Side([TOPIC], meta + widget[:297] + thread(TOPIC, 3, "left", 10**6)),
                Side([TOPIC], meta[:2] + widget[:297] + thread(TOPIC, 2, "right", 10**6))),
        session("several topics: the common ones, in order, meta first",
                Side([OTHER, TOPIC], meta[:1] + widget[:8] + thread(OTHER, 6, "o")),
                Side([THIRD, OTHER, "zeta/x"], meta + thread(OTHER, 9, "o") + thread(THIRD, 5, "t"))),
        violation("violation: an envelope that was not asked for", "responder",
                  Side([TOPIC], widget[:5]),
                  [hello, {"topic": None, "frame": None, "msgs": [widget[5]]}]),
        violation("violation: a frame for a topic out of order", "responder",
                  Side([TOPIC], widget[:5]),
                  [hello, {"topic": TOPIC, "frame": Reconciler([]).initiate(), "msgs": []}]),
        violation("violation: the answer names a topic that was not offered", "initiator",
                  Side([TOPIC], widget[:5]), [{"topics": ["", OTHER]}]),
    ]}


FILES = {"sync.json": build, "sync-sessions.json": build_sessions}


def text(name: str = "sync.json") -> str:
    return json.dumps(FILES[name](), indent=1) + "\n"


def main(argv: list[str]) -> int:
    for name in FILES:
        path = HERE / name
        if "--check" in argv:
            if not path.exists() or path.read_text() != text(name):
                print(f"{name} differs from the generator")
                return 1
        else:
            path.write_text(text(name))
    if "--check" in argv:
        print("the sync vectors are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
