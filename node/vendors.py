"""Vendor accountability: how vendors answer in the topics they claim (specs/06-reputation.md §4).

Pure reads of the store; `now` (ms) is passed in.
"""
from __future__ import annotations

from collections import defaultdict

from antiport.crypto import did_from_key

from .domains import judge
from .store import Store


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


def metrics(store: Store, topics: list[str], now: int) -> dict:
    """Requests and complaints seen in `topics` and how their vendor (keys per topic) responded."""
    seen, acknowledged, resolved, times, unanswered = 0, 0, 0, [], []
    for topic in topics:
        keys = {did_from_key(k) for k in store.vendor_keys(topic)}
        replies = defaultdict(list)
        for root_id, *reply in store.replies_in(topic):
            replies[root_id].append(reply)
        for root in store.roots(topic):
            seen += 1
            first, done = None, False
            for kind, author, created in replies[root["id"]]:
                if kind in ("answer", "status") and first is None and author in keys:
                    first = created
                done = done or (kind == "resolve" and author == root["author"])
            resolved += done
            if first is None:
                unanswered.append(root)
            else:
                acknowledged += 1
                times.append((first - root["created"]) / 1000)
    oldest = min(unanswered, key=lambda r: (r["created"], r["id"]), default=None)
    return {"seen": seen,
            "acknowledged_share": acknowledged / seen if seen else None,
            "median_response_s": median(times),
            "p90_response_s": percentile(times, 90),
            "resolved_share": resolved / seen if seen else None,
            "oldest_unanswered": oldest and {"id": oldest["id"], "title": oldest["title"], "created": oldest["created"],
                                             "age_s": (now - oldest["created"]) / 1000},
            "response_times_s": times}


def vendors(store: Store, now: int) -> list[dict]:
    """One row per vendor: claimed ones by their manifest (with its domain and whether the customer can believe
    it: `identity`, domains.judge), unclaimed topics under their slug's vendor part."""
    groups: dict[str, dict] = {}
    claimed_topics = set()
    for did, topic, manifest_id in store.vendor_claims():
        if did not in groups:  # one manifest per vendor: read once, not once per topic it claims
            manifest = store.get(manifest_id)
            domain = manifest.body.get("domain")
            groups[did] = {"name": manifest.body["org"], "did": did, "claimed": True, "topics": [],
                           "promise": manifest.body.get("promise_hours"), "domain": domain,
                           "identity": judge(store, did, domain)}
        groups[did]["topics"].append(topic)
        claimed_topics.add(topic)
    open_topics = defaultdict(list)
    for topic in store.root_topics():
        if topic not in claimed_topics:
            open_topics[topic.split("/")[0]].append(topic)
    for slug, topics in sorted(open_topics.items()):
        groups["unclaimed:" + slug] = {"name": slug, "did": None, "claimed": False, "topics": sorted(topics),
                                        "promise": None, "domain": None, "identity": None}
    for row in groups.values():
        row.update(metrics(store, row["topics"], now))
        del row["response_times_s"]
    return sorted(groups.values(), key=lambda r: (not r["claimed"], r["name"].lower(), r["did"] or ""))


def vendor(store: Store, name: str, now: int) -> dict | None:
    """One vendor by name (organisation or unclaimed slug) or did, with per-topic metrics."""
    for row in vendors(store, now):
        if name.lower() in (row["name"].lower(), (row["did"] or "").lower()):
            row["response_times_s"] = metrics(store, row["topics"], now)["response_times_s"]
            row["per_topic"] = [{"topic": t, **metrics(store, [t], now)} for t in row["topics"]]
            for per_topic in row["per_topic"]:
                del per_topic["response_times_s"]
            return row
    return None
