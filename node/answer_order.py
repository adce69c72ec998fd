"""The order of a thread's answers (what `show` pages): accepted first, then by the author's score in the
viewer's ledger, then net votes (one per voter, the newest counts), then oldest first, then in thread order
(`seq`, id). The ledger ranks every thread of a topic this way when it ranks the topic and keeps the order
with its scores, so that a read of a thread of thousands of answers costs its page (node/ledger.py)."""
from __future__ import annotations

from collections import Counter

from antiport.protocol.kinds import thread_order

from .store import Store


def key(accepted: bool, score: float, up: int, down: int, created: int, seq: int, answer: str) -> tuple:
    return not accepted, -round(score, 9), down - up, created, seq, answer


def threads(store: Store, topic: str, score: dict[str, float], facts: list[tuple]) -> dict:
    """Every thread's answers in `topic`, ranked, as arrays: `thread_roots` (sorted), `thread_starts` (where
    each root's answers begin in `thread_answers`, and its end) and `thread_answers`. `facts` are the topic's
    `Store.fact_rows` (their votes and accepts order the answers)."""
    import numpy as np
    newest, accepted = {}, set()
    for _, kind, author, _, value, target in facts:  # in creation order: a voter's newest vote wins
        if kind == "vote":
            newest[(author, target)] = value
        elif kind == "accept":
            accepted.add(target)
    votes = Counter((target, value) for (_, target), value in newest.items())
    rows = store.answer_rows(topic)
    same = Counter((root, created) for _, root, _, created in rows)  # one created in a thread: ordered by seq
    ordered = sorted(rows, key=lambda r: (r[1], *key(
        r[0] in accepted, score.get(r[2], 0.0), votes[(r[0], "up")], votes[(r[0], "down")], r[3],
        thread_order(store.get(r[0]))[1] if same[(r[1], r[3])] > 1 else 0, r[0])))
    roots = np.array([r[1] for r in ordered], "S64")
    first = np.flatnonzero(np.r_[True, roots[1:] != roots[:-1]]) if len(roots) else np.zeros(0, np.int64)
    return {"thread_roots": roots[first], "thread_starts": np.r_[first, len(roots)].astype(np.int64),
            "thread_answers": np.array([r[0] for r in ordered], "S64")}
