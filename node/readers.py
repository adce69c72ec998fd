"""Read ops in worker processes, so that no read, however big, stalls the node's event loop.

Threads were not enough: a ledger recompute is a long pure-Python loop and encoding a big result is one
long C call, and both hold the GIL the loop needs to answer anything (measured on the popular-topic
home of bench/popular.py: GET /v1/id waited up to 0.5 s behind a `why`). Each worker process opens
the store read-only (WAL lets it read beside the writer), runs an op in one snapshot, and sends back
its result already encoded as JSON; the loop only passes the bytes on. Reads never sign: a worker
gets the viewer's public key, never the secret one.

The ledger is never computed on a read (except the first of a topic): workers read its files, and
`keep_ledger` has one of them recompute what changed a moment after writes (node/ledger.py). A write of
the user's own that states a fact (accept, vote, report, trust) waits for that, up to LEDGER_WAIT, so
that the user's next read shows its effect.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import trio

from .ingest import Ingest
from .ledger import ledger_for
from .ops import Op, OpError
from .service import Ctx
from .store import Store, StoreError

# More workers than cores: a slow read (a vendor's metrics over 20,000 threads) must not hold up a
# quick one (a page of threads) queued behind it; the cores are shared fairly by the kernel.
WORKERS = 4
LEDGER_QUIET = 0.25  # seconds after a write before the ledger is brought up to date (writes meanwhile join in)
LEDGER_WAIT = 2.0  # seconds an API write that states a fact waits at most for the ledger to include it
FACT_OPS = ("accept", "vote", "report", "trust", "thank", "bounty")


@dataclass(frozen=True)
class Viewer:
    """Who reads: the identity's public half (the ops read `ctx.identity.did`)."""
    public_key: bytes
    did: str


class Readers:
    """Runs read ops in a pool of worker processes, started when first needed."""

    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.pool: ProcessPoolExecutor | None = None
        self.lock = threading.Lock()
        self.ledger_runs = [0, 0]  # ledger refreshes started, finished
        self.ledger_recomputes, self.ledger_seconds = 0, 0.0  # refreshes that recomputed a topic, and their time
        self.ledger_ran = trio.Event()

    def submit(self, fn, *args) -> Future:
        """Blocks while the pool starts a worker (the first one waits for the forkserver's imports): call it
        from a thread, never on the loop. A pool whose worker died is replaced."""
        with self.lock:
            if self.pool is not None:
                try:
                    return self.pool.submit(fn, *args)
                except BrokenProcessPool:  # a worker died: this pool takes no more work
                    self.pool.shutdown(wait=False)
            # forkserver: a worker is a fork of a clean process that has imported the ops once (forking
            # the node itself, with its threads and sockets, is unsafe; spawning each is slow), and numpy,
            # which the workers' ledger reads use and the node itself never imports
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["antiport.node.service", "antiport.node.intents", "antiport.node.relations",
                                              "antiport.node.share", "antiport.node.terms", "numpy"])
            self.pool = ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_open, initargs=(
                str(self.ctx.store.path), self.ctx.identity.public_key, self.ctx.identity.did, self.ctx.name))
            return self.pool.submit(fn, *args)

    async def run(self, entry: Op, params: dict) -> bytes:
        """The op's result as JSON; raises OpError (StoreError as a 503) as the op would."""
        params = entry.bind(params)
        try:
            future = await trio.to_thread.run_sync(self.submit, _run, entry.fn, params)
            status, body = await _wait(future)
        except BrokenProcessPool:  # a worker died (killed, out of memory): the next read starts new ones
            raise OpError("a reader process of the node stopped: try again", 503) from None
        if status != 200:
            raise OpError(body, status)
        return body

    async def keep_ledger(self, ingest: Ingest) -> None:
        """Recompute the ledger's changed topics in a worker a moment after writes: one run at a time, each followed
        by a rest as long as it took, so that however busy the node is the ledger takes at most half a core."""
        changed = trio.Event()
        # a first run as the node starts: the followed topics not ranked yet are (Ledger.warm), and it starts the
        # forkserver and a worker, so that the first read does not wait for them (a pool that also started one
        # for that alone had two workers on each node before any read: six nodes at once in `make demo`)
        changed.set()

        def stored(_) -> None:
            changed.set()
        unsubscribe = ingest.subscribe(stored)
        try:
            while True:
                await changed.wait()
                await trio.sleep(LEDGER_QUIET)
                changed = trio.Event()
                self.ledger_runs[0] += 1
                took = 0.0
                try:
                    took = await _wait(await trio.to_thread.run_sync(self.submit, _refresh_ledger))
                except Exception:  # a damaged store, a dead worker: the reads go on with the files they have
                    logging.getLogger("antiport.ledger").exception("ledger refresh failed")
                self.ledger_runs[1] += 1
                if took:
                    self.ledger_recomputes += 1
                    self.ledger_seconds += took
                self.ledger_ran.set()
                self.ledger_ran = trio.Event()
                await trio.sleep(took)
        finally:
            unsubscribe()

    async def ledger_caught_up(self, timeout: float) -> None:
        """Wait until a ledger refresh that starts after now has finished, or `timeout` seconds."""
        wanted = self.ledger_runs[0] + 1
        with trio.move_on_after(timeout):
            while self.ledger_runs[1] < wanted:
                await self.ledger_ran.wait()

    def close(self) -> None:
        with self.lock:
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None


async def _wait(future: Future):
    """A concurrent future's result, awaited without holding a thread; cancelling drops the read."""
    done = trio.Event()
    token = trio.lowlevel.current_trio_token()

    def wake(_) -> None:
        try:
            token.run_sync_soon(done.set)
        except trio.RunFinishedError:  # the node stopped while the read ran
            pass
    future.add_done_callback(wake)
    try:
        await done.wait()
    except trio.Cancelled:
        future.cancel()  # not started yet: never runs (a running one finishes, unheard)
        raise
    return future.result()


# -- in the worker process ----------------------------------------------------------------------------

_ctx: Ctx | None = None


def _open(path: str, public_key: bytes, did: str, name: str) -> None:
    global _ctx
    _ctx = Ctx(Store(path, readonly=True), None, Viewer(public_key, did), name)  # did: the identity it speaks for
    ledger_for(_ctx.store, background=True)


def _refresh_ledger() -> float:
    """Seconds spent recomputing (0 when no topic changed)."""
    started = time.perf_counter()
    with _ctx.store.snapshot():
        ledger = ledger_for(_ctx.store)
        done = ledger.refresh() + ledger.warm(_ctx.identity.did, _ctx.store.followed())
    return time.perf_counter() - started if done else 0.0


def _run(fn, params: dict) -> tuple[int, bytes | str]:
    """(200, the result as JSON) or (status, the error's line)."""
    try:
        with _ctx.store.snapshot():
            result = fn(_ctx, **params)
    except OpError as e:
        return e.status, str(e)
    except StoreError as e:
        return 503, str(e)
    return 200, json.dumps(result, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
