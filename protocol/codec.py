"""Deterministic CBOR (RFC 8949 section 4.2.1, core deterministic encoding) for the data model we allow.

The data model is deliberately small: maps with text keys, arrays, text, bytes, booleans, null, and
integers in the 64-bit range. No floats, no tags, no indefinite lengths.
"""
from __future__ import annotations

from typing import Any

import cbor2

from .errors import Rejected

_INT_MIN, _INT_MAX = -(2**64), 2**64 - 1


def encode(value: object) -> bytes:
    """The deterministic encoding of `value` (map keys sorted by their encoded bytes)."""
    _check_model(value)
    return cbor2.dumps(value, canonical=True)


def decode(data: bytes, max_depth: int = 16) -> Any:
    """Decode `data`, refusing anything whose re-encoding is not byte-identical.

    Only cbor2's decode errors mean "malformed"; anything else (wrong argument type, a cbor2 without the
    options used here) is a programming error and is raised as it is.

    The comparison re-encodes without cbor2's canonical mode, ten times quicker: within the data model that mode
    changes nothing but the order of map keys (it sorts them; integers and lengths are always shortest), and a
    decoded map keeps the order of the bytes, so the keys are checked to be in order (`_check_model`) instead of
    sorted. The rule is the same: the value's deterministic encoding is `data`."""
    try:
        value = cbor2.loads(data, max_depth=max_depth, allow_indefinite=False, allow_duplicate_keys=False,
                            semantic_decoders=_EVERY_TAG)
    except cbor2.CBORDecodeError as e:  # since cbor2 6.0 every decode failure is one (causes chained)
        raise Rejected("malformed", f"not CBOR: {e}") from None
    if not _check_model(value) or cbor2.dumps(value) != data:
        raise Rejected("non-canonical")
    return value


class _Tagged:
    """What any tagged item decodes to; `_check_model` refuses it like every value outside the model."""


class _EveryTag(dict[int, Any]):
    """Overrides cbor2's built-in tag decoders (bignums, dates, shared values...) so that every tag is
    decoded alike, to a `_Tagged` (cbor2 looks a tag up with `mapping[tag]`)."""

    def __missing__(self, tag: int) -> Any:
        return _tagged


def _tagged(value: object, immutable: bool) -> _Tagged:
    return _Tagged()


_EVERY_TAG = _EveryTag()


def _check_model(value: object) -> bool:
    """Rejected unless `value` and everything in it is in the data model; True when every map's keys are in the
    deterministic order (shorter UTF-8 first, then bytewise: the order of their encodings, RFC 8949 4.2.1).
    One pass over the items, containers appending theirs (breadth first), the exact types cbor2 decodes to tried
    before any isinstance."""
    ordered = True
    todo: list[object] = [value]
    for item in todo:
        if type(item) in _LEAVES or isinstance(item, (str, bytes)):
            continue
        if isinstance(item, int):
            if not _INT_MIN <= item <= _INT_MAX:
                raise Rejected("malformed", "integer out of range")
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, dict):
            previous = (-1, b"")  # before any key, the empty one too
            for k in item:
                if not isinstance(k, str):
                    raise Rejected("malformed", "map keys must be text")
                key = k.encode()
                key_order = (len(key), key)
                ordered = ordered and previous < key_order
                previous = key_order
            todo.extend(item.values())
        elif isinstance(item, _Tagged):
            raise Rejected("malformed", "CBOR tags are not allowed")
        else:
            raise Rejected("malformed", f"{type(item).__name__} is not in the data model")
    return ordered


_LEAVES = frozenset({str, bytes, bool, type(None)})
