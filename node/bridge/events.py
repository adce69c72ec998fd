"""What a connector receives for one network message: a JSON event, with the sealed part opened for the
connectors that opt in; and the interface every connector (RT, webhooks, mail) offers the bridge."""
from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Protocol

from antiport.crypto import Identity, SealError, unseal
from antiport.protocol import Message
from antiport.protocol.contact import open_card
from antiport.protocol.intents import award_problem, open_sealed
from antiport.protocol.kinds import NOT_IN_TEXT, THREAD_ROOTS, is_blank, line_ends

from ..service import to_json
from ..store import Store
from ..terms_docs import named, shown

# Kinds the vendor hears about: new threads and every update to them, with their webhook event types.
TYPES = {"request": "request.created", "complaint": "complaint.created", "answer": "answer.created",
         "accept": "answer.accepted", "vote": "message.voted", "status": "thread.status_changed",
         "resolve": "thread.resolved", "retract": "message.retracted",
         # intents in the categories the vendor serves, and what the customer did with its offers (specs/12)
         "intent": "intent.created", "award": "offer.awarded", "decline": "offer.declined",
         "contact": "contact.updated"}  # a card sealed to the vendor (specs/11)
KINDS = tuple(TYPES)
ROOTS = (*THREAD_ROOTS, "intent")  # what a thread (a ticket, a lead) starts with
ERASED = "contact.erased"  # the type of a contact that asks to forget its author (specs/11 section 2)
WITHHELD = "this connector does not receive private parts (set private = true in its configuration)"


class ContactRefused(Exception):
    """A connector's CRM refused a contact card for good (an email address another customer has): the delivery
    is done, and the customer's receipt says why (specs/11 section 3)."""


class Connector(Protocol):
    """A push connector. The bridge runs one delivery loop per connector: one attempt in flight at a time,
    events in journal order, the next only after `deliver` returned; an exception is a failure, retried
    with the connector's back-off (node/bridge/outbox.py). `seq` is the event's journal number, the same on
    every retry; `retry` says an earlier attempt may have reached the far side (look before doing again)."""
    name: str       # unique among connectors: "rt", "webhook:<name>", ...
    private: bool   # opted in to opened private parts

    async def deliver(self, seq: int, event: dict, retry: bool) -> None: ...


def thread_root(store: Store, msg: Message) -> str | None:
    """The id of the request, complaint or intent a message belongs to (following refs up), if known."""
    seen = 0
    while msg.kind not in ROOTS:
        if not msg.refs or seen > 4:
            return None
        msg, seen = store.get(msg.refs[0]), seen + 1
        if msg is None:
            return None
    return msg.id


def open_private(identity: Identity, msg: Message) -> str:
    """The plaintext of a message's sealed part; raises SealError with a reason a person can act on."""
    if msg.body.get("to") != identity.public_key:
        raise SealError("the sealed part is addressed to another key, not to this vendor")
    try:
        return unseal(identity, msg.body["private"]).decode()
    except UnicodeDecodeError:
        raise SealError("the sealed part opened but is not UTF-8 text") from None


def event_of(store: Store, identity: Identity, msg: Message, private: bool) -> dict:
    """The message as JSON with `thread` (and `terms`: the terms document it names); a sealed part becomes
    `private`: {"text"} opened, {"error"} when it cannot be, or {"withheld"} for a connector that did not opt in
    (its ciphertext is never passed on)."""
    event = to_json(msg, store)
    event["body"].pop("to", None)
    event["thread"] = thread_root(store, msg)
    if (doc := named(store, msg)) is not None:  # her terms (specs/14): the words and what they ask, in plain words
        event["terms"] = shown(store, doc)
    if msg.kind == "award":
        del event["body"]["sealed"]
        event["award"] = opened_award(identity, msg) if private else {"withheld": WITHHELD}
    elif msg.kind == "contact":
        del event["body"]["sealed"]
        event["contact"] = contact_of(store, identity, msg)
    if "private" in event["body"]:
        del event["body"]["private"]
        if not private:
            event["private"] = {"withheld": WITHHELD}
            return event
        try:
            event["private"] = {"text": open_private(identity, msg)}
        except SealError as e:
            event["private"] = {"error": str(e)}
    return event


def opened_award(identity: Identity, msg: Message) -> dict:
    """What the customer wrote to this vendor with her award, and the contact she chose to reveal (specs/12
    section 3); {"error"} when it does not open."""
    try:
        return open_sealed(identity, msg.body["sealed"], award_problem)
    except SealError as e:
        return {"error": str(e)}


def contact_of(store: Store, identity: Identity, msg: Message) -> dict:
    """What a contact to this vendor asks (specs/11 section 2): {"op": "update", "card"} or {"op": "erase"}; or
    {"superseded": id} when a newer contact of its author is held (that one is applied, whatever came first), or
    {"error"} when it does not open to a card. Only an event with `op` is handed to connectors."""
    newer = [m.id for m in store.contacts_by(msg.author_did)
             if m.body["to"] == identity.public_key and (m.created, m.id) > (msg.created, msg.id)]
    if newer:
        return {"superseded": newer[-1]}
    try:
        card = open_card(identity, msg.body["sealed"])
    except (SealError, ValueError) as e:
        return {"error": str(e)}
    return {"op": "erase"} if card is None else {"op": "update", "card": card}


def envelope(seq: int, event: dict) -> dict:
    """A delivery in the Standard Webhooks shape: the event type, when it happened (the message's signed
    creation time, ISO 8601 UTC) and the event as `data`, with its journal `seq` (a receiver that sees a
    seq lower than one it has seen knows an older event came late). Webhook bodies and SSE data."""
    when = datetime.fromtimestamp(event["created"] / 1000, UTC).isoformat(timespec="milliseconds")
    erase = event.get("contact", {}).get("op") == "erase"  # an erasure request (specs/11 section 2)
    kind = ERASED if erase else TYPES.get(event["kind"], f"{event['kind']}.created")
    return {"type": kind, "timestamp": when.replace("+00:00", "Z"), "data": {**event, "seq": seq}}


# -- what staff wrote, made publishable ------------------------------------------------------------------

AGENT_LIMIT = 100  # code points of `agent` and `agent_id` (specs/02 section 9)


def one_line(text: str, limit: int = 200) -> str:
    """Text made one safe line (a header, a line field): control, format and bidi characters and line
    breaks become spaces, runs of spaces one, cut at `limit`."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:limit]


def staff_text(text: str) -> str:
    """What a helpdesk gives as a reply's text, as a text field may hold it (specs/02 section 2): CR LF and CR
    become LF, other control characters spaces."""
    return "".join(" " if c in NOT_IN_TEXT else c for c in line_ends(text))


def agent_fields(name: str, agent_id: str = "") -> dict:
    """The `agent` and `agent_id` a bridge signs into a staff member's answer or status (specs/02 section 9),
    made valid line fields; nothing when the name says nothing."""
    name, agent_id = one_line(name, AGENT_LIMIT).strip(), one_line(agent_id, AGENT_LIMIT).strip()
    if is_blank(name):
        return {}
    return {"agent": name, **({"agent_id": agent_id} if agent_id else {})}


class Drops:
    """What a connector read from the helpdesk and did not publish, counted by reason in the bridge's state
    (`<name>.dropped`), for GET /v1/status."""

    def __init__(self, store: Store, name: str):
        self.store, self.key = store, f"{name}.dropped"
        self.counts = Counter(json.loads(store.bridge_state(self.key, "{}")))

    def add(self, reason: str) -> None:
        self.counts[reason] += 1
        self.store.set_bridge_state(self.key, json.dumps(self.counts, sort_keys=True))
