"""One path into the store for every source (gossip, sync, import, local writes): validate, then store."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from antiport.protocol import Message, Rejected, validate

from .store import Store


class Ingest:
    """Validates and stores envelopes, and counts what it accepted and rejected, per source and reason."""

    def __init__(self, store: Store, on_new: Callable[[Message], None] | None = None):
        """`on_new` is called with every newly stored message, whatever its path (gossip, sync, import,
        local writes): the node's live feed hangs here."""
        self.store = store
        self.on_new = on_new
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
            if self.on_new:
                self.on_new(msg)
        return msg, new
