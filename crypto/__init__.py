"""Antiport crypto: Ed25519 identities (did:key), signatures, sealed boxes, the keystore."""
from .keys import BadKey, Identity, did_from_key, key_from_did, verify
from .keystore import KeystoreError, load_identity, save_identity
from .seal import SealError, seal, unseal

__all__ = ["BadKey", "Identity", "did_from_key", "key_from_did", "verify", "KeystoreError",
           "load_identity", "save_identity", "SealError", "seal", "unseal"]
