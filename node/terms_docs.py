"""Terms documents on this node (specs/14): the customer's own terms, kept in her home (`terms.json`, the words she
chose: nothing secret), the terms document each of her messages names (found or made in its topic, signed by the
key that signs the message: her identity, or an intent's own key), and what a message's terms say in plain words.
"""
from __future__ import annotations

import json

from antiport.crypto import Identity
from antiport.protocol import Message, Rejected
from antiport.protocol import terms as rules

from .ops import OpError
from .store import Store

FILE = "terms.json"


def mine(home) -> dict | None:
    """Her terms as a terms document's body, None when she has set none (or the home is not at hand)."""
    path = None if home is None else home.path / FILE
    if path is None or not path.exists():
        return None
    return json.loads(path.read_text())


def body_of(words: list[str], days: int | None) -> dict:
    """A terms document's body from the words she gave; OpError with one line unless it follows specs/14 section 2."""
    found = [w for w in dict.fromkeys(words) if w]
    unknown = [w for w in found if w not in rules.WORDS]
    if unknown or not found:
        raise OpError(f"unknown terms {', '.join(unknown)}: the words are {', '.join(rules.WORDS)}" if unknown else
                      f"no terms given: the words are {', '.join(rules.WORDS)}")
    body = {"words": found} if days is None else {"words": found, "days": days}
    problem = rules.terms_problem(body)
    if problem:
        raise OpError(problem)
    return body


def keep(home, body: dict | None) -> None:
    """Her terms from now on (None: none); what she signed before stays what it was."""
    path = home.path / FILE
    if body is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(json.dumps(body))
        path.chmod(0o600)


def naming(ctx, topic: str, signer: Identity) -> dict:
    """The `terms_doc` field for a message `signer` writes in `topic`: her newest terms document there when it says
    what her terms say now, else a new one, made here (published as the message will be: an intent key's by sync
    only). Empty when she has set no terms."""
    body = mine(ctx.home)
    if body is None:
        return {}
    held = ctx.store.newest_terms(topic, signer.did)
    if held is None or held.body != body:
        try:
            held = ctx.ingest.create(signer, "terms", topic, body, publish=signer is ctx.identity)
        except Rejected as e:
            raise OpError(f"cannot publish your terms: {e.detail or e.reason}") from None
    return {"terms_doc": bytes.fromhex(held.id)}


def named(store: Store, msg: Message) -> Message | None:
    """The terms document `msg` names, when it names one and it is held (a valid message's always is)."""
    ref = msg.body.get("terms_doc")
    return store.get(ref.hex()) if isinstance(ref, bytes) else None


def shown(store: Store, doc: Message) -> dict:
    """A terms document as bridges and readers show it: its id, words, parameter and each word in plain words."""
    return {"id": doc.id, "words": doc.body["words"], "days": doc.body.get("days"),
            "plain": rules.in_plain_words(doc.body)}


def in_force(consents: list[Message], vendor_of) -> dict[tuple[str, str], str]:
    """(vendor, terms document) -> `accept` or `refuse`: each vendor's newest consent to each document (specs/14
    section 4); `vendor_of(msg)` is the vendor a consent speaks for, None for a key no manifest names now."""
    out: dict[tuple[str, str], str] = {}
    for m in sorted(consents, key=lambda m: (m.created, m.id)):
        vendor = vendor_of(m)
        if vendor is not None:
            out[(vendor, m.target)] = m.body["value"]
    return out


