"""Issue 22's table on the popular-topic home (bench/popular.py): each action's time, and what the node's
API did meanwhile (the slowest `GET /v1/id` polled during it), against references in the same run.

    python bench/popular_table.py [--scale 1.0] [--asks 145] [--repeat 3]

A real node (`antiport run`, 127.0.0.1) on a copy of the cached home. A thread polls `GET /v1/id` all
through (a fresh poll 20 ms after the last answered); a row's "API max" is the slowest poll that
overlapped it, "stalled" the polls that took over 100 ms. Ops are timed over HTTP (`Client.call`, as the
CLI does, without its start-up), the median of --repeat calls (the first included: a reader process reads
the ledger's kept files of a topic the first time it is asked about it), once the node has ranked its
followed topics (as it does when it starts).
TUI rows: the Textual app (headless, 120x40, on the node's API) driven by key presses, timed from the
key until the screen's table shows rows (polled every 10 ms, not pilot.pause: that waits for the whole
app to be idle). "After going back": from the topic's thread list into a thread and back, then the
key. The asks are --asks `antiport ask` processes started at once while the TUI shows the topic
(their start-up is part of the time), then as many asks over HTTP from as many threads (the node
alone); the topic's message count says how many were stored.
References: idle /v1/id latency (median), and a bare SQLite page: the 200 newest thread roots of the
topic, ids and titles, nothing else (the least a list costs); "x idle" = API max / idle median,
"x page" = time / bare page.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from antiport.app.processes import NodeProcess
from antiport.node.client import Client, ClientError, api_of
from antiport.node.home import Home
from antiport.tui.app import AntiportApp
from antiport.tui.base import highlighted
from antiport.tui.experts import ExpertsScreen
from antiport.tui.search import SearchScreen
from antiport.tui.thread import ThreadScreen
from antiport.tui.threads import ThreadsScreen
from antiport.tui.vendors import VendorsScreen
from textual.widgets import DataTable, Input

sys.path.insert(0, str(Path(__file__).resolve().parent))
import popular  # noqa: E402 -- bench/popular.py, beside this file
from summary import record  # noqa: E402

STALL = 0.1  # seconds: the bound for GET /v1/id


class Poller(threading.Thread):
    """GET /v1/id over and over, from a process of its own (this one runs the TUI: its GIL is not the
    node's); remembers (start, seconds, ok) of every poll, on the machine's monotonic clock."""

    def __init__(self, home: Home) -> None:
        super().__init__(daemon=True)
        api = api_of(home)
        self.proc = subprocess.Popen([sys.executable, __file__, "--poll", api["url"], api["token"]],
                                     stdout=subprocess.PIPE, text=True)
        self.polls: list[tuple[float, float, bool]] = []
        self.current: float | None = None

    def run(self) -> None:
        for line in self.proc.stdout:
            words = line.split()
            if words[0] == "start":
                self.current = float(words[1])
            else:
                self.polls.append((float(words[0]), float(words[1]), words[2] == "ok"))
                self.current = None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()

    @contextmanager
    def window(self):
        """Yields a dict filled at the end: max seconds, polls, stalled (> STALL), failed."""
        out: dict = {}
        start = time.monotonic()
        yield out
        end = time.monotonic()
        time.sleep(0.05)  # the poll under way has been announced
        while self.current is not None and self.current < end:  # the poll in flight overlaps the window
            time.sleep(0.005)
        polls = [p for p in self.polls if p[0] < end and p[0] + p[1] > start]
        out.update(max=max((s for _, s, _ in polls), default=0.0), polls=len(polls),
                   stalled=sum(s > STALL for _, s, _ in polls), failed=sum(not ok for _, _, ok in polls))


def poll(url: str, token: str) -> None:
    """The poller's process: a fresh GET /v1/id 20 ms after the last one answered, until terminated."""
    http = httpx.Client(base_url=url, timeout=30, headers={"authorization": f"Bearer {token}"})
    while True:
        start = time.monotonic()
        print("start", start, flush=True)
        try:
            ok = http.get("/v1/id").status_code == 200
        except httpx.HTTPError:
            ok = False
        print(start, time.monotonic() - start, "ok" if ok else "failed", flush=True)
        time.sleep(0.02)


class Table:
    def __init__(self, idle: float, page: float) -> None:
        self.idle, self.page, self.rows, self.api_max = idle, page, [], {}

    def add(self, action: str, seconds: float, api: dict, note: str = "") -> None:
        row = (f"{action:<40} {seconds:>8.3f} {seconds / self.page:>9.1f} {api['max'] * 1e3:>9.1f}"
               f" {api['max'] / self.idle:>7.0f} {api['stalled']:>4}/{api['polls']:<4} {note}")
        self.rows.append(row)
        print(row, flush=True)

    @staticmethod
    def header() -> None:
        print(f"{'action':<40} {'time s':>8} {'x page':>9} {'API max':>9} {'x idle':>7} {'>100ms':>9}")


def bare_page(db: Path, topic: str) -> float:
    """The least a list costs: SQLite reading the 200 newest thread roots' ids and titles (best of 5)."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        conn.execute("SELECT id, title FROM messages WHERE topic=? AND kind IN ('request','complaint')"
                     " ORDER BY created DESC LIMIT 200", [topic]).fetchall()
        best = min(best, time.perf_counter() - start)
    conn.close()
    return best


def timed_op(table: Table, poller: Poller, client: Client, action: str, op: str, params: dict,
             repeat: int) -> float:
    """One row: the median of `repeat` calls of op over HTTP, with the API's slowest poll meanwhile."""
    times, size, failed = [], 0, ""
    with poller.window() as api:
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                size = len(json.dumps(client.call(op, **params)))
            except ClientError as e:  # the client's timeout: the row says so, the others still run
                failed = f"; failed: {str(e)[:60]}"
            times.append(time.perf_counter() - start)
    table.add(action, statistics.median(times), api, f"{size / 1e3:,.0f} kB of JSON, max {max(times):.2f} s{failed}")
    table.api_max[action] = api["max"]
    return statistics.median(times)


def ranked_reads(client: Client, info: dict) -> list[tuple[str, str, dict]]:
    """The reads the ledger serves (issue 20's row: never recomputed on a read path)."""
    biggest = max(client.call("list", topic=info["topic"], oldest=True, limit=200)["threads"],
                  key=lambda t: t["answers"])
    return [(f"show (a thread of {biggest['answers']:,} answers)", "show", {"id": biggest["id"]}),
            (f"experts {info['topic']}", "experts", {"topic": info["topic"]})]


def op_rows(table: Table, poller: Poller, client: Client, info: dict, repeat: int) -> dict[str, float]:
    """Each op's row; returns the times of the ranked reads, to compare with the same reads after writes."""
    newest = client.call("list", topic=info["topic"], limit=20)["page"]["before"]
    for action, op, params in [
            (f"list {info['topic']}", "list", {"topic": info["topic"]}),
            ("list (all topics)", "list", {}),
            (f"list {info['topic']} --before (page 2)", "list", {"topic": info["topic"], "before": newest}),
            (f"list {info['topic']} --oldest", "list", {"topic": info["topic"], "oldest": True}),
            ("list --oldest (all topics)", "list", {"oldest": True}),
            ("search 'reset firmware'", "search", {"query": "reset firmware"}),
            ("why DID (the busiest author)", "why", {"did": info["busiest"]}),
            (f"vendor {info['vendor']}", "vendor", {"name": info["vendor"]})]:
        timed_op(table, poller, client, action, op, params, repeat)
    return {action: timed_op(table, poller, client, action, op, params, repeat)
            for action, op, params in ranked_reads(client, info)}


def reads_after_writes(table: Table, poller: Poller, client: Client, info: dict, before: dict[str, float],
                       repeat: int) -> None:
    """The ranked reads again, right after the asks stored new messages in their topic: a read that ranked
    again would take the ranking's seconds here (issue 20 measured 2.4-3.4 s) instead of a page's."""
    for action, op, params in ranked_reads(client, info):
        after = timed_op(table, poller, client, f"{action}, after new messages", op, params, repeat)
        record(f"`{action.split(' (')[0]}` right after new messages, {info['messages']:,}-message home",
               f"{after:.3f} s (API max {table.api_max[f'{action}, after new messages'] * 1e3:.0f} ms)",
               f"the same read before them {before[action]:.3f} s", f"{after / before[action]:.2f}x",
               "never ranked on a read: about 1x")


async def until(check, what: str, timeout: float = 300) -> float:
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{what}: not within {timeout}s")
        await asyncio.sleep(0.01)
    return time.perf_counter()


def rows_on(app: AntiportApp, screen_type) -> bool:
    screen = app.screen
    if not isinstance(screen, screen_type):
        return False
    tables = screen.query(DataTable)
    return bool(tables) and tables.first().row_count > 0


async def tui_rows(table: Table, poller: Poller, client: Client, info: dict, home: Path, asks: int) -> None:
    app = AntiportApp(client)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count > 0, "topics")
        topics = app.screen.query_one(DataTable)
        keys = [r.value for r in topics.rows]
        topics.move_cursor(row=keys.index(info["topic"]))
        await asyncio.sleep(0.5)

        async def timed(action: str, keys: list[str], screen_type, note: str = "", query: str = "") -> None:
            with poller.window() as api:
                start = time.perf_counter()
                for key in keys:
                    app.simulate_key(key)  # as the terminal driver posts it (pilot.press waits for idle)
                if query:  # typed at once, as a paste (a key at a time, the typing would be timed)
                    await until(lambda: isinstance(app.screen, SearchScreen), "the search screen")
                    app.screen.query_one(Input).value = query
                    app.simulate_key("enter")
                end = await until(lambda: rows_on(app, screen_type), action)
            table.add(action, end - start, api, note)

        await timed("TUI: open the topic", ["enter"], ThreadsScreen)
        await asyncio.sleep(1)
        oldest = client.call("list", topic=info["topic"], oldest=True, limit=1)["threads"][0]["id"]
        with poller.window() as api:
            start = time.perf_counter()
            app.simulate_key("o")
            end = await until(lambda: highlighted(app.screen.query_one(DataTable)) == oldest, "the oldest thread")
        table.add("TUI: o, the cursor on the oldest thread", end - start, api)
        app.simulate_key("o")  # back to the newest
        await asyncio.sleep(1)

        async def back_to_threads() -> None:
            if not isinstance(app.screen, ThreadsScreen):
                await pilot.press("escape")
                await until(lambda: isinstance(app.screen, ThreadsScreen), "back on the threads")
            await pilot.press("enter")  # into the first thread and back: the thread list is shown again
            await until(lambda: isinstance(app.screen, ThreadScreen), "a thread")
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, ThreadsScreen), "back on the threads")

        await back_to_threads()
        await timed("TUI: search after going back", ["slash"], SearchScreen, query="reset firmware")
        await back_to_threads()
        await timed("TUI: experts after going back", ["e"], ExpertsScreen)
        await back_to_threads()
        await timed("TUI: vendors after going back", ["v"], VendorsScreen)
        await back_to_threads()

        argv = [sys.executable, "-m", "antiport.app.cli", "--home", str(home), "ask", info["topic"]]

        def by_process(i: int) -> str:
            p = subprocess.run(argv + ["--title", f"Concurrent question {i}", "--text", "Does it work?"],
                               capture_output=True, text=True)
            return p.stderr.strip() if p.returncode else ""

        def by_http(i: int) -> str:
            try:
                client.call("ask", topic=info["topic"], title=f"Concurrent question {i} (HTTP)", text="Does it?")
            except ClientError as e:
                return str(e)
            return ""

        for label, fn in ((f"{asks} `antiport ask` at once, TUI open", by_process),
                          (f"{asks} asks at once over HTTP, TUI open", by_http)):
            before = await asyncio.to_thread(messages, client, info["topic"])
            with poller.window() as api, ThreadPoolExecutor(asks) as pool:
                start = time.perf_counter()
                errors = [e for e in await asyncio.gather(
                    *(asyncio.get_running_loop().run_in_executor(pool, fn, i) for i in range(asks))) if e]
                seconds = time.perf_counter() - start
            stored = await asyncio.to_thread(messages, client, info["topic"]) - before
            table.add(label, seconds, api, f"{asks - len(errors)} ok, {len(errors)} failed, {stored} stored")
            if errors:
                print(f"  first failure: {errors[0][:200]}")


def messages(client: Client, topic: str) -> int:
    return next(t["messages"] for t in client.call("topics") if t["topic"] == topic)


def ledger_ranked(home: Home, timeout: float = 600) -> float:
    """Wait for the node's first ranking of its followed topics (it starts with it; a read meanwhile would
    rank its topic itself: the first read of a topic, not a page's cost); returns the seconds waited."""
    start = time.monotonic()
    url = api_of(home)["url"] + "/metrics"
    while "antiport_ledger_recompute_seconds_count 0.0" in httpx.get(url).text:
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"the ledger not ranked within {timeout} s")
        time.sleep(0.5)
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="the home's size (bench/popular.py --scale)")
    ap.add_argument("--asks", type=int, default=145, help="concurrent `antiport ask` processes")
    ap.add_argument("--repeat", type=int, default=3, help="calls of each op (the median is printed)")
    ap.add_argument("--poll", nargs=2, metavar=("URL", "TOKEN"), help=argparse.SUPPRESS)  # the poller's process
    args = ap.parse_args()
    if args.poll:
        poll(*args.poll)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "home"
        info = popular.fresh_home(path, args.scale, progress=print)
        page = bare_page(path / "store.db", info["topic"])
        with NodeProcess(path) as node:
            node.wait_ready(timeout=300)
            poller = Poller(node.home)
            poller.start()
            try:
                deadline = time.monotonic() + 60  # a loaded machine starts the poller's process slowly
                while len(poller.polls) < 50 and time.monotonic() < deadline:
                    time.sleep(0.1)
                ranked = ledger_ranked(node.home)
                idle = statistics.median(s for _, s, _ in poller.polls)
                print(f"home: {info['messages']:,} messages; idle GET /v1/id median {idle * 1e3:.1f} ms"
                      f" ({len(poller.polls)} polls); bare SQLite page of {info['topic']}'s threads"
                      f" {page * 1e3:.1f} ms; the ledger ranked the followed topics in {ranked:.0f} s")
                table = Table(idle, page)
                table.header()
                client = node.client()
                before = op_rows(table, poller, client, info, args.repeat)
                asyncio.run(tui_rows(table, poller, client, info, path, args.asks))
                reads_after_writes(table, poller, client, info, before, args.repeat)
                client.close()
            finally:
                poller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
