"""One path into the store for every source (gossip, sync, import, local writes): validate, then store."""
from __future__ import annotations

from collections import Counter

from antiport.protocol import Message, Rejected, validate

from .store import Store


class Ingest:
    """Validates and stores envelopes, and counts what it accepted and rejected, per source and reason."""

    def __init__(self, store: Store):
        self.store = store
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[tuple[str, str]] = Counter()  # (source, reason)

    def __call__(self, raw: bytes, now: int, source: str = "local") -> tuple[Message, bool]:
        """Returns (message, is_new); raises Rejected. `source` is a peer id, 'local', 'import', ..."""
        try:
            msg = validate(raw, now, self.store)
        except Rejected as e:
            self.rejected[(source, e.reason)] += 1
            raise
        new = self.store.add(msg, now)
        if new:
            self.accepted[source] += 1
        return msg, new
