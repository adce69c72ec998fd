"""Waiting for a state, for every test: call a check until it holds, with a deadline. Never a sleep
that hopes: a busy machine only makes these take longer, up to a deadline that is there for hangs."""
from __future__ import annotations

import time

import trio

TIMEOUT = 60  # seconds


def wait_for(check, what: str = "the condition", timeout: float = TIMEOUT, every: float = 0.1):
    """Call `check()` until it returns something true, and return that. An AssertionError raised by
    `check` counts as not yet; past the deadline, it is the cause of the failure."""
    deadline = time.monotonic() + timeout
    while True:
        result, why = _try(check)
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s") from why
        time.sleep(every)


async def trio_wait_for(check, what: str = "the condition", timeout: float = TIMEOUT, every: float = 0.05,
                        thread: bool = False):
    """`wait_for` inside trio; `thread=True` runs `check` in a worker thread (a check that blocks,
    such as an HTTP call, must not stall the nodes running in this trio loop)."""
    why = None
    with trio.move_on_after(timeout):
        while True:
            result, why = await trio.to_thread.run_sync(_try, check) if thread else _try(check)
            if result:
                return result
            await trio.sleep(every)
    raise AssertionError(f"{what}: not within {timeout}s") from why


def _try(check):
    try:
        return check(), None
    except AssertionError as e:
        return None, e


def popular_home(dest, scale: float = 0.01) -> dict:
    """A small popular-topic home at `dest` (bench/popular.py: skewed authors, big threads, real
    signatures), not cached; returns its fixture.json (topic, vendor, busiest author, viewer)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "popular.py"
    spec = importlib.util.spec_from_file_location("bench_popular", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(Path(dest), scale)
