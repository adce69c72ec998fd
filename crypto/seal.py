"""Sealed parts: anonymous NaCl sealed boxes addressed to an Ed25519 identity."""
from __future__ import annotations

import nacl.bindings
import nacl.exceptions
import nacl.public

from .keys import Identity


class SealError(ValueError):
    """A sealed part that cannot be opened: not for this key, or tampered with."""


def seal(recipient_public_key: bytes, plaintext: bytes) -> bytes:
    curve = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(recipient_public_key)
    return nacl.public.SealedBox(nacl.public.PublicKey(curve)).encrypt(plaintext)


def unseal(identity: Identity, ciphertext: bytes) -> bytes:
    curve = nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(identity.seed + identity.public_key)
    try:
        return nacl.public.SealedBox(nacl.public.PrivateKey(curve)).decrypt(ciphertext)
    except (nacl.exceptions.CryptoError, nacl.exceptions.TypeError, ValueError):
        raise SealError("the sealed part cannot be opened: not addressed to this key, or tampered with") from None
