"""How fast one node validates and stores messages, against the bare work measured in the same run.

    python bench/ingest.py [--n 5000] [--batch 500] [--profile]

The node path is node.ingest.Ingest into a node.store.Store (per message, one commit each), and the
batched path validate() + Store.add_many (one commit per batch). The bare loop is the least any
implementation must do per message: decode the envelope and payload with cbor2, verify the Ed25519
signature with nacl, hash with BLAKE2b, and INSERT the row plus its FTS5 entry into SQLite (WAL,
synchronous=NORMAL, as the Store), committing the same way. Messages are signed before timing:
a quarter are requests, the rest answers and votes that refer to them (so validation reads the store).
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import cbor2
import nacl.signing
from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import DOMAIN, sign, validate

T0 = 1_767_225_600_000


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


def timed(fn, raws, batch) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        fn(raws, Path(tmp) / "db.sqlite", batch)
        return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="messages to ingest (default 5000)")
    ap.add_argument("--batch", type=int, default=500, help="messages per transaction on the batched paths")
    ap.add_argument("--profile", action="store_true", help="also profile the per-message node path")
    args = ap.parse_args(argv)
    raws = messages(args.n)
    rows = []
    for label, fn, batch, base in [("bare, commit each", bare, 1, None),
                                   ("node Ingest (Store.add)", node_each, 1, 0),
                                   (f"bare, commit per {args.batch}", bare, args.batch, None),
                                   (f"node validate + add_many/{args.batch}", node_batched, args.batch, 2)]:
        seconds = timed(fn, raws, batch)
        ratio = f"{args.n / seconds / rows[base][1]:.2f}" if base is not None else "1.00"
        rows.append((label, args.n / seconds, seconds, ratio))
    print(f"{'path':<36} {'msgs':>6} {'seconds':>8} {'msg/s':>8} {'ratio':>6}")
    for label, rate, seconds, ratio in rows:
        print(f"{label:<36} {args.n:>6} {seconds:>8.3f} {rate:>8.0f} {ratio:>6}")
    print("ratio = node msg/s / bare msg/s with the same commits (1.00 = the machine's limit)")
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            prof = cProfile.Profile()
            prof.runcall(node_each, raws, Path(tmp) / "db.sqlite", 1)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
    return 0


if __name__ == "__main__":
    sys.exit(main())
