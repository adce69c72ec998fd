"""did:key encoding and Ed25519 signatures."""
from __future__ import annotations

import pytest
from antiport.crypto import BadKey, Identity, did_from_key, key_from_did, verify
from antiport.crypto.keys import b58decode, b58encode
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

seeds = st.binary(min_size=32, max_size=32)


@given(st.binary(max_size=40))
def test_base58_round_trip_keeps_leading_zeros(data):
    assert b58decode(b58encode(data)) == data


def test_base58_known_values():
    assert b58encode(b"") == ""
    assert b58encode(b"\0\0\x01") == "112"
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"


@given(seeds)
def test_did_round_trip(seed):
    ident = Identity(seed)
    assert ident.did.startswith("did:key:z6Mk")
    assert key_from_did(ident.did) == ident.public_key
    assert did_from_key(ident.public_key) == ident.did


@pytest.mark.parametrize("did", ["", "did:key:", "did:web:example.com", "did:key:z0OIl",
                                 "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1
                                 "did:key:z6Mk"])
def test_key_from_did_refuses(did):
    with pytest.raises(BadKey):
        key_from_did(did)


@pytest.mark.parametrize("key", ["0100000000000000000000000000000000000000000000000000000000000000",  # identity
                                 "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
                                 "0100000000000000000000000000000000000000000000000000000000000080",  # -0 sign
                                 "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p + 1
                                 "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"])  # y = p + 3
def test_key_from_did_refuses_keys_that_sign_nothing(key):
    """specs/01 section 1.1: small-order and non-canonical keys verify nothing, so they are no author."""
    did = did_from_key(bytes.fromhex(key))
    with pytest.raises(BadKey, match="can sign nothing"):
        key_from_did(did)


def test_did_from_key_needs_32_bytes():
    with pytest.raises(BadKey):
        did_from_key(b"\x01" * 31)


@given(seeds, st.binary(max_size=100))
def test_sign_verify(seed, data):
    ident = Identity(seed)
    sig = ident.sign(data)
    assert verify(ident.public_key, data, sig)
    assert not verify(ident.public_key, data + b"x", sig)
    assert not verify(Identity(bytes(b ^ 1 for b in seed)).public_key, data, sig)


@pytest.mark.parametrize("key, sig", [(b"\x01" * 31, b"\0" * 64), (b"\x01" * 32, b"\0" * 63), (b"\0" * 32, b"\0" * 64)])
def test_verify_is_false_on_bad_inputs(key, sig):
    assert verify(key, b"data", sig) is False


def test_identity_from_seed_is_stable():
    a, b = Identity(b"\x07" * 32), Identity(b"\x07" * 32)
    assert a.public_key == b.public_key and a.seed == b"\x07" * 32
    assert a.sign(b"m") == b.sign(b"m")
    assert Identity.generate().did != Identity.generate().did
