"""Writes the budget vectors (specs/07-flood.md §2) from fixed inputs:

    python specs/vectors/generate_budget.py          # rewrite budget.json
    python specs/vectors/generate_budget.py --check  # exit 1 if the committed file differs

Each case gives a budget (count, window seconds) and a list of takes [key, time in seconds]; `allowed` is
what a conforming token bucket answers for each, in order.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from antiport.protocol.budget import Buckets, Budget

OUT = Path(__file__).resolve().parent / "budget.json"

CASES = [
    ("burst then refusal", (3, 60.0), [["a", 0.0]] * 5),
    ("one token per window/count seconds", (3, 60.0),
     [["a", 0.0]] * 3 + [["a", 19.9], ["a", 20.0], ["a", 20.0], ["a", 100.0], ["a", 100.0], ["a", 100.0]]),
    ("refusals spend nothing", (2, 10.0), [["a", 0.0], ["a", 0.0], ["a", 1.0], ["a", 2.0], ["a", 4.9], ["a", 5.0]]),
    ("keys are independent", (1, 60.0), [["a", 0.0], ["b", 0.0], ["a", 1.0], ["b", 1.0]]),
    ("never more than count after a long pause", (2, 1.0), [["a", 0.0], ["a", 1000.0], ["a", 1000.0],
                                                               ["a", 1000.0]]),
]


def build() -> dict:
    cases = []
    for name, (count, window), takes in CASES:
        buckets = Buckets(Budget(count, window))
        cases.append({"name": name, "count": count, "window": window, "takes": takes,
                      "allowed": [buckets.take(key, at) for key, at in takes]})
    return {"cases": cases}


def main() -> int:
    text = json.dumps(build(), indent=1) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
