"""Vendor identity that cannot be squatted (specs/02 section 6), with real nodes on 127.0.0.1 and a real
HTTPS site under a certificate authority made for the test: a manifest from another key claiming the same
organisation and topic never receives a private part and the customer is told why; the vendor whose domain
lists its did does."""
from __future__ import annotations

import pytest
import trio
from antiport.app.tls_site import WellKnownSite, make_certificates
from antiport.crypto import Identity, unseal
from antiport.node import domains, sync
from antiport.node.home import now_ms
from antiport.node.service import Ctx, OpError, ask, trust_vendor, vendors
from antiport.protocol import Rejected, sign
from helpers import trio_wait_for
from nodes import connect, start_node, wait_stored, wait_subscribed

W = "acme/widget"
DOMAIN = "acme.example"


@pytest.fixture
def site(tmp_path):
    ca, cert, key = make_certificates(tmp_path, [DOMAIN, "rival.example"])
    server = WellKnownSite(cert, key, {}).start()
    yield server, domains.Settings(ca_bundle=str(ca), resolve={DOMAIN: server.address,
                                                               "rival.example": server.address})
    server.stop()


def pair_sorted_first() -> tuple[Identity, Identity]:
    """(squatter, vendor): the squatter's did sorts first, the order that used to win."""
    a, b = Identity.generate(), Identity.generate()
    return (a, b) if a.did < b.did else (b, a)


def manifest(node, who: Identity, **extra):
    msg = node.ingest.create(who, "vendor", "", {"org": "Acme Corp", "topics": [W], **extra})
    node.wake_outbox()
    return msg


def states(ctx) -> dict[str, tuple[str, bool]]:
    return {r["did"]: (r["identity"]["state"], r["identity"]["trusted"]) for r in vendors(ctx) if r["claimed"]}


def test_the_proof_is_checked_over_https(site):
    server, settings = site
    did, other = Identity.generate().did, Identity.generate().did
    server.listing[DOMAIN] = [did]
    assert domains.check(did, DOMAIN, settings) is None
    assert "does not list this did" in domains.check(other, DOMAIN, settings)
    assert "answered 404" in domains.check(did, "rival.example", settings)
    system_cas = domains.Settings(resolve=settings.resolve)
    assert "certificate is not valid" in domains.check(did, DOMAIN, system_cas)
    # The site's certificate is not for other.example: refused too (the name is checked against the domain).
    elsewhere = domains.Settings(ca_bundle=settings.ca_bundle, resolve={"other.example": server.address})
    assert "certificate is not valid" in domains.check(did, "other.example", elsewhere)


@pytest.mark.trio
async def test_a_squatting_manifest_never_gets_the_private_part(site, tmp_path):
    server, settings = site
    squatter, vendor_id, customer_id = *pair_sorted_first(), Identity.generate()
    server.listing[DOMAIN] = [vendor_id.did]
    async with trio.open_nursery() as nursery:
        customer = await start_node(nursery, tmp_path / "c", "c", identity=customer_id,
                                    services=[domains.service(settings)])
        vendor = await start_node(nursery, tmp_path / "v", "v", identity=vendor_id)
        squat = await start_node(nursery, tmp_path / "s", "s", identity=squatter)
        for node in (vendor, squat):
            await node.follow(W)
            await connect(node, customer)
            await wait_subscribed(node, customer, "")
        await customer.follow(W)
        for node in (vendor, squat):
            await wait_subscribed(node, customer, W)
        ctx = Ctx(customer.store, customer.ingest, customer_id, node=customer)

        # Only the squatter so far: with no domain, then with a domain that does not list it.
        for extra in ({}, {"domain": DOMAIN}):
            await wait_stored(customer, manifest(squat, squatter, **extra).id)
            await trio_wait_for(lambda e=extra: e == {} or customer.store.domain_check(squatter.did, DOMAIN),
                                "the squatter's domain checked")
            before = customer.store.count()
            with pytest.raises(OpError) as refused:
                ask(ctx, W, "Refund", "please", private_text="IBAN DE00 1234")
            assert refused.value.status == 409 and "\n" not in str(refused.value)
            assert f"private part not sent: no vendor of {W} is verified" in str(refused.value)
            assert squatter.did in str(refused.value) and "trust-vendor" in str(refused.value)
            assert customer.store.count() == before, "nothing was sent, not even without the private part"
        assert states(ctx) == {squatter.did: ("unverified", False)}

        # The real vendor: its domain lists its did, so it is verified, pinned, and the one sealed to.
        await wait_stored(customer, manifest(vendor, vendor_id, domain=DOMAIN).id)
        await trio_wait_for(lambda: states(ctx).get(vendor_id.did) == ("verified", False), "the vendor verified")
        assert customer.store.domain_pin(DOMAIN) == vendor_id.did
        sent = ask(ctx, W, "Refund", "please", private_text="IBAN DE00 1234")
        assert sent["sealed_to"]["did"] == vendor_id.did and sent["sealed_to"]["domain"] == DOMAIN
        customer.wake_outbox()
        for node in (vendor, squat):
            await wait_stored(node, sent["id"])
        body = vendor.store.get(sent["id"]).body
        assert body["to"] == vendor_id.public_key
        assert unseal(vendor_id, body["private"]) == b"IBAN DE00 1234"
        assert b"IBAN" not in squat.store.get(sent["id"]).raw

        # The domain now lists the squatter too (taken over): a different key for a pinned domain is a conflict.
        server.listing[DOMAIN] = [vendor_id.did, squatter.did]
        customer.store.record_domain_check(squatter.did, DOMAIN, "checked long ago", 0)  # due again at once
        await wait_stored(customer, manifest(squat, squatter, domain=DOMAIN, promise_hours=1).id)
        await trio_wait_for(lambda: states(ctx)[squatter.did] == ("conflict", False), "the conflict shown")
        assert ask(ctx, W, "Again", "still", private_text="x")["sealed_to"]["did"] == vendor_id.did

        # The customer may trust a key by hand; then it is the one sealed to.
        trust_vendor(ctx, squatter.did)
        assert ask(ctx, W, "Third", "time", private_text="y")["sealed_to"]["did"] == squatter.did
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_two_verified_vendors_of_one_topic_are_not_guessed_between(site, tmp_path):
    server, settings = site
    acme, rival = Identity.generate(), Identity.generate()
    server.listing.update({DOMAIN: [acme.did], "rival.example": [rival.did]})
    async with trio.open_nursery() as nursery:
        node = await start_node(nursery, tmp_path / "n", "n", identity=Identity.generate(),
                                services=[domains.service(settings)])
        manifest(node, acme, domain=DOMAIN)
        manifest(node, rival, domain="rival.example")
        ctx = Ctx(node.store, node.ingest, node.identity, node=node)
        await trio_wait_for(lambda: set(states(ctx).values()) == {("verified", False)}, "both verified")
        with pytest.raises(OpError, match=f"2 vendors claim {W}.*trust the right one"):
            ask(ctx, W, "Which", "one", private_text="z")
        trust_vendor(ctx, acme.did)
        assert ask(ctx, W, "Which", "one", private_text="z")["sealed_to"]["did"] == acme.did
        nursery.cancel_scope.cancel()


def test_settings_of_the_wrong_shape_are_refused():
    for bad, word in (({"ca_bundle": 3}, "ca_bundle"), ({"resolve": {"a.b": 1}}, "resolve"),
                      ({"colour": "red"}, "colour"), ({"recheck_hours": True}, "recheck_hours")):
        with pytest.raises(ValueError, match=word):
            domains.Settings.from_config(bad)
    assert domains.Settings.from_config({"recheck_hours": 1}).recheck_hours == 1


@pytest.mark.trio
async def test_nodes_that_got_a_manifest_change_in_different_orders_converge(tmp_path):
    """specs/02 section 4: validity is a function of the messages held. Node A got the vendor's status while
    the manifest naming its key was current; node B got the newer manifest that drops the topic first, and the
    status before the older manifest (refused then: no held manifest named its author). Once both hold the same
    messages their stores are the same: B stores the status when sync brings it again."""
    carol, dave, alice = Identity.generate(), Identity.generate(), Identity.generate()
    now = now_ms()
    old = sign(carol, "vendor", "", {"org": "Acme", "topics": [W], "keys": [dave.public_key]}, created=now - 9000)
    new = sign(carol, "vendor", "", {"org": "Acme", "topics": ["acme/gadget"]}, created=now - 1000)
    request = sign(alice, "request", W, {"title": "Jams", "text": "daily"}, created=now - 8000)
    status = sign(dave, "status", W, {"state": "acknowledged"}, [request.id], created=now - 7000)
    async with trio.open_nursery() as nursery:
        a, b = [await start_node(nursery, tmp_path / n, n, services=[sync.service]) for n in "ab"]
        for node, order in ((a, [old, request, status, new]), (b, [new, request, status, old])):
            for msg in order:
                try:
                    node.ingest(msg.raw, now, "gossip")
                except Rejected as e:
                    assert (node, msg, e.reason) == (b, status, "not-vendor")
            node.store.follow(W, now)
        assert not b.store.has(status.id)
        await connect(b, a)
        await trio_wait_for(lambda: b.store.has(status.id), "B storing the status sync brought again")
        assert sorted(a.store.raw_all()) == sorted(b.store.raw_all())
        nursery.cancel_scope.cancel()
