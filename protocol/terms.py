"""Customer terms (specs/14-terms.md): a signed document of words a machine can compare, referred to by requests,
complaints and intents, and a vendor's signed consent to it (accept or refuse). Pure rules, no clock.
"""
from __future__ import annotations

from typing import Any

from .envelope import Message
from .intents import TERMS

# The words of a terms document (section 2): the vocabulary of specs/12 section 5 and the one word with a parameter
WORDS = (*TERMS, "delete-after-days")
# The values `days` may take (section 2): few, so that a document's parameters say little about who wrote it
DAYS = (1, 7, 30, 90, 365)
CONSENT = ("accept", "refuse")
# What each word asks of a vendor, in plain words, for people reading a lead or a ticket (section 2)
PLAIN = {
    "no-tracking": "No tracking of me beyond this deal: no profiles, no ad networks.",
    "purpose-only": "Use what I reveal only to deliver what I buy.",
    "no-sharing": "Give my data to nobody else.",
    "delete-after-deal": "Delete what I revealed once the deal is done.",
    "contact-via-antiport": "Contact me only through Antiport, not by mail or phone unless I ask.",
    "delete-after-days": "Delete what I revealed at most {days} days after I revealed it.",
}


def terms_problem(body: dict[str, Any]) -> str | None:
    """The rules of a terms document after its table (section 2)."""
    words = body["words"]
    if not all(isinstance(w, str) and w in WORDS for w in words) or len(set(words)) != len(words):
        return f"words must be distinct words of: {', '.join(WORDS)}"
    if ("delete-after-days" in words) != ("days" in body):
        return "days goes with the word delete-after-days, and only with it"
    if "days" in body and body["days"] not in DAYS:
        return f"days must be one of {', '.join(map(str, DAYS))}"
    return None


def in_plain_words(body: dict[str, Any]) -> list[str]:
    """Each word of a valid terms document as a sentence a person reads (a CRM's ticket, a lead)."""
    return [PLAIN[w].format(days=body.get("days")) for w in body["words"]]


def waits_for(msg: Message) -> str:
    """The id a message refused as `missing-ref` waits for: its ref, or else the terms document it names."""
    return msg.refs[0] if msg.refs else msg.body["terms_doc"].hex()
