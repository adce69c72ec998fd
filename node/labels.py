"""Shared moderation (specs/06-reputation.md section 5): what the labelers the viewer follows, and the
reports and labels of people with standing in the viewer's ledger, say about messages and their authors.
Each row shown gets its labels and whether it is hidden. Local policy, like the ledger: every node
decides from its own store and its owner's choices, and nobody else's label does anything by itself.
"""
from __future__ import annotations

from collections import defaultdict

from antiport.crypto import did_from_key
from antiport.protocol.envelope import load
from antiport.protocol.kinds import LABELS

from .ledger import ledger_for, names
from .store import Store

REPORTED = "reported"                        # a report whose reason is not one of the label values
VALUES = (*LABELS, REPORTED)
EFFECTS = ("hide", "mark", "ignore")
DEFAULT_EFFECTS = {"spam": "hide", "scam": "hide"}  # every other value marks
QUORUM = 0.05  # the ledger score that the reporters of one value on one message must reach together
SCORES_MAX_AGE = 600  # seconds: ledger scores this old still weigh reports (a big topic's take seconds)


def effects(store: Store) -> dict[str, str]:
    """What each value does for this home: its own setting, else the default."""
    chosen = store.label_effects()
    return {v: chosen.get(v, DEFAULT_EFFECTS.get(v, "mark")) for v in VALUES}


def claim_value(kind: str, body: dict) -> str:
    """The value a label states; for a report, its reason when that is one of the values."""
    if kind == "label":
        return body["value"]
    reason = body["reason"].strip().lower()
    return reason if reason in LABELS else REPORTED


class Moderation:
    """The verdicts for one viewer over one store snapshot."""

    def __init__(self, store: Store, viewer: str):
        self.store, self.viewer = store, viewer
        self.effects = effects(store)
        self.followed = set(store.labelers())
        self.on_identity: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
        for author, raw in store.identity_labels(sorted(self.followed | {viewer})):
            body = load(raw).body
            self.on_identity[did_from_key(body["subject"])].setdefault((body["value"], author), body.get("reason", ""))
        self._scores: dict[str, dict[str, float]] = {}
        self.muted = {(did, topic): level for did, topic, level, _ in store.mutes()}

    def score(self, topic: str) -> dict[str, float]:
        if topic not in self._scores:
            self._scores[topic] = ledger_for(self.store).scores(self.viewer, topic, max_age=SCORES_MAX_AGE)
        return self._scores[topic]

    def labels(self, rows: list[dict]) -> dict[str, list[dict]]:
        """The labels that count, per row id (rows have id, author, topic), effect `ignore` left out."""
        topic_of = {r["id"]: r["topic"] for r in rows}
        chosen: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)   # labels by followed labelers or you
        claimed: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # others' labels and reports
        for kind, author, target, raw in self.store.claims_on(list(topic_of)):
            body = load(raw).body
            value, reason = claim_value(kind, body), body.get("reason", "")
            if kind == "label" and (author in self.followed or author == self.viewer):
                chosen[target].setdefault((value, author), reason)
            else:
                claimed[(target, value)].setdefault(author, reason)
        out: dict[str, list[dict]] = defaultdict(list)
        for target, said in chosen.items():
            out[target] += [self._label(value, [by], reason, "message") for (value, by), reason in said.items()]
        for (target, value), reporters in claimed.items():
            score = self.score(topic_of[target])
            standing = sorted((a for a in reporters if score.get(a, 0.0) > 0), key=lambda a: (-score[a], a))
            total = sum(score[a] for a in standing)
            if standing and total >= QUORUM:
                out[target].append(self._label(value, standing, "", "message", round(total, 6)))
        for r in rows:
            said = self.on_identity.get(r["author"], {})
            out[r["id"]] += [self._label(value, [by], reason, "author") for (value, by), reason in said.items()]
            if level := self.muted.get((r["author"], "")) or self.muted.get((r["author"], r["topic"])):
                out[r["id"]].append({"value": level, "effect": "hide", "on": "author", "by": [self.viewer],
                                     "reason": "", "source": "you", "standing": None})
        return {target: [lb for lb in found if lb["effect"] != "ignore"] for target, found in out.items()}

    def _label(self, value: str, by: list[str], reason: str, on: str, standing: float | None = None) -> dict:
        return {"value": value, "effect": self.effects[value], "on": on, "by": by, "reason": reason,
                "source": "reports" if standing is not None else "you" if by == [self.viewer] else "labeler",
                "standing": standing}

    def apply(self, rows: list[dict], shown: str = "visible") -> list[dict]:
        """`rows` with `labels` (each with `why`) and `hidden`; unless `shown` is 'all', the hidden ones left out."""
        found = self.labels(rows)
        known = names(self.store, {d for labels in found.values() for lb in labels for d in lb["by"]})
        for r in rows:
            r["labels"] = [{**lb, "why": why(lb, known)} for lb in found.get(r["id"], [])]
            r["hidden"] = any(lb["effect"] == "hide" for lb in r["labels"])
        return rows if shown == "all" else [r for r in rows if not r["hidden"]]


def why(label: dict, known: dict[str, str]) -> str:
    """'spam, by labeler Mods', 'scam (its author), by you', 'spam, reported by Bob and 2 more with standing'."""
    who = [known.get(d) or d[:20] + "…" for d in label["by"]]
    what = label["value"] + (" (its author)" if label["on"] == "author" else "")
    if label["source"] == "you":
        return f"{what}, by you"
    if label["source"] == "labeler":
        return f"{what}, by labeler {who[0]}" + (f": {label['reason']}" if label["reason"] else "")
    more = f" and {len(who) - 1} more" if len(who) > 1 else ""
    return f"{what}, reported by {who[0]}{more} with standing {label['standing']:.2f}"
