"""Passing a thread on (specs/13-share.md): what a `share` seals, pure.

A `share` seals to one person's key {"thread": root id, "topic": its slug, "title": its title, "note"?: text}
(`shared`);
validation never opens it (relays cannot). The receiver opens it with `open_share`, which refuses what section 2
does not allow. A `crosspost` is public and needs nothing sealed: its rules are in kinds.py and validate.py.
"""
from __future__ import annotations

from typing import Any

from antiport.crypto import Identity
from antiport.crypto.seal import SealError, seal, unseal

from . import codec, topics
from .errors import Rejected
from .kinds import forbidden, is_blank

TITLE = 200  # code points, as a request's title (specs/02 section 2)
NOTE = 500   # code points of the sender's note


def shared(thread: bytes, topic: str, title: str, note: str = "") -> dict[str, Any]:
    """What a share of the thread root `thread` of `topic` seals: its title, and the note if there is one."""
    return {"thread": thread, "topic": topic, "title": title, **({"note": note} if note else {})}


def seal_share(to: bytes, plain: dict[str, Any]) -> bytes:
    """The `sealed` of a share to `to` (`plain` from `shared`; check it with `share_problem` first)."""
    return seal(to, codec.encode(plain))


def open_share(identity: Identity, sealed: bytes) -> dict[str, Any]:
    """What a share sealed to `identity` holds; SealError when it cannot be opened or holds something else than
    section 2 allows (saying what)."""
    try:
        plain = codec.decode(unseal(identity, sealed))
    except Rejected:
        raise SealError("the sealed share is not deterministic CBOR") from None
    problem = share_problem(plain)
    if problem:
        raise SealError(f"the sealed share is not valid: {problem}")
    return plain  # type: ignore[no-any-return]


def share_problem(plain: Any) -> str | None:
    """What is wrong with a share's sealed map (section 2), or None."""
    if not isinstance(plain, dict) or not {"thread", "topic", "title"} <= set(plain) <= {"thread", "topic", "title",
                                                                                           "note"}:
        return "a share holds thread, topic, title and perhaps note"
    if not isinstance(plain["thread"], bytes) or len(plain["thread"]) != 32:
        return "thread is a message id: 32 bytes"
    if not isinstance(plain["topic"], str) or not topics.is_slug(plain["topic"]):
        return "topic is a product slug"
    for name, most, line in (("title", TITLE, True), ("note", NOTE, False)):
        value = plain.get(name, "x")
        if not isinstance(value, str) or not 0 < len(value) <= most or is_blank(value) or forbidden(value, line):
            return f"{name} is 1 to {most} characters that say something" + (", one line" if line else "")
    return None


__all__ = ["NOTE", "TITLE", "SealError", "open_share", "seal_share", "share_problem", "shared"]
