"""Operations called as the API calls them, by a cast of people sharing one store (tests without a node)."""
from __future__ import annotations

from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.service import OPS, Ctx
from antiport.node.store import Store


def call(ctx: Ctx, op: str, **params):
    return OPS[op](ctx, params)


def cast(path, *names: str) -> dict[str, Ctx]:
    """One Ctx per name, all on the store at `path`, each with a key of its own (the same keys every run)."""
    store = Store(path)
    ingest = Ingest(store)
    return {name: Ctx(store, ingest, Identity(bytes([i + 1]) * 32)) for i, name in enumerate(names)}
