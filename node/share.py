"""Passing a thread on (specs/13): `share` seals a thread, with a note, to each person chosen; `crosspost` puts a
public pointer to it in another topic; `crossposts` lists the pointers in a topic. The ops join the registry when
this module is imported (node/client.py, node/api.py, node/readers.py).

The shares to this home's person are opened by her node (`service`, as they are stored, and at start for those
stored while it was not running) and kept opened in `shares_in`: the reader processes that answer the inbox hold
no key to open them. Her inbox lists them (node/inbox.py).
"""
from __future__ import annotations

import contextlib
from typing import Annotated

import trio
from antiport.crypto import Identity, SealError
from antiport.protocol import load
from antiport.protocol.share import NOTE, open_share, seal_share, share_problem, shared

from .ops import Arg, OpError, op
from .service import Ctx, Id, Topic, key_of, thread_root, topic_slug, write
from .store import Store, StoreError

Note = Annotated[str, Arg(f"a few words for them (at most {NOTE} characters)")]
LISTED = 100  # the newest pointers `crossposts` gives


@op(write=True)
def share(ctx: Ctx, id: Id, to: Annotated[list | None, Arg("a person's did (the option again for each more)")] = None,
          note: Note = "") -> dict:
    """Pass a thread on to people you choose: sealed to each one's key with your note, it appears in their inbox.
    Relays see that you sent them something, never which thread or what you wrote."""
    root = thread_root(ctx, id)
    keys = {did: key_of(did) for did in to or []}  # a bad did: one line, nothing sent
    if not keys:
        raise OpError("to whom? give at least one did with --to")
    if ctx.identity.did in keys:
        raise OpError("that is you: the thread is in your own store already")
    plain = shared(bytes.fromhex(root.id), root.topic, root.body["title"], note.strip())
    problem = share_problem(plain)
    if problem:
        raise OpError(f"cannot send: the {problem}")
    sent = [{"to": did, "id": write(ctx, "share", "", {"to": key, "sealed": seal_share(key, plain)})["id"]}
            for did, key in keys.items()]
    return {"thread": root.id, "sent": sent}


@op(write=True)
def crosspost(ctx: Ctx, id: Id, topic: Annotated[str, Arg("the other topic: vendor/product")], note: Note = "") -> dict:
    """Point to a thread from another topic, in public: whoever follows that topic sees its title and your note."""
    root = thread_root(ctx, id)
    into = topic_slug(topic)
    if into == root.topic:
        raise OpError(f"the thread is in {into} already: cross-post it into another topic")
    body = {"thread": bytes.fromhex(root.id), "source": root.topic, "title": root.body["title"]}
    return write(ctx, "crosspost", into, {**body, "note": note.strip()} if note.strip() else body)


@op()
def crossposts(ctx: Ctx, topic: Topic) -> list:
    """The pointers to threads of other topics posted in a topic, newest first, with the thread's own title when
    this node holds it; not those of people you muted."""
    out = []
    for raw in ctx.store.crossposts_in(topic_slug(topic), LISTED):
        msg = load(raw)
        thread = msg.body["thread"].hex()
        root = ctx.store.get(thread)
        if root is not None and (root.kind not in ("request", "complaint") or root.topic != msg.body["source"]):
            continue  # a pointer that says something else than the thread it names (specs/13 section 4)
        out.append({"id": msg.id, "author": msg.author_did, "created": msg.created, "thread": thread,
                    "source": msg.body["source"], "title": root.body["title"] if root else msg.body["title"],
                    "note": msg.body.get("note", ""), "held": root is not None})
    return out


def open_new(store: Store, identity: Identity) -> int:
    """Open the shares to `identity` not opened yet and keep what they hold (or why they did not open)."""
    rows = store.shares_unopened(identity.did)
    for id, raw in rows:
        try:
            store.keep_share(id, open_share(identity, load(raw).body["sealed"]), "")
        except SealError as e:
            store.keep_share(id, {}, str(e))
    return len(rows)


async def service(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
    """A node service: opens the shares to the node's identity as they are stored, before the live feed tells
    of them (a screen then reloads its inbox with them in it), and at start those stored while it was not
    running. A store that cannot write leaves them for the next share or start."""
    if node.identity is None:
        task_status.started()
        return
    mine = node.identity.public_key

    def stored(event) -> None:
        if event.message.kind == "share" and event.message.body.get("to") == mine:
            with contextlib.suppress(StoreError):
                open_new(node.store, node.identity)

    unsubscribe = node.ingest.subscribe(stored)
    try:
        open_new(node.store, node.identity)
        task_status.started()
        await trio.sleep_forever()
    finally:
        unsubscribe()
