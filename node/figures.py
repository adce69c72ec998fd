"""An expert's own figures per topic, from signed facts (docs/queue.md, "Your figures"): response rate, median
time to a first answer, accept rate. Pure reads of the store, like vendor accountability (node/vendors.py)."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from .store import Store
from .vendors import median

THREADS_SHOWN = 10  # the newest counted threads listed behind an expert's figures in a topic
TOPICS_SHOWN = 30  # topics listed, most answers first


def counted(root: dict, did: str, span: tuple[int, int], answered: dict[str, int]) -> bool:
    """Whether a thread counts for an expert's response rate: not asked by them, and answered by them or
    created while they were active in the topic (`span`, both ends included)."""
    return root["author"] != did and (root["id"] in answered or span[0] <= root["created"] <= span[1])


def in_topic(store: Store, topic: str, dids: set[str] | None = None) -> dict[str, dict]:
    """The figures of every answerer of `topic` (or of `dids` only), and what they rest on."""
    roots = {r["id"]: r for r in store.roots(topic)}
    people: dict[str, dict] = defaultdict(lambda: {"first": {}, "times": [], "answers": 0, "accepted": 0,
                                                   "accepted_in": defaultdict(int), "answers_in": defaultdict(int)})
    for root_id, author, created, accepted in store.answers_in(topic):
        if (dids is not None and author not in dids) or roots[root_id]["author"] == author:
            continue  # an answer in one's own thread is no response to anyone
        p = people[author]
        p["first"].setdefault(root_id, created)
        p["times"].append(created)
        p["answers"] += 1
        p["accepted"] += accepted
        p["answers_in"][root_id] += 1
        p["accepted_in"][root_id] += accepted
    created = sorted(r["created"] for r in roots.values())
    asked: dict[str, list[int]] = defaultdict(list)
    for r in roots.values():
        asked[r["author"]].append(r["created"])
    out = {}
    for did, p in people.items():
        span = min(p["times"]), max(p["times"])  # active: from their first answer in the topic to their last
        mine = sorted(asked[did])
        during = (bisect_right(created, span[1]) - bisect_left(created, span[0])
                  - (bisect_right(mine, span[1]) - bisect_left(mine, span[0])))
        outside = sum(1 for rid in p["first"] if not span[0] <= roots[rid]["created"] <= span[1])
        threads = during + outside
        waits = [(t - roots[rid]["created"]) / 1000 for rid, t in p["first"].items()]
        out[did] = {"topic": topic, "active_from": span[0], "active_to": span[1], "threads": threads,
                    "answered": len(p["first"]), "response_rate": len(p["first"]) / threads,
                    "median_first_answer_s": median(waits), "answers": p["answers"], "accepted": p["accepted"],
                    "accept_rate": p["accepted"] / p["answers"], "_p": p, "_roots": roots}
    return out


FIGURES = ("response_rate", "median_first_answer_s", "accept_rate")  # what answers show beside their author


def compact(figures: dict | None) -> dict:
    """The figures other nodes show next to an expert's answers and in an `experts` row."""
    if figures is None:
        return dict.fromkeys(FIGURES)
    return {k: round(figures[k], 3) if figures[k] is not None else None for k in FIGURES}


def compact_all(store: Store, topic: str) -> dict[str, dict]:
    """Every answerer's compact figures in `topic`: computed with the ledger's scores of the topic and kept
    with them (node/ledger.py), so that a read showing answers never computes them."""
    return {did: compact(f) for did, f in sorted(in_topic(store, topic).items())}


def explained(figures: dict, did: str) -> dict:
    """One expert's figures in a topic with the newest THREADS_SHOWN counted threads behind them: each with
    when it was asked, the wait for their first answer (none: missed), their answers and accepted ones."""
    p, roots = figures.pop("_p"), figures.pop("_roots")
    span = (figures["active_from"], figures["active_to"])
    behind = sorted((r for r in roots.values() if counted(r, did, span, p["first"])),
                    key=lambda r: (-r["created"], r["id"]))
    figures["threads_shown"] = [
        {"id": r["id"], "title": r["title"], "created": r["created"],
         "first_answer_s": (p["first"][r["id"]] - r["created"]) / 1000 if r["id"] in p["first"] else None,
         "answers": p["answers_in"][r["id"]], "accepted": p["accepted_in"][r["id"]]}
        for r in behind[:THREADS_SHOWN]]
    figures["threads_left_out"] = len(behind) - len(figures["threads_shown"])
    return figures


def of(store: Store, did: str) -> dict:
    """An expert's figures in every topic they answered in (the TOPICS_SHOWN with most answers)."""
    found = [in_topic(store, t, {did})[did] for t, _, _ in store.answered_topics(did)]
    found.sort(key=lambda f: (-f["answers"], f["topic"]))
    return {"did": did, "topics": [explained(f, did) for f in found[:TOPICS_SHOWN]],
            "topics_left_out": max(0, len(found) - TOPICS_SHOWN)}
