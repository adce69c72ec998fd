"""Sealed parts open only with the right key, and refuse any change to the ciphertext."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity, SealError, seal, unseal
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

VENDOR, OTHER = Identity(b"\x01" * 32), Identity(b"\x02" * 32)


@settings(max_examples=50)
@given(st.binary(max_size=200))
def test_opens_with_the_right_key_only(plaintext):
    box = seal(VENDOR.public_key, plaintext)
    assert unseal(VENDOR, box) == plaintext
    with pytest.raises(SealError):
        unseal(OTHER, box)


def test_sealing_is_randomised():
    assert seal(VENDOR.public_key, b"order 1234") != seal(VENDOR.public_key, b"order 1234")


BOX = seal(VENDOR.public_key, b"serial 42-XYZ")


@given(st.integers(0, len(BOX) - 1), st.integers(1, 255))
def test_tampered_ciphertext_is_refused(index, xor):
    box = bytearray(BOX)
    box[index] ^= xor
    with pytest.raises(SealError):
        unseal(VENDOR, bytes(box))


@pytest.mark.parametrize("box", [b"", b"\0" * 47, BOX[:-1], BOX + b"\0"], ids=["empty", "short", "cut", "longer"])
def test_short_or_extended_ciphertext_is_refused(box):
    with pytest.raises(SealError):
        unseal(VENDOR, box)
