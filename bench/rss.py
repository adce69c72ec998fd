"""Memory of a node process holding 100,000 messages: idle, and after the reads a user makes.

    python bench/rss.py [--n 100000]

A home is filled with `n` signed messages of bench/ingest.py's shape (one topic, a quarter requests, the rest
answers and votes), then `antiport run` starts on it. Reported: the resident set (VmRSS) of the node process
and of its reader processes (node/readers.py), idle, then after topics, list, show, search, experts, why and
vendors over the API. There is no reference to run: the goal is < 200 MB for the node under any load, so the
ratio is RSS / 200 MB (goal <= 1).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from antiport.app.processes import NodeProcess
from antiport.node.home import Home
from antiport.node.store import Store
from antiport.protocol import load
from ingest import T0, messages
from summary import record

GOAL_MB = 200
TOPIC = "acme/widget"  # the topic of bench/ingest.py's messages


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def fill(home: Path, n: int) -> list[str]:
    subprocess.run([sys.executable, "-m", "antiport.app.cli", "--home", str(home), "init", "--no-passphrase",
                    "--name", "rss"], check=True, capture_output=True, timeout=60)
    raws = messages(n)
    store = Store(Home(home).db_file)
    for start in range(0, n, 5000):
        store.add_many([load(r) for r in raws[start:start + 5000]], T0 + n)
    store.follow(TOPIC, T0)
    store.close()
    return [load(raws[0]).id, load(raws[1]).author_did]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        request, author = fill(home, args.n)
        with NodeProcess(home) as node:
            node.wait_ready()
            time.sleep(2)
            idle = rss_mb(node.proc.pid)
            readers = sum(rss_mb(p) for p in children(node.proc.pid))
            client = node.client()
            for op, params in [("topics", {}), ("list", {"topic": TOPIC}), ("show", {"id": request}),
                               ("search", {"query": "beeps"}), ("experts", {"topic": TOPIC}),
                               ("why", {"did": author}), ("vendors", {})]:
                client.call(op, **params)
            busy = rss_mb(node.proc.pid)
            busy_readers = sum(rss_mb(p) for p in children(node.proc.pid))
    print(f"node RSS with {args.n} messages stored   node MB  children MB  ratio to {GOAL_MB} MB")
    print(f"  idle                                 {idle:7.0f}  {readers:10.0f}  {idle / GOAL_MB:5.2f}")
    print(f"  after topics/list/show/search/...    {busy:7.0f}  {busy_readers:10.0f}  {busy / GOAL_MB:5.2f}")
    print("ratio = the node process's RSS / the goal (<= 1); reader processes are listed beside it")
    record(f"node RSS, {args.n:,} messages, after reads", f"{busy:.0f} MB (readers {busy_readers:.0f} MB)",
           f"goal {GOAL_MB} MB", f"{busy / GOAL_MB:.2f}", "<= 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
