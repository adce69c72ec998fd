"""The operations behind every command: used by the HTTP API (node running) and the CLI (offline).

Each operation is a plain function `op(ctx, **params) -> JSON-able`; `ctx` gives the store, the
ingest path and the identity. Writes sign, validate and store the message, and put it in the outbox;
a running node publishes the outbox (it is told to right away), an offline home when it next runs.
"""
from __future__ import annotations

import hashlib
import io
import mmap
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, BinaryIO

from antiport.crypto import BadKey, Identity, did_from_key, key_from_did, seal
from antiport.protocol import KINDS, STATES, BadTopic, Message, Rejected, normalise
from antiport.protocol.codec import encode
from antiport.protocol.kinds import BOUNTY_MAX, CLAIM_MINUTES, LABELS, LANG_TAG, THREAD_ROOTS, thread_order
from antiport.protocol.sequence import NotWellFormed, item_end

from . import attachments, contact, expert_queue, figures, inbox, keyring
from .domains import CannotSeal, seal_key
from .home import Home, now_ms
from .ingest import Ingest
from .labels import EFFECTS, SCORES_MAX_AGE, VALUES, Moderation, effects
from .ledger import ledger_for
from .ledger import names as ledger_names
from .ops import OPS, Arg, Command, OpError, op  # noqa: F401 -- OPS and OpError are service's API too
from .paging import LIMIT, After, Before, Limit, Oldest, Window, cut, page
from .store import Store, StoreError
from .terms_docs import naming
from .vendors import vendor as vendor_row
from .vendors import vendors as vendor_rows


@dataclass
class Ctx:
    store: Store
    ingest: Ingest
    identity: Identity
    name: str = ""
    node: object | None = None  # the running Node, when there is one
    home: Home | None = None  # the home, for the ops that use its keys (specs/10); readers have none


# Parameters as the commands and the API describe them (node/ops.py)
Id = Annotated[str, Arg("a message id, or a unique prefix of 6+ hex digits", positional=True)]
Topic = Annotated[str, Arg("a product topic: vendor/product", positional=True)]
Did = Annotated[str, Arg("an identity: did:key:z6Mk...", positional=True)]
Lang = Annotated[str, Arg("the language you write it in, a BCP 47 tag: de, pt-BR, zh-Hant (readers label and "
                          "filter by it)")]
Shown = Annotated[str, Arg("visible: leave out what your labelers hide; all: include it, saying why",
                           choices=("visible", "all"), switch="all")]
Attach = Annotated[list | None, Arg("a file to attach (the option again for each more, up to 8); paths as the node"
                                    " sees them", path=True)]


# -- helpers ---------------------------------------------------------------------------------------

def topic_slug(text: str) -> str:
    try:
        return normalise(text)
    except BadTopic as e:
        raise OpError(str(e)) from None


def key_of(did: str) -> bytes:
    try:
        return key_from_did(did)
    except BadKey as e:
        raise OpError(str(e)) from None


def full_id(ctx: Ctx, ref: str) -> str:
    found = ctx.store.resolve_id(ref.strip())
    if not found:
        raise OpError(f"no message with id {ref!r} (give the full id or a unique prefix of 6+ hex digits)", 404)
    return found


def message(ctx: Ctx, ref: str) -> Message:
    return ctx.store.get(full_id(ctx, ref))


def to_json(msg: Message, store: Store) -> dict:
    """A message for people: `author` is the identity it speaks for (specs/10), `signer` its key when another."""
    body = {k: _plain(v) for k, v in msg.body.items()}
    if isinstance(msg.body.get("to"), bytes):
        body["to"] = did_from_key(msg.body["to"])
    author, signer = store.speaker(msg)
    return {"id": msg.id, "kind": msg.kind, "author": author, "topic": msg.topic,
            "created": msg.created, "refs": list(msg.refs), "body": body, **({"signer": signer} if signer else {})}


def _plain(value):
    """A body value as JSON: byte strings in hex (also inside `files`)."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else value


RETRY_WINDOW = 24 * 3600 * 1000  # ms: the same write request again within a day is a retry (design notes)
ADDING = (*THREAD_ROOTS, "answer", "report")  # kinds of which every message counts: a retry must not add one


def write(ctx: Ctx, kind: str, topic: str, body: dict, refs=(), request: dict | None = None,
          blobs: list[tuple[bytes, bytes]] = (), signer: Identity | None = None,
          also: Callable[[Message], None] | None = None, created: int | None = None) -> dict:
    """Sign, validate, store and queue a message as this node's identity (the one write path, Ingest.create);
    as `signer` instead (an intent's key, specs/12), not queued for gossip, and `also(msg)` in its transaction.
    A message of an ADDING kind that repeats a write request carried out within RETRY_WINDOW (the same
    kind, topic, refs and `request`: the body as the user gave it, `body` unless said) is not made again:
    its client may have timed out after it was stored. The result is that message's id, `already` true.
    `blobs` (hash, bytes): the attachments `body` lists, stored with the message."""
    now = now_ms()
    key = retry_key(ctx, kind, topic, refs, body if request is None else request) if kind in ADDING else None
    prior = ctx.store.sent(key, now - RETRY_WINDOW) if key else None  # writes run one at a time (the loop)
    if prior:
        return {"id": prior, "already": True}
    keep = attachments.keep(ctx.store, list(blobs))

    def recorded(msg: Message) -> None:
        keep(msg)
        if key:
            ctx.store.remember_sent(key, msg.id, now, now - RETRY_WINDOW)
        if also is not None:
            also(msg)
    try:
        msg = ctx.ingest.create(signer or ctx.identity, kind, topic, body, refs, also=recorded,
                                publish=signer is None, created=created)
    except Rejected as e:
        raise OpError(_explain(e, kind)) from None
    except StoreError as e:
        raise OpError(str(e), 507) from None
    return {"id": msg.id}


def retry_key(ctx: Ctx, kind: str, topic: str, refs, request: dict) -> bytes:
    """What tells one write request from another: a digest of who writes what, where, as the user gave it."""
    return hashlib.blake2b(encode([ctx.identity.public_key, kind, topic, list(refs), request]),
                           digest_size=32).digest()


def _explain(e: Rejected, kind: str) -> str:
    return {"not-asker": "only the person who asked can do that",
            "not-vendor": "only a key named in the vendor's manifest for this topic can set a status",
            "not-author": "only the author can retract a message",
            "empty-text": f"nothing to send: the {e.detail}",
            "self-vote": "you cannot thank yourself" if kind == "thanks" else "you cannot vote on your own message",
            "bad-body": f"cannot send: the {e.detail}",
            "bad-text": f"cannot send: the {e.detail}, a control character: remove it",
            "oversize": f"the message is too large ({e.detail}): shorten it"}.get(e.reason, str(e))


def reply(ctx: Ctx, kind: str, ref: str, body: dict, attach: list | None = None) -> dict:
    target = message(ctx, ref)
    files, blobs = attachments.read(attach or [])
    request = {**body, "attach": [h.hex() for h, _ in blobs]} if blobs else body
    return write(ctx, kind, target.topic, {**body, "files": files} if files else body, [target.id], request, blobs)


# -- identity and topics ---------------------------------------------------------------------------

@op(live=True)
def id_(ctx: Ctx) -> dict:
    """This node's identity (named by its newest profile, else the home's name); peer id and listen
    addresses while it runs."""
    did = ctx.identity.did
    out = {"did": did, "name": ledger_names(ctx.store, [did])[did] or ctx.name, "running": ctx.node is not None}
    if ctx.node is not None:
        out.update(peer_id=ctx.node.peer_id, addrs=ctx.node.listen_addrs())
    return out


# -- the identity's keys (specs/10) -----------------------------------------------------------------

@op(commands=(Command("device list", "an identity's keys (yours by default): current key, devices, revoked"),))
def devices(ctx: Ctx, identity: Annotated[str | None, Arg("an identity: did:key:z6Mk... (default: yours)")] = None
            ) -> dict:
    """An identity's keys as the key log held here says: current key, delegated devices, revoked devices."""
    return keyring.describe(ctx.store, did_from_key(key_of(identity.strip())) if identity else ctx.identity.did)


@op(write=True, commands=(Command("device add", "delegate a new device to your identity"),))
def device_add(ctx: Ctx, token: Annotated[str, Arg("what 'antiport device request' printed on the new device",
                                                    positional=True)]) -> dict:
    """Delegate a device: its messages count as yours everywhere until you revoke it."""
    with _key_errors():
        return {"device": keyring.add_device(ctx.ingest, ctx.identity, token)}


@op(write=True, commands=(Command("device revoke", "revoke a device: its later messages are refused"),))
def device_revoke(ctx: Ctx, device: Did) -> dict:
    """Revoke a device: the messages of it this node holds stay valid, every other one is refused."""
    did = did_from_key(key_of(device.strip()))
    with _key_errors():
        return {"device": did, "kept": keyring.revoke_device(ctx.ingest, ctx.identity, did)}


@op(write=True, commands=(Command("device request", "on a new device: become a device of IDENTITY"),))
def device_request(ctx: Ctx, identity: Did) -> dict:
    """Make this home a device of `identity`: prints the token to give to 'antiport device add' there."""
    did = did_from_key(key_of(identity.strip()))
    if ctx.home is None:
        raise OpError("this needs the home's key")
    own = ctx.store.owner(ctx.identity.public_key)
    if did == did_from_key(ctx.identity.public_key) or (own is not None and own.identity == ctx.identity.public_key):
        raise OpError("this home's key is an identity of its own: make the device's home with"
                      f" 'antiport init --device-of {did}'")
    ctx.home.save_keys(None, None, did)
    ctx.identity = ctx.identity.speaking_for(did)
    return {"identity": did, "device": did_from_key(ctx.identity.public_key),
            "token": keyring.device_token(ctx.identity, did)}


@op(write=True)
def key_rotate(ctx: Ctx) -> dict:
    """Rotate the identity to the next key its log committed to, and commit to a new one (kept in the home)."""
    if ctx.home is None:
        raise OpError("a rotation needs the home's keys")
    with _key_errors():
        ctx.identity = keyring.rotate(ctx.home, ctx.ingest, ctx.identity)
    if ctx.node is not None:
        ctx.node.identity = ctx.identity
    return keyring.describe(ctx.store, ctx.identity.did)


@contextmanager
def _key_errors() -> Iterator[None]:
    try:
        yield
    except (keyring.KeyLogError, BadKey) as e:
        raise OpError(str(e)) from None


@op(write=True)
def follow(ctx: Ctx, topic: Topic) -> dict:
    """Follow a product topic (vendor/product)."""
    slug = topic_slug(topic)
    ctx.store.follow(slug, now_ms())
    return {"topic": slug, "following": True}


@op(write=True)
def unfollow(ctx: Ctx, topic: Topic) -> dict:
    """Stop following a product topic."""
    slug = topic_slug(topic)
    if not ctx.store.unfollow(slug):
        raise OpError(f"not following {slug}", 404)
    return {"topic": slug, "following": False}


@op()
def topics(ctx: Ctx) -> list:
    """Followed topics with message, thread and unanswered counts."""
    out = []
    for slug in ctx.store.followed():
        threads, unanswered = ctx.store.thread_counts(slug)
        out.append({"topic": slug, "messages": ctx.store.count(slug), "threads": threads, "unanswered": unanswered})
    return out


# -- writing ---------------------------------------------------------------------------------------

@op(write=True, commands=(Command("ask", "post a request in a product topic", {"kind": "request"}),
                           Command("complain", "post a complaint in a product topic", {"kind": "complaint"})))
def ask(ctx: Ctx, topic: Topic, title: Annotated[str, Arg("the question or complaint in one line")],
        text: Annotated[str, Arg("the whole story")],
        kind: Annotated[str, Arg("request or complaint", choices=THREAD_ROOTS)] = "request",
        private_text: Annotated[str | None, Arg("a part only the topic's vendor can read (sealed to its key)")] = None,
        lang: Lang = "", attach: Attach = None) -> dict:
    """Ask for help (kind=request) or complain (kind=complaint) in a product topic; follows it. With a private
    part, the attached files are sealed with it (specs/09 section 3). It names your terms if you set them."""
    slug = topic_slug(topic)
    body = {"title": title.strip(), "text": text, **written_in(lang)}
    request = {**body, "private_text": private_text} if private_text else body  # what a retry repeats
    request = {**request, "attach": [str(a) for a in attach]} if attach else request
    sealed_to, vendor_key = None, None
    if private_text:  # only to a vendor the customer can believe (specs/02 section 6), never dropped silently
        try:
            vendor_key, sealed_to = seal_key(ctx.store, slug)
        except CannotSeal as e:
            raise OpError(str(e), 409) from None
        body.update(private=seal(vendor_key, private_text.encode()), to=vendor_key)
    files, blobs = attachments.read(attach or [], vendor_key)
    if files:
        body["files"] = files
    body.update(naming(ctx, slug, ctx.identity))  # her terms, when she set them (specs/14)

    def follow(msg: Message) -> None:  # in the message's own transaction, not one of its own before it
        ctx.store.follow(slug, now_ms())
    return {**write(ctx, kind, slug, body, request=request, blobs=blobs, also=follow),
            **({"sealed_to": sealed_to} if sealed_to else {})}


@op(write=True)
def answer(ctx: Ctx, id: Id, text: Annotated[str, Arg("the answer")], lang: Lang = "", attach: Attach = None) -> dict:
    """Answer a request or complaint."""
    return reply(ctx, "answer", id, {"text": text, **written_in(lang)}, attach)


def written_in(lang: str) -> dict:
    """The body's `lang` (specs/02 section 2, rule 6), or nothing when the writer did not say."""
    lang = lang.strip()
    if lang and not LANG_TAG.fullmatch(lang):
        raise OpError(f"lang {lang!r} is not a language tag: write one such as de, pt-BR or zh-Hant (BCP 47)")
    return {"lang": lang} if lang else {}


@op(write=True)
def accept(ctx: Ctx, id: Id) -> dict:
    """Accept an answer to your own request."""
    return reply(ctx, "accept", id, {})


@op(write=True)
def vote(ctx: Ctx, id: Id,
         value: Annotated[str, Arg(choices=KINDS["vote"].body["value"].choices, positional=True)]) -> dict:
    """Vote a message up or down."""
    return reply(ctx, "vote", id, {"value": value})


@op(write=True)
def thank(ctx: Ctx, id: Id, note: Annotated[str, Arg("what helped, in a few words")] = "") -> dict:
    """Thank someone for an answer: it counts in their standing by yours (specs/06 section 1)."""
    return reply(ctx, "thanks", id, {"note": note} if note.strip() else {})


@op(write=True)
def bounty(ctx: Ctx, id: Id, amount: Annotated[int, Arg(f"how many accepts' worth: 1 to {BOUNTY_MAX}",
                                                          positional=True)]) -> dict:
    """Offer a bounty on your own request: the answer you accept gets that much more of your standing."""
    if not 1 <= amount <= BOUNTY_MAX:
        raise OpError(f"a bounty is 1 to {BOUNTY_MAX} accepts' worth, not {amount}")
    return reply(ctx, "bounty", id, {"amount": amount})


@op(write=True)
def resolve(ctx: Ctx, id: Id) -> dict:
    """Confirm that your own request is solved."""
    return reply(ctx, "resolve", id, {})


@op(write=True)
def retract(ctx: Ctx, id: Id, reason: Annotated[str, Arg("why, if you want to say")] = "") -> dict:
    """Withdraw a message you wrote."""
    return reply(ctx, "retract", id, {"reason": reason} if reason else {})


@op(write=True)
def report(ctx: Ctx, id: Id, reason: Annotated[str, Arg("what is wrong with it (spam, scam, abuse, off-topic,"
                                                          " duplicate count as those labels)")]) -> dict:
    """Flag a message as spam or abuse."""
    return reply(ctx, "report", id, {"reason": reason})


@op(write=True)
def status(ctx: Ctx, id: Id, state: Annotated[str, Arg(choices=STATES, positional=True)],
           note: Annotated[str, Arg("a note shown with the state")] = "",
           due: Annotated[str, Arg("a promise: when the next step is due (2026-12-24, 2026-12-24T17:00 UTC, "
                                   "or 48h from now)")] = "") -> dict:
    """Set a request's state, as a vendor: acknowledged, in-progress, resolved, wont-fix."""
    promise = {"due": due_ms(due, now_ms())} if due.strip() else {}
    return reply(ctx, "status", id, {"state": state, **({"note": note} if note else {}), **promise})


def due_ms(text: str, now: int) -> int:
    """A due time as the person writes it: an ISO date or date and time (UTC unless it says), or `48h`."""
    text = text.strip()
    if text[:-1].isdigit() and text[-1:] in ("h", "d"):
        return now + int(text[:-1]) * (3_600_000 if text[-1] == "h" else 86_400_000)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise OpError(f"due {text!r}: write a date (2026-12-24), a date and time (2026-12-24T17:00, UTC unless"
                      " it says +01:00), or hours or days from now (48h, 3d)") from None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


@op(write=True)
def trust(ctx: Ctx, did: Did,
          value: Annotated[str, Arg(choices=KINDS["trust"].body["value"].choices, switch="distrust")] = "trust",
          scope: Annotated[str, Arg("only in this topic (vendor/product)")] = "") -> dict:
    """Say that you trust (or distrust) an identity, globally or in one topic."""
    body = {"subject": key_of(did), "value": value}
    if scope:
        body["scope"] = topic_slug(scope)
    return write(ctx, "trust", "", body)


@op(write=True)
def trust_vendor(ctx: Ctx, did: Did,
                 value: Annotated[str, Arg(choices=("trust", "untrust"), switch="untrust")] = "trust") -> dict:
    """Trust a vendor's key for private parts (or stop), when you know it is theirs but it is not verified.

    A local choice, never published. A private part is sealed to the one vendor of the topic you
    trust, else to the one whose domain lists its key (specs/02 section 6)."""
    try:
        key_from_did(did)
    except BadKey as e:
        raise OpError(str(e)) from None
    if value == "trust":
        ctx.store.trust_vendor(did, now_ms())
    elif not ctx.store.untrust_vendor(did):
        raise OpError(f"you do not trust {did} as a vendor", 404)
    return {"did": did, "trusted": value == "trust"}


@op(write=True)
def profile(ctx: Ctx, name: Annotated[str, Arg("your display name", positional=True)],
            about: Annotated[str, Arg("a line about you")] = "") -> dict:
    """Publish your display name."""
    return write(ctx, "profile", "", {"name": name, **({"about": about} if about else {})})


# -- labels and labelers (specs/02 section 7, specs/06 section 5) ------------------------------------

@op(write=True)
def label(ctx: Ctx, target: Annotated[str, Arg("a message id (or prefix) or an identity (did:key:...)",
                                               positional=True)],
          value: Annotated[str, Arg(choices=LABELS, positional=True)],
          reason: Annotated[str, Arg("why, in one line")] = "") -> dict:
    """Label a message or an identity, as a labeler others may follow (undo it: retract the label)."""
    extra = {"reason": reason.strip()} if reason.strip() else {}
    if target.strip().startswith("did:"):
        return write(ctx, "label", "", {"value": value, "subject": key_of(target.strip()), **extra})
    return reply(ctx, "label", target, {"value": value, **extra})


@op(commands=(Command("labelers list", "the labelers you follow, and what each label value does here"),))
def labelers(ctx: Ctx) -> dict:
    """The labelers you follow, and what each label value does here (hide, mark or ignore)."""
    dids = ctx.store.labelers()
    known = ledger_names(ctx.store, dids)
    return {"labelers": [{"did": d, "name": known[d]} for d in dids], "effects": effects(ctx.store)}


@op(write=True, commands=(Command("labelers add", "follow a labeler: its labels hide or mark what you see"),))
def labelers_add(ctx: Ctx, did: Did) -> dict:
    """Follow a labeler: its labels hide or mark what you see."""
    key_of(did)
    ctx.store.add_labeler(did, now_ms())
    return {"did": did, "following": True}


@op(write=True, commands=(Command("labelers remove", "stop following a labeler"),))
def labelers_remove(ctx: Ctx, did: Did) -> dict:
    """Stop following a labeler."""
    if not ctx.store.remove_labeler(did):
        raise OpError(f"not following labeler {did} (see 'antiport labelers list')", 404)
    return {"did": did, "following": False}


@op(write=True, commands=(Command("labelers effect", "what a label value does here: hide, mark or ignore"),))
def label_effect(ctx: Ctx, value: Annotated[str, Arg(choices=VALUES, positional=True)],
                 effect: Annotated[str, Arg(choices=EFFECTS, positional=True)]) -> dict:
    """What a label value does here: hide, mark or ignore ('reported': reports whose reason is no label value)."""
    ctx.store.set_label_effect(value, effect)
    return {"value": value, "effect": effect}


@op(write=True)
def mute(ctx: Ctx, did: Did, topic: Annotated[str, Arg("only in this topic (vendor/product)")] = "") -> dict:
    """Hide someone's messages here, everywhere or in one topic: kept and relayed, never shown (list, show,
    search, inbox) unless you ask to see hidden ones. Local, never published; undo with unmute."""
    yourself(ctx, did)
    slug = topic_slug(topic) if topic.strip() else ""
    ctx.store.mute(did, slug, now_ms())
    return {"did": did, "topic": slug, "level": "muted"}


@op(write=True)
def block(ctx: Ctx, did: Did) -> dict:
    """Mute someone everywhere, and never seal a private part to them (a vendor you blocked gets none).
    Local, never published; undo with unmute."""
    yourself(ctx, did)
    ctx.store.block(did, now_ms())
    return {"did": did, "topic": "", "level": "blocked"}


def yourself(ctx: Ctx, did: str) -> None:
    key_of(did)
    if did == ctx.identity.did:
        raise OpError("that is you: you cannot mute or block yourself")


@op(write=True)
def unmute(ctx: Ctx, did: Did, topic: Annotated[str, Arg("only the mute in this topic")] = "") -> dict:
    """Take back a mute or a block."""
    slug = topic_slug(topic) if topic.strip() else None
    if not ctx.store.unmute(did, slug):
        raise OpError(f"{did} is not muted{' in ' + slug if slug else ''} (see 'antiport muted')", 404)
    return {"did": did, "topic": slug or "", "level": None}


MUTED_SHOWN = 500


@op()
def muted(ctx: Ctx) -> dict:
    """The people you muted or blocked, with their names: the newest 500, and how many in all."""
    rows = ctx.store.mutes()
    shown = rows[-MUTED_SHOWN:]
    known = ledger_names(ctx.store, [did for did, *_ in shown])
    return {"muted": [{"did": did, "name": known[did], "topic": topic, "level": level, "since": since}
                      for did, topic, level, since in shown], "total": len(rows)}


def moderated(ctx: Ctx, rows: list[dict], shown: str = "visible") -> list[dict]:
    """Rows with their labels and `hidden`; the hidden ones left out unless `shown` is 'all'."""
    return Moderation(ctx.store, ctx.identity.did).apply(rows, shown)


# -- reading ---------------------------------------------------------------------------------------

def edges(ctx: Ctx, window: Window, rowid: bool = False) -> dict:
    """The store's `before`/`after` for a page of a list in time order whose positions are message ids:
    (created, id), or the rowid (search); the oldest page is the one just after the start."""
    if window.oldest:
        return {"after": 0 if rowid else (-1, "")}
    if window.position is None:
        return {}
    found = ctx.store.position(window.position)
    if found is None:
        raise window.unknown()
    return {"before" if window.down else "after": found[2] if rowid else found[:2]}


def by_id(row: dict) -> str:
    return row["id"]


@op()
def list_(ctx: Ctx,
          topic: Annotated[str | None, Arg("only this topic (vendor/product)", positional=True)] = None,
          shown: Shown = "visible", before: Before = None, after: After = None, limit: Limit = LIMIT,
          oldest: Oldest = False,
          lang: Annotated[str | None, Arg("only threads written in this language (a BCP 47 tag: de, pt-BR)")] = None,
          ) -> dict:
    """Threads (requests and complaints), newest first, in one topic or all, a page at a time.

    Positions are thread ids; `page` says where the pages beside this one are (node/paging.py)."""
    window = Window(before, after, limit, oldest)
    slug = topic_slug(topic) if topic else None
    lang = written_in(lang or "").get("lang")
    rows, where = cut(ctx.store.threads(slug, limit + 1, **edges(ctx, window), lang=lang), window, by_id)
    return {"threads": moderated(ctx, named(ctx, rows), shown), "page": where}


@op()
def show(ctx: Ctx, id: Id, shown: Shown = "visible", before: Before = None, after: After = None,
         limit: Limit = LIMIT, oldest: Oldest = False) -> dict:
    """One thread: the request, its answers (accepted first), vote totals and the newest events; what your
    labelers hide is withheld (its labels say why) unless shown is all.

    The answers come a page at a time in their ranked order, positions being answer ids (`page`)."""
    window = Window(before, after, limit, oldest)
    msg = message(ctx, id)
    if msg.kind not in ("request", "complaint"):
        root = ctx.store.get(msg.refs[0]) if msg.refs else None
        msg = root if root and root.kind in ("request", "complaint") else msg
    view = thread_view(ctx, msg, window)
    moderated(ctx, [view, *view["answers"]], "all")
    for m in (view, *view["answers"]):
        if m["hidden"] and shown != "all":
            m["body"] = {}  # withheld: the labels say why, `shown=all` shows it
    return view


THREAD_EVENTS = 20  # the newest events (statuses, accepts, reports...) a thread lists; the rest are counted


def thread_view(ctx: Ctx, root: Message, window: Window | None = None) -> dict:
    """The thread of `root` with a page of its answers (`window`, in the order the ledger keeps with its ranking:
    node/answer_order.py; answers stored since its last ranking come after the others, oldest first), its votes
    and each shown answer's as totals (one per voter, the newest counts, as in the ledger), its state, and the
    newest THREAD_EVENTS other events (`events_left_out` counts the rest). Only the page's answers and their
    votes are read: a thread of 3,000 answers costs its page and one pass over its events (replies but votes)."""
    store = ctx.store
    ranked = ledger_for(store).ranked(ctx.identity.did, root.topic)  # the order and figures kept with it
    order = ranked.answers_of(root.id)
    if store.answer_count(root.id) != len(order):  # answers since the ranking (or this read's snapshot is older)
        held = [i for i, _, _ in store.thread_answers(root.id)]
        kept, known = set(order), set(held)
        order = [i for i in order if i in known] + [i for i in held if i not in kept]
    shown, where = page(order, window or Window(), str)
    votes = vote_totals(store.votes_on([root.id, *shown]))
    others = store.thread_events(root.id)  # accepts and retracts by their rules' authors only (validation)
    accepted = {target for kind, target, *_ in others if kind == "accept"}
    retracted = {target for kind, target, *_ in others if kind == "retract"}
    thanked = Counter(target for target, _ in {(target, author) for kind, target, author, *_ in others
                                               if kind == "thanks"})  # a second thanks by one key counts nothing
    bounty = max((store.get(i).body["amount"] for kind, *_, i in others if kind == "bounty"), default=0)
    status, resolved = store.thread_state(root.id)
    events = sorted((store.get(i) for *_, i in others[-THREAD_EVENTS:]), key=thread_order)
    answers = [to_json(store.get(i), store) for i in shown]
    view = {**to_json(root, store), "retracted": root.id in retracted, "status": status, "resolved": resolved,
            "votes": votes.get(root.id, {}), "bounty": bounty,
            "answers": [{**a, "accepted": a["id"] in accepted, "votes": votes.get(a["id"], {}),
                         "thanks": thanked.get(a["id"], 0), "retracted": a["id"] in retracted,
                         "score": round(ranked.score.get(a["author"], 0.0), 9),
                         "figures": ranked.figures(a["author"]) or figures.compact(None)} for a in answers],
            "events": [to_json(m, store) for m in events], "events_left_out": len(others) - len(events), "page": where}
    named(ctx, [view, *view["answers"], *view["events"]])
    return view


def vote_totals(rows: list[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    """{target: {value: voters}} from (target, author, value) votes in creation order: a voter's newest counts."""
    newest = {(target, author): value for target, author, value in rows}
    totals: dict[str, dict[str, int]] = {}
    for (target, _), value in newest.items():
        totals.setdefault(target, {})
        totals[target][value] = totals[target].get(value, 0) + 1
    return totals


def named(ctx: Ctx, rows: list[dict]) -> list[dict]:
    """Each row with its author's display name (from their newest profile; '' without one)."""
    known = ledger_names(ctx.store, [r["author"] for r in rows])
    for r in rows:
        r["name"] = known[r["author"]]
    return rows


@op(commands=(Command("blob info", "an attachment's name, media type and size (sealed ones opened if they are"
                                " for this key)"),), live=True)
def blob(ctx: Ctx, hash: Annotated[str, Arg("the attachment's hash: 64 hex digits", positional=True)],
         data: Annotated[bool, Arg("include its bytes, in base64")] = False) -> dict:
    """An attachment this node holds (`antiport blob get HASH -o FILE` saves it). Live: a sealed one is opened
    with this node's key, which the reader processes do not hold."""
    return attachments.get(ctx.store, ctx.identity, hash, data)


@op()
def search(ctx: Ctx, query: Annotated[str, Arg("words to find", positional=True)], shown: Shown = "visible",
           before: Before = None, after: After = None, limit: Limit = LIMIT, oldest: Oldest = False) -> dict:
    """Full-text search over titles and texts, the most recently stored first, a page at a time.

    Positions are message ids (`page`)."""
    window = Window(before, after, limit, oldest)
    rows, where = cut(ctx.store.search(query, limit + 1, **edges(ctx, window, rowid=True)), window, by_id)
    return {"results": moderated(ctx, named(ctx, rows), shown), "page": where}


# -- export and import -----------------------------------------------------------------------------

def export(store: Store):
    """Every stored envelope, as a CBOR sequence in creation order (specs/04-export.md)."""
    return store.raw_all()


IMPORT_BATCH = 100  # envelopes stored per transaction: the store's write lock is never held for long


def import_(ingest: Ingest, data: bytes | BinaryIO, committed: Callable[[], None] = lambda: None) -> dict:
    """Validate and store every envelope of a CBOR sequence under the network's rules (specs/04-export.md), from
    bytes or a seekable file (read item by item: a large file is never held at once). The file's framing is
    checked first (a bad item refuses the whole file, nothing stored); then IMPORT_BATCH envelopes per
    transaction, `committed()` after each."""
    fp = io.BytesIO(data) if isinstance(data, bytes) else data
    spans, result = item_spans(fp), {"accepted": 0, "duplicates": 0, "rejected": Counter()}
    while spans:  # envelopes that refer to a later one in the file are retried once it is in
        waiting = []
        for first in range(0, len(spans), IMPORT_BATCH):
            with ingest.store.transaction():
                for start, end in spans[first:first + IMPORT_BATCH]:
                    fp.seek(start)
                    try:
                        _, new = ingest(fp.read(end - start), now_ms(), "import")
                        result["accepted" if new else "duplicates"] += 1
                    except Rejected as e:
                        if e.reason == "missing-ref":
                            waiting.append((start, end))
                        else:
                            result["rejected"].update([e.reason])
            committed()
        if len(waiting) == len(spans):
            result["rejected"].update({"missing-ref": len(waiting)})
            break
        spans = waiting
    result["rejected"] = dict(result["rejected"])
    return result


def item_spans(fp: BinaryIO) -> list[tuple[int, int]]:
    """Where each item of a CBOR sequence starts and ends in a seekable file, cut by structure alone (specs/04
    section 2): an item that is well-formed but invalid (text that is not UTF-8, a tag...) is refused by ingest,
    bytes that are not well-formed refuse the file. The file is mapped, never read into memory at once."""
    out: list[tuple[int, int]] = []
    with _mapped(fp) as data:
        start = 0
        while start < len(data):
            try:
                end = item_end(data, start)
            except NotWellFormed as e:
                raise OpError(f"the file is not a CBOR sequence of envelopes ({e} at byte {start}); nothing "
                              "imported") from None
            out.append((start, end))
            start = end
    return out


@contextmanager
def _mapped(fp: BinaryIO) -> Iterator[memoryview]:
    fp.flush()
    if isinstance(fp, io.BytesIO):
        with fp.getbuffer() as view:
            yield view
    elif fp.seek(0, io.SEEK_END) == 0:
        yield memoryview(b"")  # an empty file cannot be mapped
    else:
        with mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as mapped, memoryview(mapped) as view:
            yield view


def split_sequence(data: bytes) -> list[bytes]:
    """Split a CBOR sequence into the exact bytes of each item."""
    return [data[start:end] for start, end in item_spans(io.BytesIO(data))]


# -- reputation and vendors (specs/06-reputation.md) -----------------------------------------------

@op()
def experts(ctx: Ctx, topic: Topic, before: Before = None, after: After = None, limit: Limit = LIMIT,
            oldest: Oldest = False) -> dict:
    """Who answers best in a topic, as seen from your trust roots, best first, a page at a time.

    Positions are dids (`page`)."""
    window = Window(before, after, limit, oldest)
    ranked = ledger_for(ctx.store).ranked(ctx.identity.did, topic_slug(topic))
    dids, where = page(list(ranked.experts), window, str)
    known = ledger_names(ctx.store, dids)
    return {"experts": [{**ranked.expert(d), "name": known[d], **(ranked.figures(d) or figures.compact(None))}
                        for d in dids],
            "page": where}


@op()
def figures_(ctx: Ctx, did: Annotated[str | None, Arg("an identity (default: you)", positional=True)] = None) -> dict:
    """An expert's figures per topic: response rate, median time to a first answer, accept rate, with the
    newest threads behind them (docs/queue.md, "Your figures")."""
    did = (did or ctx.identity.did).strip()
    key_of(did)
    return {**figures.of(ctx.store, did), "name": ledger_names(ctx.store, [did])[did]}


SUGGESTED = 20  # topics `suggest` lists at most


@op()
def suggest(ctx: Ctx) -> list:
    """Topics you do not follow where askers accepted your answers, most accepted first."""
    followed = set(ctx.store.followed())
    rows = [{"topic": t, "accepted": acc, "answers": n, "accept_rate": round(acc / n, 3)}
            for t, n, acc in ctx.store.answered_topics(ctx.identity.did) if acc and t not in followed]
    rows.sort(key=lambda r: (-r["accepted"], -r["accept_rate"], r["topic"]))
    return rows[:SUGGESTED]


def thread_root(ctx: Ctx, ref: str) -> Message:
    """The request or complaint a message belongs to (an accept or a vote sits on an answer, two levels down)."""
    msg = message(ctx, ref)
    for _ in range(2):
        if msg.kind in THREAD_ROOTS or not msg.refs or (up := ctx.store.get(msg.refs[0])) is None:
            break
        msg = up
    if msg.kind not in THREAD_ROOTS:
        raise OpError(f"{ref} is not in a thread of a request or a complaint")
    return msg


@op(write=True)
def watch(ctx: Ctx, id: Id) -> dict:
    """Follow a thread: what changes in it comes to your inbox (threads you asked or answered in are followed
    already)."""
    root = thread_root(ctx, id)
    ctx.store.watch(root.id, now_ms())
    return {"thread": root.id, "following": True}


@op(write=True)
def unwatch(ctx: Ctx, id: Id) -> dict:
    """Stop following a thread, even one you asked or answered in (`watch` follows it again)."""
    root = thread_root(ctx, id)
    ctx.store.watch(root.id, now_ms(), muted=True)
    return {"thread": root.id, "following": False}


@op()
def inbox_(ctx: Ctx, all: Annotated[bool, Arg("read items too")] = False,
           limit: Annotated[int, Arg("how many to show")] = 50) -> dict:
    """What changed in the threads you follow (answers, statuses, accepts, vendor promises now overdue), newest
    first, and how many items are unread."""
    now = now_ms()
    rows = inbox.items(ctx.store, ctx.identity.did, now, max(1, min(limit, 500)), unread_only=not all)
    known = ledger_names(ctx.store, [r["author"] for r in rows])
    return {"items": [{**r, "name": known[r["author"]]} for r in rows],
            "unread": inbox.unread(ctx.store, ctx.identity.did, now)}


@op(write=True, commands=(Command("mark-read", "mark inbox items read: one item, every item of a thread, or all"),))
def inbox_read(ctx: Ctx, id: Annotated[str | None, Arg("an item, or a thread (its items)", positional=True)] = None,
               all: Annotated[bool, Arg("every item")] = False) -> dict:
    """Mark inbox items read: one item, every item of a thread, or all of them."""
    now, me = now_ms(), ctx.identity.did
    if all:
        marked = inbox.unread_ids(ctx.store, me, now)
    elif id is None:
        raise OpError("say which: an item or thread id, or --all")
    elif id.startswith(inbox.OVERDUE):
        marked = [inbox.OVERDUE + message(ctx, id.removeprefix(inbox.OVERDUE)).id]
    else:
        msg = message(ctx, id)
        marked = inbox.thread_items(ctx.store, me, msg.id, now) if msg.kind in THREAD_ROOTS else [msg.id]
    return {"marked": ctx.store.mark_read(marked, now), "unread": inbox.unread(ctx.store, me, now)}


# -- the contact card (specs/11, node/contact.py) ----------------------------------------------------

Field = Annotated[str | None, Arg("set this field (an empty text removes it)")]
Vendors = Annotated[list | None, Arg("a vendor's did to send it to as well (the option again for each more)")]


@op(write=True, commands=(Command("contact set", "change your contact card and send it, sealed, to your vendors"),))
def contact_set(ctx: Ctx, name: Field = None, email: Field = None, phone: Field = None, address: Field = None,
                vendor: Vendors = None) -> dict:
    """Change your contact card and send it, sealed, to every vendor you have a relationship with: the vendors
    of the topics you asked in (the one a private part there is sealed to) and the ones you name (kept: later
    changes go to them too). Each vendor's bridge updates its CRM and answers with a signed receipt
    (`contact status`)."""
    named = [did for did in (vendor or []) if key_of(did)]  # a bad did: one line, nothing sent
    for did in named:
        contact.sealable(ctx.store, did)
    card = contact.changed(ctx.store.card(), {"name": name, "email": email, "phone": phone, "address": address})
    to, skipped = contact.vendors(ctx.store, ctx.identity.did, named)
    now = now_ms()
    ctx.store.set_card(card)
    for did in named:
        ctx.store.name_contact_vendor(did, now)
    sent = contact.send(lambda kind, body: write(ctx, kind, "", body), list(to), card)
    return {"card": card, "sent": [{**s, "why": to[s["vendor"]]} for s in sent], "skipped": skipped}


@op(commands=(Command("contact show", "your contact card and the vendors it goes to"),))
def contact_show(ctx: Ctx) -> dict:
    """Your contact card as you last set it, the vendors a change goes to, and the topics whose vendor it cannot
    go to (and why)."""
    to, skipped = contact.vendors(ctx.store, ctx.identity.did, [])
    return {"card": ctx.store.card(), "vendors": [{"vendor": did, "why": why} for did, why in to.items()],
            "skipped": skipped}


@op(commands=(Command("contact status", "per vendor: your card updated when, pending, or refused and why"),),
    live=True)
def contact_status(ctx: Ctx) -> dict:
    """Per vendor you sent your card to: updated (when its receipt says so), erased, pending (no receipt yet), or
    refused and why. Live: receipts are sealed to this node's key, which the reader processes do not hold."""
    return {"vendors": contact.status(ctx.store, ctx.identity)}


@op(write=True, commands=(Command("contact forget", "ask vendors to erase your details (forget me)"),))
def contact_forget(ctx: Ctx, vendor: Vendors = None) -> dict:
    """Ask vendors to erase the details they hold about you, by a sealed erasure request each answers with a
    receipt: the vendors named, else every vendor you have a relationship with. They get no later card until you
    name them again."""
    named = [did for did in (vendor or []) if key_of(did)]
    to = named or list(contact.vendors(ctx.store, ctx.identity.did, [])[0])
    if not to:
        raise OpError("no vendor to ask: name one with --vendor DID")
    now = now_ms()
    for did in to:
        ctx.store.name_contact_vendor(did, now, forgotten=True)
    sent = contact.send(lambda kind, body: write(ctx, kind, "", body), to, None)
    return {"sent": sent}


@op()
def queue(ctx: Ctx, before: Before = None, after: After = None, limit: Limit = LIMIT, oldest: Oldest = False) -> dict:
    """Open requests and complaints across your followed topics, in the order to take them next (unanswered
    first; claimed by others later; askers with standing first; newest first: docs/queue.md), a page at a
    time.

    Positions are thread ids (`page`)."""
    window = Window(before, after, limit, oldest)
    rows, where = page(expert_queue.order(expert_queue.entries(ctx.store, ctx.identity.did, now_ms(),
                                                               SCORES_MAX_AGE), ctx.identity.did), window, by_id)
    known = ledger_names(ctx.store, [r["author"] for r in rows] + [c["did"] for r in rows for c in r["claims"]])
    for r in rows:
        r["name"] = known[r["author"]]
        for c in r["claims"]:
            c["name"] = known[c["did"]]
    return {"queue": rows, "page": where}


@op(write=True)
def claim(ctx: Ctx, id: Id,
          minutes: Annotated[int, Arg(f"how long you are on it (1-{CLAIM_MINUTES})")] = 30) -> dict:
    """Tell the other experts you are on a request, for a while (a signed claim; retract it to let go)."""
    if not 1 <= minutes <= CLAIM_MINUTES:
        raise OpError(f"a claim holds 1 to {CLAIM_MINUTES} minutes, not {minutes}: claim again when it ends")
    return reply(ctx, "claim", id, {"minutes": minutes})


@op(write=True)
def skip(ctx: Ctx, id: Id, hours: Annotated[float, Arg("how long to keep it out of your queue")] = 24.0) -> dict:
    """Keep a request out of your queue for a while (only on this node: nobody else sees it)."""
    target = message(ctx, id)
    if target.kind not in THREAD_ROOTS:
        raise OpError(f"{target.id[:12]} is a {target.kind}: skip a request or a complaint")
    until = now_ms() + int(max(0.0, hours) * 3_600_000)
    ctx.store.skip(target.id, until)
    return {"id": target.id, "until": until}


@op()
def why(ctx: Ctx, did: Did, topic: Annotated[str | None, Arg("only this topic")] = None,
        before: Before = None, after: After = None, limit: Limit = LIMIT, oldest: Oldest = False) -> dict:
    """The facts behind an identity's score, per topic (all topics it has facts or answers in by default).

    Per topic the strongest facts are listed (what each added or took), with how many of each kind
    there are in all: a busy answerer has tens of thousands. The topics come a page at a time in name
    order, positions being topics (`page`)."""
    window = Window(before, after, limit, oldest)
    key_of(did)
    ledger = ledger_for(ctx.store)
    if topic:
        topics_ = [topic_slug(topic)]
    else:
        topics_ = ctx.store.topics_of(did)
    topics_, where = page(topics_, window, str)
    found = [ledger.explain(ctx.identity.did, did, t) for t in topics_]
    known = ledger_names(ctx.store, [did, *(f["from"] for t in found for f in t["facts"])])
    for t in found:
        for f in t["facts"]:
            f["from_name"] = known[f["from"]]
    return {"did": did, "name": known[did], "topics": found, "page": where}


@op()
def vendors(ctx: Ctx) -> list:
    """Vendors and how they respond in the topics they claim (unclaimed topics shown by their slug)."""
    return vendor_rows(ctx.store, now_ms())


@op()
def vendor(ctx: Ctx,
           name: Annotated[str, Arg("organisation name, unclaimed vendor slug or did", positional=True)],
           before: Before = None, after: After = None, limit: Limit = LIMIT, oldest: Oldest = False) -> dict:
    """One vendor (organisation name, unclaimed slug or did) with metrics per topic, and the requests
    and complaints in its topics, newest first, a page at a time (positions are thread ids: `page`)."""
    window = Window(before, after, limit, oldest)
    row = vendor_row(ctx.store, name.strip(), now_ms())
    if row is None:
        raise OpError(f"no vendor named {name!r} (see 'antiport vendors')", 404)
    found = [r for topic in row["topics"] for r in ctx.store.root_page(topic, limit + 1, **edges(ctx, window))]
    found.sort(reverse=window.down)  # the topics' walks merged by (created, id); rows read for the page only
    requests, row["page"] = cut([i for _, i in found[:limit + 1]], window, str)
    row["requests"] = ctx.store.thread_rows(requests)
    return row


# -- the running node ------------------------------------------------------------------------------

def running(ctx: Ctx):
    if ctx.node is None:
        raise OpError("the node is not running for this home: start it with 'antiport run'", 503)
    return ctx.node


@op(commands=(Command("sync status", "sync progress per topic and peer"),), live=True)
def sync_status(ctx: Ctx) -> dict:
    """Sync progress per topic and peer: ids known missing here, fetched, pending, sent (specs/05-sync.md)."""
    from .sync import status
    return status(running(ctx))


@op(live=True)
def peers(ctx: Ctx) -> list:
    """Connected peers, their topics, and what each sent us: accepted, and rejected by reason."""
    return running(ctx).peers()
