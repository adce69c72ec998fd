"""Product topics: `vendor/product` slugs in any script, and the gossip topic names derived from them."""
from __future__ import annotations

import re
import unicodedata

from .kinds import WHITE_SPACE

PREFIX = "/antiport/1/product/"
META_TOPIC = "/antiport/1/meta"
MAX_PART = 64
MAX_MARKS = 4  # marks in a row on one letter or digit: real scripts stack a few, "zalgo" text stacks dozens
_ASCII_PART = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_WHITE_SPACE = "".join(sorted(WHITE_SPACE))  # Unicode White_Space, not str.strip()'s set (it adds U+001C..U+001F)
# The scripts whose letters look alike (UTS #39 confusables are mostly between these three): one part may use
# letters of at most one of them. Told apart by the character's name, which Unicode never changes.
_LOOKALIKE_SCRIPTS = ("LATIN ", "GREEK ", "CYRILLIC ")


class BadTopic(ValueError):
    """Text that cannot be made into a `vendor/product` slug."""


def _fold(text: str) -> str:
    """NFKC, full case folding, NFKC again (folding can undo a composition: 'ǰ' folds to 'j' + U+030C)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _slug_part(text: str) -> str:
    """Letters, marks that follow them and decimal digits are kept; every other run becomes one '-'."""
    out: list[str] = []
    for ch in _fold(text):
        category = unicodedata.category(ch)
        if category[0] == "L" or category == "Nd" or (category[0] == "M" and out and out[-1] != "-"):
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def _marks_in_a_row(part: str) -> int:
    longest = run = 0
    for ch in part:
        run = run + 1 if unicodedata.category(ch)[0] == "M" else 0
        longest = max(longest, run)
    return longest


def _scripts(part: str) -> set[str]:
    return {s for ch in part if unicodedata.category(ch)[0] == "L"
            for s in _LOOKALIKE_SCRIPTS if unicodedata.name(ch, "").startswith(s)}


def normalise(text: str) -> str:
    """`Acme Corp/Widget Pro` -> `acme-corp/widget-pro`. Raises BadTopic with a reason a person can act on."""
    if text.startswith(PREFIX):
        text = text[len(PREFIX):]
    parts = text.strip(_WHITE_SPACE).strip("/").split("/")
    if len(parts) != 2:
        raise BadTopic(f"a topic is 'vendor/product', got {text!r}")
    slug = [_slug_part(p) for p in parts]
    if not all(slug):
        raise BadTopic(f"both vendor and product need letters or digits, got {text!r}")
    if any(len(p) > MAX_PART for p in slug):
        raise BadTopic(f"vendor and product are at most {MAX_PART} characters each")
    if any(_marks_in_a_row(p) > MAX_MARKS for p in slug):
        raise BadTopic(f"at most {MAX_MARKS} accents or other combining marks on one character, got {text!r}")
    if mixed := [p for p in slug if len(_scripts(p)) > 1]:
        raise BadTopic(f"{mixed[0]!r} mixes Latin, Greek or Cyrillic letters, which look alike; write it in one")
    return "/".join(slug)


def is_slug(text: str) -> bool:
    """True when `text` is already a normalised slug (what the envelope's topic field must hold)."""
    if text.isascii():  # the common case, without the Unicode tables
        parts = text.split("/")
        return len(parts) == 2 and all(len(p) <= MAX_PART and _ASCII_PART.fullmatch(p) for p in parts)
    try:
        return normalise(text) == text
    except BadTopic:
        return False


def topic_name(slug: str) -> str:
    """The gossipsub topic for a slug; the empty slug is the meta topic."""
    return PREFIX + slug if slug else META_TOPIC


def vendor_of(slug: str) -> str:
    return slug.split("/", 1)[0]
