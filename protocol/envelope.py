"""The signed envelope: build, encode, sign, and parse (specs/01-identity-envelope.md).

Wire form: CBOR array [payload: bytes, signature: bytes(64)], deterministic encoding.
payload is the deterministic CBOR map {v, kind, author, topic, created, refs, body}.
signature = Ed25519(author, DOMAIN + payload). id = BLAKE2b-256(envelope bytes).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import cbor2
from antiport.crypto import Identity, did_from_key, verify

from . import codec
from .errors import Rejected

VERSION = 1
DOMAIN = b"antiport/msg/v1\x00"
MAX_ENVELOPE = 64 * 1024
MIN_CREATED = 1_577_836_800_000  # 2020-01-01T00:00:00Z in ms
MAX_SKEW_MS = 10 * 60 * 1000
FIELDS = {"v": int, "kind": str, "author": bytes, "topic": str, "created": int, "refs": list, "body": dict}


def message_id(envelope: bytes) -> str:
    return hashlib.blake2b(envelope, digest_size=32).hexdigest()


@dataclass(frozen=True)
class Message:
    id: str
    raw: bytes
    kind: str
    author: bytes
    topic: str
    created: int
    refs: tuple[str, ...]
    body: dict[str, Any] = field(hash=False)
    v: int = VERSION

    @property
    def author_did(self) -> str:
        return did_from_key(self.author)

    @property
    def target(self) -> str | None:
        return self.refs[0] if self.refs else None


def sign(identity: Identity, kind: str, topic: str, body: dict[str, Any], refs: Iterable[str] = (), *,
         created: int, now: int | None = None) -> Message:
    """Build and sign a message, held to every rule `parse(raw, now)` holds a received one to except the signature
    check: the signature was made here a moment ago, by libsodium, over the payload it is returned with (a local
    write verified it twice before, docs/performance.md). `created` and `now` are milliseconds since the epoch
    (protocol/ reads no clock)."""
    payload = codec.encode({"v": VERSION, "kind": kind, "author": identity.public_key, "topic": topic,
                            "created": created, "refs": [bytes.fromhex(r) for r in refs], "body": body})
    raw = codec.encode([payload, identity.sign(DOMAIN + payload)])
    return opened(unpack(raw), True, now)


def load(raw: bytes) -> Message:
    """Rebuild a Message from envelope bytes this node already validated (no signature check)."""
    payload, _ = cbor2.loads(raw)
    p = cbor2.loads(payload)
    return Message(id=message_id(raw), raw=raw, kind=p["kind"], author=p["author"], topic=p["topic"],
                   created=p["created"], refs=tuple(r.hex() for r in p["refs"]), body=p["body"])


def parse(raw: bytes, now: int | None = None) -> Message:
    """Decode and verify an envelope; stateless checks only (see validate.py for the kind rules).

    With `now` (ms), also checks the clock-skew window.
    """
    sealed = unpack(raw)
    return opened(sealed, signed(sealed), now)


@dataclass(frozen=True)
class Sealed:
    """An envelope decoded and checked up to its signature, which is not verified yet (`signed`, then `opened`:
    `parse` in steps, so that `sign` can skip only the signature's)."""
    raw: bytes
    payload: bytes
    signature: bytes
    fields: dict[str, Any]


def unpack(raw: bytes) -> Sealed:
    """The checks of `parse` before the signature's, in its order (Rejected)."""
    if len(raw) > MAX_ENVELOPE:
        raise Rejected("oversize", f"{len(raw)} bytes > {MAX_ENVELOPE}")
    outer = codec.decode(raw, max_depth=2)
    if not (isinstance(outer, list) and len(outer) == 2 and all(isinstance(x, bytes) for x in outer)):
        raise Rejected("malformed", "the envelope is an array of two byte strings")
    payload, signature = outer
    p = codec.decode(payload)
    if not isinstance(p, dict):
        raise Rejected("malformed", "the payload is a map")
    if p.get("v") != VERSION or isinstance(p.get("v"), bool):  # true == 1 in Python; it is not version 1
        raise Rejected("bad-version", f"version {p.get('v')!r}")
    if set(p) != set(FIELDS):
        raise Rejected("bad-field", f"fields must be exactly {sorted(FIELDS)}")
    for name, typ in FIELDS.items():
        if not isinstance(p[name], typ) or isinstance(p[name], bool):
            raise Rejected("bad-field", f"{name} must be {typ.__name__}")
    if len(p["author"]) != 32:
        raise Rejected("bad-field", "author is a 32-byte Ed25519 key")
    if not all(isinstance(r, bytes) and len(r) == 32 for r in p["refs"]):
        raise Rejected("bad-field", "refs are 32-byte message ids")
    return Sealed(raw, payload, signature, p)


def signed(sealed: Sealed) -> bool:
    """True when the envelope's signature is its author's (the one expensive step of `parse`)."""
    return verify(sealed.fields["author"], DOMAIN + sealed.payload, sealed.signature)


def opened(sealed: Sealed, good_signature: bool, now: int | None = None) -> Message:
    """The checks of `parse` from the signature's on, given what `signed` said (Rejected), and the Message."""
    p = sealed.fields
    if not good_signature:
        raise Rejected("bad-signature")
    if p["created"] < MIN_CREATED or (now is not None and p["created"] > now + MAX_SKEW_MS):
        raise Rejected("clock-skew", f"created {p['created']}")
    return Message(id=message_id(sealed.raw), raw=sealed.raw, kind=p["kind"], author=p["author"], topic=p["topic"],
                   created=p["created"], refs=tuple(r.hex() for r in p["refs"]), body=p["body"])
