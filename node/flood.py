"""Flood defence for gossip (specs/07-flood.md): budgets per forwarding peer and per author, checked before a
message is stored; ids of invalid messages remembered so they are not validated again; messages waiting for
a missing reference parked (never holding a libp2p validator slot) and stored when it arrives; a peer that
keeps sending what we drop graylisted: disconnected, its messages ignored and never redialled for a while.

Drops are counted in `Ingest.rejected` under the forwarding peer, by reason: "rate-peer", "rate-author",
"rate-newcomers", "known-invalid", "wrong-topic", "parked-full", "parked-timeout", "graylisted".
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from antiport.crypto import did_from_key
from antiport.protocol import Message, Rejected, load, validate
from antiport.protocol.budget import Buckets, Budget, Recent
from antiport.protocol.terms import waits_for

from .home import now_ms
from .ingest import Ingest, Stored

STANDING_REFRESH = 10.0  # seconds between recomputations of who has standing (only when the store changed)


@dataclass(frozen=True)
class Settings:
    """Budgets as [count, window seconds]; see docs/flood.md. The home config's "flood" object overrides any."""
    author: Budget = Budget(100, 20.0)           # an author nobody here has accepted or trusted: 5/s, bursts of 100
    author_standing: Budget = Budget(600, 60.0)  # an author with an accepted answer or a trust here: 10/s
    peer: Budget = Budget(1000, 10.0)             # one forwarding peer, all authors together
    peer_newcomers: Budget = Budget(200, 10.0)    # one forwarding peer, all authors without standing together
    strikes: Budget = Budget(100, 60.0)           # drops a peer may cause before it is graylisted
    graylist_seconds: float = 600.0
    park_seconds: float = 30.0
    park_per_peer: int = 100
    park_total: int = 2000
    known_invalid: int = 10_000                   # invalid message ids remembered

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        """Settings from the home config's "flood" object (budgets as [count, seconds]); ValueError names a bad key."""
        if not isinstance(config, dict):
            raise ValueError('"flood" must be an object of settings (docs/flood.md)')
        fields = {}
        for key, value in config.items():
            default = getattr(cls, key, None)
            if isinstance(default, Budget):
                if not (isinstance(value, list) and len(value) == 2 and all(type(v) in (int, float) for v in value)
                        and value[0] >= 1 and value[1] > 0):
                    raise ValueError(f"flood.{key} must be [count >= 1, seconds > 0]")
                fields[key] = Budget(int(value[0]), float(value[1]))
            elif isinstance(default, (int, float)) and type(value) in (int, float) and value > 0:
                fields[key] = type(default)(value)
            else:
                raise ValueError(f"flood.{key} is not a setting or not a positive number")
        return cls(**fields)


@dataclass
class _Parked:
    raw: bytes
    source: str
    until: float


class Guard:
    """The gossip validator's gatekeeper. Times are seconds (any monotonic origin, as long as it is one)."""

    def __init__(self, ingest: Ingest, settings: Settings | None = None, standing: Iterable[str] = ()):
        self.ingest = ingest
        self.settings = s = settings or Settings()
        self.peers = Buckets(s.peer)
        self.newcomers = Buckets(s.peer_newcomers)
        self.authors = Buckets(s.author)
        self.standing_authors = Buckets(s.author_standing)
        self.strikes = Buckets(s.strikes)
        self.invalid = Recent(s.known_invalid)
        self.graylist: dict[str, float] = {}  # peer -> until
        self.parked: dict[str, list[_Parked]] = {}  # missing ref -> messages waiting for it
        self.parked_by_peer: Counter[str] = Counter()
        self._fixed_standing = set(standing)
        self._standing: set[str] = set(standing)
        self._standing_at = (-math.inf, -1)  # (when, store version)
        self._now = 0.0
        self.on_released: Callable[[Message], None] | None = None  # gossip passes released messages on
        ingest.subscribe(self._release)

    # -- the checks, in the order the validator makes them --------------------------------------------------

    def graylisted(self, peer: str, now: float) -> bool:
        until = self.graylist.get(peer)
        if until is not None and until <= now:
            del self.graylist[peer]
            self.strikes.forget(peer)
            return False
        return until is not None

    def admit(self, raw: bytes, mid: str, peer: str, now: float, *, topic: str) -> tuple[Message | None, str]:
        """Validate and store an envelope (id `mid`) gossiped by `peer` in the gossip topic of slug `topic`: (the
        message, "") when it is held, new or not; (None, reason) when it was dropped or parked ("missing-ref"),
        counted under the reason."""
        self._now = now
        if self.graylisted(peer, now):
            return self._drop(peer, "graylisted", strike=False)
        if mid in self.invalid:
            return self._drop(peer, "known-invalid")
        if not self.peers.take(peer, now):
            return self._drop(peer, "rate-peer")
        store = self.ingest.store
        try:
            msg = validate(raw, now_ms(), store)  # first, so a forged signature never spends an author's budget
        except Rejected as e:
            if e.reason == "missing-ref":
                waiting = load(raw)  # validate decoded it before it found the ref missing
                if waiting.topic != topic:
                    return self._drop(peer, "wrong-topic")
                self.ingest.rejected[(peer, e.reason)] += 1
                return None, self._park(waiting, raw, peer, now)
            self.ingest.rejected[(peer, e.reason)] += 1
            self.invalid.add(mid, e.reason)
            self._strike(peer)
            return None, e.reason
        if msg.topic != topic:  # valid, but not here (specs/03 section 2): not stored, not remembered as invalid
            return self._drop(peer, "wrong-topic")
        if store.has(msg.id):
            return msg, ""
        did = msg.author_did
        if did in self.standing(now):
            if not self.standing_authors.take(did, now):
                return self._drop(peer, "rate-author")
        else:
            if not self.authors.take(did, now):
                return self._drop(peer, "rate-author")
            if not self.newcomers.take(peer, now):  # many keys, each under its budget: one peer still pays
                return self._drop(peer, "rate-newcomers")
        try:
            self.ingest.add(msg, now_ms(), peer)  # its references checked again in the store's transaction
            return msg, ""
        except Rejected as e:
            return None, e.reason  # counted by Ingest

    # -- parking --------------------------------------------------------------------------------------------

    def _park(self, msg: Message, raw: bytes, peer: str, now: float) -> str:
        s = self.settings
        if self.parked_by_peer[peer] >= s.park_per_peer or sum(self.parked_by_peer.values()) >= s.park_total:
            return self._drop(peer, "parked-full")[1]
        self.parked.setdefault(waits_for(msg), []).append(_Parked(raw, peer, now + s.park_seconds))
        self.parked_by_peer[peer] += 1
        return "missing-ref"

    def _release(self, event: Stored) -> None:
        """A message was stored (by gossip, sync or import): the messages parked for it are validated now."""
        waiting = self.parked.pop(event.message.id, [])
        for p in waiting:
            self.parked_by_peer[p.source] -= 1
            try:
                msg, new = self.ingest(p.raw, now_ms(), p.source)
            except Rejected:
                continue  # counted by Ingest
            if new and self.on_released is not None:
                self.on_released(msg)

    def tick(self, now: float) -> list[str]:
        """Drop parked messages past their time (counted "parked-timeout"); returns the peers graylisted now."""
        for ref in list(self.parked):
            keep = []
            for p in self.parked[ref]:
                if p.until <= now:
                    self.parked_by_peer[p.source] -= 1
                    self.ingest.rejected[(p.source, "parked-timeout")] += 1
                else:
                    keep.append(p)
            if keep:
                self.parked[ref] = keep
            else:
                del self.parked[ref]
        for peer in [p for p, n in self.parked_by_peer.items() if n <= 0]:
            del self.parked_by_peer[peer]
        return [p for p in list(self.graylist) if self.graylisted(p, now)]

    # -- standing, strikes ----------------------------------------------------------------------------------

    def standing(self, now: float) -> set[str]:
        """Authors with standing here: one of their answers accepted, or trusted, by someone else (and any given
        at start, such as our own identity). Recomputed at most every STANDING_REFRESH seconds."""
        store = self.ingest.store
        when, version = self._standing_at
        if now - when < STANDING_REFRESH:
            return self._standing
        newest = store.newest_rowid()
        if newest != version:
            dids = set(self._fixed_standing)
            for _, author, raw in store.of_kind("accept"):
                target = store.get(load(raw).refs[0])
                if target is not None and target.author_did != author:
                    dids.add(target.author_did)
            for _, author, raw in store.of_kind("trust"):
                body = load(raw).body
                if body.get("value") == "trust":
                    subject = did_from_key(body["subject"])
                    if subject != author:
                        dids.add(subject)
            self._standing = dids
        self._standing_at = (now, newest)
        return self._standing

    def _drop(self, peer: str, reason: str, strike: bool = True) -> tuple[None, str]:
        self.ingest.rejected[(peer, reason)] += 1
        if strike:
            self._strike(peer)
        return None, reason

    def _strike(self, peer: str) -> None:
        if not self.strikes.take(peer, self._now):
            self.graylist[peer] = self._now + self.settings.graylist_seconds
