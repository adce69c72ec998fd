"""One /antiport/sync/1 session, sans-IO (specs/05-sync.md §5): topic negotiation, turns, envelope batches,
which ids to accept and which to send, the end of the session, its limits and progress counters.

In the shape of h11: the driver feeds the bytes it reads to `receive_data()` (b"" when the peer closed)
and asks `next_event()` what to do, until `Done`:

- `NEED_DATA`: read from the stream and call `receive_data()`.
- `Send(data)`: write these bytes (one whole message, varint length included).
- `TopicStarted(topic)`: the reconciliation of a topic starts (for timestamps and counters).
- `Received(topic, id, raw)`: an envelope the peer sent that this side asked for; validate and store it,
  then call `stored(event)` or `refused(event, reason)`. `received(limit)` gives the ones queued behind it, to
  store a batch at once.
- `Done()`: the session is complete; close the stream.

The driver supplies the data: `items(topic)` gives the (created, id) pairs this side holds in a topic,
read when the topic starts; `envelope(id)` the raw envelope of an id it holds (None if gone since).
A peer that breaks the protocol raises RemoteProtocolError; using the session wrongly, LocalProtocolError.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .envelope import load, message_id
from .sync import (
    MAX_FRAME,
    Have,
    LocalProtocolError,
    Need,
    Reconciler,
    RemoteProtocolError,
)
from .sync_wire import NEED_DATA, NeedData, Reader, encode_message
from .terms import waits_for
from .topics import is_slug

BATCH_BYTES = 512 * 1024     # envelope bytes per turn
MAX_TOPICS = 256             # topics offered in a hello
MAX_TURNS = 5_000            # per session; the reconcilers' round limits bound frames, this bounds idling


@dataclass(frozen=True)
class Send:
    data: bytes


@dataclass(frozen=True)
class TopicStarted:
    topic: str


@dataclass(frozen=True)
class Received:
    topic: str
    id: bytes
    raw: bytes


@dataclass(frozen=True)
class Done:
    pass


@dataclass
class TopicProgress:
    """One topic of this session: ids known to be missing here (the peer has them), fetched, rejected; ids the
    peer lacks (we have them), sent; frames received."""
    state: str = "reconciling"   # then "fetching", "done" ("incomplete" when the session ended with some pending)
    known: int = 0
    lacking: int = 0
    fetched: int = 0
    rejected: int = 0
    sent: int = 0
    rounds: int = 0

    @property
    def pending(self) -> int:
        return self.known - self.fetched - self.rejected


Event = Send | TopicStarted | Received | Done


class Session:
    """Both roles of one session. `topics` are the ones this side offers (which ones is the driver's policy;
    the meta topic is added); `items` and `envelope` read this side's messages (see the module docstring)."""

    def __init__(self, initiator: bool, topics: Iterable[str],
                 items: Callable[[str], Iterable[tuple[int, bytes]]], envelope: Callable[[bytes], bytes | None],
                 *, frame_limit: int = MAX_FRAME, batch_bytes: int = BATCH_BYTES, max_turns: int = MAX_TURNS):
        self.initiator = initiator
        self.offered = sorted(set(topics) | {""})[:MAX_TOPICS]  # the rest wait for a version that pages
        self.topics: list[str] = []            # agreed, reconciled in this order
        self.progress: dict[str, TopicProgress] = {}  # the topics started so far
        self._items, self._envelope = items, envelope
        self._frame_limit, self._batch_bytes, self._max_turns = frame_limit, batch_bytes, max_turns
        self._reader = Reader()
        self._events: deque[Event] = deque()
        self._state = "hello"                  # then "turns", "done", "broken"
        self._my_turn, self._peer_idle, self._turns = initiator, True, 0
        self._index = -1                       # the topic being reconciled
        self._rec: Reconciler | None = None
        self._reply: bytes | None = None       # our next frame
        self._needed: dict[bytes, str] = {}    # id -> topic, ids the peer will send us
        self._to_send: deque[tuple[str, bytes]] = deque()
        self._parked: dict[str, list[Received]] = {}  # missing ref -> envelopes waiting for it
        if initiator:
            self._send({"topics": self.offered})

    # -- the driver's side ------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Bytes read from the stream; b"" when the peer closed its side."""
        self._reader.feed(data)

    def next_event(self) -> Event | NeedData:
        if self._state == "broken":
            raise LocalProtocolError("the session already failed")
        try:
            while not self._events:
                if self._state == "done":
                    raise LocalProtocolError("the session is over")
                if not self._step():
                    return NEED_DATA
            return self._events.popleft()
        except RemoteProtocolError:
            self._state = "broken"
            raise

    def received(self, limit: int) -> list[Received]:
        """Up to `limit` more of the envelopes already queued (what `next_event` would give next, one at a time), so
        that the driver can store them together; it then calls `stored` or `refused` for each, in order."""
        out: list[Received] = []
        while self._events and isinstance(self._events[0], Received) and len(out) < limit:
            out.append(self._events.popleft())  # type: ignore[arg-type]
        return out

    def stored(self, event: Received) -> None:
        """The envelope of `event` was stored: count it, and retry the ones that were waiting for it."""
        self.progress[event.topic].fetched += 1
        self._events.extendleft(reversed(self._parked.pop(event.id.hex(), [])))
        self._settle(event.topic)

    def refused(self, event: Received, reason: str) -> None:
        """The envelope of `event` was refused with a reason of protocol.errors; one that refers to a message
        still to come in this session is retried when that message is stored."""
        if reason == "missing-ref":
            self._parked.setdefault(waits_for(load(event.raw)), []).append(event)
        else:
            self.progress[event.topic].rejected += 1
            self._settle(event.topic)

    # -- the state machine ------------------------------------------------------------------------------

    def _step(self) -> bool:
        """Advance by one message sent or received; False when waiting for bytes."""
        if self._state == "turns":
            if self._turns >= self._max_turns:
                raise RemoteProtocolError(f"more than {self._max_turns} turns")
            if self._my_turn:
                self._turns += 1
                self._our_turn()
                return True
        message = self._reader.next()
        if isinstance(message, NeedData):
            return False
        if self._state == "hello":
            self._hello(message)
        elif message is None:
            self._finish()
        else:
            self._turns += 1
            self._their_turn(message)
        return True

    def _hello(self, message: dict[str, Any] | None) -> None:
        theirs = _hello_topics(message)
        if self.initiator:
            if not set(theirs) <= set(self.offered):
                raise RemoteProtocolError("the answer names topics we did not offer")
            self.topics = theirs
        else:
            self.topics = sorted(set(theirs) & set(self.offered))
            self._send({"topics": self.topics})
        self._state = "turns"

    def _our_turn(self) -> None:
        topic, frame, rec = None, self._reply, self._rec
        self._reply = None
        if frame is None and (rec is None or rec.done) and self._index + 1 < len(self.topics):
            rec = self._start_topic()
            frame = rec.initiate()
        if frame is not None and rec is not None:  # a frame always comes from the current topic's reconciler
            topic = self.topics[self._index]
            self.progress[topic].rounds = rec.rounds
        msgs, size = [], 0
        while self._to_send and size < self._batch_bytes:
            t, mid = self._to_send.popleft()
            raw = self._envelope(mid)
            if raw is not None:
                msgs.append(raw)
                size += len(raw)
                self.progress[t].sent += 1
        if frame is None and not msgs and self._peer_idle:
            self._finish()
            return
        self._send({"topic": topic, "frame": frame, "msgs": msgs})
        self._my_turn = False

    def _their_turn(self, turn: dict[str, Any]) -> None:
        if set(turn) != {"topic", "frame", "msgs"} or not isinstance(turn["msgs"], list):
            raise RemoteProtocolError('a turn is {"topic", "frame", "msgs"}')
        if turn["frame"] is not None:
            self._take_frame(turn["topic"], turn["frame"])
        for raw in turn["msgs"]:
            self._take_envelope(raw)
        self._peer_idle = turn["frame"] is None and not turn["msgs"]
        self._my_turn = True

    def _start_topic(self) -> Reconciler:
        self._index += 1
        topic = self.topics[self._index]
        self.progress[topic] = TopicProgress()
        self._events.append(TopicStarted(topic))
        self._rec = Reconciler(self._items(topic), self._frame_limit)
        return self._rec

    def _take_frame(self, claimed: object, frame: object) -> None:
        if not isinstance(frame, bytes):
            raise RemoteProtocolError("a frame is a byte string")
        rec, following = self._rec, self.topics[self._index + 1:self._index + 2]
        if rec is not None and not rec.done and claimed == self.topics[self._index]:
            topic = self.topics[self._index]
        elif (rec is None or rec.done) and [claimed] == following:
            rec = self._start_topic()
            topic = self.topics[self._index]
        else:
            raise RemoteProtocolError(f"unexpected frame for topic {claimed!r}")
        events, self._reply = rec.receive(frame)
        progress = self.progress[topic]
        progress.rounds = rec.rounds
        for event in events:
            if isinstance(event, Need):
                self._needed.update((i, topic) for i in event.ids)
                progress.known += len(event.ids)
            elif isinstance(event, Have):
                self._to_send.extend((topic, i) for _, i in event.items)
                progress.lacking += len(event.items)
        if rec.done:
            progress.state = "fetching" if progress.pending else "done"

    def _take_envelope(self, raw: object) -> None:
        if not isinstance(raw, bytes):
            raise RemoteProtocolError("envelopes are byte strings")
        mid = bytes.fromhex(message_id(raw))
        topic = self._needed.pop(mid, None)
        if topic is None:
            raise RemoteProtocolError("sent a message we did not ask for")
        if _topic_of(raw) not in (topic, None):
            raise RemoteProtocolError("sent a message from another topic")
        self._events.append(Received(topic, mid, raw))

    def _settle(self, topic: str) -> None:
        progress = self.progress[topic]
        if progress.state == "fetching" and not progress.pending:
            progress.state = "done"

    def _finish(self) -> None:
        for waiting in self._parked.values():
            for event in waiting:
                self.progress[event.topic].rejected += 1
        self._parked.clear()
        for progress in self.progress.values():
            progress.state = "incomplete" if progress.pending else "done"
        self._state = "done"
        self._events.append(Done())

    def _send(self, value: dict[str, Any]) -> None:
        self._events.append(Send(encode_message(value)))


def _hello_topics(hello: object) -> list[str]:
    if not (isinstance(hello, dict) and set(hello) == {"topics"} and isinstance(hello["topics"], list)
            and len(hello["topics"]) <= MAX_TOPICS
            and all(isinstance(t, str) and (t == "" or is_slug(t)) for t in hello["topics"])
            and hello["topics"] == sorted(set(hello["topics"]))):
        raise RemoteProtocolError(f'hello is {{"topics": [at most {MAX_TOPICS} sorted unique slugs]}}')
    topics: list[str] = hello["topics"]
    return topics


def _topic_of(raw: bytes) -> str | None:
    """The topic an envelope claims, or None when it cannot be read (validation will then refuse it)."""
    try:
        return load(raw).topic
    except Exception:  # noqa: BLE001 -- any decoding error means the same here
        return None
