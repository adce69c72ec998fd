"""Intents on this node (specs/12): the customer posts, withdraws and awards under a key made for each intent,
vendors offer, the customer reads the offers sealed to her. The ops join the registry when this module is
imported (node/client.py, node/api.py, node/readers.py).

An intent key is derived from the home's intent secret (Home.intent_secret: not a key of the identity, so a key
rotation leaves the intents posted before it readable) and a salt derived from the secret, the category and the
intent's `created`: the store keeps the salt (`intent_keys`) and never a secret, the reader processes, which hold
no home, cannot open an offer, and a home restored with its secret but not its store finds its intents again
among those it syncs (`recover`, specs/12 section 4). Messages signed
by an intent key are never queued for gossip (its signed `from` would link every intent of this node); the
node syncs them to its neighbours at once instead (specs/12 section 4).
"""
from __future__ import annotations

import contextlib
import hashlib
from decimal import Decimal, InvalidOperation
from functools import partial
from types import SimpleNamespace
from typing import Annotated

import trio
from antiport.crypto import Identity
from antiport.crypto.seal import SealError
from antiport.protocol import BadTopic, Message, Rejected
from antiport.protocol import intents as rules

from .contact import sealable
from .home import now_ms
from .ops import Arg, Command, OpError, op
from .service import Id, Lang, due_ms, full_id, write, written_in
from .store import StoreError
from .terms_docs import naming
from .vendors import figures_of

MINOR = 100  # amounts are typed in units and sent in hundredths (cents)
LISTED, EXCERPT = 100, 500  # the newest intents a list gives, and the characters of each one's text
Amount = Annotated[str, Arg("an amount in units, such as 899 or 899.90")]
Currency = Annotated[str, Arg("ISO 4217 currency code: EUR, USD, GBP...")]


def intent_key(ctx, salt: bytes) -> Identity:
    """The key of one intent of this home: nothing links it to the home or its other intents without the home's
    intent secret."""
    return Identity(hashlib.blake2b(b"antiport/intent-key/v1" + salt, key=secret_of(ctx), digest_size=32).digest())


def salt_for(ctx, topic: str, created: int) -> bytes:
    """The salt of this home's intent made in `topic` at `created`: the home's secret finds it again from what
    the intent itself says, so a home restored without its store recovers its intents (specs/12 section 4)."""
    return hashlib.blake2b(b"antiport/intent-salt/v1" + topic.encode() + b"\0" + created.to_bytes(8, "big"),
                           key=secret_of(ctx), digest_size=16).digest()


def secret_of(ctx) -> bytes:
    if ctx.home is None:
        raise OpError("intents need the home that keeps their secret: run this on the customer's own node", 500)
    return ctx.home.intent_secret()  # type: ignore[no-any-return]


def recover(ctx, intents: list[Message] | None = None) -> list[str]:
    """The ids of `intents` (default: every intent held that is not known as this home's) signed by a key of this
    home: kept as its own from now on (a home restored from its backup, or a store rebuilt). Nothing when the home
    has no intent secret (it never posted one)."""
    if ctx.home is None or not ctx.home.intents_file.exists():
        return []
    found = []
    for msg in ctx.store.intents_not_mine() if intents is None else intents:
        salt = salt_for(ctx, msg.topic, msg.created)
        if intent_key(ctx, salt).public_key == msg.author:
            with ctx.store.transaction():
                ctx.store.keep_intent_key(msg.id, msg.author, salt, msg.created)
            found.append(msg.id)
    return found


def service(home):
    """A node service (`antiport run`): each intent stored from elsewhere is checked as `recover` does, so a home
    restored from its backup finds its intents as sync brings them back; at start, those held already."""
    async def run(node, task_status=trio.TASK_STATUS_IGNORED) -> None:
        ctx = SimpleNamespace(home=home, store=node.store)

        def stored(event) -> None:
            if event.message.kind == "intent" and event.source != "local":
                with contextlib.suppress(StoreError):
                    recover(ctx, [event.message])

        unsubscribe = node.ingest.subscribe(stored)
        try:
            with contextlib.suppress(StoreError):
                recover(ctx)
            task_status.started()
            await trio.sleep_forever()
        finally:
            unsubscribe()
    return run


def minor(text: str, what: str) -> int:
    try:
        value = Decimal(text.strip()) * MINOR
    except InvalidOperation:
        raise OpError(f"{what} {text!r}: write an amount such as 899 or 899.90") from None
    if value != value.to_integral_value() or value < 0:
        raise OpError(f"{what} {text!r}: at most two decimals, not below zero")
    return int(value)


def words(text: str) -> list[str]:
    """Comma-separated terms, each a word of the vocabulary (specs/12 section 5)."""
    found = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in found if w not in rules.TERMS]
    if unknown:
        raise OpError(f"unknown terms {', '.join(unknown)}: the words are {', '.join(rules.TERMS)}")
    return list(dict.fromkeys(found))


def the_intent(ctx, ref: str) -> Message:
    msg = ctx.store.get(full_id(ctx, ref))
    if msg.kind != "intent":
        raise OpError(f"{msg.id[:12]} is a {msg.kind}, not an intent", 404)
    return msg


def my_key(ctx, intent: Message) -> Identity:
    salt = ctx.store.intent_salt(intent.id)
    if salt is None:
        raise OpError("that intent is not yours: only its own key, kept by the home that posted it, may do this", 403)
    key = intent_key(ctx, salt)
    if key.public_key != intent.author:  # a home whose intents.key was replaced (or lost and made anew)
        raise OpError(f"this home's intent secret ({ctx.home.intents_file.name}) is not the one this intent's key was"
                      " made from: put back the file from the home's backup", 409)
    return key


def carried_by_sync(ctx) -> None:
    """Sync with the neighbours now: an intent key's messages travel by sync only."""
    sync = getattr(ctx.node, "sync", None)
    if sync is not None:
        sync.trigger()


def state(store, intent: Message, now: int) -> str:
    if store.withdrawn_at(intent.id) is not None:
        return "withdrawn"
    return "open" if now < intent.body["expires"] else "expired"


def offer_for(store, intent: Message, price: str, currency: str, valid: str, text: str, accepts: str,
              now: int) -> dict:
    """The map an offer seals (specs/12 section 3), made only for an open intent and with only the terms the
    customer asked for; OpError with one line otherwise."""
    if (found := state(store, intent, now)) != "open":
        raise OpError(f"the intent is {found}: it takes no more offers", 409)
    asked, accepted = intent.body.get("terms", []), words(accepts)
    if not set(accepted) <= set(asked):
        raise OpError(f"the customer did not ask for {', '.join(sorted(set(accepted) - set(asked)))}: accept only "
                      f"what she asked ({', '.join(asked) or 'nothing'})")
    try:
        return rules.offer_plain(minor(price, "price"), currency.strip().upper(), due_ms(valid, now), text.strip(),
                                 accepted)
    except Rejected as e:
        raise OpError(f"cannot offer: {e.detail}") from None


def offer_from_reply(store, intent: Message, reply: str, now: int) -> dict:
    """An offer as helpdesk staff write it in their reply to a lead: first `Price: 899.90 EUR`, optionally
    `Valid: 7d` and `Accepts: no-tracking, purpose-only` lines, then the offer's text (docs/bridge.md)."""
    lines, fields = reply.strip().split("\n"), {}
    while lines and (name := lines[0].partition(":")[0].strip().lower()) in ("price", "valid", "accepts"):
        fields[name] = lines.pop(0).partition(":")[2].strip()
    amount, _, currency = fields.get("price", "").partition(" ")
    if not amount or not currency:
        raise OpError("a reply to a lead starts with 'Price: AMOUNT CURRENCY' (then Valid:, Accepts:, the text)")
    return offer_for(store, intent, amount, currency, fields.get("valid", "7d"), "\n".join(lines),
                     fields.get("accepts", ""), now)


# -- the customer ----------------------------------------------------------------------------------------

@op(write=True, commands=(Command("intent post", "announce what you want to buy, under a key made for it alone"),))
def intent_post(ctx, category: Annotated[str, Arg("what kind of thing: laptops, bicycle-repair", positional=True)],
                title: Annotated[str, Arg("what you want, in one line")],
                text: Annotated[str, Arg("the details")],
                expires: Annotated[str, Arg("when offers stop: a date, or days or hours from now (7d, 48h)")] = "7d",
                quantity: Annotated[int | None, Arg("how many")] = None,
                budget: Annotated[str, Arg("the most you pay, in units (with --currency)")] = "",
                currency: Currency = "", region: Annotated[str, Arg("where: a country, a town")] = "",
                deadline: Annotated[str, Arg("when you need it: a date, or days from now")] = "",
                terms: Annotated[str, Arg("your terms, comma-separated: " + ", ".join(rules.TERMS))] = "",
                lang: Lang = "") -> dict:
    """Post an intent in a category: vendors serving it answer with offers only you can read. It is signed by a
    fresh key, not your identity, and travels by sync only (specs/12 section 4); you follow the category."""
    try:
        topic = rules.category(category)
    except BadTopic as e:
        raise OpError(str(e)) from None
    now = now_ms()
    body = {"title": title.strip(), "text": text, "expires": due_ms(expires, now), **written_in(lang)}
    if quantity is not None:
        body["quantity"] = quantity
    if budget:
        body["budget"] = minor(budget, "budget")
    if currency:
        body["currency"] = currency.strip().upper()
    if region.strip():
        body["region"] = region.strip()
    if deadline:
        body["deadline"] = due_ms(deadline, now)
    if terms.strip():
        body["terms"] = words(terms)
    created = now
    while ctx.store.intent_of_key((key := intent_key(ctx, salt := salt_for(ctx, topic, created))).public_key):
        created += 1  # another intent of hers in this category in the same millisecond: never the same key
    body.update(naming(ctx, topic, key))  # her terms, signed by this intent's key alone (specs/14 section 3)
    result = write(ctx, "intent", topic, body, signer=key, created=created,
                   also=lambda msg: ctx.store.keep_intent_key(msg.id, key.public_key, salt, now))
    ctx.store.follow(topic, now)
    carried_by_sync(ctx)
    return {**result, "topic": topic, "key": key.did}


@op(write=True, commands=(Command("intent withdraw", "withdraw your intent: no more offers for it"),))
def intent_withdraw(ctx, id: Id, reason: Annotated[str, Arg("why, if you want to say")] = "") -> dict:
    """Withdraw one of your intents (a retract by its key): vendors' nodes make no more offers for it."""
    intent = the_intent(ctx, id)
    result = write(ctx, "retract", intent.topic, {"reason": reason.strip()} if reason.strip() else {},
                   [intent.id], signer=my_key(ctx, intent))
    carried_by_sync(ctx)
    return result


@op(commands=(Command("intent list", "the intents of the categories you follow, newest first"),))
def intents(ctx, category: Annotated[str, Arg("one category only", positional=True)] = "",
            mine: Annotated[bool, Arg("only your own intents")] = False,
            closed: Annotated[bool, Arg("also the expired and withdrawn ones")] = False) -> list:
    """The intents of the followed categories (or one), newest first, with their state and offer count (the newest
    100, each text cut at 500 characters)."""
    try:
        topics = [rules.category(category)] if category else [t for t in ctx.store.followed() if rules.is_category(t)]
    except BadTopic as e:
        raise OpError(str(e)) from None
    now, own = now_ms(), set(ctx.store.my_intents())
    rows = [m for m in ctx.store.intents_in(topics, LISTED) if (m.id in own or not mine)]
    counts = ctx.store.offer_counts([m.id for m in rows])
    out = []
    for m in rows:
        row = {"id": m.id, "topic": m.topic, "key": m.author_did, "created": m.created, "mine": m.id in own,
               "state": state(ctx.store, m, now), "offers": counts.get(m.id, 0),
               **m.body, "text": m.body["text"][:EXCERPT]}
        if closed or row["state"] == "open":
            out.append(row)
    return out


@op(live=True, commands=(Command("intent offers", "the offers made for your intents, opened, side by side"),))
def intent_offers(ctx, id: Annotated[str, Arg("one intent (id or prefix); default: all of yours",
                                              positional=True)] = "") -> list:
    """The offers for your intents, opened with each intent's key: price, validity, the terms the vendor accepts,
    the vendor with its accountability figures (how it answers requests: vendors show; and how many of the terms
    you asked it accepted and refused, over all its offers to you) and whether you awarded or declined it. Offers
    that do not open are left out."""
    if ctx.node is None:
        recover(ctx)  # a restored home finds its intents here when no node runs (a running one: `service`)
    shown = the_intent(ctx, id) if id else None
    if shown is not None:
        my_key(ctx, shown)  # another's intent: "not yours", not an empty list
    out, now, figures = [], now_ms(), {}
    for intent_id in ctx.store.my_intents():  # all of them: the terms a vendor accepted count over all its offers
        intent = ctx.store.get(intent_id)
        key = my_key(ctx, intent)
        asked = intent.body.get("terms", [])
        offers = ctx.store.replies_to([intent_id], ("offer",))
        answers = {m.target: m.kind for m in ctx.store.replies_to([o.id for o in offers], ("award", "decline"))
                   if m.author == key.public_key}
        for offer in offers:
            try:
                plain = rules.open_sealed(key, offer.body["sealed"], partial(rules.offer_problem, terms=asked))
            except SealError:
                continue
            vendor = ctx.store.vendor_of(offer.author, intent.topic) or offer.author_did
            manifest = ctx.store.newest_manifest(vendor)
            if vendor not in figures:
                figures[vendor] = {**figures_of(ctx.store, vendor, now), "terms_accepted": 0, "terms_refused": 0}
            figures[vendor]["terms_accepted"] += len(plain["accepts"])
            figures[vendor]["terms_refused"] += len(asked) - len(plain["accepts"])
            if shown is not None and shown.id != intent_id:
                continue
            out.append({"id": offer.id, "intent": intent_id, "title": intent.body["title"],
                        "vendor": vendor, "org": manifest.body["org"] if manifest else "",
                        "created": offer.created, "price": plain["price"], "currency": plain["currency"],
                        "valid_until": plain["valid_until"], "text": plain["text"], "accepts": plain["accepts"],
                        "asked": asked, "figures": figures[vendor],
                        "state": {"award": "awarded", "decline": "declined"}.get(answers.get(offer.id, ""), "open")})
    return out


def _offer_of_mine(ctx, ref: str) -> tuple[Message, Message, Identity]:
    offer = ctx.store.get(full_id(ctx, ref))
    if offer.kind != "offer":
        raise OpError(f"{offer.id[:12]} is a {offer.kind}, not an offer", 404)
    intent = ctx.store.get(offer.target)
    return offer, intent, my_key(ctx, intent)


@op(write=True, commands=(Command("intent award", "accept an offer: the others are declined"),))
def intent_award(ctx, id: Id, text: Annotated[str, Arg("what you tell the vendor")] = "Accepted.",
                 contact: Annotated[str, Arg("how the vendor reaches you (mail, phone): only that vendor reads it")]
                 = "") -> dict:
    """Accept one offer for your intent: an award sealed to that vendor alone, with the contact you choose to
    reveal; every other offer for the intent gets a signed decline, so their leads close."""
    offer, intent, key = _offer_of_mine(ctx, id)
    if contact.strip():
        sealable(ctx.store, offer.author_did)
    try:
        plain = rules.award_plain(text.strip(), contact.strip() or None)
    except Rejected as e:
        raise OpError(f"cannot award: {e.detail}") from None
    result = write(ctx, "award", intent.topic, {"sealed": rules.seal_to(offer.author, plain)}, [offer.id],
                   signer=key)
    others = ctx.store.replies_to([intent.id], ("offer",))
    answered = {m.target for m in ctx.store.replies_to([o.id for o in others], ("award", "decline"))
                if m.author == key.public_key}
    declined = [write(ctx, "decline", intent.topic, {"reason": "Another offer was chosen."}, [o.id],
                      signer=key)["id"] for o in others if o.id != offer.id and o.id not in answered]
    carried_by_sync(ctx)
    return {**result, "declined": declined}


@op(write=True, commands=(Command("intent decline", "decline one offer for your intent"),))
def intent_decline(ctx, id: Id, reason: Annotated[str, Arg("why, if you want to say")] = "") -> dict:
    """Decline one offer for your intent (signed by the intent's key), so the vendor can close its lead."""
    offer, intent, key = _offer_of_mine(ctx, id)
    result = write(ctx, "decline", intent.topic, {"reason": reason.strip()} if reason.strip() else {}, [offer.id],
                   signer=key)
    carried_by_sync(ctx)
    return result


# -- the vendor ------------------------------------------------------------------------------------------

@op(write=True, commands=(Command("intent offer", "offer to an intent of a category you serve"),))
def intent_offer(ctx, id: Id, price: Amount, currency: Currency,
                 text: Annotated[str, Arg("what you offer")],
                 valid: Annotated[str, Arg("until when the offer holds: a date, or days or hours from now")] = "7d",
                 accepts: Annotated[str, Arg("the customer's terms you accept, comma-separated")] = "") -> dict:
    """Make an offer to an intent, sealed to the intent's key (only the customer reads it); your key must be in a
    manifest of yours that lists the category."""
    intent = the_intent(ctx, id)
    if ctx.identity.public_key not in ctx.store.claimed_keys(intent.topic):
        raise OpError(f"your key serves no manifest for {intent.topic}: list it in your vendor manifest's topics",
                      403)
    plain = offer_for(ctx.store, intent, price, currency, valid, text, accepts, now_ms())
    return write(ctx, "offer", intent.topic, {"sealed": rules.seal_to(intent.author, plain)}, [intent.id])

