"""Issue 19's simulator: scenarios on a simulated network of many nodes, from a seed (bench/sim, docs/scale.md).

    python bench/simulate.py                      # every scenario, 1,000 nodes
    python bench/simulate.py --nodes 200 --scenario steady --seed 7

Each scenario prints one row of figures; the same seed gives the same figures (bar the wall-clock column)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim import sync  # noqa: E402
from sim.scenarios import SCENARIOS, Setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1.0, help="requests per second, network-wide")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append",
                        help="run only this one (repeatable)")
    parser.add_argument("--json", action="store_true", help="one JSON object per scenario")
    parser.add_argument("--pass-on-everything", action="store_true",
                        help="for comparison (docs/scale.md): pass on whatever a sync session stored, the node's rule "
                             "before it passed on only what gossip is not carrying (protocol/pass_on.py)")
    args = parser.parse_args()
    sync.PASS_ON_EVERYTHING = args.pass_on_everything
    for name in args.scenario or list(SCENARIOS):
        report = SCENARIOS[name](Setup(nodes=args.nodes, seed=args.seed, rate=args.rate, duration=args.duration))
        if args.json:
            print(json.dumps({"scenario": name, **report}), flush=True)
        else:
            print(f"{name}: " + ", ".join(f"{k} {fmt(v)}" for k, v in report.items()), flush=True)


def fmt(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
