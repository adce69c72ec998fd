"""Pilot helpers shared by the TUI tests."""
from __future__ import annotations

from textual.worker import WorkerState

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


async def settle(pilot, rounds: int = 400) -> None:
    """Wait until the screens' node calls are done and the screen has redrawn (the live-update
    listener runs for the app's whole life and is not waited for)."""
    for _ in range(rounds):
        await pilot.pause()
        if not any(w.state in BUSY for w in pilot.app.workers if w.group != "live"):
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the screen's node calls did not finish")


def notes(app) -> list[str]:
    """The notifications shown so far."""
    return [n.message for n in app._notifications]
