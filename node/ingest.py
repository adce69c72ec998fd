"""The one path into the store for every source, and the "stored" events everything else reacts to.

Messages from elsewhere (gossip, sync, import) are validated and stored; messages this node creates
(`create`, `write`: the service ops, the bridge, `init --name`) are signed, validated, stored and queued
for the network in one SQLite transaction, so a crash leaves each wholly there or wholly absent.
Every newly stored message is then announced to the subscribers (the node's live feed and gossip
wake-up, the bridge's journal scan); nobody calls them from the write sites.

In the running node (`group_commit`), messages from elsewhere join one transaction (group commit: a commit costs
more than storing a small message), committed as soon as the loop has nothing else to run, or GROUP_WINDOW
seconds after it opened when messages keep coming, and announced once it commits; a message created here
commits the group with it before `write` returns.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import trio
from antiport.crypto import Identity
from antiport.protocol import Message, Rejected, parse, sign
from antiport.protocol.intents import inert
from antiport.protocol.kinds import line_ends
from antiport.protocol.validate import check_context, check_stateless
from trio._core import wait_all_tasks_blocked  # trio.testing's, without importing trio.testing (and pytest)

from .home import now_ms
from .store import Store, StoreError

GROUP_WINDOW = 0.05   # seconds a group commit stays open at most, while the loop is never idle
GROUP_MAX = 500       # messages in one group at most

log = logging.getLogger(__name__)


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
        self._nursery: trio.Nursery | None = None  # group commits once the node runs
        self._held: list[Stored] = []  # stored in the open group, announced when it commits

    def subscribe(self, fn: Callable[[Stored], None]) -> Callable[[], None]:
        """Call `fn(Stored)` after every newly stored message; returns the unsubscribe function."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn)

    def __call__(self, raw: bytes, now: int, source: str = "local") -> tuple[Message, bool]:
        """A message from elsewhere: returns (message, is_new); raises Rejected.
        `source` is a peer id, 'import', ..."""
        msg = self.check(raw, now, source)
        return msg, self.add(msg, now, source)

    def many(self, raws: list[bytes], now: int, source: str) -> list[Rejected | None]:
        """Messages from elsewhere that arrived together (a sync turn): all decoded and verified first, then stored
        in order (one may refer to one before it), per envelope None when it is held now (new or not), else why it
        was refused. Doing each step for the whole batch is about a tenth quicker than a message at a time
        (docs/performance.md)."""
        checked: list[Message | Rejected] = []
        for raw in raws:
            try:
                checked.append(self.check(raw, now, source))
            except Rejected as e:
                checked.append(e)
        out: list[Rejected | None] = []
        for item in checked:
            if isinstance(item, Message):
                try:
                    self.add(item, now, source)
                    item = None
                except Rejected as e:
                    item = e
            out.append(item)
        return out

    def check(self, raw: bytes, now: int, source: str = "local") -> Message:
        """Decode and verify an envelope and check the rules that need no store (Rejected, counted)."""
        try:
            msg = parse(raw, now)
            check_stateless(msg)
        except Rejected as e:
            self.rejected[(source, e.reason)] += 1
            raise
        return msg

    def add(self, msg: Message, now: int, source: str) -> bool:
        """Store a message `check` passed, checked against the store in the transaction it is stored in (once
        the node runs, the group's); True when it is new. Raises Rejected (counted)."""
        if self._nursery is None:
            with self.store.transaction():
                new = self._add(msg, now, source, queue=False)
            if new:
                self.announce(Stored(msg, source, False))
            return new
        if not self.store.held:
            self._nursery.start_soon(self._commit_later)
        with self.store.group():
            new = self._add(msg, now, source, queue=False)
        if new:
            self._held.append(Stored(msg, source, False))
            if len(self._held) >= GROUP_MAX:
                self.commit()
        return new

    def write(self, raw: bytes, now: int, source: str = "local",
              also: Callable[[Message], None] | None = None, publish: bool = True) -> Message:
        """A message created here (signed by any key this node holds): validated, stored and queued for the
        network in one transaction (with the open group, if any), `also(message)` in it too when it is new
        (what is recorded with it). Without `publish` it is not queued for gossip: sync alone carries it, without
        this node's peer id (an intent key's messages, specs/12 section 4). Raises Rejected; sqlite3 errors (a
        full disk) leave nothing behind."""
        return self._write(self.check(raw, now, source), now, source, also, publish)

    def create(self, identity: Identity, kind: str, topic: str, body: dict, refs: Iterable[str] = (), *,
               created: int | None = None, source: str = "local",
               also: Callable[[Message], None] | None = None, publish: bool = True) -> Message:
        """Sign a new message as `identity` and `write` it (with `also`, `publish`). Raises Rejected (an oversize
        body as well). What sign() returns already meets the envelope rules; it is not decoded and verified again."""
        now = now_ms()
        body = {k: line_ends(v) if isinstance(v, str) else v for k, v in body.items()}  # pasted CR LF, RT's mail
        try:
            msg = sign(identity, kind, topic, body, list(refs), created=now if created is None else created, now=now)
            check_stateless(msg)
        except Rejected as e:
            self.rejected[(source, e.reason)] += 1
            raise
        return self._write(msg, now, source, also, publish)

    def _write(self, msg: Message, now: int, source: str, also: Callable[[Message], None] | None,
               publish: bool) -> Message:
        with self.store.group() if self.store.held else self.store.transaction():
            new = self._add(msg, now, source, queue=publish)
            if new and also is not None:
                also(msg)
        self.commit()
        if new:
            self.announce(Stored(msg, source, publish))
        return msg

    def _add(self, msg: Message, now: int, source: str, queue: bool) -> bool:
        try:
            check_context(msg, self.store)
        except Rejected as e:
            self.rejected[(source, e.reason)] += 1
            raise
        if msg.kind == "offer" and inert(msg.created, self.store.withdrawn_at(msg.target)):
            self.rejected[(source, "withdrawn")] += 1  # valid, but for a withdrawn intent: dropped (specs/12 s. 3)
            return False
        return self.store.add(msg, now, queue=queue)

    def group_commit(self, nursery: trio.Nursery | None) -> None:
        """From now on, group messages from elsewhere into transactions committed by tasks in `nursery`; None: no
        longer (what is open commits now)."""
        self._nursery = nursery
        if nursery is None:
            self.commit()

    def commit(self) -> None:
        """Commit the open group and announce what it stored (StoreError when the commit failed: nothing of it
        was stored, and sync brings it again)."""
        held, self._held = self._held, []
        self.store.release()
        for event in held:
            self.announce(event)

    async def _commit_later(self) -> None:
        with trio.move_on_after(GROUP_WINDOW):
            await wait_all_tasks_blocked()  # every task waits (for the network, a timer...): idle
        try:
            self.commit()
        except StoreError as e:
            log.warning("%s", e)

    def announce(self, event: Stored) -> None:
        """Count a newly stored message and tell the subscribers; an import's worker thread stores with an Ingest of
        its own and announces here, on the node's loop, once each batch is committed."""
        self.accepted[event.source] += 1
        for fn in list(self._subscribers):
            fn(event)

