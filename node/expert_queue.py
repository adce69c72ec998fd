"""The expert's queue: the open requests and complaints of every followed topic, in the order an expert
should take them (docs/queue.md). `entries` reads the store; `claims_holding` and `order` are the rules,
pure functions of what was read."""
from __future__ import annotations

from antiport.protocol import Message

from .ledger import ledger_for
from .store import Store

CANDIDATES = 500  # the newest open threads per read that the queue considers
CLOSED = ("resolved", "wont-fix")  # a vendor's status that takes a thread out of the queue
MINUTE = 60_000


def claims_holding(claims: list[Message], retracted: set[str], now: int) -> dict[str, int]:
    """Who holds a claim at `now` (specs/02 section 8) and until when: created <= now < created + minutes,
    not retracted by its author; of several by one author, the latest end."""
    held: dict[str, int] = {}
    for c in claims:
        until = c.created + c.body["minutes"] * MINUTE
        if c.id not in retracted and c.created <= now < until:
            held[c.author_did] = max(held.get(c.author_did, 0), until)
    return held


def rank(entry: dict, me: str) -> tuple:
    """The sort key of an entry: first what nobody has answered, then what only other people have, then
    what the vendor has, and last what I answered (it waits on the asker); within each, what I claimed,
    then what nobody claimed, then what others claimed; then the asker's standing, highest first; then
    the newest first (a fresh question is the one an answer still helps most)."""
    group = 3 if entry["mine"] else 2 if entry["vendor_answered"] else 1 if entry["answers"] else 0
    claimers = {c["did"] for c in entry["claims"]}
    claim = 0 if me in claimers else 2 if claimers else 1
    return group, claim, -entry["standing"], -entry["created"], entry["id"]


def order(entries: list[dict], me: str) -> list[dict]:
    return sorted(entries, key=lambda e: rank(e, me))


def entries(store: Store, me: str, now: int, scores_max_age: float) -> list[dict]:
    """The queue's entries, unordered: the open threads of the followed topics that I did not ask, did not
    skip, and that the vendor has not closed."""
    skipped = store.skipped(now)
    roots = [r for r in store.open_roots(store.followed(), CANDIDATES)
             if r["id"] not in skipped and r["author"] != me]
    replies = store.replies_to([r["id"] for r in roots], ("answer", "claim", "status"))
    claims = [m for m in replies if m.kind == "claim"]
    retracted = {m.refs[0] for m in store.replies_to([c.id for c in claims], ("retract",))}  # by their authors
    by_root: dict[str, list[Message]] = {}
    for m in replies:
        by_root.setdefault(m.refs[0], []).append(m)
    ledger, topics, out = ledger_for(store), {r["topic"] for r in roots}, []
    vendors_of = {t: store.vendor_keys(t) for t in topics}  # once per topic, not per thread
    scores_of = {t: ledger.scores(me, t, max_age=scores_max_age) for t in topics}
    for r in roots:
        thread, vendors = by_root.get(r["id"], []), vendors_of[r["topic"]]
        states = [m.body["state"] for m in thread if m.kind == "status" and m.author in vendors]
        if states and states[-1] in CLOSED:
            continue
        answers = [m for m in thread if m.kind == "answer"]
        held = claims_holding([m for m in thread if m.kind == "claim"], retracted, now)
        standing = scores_of[r["topic"]].get(r["author"], 0.0)
        out.append({**r, "answers": len(answers), "mine": any(a.author_did == me for a in answers),
                    "vendor_answered": any(a.author in vendors for a in answers),
                    "claims": [{"did": d, "until": u} for d, u in sorted(held.items())],
                    "standing": round(standing, 9), "state": states[-1] if states else None})
    return out
