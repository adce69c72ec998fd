"""Intents (specs/12-intents.md): a customer's personal RFP in a category topic, offers sealed to the intent's
key, the award sealed to the chosen vendor. The rules here are pure: times are given, never read.
"""
from __future__ import annotations

import re
from typing import Any

from antiport.crypto import Identity
from antiport.crypto.seal import SealError, seal, unseal

from . import codec, topics
from .errors import Rejected
from .kinds import SEQ_MAX, TEXT, forbidden, is_blank

CATEGORY = "intent"  # the first part of every category topic (section 1)
MAX_LIFE = 90 * 24 * 3600 * 1000  # the longest an intent stays open, in ms after its created (section 2, rule 1)
CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
# The terms vocabulary (section 5): what a customer may ask a vendor to accept
TERMS = ("no-tracking", "purpose-only", "no-sharing", "delete-after-deal", "contact-via-antiport")
MAX_CONTACT = 500


def category(name: str) -> str:
    """The category topic of what a person types (`laptops` -> `intent/laptops`); BadTopic if it has none."""
    return topics.normalise(f"{CATEGORY}/{name.removeprefix(CATEGORY + '/')}")


def is_category(topic: str) -> bool:
    return topics.is_slug(topic) and topic.split("/")[0] == CATEGORY


def intent_problem(body: dict[str, Any], created: int) -> str | None:
    """Rules 1-3 of section 2 for an intent whose table rules hold (rule 4, lang, is the common one)."""
    if not created < body["expires"] <= created + MAX_LIFE:
        return "expires must be after created and at most 90 days after it"
    if "budget" in body and "currency" not in body:
        return "a budget needs its currency"
    if "currency" in body and not CURRENCY.fullmatch(body["currency"]):
        return "currency must be an ISO 4217 code such as EUR"
    terms = body.get("terms", [])
    if not all(isinstance(t, str) and t in TERMS for t in terms) or len(set(terms)) != len(terms):
        return f"terms must be distinct words of: {', '.join(TERMS)}"
    return None


def is_open(intent_body: dict[str, Any], withdrawn: bool, now: int) -> bool:
    """Whether an intent takes offers at `now` (section 3): not expired, not withdrawn."""
    return now < intent_body["expires"] and not withdrawn


def inert(offer_created: int, withdrawn_at: int | None) -> bool:
    """An offer a receiver drops (section 3): made at or after the withdrawal of its intent."""
    return withdrawn_at is not None and offer_created >= withdrawn_at


def offer_plain(price: int, currency: str, valid_until: int, text: str, accepts: list[str]) -> dict[str, Any]:
    """What an offer's sealed box holds; Rejected(bad-body) with one line unless it follows section 3."""
    plain = {"price": price, "currency": currency, "valid_until": valid_until, "text": text, "accepts": accepts}
    problem = offer_problem(plain)
    if problem:
        raise Rejected("bad-body", problem)
    return plain


def offer_problem(plain: Any, terms: list[str] | None = None) -> str | None:
    """Why `plain` is not an offer's map (section 3); with the intent's `terms`, accepts must be among them."""
    if not isinstance(plain, dict) or set(plain) != {"price", "currency", "valid_until", "text", "accepts"}:
        return "an offer holds exactly price, currency, valid_until, text and accepts"
    if not all(_int(plain[k]) for k in ("price", "valid_until")):
        return f"price and valid_until are whole numbers from 0 to {SEQ_MAX}"
    if not (isinstance(plain["currency"], str) and CURRENCY.fullmatch(plain["currency"])):
        return "currency must be an ISO 4217 code such as EUR"
    if _text_problem(plain["text"], TEXT, line=False):
        return f"text must say something, at most {TEXT} characters, no control characters"
    accepts, allowed = plain["accepts"], TERMS if terms is None else terms
    if not (isinstance(accepts, list) and all(isinstance(t, str) and t in allowed for t in accepts)
            and len(set(accepts)) == len(accepts)):
        return "accepts lists distinct words of the intent's terms"
    return None


def award_plain(text: str, contact: str | None = None) -> dict[str, Any]:
    plain = {"text": text} if contact is None else {"text": text, "contact": contact}
    problem = award_problem(plain)
    if problem:
        raise Rejected("bad-body", problem)
    return plain


def award_problem(plain: Any) -> str | None:
    if not isinstance(plain, dict) or not {"text"} <= set(plain) <= {"text", "contact"}:
        return "an award holds text and, if she chooses, contact"
    if _text_problem(plain["text"], TEXT, line=False):
        return f"text must say something, at most {TEXT} characters, no control characters"
    if "contact" in plain and _text_problem(plain["contact"], MAX_CONTACT, line=True):
        return f"contact is one line of at most {MAX_CONTACT} characters"
    return None


def seal_to(key: bytes, plain: dict[str, Any]) -> bytes:
    return seal(key, codec.encode(plain))


def open_sealed(identity: Identity, sealed: bytes, problem: Any) -> dict[str, Any]:
    """The map in a sealed box to `identity`, checked by `problem` (offer_problem, award_problem); SealError when
    it cannot be opened or holds something else (section 3: no offer, no award)."""
    try:
        plain = codec.decode(unseal(identity, sealed))
    except Rejected:
        plain = None
    reason = problem(plain)
    if reason:
        raise SealError(f"the sealed part is not valid: {reason}")
    return plain  # type: ignore[no-any-return]


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SEQ_MAX


def _text_problem(value: Any, limit: int, line: bool) -> bool:
    return not isinstance(value, str) or not 0 < len(value) <= limit or is_blank(value) or bool(forbidden(value, line))
