"""The one table of `make bench`: while they run, the benches of issue 20 add their rows (measure, Antiport, the
reference measured in the same run, ratio, goal) to the file named by BENCH_SUMMARY; this prints them.

    python bench/summary.py ROWS_FILE
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HEADER = ("measure", "Antiport", "reference, same run", "ratio", "goal")


def record(measure: str, antiport: str, reference: str, ratio: str, goal: str) -> None:
    """Add a row to the summary when the bench runs under `make bench` (BENCH_SUMMARY set); else nothing."""
    path = os.environ.get("BENCH_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps([measure, antiport, reference, ratio, goal]) + "\n")


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    rows = [tuple(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    widths = [max(len(row[i]) for row in (HEADER, *rows)) for i in range(len(HEADER))]
    print("\nsummary (each ratio against its reference measured in the same run)")
    for row in (HEADER, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
