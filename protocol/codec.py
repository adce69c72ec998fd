"""Deterministic CBOR (RFC 8949 section 4.2.1, core deterministic encoding) for the data model we allow.

The data model is deliberately small: maps with text keys, arrays, text, bytes, booleans, null, and
integers in the 64-bit range. No floats, no tags, no indefinite lengths.
"""
from __future__ import annotations

import cbor2

from .errors import Rejected

_INT_MIN, _INT_MAX = -(2**64), 2**64 - 1


def encode(value) -> bytes:
    """The deterministic encoding of `value` (map keys sorted by their encoded bytes)."""
    _check_model(value)
    return cbor2.dumps(value, canonical=True)


def decode(data: bytes, max_depth: int = 16):
    """Decode `data`, refusing anything whose re-encoding is not byte-identical."""
    try:
        value = cbor2.loads(data, max_depth=max_depth, allow_indefinite=False, allow_duplicate_keys=False,
                            tag_hook=_no_tags, semantic_decoders=_NO_SEMANTIC_TAGS)
    except Rejected:
        raise
    except Exception as e:  # cbor2 raises several types on hostile input; all mean the same here
        raise Rejected("malformed", f"not CBOR: {e}") from None
    _check_model(value)
    if cbor2.dumps(value, canonical=True) != data:
        raise Rejected("non-canonical")
    return value


def _no_tags(decoder, tag):
    raise Rejected("malformed", f"CBOR tag {tag.tag} is not allowed")


class _AllTags(dict):
    """Overrides cbor2's built-in tag decoders (bignums, dates...) so that every tag is refused alike."""

    def __contains__(self, tag):
        return True

    def get(self, tag, default=None):
        return self._refuse

    __missing__ = get

    @staticmethod
    def _refuse(decoder):
        raise Rejected("malformed", "CBOR tags are not allowed")


_NO_SEMANTIC_TAGS = _AllTags()


def _check_model(value) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        return
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise Rejected("malformed", "integer out of range")
        return
    if isinstance(value, list):
        for item in value:
            _check_model(item)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise Rejected("malformed", "map keys must be text")
            _check_model(v)
        return
    raise Rejected("malformed", f"{type(value).__name__} is not in the data model")
