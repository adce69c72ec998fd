"""Validation: the full rule set a message must pass before it is stored or forwarded.

`validate(raw, now, context)` returns the Message or raises Rejected with a reason code.
`context` answers questions about messages already held; protocol/ never does I/O itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from . import intents, keylog, terms, topics
from .blobs import check_files
from .envelope import Message, parse
from .errors import Rejected
from .kinds import KINDS, LANG_TAG, check_body, is_domain


class Context(Protocol):
    def get(self, message_id: str) -> Message | None: ...
    def claimed_keys(self, topic: str) -> set[bytes]: ...
    def owner(self, key: bytes) -> keylog.Owner | None: ...  # whom a key speaks for by the key logs held


def validate(raw: bytes, now: int, context: Context) -> Message:
    msg = parse(raw, now)
    check_stateless(msg)
    check_context(msg, context)
    return msg


def speaker(msg: Message, context: Context) -> bytes:
    """The identity `msg` speaks for (specs/10 section 5): its author's identity, or the author itself."""
    owner = context.owner(msg.author)
    return owner.identity if owner is not None and owner.speaks(msg.id) else msg.author


def identity_of(key: bytes, context: Context) -> bytes:
    owner = context.owner(key)
    return key if owner is None else owner.identity


def _check_revoked(msg: Message, context: Context) -> None:
    """Step 23: a revoked device's messages are refused, except the ones its revocation kept."""
    owner = context.owner(msg.author)
    if owner is not None and not owner.speaks(msg.id):
        raise Rejected("revoked-key", "the device was revoked and this message is not one it kept")


def check_stateless(msg: Message) -> None:
    kind = KINDS.get(msg.kind)
    if msg.topic and not topics.is_slug(msg.topic):
        raise Rejected("bad-topic", f"{msg.topic!r} is not a normalised slug")
    if kind is None:
        return  # unknown kinds: envelope rules only
    if kind.topic == "category" and not intents.is_category(msg.topic):
        raise Rejected("bad-topic", f"{msg.kind} belongs in a category topic ({intents.CATEGORY}/...)")
    if kind.topic in ("product", "meta") and (kind.topic == "product") != bool(msg.topic):
        where = "a product topic" if kind.topic == "product" else "the meta topic"
        raise Rejected("bad-topic", f"{msg.kind} belongs in {where}")
    on_identity = msg.kind == "label" and "subject" in msg.body  # a label on an identity: meta, no ref
    if on_identity and msg.topic:
        raise Rejected("bad-topic", "a label on an identity belongs in the meta topic")
    refs = 1 if kind.target and not on_identity else 0
    if len(msg.refs) != refs and msg.kind != "key":  # a key event's refs depend on its op: keylog.check_body
        raise Rejected("bad-refs", f"{msg.kind} takes {refs} ref" + (" with a subject" if on_identity else ""))
    check_body(kind, msg.body)
    if msg.kind == "key":
        keylog.check_body(msg)
    problem = _check_manifest(msg.body) if msg.kind == "vendor" else None
    if problem is None and "private" in msg.body and "to" not in msg.body:
        problem = "a private part needs 'to', the key it is sealed to"
    if problem is None and msg.kind == "trust" and msg.body.get("scope") and not topics.is_slug(msg.body["scope"]):
        problem = "scope must be a product slug"
    if problem is None and "files" in msg.body:
        problem = check_files(msg.body)
    if problem is None and "agent_id" in msg.body and "agent" not in msg.body:
        problem = "agent_id names the agent given in 'agent'"
    if problem is None and msg.kind == "intent":
        problem = intents.intent_problem(msg.body, msg.created)
    if problem is None and msg.kind == "terms":
        problem = terms.terms_problem(msg.body)
    if problem is None and msg.kind == "crosspost" and not (topics.is_slug(msg.body["source"])
                                                          and msg.body["source"] != msg.topic):
        problem = "source must be the product slug of another topic"
    if problem is None and "lang" in msg.body and not LANG_TAG.fullmatch(msg.body["lang"]):
        problem = "lang must be a BCP 47 language tag such as de, pt-BR or zh-Hant"
    if problem:
        raise Rejected("bad-body", problem)


def _check_manifest(body: dict[str, Any]) -> str | None:
    if not all(isinstance(t, str) and topics.is_slug(t) for t in body["topics"]):
        return "topics must be product slugs"
    if not all(isinstance(k, bytes) and len(k) == 32 for k in body.get("keys", [])):
        return "keys must be 32-byte Ed25519 keys"
    if "domain" in body and not is_domain(body["domain"]):
        return "domain must be a lowercase host name such as acme.example"
    return None


def check_context(msg: Message, context: Context) -> None:
    """Steps 19-23: the rules that read the messages held."""
    _check_refs(msg, context)
    _check_revoked(msg, context)


def _check_refs(msg: Message, context: Context) -> None:
    if msg.kind == "key" and not msg.refs and (owner := context.owner(msg.author)) and owner.identity == msg.author \
            and context.get(msg.id) is None:  # a copy of the held inception is that inception, not another
        raise Rejected("bad-key-event", "the identity has an inception already")  # specs/10 section 3
    kind = KINDS.get(msg.kind)
    if kind is not None and "terms_doc" in msg.body:
        _check_terms_doc(msg, context)
    if kind is None or not msg.refs:  # the ref count is checked already: no ref, nothing to look up
        return
    target = context.get(msg.refs[0])
    if target is None:
        raise Rejected("missing-ref", f"{msg.refs[0]} is not known")
    if kind.target != ("*",) and target.kind not in kind.target:
        raise Rejected("bad-refs", f"{msg.kind} must refer to {' or '.join(kind.target)}, not {target.kind}")
    if msg.topic != target.topic:
        raise Rejected("topic-mismatch")
    if kind.who == "key-log":
        keylog.check(msg, keylog.chain(target, context.get))
    elif kind.who == "asker":
        root = target if target.kind in ("request", "complaint") else context.get(target.refs[0])
        if root is None or speaker(root, context) != speaker(msg, context):
            raise Rejected("not-asker")
    elif kind.who == "target-author" and speaker(target, context) != speaker(msg, context):
        raise Rejected("not-author")
    elif kind.who == "not-target-author" and speaker(target, context) == speaker(msg, context):
        raise Rejected("self-vote")
    elif kind.who == "addressee" and (speaker(msg, context) != identity_of(target.body["to"], context)
                                      or msg.body["to"] != target.author):
        raise Rejected("not-addressee")
    elif kind.who == "vendor" and not _vendor(msg, context):
        raise Rejected("not-vendor")
    elif msg.kind == "offer" and msg.created >= target.body["expires"]:
        raise Rejected("expired", "the intent expired before this offer was made")
    elif kind.who == "intent-key":
        intent = context.get(target.refs[0])
        if intent is None or intent.author != msg.author:
            raise Rejected("not-intent-key")
    elif "agent" in msg.body and not _vendor(msg, context):  # an answer naming an agent (02 section 9)
        raise Rejected("not-vendor", "only a vendor key names the agent who wrote for it")


def _check_terms_doc(msg: Message, context: Context) -> None:
    """Specs/14 section 3: the terms a message names are a held terms document, in its topic, by its speaker (an
    intent's are by the intent's own key: terms signed by her did cannot link her intent to her)."""
    doc = context.get(msg.body["terms_doc"].hex())
    if doc is None:
        raise Rejected("missing-ref", f"terms_doc {msg.body['terms_doc'].hex()} is not known")
    if doc.kind != "terms":
        raise Rejected("bad-refs", f"terms_doc must name a terms document, not {doc.kind}")
    if doc.topic != msg.topic:
        raise Rejected("topic-mismatch", "terms_doc names a terms document of another topic")
    if speaker(doc, context) != speaker(msg, context):
        raise Rejected("not-author", "terms_doc names terms of another author")


def _vendor(msg: Message, context: Context) -> bool:
    """A key a held manifest names for the topic, or a key of the same identity as one (specs/10 section 5)."""
    claimed = context.claimed_keys(msg.topic)
    return msg.author in claimed or speaker(msg, context) in {identity_of(k, context) for k in claimed}


class Held:
    """The messages held in memory as the validation context (vectors, tests): every held manifest names vendor
    keys (specs/02 section 4), the held key logs say whom keys speak for (specs/10 section 4)."""

    def __init__(self, messages: Iterable[Message] = ()):
        self.messages = {m.id: m for m in messages}

    def get(self, message_id: str) -> Message | None:
        return self.messages.get(message_id)

    def claimed_keys(self, topic: str) -> set[bytes]:
        return {k for m in self.messages.values() if m.kind == "vendor" and topic in m.body["topics"]
                for k in (m.author, *m.body.get("keys", []))}

    def owner(self, key: bytes) -> keylog.Owner | None:
        return keylog.owners(m for m in self.messages.values() if m.kind == "key").get(key)
