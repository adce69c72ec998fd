"""Intents from the command line on homes with no node running (specs/12): a customer posts under fresh keys, a
vendor offers, the customer reads the offer and awards it; what the others may not do, each one clear line."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import trio
from antiport.app.cli import main
from antiport.crypto import Identity
from antiport.crypto.keystore import is_sealed
from antiport.node import intents, keyring
from antiport.node.home import Home, now_ms
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx, write
from antiport.node.store import Store
from antiport.protocol import Rejected, codec, sign

pytestmark = pytest.mark.fast


def run(capsys, home, *argv) -> tuple[int, str, str]:
    code = main(["--home", str(home), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, home, *argv):
    code, out, err = run(capsys, home, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def refused(capsys, home, *argv) -> str:
    code, out, err = run(capsys, home, *argv)
    assert code == 1 and err.startswith("antiport: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def carry(capsys, tmp_path, source, dest) -> None:
    """What `source` holds, imported at `dest` (offline homes meet by export and import)."""
    path = tmp_path / "carried.apx"
    assert run(capsys, source, "export", "--out", str(path))[0] == 0
    assert run(capsys, dest, "import", str(path))[0] == 0


@pytest.fixture
def homes(tmp_path, capsys):
    for name in ("alice", "carol", "bob"):
        assert run(capsys, tmp_path / name, "init", "--no-passphrase", "--name", name)[0] == 0
    store = Store(tmp_path / "carol" / "store.db")
    write(Ctx(store, Ingest(store), Home(tmp_path / "carol").identity()), "vendor", "",
          {"org": "Acme Laptops", "topics": ["intent/laptops", "acme/laptop"]})
    store.close()
    assert run(capsys, tmp_path / "carol", "follow", "intent/laptops")[0] == 0
    return tmp_path / "alice", tmp_path / "carol", tmp_path / "bob"


def answered_in_an_hour(home, vendor: Identity) -> None:
    """A stranger's request in the vendor's product topic, answered by the vendor an hour later, held by `home`."""
    store, asker, then = Store(home / "store.db"), Identity.generate(), now_ms() - 2 * 3_600_000
    ingest = Ingest(store)
    request = sign(asker, "request", "acme/laptop", {"title": "Fan noise", "text": "Loud."}, created=then)
    answer = sign(vendor, "answer", "acme/laptop", {"text": "Clean it."}, [request.id], created=then + 3_600_000)
    for msg in (request, answer):
        assert ingest(msg.raw, now_ms(), "import")[1]
    store.close()


def test_two_intents_share_no_key_and_no_identifier_with_each_other_or_her_did(homes, capsys):
    alice = homes[0]
    did = Home(alice).identity().did
    first = ok(capsys, alice, "intent", "post", "Laptops", "--title", "A light laptop", "--text", "14 inch")
    second = ok(capsys, alice, "intent", "post", "laptops", "--title", "A light laptop", "--text", "14 inch")
    assert first["topic"] == second["topic"] == "intent/laptops"
    assert len({first["key"], second["key"], did}) == 3
    store = Store(alice / "store.db")
    raws = [store.raw(first["id"]), store.raw(second["id"])]
    for raw, other in ((raws[0], raws[1]), (raws[1], raws[0])):
        payload = codec.decode(codec.decode(raw)[0])
        assert payload["refs"] == [] and Home(alice).identity().public_key not in raw
        assert codec.decode(codec.decode(other)[0])["author"] not in raw
    assert [m.kind for m in store.outbox()] == ["profile"]  # intents: never queued for gossip
    assert set(store.my_intents()) == {first["id"], second["id"]}


def test_intent_offer_award_across_homes(homes, capsys, tmp_path):
    alice, carol, bob = homes
    intent = ok(capsys, alice, "intent", "post", "laptops", "--title", "A light laptop", "--text", "14 inch, 32 GB",
                "--budget", "900", "--currency", "eur", "--terms", "no-tracking,purpose-only", "--expires", "3d")
    carry(capsys, tmp_path, alice, carol)
    listed = ok(capsys, carol, "intent", "list")
    assert [(r["id"], r["budget"], r["currency"], r["state"]) for r in listed] == [(intent["id"], 90000, "EUR", "open")]
    err = refused(capsys, carol, "intent", "offer", intent["id"][:10], "--price", "899", "--currency", "EUR",
                  "--text", "X1", "--accepts", "no-sharing")
    assert "did not ask for no-sharing" in err
    offer = ok(capsys, carol, "intent", "offer", intent["id"][:10], "--price", "899.90", "--currency", "EUR",
               "--text", "ThinkPad X1, in 3 days", "--accepts", "no-tracking")
    carry(capsys, tmp_path, alice, bob)
    assert "serves no manifest for intent/laptops" in refused(capsys, bob, "intent", "offer", intent["id"], "--price",
                                                              "1", "--currency", "EUR", "--text", "cheap")
    carry(capsys, tmp_path, carol, alice)
    carry(capsys, tmp_path, carol, bob)
    answered_in_an_hour(alice, Home(carol).identity())
    offers = ok(capsys, alice, "intent", "offers")
    assert [(o["id"], o["price"], o["accepts"], o["org"], o["state"]) for o in offers] == [
        (offer["id"], 89990, ["no-tracking"], "Acme Laptops", "open")]
    assert offers[0]["figures"] == {"seen": 1, "acknowledged_share": 1.0, "median_response_s": 3600.0,
                                    "resolved_share": 0.0,  # the vendor's record in its product topic
                                    "consents": {"accept": 0, "refuse": 0},  # signed answers to terms documents
                                    "terms_accepted": 1, "terms_refused": 1}  # and in its offers to her
    assert "not yours" in refused(capsys, bob, "intent", "offers", intent["id"])  # bob holds it, cannot read it
    assert "not yours" in refused(capsys, bob, "intent", "award", offer["id"])
    award = ok(capsys, alice, "intent", "award", offer["id"], "--contact", "alice@example.org")
    assert award["declined"] == []
    assert ok(capsys, alice, "intent", "offers")[0]["state"] == "awarded"
    code, out, _ = run(capsys, alice, "intent", "offers")
    [row] = [line.split() for line in out.splitlines() if line.startswith("  " + offer["id"][:12])][:1]
    assert code == 0 and row[1:3] == ["899.90", "EUR"] and row[5:] == ["1/2", "Acme", "Laptops", "1/2", "0/0", "1",
                                                                        "100%", "1.0h", "0%", "awarded"], out


def test_the_terms_a_vendor_kept_count_over_all_its_offers_to_her(homes, capsys, tmp_path):
    alice, carol, _ = homes
    first = ok(capsys, alice, "intent", "post", "laptops", "--title", "Laptop", "--text", "any", "--terms",
               "no-tracking,purpose-only")
    second = ok(capsys, alice, "intent", "post", "laptops", "--title", "Dock", "--text", "any", "--terms", "no-sharing")
    carry(capsys, tmp_path, alice, carol)
    for intent, accepts in ((first, "no-tracking"), (second, "")):
        ok(capsys, carol, "intent", "offer", intent["id"], "--price", "9", "--currency", "EUR", "--text", "x",
           "--accepts", accepts)
    carry(capsys, tmp_path, carol, alice)
    [offer] = ok(capsys, alice, "intent", "offers", second["id"])  # one intent's offers, the vendor's whole tally
    assert offer["intent"] == second["id"] and offer["accepts"] == []
    assert (offer["figures"]["terms_accepted"], offer["figures"]["terms_refused"]) == (1, 2)


def test_an_intent_posted_before_a_key_rotation_still_gets_and_reads_its_offers(homes, capsys, tmp_path):
    """Intent keys derive from the home's own secret, not from the identity's key (specs/12 section 4)."""
    alice, carol, _ = homes
    home, store = Home(alice), Store(alice / "store.db")
    keyring.incept(home, Ingest(store), home.identity())  # what the node's first run does (specs/10)
    store.close()
    intent = ok(capsys, alice, "intent", "post", "laptops", "--title", "Laptop", "--text", "any", "--terms",
                "no-tracking")
    before = home.identity()
    assert run(capsys, alice, "key", "rotate")[0] == 0
    assert Home(alice).identity().public_key != before.public_key
    carry(capsys, tmp_path, alice, carol)
    offer = ok(capsys, carol, "intent", "offer", intent["id"], "--price", "500", "--currency", "EUR", "--text", "T14",
               "--accepts", "no-tracking")
    carry(capsys, tmp_path, carol, alice)
    assert [(o["id"], o["price"], o["accepts"]) for o in ok(capsys, alice, "intent", "offers")] == [
        (offer["id"], 50_000, ["no-tracking"])]
    assert ok(capsys, alice, "intent", "award", offer["id"])["id"]

    kept = (alice / "intents.key").rename(tmp_path / "intents.key")  # lost: a new secret opens nothing of hers
    assert "put back the file from the home's backup" in refused(capsys, alice, "intent", "withdraw", intent["id"])
    kept.replace(alice / "intents.key")
    assert ok(capsys, alice, "intent", "withdraw", intent["id"])["id"]


def test_a_home_restored_from_its_backup_with_an_empty_store_finds_its_intents_and_reads_their_offers(
        homes, capsys, tmp_path, monkeypatch):
    """specs/12 section 4: an intent's salt follows from the home's secret and what the intent says."""
    alice, carol, _ = homes
    intent = ok(capsys, alice, "intent", "post", "laptops", "--title", "Laptop", "--text", "any", "--terms",
                "no-tracking")
    other = ok(capsys, alice, "intent", "post", "laptops", "--title", "Dock", "--text", "any")
    carry(capsys, tmp_path, alice, carol)
    offer = ok(capsys, carol, "intent", "offer", intent["id"], "--price", "500", "--currency", "EUR", "--text", "T14",
               "--accepts", "no-tracking")
    monkeypatch.setenv("ANTIPORT_PASSPHRASE", "a long backup passphrase")
    backup = tmp_path / "key.backup"
    code, out, _ = run(capsys, alice, "key", "backup", str(backup))
    assert code == 0 and f"{backup}.intents" in out and is_sealed(Path(f"{backup}.intents"))
    restored = tmp_path / "restored"
    assert run(capsys, restored, "init", "--restore", str(backup), "--no-passphrase")[0] == 0
    assert Home(restored).intent_secret() == Home(alice).intent_secret()
    assert ok(capsys, restored, "intent", "offers") == []  # an empty store: nothing of hers yet
    assert run(capsys, restored, "follow", "intent/laptops")[0] == 0
    carry(capsys, tmp_path, carol, restored)  # catching up: the category's intents and offers come back
    assert [(o["id"], o["intent"], o["price"]) for o in ok(capsys, restored, "intent", "offers")] == [
        (offer["id"], intent["id"], 50_000)]
    assert {r["id"] for r in ok(capsys, restored, "intent", "list", "--mine")} == {intent["id"], other["id"]}
    assert ok(capsys, restored, "intent", "award", offer["id"])["id"]  # hers to award, as before


def test_a_new_passphrase_seals_the_intents_secret_too(tmp_path):
    home = Home(tmp_path / "h")
    home.init("h")
    secret = home.intent_secret()
    assert not is_sealed(home.intents_file)
    home.set_passphrase("a new long passphrase")
    assert is_sealed(home.intents_file) and is_sealed(home.identity_file)
    assert Home(tmp_path / "h", passphrase="a new long passphrase").intent_secret() == secret


def test_a_withdrawn_or_expired_intent_takes_no_offers(homes, capsys, tmp_path):
    alice, carol, _ = homes
    intent = ok(capsys, alice, "intent", "post", "laptops", "--title", "Laptop", "--text", "any")
    ok(capsys, alice, "intent", "withdraw", intent["id"])
    carry(capsys, tmp_path, alice, carol)
    assert ok(capsys, carol, "intent", "list") == []
    assert ok(capsys, carol, "intent", "list", "--closed")[0]["state"] == "withdrawn"
    assert "withdrawn" in refused(capsys, carol, "intent", "offer", intent["id"], "--price", "1", "--currency", "EUR",
                                  "--text", "x")
    # an intent that ended an hour ago (made with an earlier clock)
    store, key = Store(carol / "store.db"), Identity.generate()
    past = now_ms() - 2 * 3_600_000
    old = sign(key, "intent", "intent/laptops", {"title": "Old", "text": "x", "expires": past + 3_600_000},
               created=past)
    Ingest(store)(old.raw, now_ms(), "import")
    store.close()
    assert "expired" in refused(capsys, carol, "intent", "offer", old.id, "--price", "1", "--currency", "EUR",
                                "--text", "x")


def test_bad_input_is_one_line(homes, capsys):
    alice = homes[0]
    assert "budget" in refused(capsys, alice, "intent", "post", "laptops", "--title", "t", "--text", "x",
                               "--budget", "nine")
    assert "unknown terms sell-my-data" in refused(capsys, alice, "intent", "post", "laptops", "--title", "t",
                                                   "--text", "x", "--terms", "sell-my-data")
    assert "currency" in refused(capsys, alice, "intent", "post", "laptops", "--title", "t", "--text", "x",
                                 "--budget", "9", "--currency", "EURO")
    assert "expires" in refused(capsys, alice, "intent", "post", "laptops", "--title", "t", "--text", "x",
                                "--expires", "200d")
    assert "not an intent" in refused(capsys, alice, "intent", "withdraw",
                                      Store(alice / "store.db").of_kind("profile")[0][0])


def test_bad_offers_and_awards_are_refused_and_counted_with_their_reason(homes, capsys, tmp_path):
    """Arriving from a peer (specs/12 section 2): an offer from a key no manifest of the category names, one made
    at the intent's expiry, an award not signed by the intent's key; none stored, each counted under its reason."""
    alice, carol, bob = homes
    intent = ok(capsys, alice, "intent", "post", "laptops", "--title", "Laptop", "--text", "any")
    carry(capsys, tmp_path, alice, carol)
    store = Store(carol / "store.db")
    ingest, target, vendor = Ingest(store), store.get(intent["id"]), Home(carol).identity()
    sealed = {"sealed": bytes(49)}
    offer = sign(vendor, "offer", target.topic, sealed, [target.id], created=now_ms())
    past = now_ms() - 2 * 3_600_000  # an intent that ended an hour ago
    ended = sign(Identity.generate(), "intent", target.topic,
                 {"title": "Old", "text": "x", "expires": past + 3_600_000}, created=past)
    for msg in (offer, ended):
        assert ingest(msg.raw, now_ms(), "peer")[1]
    bad = {"not-vendor": sign(Home(bob).identity(), "offer", target.topic, sealed, [target.id], created=now_ms()),
           "expired": sign(vendor, "offer", target.topic, sealed, [ended.id], created=ended.body["expires"]),
           "not-intent-key": sign(Home(alice).identity(), "award", target.topic, sealed, [offer.id], created=now_ms())}
    for reason, msg in bad.items():
        with pytest.raises(Rejected) as e:
            ingest(msg.raw, now_ms(), "peer")
        assert e.value.reason == reason and str(e.value).startswith(f"{reason}: ") and not store.has(msg.id)
        assert ingest.rejected[("peer", reason)] == 1
    store.close()


def test_an_offer_made_after_the_withdrawal_is_dropped_and_counted(homes, capsys, tmp_path):
    """Valid (validity is monotone), but a receiver that holds the withdrawal does not store it (specs/12 s. 3)."""
    alice, carol, _ = homes
    intent = ok(capsys, alice, "intent", "post", "laptops", "--title", "Laptop", "--text", "any")
    carry(capsys, tmp_path, alice, carol)
    store = Store(carol / "store.db")
    target = store.get(intent["id"])
    carol_key = Home(carol).identity()
    early = sign(carol_key, "offer", "intent/laptops", {"sealed": bytes(49)}, [intent["id"]], created=now_ms() - 1000)
    store.close()
    ok(capsys, alice, "intent", "withdraw", intent["id"])
    carry(capsys, tmp_path, alice, carol)
    store = Store(carol / "store.db")
    ingest = Ingest(store)
    late = sign(carol_key, "offer", target.topic, {"sealed": bytes(49)}, [intent["id"]], created=now_ms() + 1000)
    assert ingest(late.raw, now_ms(), "peer") == (late, False) and not store.has(late.id)
    assert ingest.rejected[("peer", "withdrawn")] == 1
    assert ingest(early.raw, now_ms(), "peer")[1] and store.has(early.id)  # made before it: kept (never shown)


@pytest.mark.trio
async def test_a_running_node_finds_its_intents_again_as_sync_brings_them(homes, capsys, tmp_path):
    """The node's intents service (a home restored from its backup, its store empty): at start, the intents held;
    then each one stored from elsewhere, checked against the home's secret; others' intents stay others'."""
    alice = homes[0]
    first, second = (ok(capsys, alice, "intent", "post", "laptops", "--title", t, "--text", "any") for t in "AB")
    held = Store(alice / "store.db")
    raws = [held.raw(first["id"]), held.raw(second["id"])]
    held.close()
    store = Store(tmp_path / "empty.db")
    node = SimpleNamespace(store=store, ingest=Ingest(store))
    stranger = sign(Identity.generate(), "intent", "intent/laptops", {"title": "C", "text": "x",
                                                                     "expires": now_ms() + 60_000}, created=now_ms())
    node.ingest(raws[0], now_ms(), "import")
    async with trio.open_nursery() as nursery:
        await nursery.start(intents.service(Home(alice)), node)
        assert store.my_intents() == [first["id"]]
        node.ingest(raws[1], now_ms(), "sync")
        node.ingest(stranger.raw, now_ms(), "sync")
        nursery.cancel_scope.cancel()
    assert set(store.my_intents()) == {first["id"], second["id"]}
