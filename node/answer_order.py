"""The order of a thread's answers (what `show` pages): accepted first, then by the author's score in the
viewer's ledger (rounded to 9 places, as shown), then net votes (one per voter, the newest counts), then
oldest first, then in thread order (`seq`, id). The ledger ranks every thread of a topic this way when it
ranks the topic and keeps the order with its scores, so that a read of a thread of thousands of answers
costs its page (node/ledger.py)."""
from __future__ import annotations

from collections import Counter

from antiport.protocol.kinds import thread_order

from .store import Store


def threads(store: Store, topic: str, score: dict[str, float], facts: list[tuple]) -> dict:
    """Every thread's answers in `topic`, ranked, as arrays: `thread_roots` (sorted), `thread_starts` (where
    each root's answers begin in `thread_answers`, and its end) and `thread_answers`. `facts` are the topic's
    `Store.fact_rows` (their votes and accepts order the answers). One sort of arrays (numpy's lexsort)."""
    import numpy as np
    newest, accepted = {}, set()
    for _, kind, author, _, value, target in facts:  # in creation order: a voter's newest vote wins
        if kind == "vote":
            newest[(author, target)] = value
        elif kind == "accept":
            accepted.add(target)
    net = Counter()
    for (_, target), value in newest.items():
        net[target] += 1 if value == "up" else -1
    rows = store.answer_rows(topic)
    ids, roots, authors, created = map(list, zip(*rows, strict=True)) if rows else ([], [], [], [])
    same = Counter(zip(roots, created, strict=True))  # one created in a thread: ordered by seq
    shown = {a: round(score.get(a, 0.0), 9) for a in set(authors)}
    order = np.lexsort((
        np.array(ids, "S64"),
        np.array([thread_order(store.get(i))[1] if same[(r, c)] > 1 else 0 for i, r, c in zip(ids, roots, created,
                                                                                              strict=True)], np.int64),
        np.array(created, np.int64),
        -np.array([net[i] for i in ids], np.int64),
        -np.array([shown[a] for a in authors], np.float64),
        np.array([i not in accepted for i in ids], bool),
        np.array(roots, "S64")))  # the last key sorts first: by thread, then the rule above
    ranked = np.array(roots, "S64")[order]
    first = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if len(ranked) else np.zeros(0, np.int64)
    return {"thread_roots": ranked[first], "thread_starts": np.r_[first, len(ranked)].astype(np.int64),
            "thread_answers": np.array(ids, "S64")[order]}
