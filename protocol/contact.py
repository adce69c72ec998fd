"""Contact cards (specs/11-contact.md): what a `contact` and a `receipt` seal, pure.

A `contact` seals to one vendor's key either an update, {"op": "update", "card": {field: text}}, or an erasure
request, {"op": "erase"}; the vendor's `receipt` seals back {"result": ..., "reason"?}. Validation never opens
them (relays cannot); the vendor checks the card it opens with `card_problem` and refuses a bad one by receipt.
"""
from __future__ import annotations

from typing import Any

from antiport.crypto import Identity
from antiport.crypto.seal import SealError, seal, unseal

from . import codec
from .errors import Rejected
from .kinds import forbidden, is_blank

# the fields a card may hold and their length in code points; each a line (the address: a text of lines)
FIELDS = {"name": 100, "email": 254, "phone": 40, "address": 500}
RESULTS = ("applied", "erased", "refused")
REASON = 200  # code points of a refusal's reason


def seal_card(to: bytes, card: dict[str, str] | None) -> bytes:
    """The `sealed` of a contact to `to`: an update to `card`, or (None) an erasure request."""
    inner = {"op": "erase"} if card is None else {"op": "update", "card": card}
    return seal(to, codec.encode(inner))


def open_card(identity: Identity, sealed: bytes) -> dict[str, str] | None:
    """The card a contact sealed to `identity` carries (None: an erasure request). SealError when it cannot
    be opened; ValueError saying what is wrong when it opens to something else than section 2 allows."""
    try:
        inner = codec.decode(unseal(identity, sealed))
    except Rejected:
        raise ValueError("the sealed card is not deterministic CBOR") from None
    if inner == {"op": "erase"}:
        return None
    if not (isinstance(inner, dict) and set(inner) == {"op", "card"} and inner["op"] == "update"):
        raise ValueError('the sealed card is neither {"op": "update", "card": ...} nor {"op": "erase"}')
    card: dict[str, str] = inner["card"]
    problem = card_problem(card)
    if problem:
        raise ValueError(problem)
    return card


def card_problem(card: Any) -> str | None:
    """What is wrong with a card (section 2), or None."""
    if not isinstance(card, dict) or not card or set(card) - set(FIELDS):
        return f"a card is a map of 1 to {len(FIELDS)} of the fields {', '.join(FIELDS)}"
    for name, value in card.items():
        if not isinstance(value, str) or not 0 < len(value) <= FIELDS[name] or is_blank(value):
            return f"{name} is 1 to {FIELDS[name]} characters that say something"
        if forbidden(value, line=name != "address"):
            return f"{name} holds a control character" + ("" if name == "address" else " or a line break")
    email = card.get("email")
    if email is not None and (email.count("@") != 1 or not all(email.split("@")) or
                              any(c in email for c in " \t\u00a0")):
        return "email is an address such as ada@example.org"
    return None


def seal_receipt(to: bytes, result: str, reason: str = "") -> bytes:
    """The `sealed` of a receipt to the contact's author: the result, and for a refusal its reason."""
    inner = {"result": result, **({"reason": reason[:REASON]} if result == "refused" else {})}
    return seal(to, codec.encode(inner))


def open_receipt(identity: Identity, sealed: bytes) -> tuple[str, str]:
    """(result, reason) of a receipt sealed to `identity`; SealError when it cannot be opened, ValueError
    when it holds something else than section 3 allows."""
    try:
        inner = codec.decode(unseal(identity, sealed))
    except Rejected:
        raise ValueError("the sealed receipt is not deterministic CBOR") from None
    if not isinstance(inner, dict) or inner.get("result") not in RESULTS:
        raise ValueError(f"a receipt's result is one of {', '.join(RESULTS)}")
    refused = inner["result"] == "refused"
    reason = inner.get("reason")
    if set(inner) != ({"result", "reason"} if refused else {"result"}) or refused and not (
            isinstance(reason, str) and 0 < len(reason) <= REASON and not is_blank(reason)
            and not forbidden(reason, line=True)):
        raise ValueError("a refused receipt says why in one line, the others say nothing more")
    return inner["result"], reason or ""


__all__ = ["FIELDS", "RESULTS", "SealError", "card_problem", "open_card", "open_receipt", "seal_card",
           "seal_receipt"]
