"""How the local API of an `antiport run` process answers while it takes a large import.

    python bench/api.py [--mb 20] [--idle 200]

The scenario of tests/node/test_api_processes.py: a thread polls GET /v1/id without pause, first on an idle
node (--idle polls), then while POST /v1/import takes --mb MB of junk (refused: not a CBOR sequence) and
--mb MB of valid requests (about 2 KB each; stored on a worker thread in batches). Latencies of the polls
sent while the import ran (from the first byte sent to its answer) are printed as ratios to the idle median,
with the slowest poll in seconds (issue 13 asks for < 1 s).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "node")]

from antiport.app.processes import NodeProcess  # noqa: E402
from test_api_processes import Poller, antiport, big_export, junk, post_import  # noqa: E402


def quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--idle", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home, valid, garbage = root / "h", root / "valid.apx", root / "junk.apx"
        antiport(home, "init", "--no-passphrase")
        n = big_export(valid, args.mb << 20)
        junk(garbage, args.mb << 20)
        with NodeProcess(home) as node:
            node.wait_ready()
            with Poller(home) as idle:
                while len(idle.polls) < args.idle:
                    time.sleep(0.05)
            base = statistics.median(p.done - p.sent for p in idle.polls)
            print(f"GET /v1/id on an idle node: median {base * 1000:.1f} ms over {len(idle.polls)} polls")
            print(f"{'while importing':<34}{'import s':>9}{'polls':>7}{'failed':>7}{'median':>8}{'p99':>8}"
                  f"{'max':>8}{'max s':>7}")
            for name, path in ((f"{args.mb} MB junk (refused)", garbage), (f"{args.mb} MB, {n} requests", valid)):
                with Poller(home) as poller:
                    started = time.monotonic()
                    upload = post_import(home, path)
                assert upload.response.status_code == (400 if path == garbage else 200), upload.response.text
                during = [p.done - p.sent for p in poller.polls if started <= p.sent <= upload.answered]
                failed = sum(p.status != 200 for p in poller.polls)
                print(f"{name:<34}{upload.answered - started:>9.2f}{len(during):>7}{failed:>7}"
                      f"{statistics.median(during) / base:>7.1f}x{quantile(during, 0.99) / base:>7.1f}x"
                      f"{max(during) / base:>7.1f}x{max(during):>7.3f}")


if __name__ == "__main__":
    main()
