"""Ledger: full recompute of one topic's scores over --facts facts, against a plain scipy.sparse power
iteration on the same graph in the same run.

    python bench/ledger.py [--facts 1000000] [--people 100000] [--roots 20] [--repeat 3]

The facts are random (seeded): 10% accepts, 65% upvotes, 10% downvotes, 5% reports, 10% trusts among
--people identities; the viewer trusts --roots of them. The ledger is timed in its two steps (`Graph`:
facts to arrays; `Graph.rank`: the iteration), then the reference: the same column-normalised matrix built
from the same facts (timed separately) and iterated with the same damping, dangling rule and stopping
rule. Scores are compared so both compute the same thing. The two alternate --repeat times; medians.
ratio = ledger seconds / reference seconds, build included (facts to scores) and excluded (iteration).
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np
import scipy.sparse as sp
from antiport.node.ledger import DAMPING, MAX_ITER, TOLERANCE, Fact, Graph, roots
from summary import record

KINDS = (("accept", 1.0, 10), ("upvote", 0.2, 65), ("downvote", -0.2, 10), ("report", -0.5, 5), ("trust", 1.0, 10))


def make_facts(n: int, people: int, n_roots: int, seed: int = 1) -> tuple[str, list[Fact]]:
    rnd = random.Random(seed)
    dids = [f"did:key:p{i}" for i in range(people)]
    viewer = "did:key:viewer"
    fs = [Fact(f"t{i}", "trust", viewer, dids[i], 1.0) for i in range(n_roots)]
    kinds = [k for k in KINDS for _ in range(k[2])]
    while len(fs) < n:
        kind, weight, _ = rnd.choice(kinds)
        a, b = rnd.randrange(people), rnd.randrange(people)
        if a != b:
            fs.append(Fact(f"f{len(fs)}", kind, dids[a], dids[b], weight))
    return viewer, fs


def scipy_rank(viewer: str, fs: list[Fact]):
    """Build: index, budgets, matrix. Returns (build_s, iterate_s, scores by did, rounds)."""
    t0 = time.perf_counter()
    seeds = roots(viewer, fs)
    cut = {f.subject for f in fs if f.source == viewer and f.kind == "distrust"}
    index = {d: i for i, d in enumerate(sorted(seeds | {f.source for f in fs} | {f.subject for f in fs}))}
    n = len(index)
    src = np.fromiter((index[f.source] for f in fs), np.int64, len(fs))
    dst = np.fromiter((index[f.subject] for f in fs), np.int64, len(fs))
    w = np.fromiter((f.weight for f in fs), np.float64, len(fs))
    live = np.fromiter((f.source not in cut for f in fs), bool, len(fs))
    budget = np.bincount(src[live], np.abs(w[live]), n)
    pos = live & (w > 0)
    m = sp.csr_matrix((w[pos] / budget[src[pos]], (dst[pos], src[pos])), shape=(n, n))
    m.sum_duplicates()
    carried = np.asarray(m.sum(axis=0)).ravel()
    restart = np.zeros(n)
    restart[[index[s] for s in seeds]] = 1.0 / len(seeds)
    t1 = time.perf_counter()
    score, rounds = restart.copy(), 0
    for rounds in range(1, MAX_ITER + 1):  # noqa: B007 -- returned: how many rounds it took
        dangling = score.sum() - (score * carried).sum()
        nxt = (1 - DAMPING) * restart + DAMPING * (m @ score) + DAMPING * dangling * restart
        delta = np.abs(nxt - score).sum()
        score = nxt
        if delta < TOLERANCE:
            break
    neg = live & (w < 0)
    penalty = np.bincount(dst[neg], DAMPING * score[src[neg]] * -w[neg] / budget[src[neg]], n)
    score = np.maximum(0.0, score - penalty)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, {d: score[i] for d, i in index.items()}, rounds


def ledger_rank(viewer: str, fs: list[Fact]):
    """(build_s, iterate_s, scores by did) of the ledger's own code."""
    t0 = time.perf_counter()
    graph = Graph(viewer, fs)
    t1 = time.perf_counter()
    score = graph.rank()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, dict(zip(graph.dids, score.tolist(), strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facts", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--roots", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    viewer, fs = make_facts(args.facts, args.people, args.roots)
    ours, theirs = [], []
    for _ in range(args.repeat):
        *times, our_scores = ledger_rank(viewer, fs)
        ours.append(times)
        *times, their_scores, rounds = scipy_rank(viewer, fs)
        theirs.append(times)
    diff = max(abs(our_scores.get(d, 0.0) - s) for d, s in their_scores.items())
    (build, iterate), (ref_build, ref_iterate) = ([statistics.median(t) for t in zip(*runs, strict=True)]
                                                   for runs in (ours, theirs))
    total = [b + i for b, i in ours]
    print(f"facts {len(fs):,}  identities {len(their_scores):,}  rounds {rounds}  max score difference {diff:.2e}")
    print(f"ledger    build {build:6.2f} s + iterate {iterate:6.3f} s  (median of {args.repeat})")
    print(f"reference build {ref_build:6.2f} s + iterate {ref_iterate:6.3f} s")
    print(f"ratio ledger / scipy, build included  {statistics.median(total) / (ref_build + ref_iterate):6.2f}x")
    print(f"ratio ledger / scipy, build excluded  {iterate / ref_iterate:6.2f}x")
    ref_total = ref_build + ref_iterate
    record(f"ledger recompute, {len(fs):,} facts (time)", f"{statistics.median(total):.2f} s",
           f"scipy.sparse {ref_total:.2f} s", f"{statistics.median(total) / ref_total:.2f}x", "<= 2x")
    record("ledger, build excluded (time)", f"{iterate:.3f} s", f"scipy.sparse {ref_iterate:.3f} s",
           f"{iterate / ref_iterate:.2f}x", "<= 2x")


if __name__ == "__main__":
    main()
