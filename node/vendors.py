"""Vendor accountability: how vendors answer in the topics they claim, and how often they accepted and refused
customers' terms (specs/06-reputation.md §4, specs/14 §4).

Pure reads of the store; `now` (ms) is passed in. A topic's part is read from what its vendor did (its
keys' answers and statuses, found by an index of topic, kind and author), the topic's resolves and a
count of its roots: never every reply in a topic of 20,000 threads. Each topic is read once per call.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from antiport.crypto import did_from_key

from .domains import judge
from .store import Store
from .terms_docs import in_force

UNDER = (3600, 86_400, 7 * 86_400)  # seconds: the bounds of the response-time counts (an hour, a day, a week)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered, mid = sorted(values), len(values) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Part:
    """What one topic adds to its vendor's metrics."""
    seen: int
    times: list[float]  # seconds from each acknowledged root to its vendor's first response
    resolved: int
    oldest: dict | None  # the oldest root without a vendor response: id, title, created


def part(store: Store, topic: str) -> Part:
    first = store.first_responses(topic, [did_from_key(k) for k in store.vendor_keys(topic)])
    return Part(store.root_count(topic), [(answered - asked) / 1000 for asked, answered in first.values()],
                store.resolved_roots(topic), store.oldest_root_but(topic, first))


def metrics(parts: list[Part], now: int) -> dict:
    """A vendor's metrics over the parts of its topics."""
    seen, times = sum(p.seen for p in parts), [t for p in parts for t in p.times]
    oldest = min((p.oldest for p in parts if p.oldest), key=lambda r: (r["created"], r["id"]), default=None)
    return {"seen": seen,
            "acknowledged_share": len(times) / seen if seen else None,
            "median_response_s": median(times),
            "p90_response_s": percentile(times, 90),
            "resolved_share": sum(p.resolved for p in parts) / seen if seen else None,
            "oldest_unanswered": oldest and {**oldest, "age_s": (now - oldest["created"]) / 1000}}


def counted(times: list[float]) -> list[dict]:
    """How many responses came in under each bound of UNDER and not under the one before (the last row,
    `under_s` None: the later ones)."""
    counts = [0] * (len(UNDER) + 1)
    for t in times:
        counts[bisect_right(UNDER, t)] += 1  # the first bound it is under
    return [{"under_s": bound, "responses": n} for bound, n in zip((*UNDER, None), counts, strict=True)]


def groups(store: Store) -> list[dict]:
    """One row per vendor without its metrics: claimed ones by their manifest (with its domain and whether the
    customer can believe it: `identity`, domains.judge), unclaimed topics under their slug's vendor part."""
    found: dict[str, dict] = {}
    claimed_topics = set()
    for did, topic, manifest_id in store.vendor_claims():
        if did not in found:  # one manifest per vendor: read once, not once per topic it claims
            manifest = store.get(manifest_id)
            domain = manifest.body.get("domain")
            found[did] = {"name": manifest.body["org"], "did": did, "claimed": True, "topics": [],
                          "promise": manifest.body.get("promise_hours"), "domain": domain,
                          "identity": judge(store, did, domain)}
        found[did]["topics"].append(topic)
        claimed_topics.add(topic)
    open_topics: dict[str, list[str]] = {}
    for topic in store.root_topics():
        if topic not in claimed_topics:
            open_topics.setdefault(topic.split("/")[0], []).append(topic)
    for slug, topics in sorted(open_topics.items()):
        found["unclaimed:" + slug] = {"name": slug, "did": None, "claimed": False, "topics": sorted(topics),
                                      "promise": None, "domain": None, "identity": None}
    return sorted(found.values(), key=lambda r: (not r["claimed"], r["name"].lower(), r["did"] or ""))


def vendors(store: Store, now: int) -> list[dict]:
    """Every vendor with its metrics (a topic claimed by two vendors is read once)."""
    rows, parts = groups(store), {}
    for row in rows:
        for topic in row["topics"]:
            if topic not in parts:
                parts[topic] = part(store, topic)
        row.update(metrics([parts[t] for t in row["topics"]], now))
    return rows


def figures_of(store: Store, did: str, now: int) -> dict:
    """A vendor's accountability figures over the topics its current manifest claims (intents' categories hold
    no requests, so they count for nothing): what a customer weighs beside its offer."""
    topics = [topic for vendor, topic, _ in store.vendor_claims() if vendor == did]
    found = metrics([part(store, t) for t in topics], now)
    return {**{k: found[k] for k in ("seen", "acknowledged_share", "median_response_s", "resolved_share")},
            "consents": consents(store, did, topics)}


def consents(store: Store, did: str, topics: list[str]) -> dict[str, int]:
    """How many customers' terms documents in `topics` the vendor accepted and refused: its consent in force to each
    (specs/14 section 4)."""
    found = in_force(store.consents_in(topics), lambda m: store.vendor_of(m.author, m.topic))
    values = [value for (vendor, _), value in found.items() if vendor == did]
    return {"accept": values.count("accept"), "refuse": values.count("refuse")}


def vendor(store: Store, name: str, now: int) -> dict | None:
    """One vendor by name (organisation or unclaimed slug) or did, with per-topic metrics and its response
    times counted (`response_times`: how many came in under an hour, a day, a week, and later)."""
    row = next((r for r in groups(store) if name.lower() in (r["name"].lower(), (r["did"] or "").lower())), None)
    if row is None:
        return None
    parts = {t: part(store, t) for t in row["topics"]}
    row.update(metrics(list(parts.values()), now),
               response_times=counted([t for p in parts.values() for t in p.times]),
               consents=consents(store, row["did"], row["topics"]) if row["did"] else {"accept": 0, "refuse": 0},
               per_topic=[{"topic": t, **metrics([p], now)} for t, p in parts.items()])
    return row
