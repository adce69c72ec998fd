"""Fuzz targets for hostile input, and a mutation loop to drive them (tests/fuzz, bench/fuzz/run.py).

Each target takes arbitrary bytes and may end in exactly one kind of error, the one its module documents for bad
input (Rejected, RemoteProtocolError, OpError); any other exception, or a broken property (an assert), is a
finding. The loop mutates inputs from the corpus (tests/fuzz/corpus/<target>/: seeds from the spec vectors, and
every crasher found) byte by byte and, for inputs that are CBOR, value by value.
"""
from __future__ import annotations

import hashlib
import random
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2
from antiport.crypto import Identity
from antiport.node.ops import OpError
from antiport.node.service import split_sequence
from antiport.protocol import DOMAIN, KINDS, Message, Rejected, codec, load, validate
from antiport.protocol.sync import Reconciler, RemoteProtocolError
from antiport.protocol.sync_session import Done, Received, Session
from antiport.protocol.sync_wire import NEED_DATA, Reader, encode_message

CORPUS = Path(__file__).resolve().parent / "corpus"
VECTORS = Path(__file__).resolve().parents[2] / "specs" / "vectors"
NOW = 1_767_312_000_000  # the `now` of the envelope vectors
SIGNER = Identity(bytes(32))  # signs a mutated payload whose author is none of the vector identities


def _vectors(name: str) -> Any:
    import json
    return json.loads((VECTORS / name).read_text())


class Held:
    """Every valid vector envelope, as the validation context (claimed keys: any manifest naming the topic)."""

    def __init__(self) -> None:
        self.messages: dict[str, Message] = {}
        for m in _vectors("valid.json")["messages"]:
            msg = load(bytes.fromhex(m["envelope"]))
            self.messages[msg.id] = msg

    def get(self, message_id: str) -> Message | None:
        return self.messages.get(message_id)

    def claimed_keys(self, topic: str) -> set[bytes]:
        return {k for m in self.messages.values() if m.kind == "vendor" and topic in m.body["topics"]
                for k in (m.author, *m.body.get("keys", []))}

    def owner(self, key: bytes) -> None:
        return None  # valid.json holds no key log: every key speaks for itself


HELD = Held()
SIGNERS = {i.public_key: i for i in (Identity(bytes.fromhex(v["seed"]))
                                     for v in _vectors("identities.json")["identities"])}
_SESSION = next(s for s in _vectors("sync-sessions.json")["sessions"] if s["name"].startswith("small difference"))


# -- the targets --------------------------------------------------------------------------------------------

def fuzz_codec(data: bytes) -> str:
    """decode: a value whose deterministic encoding is exactly the input, or Rejected."""
    try:
        value = codec.decode(data)
    except Rejected as e:
        return _label(e)
    assert codec.encode(value) == data, "decode accepted bytes that do not re-encode to themselves"
    return "ok"


def fuzz_envelope(data: bytes) -> str:
    """validate: a Message whose fields load() reads back alike, or Rejected."""
    try:
        msg = validate(data, NOW, HELD)
    except Rejected as e:
        return _label(e)
    assert msg.raw == data and load(data) == msg
    return "ok " + (msg.kind if msg.kind in KINDS else "of another kind")


def fuzz_signed(data: bytes) -> str:
    """The input is a payload, signed here by its author when it is a vector identity: validation past the
    signature (kinds, bodies, refs, who may send what, text rules)."""
    try:
        author = cbor2.loads(data).get("author")
    except Exception:  # noqa: BLE001 -- not a map of a payload: any signer will do
        author = None
    signer = SIGNERS.get(author, SIGNER) if isinstance(author, bytes) else SIGNER
    return fuzz_envelope(cbor2.dumps([data, signer.sign(DOMAIN + data)], canonical=True))


def fuzz_sync_wire(data: bytes) -> str:
    """Reader fed in chunks (sized by the first byte): maps that re-encode to their bytes, or RemoteProtocolError."""
    if not data:
        return "empty"
    step, data = data[0] % 17 + 1, data[1:]
    reader, out, pos = Reader(), [], 0
    try:
        while True:
            message = reader.next()
            if message is NEED_DATA:
                chunk = data[pos:pos + step]
                pos += step
                reader.feed(chunk)  # b"" once past the end: the peer closed
                continue
            if message is None:
                break
            out.append(message)
    except RemoteProtocolError as e:
        return _label(e)
    assert b"".join(encode_message(m) for m in out) == data, "the messages read are not the bytes sent"
    return f"ok {min(len(out), 9)}"


def fuzz_sync_session(data: bytes) -> str:
    """A Session (responder, or initiator when the first byte is odd) reading the input as the peer's stream, its
    envelopes validated against the vectors: it ends Done or with RemoteProtocolError, never anything else."""
    if not data:
        return "empty"
    role = "initiator" if data[0] & 1 else "responder"
    side, step, data = _SESSION[role], (data[0] >> 1) % 64 + 1, data[1:]
    items = {t: [(c, bytes.fromhex(i)) for c, i in pairs] for t, pairs in side["items"].items()}
    envelopes = {bytes.fromhex(load(bytes.fromhex(r)).id): bytes.fromhex(r) for r in side["envelopes"]}
    session = Session(role == "initiator", side["followed"], lambda t: items.get(t, []), envelopes.get,
                      batch_bytes=_SESSION["batch_bytes"])
    pos, closed = 0, False
    try:
        for _ in range(100_000):
            event = session.next_event()
            if event is NEED_DATA:
                assert not closed, "the session waits for bytes after the peer closed"
                session.receive_data(data[pos:pos + step])
                closed, pos = pos >= len(data), pos + step
            elif isinstance(event, Received):
                try:
                    validate(event.raw, NOW, HELD)
                    session.stored(event)
                except Rejected as e:
                    session.refused(event, e.reason)
            elif isinstance(event, Done):
                return "done " + " ".join(f"{t}:{p.state}" for t, p in session.progress.items())
        raise AssertionError("the session neither ends nor waits")
    except RemoteProtocolError as e:
        return _label(e)


def fuzz_sync_frame(data: bytes) -> str:
    """A Reconciler (holding the first session vector's items) receiving the input as a frame."""
    items = [(c, bytes.fromhex(i)) for c, i in _SESSION["responder"]["items"].get("acme/widget", [])]
    try:
        events, reply = Reconciler(items).receive(data)
    except RemoteProtocolError as e:
        return _label(e)
    return f"ok {[type(e).__name__ for e in events]} {reply is None}"


def fuzz_split(data: bytes) -> str:
    """split_sequence (import): the items, whose bytes are the input's, or OpError."""
    try:
        items = split_sequence(data)
    except OpError:
        return "refused"
    assert b"".join(items) == data and all(items), "the items are not the file's bytes"
    return f"ok {min(len(items), 9)}"


MAX_DETAIL = 300  # characters of a refusal's message: it is logged and shown, and must not carry a peer's megabyte


def _label(error: Exception) -> str:
    """A refusal without its numbers and quoted values: which check refused (the loop keeps inputs that reach a
    new one). A refusal must stay short, whatever the input."""
    assert len(str(error)) <= MAX_DETAIL, f"a refusal of {len(str(error))} characters: {str(error)[:60]}"
    return re.sub(r"[0-9a-f]{8,}|\d+", "#", re.split(r"""['"\[{(]""", str(error))[0])[:60]


TARGETS: dict[str, Callable[[bytes], str]] = {
    "codec": fuzz_codec, "envelope": fuzz_envelope, "signed": fuzz_signed, "sync_wire": fuzz_sync_wire,
    "sync_session": fuzz_sync_session, "sync_frame": fuzz_sync_frame, "split": fuzz_split,
}


# -- the corpus ---------------------------------------------------------------------------------------------

def seeds(target: str) -> list[bytes]:
    """The inputs made from the spec vectors, for `target`."""
    valid = [bytes.fromhex(m["envelope"]) for m in _vectors("valid.json")["messages"]]
    invalid = [bytes.fromhex(m["envelope"]) for m in _vectors("invalid.json")["messages"]]
    if target in ("codec", "envelope"):
        return valid + invalid
    if target == "signed":
        return [cbor2.loads(raw)[0] for raw in valid]
    if target == "split":
        return [b"".join(valid), b"".join(valid)[:-1], (VECTORS / "export.apx").read_bytes()]
    if target == "sync_frame":
        return [bytes.fromhex(f["hex"]) for e in _vectors("sync.json")["exchanges"] for f in e["frames"]]
    streams = []
    for s in _vectors("sync-sessions.json")["sessions"]:
        for who, role_byte in (("initiator", 0), ("responder", 1)):  # our session plays the other role
            stream = b"".join(bytes.fromhex(t["hex"]) for t in s["transcript"] if t["from"] == who and "hex" in t)
            streams.append(bytes([role_byte | 126]) + stream if target == "sync_session" else bytes([16]) + stream)
    return streams


def corpus(target: str) -> list[bytes]:
    """The kept inputs of `target`: tests/fuzz/corpus/<target>/*, seeds and crashers alike."""
    folder = CORPUS / target
    return [p.read_bytes() for p in sorted(folder.iterdir())] if folder.is_dir() else []


def keep(target: str, data: bytes, prefix: str = "") -> Path:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (prefix + hashlib.sha1(data).hexdigest()[:16])
    path.write_bytes(data)
    return path


# -- mutation -----------------------------------------------------------------------------------------------

INTERESTING_INTS = [0, 1, -1, 23, 24, 255, 256, 65535, 65536, 2**32, 2**63 - 1, 2**64 - 1, -(2**64), 2**64,
                    1_577_836_800_000, NOW, NOW + 10**9]
INTERESTING_TEXT = ["", " ", "\n", "\x1b[2J", "\u202e", "a/b", "acme/widget", "Acme/Widget", "\x00", "é",
                    "request", "answer", "vendor", "status", "vote", "profile", "trust", "x" * 300]


def _leaf(rng: random.Random) -> Any:
    pick = rng.randrange(7)
    if pick == 0:
        return rng.choice(INTERESTING_INTS)
    if pick == 1:
        return rng.choice(INTERESTING_TEXT)
    if pick == 2:
        return rng.randbytes(rng.choice([0, 1, 16, 31, 32, 33, 64]))
    if pick == 3:
        return rng.choice([None, True, False])
    if pick == 4:
        return []
    if pick == 5:
        return {}
    return rng.choice(list(HELD.messages.values())).raw[:32] if rng.random() < 0.5 else bytes.fromhex(
        rng.choice(list(HELD.messages)))


def _nodes(value: Any, out: list) -> list:
    out.append(value)
    if isinstance(value, list):
        for v in value:
            _nodes(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _nodes(v, out)
    return out


def mutate_value(value: Any, rng: random.Random) -> Any:
    """`value` with one container changed in place: an item replaced, added, removed or duplicated; or a
    leaf replaced when the value is not a container."""
    containers = [v for v in _nodes(value, []) if isinstance(v, (list, dict))]
    if not containers:
        return _leaf(rng)
    c = rng.choice(containers)
    op = rng.randrange(4)
    if isinstance(c, list):
        if op == 0 and c:
            c[rng.randrange(len(c))] = _leaf(rng)
        elif op == 1:
            c.insert(rng.randrange(len(c) + 1), _leaf(rng))
        elif op == 2 and c:
            del c[rng.randrange(len(c))]
        elif c:
            c.append(c[rng.randrange(len(c))])
    else:
        keys = list(c)
        if op == 0 and keys:
            c[rng.choice(keys)] = _leaf(rng)
        elif op == 1:
            c[rng.choice(["v", "kind", "body", "topic", "refs", "text", "title", "to", "private", "topics", "keys",
                          "frame", "msgs", "r", "x"])] = _leaf(rng)
        elif op == 2 and keys:
            del c[rng.choice(keys)]
        elif keys:
            k = rng.choice(keys)
            c[k] = mutate_value(c[k], rng)
    return value


def _mutate_cbor(data: bytes, rng: random.Random) -> bytes | None:
    try:
        value = cbor2.loads(data)
    except Exception:  # noqa: BLE001 -- not CBOR: no value to mutate
        return None
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], bytes) and rng.random() < 0.5:
        inner = _mutate_cbor(value[0], rng)  # an envelope: mutate its payload
        if inner is not None:
            value[0] = inner
            return cbor2.dumps(value, canonical=True)
    try:
        return cbor2.dumps(mutate_value(value, rng), canonical=rng.random() < 0.9)
    except Exception:  # noqa: BLE001 -- a value cbor2 cannot encode (a tag): leave it
        return None


def _mutate_stream(data: bytes, rng: random.Random) -> bytes | None:
    """A sync stream (after its first byte): one of its messages mutated as a value, or dropped or repeated."""
    reader, messages = Reader(), []
    for chunk in (data[1:], b"") if data[1:] else (b"",):  # the stream, then its end (b"" once, or it is an error)
        reader.feed(chunk)
    try:
        while (m := reader.next()) is not None:
            messages.append(m)
    except RemoteProtocolError:
        pass
    if not messages:
        return None
    k, op = rng.randrange(len(messages)), rng.randrange(6)
    if op == 0:
        del messages[k]
    elif op == 1:
        messages.insert(k, messages[k])
    else:
        messages[k] = mutate_value(messages[k], rng)
        for key in ("frame",):
            if isinstance(messages[k], dict) and isinstance(messages[k].get(key), bytes) and rng.random() < 0.5:
                messages[k][key] = _mutate_cbor(messages[k][key], rng) or messages[k][key]
    try:
        return data[:1] + b"".join(encode_message(m) for m in messages)
    except Exception:  # noqa: BLE001 -- outside the data model: the codec refuses to encode it
        return None


def mutate_bytes(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(1 + int(rng.expovariate(1.0))):
        op = rng.randrange(8)
        n = len(b)
        if op == 0 and n:
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif op == 1 and n:
            b[rng.randrange(n)] = rng.choice([0, 0x7F, 0x80, 0xFF, 0x17, 0x18, 0x1B, 0x1F, 0x40, 0x5F, 0x9F, 0xBF,
                                              0xC0, 0xF4, 0xF7, 0xF9, 0xFB, rng.randrange(256)])
        elif op == 2:
            b[rng.randrange(n + 1):0] = rng.randbytes(rng.randrange(1, 9))
        elif op == 3 and n:
            i = rng.randrange(n)
            del b[i:i + rng.randrange(1, 17)]
        elif op == 4 and n:
            i = rng.randrange(n)
            b[i:i] = b[i:i + rng.randrange(1, 65)]
        elif op == 5 and others:
            o = rng.choice(others)
            cut = rng.randrange(len(b) + 1)
            b = b[:cut] + o[rng.randrange(len(o) + 1):]
        elif op == 6:
            del b[rng.randrange(n + 1):]
        elif n:
            i = rng.randrange(n)
            b[i:i + 8] = rng.choice(INTERESTING_INTS).to_bytes(9, "big", signed=True)[1:]
    return bytes(b)


def mutate(target: str, data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    if rng.random() < 0.5:
        structured = (_mutate_stream if target in ("sync_wire", "sync_session") else _mutate_cbor)(data, rng)
        if structured is not None:
            return structured
    return mutate_bytes(data, rng, others)


# -- the loop -----------------------------------------------------------------------------------------------

@dataclass
class Finding:
    target: str
    error: str      # the exception and where it was raised
    data: bytes


@dataclass
class Run:
    target: str
    inputs: int = 0
    seconds: float = 0.0
    findings: dict[str, Finding] = field(default_factory=dict)  # one input per place an error is raised
    novel: list[bytes] = field(default_factory=list)  # mutations that reached an outcome no earlier input did


def check(target: str, data: bytes) -> tuple[str | None, str]:
    """(None, outcome) when `target` handles `data` as it should; otherwise (the exception and the line that
    raised it, "")."""
    try:
        return None, TARGETS[target](data)
    except Exception as e:  # noqa: BLE001 -- every other exception is what we look for
        frame = traceback.extract_tb(e.__traceback__)[-1]
        return f"{type(e).__name__}: {str(e)[:120]} at {Path(frame.filename).name}:{frame.lineno}", ""


def fuzz(target: str, inputs: int, seed: int = 0, seconds: float | None = None) -> Run:
    """Run `target` on its corpus, then on `inputs` mutations of it (stop early after `seconds`). Mutations that
    reach an outcome not seen yet (a refusal by another check) join the pool the loop mutates."""
    rng = random.Random(seed)
    pool = corpus(target) + seeds(target)
    run, seen, kept = Run(target), set(), len(pool)
    start = time.perf_counter()
    for k in range(kept + inputs):
        data = pool[k] if k < kept else mutate(target, rng.choice(pool), rng, pool)
        error, outcome = check(target, data)
        run.inputs += 1
        site = error and re.sub(r"\d+", "#", error[:50]) + error.rsplit(" at ", 1)[-1]  # one input per bug
        if site is not None and site not in run.findings:
            run.findings[site] = Finding(target, error, data)
        if outcome not in seen and len(pool) < 5_000:
            seen.add(outcome)
            if k >= kept:
                pool.append(data)
                run.novel.append(data)
        if seconds is not None and k % 64 == 0 and time.perf_counter() - start > seconds:
            break
    run.seconds = time.perf_counter() - start
    return run
