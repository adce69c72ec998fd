"""Message kinds and their rules (specs/02-kinds.md).

Each kind says where it lives (a product topic, the meta topic, or the topic of its target), how many
refs it takes and what they must point at, which body fields it has, and who may send it.
Kinds not listed here are stored and relayed unchanged so the protocol can grow.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import keylog
from .errors import Rejected

if TYPE_CHECKING:
    from .envelope import Message

TEXT = 20_000
STATES = ("acknowledged", "in-progress", "resolved", "wont-fix")
SEQ_MAX = 2**53 - 1  # an author's order among same-time messages (specs/02 section 2); exact in JSON numbers
THREAD_ROOTS = ("request", "complaint")
LABELS = ("spam", "scam", "abuse", "off-topic", "duplicate")  # what a labeler may say (specs/02 section 7)
CLAIM_MINUTES = 120  # the longest a claim holds (specs/02 section 8)
BOUNTY_MAX = 5  # the largest bounty, in accepts (specs/02 section 10)
MAX_FILES = 8  # attachments one message lists (specs/09); the entries' own rules are in blobs.py
# The code points with the Unicode White_Space property (PropList.txt); not str.isspace(), which also
# counts U+001C..U+001F, so that every implementation draws the same line.
WHITE_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                        "\u200a\u2028\u2029\u202f\u205f\u3000")
# Network text is shown on other people's terminals (specs/02 section 2, characters): the control characters
# (C0, DEL, C1) drive terminals, and the bidi embeddings, overrides and isolates reorder what is drawn.
CONTROLS = frozenset(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NOT_IN_LINE = CONTROLS | BIDI | {"\u2028", "\u2029"}  # a title, a name: one line, drawn as it reads
NOT_IN_TEXT = CONTROLS - {"\n", "\t"}                # a text: lines and tabs, nothing that drives a terminal


@dataclass(frozen=True)
class F:
    """A body field: its type, whether it is required, size bounds (chars, bytes or items), allowed values,
    and for text whether it must say something (not empty, not only white space)."""
    type: type[Any]
    required: bool = True
    min: int = 0
    max: int = TEXT
    choices: tuple[str, ...] = ()
    said: bool = False
    line: bool = False  # text: one line (NOT_IN_LINE); other text fields refuse NOT_IN_TEXT


@dataclass(frozen=True)
class Kind:
    topic: str                      # "product", "meta", "category" (intent/..., specs/12) or "target" (the ref's)
    body: dict[str, F] = field(default_factory=dict)
    target: tuple[str, ...] = ()    # kinds the single ref may point at; () = no refs; ("*",) = any kind
    who: str = "anyone"  # "anyone", "asker", "target-author", "not-target-author", "vendor", "addressee", "key-log",
                         # "intent-key"


FILES = F(list, required=False, min=1, max=MAX_FILES)  # attachments (specs/09-attachments.md)
# who at the vendor's helpdesk wrote an answer or set a status, and the helpdesk's id of them (specs/02 section 9)
AGENT = {"agent": F(str, required=False, max=100, said=True, line=True),
         "agent_id": F(str, required=False, max=100, said=True, line=True)}
LANG = F(str, required=False, min=2, max=35, line=True)  # the language it is written in (section 2, rule 6)
TERMS_DOC = F(bytes, required=False, min=32, max=32)  # the id of the author's terms document (specs/14)
# A BCP 47 tag (RFC 5646 `langtag`) without extensions or private use, any case; ASCII only (re.ASCII: without
# it, IGNORECASE lets [a-z] match U+212A KELVIN SIGN and U+017F LONG S)
LANG_TAG = re.compile(r"[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*",
                      re.IGNORECASE | re.ASCII)

KINDS: dict[str, Kind] = {
    "request": Kind("product", {"title": F(str, max=200, said=True, line=True), "text": F(str, said=True),
                                "private": F(bytes, required=False, max=4096),
                                "to": F(bytes, required=False, min=32, max=32), "files": FILES, "lang": LANG,
                                "terms_doc": TERMS_DOC}),
    "complaint": Kind("product", {"title": F(str, max=200, said=True, line=True), "text": F(str, said=True),
                                  "private": F(bytes, required=False, max=4096),
                                  "to": F(bytes, required=False, min=32, max=32), "files": FILES,
                                  "lang": LANG, "terms_doc": TERMS_DOC}),
    "answer": Kind("product", {"text": F(str, said=True), "seq": F(int, required=False, max=SEQ_MAX),
                               "files": FILES, **AGENT, "lang": LANG},
                   target=THREAD_ROOTS),
    "accept": Kind("product", {}, target=("answer",), who="asker"),
    "vote": Kind("product", {"value": F(str, choices=("up", "down"))}, target=("*",), who="not-target-author"),
    "status": Kind("product", {"state": F(str, choices=STATES), "note": F(str, required=False),
                               "seq": F(int, required=False, max=SEQ_MAX), "files": FILES,
                               "due": F(int, required=False, max=SEQ_MAX), **AGENT},
                   target=THREAD_ROOTS, who="vendor"),
    "resolve": Kind("product", {}, target=THREAD_ROOTS, who="asker"),
    "retract": Kind("target", {"reason": F(str, required=False, max=500, line=True)}, target=("*",),
                    who="target-author"),
    "report": Kind("target", {"reason": F(str, max=500, said=True, line=True)}, target=("*",)),
    "profile": Kind("meta", {"name": F(str, max=100, said=True, line=True), "about": F(str, required=False, max=2000)}),
    "vendor": Kind("meta", {"org": F(str, max=200, said=True, line=True), "topics": F(list, min=1, max=100),
                            "keys": F(list, required=False, max=32),
                            "promise_hours": F(int, required=False, max=10_000),
                            "domain": F(str, required=False, min=1, max=253, line=True)}),
    "trust": Kind("meta", {"subject": F(bytes, min=32, max=32), "value": F(str, choices=("trust", "distrust")),
                           "scope": F(str, required=False, max=129, line=True)}),
    # on a message (one ref, the target's topic) or, with `subject`, on an identity (no ref, meta): section 7
    "label": Kind("target", {"value": F(str, choices=LABELS), "subject": F(bytes, required=False, min=32, max=32),
                             "reason": F(str, required=False, max=500, line=True)}, target=("*",)),
    # "I'm on it" for `minutes` from its created (section 8): advice to other experts, never a lock
    "claim": Kind("product", {"minutes": F(int, min=1, max=CLAIM_MINUTES)}, target=THREAD_ROOTS),
    # a contact card or erasure request sealed to one vendor, and the vendor's receipt sealed back (specs/11)
    "contact": Kind("meta", {"to": F(bytes, min=32, max=32), "sealed": F(bytes, min=49, max=4096)}),
    "receipt": Kind("target", {"to": F(bytes, min=32, max=32), "sealed": F(bytes, min=49, max=1024)},
                    target=("contact",), who="addressee"),
    # a thread passed on: sealed to one person's key, and a public pointer to it in another topic (specs/13)
    "share": Kind("meta", {"to": F(bytes, min=32, max=32), "sealed": F(bytes, min=49, max=4096)}),
    "crosspost": Kind("product", {"thread": F(bytes, min=32, max=32), "source": F(str, min=3, max=129, line=True),
                                  "title": F(str, max=200, said=True, line=True),
                                  "note": F(str, required=False, max=500, said=True)}),
    # an answer helped; a bounty the asker offers, awarded with her accept (section 10; the weights: specs/06)
    "thanks": Kind("product", {"note": F(str, required=False, max=280)}, target=("answer",),
                   who="not-target-author"),
    "bounty": Kind("product", {"amount": F(int, min=1, max=BOUNTY_MAX)}, target=THREAD_ROOTS, who="asker"),
    # an event of an identity's key log (specs/09): the fields each op takes are checked by keylog.check_body
    "key": Kind("meta", {"op": F(str, choices=keylog.OPS), "seq": F(int, max=SEQ_MAX),
                         "next": F(bytes, required=False, min=32, max=32),
                         "device": F(bytes, required=False, min=32, max=32),
                         "proof": F(bytes, required=False, min=64, max=64),
                         "keep": F(list, required=False, max=keylog.MAX_KEEP)}, target=("key",), who="key-log"),
    # a customer's personal RFP and what answers it (specs/12): signed by a fresh key, offers sealed to it
    "intent": Kind("category", {"title": F(str, max=200, said=True, line=True), "text": F(str, said=True),
                                "expires": F(int, max=SEQ_MAX), "quantity": F(int, required=False, min=1, max=SEQ_MAX),
                                "budget": F(int, required=False, max=SEQ_MAX),
                                "currency": F(str, required=False, min=3, max=3, line=True),
                                "region": F(str, required=False, max=100, said=True, line=True),
                                "deadline": F(int, required=False, max=SEQ_MAX),
                                "terms": F(list, required=False, min=1, max=8), "lang": LANG,
                                "terms_doc": TERMS_DOC}),
    "offer": Kind("category", {"sealed": F(bytes, min=49, max=8192)}, target=("intent",), who="vendor"),
    "award": Kind("category", {"sealed": F(bytes, min=49, max=4096)}, target=("offer",), who="intent-key"),
    "decline": Kind("category", {"reason": F(str, required=False, max=500, line=True)}, target=("offer",),
                    who="intent-key"),
    # a customer's terms, in the topic of the messages that name them, and a vendor's consent to them (specs/14)
    "terms": Kind("product", {"words": F(list, min=1, max=8), "days": F(int, required=False, min=1, max=365)}),
    "consent": Kind("target", {"value": F(str, choices=("accept", "refuse")),
                               "reason": F(str, required=False, max=500, line=True)}, target=("terms",), who="vendor"),
}


def check_body(kind: Kind, body: dict[str, Any]) -> None:
    """Raise Rejected unless `body` follows the kind's field rules (bad-body; empty-text for a field that
    must say something and does not; bad-text for a character the field may not hold)."""
    unknown = set(body) - set(kind.body)
    if unknown:
        raise Rejected("bad-body", f"unknown field {min(unknown)!r}")
    for name, f in kind.body.items():
        if name not in body:
            if f.required:
                raise Rejected("bad-body", f"missing field {name!r}")
            continue
        value = body[name]
        if not isinstance(value, f.type) or isinstance(value, bool):
            raise Rejected("bad-body", f"{name} must be {f.type.__name__}")
        size = value if isinstance(value, int) else len(value)
        if not f.min <= size <= f.max:
            raise Rejected("bad-body", _out_of_bounds(name, f, size))
        if f.choices and value not in f.choices:
            raise Rejected("bad-body", f"{name} must be one of {', '.join(f.choices)}")
        if f.said and is_blank(value):
            raise Rejected("empty-text", f"{name} is empty or only white space")
        if f.type is str and (bad := forbidden(value, f.line)):
            raise Rejected("bad-text", f"{name} holds U+{ord(bad):04X}")


def thread_order(msg: Message) -> tuple[int, int, str]:
    """The sort key of a thread's messages (02 section 2): created, then seq (only the kinds that define it;
    absent counts as 0), then id."""
    seq = msg.body.get("seq") if msg.kind in ("answer", "status") else None
    return msg.created, seq if isinstance(seq, int) and not isinstance(seq, bool) else 0, msg.id


def _out_of_bounds(name: str, f: F, size: int) -> str:
    if f.type is int:
        return f"{name} is {size}: it must be between {f.min} and {f.max}"
    unit = "characters" if f.type is str else "bytes" if f.type is bytes else "items"
    bounds = f"exactly {f.max}" if f.min == f.max else f"at least {f.min}" if size < f.min else f"at most {f.max}"
    return f"{name} has {size} {unit}: {bounds}"


def is_blank(text: str) -> bool:
    """True when `text` has no code point outside WHITE_SPACE (the empty text included)."""
    return all(c in WHITE_SPACE for c in text)


def forbidden(text: str, line: bool) -> str | None:
    """The first character of `text` that a one-line (`line`) or a multi-line text field may not hold (a regular
    expression: every text of every message is searched, and a loop over characters in Python is 10x slower)."""
    found = (_NOT_IN_LINE if line else _NOT_IN_TEXT).search(text)
    return found.group() if found else None


def _one_of(chars: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


_NOT_IN_LINE, _NOT_IN_TEXT = _one_of(NOT_IN_LINE), _one_of(NOT_IN_TEXT)


def is_domain(text: str) -> bool:
    """A lowercase DNS host name of two labels or more (02 section 2): each label 1-63 of a-z, 0-9 and -,
    not starting or ending with -; internationalised names in their xn-- form; no trailing dot."""
    labels = text.split(".")
    return len(labels) >= 2 and all(
        0 < len(label) <= 63 and set(label) <= _LABEL and label[0] != "-" and label[-1] != "-" for label in labels)


_LABEL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def line_ends(text: str) -> str:
    """`text` with CR LF and lone CR turned into LF, as a client does before it signs (02 section 2)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
