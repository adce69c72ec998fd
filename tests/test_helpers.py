"""The shared waiting helpers: they hand back what the check found, and fail loudly at the deadline."""
from __future__ import annotations

import itertools

import pytest
from helpers import trio_wait_for, wait_for

pytestmark = pytest.mark.fast


def test_wait_for_returns_the_first_true_result():
    calls = itertools.count()
    assert wait_for(lambda: next(calls) >= 2 and "done", every=0) == "done"


def test_wait_for_fails_at_the_deadline_naming_what_and_the_last_assertion():
    def check():
        raise AssertionError("still 3 rows")
    with pytest.raises(AssertionError, match="the rows: not within 0.1s") as failed:
        wait_for(check, "the rows", timeout=0.1, every=0.01)
    assert str(failed.value.__cause__) == "still 3 rows"


@pytest.mark.trio
async def test_trio_wait_for_in_a_thread_and_at_the_deadline():
    calls = itertools.count()
    assert await trio_wait_for(lambda: next(calls) >= 2 and "done", every=0, thread=True) == "done"
    with pytest.raises(AssertionError, match="never: not within 0.1s"):
        await trio_wait_for(lambda: False, "never", timeout=0.1, every=0.01)
