"""How the TUI answers keys while messages pour in, against the same TUI idle, in one run.

    python bench/tui.py [--rate 100] [--keys 200]

A real node (`antiport run` on 127.0.0.1) and the TUI on it (Textual, headless, 120x40) showing a
topic's threads. A feeder imports messages signed by another identity into the node at --rate per
second (each arrives at the TUI over the node's live event stream and reloads the screen, as from a
peer). Latency is input to screen: from a key posted to the app the way the terminal driver posts it
(cursor down/up in the table) until the cursor is on another row and a frame showing it has been
written out (the app's display hook, timestamped here). Median and p90 of --keys presses, first idle,
then under the feed; the ratio loaded/idle is the cost of the feed, and the feed's rate is printed.
(Textual's pilot is not used to time: it waits until the whole process is idle, feeder included.)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.node.service import split_sequence
from antiport.tui.app import AntiportApp
from antiport.tui.threads import ThreadsScreen
from textual.widgets import DataTable

TOPIC = "bench/tui"


def signed_messages(root: Path, n: int) -> list[bytes]:
    """n requests by someone else, as the signed bytes a peer would send."""
    home = Home(root / "other")
    home.init("other")
    other = Client(home)
    for i in range(n):
        other.call("ask", topic=TOPIC, title=f"Question {i}", text="It does not start " * 5)
    data = b"".join(other.export())
    other.close()
    return [m for m in split_sequence(data) if b"Question" in m]


class Feeder(threading.Thread):
    def __init__(self, client: Client, messages: list[bytes], rate: float) -> None:
        super().__init__(daemon=True)
        self.client, self.messages, self.rate = client, messages, rate
        self.sent, self.stop, self.elapsed = 0, threading.Event(), 0.0

    def run(self) -> None:
        start = time.perf_counter()
        for raw in self.messages:
            if self.stop.is_set():
                break
            self.client.import_(raw)
            self.sent += 1
            delay = start + self.sent / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        self.elapsed = time.perf_counter() - start


class Frames:
    """When the app last wrote a frame out (wraps App._display, the one place frames leave the app)."""

    def __init__(self, app: AntiportApp) -> None:
        self.last = 0.0
        display = app._display

        def timed(screen, renderable) -> None:
            display(screen, renderable)
            self.last = time.perf_counter()
        app._display = timed


async def latencies(app: AntiportApp, frames: Frames, keys: int) -> list[float]:
    """Keys alternate down/up; a key's effect is the cursor on another row (by key: live reloads keep
    the cursor on its row while rows are added above it), then a frame written after that."""
    table = app.screen.query_one(DataTable)

    def row() -> str:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    out = []
    for i in range(keys):
        before, start = row(), time.perf_counter()
        app.simulate_key("down" if i % 2 == 0 else "up")
        while row() == before:
            if time.perf_counter() - start > 30:
                raise RuntimeError(f"key {i} did not move the cursor within 30 s")
            await asyncio.sleep(0.0005)
        moved = time.perf_counter()
        while frames.last < moved:
            await asyncio.sleep(0.0005)
        out.append(frames.last - start)
        await asyncio.sleep(0.05)  # a person's pace, not a key-repeat storm
    return out


async def measure(client: Client, feeder: Feeder, keys: int) -> tuple[list[float], list[float], int]:
    app = AntiportApp(client)
    frames = Frames(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(ThreadsScreen(TOPIC))
        await asyncio.sleep(1)
        await pilot.press("down", "down")  # off the first row, so that "up" always moves
        idle = await latencies(app, frames, keys)
        feeder.start()
        await asyncio.sleep(1)  # the feed is flowing
        loaded = await latencies(app, frames, keys)
        feeder.stop.set()
        rows = len(client.call("list", topic=TOPIC, limit=200)["threads"])
    return idle, loaded, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=100, help="messages per second fed to the node")
    ap.add_argument("--keys", type=int, default=200, help="key presses measured, idle and loaded each")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        messages = signed_messages(root, int(args.rate * 30))
        home = Home(root / "me")
        home.init("me")
        with NodeProcess(home.path) as node:
            node.wait_ready()
            client = Client(home)
            client.call("follow", topic=TOPIC)
            for i in range(10):  # rows to move the cursor over before the feed starts
                client.call("ask", topic=TOPIC, title=f"My own question {i}", text="so the table has rows")
            feeder = Feeder(Client(home), messages, args.rate)
            idle, loaded, rows = asyncio.run(measure(client, feeder, args.keys))
            client.close()
    med = statistics.median
    p90 = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
    print(f"{'TUI key latency':<28}{'median ms':>10}{'p90 ms':>9}")
    print(f"{'idle':<28}{med(idle) * 1e3:>10.1f}{p90(idle) * 1e3:>9.1f}")
    print(f"{f'{args.rate:.0f} msg/s arriving':<28}{med(loaded) * 1e3:>10.1f}{p90(loaded) * 1e3:>9.1f}")
    print(f"ratio loaded/idle: median {med(loaded) / med(idle):.2f}, p90 {p90(loaded) / p90(idle):.2f}")
    print(f"feed: {feeder.sent} messages in {feeder.elapsed:.1f} s = {feeder.sent / max(feeder.elapsed, 1e-9):.0f}/s "
          f"(target {args.rate:.0f}/s); threads in the topic at the end: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
