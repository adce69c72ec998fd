"""The stream framing of /antiport/sync/1 (specs/05-sync.md §5), sans-IO: each message is a minimal unsigned
LEB128 length of at most MAX_MESSAGE bytes, then a deterministic CBOR map of that length."""
from __future__ import annotations

from typing import Any

from . import codec
from .errors import Rejected
from .sync import LocalProtocolError, RemoteProtocolError

MAX_MESSAGE = 1 << 20        # bytes per stream message
_VARINT_MAX = -(-MAX_MESSAGE.bit_length() // 7)  # bytes of the longest length prefix allowed


class NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = NeedData()  # Reader.next(), Session.next_event(): nothing to do until more bytes arrive


def encode_message(value: dict[str, Any]) -> bytes:
    """A stream message: the minimal unsigned LEB128 length, then the deterministic CBOR map."""
    data = codec.encode(value)
    n, prefix = len(data), bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        prefix.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(prefix) + data


class Reader:
    """Splits the bytes of a stream into messages (dicts); checks length prefixes as they arrive."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.eof = False

    def feed(self, data: bytes) -> None:
        if self.eof:
            raise LocalProtocolError("data after the end of the stream")
        if not data:
            self.eof = True
        self.buf += data

    def next(self) -> dict[str, Any] | None | NeedData:
        """The next message, None when the peer closed between messages, or NEED_DATA."""
        length, head = _varint(self.buf)
        if length is not None and len(self.buf) >= head + length:
            data = bytes(self.buf[head:head + length])
            del self.buf[:head + length]
            try:
                value = codec.decode(data, max_depth=8)
            except Rejected as e:
                raise RemoteProtocolError(f"a message is not deterministic CBOR ({e})") from None
            if not isinstance(value, dict):
                raise RemoteProtocolError("a message is a CBOR map")
            return value
        if not self.eof:
            return NEED_DATA
        if self.buf:
            raise RemoteProtocolError("stream ended inside a message")
        return None


def _varint(buf: bytearray) -> tuple[int | None, int]:
    """(length, header size) of the message at the start of buf; length None while incomplete."""
    value = 0
    for k, byte in enumerate(buf[:_VARINT_MAX]):
        value |= (byte & 0x7F) << (7 * k)
        if not byte & 0x80:
            if (byte == 0 and k) or value > MAX_MESSAGE:
                raise RemoteProtocolError(f"message length {value} over {MAX_MESSAGE} or not minimal")
            return value, k + 1
    if len(buf) >= _VARINT_MAX:
        raise RemoteProtocolError(f"message length over {MAX_MESSAGE}")
    return None, 0
