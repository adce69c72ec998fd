"""The one path into the store for every source, and the "stored" events everything else reacts to.

Messages from elsewhere (gossip, sync, import) are validated and stored; messages this node creates
(`create`, `write`: the service ops, the bridge, `init --name`) are signed, validated, stored and queued
for the network in one SQLite transaction, so a crash leaves each wholly there or wholly absent.
Every newly stored message is then announced to the subscribers (the node's live feed and gossip
wake-up, the bridge's journal scan); nobody calls them from the write sites.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from antiport.crypto import Identity
from antiport.protocol import Message, Rejected, sign, validate
from antiport.protocol.kinds import line_ends

from .home import now_ms
from .store import Store


@dataclass(frozen=True)
class Stored:
    """A message newly stored; `queued` when it was created here and waits in the outbox."""
    message: Message
    source: str
    queued: bool


class Ingest:
    """Validates and stores envelopes, announces what is new, and counts what it accepted and rejected,
    per source and reason."""

    def __init__(self, store: Store):
        self.store = store
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[tuple[str, str]] = Counter()  # (source, reason)
        self._subscribers: list[Callable[[Stored], None]] = []

    def subscribe(self, fn: Callable[[Stored], None]) -> Callable[[], None]:
        """Call `fn(Stored)` after every newly stored message; returns the unsubscribe function."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn)

    def __call__(self, raw: bytes, now: int, source: str = "local") -> tuple[Message, bool]:
        """A message from elsewhere: returns (message, is_new); raises Rejected.
        `source` is a peer id, 'import', ..."""
        return self._store(raw, now, source, queue=False)

    def write(self, raw: bytes, now: int, source: str = "local") -> Message:
        """A message created here (signed by any key this node holds): validated, stored and queued for the
        network in one transaction. Raises Rejected; sqlite3 errors (a full disk) leave nothing behind."""
        return self._store(raw, now, source, queue=True)[0]

    def create(self, identity: Identity, kind: str, topic: str, body: dict, refs: Iterable[str] = (), *,
               created: int | None = None, source: str = "local") -> Message:
        """Sign a new message as `identity` and `write` it. Raises Rejected (an oversize body as well)."""
        now = now_ms()
        body = {k: line_ends(v) if isinstance(v, str) else v for k, v in body.items()}  # pasted CR LF, RT's mail
        try:
            msg = sign(identity, kind, topic, body, list(refs), created=now if created is None else created)
        except Rejected as e:
            self.rejected[(source, e.reason)] += 1
            raise
        return self.write(msg.raw, now, source)

    def _store(self, raw: bytes, now: int, source: str, queue: bool) -> tuple[Message, bool]:
        with self.store.transaction():  # validated against the state it is stored into
            try:
                msg = validate(raw, now, self.store)
            except Rejected as e:
                self.rejected[(source, e.reason)] += 1
                raise
            new = self.store.add(msg, now, queue=queue)
        if new:
            self.announce(Stored(msg, source, queue))
        return msg, new

    def announce(self, event: Stored) -> None:
        """Count a newly stored message and tell the subscribers; an import's worker thread stores with an Ingest of
        its own and announces here, on the node's loop, once each batch is committed."""
        self.accepted[event.source] += 1
        for fn in list(self._subscribers):
            fn(event)

