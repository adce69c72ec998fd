"""Heal time of a partition joined only by a relay that does not follow the topic, on `antiport run` processes.

    python bench/heal.py [--runs 1] [--messages 25]

The scenario of tests/node/test_sync_relay_processes.py: lines a3–a2–a1 and b1–b2–b3 follow the topic, r
(following nothing) joins a1 and b1. r stops, each side writes --messages requests, r starts again; the
heal time is from r's start (and from its API answering, when its links are being dialled) until all seven
nodes hold every message. The reference is the periodic sync interval: before sync passed on what it
fetched, each hop past the relay waited for it (104 s measured with a following relay; none crossed at
all with a relay that did not follow).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from antiport.node.sync import INTERVAL

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "node")]

from helpers import wait_for  # noqa: E402 -- from the tests' folders, put on the path above
from test_sync_relay_processes import Partition  # noqa: E402


def heal_once(root: Path, messages: int) -> tuple[float, float]:
    with Partition(root) as net:
        net.split(messages)
        start = time.monotonic()
        net.start_relay()
        ready = time.monotonic()
        wait_for(lambda: net.holds(net.homes, 2 * messages + 1), "every node holds every message", 600)
        done = time.monotonic()
        return done - start, done - ready


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--messages", type=int, default=25, help="written on each side during the split")
    args = ap.parse_args()
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            from_start, from_ready = heal_once(Path(tmp), args.messages)
        results.append((from_start, from_ready))
        print(f"run {run + 1}: 7 nodes converged {from_start:.1f} s after the relay started"
              f" ({from_ready:.1f} s after its API answered)", flush=True)
    print(f"median heal {statistics.median(r[0] for r in results):.1f} s from the relay's start; reference:"
          f" periodic sync every {INTERVAL:.0f} s, 6 hops from end to end")


if __name__ == "__main__":
    main()
