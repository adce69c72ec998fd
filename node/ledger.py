"""Reputation ledger: personalised PageRank per topic from the viewer's trust roots (specs/06-reputation.md).

The graph is built from stored facts (accept, vote, report, trust) as plain tuples; the computation
is pure Python so it runs without extra packages.
"""
from __future__ import annotations

import heapq
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from antiport.crypto import did_from_key
from antiport.protocol.envelope import load

from .store import Store

ACCEPT, UPVOTE, DOWNVOTE, REPORT, TRUST = 1.0, 0.2, -0.2, -0.5, 1.0
DAMPING, MAX_ITER, TOLERANCE = 0.85, 100, 1e-10
WHY_FACTS = 10  # facts `explain` lists per topic, strongest first; the others are only counted


@dataclass(frozen=True)
class Fact:
    id: str       # the message that states the fact
    kind: str     # accept, upvote, downvote, report, trust, distrust
    source: str   # did of who states it
    subject: str  # did it is about
    weight: float
    note: str = ""


def facts(store: Store, topic: str) -> list[Fact]:
    """Every fact that counts in `topic`: self-facts dropped, one vote per (voter, target), newest wins."""
    out, votes = [], {}
    for mid, kind, source, subject, raw, target in store.fact_rows(topic):
        if source == subject:
            continue
        if kind == "accept":
            out.append(Fact(mid, "accept", source, subject, ACCEPT, f"accepted answer {target[:12]}"))
        elif kind == "report":
            out.append(Fact(mid, "report", source, subject, REPORT, f"reported {target[:12]}"))
        else:
            up = load(raw).body["value"] == "up"
            votes[(source, target)] = Fact(mid, "upvote" if up else "downvote", source, subject,
                                           UPVOTE if up else DOWNVOTE, f"voted on {target[:12]}")
    out.extend(votes.values())
    trusts = {}
    for mid, author, raw in store.of_kind("trust"):
        body = load(raw).body
        scope = body.get("scope") or ""
        if scope not in ("", topic):
            continue
        subject = did_from_key(body["subject"])
        if subject == author:
            continue
        value = body["value"]
        trusts[(author, subject)] = Fact(mid, value, author, subject, TRUST if value == "trust" else -TRUST,
                                         f"{value} {'in ' + scope if scope else 'everywhere'}")
    out.extend(trusts.values())
    return out


def roots(viewer: str, fs: list[Fact]) -> set[str]:
    """The viewer and whom the viewer trusts (distrusted ones are never roots)."""
    trusted = {f.subject for f in fs if f.source == viewer and f.kind == "trust"}
    return ({viewer} | trusted) - {f.subject for f in fs if f.source == viewer and f.kind == "distrust"}


def rank(viewer: str, fs: list[Fact]) -> dict[str, float]:
    """Personalised PageRank over positive facts; negative facts subtract afterwards, never below 0."""
    seeds = roots(viewer, fs)
    cut = {f.subject for f in fs if f.source == viewer and f.kind == "distrust"}
    out_pos: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    total: dict[str, float] = defaultdict(float)
    for f in fs:
        if f.source in cut:
            continue
        total[f.source] += abs(f.weight)  # a voter's whole outgoing weight is normalised to 1
        if f.weight > 0:
            out_pos[f.source][f.subject] += f.weight
    nodes = seeds | {f.source for f in fs} | {f.subject for f in fs}
    # per source: the share of its score passed on, and (subject, fraction) pairs
    edges = {n: (sum(e.values()) / total[n], [(m, w / total[n]) for m, w in e.items()]) for n, e in out_pos.items()}
    restart = {n: 1.0 / len(seeds) for n in seeds}
    score = dict(restart)
    for _ in range(MAX_ITER):
        nxt = dict.fromkeys(nodes, 0.0)
        dangling = 0.0
        for n, s in score.items():
            if not s:
                continue
            passed, targets = edges.get(n, (0.0, ()))
            dangling += s * (1 - passed)  # no positive facts, or the negative part of the budget
            share = DAMPING * s
            for m, w in targets:
                nxt[m] += share * w
        for n, r in restart.items():  # restart, and mass with nowhere to go, return to the roots
            nxt[n] += (1 - DAMPING + DAMPING * dangling) * r
        delta = sum(abs(v - score.get(n, 0.0)) for n, v in nxt.items())
        score = nxt
        if delta < TOLERANCE:
            break
    score = {n: score.get(n, 0.0) for n in nodes}
    penalty: dict[str, float] = defaultdict(float)
    for f in fs:
        if f.weight < 0 and f.source not in cut:
            penalty[f.subject] += DAMPING * score[f.source] * -f.weight / total[f.source]
    for n, p in penalty.items():
        score[n] = max(0.0, score[n] - p)
    return score


class Ledger:
    """Scores per (viewer, topic), recomputed only when the store has changed."""

    def __init__(self, store: Store):
        self.store = store
        self._cache: dict[tuple[str, str], tuple[int, list[Fact], dict[str, float], float]] = {}

    def scores(self, viewer: str, topic: str, max_age: float = 0.0) -> tuple[list[Fact], dict[str, float]]:
        """The facts and scores of `topic` for `viewer`, recomputed when the store has changed; with
        `max_age`, ones computed up to that many seconds ago are good enough even if it has (a topic of
        200k messages takes seconds: moderation lags a little instead)."""
        version, now = self.store.newest_rowid(), time.monotonic()
        hit = self._cache.get((viewer, topic))
        if hit and (hit[0] == version or now - hit[3] <= max_age):
            return hit[1], hit[2]
        fs = facts(self.store, topic)
        score = rank(viewer, fs)
        self._cache[(viewer, topic)] = (version, fs, score, now)
        return fs, score

    def experts(self, viewer: str, topic: str) -> list[dict]:
        """Authors of answers or facts in `topic`, best first (ties: more accepted, then did)."""
        fs, score = self.scores(viewer, topic)
        answers = self.store.answer_counts(topic)
        count = defaultdict(lambda: defaultdict(int))
        for f in fs:
            count[f.subject][f.kind] += 1
        people = (set(answers) | {f.subject for f in fs if f.kind in ("accept", "upvote", "downvote")}) - {viewer}
        rows = [{"did": d, "name": "", "score": round(score.get(d, 0.0), 9), "accepted": count[d]["accept"],
                 "upvotes": count[d]["upvote"], "downvotes": count[d]["downvote"], "answers": answers.get(d, 0)}
                for d in people]
        rows.sort(key=lambda r: (-r["score"], -r["accepted"], r["did"]))
        for i, r in enumerate(rows, 1):
            r["rank"] = i
        return rows

    def explain(self, viewer: str, did: str, topic: str, limit: int = WHY_FACTS) -> dict:
        """What `did`'s score in `topic` rests on: the `limit` facts that add or take most (strongest first,
        each with what it contributed), how many facts of each kind there are in all (the most common
        first), and how many were left out of the list (a busy answerer has tens of thousands)."""
        fs, score = self.scores(viewer, topic)
        total = defaultdict(float)
        for f in fs:
            total[f.source] += abs(f.weight)
        about = [(round(DAMPING * score.get(f.source, 0.0) * f.weight / total[f.source], 9), f)
                 for f in fs if f.subject == did]
        strongest = heapq.nsmallest(limit, about, key=lambda wf: (-abs(wf[0]), wf[1].id))
        mine = (-score.get(did, 0.0), did)
        place = sum(1 for d, s in score.items() if (-s, d) < mine) + 1 if did in score else None
        return {"topic": topic, "score": round(score.get(did, 0.0), 9), "rank": place,
                "facts": [{"id": f.id, "kind": f.kind, "from": f.source, "from_name": "", "weight": w,
                           "note": f.note} for w, f in strongest],
                "counts": dict(Counter(f.kind for _, f in about).most_common()),
                "left_out": len(about) - len(strongest)}


_LEDGERS: WeakKeyDictionary = WeakKeyDictionary()


def ledger_for(store: Store) -> Ledger:
    """One ledger (and its cache) per open store."""
    if store not in _LEDGERS:
        _LEDGERS[store] = Ledger(store)
    return _LEDGERS[store]


def names(store: Store, dids) -> dict[str, str]:
    """Display names from each identity's newest profile ('' when it has none)."""
    dids = list(set(dids))
    out = dict.fromkeys(dids, "")
    for author, raw in store.profiles(dids):
        out[author] = load(raw).body["name"]
    return out
