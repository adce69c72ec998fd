"""The terms ops (specs/14): a customer sets her terms (her requests, complaints and intents name them from then on,
node/terms_docs.py) and reads vendors' answers to them; a vendor accepts or refuses a customer's terms with a
signed consent, a fact both keep. The ops join the registry when this module is imported (node/client.py,
node/api.py, node/readers.py).
"""
from __future__ import annotations

from typing import Annotated

from antiport.crypto import did_from_key
from antiport.protocol import Message
from antiport.protocol import terms as rules

from .ops import Arg, Command, OpError, op
from .service import message, write
from .terms_docs import body_of, in_force, keep, mine, named, shown


@op(write=True, commands=(Command("terms set", "your terms: your requests, complaints and intents name them"),))
def terms_set(ctx, words: Annotated[str, Arg("comma-separated: " + ", ".join(rules.WORDS), positional=True)],
              days: Annotated[int | None, Arg("with delete-after-days: " + ", ".join(map(str, rules.DAYS)))] = None,
              clear: Annotated[bool, Arg("name no terms from now on")] = False) -> dict:
    """Set your terms: from now on each request, complaint and intent you write names them, published as a signed
    terms document in its topic (an intent's signed by its own key). What you signed before stays as it was."""
    if ctx.home is None:
        raise OpError("terms are kept in your home: run this where your identity is", 500)
    body = None if clear else body_of([w.strip() for w in words.split(",")], days)
    keep(ctx.home, body)
    return {"terms": body, "plain": rules.in_plain_words(body) if body else []}


@op(live=True, commands=(Command("terms show", "your terms, and what vendors answered to them"),))
def terms_show(ctx) -> dict:
    """Your terms, and each vendor's consent in force to the terms documents you published (your intents' too)."""
    body = mine(ctx.home)
    docs = ctx.store.terms_by(ctx.identity.did)
    for intent_id in ctx.store.my_intents():
        doc = named(ctx.store, ctx.store.get(intent_id))
        if doc is not None:
            docs.append(doc)
    consents = ctx.store.replies_to([d.id for d in docs], ("consent",))
    found = in_force(consents, lambda m: ctx.store.vendor_of(m.author, m.topic))
    answered = [{"terms": doc_id, "vendor": vendor, "value": value}
                for (vendor, doc_id), value in sorted(found.items())]
    return {"terms": body, "plain": rules.in_plain_words(body) if body else [],
            "published": [{**shown(ctx.store, d), "topic": d.topic, "created": d.created} for d in docs],
            "answers": answered}


@op(write=True, commands=(Command("terms accept", "as a vendor: accept a customer's terms", {"value": "accept"}),
                           Command("terms refuse", "as a vendor: refuse a customer's terms", {"value": "refuse"})))
def terms_answer(ctx, id: Annotated[str, Arg("a terms document, or a request, complaint or intent naming one "
                                             "(id or prefix)", positional=True)],
                 value: Annotated[str, Arg(choices=rules.CONSENT)] = "accept",
                 reason: Annotated[str, Arg("why, in one line (a refusal, mostly)")] = "") -> dict:
    """Accept or refuse a customer's terms as the vendor of their topic: a signed consent she keeps, counted in
    your accountability figures."""
    doc = the_terms(ctx, id)
    if ctx.identity.public_key not in ctx.store.claimed_keys(doc.topic):
        raise OpError(f"your key serves no manifest for {doc.topic}: only its vendor answers terms there", 403)
    result = write(ctx, "consent", doc.topic, {"value": value, **({"reason": reason.strip()} if reason.strip()
                                                                   else {})}, [doc.id])
    return {**result, "terms": doc.id, "value": value, "customer": did_from_key(doc.author)}


def the_terms(ctx, ref: str) -> Message:
    msg = message(ctx, ref)
    doc = msg if msg.kind == "terms" else named(ctx.store, msg)
    if doc is None:
        raise OpError(f"{msg.id[:12]} is a {msg.kind} that names no terms", 404)
    return doc
