"""What a connector receives for one network message: a JSON event with the sealed part opened."""
from __future__ import annotations

from antiport.crypto import Identity, SealError, unseal
from antiport.protocol import Message
from antiport.protocol.kinds import THREAD_ROOTS

from ..service import to_json
from ..store import Store

# Kinds the vendor hears about: new threads and every update to them.
KINDS = (*THREAD_ROOTS, "answer", "accept", "vote", "status", "resolve", "retract")


def thread_root(store: Store, msg: Message) -> str | None:
    """The id of the request or complaint a message belongs to (following refs up), if known."""
    seen = 0
    while msg.kind not in THREAD_ROOTS:
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


def event_of(store: Store, identity: Identity, msg: Message) -> dict:
    event = to_json(msg)
    event["body"].pop("to", None)
    event["thread"] = thread_root(store, msg)
    if "private" in event["body"]:
        del event["body"]["private"]
        try:
            event["private"] = {"text": open_private(identity, msg)}
        except SealError as e:
            event["private"] = {"error": str(e)}
    return event
