"""Fuzz the codec, envelope validation, sync framing and sessions, and the import split (tests/fuzz/fuzzing.py).

    python bench/fuzz/run.py [--inputs 100000] [--targets codec,envelope,...] [--engine loop|atheris] [--keep]

`loop` (the default) mutates the corpus in tests/fuzz/corpus/ (bytes, and CBOR values) with no dependency;
`atheris` (`pip install -e '.[fuzz]'`) is coverage-guided: libFuzzer over the same targets, one process per
target. Prints inputs/s and every finding (an exception other than the module's own refusal, or a broken
property) per target; `--keep` writes each finding into the corpus, where the suite replays it, and (loop) each
mutation that reached a refusal no earlier input did. Exits 1 on a finding.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[2] / "tests" / "fuzz"
sys.path.insert(0, str(FUZZ))


def loop(args) -> int:
    import fuzzing
    found = 0
    for target in args.targets.split(","):
        run = fuzzing.fuzz(target, args.inputs, seed=args.seed)
        print(f"{target:13} {run.inputs:8} inputs {run.inputs / run.seconds:9.0f}/s  {len(run.findings)} findings",
              flush=True)
        if args.keep:
            for data in run.novel:
                fuzzing.keep(target, data, "novel-")
        for f in run.findings.values():
            found += 1
            where = fuzzing.keep(target, f.data, "crash-") if args.keep else f.data[:48].hex()
            print(f"    {f.error}\n    input: {where}", flush=True)
    return 1 if found else 0


def atheris_child(args) -> None:
    """One target under libFuzzer: the modules under test instrumented for coverage."""
    import atheris
    with atheris.instrument_imports(include=["antiport"]):
        import fuzzing

    def one_input(data: bytes) -> None:
        error, _ = fuzzing.check(args.atheris_target, data)
        if error is not None:
            raise AssertionError(error)

    atheris.Setup([sys.argv[0], *args.libfuzzer], one_input)
    atheris.Fuzz()


def atheris(args) -> int:
    import time

    import fuzzing
    found = 0
    for target in args.targets.split(","):
        with tempfile.TemporaryDirectory() as work:
            seeds = Path(work) / "seeds"
            seeds.mkdir()
            for k, data in enumerate(fuzzing.corpus(target) + fuzzing.seeds(target)):
                (seeds / str(k)).write_bytes(data)
            t0 = time.perf_counter()
            child = subprocess.run(
                [sys.executable, __file__, "--atheris-target", target, "--",
                 f"-runs={args.inputs}", f"-seed={args.seed + 1}", f"-artifact_prefix={work}/", "-print_final_stats=1",
                 str(Path(work) / "seeds")], capture_output=True, text=True)
            took = time.perf_counter() - t0
            runs = next((int(line.split()[-1]) for line in child.stderr.splitlines()
                         if line.startswith("stat::number_of_executed_units")), 0)
            cov = next((line.split("cov: ")[1].split()[0] for line in reversed(child.stderr.splitlines())
                        if "cov: " in line), "?")
            # libFuzzer names what it stops on by kind: crash-, oom-, timeout-, slow-unit-, leak-
            crashes = sorted(c for c in Path(work).iterdir() if c.is_file() and "-" in c.name)
            print(f"{target:13} {runs:8} inputs {runs / took:9.0f}/s  {len(crashes)} findings  (coverage {cov} edges)",
                  flush=True)
            if not runs and not crashes:  # the child stopped before its statistics: say how
                found += 1
                print(f"    libFuzzer exited {child.returncode}: {child.stderr[-300:]!r}", flush=True)
            for c in crashes:
                found += 1
                error = next((line for line in child.stderr.splitlines() if "AssertionError" in line),
                             child.stderr[-300:])
                where = fuzzing.keep(target, c.read_bytes(), "crash-") if args.keep else c.read_bytes()[:48].hex()
                print(f"    {error}\n    input: {where}", flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="mutated inputs per target")
    parser.add_argument("--targets", default="codec,envelope,signed,sync_wire,sync_session,sync_frame,split")
    parser.add_argument("--engine", choices=["loop", "atheris"], default="loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="write findings into tests/fuzz/corpus/<target>/")
    parser.add_argument("--atheris-target", help=argparse.SUPPRESS)  # the libFuzzer child process
    parser.add_argument("libfuzzer", nargs="*", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.atheris_target:
        atheris_child(arguments)
    else:
        sys.exit((atheris if arguments.engine == "atheris" else loop)(arguments))
