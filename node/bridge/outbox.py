"""The bridge's durable outbox, in the node's own store (node/store_bridge.py holds its statements).

The journal is one entry per network message the vendor must hear about, numbered in the order the
bridge saw them (`seq`, which every delivery carries), with one delivery per push connector: attempts,
the last error and when the connector acknowledged it. The idempotency key of an event is its message id,
so adding the same message twice is a no-op, and an acknowledged delivery is never made again.

Back-off belongs to the connector, not to the event: a connector is healthy or down. A down connector
is probed on one schedule (exponential, with jitter) with its oldest pending delivery alone; when that one
goes through, the backlog follows in journal order. The schedule is kept across restarts.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from ..store import Store


@dataclass(frozen=True)
class Due:
    seq: int
    message_id: str
    attempts: int


class Outbox:
    def __init__(self, store: Store, connectors: list[str], base_ms: int = 2000, max_ms: int = 600_000,
                 rng: random.Random | None = None):
        self.store, self.connectors, self.base_ms, self.max_ms = store, list(connectors), base_ms, max_ms
        self.rng = rng or random.Random()
        for name in self.connectors:
            store.journal_backfill(name)

    def add(self, message_id: str, now: int) -> int | None:
        """Journal a message and schedule it for every connector (one transaction); None when it was already there."""
        return self.store.journal_add(message_id, now, self.connectors)

    def due(self, connector: str, now: int, limit: int = 100) -> list[Due]:
        """The connector's unacknowledged deliveries in journal order; none while it backs off."""
        if (self.retry_at(connector) or 0) > now:
            return []
        return [Due(*r) for r in self.store.deliveries_pending(connector, limit)]

    def retry_at(self, connector: str) -> int | None:
        """When a connector that is down is probed next (ms); None while it is healthy."""
        value = self.get_state(f"{connector}.retry_at")
        return int(value) if value else None

    def next_try(self, connector: str) -> int | None:
        """When `connector` has something to try (ms): its probe time when down, else 0 if anything is
        pending; None when nothing is."""
        if not self.store.deliveries_pending(connector, 1):
            return None
        return self.retry_at(connector) or 0

    def begin(self, connector: str, seq: int) -> None:
        """Count an attempt before it is made: after a crash mid-delivery, the next one is a known retry."""
        self.store.delivery_begin(connector, seq)

    def acked(self, connector: str, seq: int, now: int) -> None:
        """The connector took it: it is healthy again (its back-off is forgotten)."""
        self.store.delivery_acked(connector, seq, now)
        if self.get_state(f"{connector}.failures", "0") != "0":
            self.set_state(f"{connector}.failures", 0)
            self.set_state(f"{connector}.retry_at", "")

    def failed(self, connector: str, seq: int, now: int, error: str) -> int:
        """Record a failed attempt and set when the connector is probed next: `base` doubling with every
        failure in a row, capped at `max`, then drawn between half of that and all of it (jitter, so that
        bridges restarted together do not probe in step). Returns the delay in ms."""
        failures = int(self.get_state(f"{connector}.failures", "0")) + 1
        ceiling = min(self.max_ms, self.base_ms * 2 ** min(failures - 1, 30))
        delay = self.rng.randint(ceiling // 2, ceiling)
        self.store.delivery_failed(connector, seq, error[:500])
        self.set_state(f"{connector}.failures", failures)
        self.set_state(f"{connector}.retry_at", now + delay)
        return delay

    def events_after(self, seq: int, limit: int = 100) -> list[tuple[int, str]]:
        """(seq, message id) of journal entries after `seq`: what the pull API serves."""
        return self.store.journal_after(seq, limit)

    def last_seq(self) -> int:
        return self.store.journal_last_seq()

    def report(self) -> dict:
        """Per connector: delivered, pending, the last error of a pending delivery, and when a connector that
        is down is probed next (ms since the epoch, or null)."""
        out = {}
        for name in self.connectors:
            acked, pending, error = self.store.delivery_report(name)
            out[name] = {"acknowledged": acked, "pending": pending, "last_error": error,
                         "retry_at": self.retry_at(name)}
        return out

    # -- small persistent values: scan cursor, pull API acknowledgement, connector back-off --------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        return self.store.bridge_state(key, default)

    def set_state(self, key: str, value) -> None:
        self.store.set_bridge_state(key, value)
