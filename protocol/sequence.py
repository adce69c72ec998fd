"""CBOR sequences (specs/04-export.md section 2): where each item ends, found from the structure alone.

An item is cut out when it is well-formed (RFC 8949 appendix C: heads, lengths, nesting, breaks); what it
holds -- text that is not UTF-8, tags, floats, duplicate keys -- is for validation to refuse, item by item.
Works on bytes or a memoryview (of an mmap of a large file, say), never reading a file itself.
"""
from __future__ import annotations

from dataclasses import dataclass

Buffer = bytes | bytearray | memoryview


class NotWellFormed(ValueError):
    """The bytes at this point are not one well-formed CBOR item: the sequence cannot be cut further."""


@dataclass
class _Level:
    left: int | None  # items still to read; None: up to a break
    is_map: bool = False
    key_waits: bool = False  # an indefinite-length map has read a key and no value yet


def item_end(data: Buffer, pos: int) -> int:
    """Where the well-formed item that starts at `pos` ends; raises NotWellFormed. Iterative: deep nesting costs
    no recursion."""
    levels = [_Level(1)]
    while levels:
        level = levels[-1]
        if level.left == 0:
            levels.pop()
            continue
        major, arg, pos = _head(data, pos)
        if major == 7 and arg is None:  # a break
            if level.left is not None:
                raise NotWellFormed("a break outside an indefinite-length item")
            if level.key_waits:
                raise NotWellFormed("an indefinite-length map with a key but no value")
            levels.pop()
            continue
        if level.left is not None:
            level.left -= 1
        elif level.is_map:
            level.key_waits = not level.key_waits
        if major in (2, 3):
            pos = _string_end(data, pos, major, arg)
        elif major == 4:
            levels.append(_Level(arg))
        elif major == 5:
            levels.append(_Level(None if arg is None else 2 * arg, is_map=True))
        elif major == 6:
            levels.append(_Level(1))  # a tag is followed by its one item
    return pos


def _head(data: Buffer, pos: int) -> tuple[int, int | None, int]:
    """(major type, argument, where the head ends); the argument is None for an indefinite length and a break."""
    if pos >= len(data):
        raise NotWellFormed("the item ends early")
    major, info = data[pos] >> 5, data[pos] & 31
    if info < 24:
        return major, info, pos + 1
    if info <= 27:
        end = pos + 1 + (1 << (info - 24))
        if end > len(data):
            raise NotWellFormed("the item ends early")
        arg = int.from_bytes(data[pos + 1:end], "big")
        if major == 7 and info == 24 and arg < 32:
            raise NotWellFormed("a simple value below 32 in two bytes")
        return major, arg, end
    if info == 31 and major in (2, 3, 4, 5, 7):
        return major, None, pos + 1
    raise NotWellFormed(f"reserved additional information {info}")


def _string_end(data: Buffer, pos: int, major: int, length: int | None) -> int:
    if length is None:  # chunks: definite-length strings of the same major type, up to a break
        while True:
            chunk_major, chunk, pos = _head(data, pos)
            if chunk_major == 7 and chunk is None:
                return pos
            if chunk_major != major or chunk is None:
                raise NotWellFormed("an indefinite-length string with a chunk that is not a definite one of its type")
            pos = _string_end(data, pos, major, chunk)
    if pos + length > len(data):
        raise NotWellFormed("the item ends early")
    return pos + length
