"""Pilot helpers shared by the TUI tests."""
from __future__ import annotations

import asyncio

from textual.widgets import DataTable
from textual.worker import WorkerState

SETTLE_SECONDS = 60


async def settle(pilot, timeout: float = SETTLE_SECONDS) -> None:
    """Wait until the screen on top is mounted, the node calls it started have finished, and what
    they returned is on the screen. The live-update listener runs for the app's whole life and is
    not waited for. A state, not a time: a busy machine only makes this take longer."""
    app, busy = pilot.app, []
    try:
        async with asyncio.timeout(timeout):
            while True:
                await pilot.pause()  # the screen and its widgets have handled what is queued for them
                busy = [w for w in app.workers if w.group != "live" and w.state in (WorkerState.PENDING,
                                                                                    WorkerState.RUNNING)]
                if busy:
                    running = [w.wait() for w in busy if w.state == WorkerState.RUNNING]
                    await asyncio.gather(*running, return_exceptions=True)  # failures show on the screen
                elif app.screen.is_mounted:
                    break
            await pilot.wait_for_scheduled_animations()
    except TimeoutError:
        raise AssertionError(f"the screen did not settle within {timeout}s; busy: {busy}") from None


async def press(pilot, *keys: str) -> None:
    """Press keys one at a time, the screen settling after each: a key that closes or opens a screen
    is done before the next one is pressed (escape then enter must reach the screen below)."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def until(pilot, check, what: str, timeout: float = SETTLE_SECONDS) -> None:
    """Settle and check, until `check()` holds: for what comes with no key pressed (the node's event
    stream, its network, a search as you type)."""
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await pilot.pause(0.1)
                await settle(pilot)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {timeout}s") from None


def row(table, i: int) -> list:
    """A table row as tests compare it: text cells (the screens draw them as rich Text) as str."""
    return [c if isinstance(c, int) else str(c) for c in table.get_row_at(i)]


def notes(app) -> list[str]:
    """The notifications shown so far."""
    return [n.message for n in app._notifications]


def cells(screen) -> list[list[str]]:
    """The text of every cell of a screen's table, row by row."""
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
