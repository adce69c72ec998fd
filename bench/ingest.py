"""How fast one node validates and stores messages, against the bare work measured in the same run.

    python bench/ingest.py [--n 3000] [--batch 100] [--rounds 3] [--profile]

The reference is a bare loop doing the least any implementation must do per message, batched as a real
loop would batch it: decode the envelope and payload with cbor2, verify the Ed25519 signature with nacl,
hash with BLAKE2b, and INSERT the row plus its FTS5 entry into SQLite (WAL, synchronous=NORMAL, as the
Store), one commit per `batch` messages. The node paths are what gossip and sync run in a node, on a trio
loop that gets a turn after every message (as when messages arrive from the network): gossip is the flood
guard's admit (budgets, validation, storing), sync is Ingest; both with the node's group commit (what arrives
in one transaction until the loop is idle, at most 50 ms). For scale, the old paths: Ingest with one commit per
message (what gossip and sync did before group commit) and validate() + Store.add_many per batch. Messages are signed
before timing: a quarter are requests, the rest answers and votes referring to them (validation reads the
store). `--profile` prints where the gossip path spends its time.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cbor2
import nacl.signing
import trio
from antiport.crypto import Identity
from antiport.node.flood import Guard, Settings
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.node.sync import BATCH as SYNC_BATCH
from antiport.protocol import DOMAIN, message_id, sign, validate
from antiport.protocol.budget import Budget
from summary import record

T0 = 1_767_225_600_000
UNLIMITED = Settings(author=Budget(10**9, 1.0), peer=Budget(10**9, 1.0), peer_newcomers=Budget(10**9, 1.0))


def messages(n: int) -> list[bytes]:
    people = [Identity(hashlib.blake2b(b"bench/%d" % i, digest_size=32).digest()) for i in range(20)]
    out, roots = [], []
    for i in range(n):
        who, created = people[i % len(people)], T0 + i
        if i % 4 == 0 or not roots:
            msg = sign(who, "request", "acme/widget", {"title": f"Widget problem {i}",
                                                       "text": f"It beeps {i} times when I press the red button."},
                       created=created)
            roots.append(msg.id)
        elif i % 4 == 3:
            msg = sign(who, "vote", "acme/widget", {"value": "up"}, [roots[-1]], created=created)
        else:
            msg = sign(who, "answer", "acme/widget", {"text": f"Hold reset for {i % 30} seconds, then retry."},
                       [roots[-1]], created=created)
        out.append(msg.raw)
    return out


def bare(raws: list[bytes], path: Path, batch: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE m (id TEXT PRIMARY KEY, raw BLOB, kind TEXT, author BLOB, topic TEXT, created INT,"
               " title TEXT, text TEXT)")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(title, text)")
    for start in range(0, len(raws), batch):
        db.execute("BEGIN")
        for raw in raws[start:start + batch]:
            payload, sig = cbor2.loads(raw)
            p = cbor2.loads(payload)
            nacl.signing.VerifyKey(p["author"]).verify(DOMAIN + payload, sig)
            mid = hashlib.blake2b(raw, digest_size=32).hexdigest()
            title, text = p["body"].get("title"), p["body"].get("text")
            cur = db.execute("INSERT OR IGNORE INTO m VALUES (?,?,?,?,?,?,?,?)",
                             (mid, raw, p["kind"], p["author"], p["topic"], p["created"], title, text))
            db.execute("INSERT INTO f (rowid, title, text) VALUES (?,?,?)", (cur.lastrowid, title, text))
        db.execute("COMMIT")
    db.close()


def node_each(raws: list[bytes], path: Path, batch: int) -> None:
    store = Store(path)
    ingest = Ingest(store)
    now = T0 + len(raws) + 1
    for raw in raws:
        ingest(raw, now, "bench")
    store.close()


def node_sync(raws: list[bytes], path: Path, batch: int) -> None:
    trio.run(_grouped, raws, path, False)


def node_gossip(raws: list[bytes], path: Path, batch: int) -> None:
    trio.run(_grouped, raws, path, True)


async def _grouped(raws: list[bytes], path: Path, guarded: bool) -> None:
    """The flood guard (gossip: the loop turns after every message) or Ingest.many (sync: the loop turns after
    every SYNC_BATCH, as node/sync.py's driver stores a session's envelopes), with group commit."""
    store = Store(path)
    ingest = Ingest(store)
    guard = Guard(ingest, UNLIMITED)
    now = T0 + len(raws) + 1
    async with trio.open_nursery() as nursery:
        ingest.group_commit(nursery)
        if guarded:
            for raw in raws:
                guard.admit(raw, message_id(raw), "bench", time.monotonic(), topic="acme/widget")
                await trio.lowlevel.checkpoint()
        else:
            for start in range(0, len(raws), SYNC_BATCH):
                ingest.many(raws[start:start + SYNC_BATCH], now, "bench")
                await trio.lowlevel.checkpoint()
        ingest.group_commit(None)
    store.close()


def node_batched(raws: list[bytes], path: Path, batch: int) -> None:
    """validate() each, then add_many per batch; a message may refer to one earlier in its own batch."""
    store = Store(path)
    now = T0 + len(raws) + 1
    for start in range(0, len(raws), batch):
        pending: dict[str, object] = {}
        context = _Pending(store, pending)
        for raw in raws[start:start + batch]:
            msg = validate(raw, now, context)
            pending[msg.id] = msg
        store.add_many(list(pending.values()), now)
    store.close()


class _Pending:
    """The store plus the validated messages of the batch not yet written."""

    def __init__(self, store: Store, pending: dict):
        self.store, self.pending = store, pending

    def get(self, message_id):
        return self.pending.get(message_id) or self.store.get(message_id)

    def claimed_keys(self, topic):
        return self.store.claimed_keys(topic)

    def owner(self, key):
        return self.store.owner(key)


def timed(fn, raws, batch) -> tuple[float, float]:
    """Seconds of wall clock and of the process's CPU (every thread's)."""
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        fn(raws, Path(tmp) / "db.sqlite", batch)
        return time.perf_counter() - start, time.process_time() - cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="messages to ingest (default 3000)")
    ap.add_argument("--batch", type=int, default=100, help="messages per commit of the bare loop and add_many")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is shown")
    ap.add_argument("--profile", action="store_true", help="also profile the gossip path")
    args = ap.parse_args(argv)
    raws = messages(args.n)
    paths = [(f"bare loop, commit per {args.batch}", bare, args.batch),
             ("node gossip (guard, group commit)", node_gossip, 0),
             ("node sync (Ingest, group commit)", node_sync, 0),
             ("old: Ingest, commit per message", node_each, 0),
             (f"old: validate + add_many/{args.batch}", node_batched, args.batch)]
    walls: dict[str, list[float]] = {label: [] for label, _, _ in paths}
    cpus: dict[str, list[float]] = {label: [] for label, _, _ in paths}
    for _ in range(args.rounds):  # interleaved, so a busy moment of the machine falls on every path alike
        for label, fn, batch in paths:
            wall, cpu = timed(fn, raws, batch)
            walls[label].append(wall)
            cpus[label].append(cpu)
    reference = args.n / statistics.median(walls[paths[0][0]])
    reference_cpu = statistics.median(cpus[paths[0][0]])
    print(f"{'path (median of ' + str(args.rounds) + ' interleaved rounds)':<44} {'msgs':>6} {'seconds':>8} "
          f"{'msg/s':>8} {'ratio':>6} {'CPU s':>7} {'CPU ratio':>9}")
    for label, seconds in walls.items():
        rate, cpu = args.n / statistics.median(seconds), statistics.median(cpus[label])
        print(f"{label:<44} {args.n:>6} {statistics.median(seconds):>8.3f} {rate:>8.0f} {rate / reference:>6.2f}"
              f" {cpu:>7.3f} {reference_cpu / cpu:>9.2f}")
        if label.startswith("node"):
            record(f"ingest, {label.split(' (')[0][5:]} path", f"{rate:.0f} msg/s",
                   f"bare loop {reference:.0f} msg/s", f"{rate / reference:.2f}x", ">= 0.8x")
    print("ratio = msg/s / the bare loop's msg/s in this run (goal for the node paths: >= 0.8); CPU ratio = the bare\n"
          "loop's CPU seconds / the path's (every thread's: the node verifies signatures in a second thread, the bare\n"
          "loop uses one)")
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            prof = cProfile.Profile()
            prof.runcall(node_gossip, raws, Path(tmp) / "db.sqlite", 0)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
    return 0


if __name__ == "__main__":
    sys.exit(main())
