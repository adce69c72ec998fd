"""Who may read her (issue 15 item 5): per vendor, whether her private parts and her contact card may be sealed to
its keys, and removing a relationship with the data this home keeps about it. The ops join the registry when this
module is imported (node/client.py, node/api.py, node/readers.py).

A vendor she denies gets no private part (`domains.seal_key` refuses, saying so), no card (`contact.vendors`
leaves it out, `contact set --vendor` refuses it) and no contact in an award. Local choices, never published.
What a vendor already received cannot be recalled from it: docs/design-notes.md says what that is.
"""
from __future__ import annotations

from . import contact
from .home import now_ms
from .ops import Command, OpError, op
from .service import Ctx, Did, key_of, write


@op(write=True, commands=(Command("private deny", "never seal your private parts or your card to this vendor"),))
def private_deny(ctx: Ctx, did: Did) -> dict:
    """Never seal your private parts, your contact card or an award's contact to this vendor's key: a private part
    in its topics is refused (say it without one, or ask elsewhere), your card skips it. Local, never published."""
    key_of(did)
    if did == ctx.identity.did:
        raise OpError("that is you")
    ctx.store.deny_private(did, now_ms())
    return {"did": did, "private": "denied"}


@op(write=True, commands=(Command("private allow", "let this vendor read your private parts again"),))
def private_allow(ctx: Ctx, did: Did) -> dict:
    """Let this vendor read your private parts and your card again (it is still sealed only to a vendor you trust or
    whose domain is verified: specs/02 section 6)."""
    key_of(did)
    if not ctx.store.allow_private(did):
        raise OpError(f"{did} is not denied (see 'antiport private list')", 404)
    return {"did": did, "private": "allowed"}


@op(commands=(Command("private list", "the vendors you do not let read your private parts"),))
def private_list(ctx: Ctx) -> dict:
    """The vendors you do not let read your private parts or your card, with their names and since when."""
    names = {m.author_did: m.body["org"] for m in ctx.store.current_manifests()}
    return {"denied": [{"did": did, "org": names.get(did, ""), "since": since}
                       for did, since in ctx.store.private_denied().items()]}


@op(write=True)
def vendor_remove(ctx: Ctx, did: Did) -> dict:
    """End a relationship with a vendor: it is asked to erase your details (a sealed erasure request, answered
    by receipt) if it ever got your card, may no longer read your private parts, and this home forgets naming it
    for your card and trusting its key. What it already received cannot be recalled (docs/design-notes.md)."""
    key = key_of(did)
    if did == ctx.identity.did:
        raise OpError("that is you")
    had_card = any(m.body["to"] == key for m in ctx.store.contacts_by(ctx.identity.did))
    removed = ctx.store.drop_relationship(did)
    ctx.store.deny_private(did, now_ms())
    erasure = contact.send(lambda kind, body: write(ctx, kind, "", body), [did], None) if had_card else []
    return {"did": did, "removed": removed, "private": "denied", "erasure": erasure[0]["id"] if erasure else None,
            "kept": "the messages you signed (your requests in its topics, the cards and private parts sealed to"
                    " it) stay on the network; what it read of them cannot be recalled"}

