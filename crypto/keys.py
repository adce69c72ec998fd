"""Ed25519 identities, shown as did:key, and signatures over domain-separated bytes."""
from __future__ import annotations

import functools

import nacl.exceptions
import nacl.signing

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
DID_PREFIX = "did:key:z"
# specs/01 section 1.1, the verification rule (libsodium's, written out so it holds whatever libsodium is linked)
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022
_SMALL_ORDER_Y = frozenset({0, 1, _P - 1, _Y8, _P - _Y8, _P, _P + 1})  # y of the 8 small-order points, and y + p


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
    if not usable_key(raw[2:]):
        raise BadKey(f"{did!r} names an Ed25519 key that can sign nothing (small order or non-canonical)")
    return raw[2:]


def _y(point: bytes) -> int:
    return int.from_bytes(point, "little") & ((1 << 255) - 1)


def usable_key(public_key: bytes) -> bool:
    """False for the keys the rule refuses outright: y >= p (non-canonical) or a point of small order."""
    y = _y(public_key)
    return y < _P and y not in _SMALL_ORDER_Y


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of `data` by `public_key` (specs/01 section 1.1)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    if int.from_bytes(signature[32:], "little") >= _L or not usable_key(public_key):
        return False
    if _y(signature[:32]) in _SMALL_ORDER_Y:  # R of small order
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(data, signature)  # the cofactorless equation, R compared as bytes
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

    def speaking_for(self, did: str) -> Identity:
        """This key, as a key of the identity `did` (a rotated-in key or a device, specs/10): it signs as
        itself, and `did` names the person."""
        other = Identity(self.seed)
        other.did = did
        return other

    def __repr__(self) -> str:
        return f"Identity({self.did})"
