"""The customer's contact card (specs/11): one card, kept in the home, sent sealed to every vendor she has a
relationship with; what each vendor's receipt says.

Her vendors are those she named and, for each topic she asked or complained in, the vendor a private part there
is sealed to (specs/02 section 6: trusted by her, else verified by its domain); a vendor she asked to forget her
gets no later card until she names it again. A card sent replaces the one before (specs/11 section 2): `set` sends
the whole card as it stands, with the fields given changed.
"""
from __future__ import annotations

from collections.abc import Callable

from antiport.crypto import Identity, SealError, did_from_key, key_from_did
from antiport.protocol import Message
from antiport.protocol.contact import FIELDS, card_problem, open_receipt, seal_card

from .domains import CannotSeal, seal_key
from .ops import OpError
from .store import Store

# write(kind, body) -> the result of service.write (a dict with the new message's id)
Write = Callable[[str, dict], dict]


def changed(card: dict[str, str], fields: dict[str, str | None]) -> dict[str, str]:
    """`card` with the fields given set (an empty text: the field is removed); OpError for a card specs/11 refuses."""
    out = dict(card)
    for name, value in fields.items():
        if value is None:
            continue
        if value.strip():
            out[name] = value.strip()
        else:
            out.pop(name, None)
    problem = card_problem(out) if out else f"the card is empty: give at least one of {', '.join(FIELDS)}"
    if problem:
        raise OpError(problem)
    return out


def vendors(store: Store, me: str, named: list[str]) -> tuple[dict[str, str], list[dict]]:
    """({did: why}, [{topic, why not}]): the vendors her card goes to, and the topics whose vendor it cannot; never
    a vendor she does not let read her private parts (node/relations.py)."""
    choices = store.contact_vendors()
    out = {did: "named" for did in [*named, *(d for d, gone in choices.items() if not gone)] if store.may_seal_to(did)}
    skipped = []
    for topic in store.asked_topics(me):
        try:
            key, _ = seal_key(store, topic)
        except CannotSeal as e:
            skipped.append({"topic": topic, "why": str(e)})
            continue
        did = did_from_key(key)
        if did != me and not choices.get(did) and did not in out:
            out[did] = f"handled {topic}"
    return out, skipped


def sealable(store: Store, did: str) -> None:
    """OpError unless she lets `did` read her private parts (node/relations.py)."""
    if not store.may_seal_to(did):
        raise OpError(f"you do not let {did} read your private parts: 'antiport private allow DID' first")


def send(write: Write, to: list[str], card: dict[str, str] | None) -> list[dict]:
    """A contact (the card, or None: an erasure request) sealed to each vendor did; their ids."""
    return [{"vendor": did, "id": write("contact", {"to": key_from_did(did), "sealed": seal_card(key_from_did(did),
                                                                                                   card)})["id"]}
            for did in to]


def status(store: Store, identity: Identity) -> list[dict]:
    """Per vendor she sent a card to: her latest contact to it and what its receipt says (specs/11 section 5)."""
    latest: dict[bytes, Message] = {}
    for msg in store.contacts_by(identity.did):
        latest[msg.body["to"]] = msg  # oldest first: the last one wins
    return [_state(store, identity, key, msg) for key, msg in sorted(latest.items(), key=lambda kv: -kv[1].created)]


def _state(store: Store, identity: Identity, key: bytes, msg: Message) -> dict:
    row = {"vendor": did_from_key(key), "contact": msg.id, "sent": msg.created, "state": "pending", "at": None,
           "reason": ""}
    for receipt in store.receipts_of(msg.id):  # validation let only the vendor's key answer (specs/11 section 1.1)
        try:
            result, reason = open_receipt(identity, receipt.body["sealed"])
        except (SealError, ValueError) as e:
            result, reason = "unreadable", str(e)
        state = {"applied": "updated"}.get(result, result)
        return {**row, "state": state, "at": receipt.created, "reason": reason, "receipt": receipt.id}
    return row
