"""Validation: the full rule set a message must pass before it is stored or forwarded.

`validate(raw, now, context)` returns the Message or raises Rejected with a reason code.
`context` answers questions about messages already held; protocol/ never does I/O itself.
"""
from __future__ import annotations

from typing import Any, Protocol

from . import topics
from .blobs import check_files
from .envelope import Message, parse
from .errors import Rejected
from .kinds import KINDS, check_body, is_domain


class Context(Protocol):
    def get(self, message_id: str) -> Message | None: ...
    def claimed_keys(self, topic: str) -> set[bytes]: ...


def validate(raw: bytes, now: int, context: Context) -> Message:
    msg = parse(raw, now)
    check_stateless(msg)
    check_context(msg, context)
    return msg


def check_stateless(msg: Message) -> None:
    kind = KINDS.get(msg.kind)
    if msg.topic and not topics.is_slug(msg.topic):
        raise Rejected("bad-topic", f"{msg.topic!r} is not a normalised slug")
    if kind is None:
        return  # unknown kinds: envelope rules only
    if (kind.topic == "product") != bool(msg.topic) and kind.topic != "target":
        where = "a product topic" if kind.topic == "product" else "the meta topic"
        raise Rejected("bad-topic", f"{msg.kind} belongs in {where}")
    on_identity = msg.kind == "label" and "subject" in msg.body  # a label on an identity: meta, no ref
    if on_identity and msg.topic:
        raise Rejected("bad-topic", "a label on an identity belongs in the meta topic")
    refs = 1 if kind.target and not on_identity else 0
    if len(msg.refs) != refs:
        raise Rejected("bad-refs", f"{msg.kind} takes {refs} ref" + (" with a subject" if on_identity else ""))
    check_body(kind, msg.body)
    problem = _check_manifest(msg.body) if msg.kind == "vendor" else None
    if problem is None and "private" in msg.body and "to" not in msg.body:
        problem = "a private part needs 'to', the key it is sealed to"
    if problem is None and msg.kind == "trust" and msg.body.get("scope") and not topics.is_slug(msg.body["scope"]):
        problem = "scope must be a product slug"
    if problem is None and "files" in msg.body:
        problem = check_files(msg.body)
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
    kind = KINDS.get(msg.kind)
    if kind is None or not msg.refs:  # the ref count is checked already: no ref, nothing to look up
        return
    target = context.get(msg.refs[0])
    if target is None:
        raise Rejected("missing-ref", f"{msg.refs[0]} is not known")
    if kind.target != ("*",) and target.kind not in kind.target:
        raise Rejected("bad-refs", f"{msg.kind} must refer to {' or '.join(kind.target)}, not {target.kind}")
    if msg.topic != target.topic:
        raise Rejected("topic-mismatch")
    if kind.who == "asker":
        root = target if target.kind in ("request", "complaint") else context.get(target.refs[0])
        if root is None or root.author != msg.author:
            raise Rejected("not-asker")
    elif kind.who == "target-author" and target.author != msg.author:
        raise Rejected("not-author")
    elif kind.who == "not-target-author" and target.author == msg.author:
        raise Rejected("self-vote")
    elif kind.who == "vendor" and msg.author not in context.claimed_keys(msg.topic):
        raise Rejected("not-vendor")
