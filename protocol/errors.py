"""Rejections: every invalid message is refused with one stable reason code (see specs/01)."""
from __future__ import annotations

# Reason codes. They are part of the protocol: counters, tests and vectors name them.
REASONS = {
    "oversize": "the envelope is larger than the size limit",
    "malformed": "the bytes are not a CBOR envelope of the right shape",
    "non-canonical": "the CBOR is not in deterministic encoding",
    "bad-version": "the envelope version is not supported",
    "bad-field": "a payload field is missing, unknown, or of the wrong type",
    "bad-signature": "the Ed25519 signature does not verify",
    "clock-skew": "the creation time is too far in the future or before 2020",
    "bad-topic": "the topic is not a normalised product slug (or empty for meta kinds)",
    "bad-body": "the body does not follow the rules of its kind",
    "empty-text": "a title or text that must say something is empty or only white space",
    "bad-text": "a text field holds a control character, or a title or name a line break or bidi control",
    "bad-refs": "the references are not what the kind requires",
    "missing-ref": "a referenced message is not known yet",
    "topic-mismatch": "the message is not in the topic of the message it refers to",
    "not-asker": "only the author of the request may accept or resolve it",
    "not-author": "only the author of a message may retract it or name it as her terms",
    "self-vote": "nobody may vote on their own message",
    "not-vendor": "the key is not named in a vendor manifest for this topic",
    "not-addressee": "a receipt is by the key its contact was sealed to, sealed back to the contact's author",
    "bad-key-event": "the key event does not follow its identity's log",
    "not-next-key": "a rotation must be signed by the key the identity committed to",
    "not-current-key": "a device is added or revoked by the identity's current key",
    "revoked-key": "the message is by a revoked device and not among the ones its revocation kept",
    "expired": "an offer made at or after its intent's expiry",
    "not-intent-key": "only the intent's own key may award or decline its offers",
}


MAX_DETAIL = 200  # characters of an error's detail: it may quote a peer's value, which can be a megabyte


def brief(detail: str) -> str:
    """`detail`, cut to MAX_DETAIL characters: errors are logged and shown, whatever a peer put in its message."""
    return detail if len(detail) <= MAX_DETAIL else detail[:MAX_DETAIL - 1] + "…"


class Rejected(Exception):
    """A message failed validation; `reason` is one of REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        assert reason in REASONS, reason
        self.reason = reason
        self.detail = detail = brief(detail)
        super().__init__(f"{reason}: {detail or REASONS[reason]}")
