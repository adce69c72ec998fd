"""The bridge's durable outbox, in the node's own store (node/store_bridge.py holds its statements).

The journal is one entry per network message the vendor must hear about, numbered in the order the
bridge saw them (`seq`, which the pull API serves), with one delivery per push connector: attempts,
when to try next (exponential back-off) and when the connector acknowledged it. The idempotency key of
an event is its message id, so adding the same message twice is a no-op, and an acknowledged delivery
is never made again.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..store import Store


@dataclass(frozen=True)
class Due:
    seq: int
    message_id: str
    attempts: int


class Outbox:
    def __init__(self, store: Store, connectors: list[str], base_ms: int = 2000, max_ms: int = 600_000):
        self.store, self.connectors, self.base_ms, self.max_ms = store, list(connectors), base_ms, max_ms
        for name in self.connectors:
            store.journal_backfill(name)

    def add(self, message_id: str, now: int) -> int | None:
        """Journal a message and schedule it for every connector (one transaction); None when it was already there."""
        return self.store.journal_add(message_id, now, self.connectors)

    def due(self, connector: str, now: int, limit: int = 100) -> list[Due]:
        return [Due(*r) for r in self.store.deliveries_due(connector, now, limit)]

    def next_try(self, connector: str) -> int | None:
        """When the earliest unacknowledged delivery for `connector` is due (ms), or None."""
        return self.store.delivery_next_try(connector)

    def begin(self, connector: str, seq: int) -> None:
        """Count an attempt before it is made: after a crash mid-delivery, the next one is a known retry."""
        self.store.delivery_begin(connector, seq)

    def acked(self, connector: str, seq: int, now: int) -> None:
        self.store.delivery_acked(connector, seq, now)

    def failed(self, connector: str, seq: int, now: int, error: str) -> int:
        """Record a failed attempt and schedule the next one; returns the delay in ms."""
        attempts = self.store.delivery_attempts(connector, seq)
        delay = min(self.max_ms, self.base_ms * 2 ** min(max(attempts - 1, 0), 30))
        self.store.delivery_failed(connector, seq, now + delay, error[:500])
        return delay

    def events_after(self, seq: int, limit: int = 100) -> list[tuple[int, str]]:
        """(seq, message id) of journal entries after `seq`: what the pull API serves."""
        return self.store.journal_after(seq, limit)

    def last_seq(self) -> int:
        return self.store.journal_last_seq()

    def report(self) -> dict:
        """Per connector: delivered, pending, and the last error of a pending delivery."""
        out = {}
        for name in self.connectors:
            acked, pending, error = self.store.delivery_report(name)
            out[name] = {"acknowledged": acked, "pending": pending, "last_error": error}
        return out

    # -- small persistent values: scan cursor, pull API acknowledgement ---------------------------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        return self.store.bridge_state(key, default)

    def set_state(self, key: str, value) -> None:
        self.store.set_bridge_state(key, value)
