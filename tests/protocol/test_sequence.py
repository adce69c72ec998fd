"""Cutting a CBOR sequence by structure alone (specs/04 section 2): well-formed items whatever they hold."""
from __future__ import annotations

import cbor2
import pytest
from antiport.protocol.sequence import NotWellFormed, item_end
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

values = st.recursive(st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | st.floats() | st.text()
                      | st.binary(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20)


@given(values, st.binary(max_size=20))
def test_an_encoded_value_is_one_item_whatever_follows(value, tail):
    item = cbor2.dumps(value)
    assert item_end(item + tail, 0) == len(item)


@pytest.mark.parametrize("hexed, end", [("63fffefd", 4),    # text that is not UTF-8: well-formed, not valid
                                        ("c24101", 3),      # a tag
                                        ("5f4101ff", 4),    # indefinite-length byte string
                                        ("bf616101ff", 5),  # indefinite-length map
                                        ("f93c00", 3),      # a half float
                                        ("a2616101616101", 7)])  # a duplicate key
def test_well_formed_but_invalid_items_are_cut(hexed, end):
    assert item_end(bytes.fromhex(hexed) + b"\x00", 0) == end


@pytest.mark.parametrize("hexed", ["", "41", "5a00000010", "1c", "3d", "fe", "ff", "9f01", "5f6161ff", "bf6161ff",
                                   "f818", "1f", "df", "82ff"])
def test_bytes_that_are_not_well_formed(hexed):
    with pytest.raises(NotWellFormed):
        item_end(bytes.fromhex(hexed), 0)


def test_deep_nesting_costs_no_recursion():
    data = b"\x81" * 100_000 + b"\x00"
    assert item_end(memoryview(data), 0) == len(data)
