"""Message budgets: "at most N messages per window seconds" per key, as token buckets (sans-IO: `now` is given).

A bucket holds up to N tokens and refills at N / window tokens a second; each message takes one. A sender
that stays under N per window is never refused; a burst of N passes at once; a flood gets N, then N per
window. Keys (an author's did, a forwarding peer) are kept in a bounded least-recently-used table, so
memory stays bounded under a flood of new keys; a key forgotten starts again with a full bucket, which is
why the table must be large compared with the number of keys one can afford to make.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """At most `count` messages per `window` seconds."""
    count: int
    window: float

    @property
    def rate(self) -> float:
        return self.count / self.window


class Buckets:
    """One token bucket per key, all with the same budget; `take(key, now)` spends a token if there is one."""

    def __init__(self, budget: Budget, max_keys: int = 10_000):
        self.budget = budget
        self.max_keys = max_keys
        self._held: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def tokens(self, key: str, now: float) -> float:
        tokens, at = self._held.get(key, (float(self.budget.count), now))
        return min(float(self.budget.count), tokens + max(0.0, now - at) * self.budget.rate)

    def take(self, key: str, now: float) -> bool:
        """True and one token less when `key` has a token at `now`; False (nothing changes) when it has none."""
        tokens = self.tokens(key, now)
        ok = tokens >= 1.0
        self._held[key] = (tokens - 1.0 if ok else tokens, now)
        self._held.move_to_end(key)
        while len(self._held) > self.max_keys:
            self._held.popitem(last=False)
        return ok

    def forget(self, key: str) -> None:
        self._held.pop(key, None)


class Recent:
    """A bounded set that forgets the least recently added key first (e.g. ids of messages found invalid)."""

    def __init__(self, size: int):
        self.size = size
        self._keys: OrderedDict[str, str] = OrderedDict()

    def add(self, key: str, value: str = "") -> None:
        self._keys[key] = value
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def get(self, key: str) -> str | None:
        return self._keys.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)
