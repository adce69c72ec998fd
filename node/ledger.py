"""Reputation ledger: personalised PageRank per topic from the viewer's trust roots (specs/06-reputation.md).

The facts (accept, vote, report, trust) are read from the store and ranked as numpy arrays (imported
when first needed, so that commands that never rank start without it). Results are kept in files beside
the store, shared by every process that reads it.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter
from pathlib import Path
from weakref import WeakKeyDictionary

from antiport.crypto import did_from_key
from antiport.protocol.envelope import load

from . import answer_order
from .figures import FIGURES, compact_all
from .store import Store

ACCEPT, UPVOTE, DOWNVOTE, REPORT, TRUST, THANKS = 1.0, 0.2, -0.2, -0.5, 1.0, 0.5
DAMPING, MAX_ITER, TOLERANCE = 0.85, 100, 1e-10
WHY_FACTS = 10  # facts `explain` lists per topic, strongest first; the others are only counted
KINDS = {k: i for i, k in enumerate(("accept", "upvote", "downvote", "report", "trust", "distrust", "thanks",
                                     "bounty"))}
KIND_NAMES = list(KINDS)
FORMAT = 6  # of the kept files (2: figures, 3: the strongest facts, 4: thanks and bounties, 5: the experts'
# order, 6: the answers' order): a file of another is computed again


@dataclass(frozen=True)
class Fact:
    id: str       # the message that states the fact
    kind: str     # one of KINDS
    source: str   # did of who states it
    subject: str  # did it is about
    weight: float
    note: str = ""


def facts(store: Store, topic: str, about: str | None = None, rows: list[tuple] | None = None) -> list[Fact]:
    """Every fact that counts in `topic` (with `about`, those about that did): self-facts dropped, one vote
    per (voter, target), newest wins. `rows`: the topic's `Store.fact_rows`, when already read."""
    out, votes, thanks = [], {}, {}
    for mid, kind, source, subject, value, target in store.fact_rows(topic, about) if rows is None else rows:
        if source == subject:
            continue
        if kind == "accept":
            out.append(Fact(mid, "accept", source, subject, ACCEPT, f"accepted answer {target[:12]}"))
        elif kind == "report":
            out.append(Fact(mid, "report", source, subject, REPORT, f"reported {target[:12]}"))
        elif kind == "thanks":
            thanks.setdefault((source, target), Fact(mid, "thanks", source, subject, THANKS, f"thanked {target[:12]}"))
        else:
            up = value == "up"
            votes[(source, target)] = Fact(mid, "upvote" if up else "downvote", source, subject,
                                           UPVOTE if up else DOWNVOTE, f"voted on {target[:12]}")
    out.extend(votes.values())
    out.extend(thanks.values())
    out.extend(f for f in bounties(store, topic) if about in (None, f.subject))
    trusts = {}
    for mid, author, raw in store.of_kind("trust"):
        body = load(raw).body
        scope = body.get("scope") or ""
        if scope not in ("", topic):
            continue
        subject = did_from_key(body["subject"])
        if subject == author or about not in (None, subject):
            continue
        value = body["value"]
        trusts[(author, subject)] = Fact(mid, value, author, subject, TRUST if value == "trust" else -TRUST,
                                         f"{value} {'in ' + scope if scope else 'everywhere'}")
    out.extend(trusts.values())
    return out


def bounties(store: Store, topic: str) -> list[Fact]:
    """The awarded bounties of a topic (specs/06 section 1): per thread, the asker's largest, split between
    the authors of the answers she accepted."""
    offered: dict[str, tuple[str, str, int]] = {}  # root: (bounty id, asker, amount)
    winners: dict[str, list[str]] = {}             # root: the authors of its accepted answers
    for mid, asker, winner, root, raw in store.awarded_bounties(topic):
        amount = load(raw).body["amount"]
        if root not in offered or amount > offered[root][2]:
            offered[root] = (mid, asker, amount)
        if winner not in winners.setdefault(root, []):
            winners[root].append(winner)
    return [Fact(mid, "bounty", asker, winner, amount / len(winners[root]), f"bounty of {amount} on {root[:12]}")
            for root, (mid, asker, amount) in offered.items() for winner in winners[root] if winner != asker]


def roots(viewer: str, fs: list[Fact]) -> set[str]:
    """The viewer and whom the viewer trusts (distrusted ones are never roots)."""
    trusted = {f.subject for f in fs if f.source == viewer and f.kind == "trust"}
    return ({viewer} | trusted) - {f.subject for f in fs if f.source == viewer and f.kind == "distrust"}


def rank(viewer: str, fs: list[Fact]) -> dict[str, float]:
    """Personalised PageRank over positive facts; negative facts subtract afterwards, never below 0."""
    graph = Graph(viewer, fs)
    return dict(zip(graph.dids, graph.rank().tolist(), strict=True))


class Graph:
    """The facts of one topic as arrays, identities numbered in `dids` (roots first)."""

    def __init__(self, viewer: str, fs: list[Fact]):
        import numpy as np
        self.fs = fs
        seeds = roots(viewer, fs)
        cut = {f.subject for f in fs if f.source == viewer and f.kind == "distrust"}
        sources, subjects = list(map(attrgetter("source"), fs)), list(map(attrgetter("subject"), fs))
        self.dids = list(dict.fromkeys(chain(sorted(seeds), sources, subjects)))
        index = {d: i for i, d in enumerate(self.dids)}
        self.src = np.fromiter(map(index.__getitem__, sources), np.int64, len(fs))
        self.dst = np.fromiter(map(index.__getitem__, subjects), np.int64, len(fs))
        self.weight = np.fromiter(map(attrgetter("weight"), fs), np.float64, len(fs))
        self.kind = np.fromiter(map(KINDS.__getitem__, map(attrgetter("kind"), fs)), np.int8, len(fs))
        self.live = ~np.isin(self.src, [index[d] for d in cut])  # a distrusted source passes nothing on
        n, src, dst, w = len(self.dids), self.src[self.live], self.dst[self.live], self.weight[self.live]
        self.budget = np.bincount(src, np.abs(w), n)  # a source's budget: the absolute weights of all its facts
        pos = w > 0
        share = w[pos] / self.budget[src[pos]]  # what each positive fact passes on, of its source's score
        self.edges = dst[pos], src[pos], share  # (to, from, share): a round's product is one bincount over them
        self.passed = np.bincount(src[pos], share, n)
        self.restart = np.zeros(n)
        self.restart[:len(seeds)] = 1.0 / len(seeds)

    def rank(self):
        """The scores, in the order of `dids` (specs/06 section 3)."""
        import numpy as np
        score, (into, outof, share), n = self.restart, self.edges, len(self.dids)
        for _ in range(MAX_ITER):
            # no positive facts, or the negative share of budgets (not `@`: BLAS threads fight over shared cores)
            dangling = score.sum() - (score * self.passed).sum()
            nxt = (DAMPING * np.bincount(into, share * score[outof], n)
                   + (1 - DAMPING + DAMPING * dangling) * self.restart)
            delta = np.abs(nxt - score).sum()
            score = nxt
            if delta < TOLERANCE:
                break
        neg = self.live & (self.weight < 0)
        src, dst, w = self.src[neg], self.dst[neg], -self.weight[neg]
        return np.maximum(score - np.bincount(dst, DAMPING * score[src] * w / self.budget[src], len(self.dids)), 0.0)

    def counts(self):
        """Per identity: how many facts of each kind (in KINDS order) are about it."""
        import numpy as np
        return np.stack([np.bincount(self.dst[self.kind == i], minlength=len(self.dids)) for i in KINDS.values()],
                        axis=1)

    def strongest(self, score, n: int):
        """Per subject, its `n` facts that add or take most (what `explain` lists): their indexes in the facts,
        subject by subject, strongest first (ties: the fact's id), and what each contributed (rounded as shown)."""
        import numpy as np
        budget = self.budget[self.src]  # 0 for a distrusted source: it passes nothing on
        weight = np.divide(DAMPING * score[self.src] * self.weight, budget, out=np.zeros(len(budget)),
                           where=budget > 0).round(9)
        order = np.lexsort((np.array([f.id for f in self.fs], "S64"), -np.abs(weight), self.dst))
        dst = self.dst[order]
        keep = order[np.arange(len(order)) - np.searchsorted(dst, dst) < n]
        return keep, weight[keep]


class Ranked:
    """What reads use of one (viewer, topic): scores, budgets (for explanations) and fact counts per
    identity, the experts' order, the strongest facts and every answerer's figures, as of `version` (the
    store's newest message in the topic and newest trust then). Each is read from the kept file when first
    used, and what a read shows of one identity is made from the arrays for that identity only: `why` over
    a busy author's 21 topics reads her row of each, no dict of every identity or answerer."""

    def __init__(self, saved) -> None:  # an open NpzFile of FORMAT: arrays are read from it when first asked for
        self.saved = saved
        self.version: tuple[int, int, int] = tuple(saved["version"].tolist())
        self.made: float = float(saved["made"])  # wall-clock time it was computed

    @cached_property
    def dids(self):
        return self.saved["dids"]

    @cached_property
    def scores(self):
        """The scores, in the order of `dids`."""
        return self.saved["score"]

    @cached_property
    def score(self) -> dict[str, float]:
        return dict(zip((d.decode() for d in self.dids.tolist()), self.scores.tolist(), strict=True))

    @cached_property
    def budget(self) -> dict[str, float]:
        """Sources with live facts only."""
        return {d.decode(): b for d, b in zip(self.dids.tolist(), self.saved["budget"].tolist(), strict=True) if b}

    @cached_property
    def counts(self):
        """Facts about each identity per kind (KINDS order), a row per identity of `dids`."""
        return self.saved["counts"]

    @cached_property
    def experts(self) -> dict[str, tuple[int, int]]:
        """Authors of answers or facts but the viewer, best first: their rank and answers."""
        return {d.decode(): (i, n) for i, (d, n) in enumerate(zip(
            self.saved["experts"].tolist(), self.saved["expert_answers"].tolist(), strict=True), 1)}

    @cached_property
    def why(self) -> dict:
        """The WHY_FACTS strongest facts per subject, as arrays."""
        return {k: self.saved["why_" + k] for k in ("subject", "source", "kind", "weight", "id", "note")}

    @cached_property
    def answerers(self) -> dict[str, int]:
        """Every answerer's row in `figure_rows`."""
        return {d.decode(): i for i, d in enumerate(self.saved["answerers"].tolist())}

    @cached_property
    def figure_rows(self) -> list:
        """The answerers' compact figures (node/figures.py), FIGURES order."""
        return self.saved["figures"].tolist()

    @cached_property
    def threads(self) -> tuple:
        """(roots, where each one's answers start and end, the answers) of the answers' order (node/answer_order.py)."""
        return self.saved["thread_roots"], self.saved["thread_starts"], self.saved["thread_answers"]

    def answers_of(self, root: str) -> list[str]:
        """The ids of a thread's answers in their order, as of this ranking (answers since are not in it)."""
        import numpy as np
        roots, starts, answers = self.threads
        i = int(np.searchsorted(roots, root.encode()))
        if i == len(roots) or roots[i] != root.encode():
            return []
        return [a.decode() for a in answers[starts[i]:starts[i + 1]].tolist()]

    def row(self, did: str) -> int | None:
        """`did`'s row in the arrays (None when it has no score here)."""
        import numpy as np
        found = np.flatnonzero(self.dids == did.encode())
        return int(found[0]) if len(found) else None

    def score_of(self, did: str) -> float:
        i = self.row(did)
        return 0.0 if i is None else float(self.scores[i])

    def rank_of(self, did: str) -> int | None:
        """1 + how many score more (ties: the smaller did first)."""
        i = self.row(did)
        if i is None:
            return None
        score, mine = self.scores, self.scores[i]
        return 1 + int((score > mine).sum() + ((score == mine) & (self.dids < self.dids[i])).sum())

    def counts_of(self, did: str) -> tuple[int, ...]:
        i = self.row(did)
        return (0,) * len(KINDS) if i is None else tuple(self.counts[i].tolist())

    def strongest(self, did: str) -> list[tuple]:
        """(id, kind, source, weight, note) of the facts about `did` that add or take most, strongest first."""
        import numpy as np
        i = self.row(did)
        if i is None:
            return []
        subject = self.why["subject"]
        lo, hi = np.searchsorted(subject, i, "left"), np.searchsorted(subject, i, "right")
        return [(fid.decode(), KIND_NAMES[kind], self.dids[source].decode(), weight, note)
                for fid, kind, source, weight, note in zip(
                    self.why["id"][lo:hi].tolist(), self.why["kind"][lo:hi].tolist(),
                    self.why["source"][lo:hi].tolist(), self.why["weight"][lo:hi].tolist(),
                    self.why["note"][lo:hi].tolist(), strict=True)]

    def expert(self, did: str) -> dict:
        """An `experts` row (its name left empty)."""
        rank, answers = self.experts[did]
        counts = self.counts_of(did)
        return {"did": did, "name": "", "score": round(self.score.get(did, 0.0), 9), "accepted": counts[0],
                "upvotes": counts[1], "downvotes": counts[2], "answers": answers, "rank": rank}

    def figures(self, did: str) -> dict | None:
        """An answerer's compact figures in the topic (None for one who has not answered)."""
        row = self.answerers.get(did)
        if row is None:
            return None
        return dict(zip(FIGURES, (None if v != v else v for v in self.figure_rows[row]), strict=True))


class Ledger:
    """Scores per (viewer, topic), kept in files beside the store (one per pair) that every process reading
    the store shares. With `background` (the node's reader processes), a read uses the file whatever its
    age and computes only when there is none yet; the node calls `refresh` after writes. Otherwise (the
    offline CLI) a read recomputes when the topic has changed, unless the file is under `max_age` seconds old."""

    def __init__(self, store: Store, background: bool = False):
        self.store, self.background = store, background
        self.folder = store.path.with_name(store.path.name + "-ledger")
        self._loaded: dict[Path, tuple[tuple, Ranked]] = {}

    def ranked(self, viewer: str, topic: str, max_age: float = 0.0) -> Ranked:
        found = self._load(self._file(viewer, topic))
        if found and (self.background or time.time() - found.made <= max_age
                      or found.version == self.store.ledger_version(topic)):
            return found
        return self._compute(viewer, topic)

    def scores(self, viewer: str, topic: str, max_age: float = 0.0) -> dict[str, float]:
        return self.ranked(viewer, topic, max_age).score

    def refresh(self) -> int:
        """Recompute every kept (viewer, topic) whose topic changed since; returns how many were."""
        import numpy as np
        done = 0
        for path in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(path) as saved:
                    viewer, topic = str(saved["key"]).split("\n")
                    version = tuple(saved["version"].tolist())
                    same = "format" in saved.files and int(saved["format"]) == FORMAT
            except (OSError, ValueError, KeyError):  # removed meanwhile, or not ours: computed again on a read
                continue
            if not same or version != self.store.ledger_version(topic):
                self._compute(viewer, topic)
                done += 1
        return done

    def warm(self, viewer: str, topics: list[str]) -> int:
        """Compute the topics that have no file yet (the followed ones, as the node starts: so that not even
        the first read of a followed topic ranks); returns how many were."""
        missing = [t for t in topics if not self._file(viewer, t).exists()]
        for topic in missing:
            self._compute(viewer, topic)
        return len(missing)

    def _compute(self, viewer: str, topic: str) -> Ranked:
        import numpy as np
        version, made = self.store.ledger_version(topic), time.time()
        rows = self.store.fact_rows(topic)
        graph = Graph(viewer, facts(self.store, topic, rows=rows))
        score, counts = graph.rank(), graph.counts()
        ordered = answer_order.threads(self.store, topic, dict(zip(graph.dids, score.tolist(), strict=True)), rows)
        keep, weight = graph.strongest(score, WHY_FACTS)  # what `explain` lists, kept: never read from the facts
        kept = [graph.fs[i] for i in keep.tolist()]
        own = compact_all(self.store, topic)  # kept with the scores: what answers show beside their author
        answers = self.store.answer_counts(topic)  # the experts' list, kept in its order: a read pages it
        scored = dict(zip(graph.dids, score.round(9).tolist(), strict=True))
        accepted = dict(zip(graph.dids, counts[:, 0].tolist(), strict=True))
        named = {graph.dids[i] for i in np.flatnonzero(counts[:, :3].any(axis=1)).tolist()}
        experts = sorted((set(answers) | named) - {viewer},
                         key=lambda d: (-scored.get(d, 0.0), -accepted.get(d, 0), d))
        self.folder.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")  # readable by the owner only
        with os.fdopen(fd, "wb") as out:
            np.savez(out, key=np.array(f"{viewer}\n{topic}"), version=np.array(version), made=np.array(made),
                     dids=np.array([d.encode() for d in graph.dids], "S"), score=score, budget=graph.budget,
                     counts=counts, format=np.array(FORMAT), why_subject=graph.dst[keep],
                     why_source=graph.src[keep], why_kind=graph.kind[keep], why_weight=weight,
                     why_id=np.array([f.id for f in kept], "S64"), why_note=np.array([f.note for f in kept], "U"),
                     answerers=np.array([d.encode() for d in own], "S"),
                     experts=np.array([d.encode() for d in experts], "S"),
                     expert_answers=np.array([answers.get(d, 0) for d in experts], np.int64),
                     figures=np.array([[np.nan if v is None else v for v in f.values()] for f in own.values()],
                                      np.float64).reshape(len(own), 3), **ordered)
        path = self._file(viewer, topic)
        os.replace(tmp, path)
        return self._load(path)

    def _file(self, viewer: str, topic: str) -> Path:
        return self.folder / (hashlib.sha256(f"{viewer}\n{topic}".encode()).hexdigest()[:32] + ".npz")

    def _load(self, path: Path) -> Ranked | None:
        """The file's results, read again only when it was replaced since."""
        import numpy as np
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if path in self._loaded and self._loaded[path][0] == stamp:
            return self._loaded[path][1]
        saved = np.load(path)  # kept open: Ranked reads each array when first used
        if "format" not in saved.files or int(saved["format"]) != FORMAT:  # kept by an earlier version
            saved.close()
            return None  # computed again
        found = Ranked(saved)
        self._loaded[path] = (stamp, found)
        return found

    def experts(self, viewer: str, topic: str) -> list[dict]:
        """Authors of answers or facts in `topic`, best first (ties: more accepted, then did). The order is kept
        with the ranking: the `experts` op pages `Ranked.experts` and makes rows of its page only."""
        ranked = self.ranked(viewer, topic)
        return [ranked.expert(d) for d in ranked.experts]

    def explain(self, viewer: str, did: str, topic: str) -> dict:
        """What `did`'s score in `topic` rests on: the WHY_FACTS facts that add or take most (strongest first,
        each with what it contributed), how many facts of each kind there are in all (the most common
        first), and how many were left out of the list (a busy answerer has tens of thousands). All of it is
        kept with the scores: a read never goes through the facts."""
        ranked = self.ranked(viewer, topic)
        counts = {kind: n for kind, n in zip(KINDS, ranked.counts_of(did), strict=True) if n}
        listed = ranked.strongest(did)
        return {"topic": topic, "score": round(ranked.score_of(did), 9), "rank": ranked.rank_of(did),
                "facts": [{"id": fid, "kind": kind, "from": source, "from_name": "", "weight": weight, "note": note}
                          for fid, kind, source, weight, note in listed],
                "counts": dict(sorted(counts.items(), key=lambda kind_n: -kind_n[1])),
                "left_out": sum(counts.values()) - len(listed)}


_LEDGERS: WeakKeyDictionary = WeakKeyDictionary()


def ledger_for(store: Store, background: bool = False) -> Ledger:
    """One ledger per open store (`background` when it is first asked for: see `Ledger`)."""
    if store not in _LEDGERS:
        _LEDGERS[store] = Ledger(store, background)
    return _LEDGERS[store]


def names(store: Store, dids) -> dict[str, str]:
    """Display names from each identity's newest profile ('' when it has none)."""
    dids = list(set(dids))
    out = dict.fromkeys(dids, "")
    for author, raw in store.profiles(dids):
        out[author] = load(raw).body["name"]
    return out
