"""Ed25519 identities, shown as did:key, and signatures over domain-separated bytes."""
from __future__ import annotations

import functools

import nacl.exceptions
import nacl.signing

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
DID_PREFIX = "did:key:z"


class BadKey(ValueError):
    """A did or key that cannot be read."""


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        i = _B58.find(ch)
        if i < 0:
            raise BadKey(f"not base58: {ch!r}")
        n = n * 58 + i
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


@functools.lru_cache(maxsize=4096)  # base58 in Python costs ~15 us; authors repeat
def did_from_key(public_key: bytes) -> str:
    if len(public_key) != 32:
        raise BadKey("an Ed25519 public key is 32 bytes")
    return DID_PREFIX + b58encode(_ED25519_PUB + public_key)


def key_from_did(did: str) -> bytes:
    if not did.startswith(DID_PREFIX):
        raise BadKey(f"not a did:key: {did!r}")
    raw = b58decode(did[len(DID_PREFIX):])
    if len(raw) != 34 or raw[:2] != _ED25519_PUB:
        raise BadKey(f"not an Ed25519 did:key: {did!r}")
    return raw[2:]


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of `data` by `public_key`."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(data, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, nacl.exceptions.TypeError):
        return False
    return True


class Identity:
    """An author: an Ed25519 signing key."""

    def __init__(self, seed: bytes):
        self._key = nacl.signing.SigningKey(seed)
        self.public_key: bytes = bytes(self._key.verify_key)
        self.did: str = did_from_key(self.public_key)

    @classmethod
    def generate(cls) -> Identity:
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data).signature

    def __repr__(self) -> str:
        return f"Identity({self.did})"
