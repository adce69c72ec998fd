"""Product topics: `vendor/product` slugs and the gossip topic names derived from them."""
from __future__ import annotations

import re
import unicodedata

from .kinds import WHITE_SPACE

PREFIX = "/antiport/1/product/"
META_TOPIC = "/antiport/1/meta"
MAX_PART = 64
_PART = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_WHITE_SPACE = "".join(sorted(WHITE_SPACE))  # Unicode White_Space, not str.strip()'s set (it adds U+001C..U+001F)


class BadTopic(ValueError):
    """Text that cannot be made into a `vendor/product` slug."""


def _slug_part(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text


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
    return "/".join(slug)


def is_slug(text: str) -> bool:
    """True when `text` is already a normalised slug (what the envelope's topic field must hold)."""
    parts = text.split("/")
    return len(parts) == 2 and all(len(p) <= MAX_PART and _PART.fullmatch(p) for p in parts)  # not match: $ allows "\n"


def topic_name(slug: str) -> str:
    """The gossipsub topic for a slug; the empty slug is the meta topic."""
    return PREFIX + slug if slug else META_TOPIC


def vendor_of(slug: str) -> str:
    return slug.split("/", 1)[0]
