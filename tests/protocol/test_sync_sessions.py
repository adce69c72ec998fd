"""The sync session (protocol/sync_session.py): each role replays specs/vectors/sync-sessions.json byte for
byte; two sessions in memory move exactly the difference; envelopes waiting for a reference, limits and
broken streams."""
from __future__ import annotations

import hashlib

import pytest
from antiport.crypto import Identity
from antiport.protocol import load, sign
from antiport.protocol.sync import LocalProtocolError, RemoteProtocolError
from antiport.protocol.sync_session import (
    Done,
    Received,
    Send,
    Session,
    TopicStarted,
)
from antiport.protocol.sync_wire import MAX_MESSAGE, NEED_DATA, Reader, encode_message
from spec_vectors import vectors

pytestmark = pytest.mark.fast

SESSIONS = vectors("sync-sessions.json")["sessions"]
ROLES = [(s, role) for s in SESSIONS for role in ("initiator", "responder") if role in s]
T0 = 1_767_225_600_000
TOPIC = "acme/widget"


def replaying(entry: dict, role: str) -> Session:
    side = entry[role]
    items = {t: [(c, bytes.fromhex(i)) for c, i in pairs] for t, pairs in side["items"].items()}
    envelopes = {bytes.fromhex(load(bytes.fromhex(r)).id): bytes.fromhex(r) for r in side["envelopes"]}
    return Session(role == "initiator", side["followed"], lambda t: items.get(t, []), envelopes.get,
                   batch_bytes=entry["batch_bytes"])


def next_step(session: Session, received: list[str]):
    """The session's next Send or Done (or NEED_DATA); envelopes it receives are stored as they come."""
    while True:
        event = session.next_event()
        if isinstance(event, Received):
            received.append(event.id.hex())
            session.stored(event)
        elif not isinstance(event, TopicStarted):
            return event


@pytest.mark.parametrize(("entry", "role"), ROLES, ids=[f"{s['name']} / {r}" for s, r in ROLES])
def test_replay(entry, role):
    session, received = replaying(entry, role), []
    for step in entry["transcript"]:
        if step["from"] != role:
            session.receive_data(bytes.fromhex(step["hex"]) if "hex" in step else b"")
        elif "hex" in step:
            event = next_step(session, received)
            assert isinstance(event, Send) and event.data.hex() == step["hex"]
        elif "close" in step:
            assert isinstance(next_step(session, received), Done)
        else:
            with pytest.raises(RemoteProtocolError):
                next_step(session, received)
    if f"{role}_received" in entry:
        assert received == entry[f"{role}_received"]


# -- two sessions in memory -------------------------------------------------------------------------------

class Holder:
    """One side's messages; `accept` decides what its driver's validation says about an envelope."""

    def __init__(self, raws=(), accept=lambda holder, raw: None):
        self.held = {load(r).id: r for r in raws}
        self.accept = accept

    def items(self, topic):
        return [(m.created, bytes.fromhex(m.id)) for m in map(load, self.held.values()) if m.topic == topic]

    def envelope(self, message_id):
        return self.held.get(message_id.hex())

    def session(self, initiator, **limits):
        return Session(initiator, [TOPIC], self.items, self.envelope, **limits)


def run(a: Holder, b: Holder, sent: list | None = None, **limits) -> dict[Holder, Session]:
    """Drive both sessions to Done; each stores what its `accept` lets through. `sent` collects a's messages."""
    sessions = {a: a.session(True, **limits), b: b.session(False, **limits)}
    inbox, done = {a: [], b: []}, set()
    while len(done) < 2:
        for holder, session in sessions.items():
            other = b if holder is a else a
            event = NEED_DATA if holder in done else session.next_event()
            if event is NEED_DATA and inbox[holder]:
                session.receive_data(inbox[holder].pop(0))
            elif event is NEED_DATA and other in done and holder not in done:
                session.receive_data(b"")
            elif isinstance(event, Send):
                inbox[other].append(event.data)
                if holder is a and sent is not None:
                    sent.append(event.data)
            elif isinstance(event, Received):
                reason = holder.accept(holder, event.raw)
                if reason:
                    session.refused(event, reason)
                else:
                    holder.held[event.id.hex()] = event.raw
                    session.stored(event)
            elif isinstance(event, Done):
                done.add(holder)
    return sessions


def person(k: int) -> Identity:
    return Identity(hashlib.blake2b(f"sessions/{k}".encode(), digest_size=32).digest())


def requests(n: int, seed: str) -> list[bytes]:
    return [sign(person(k), "request", TOPIC, {"title": f"{seed} {k}", "text": "?"}, created=T0 + k).raw
            for k in range(n)]


def test_both_sides_end_holding_the_union_and_count_it():
    shared = requests(50, "shared")
    a, b = Holder(shared + requests(7, "a")), Holder(shared + requests(3, "b"))
    sessions = run(a, b)
    assert set(a.held) == set(b.held) and len(a.held) == 60
    pa, pb = sessions[a].progress[TOPIC], sessions[b].progress[TOPIC]
    assert (pa.known, pa.fetched, pa.sent, pa.state) == (3, 3, 7, "done")
    assert (pb.known, pb.fetched, pb.sent, pb.state) == (7, 7, 3, "done")
    assert list(sessions[a].progress) == ["", TOPIC]  # the meta topic is always offered, and first


def test_an_envelope_before_its_reference_is_retried_when_the_reference_arrives():
    # the answer sorts before its request (an earlier created time), so it arrives first
    request = sign(person(1), "request", TOPIC, {"title": "late", "text": "?"}, created=T0 + 10)
    answer = sign(person(2), "answer", TOPIC, {"text": "early"}, [request.id], created=T0)

    def validate(holder, raw):
        refs = load(raw).refs
        return "missing-ref" if refs and refs[0] not in holder.held else None
    a, b = Holder([request.raw, answer.raw]), Holder(accept=validate)
    progress = run(a, b)[b].progress[TOPIC]
    assert set(b.held) == {request.id, answer.id}
    assert (progress.known, progress.fetched, progress.rejected, progress.state) == (2, 2, 0, "done")


def test_envelopes_still_waiting_at_the_end_count_as_rejected():
    answer = sign(person(2), "answer", TOPIC, {"text": "orphan"}, ["ab" * 32], created=T0)
    b = Holder(accept=lambda holder, raw: "missing-ref")
    progress = run(Holder([answer.raw]), b)[b].progress[TOPIC]
    assert not b.held
    assert (progress.known, progress.fetched, progress.rejected, progress.state) == (1, 0, 1, "done")


def test_refused_envelopes_are_counted_and_the_session_goes_on():
    a, b = Holder(requests(5, "r")), Holder(accept=lambda holder, raw: "bad-signature")
    progress = run(a, b)[b].progress[TOPIC]
    assert (progress.known, progress.rejected, progress.pending) == (5, 5, 0)


def test_batches_stop_once_past_the_budget():
    a, b, sent = Holder(requests(30, "batch")), Holder(), []
    run(a, b, sent, batch_bytes=1000)
    assert len(b.held) == 30
    reader = Reader()
    reader.feed(b"".join(sent))
    batches = [m["msgs"] for m in iter(reader.next, NEED_DATA) if m.get("msgs")]
    assert len(batches) > 1 and sum(map(len, batches)) == 30
    assert all(sum(map(len, batch[:-1])) < 1000 for batch in batches)  # the last one added passes it


def test_a_session_that_never_ends_is_cut_at_the_turn_limit():
    a, b = Holder(requests(40, "a")), Holder(requests(40, "b"))
    with pytest.raises(RemoteProtocolError, match="turns"):
        run(a, b, max_turns=3)


def test_using_a_finished_session_is_a_local_error():
    sessions = run(Holder(), Holder())
    with pytest.raises(LocalProtocolError):
        next(iter(sessions.values())).next_event()


# -- the stream ----------------------------------------------------------------------------------------------

def responder() -> Session:
    return Holder().session(False)


@pytest.mark.parametrize(("data", "why"), [
    (b"\xff\xff\xff\xff\x0f", "over"),                       # a length far over the limit
    (b"\x81\x00", "not minimal"),                             # a length with a needless zero byte
    (encode_message({"topics": ["", TOPIC]})[:-1], "inside a message"),  # cut, then the end
    (b"\x03\xff\xfe\x00", "CBOR"),
    (encode_message({"topics": [TOPIC, ""]}), "sorted"),
    (b"", "hello"),                                           # the end before any hello
])
def test_broken_streams_are_the_peers_fault(data, why):
    session = responder()
    session.receive_data(data)
    with pytest.raises(RemoteProtocolError, match=why):
        while session.next_event() is NEED_DATA:
            session.receive_data(b"")
    with pytest.raises(LocalProtocolError):
        session.next_event()


def test_a_long_message_is_read_as_it_arrives():
    reader = Reader()
    data = encode_message({"msgs": [b"x" * (MAX_MESSAGE - 100)]})
    for k in range(0, len(data), 65_536):
        assert reader.next() is NEED_DATA
        reader.feed(data[k:k + 65_536])
    assert reader.next() == {"msgs": [b"x" * (MAX_MESSAGE - 100)]}
    assert reader.next() is NEED_DATA
    reader.feed(b"")
    assert reader.next() is None
