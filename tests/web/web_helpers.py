"""A home holding what every page of the web view shows, and the view served on it for real."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio
from antiport.crypto import Identity
from antiport.node import api
from antiport.node.home import Home, now_ms
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx
from antiport.node.store import Store

HOSTILE = "<script>alert(1)</script>"
HOSTILE_TEXT = '<img src=x onerror="alert(2)"> &amp; \u202egnp.exe'  # markup, an entity, a right-to-left override
JAPANESE_TOPIC, JAPANESE = "ソニー/ウォークマン", "電源が入りません"
GREEK_TOPIC, GREEK = "Ελληνικά/Προϊόν", "Η οθόνη δεν ανάβει"
GERMAN_TOPIC, GERMAN = "Müller/Straßenbahn", "Die Tür schließt nicht"  # the slug folds ß: müller/strassenbahn
HOUR = 3600 * 1000


@dataclass
class Filled:
    hostile: str  # thread ids
    japanese: str
    greek: str
    accepted: str  # the accepted answer's id
    vendor: str  # the vendor's did


def fill(home: Home) -> Filled:
    """Acme (its manifest's org name hostile too) claims acme/widget; a thread there titled HOSTILE with a hostile
    answer the asker accepted and the vendor's status; a request in a Japanese topic, one in a Greek one (answered
    by the vendor a day later) and one in a German one. The home follows the four topics."""
    store = Store(home.db_file)
    ingest, me, expert, vendor = Ingest(store), home.identity(), Identity.generate(), Identity.generate()
    t = now_ms() - 48 * HOUR

    def new(who, kind, topic, body, refs=(), hours=0):
        return ingest.create(who, kind, topic, body, refs, created=t + hours * HOUR).id
    new(vendor, "vendor", "", {"org": "Acme <i>Corp</i>", "topics": ["acme/widget", "ελληνικά/προϊόν"],
                               "promise_hours": 24})
    new(expert, "profile", "", {"name": "<b>Mallory</b>"})
    new(vendor, "profile", "", {"name": "Acme <i>Corp</i>"})
    hostile = new(me, "request", "acme/widget", {"title": HOSTILE, "text": HOSTILE_TEXT})
    answer = new(expert, "answer", "acme/widget", {"text": "<script>alert(3)</script> restart it"}, [hostile], 1)
    new(me, "accept", "acme/widget", {}, [answer], 2)
    new(vendor, "status", "acme/widget", {"state": "in-progress", "note": "<b>on it</b>", "agent": "Jo <script>"},
        [hostile], 3)
    japanese = new(me, "request", "ソニー/ウォークマン", {"title": JAPANESE, "text": "充電しても動きません。"}, hours=4)
    greek = new(me, "complaint", "ελληνικά/προϊόν", {"title": GREEK, "text": "Από χθες."}, hours=5)
    new(me, "request", "müller/strassenbahn", {"title": GERMAN, "text": "Seit Montag."}, hours=6)
    new(vendor, "answer", "ελληνικά/προϊόν", {"text": "Στείλτε το για επισκευή."}, [greek], 29)
    for slug in ("acme/widget", "ソニー/ウォークマン", "ελληνικά/προϊόν", "müller/strassenbahn"):
        store.follow(slug, t)
    store.close()
    return Filled(hostile, japanese, greek, answer, vendor.did)


@asynccontextmanager
async def web_view(home: Home):
    """The node's API and web view served on the home's store (no network node); yields the view's base URL."""
    store = Store(home.db_file)
    ctx = Ctx(store, Ingest(store), home.identity(), "alice")
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(api.serve, ctx, home, 0, "127.0.0.1:0")
            yield home.read_api()["web"]
            nursery.cancel_scope.cancel()
    finally:
        store.close()
