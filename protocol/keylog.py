"""Key event logs (specs/10-keys.md): an identity's inception, rotations and device keys, as pure rules.

An identity is the key that signed its inception. Its log is a chain of `key` messages in the meta topic, each
referring to the one before it. `check(msg, chain)` validates one event against the chain it extends (inception
first), `head(events)` picks the chain every node follows among an identity's events, and `fold(chain)` is the
`State` that chain leads to: which keys speak for the identity, and which messages of a revoked device still do.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from antiport.crypto import verify

from .envelope import Message
from .errors import Rejected

OPS = ("incept", "rotate", "add", "revoke")
DEVICE_DOMAIN = b"antiport/device/v1\x00"  # what a device signs, followed by the identity key, to consent
MAX_KEEP = 1000    # ids a revocation may keep valid
MAX_LOG = 10_000   # events in one log; a longer chain is refused (bad-key-event)
FIELDS = {"incept": {"next"}, "rotate": {"next"}, "add": {"device", "proof"}, "revoke": {"device", "keep"}}


def digest(public_key: bytes) -> bytes:
    """The commitment to a next key: BLAKE2b-256 of its 32 public-key bytes."""
    return hashlib.blake2b(public_key, digest_size=32).digest()


def device_proof(identity: bytes) -> bytes:
    """The bytes a device key signs to agree to speak for `identity` (the `proof` of an add)."""
    return DEVICE_DOMAIN + identity


@dataclass(frozen=True)
class Owner:
    """Whom a key speaks for: `identity`; `keep` is None unless the key is a revoked device, whose messages
    speak for the identity only when their ids are in it."""
    identity: bytes
    keep: frozenset[str] | None = None

    def speaks(self, message_id: str) -> bool:
        return self.keep is None or message_id in self.keep


@dataclass(frozen=True)
class State:
    identity: bytes
    current: bytes
    next: bytes
    seq: int
    rotations: int
    head: str
    keys: tuple[bytes, ...]                       # the identity's keys, inception first: each signed its log
    devices: tuple[bytes, ...] = ()               # delegated devices, not revoked, in the order added
    revoked: dict[bytes, frozenset[str]] = field(default_factory=dict)  # device -> ids of its messages kept

    def owners(self) -> dict[bytes, Owner]:
        """Every key that speaks (or spoke) for this identity."""
        out = {k: Owner(self.identity) for k in (*self.keys, *self.devices)}
        out.update({d: Owner(self.identity, keep) for d, keep in self.revoked.items()})
        return out


def check_body(msg: Message) -> None:
    """The rules of a key event that need nothing held (specs/10 section 2): bad-body, bad-refs."""
    op, body = msg.body["op"], msg.body
    extra = set(body) - {"op", "seq"} - FIELDS[op]
    missing = FIELDS[op] - set(body)
    if extra or missing:
        raise Rejected("bad-body", f"{op} takes {', '.join(sorted(FIELDS[op]))}")
    if (op == "incept") != (body["seq"] == 0):
        raise Rejected("bad-body", "seq is 0 for an inception and only for it")
    if op == "revoke" and not all(isinstance(i, bytes) and len(i) == 32 for i in body["keep"]):
        raise Rejected("bad-body", "keep holds 32-byte message ids")
    if len(msg.refs) != (op != "incept"):
        raise Rejected("bad-refs", "an inception refers to nothing, every later event to the one before it")


def chain(prior: Message, get: Callable[[str], Message | None]) -> list[Message]:
    """The held log from its inception to `prior`, a held key event (so its own chain was held when stored)."""
    out = [prior]
    while out[-1].refs:
        if len(out) >= MAX_LOG:
            raise Rejected("bad-key-event", f"a log of more than {MAX_LOG} events")
        before = get(out[-1].refs[0])
        if before is None:
            raise Rejected("missing-ref", f"{out[-1].refs[0]} is not known")
        out.append(before)
    return out[::-1]


def fold(events: Iterable[Message]) -> State:
    """The state a valid chain (inception first) leads to."""
    state: State | None = None
    for msg in events:
        op, body = msg.body["op"], msg.body
        if state is None:
            state = State(msg.author, msg.author, body["next"], 0, 0, msg.id, (msg.author,))
            continue
        common: dict[str, Any] = {"seq": body["seq"], "head": msg.id}
        if op == "rotate":
            state = _replace(state, current=msg.author, next=body["next"], rotations=state.rotations + 1,
                             keys=(*state.keys, msg.author), **common)
        elif op == "add":
            state = _replace(state, devices=(*state.devices, body["device"]), **common)
        else:
            kept = frozenset(i.hex() for i in body["keep"])
            state = _replace(state, devices=tuple(d for d in state.devices if d != body["device"]),
                             revoked={**state.revoked, body["device"]: kept}, **common)
    assert state is not None, "a chain starts with its inception"
    return state


def _replace(state: State, **changes: Any) -> State:
    return State(**{**state.__dict__, **changes})


def check(msg: Message, log: list[Message]) -> None:
    """Raise Rejected unless the key event `msg` may follow the chain `log` (specs/10 section 3)."""
    state = fold(log)
    op, body = msg.body["op"], msg.body
    if body["seq"] != state.seq + 1:
        raise Rejected("bad-key-event", f"seq {body['seq']} after {state.seq}")
    if op == "rotate" and digest(msg.author) != state.next:
        raise Rejected("not-next-key", "a rotation is signed by the key the log committed to")
    if op in ("add", "revoke") and msg.author != state.current:
        raise Rejected("not-current-key", f"{op} is signed by the identity's current key")
    if op == "rotate" and (msg.author in state.keys or msg.author in state.devices or msg.author in state.revoked):
        raise Rejected("bad-key-event", "a rotation moves to a key the log has not used")
    if op == "add":
        device = body["device"]
        if device in state.keys or device in state.devices or device in state.revoked or device == state.next:
            raise Rejected("bad-key-event", "the device key is already in this log")
        if not verify(device, device_proof(state.identity), body["proof"]):
            raise Rejected("bad-key-event", "the proof is not the device's signature of the identity")
    if op == "revoke" and body["device"] not in state.devices:
        raise Rejected("bad-key-event", "only a delegated device can be revoked")


def head(events: Iterable[Message]) -> list[Message]:
    """The chain the identity's state is read from, among all its held valid events: the one with the most
    rotations, then the most events, then the smallest head id (specs/10 section 4)."""
    by_id = {m.id: m for m in events}
    rank: dict[str, tuple[int, int]] = {}
    for msg in sorted(by_id.values(), key=lambda m: m.body["seq"]):
        before = rank.get(msg.refs[0], (0, 0)) if msg.refs else (0, 0)
        rank[msg.id] = (before[0] + (msg.body["op"] == "rotate"), msg.body["seq"])
    tip = min(rank, key=lambda i: (-rank[i][0], -rank[i][1], i))
    return chain(by_id[tip], by_id.get)


def owners(events: Iterable[Message]) -> dict[bytes, Owner]:
    """Whom each key speaks for, from every held valid key event of any identity (specs/10 section 4): a key
    two logs name speaks for the smaller identity, and an identity's own key always for itself."""
    by_id = {m.id: m for m in events}
    logs: dict[bytes, list[Message]] = {}
    inceptions: dict[bytes, str] = {}  # a node refuses a second inception; a set that has two reads the smaller
    for msg in sorted(by_id.values(), key=lambda m: m.id):
        first = chain(msg, by_id.get)[0]
        if inceptions.setdefault(first.author, first.id) == first.id:
            logs.setdefault(first.author, []).append(msg)
    out: dict[bytes, Owner] = {}
    for identity in sorted(logs, reverse=True):
        out.update(fold(head(logs[identity])).owners())
    out.update({identity: Owner(identity) for identity in logs})
    return out
