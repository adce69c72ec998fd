"""The person's inbox: what changed in the threads they follow, vendor promises now overdue, and threads others
passed on to them (specs/13: a share, opened by the node, node/share.py).

A thread is followed when this home's identity asked in it or answered in it, or when it was watched by hand
(`watch`); `unwatch` mutes even those. An item is a message someone else wrote there since the thread was
followed (an answer, a status, a resolve, an accept of an answer), or an **overdue promise**: the thread's
latest status carries a `due` that has passed, with no newer status or resolve (specs/02 section 2,
promises). Items are read or unread per home (`inbox_read`); reading a thread marks its items read.
"""
from __future__ import annotations

from antiport.protocol import load
from antiport.protocol.kinds import thread_order

from .store import Store

UNREAD_MAX = 1000  # unread items counted at most ("999+" beyond): the header's count stays one query
OVERDUE = "overdue:"  # the item id of an overdue promise: this prefix and the status's id


def items(store: Store, me: str, now: int, limit: int = 50, unread_only: bool = True) -> list[dict]:
    """The newest items first: news, and overdue promises at the time they fell due."""
    out = [_news(store, message_id, root, received) for message_id, root, received in
           store.inbox_news(me, limit, unread_only)]
    out += [_shared(store, row) for row in store.inbox_shares(me, limit, unread_only)]
    out += overdue(store, me, now)
    read = store.read_items([i["item"] for i in out]) if out else set()
    for i in out:
        i["read"] = i["item"] in read
    if unread_only:
        out = [i for i in out if not i["read"]]
    out.sort(key=lambda i: (-i["at"], i["item"]))
    return out[:limit]


def unread(store: Store, me: str, now: int) -> int:
    """Unread items, counted without reading them (the TUI's header asks after every answer it hears of)."""
    late = [i["item"] for i in overdue(store, me, now)]
    late_read = len(store.read_items(late)) if late else 0
    return store.inbox_unread(me, UNREAD_MAX) + store.shares_unread(me, UNREAD_MAX) + len(late) - late_read


def unread_ids(store: Store, me: str, now: int) -> list[str]:
    """Every unread item's id (what "mark all read" marks)."""
    news = [message_id for message_id, _, _ in store.inbox_news(me, UNREAD_MAX, unread_only=True)]
    shared = [row[0] for row in store.inbox_shares(me, UNREAD_MAX, unread_only=True)]
    return news + shared + [i["item"] for i in overdue(store, me, now)]


def overdue(store: Store, me: str, now: int) -> list[dict]:
    """Promises that stand (their thread's latest status or resolve is that status) and are past due."""
    latest: dict[str, object] = {}
    for root, raw in store.followed_statuses(me):
        msg = load(raw)
        if root not in latest or thread_order(msg) > thread_order(latest[root]):
            latest[root] = msg
    out = []
    for root, msg in latest.items():
        due = msg.body.get("due") if msg.kind == "status" else None
        if isinstance(due, int) and due < now:
            out.append({**_about(store, root), "item": OVERDUE + msg.id, "kind": "overdue", "message": msg.id,
                        "author": msg.author_did, "at": due,
                        "text": f"promised {msg.body['state']} by then{_note(msg)}"})
    return out


def thread_items(store: Store, me: str, root: str, now: int) -> list[str]:
    """The ids of every item of one thread (read or not): what opening the thread marks read."""
    news = [message_id for message_id, _, _ in store.inbox_news(me, UNREAD_MAX, unread_only=False, root=root)]
    news += [row[0] for row in store.inbox_shares(me, UNREAD_MAX, unread_only=False, thread=root)]
    return news + [i["item"] for i in overdue(store, me, now) if i["thread"] == root]


def _news(store: Store, message_id: str, root: str, received: int) -> dict:
    msg = store.get(message_id)
    assert msg is not None  # the query found it
    text = {"answer": lambda: msg.body["text"], "status": lambda: msg.body["state"] + _note(msg),
            "resolve": lambda: "resolved by the asker", "accept": lambda: "an answer was accepted"}[msg.kind]()
    return {**_about(store, root), "item": msg.id, "kind": msg.kind, "message": msg.id, "author": msg.author_did,
            "at": received, "text": text.split("\n", 1)[0][:200]}


def _shared(store: Store, row: tuple) -> dict:
    """A thread passed on to her (specs/13): its title and topic as the sender's share says, with the note, and
    whether this node holds the thread (else she follows its topic to read it)."""
    id, author, received, thread, topic, title, note = row
    return {"thread": thread, "topic": topic, "title": title, "item": id, "kind": "share", "message": id,
            "author": author, "at": received, "text": note.split("\n", 1)[0][:200] or "passed this thread on to you",
            "held": store.has(thread)}


def _about(store: Store, root: str) -> dict:
    msg = store.get(root)
    return {"thread": root, "topic": msg.topic if msg else "", "title": msg.body.get("title", "") if msg else ""}


def _note(msg) -> str:
    return f": {msg.body['note']}" if msg.body.get("note") else ""
