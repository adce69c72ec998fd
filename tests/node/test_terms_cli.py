"""Terms from the command line on homes with no node running (specs/14): a customer sets her terms, her request
and her intents name them (an intent's signed by its own key), a vendor accepts and refuses them, both sides keep
the consents and the vendor's figures count them; bad input is one clear line."""
from __future__ import annotations

import pytest
import test_intents_cli
from antiport.node.home import Home
from antiport.node.store import Store
from test_intents_cli import carry, ok, refused, run

pytestmark = pytest.mark.fast
homes = test_intents_cli.homes  # the fixture: alice, carol (Acme Laptops: intent/laptops, acme/laptop), bob


def test_her_request_and_intents_name_her_terms_and_the_vendor_answers_them(homes, capsys, tmp_path):
    alice, carol, bob = homes
    did = Home(alice).identity().did
    assert ok(capsys, alice, "terms", "set", "no-tracking,delete-after-days", "--days", "30")["plain"] == [
        "No tracking of me beyond this deal: no profiles, no ad networks.",
        "Delete what I revealed at most 30 days after I revealed it."]
    asked = ok(capsys, alice, "ask", "acme/laptop", "--title", "Fan noise", "--text", "Loud.")
    again = ok(capsys, alice, "complain", "acme/laptop", "--title", "Still loud", "--text", "A week now.")
    first = ok(capsys, alice, "intent", "post", "laptops", "--title", "A light laptop", "--text", "14 inch")
    second = ok(capsys, alice, "intent", "post", "laptops", "--title", "A dock", "--text", "USB-C")
    store = Store(alice / "store.db")
    request, complaint, *intents = (store.get(r["id"]) for r in (asked, again, first, second))
    doc = store.get(request.body["terms_doc"].hex())
    assert complaint.body["terms_doc"] == request.body["terms_doc"]  # one document per topic while they hold
    assert (doc.kind, doc.topic, doc.author_did, doc.body) == ("terms", "acme/laptop", did,
                                                                {"words": ["no-tracking", "delete-after-days"],
                                                                 "days": 30})
    docs = [store.get(i.body["terms_doc"].hex()) for i in intents]
    assert [(d.topic, d.author) for d in docs] == [(i.topic, i.author) for i in intents]  # each by its intent's key
    assert len({docs[0].id, docs[1].id, doc.id}) == 3 and doc.author not in docs[0].raw + docs[1].raw
    store.close()
    carry(capsys, tmp_path, alice, carol)
    assert ok(capsys, carol, "terms", "accept", asked["id"][:10])["terms"] == doc.id  # by the request naming them
    refusal = ok(capsys, carol, "terms", "refuse", first["id"], "--reason", "We keep invoices ten years.")
    assert refusal["terms"] == docs[0].id and refusal["customer"] == intents[0].author_did  # not her did
    carry(capsys, tmp_path, alice, bob)
    assert "serves no manifest for acme/laptop" in refused(capsys, bob, "terms", "accept", doc.id)
    assert "names no terms" in refused(capsys, carol, "terms", "accept", refusal["id"])
    carry(capsys, tmp_path, carol, alice)
    shown = ok(capsys, alice, "terms", "show")
    vendor = Home(carol).identity().did
    assert sorted((a["terms"], a["value"], a["vendor"]) for a in shown["answers"]) == sorted(
        [(doc.id, "accept", vendor), (docs[0].id, "refuse", vendor)])  # the facts she keeps
    assert ok(capsys, carol, "vendor", "Acme Laptops")["consents"] == {"accept": 1, "refuse": 1}
    code, out, _ = run(capsys, alice, "vendor", "Acme Laptops")
    assert code == 0 and "customers' terms: 1 accepted, 1 refused" in out


def test_terms_she_sets_are_checked_and_cleared_in_one_line(homes, capsys):
    alice = homes[0]
    assert "unknown terms sell-my-data" in refused(capsys, alice, "terms", "set", "no-tracking,sell-my-data")
    assert "days goes with" in refused(capsys, alice, "terms", "set", "delete-after-days")
    assert "days must be one of 1, 7, 30, 90, 365" in refused(capsys, alice, "terms", "set", "delete-after-days",
                                                               "--days", "31")
    ok(capsys, alice, "terms", "set", "no-sharing")
    assert ok(capsys, alice, "terms", "set", "", "--clear")["terms"] is None
    asked = ok(capsys, alice, "ask", "acme/laptop", "--title", "Fan", "--text", "Loud.")
    store = Store(alice / "store.db")
    assert "terms_doc" not in store.get(asked["id"]).body and store.terms_by(Home(alice).identity().did) == []
