"""Writes the intent vectors (specs/12-intents.md) from fixed seeds and fixed times:

    python specs/vectors/generate_intents.py          # rewrite intents.json
    python specs/vectors/generate_intents.py --check  # exit 1 if the committed file differs

The sealed offers and awards use generate_blobs.fixed_seal (libsodium's crypto_box_seal with a fixed
ephemeral key), so the file is the same on every run.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cbor2
from antiport.protocol import sign
from antiport.protocol.intents import MAX_LIFE, TERMS, award_plain, offer_plain

HERE = Path(__file__).resolve().parent
OUT = HERE / "intents.json"
sys.path.insert(0, str(HERE))
from generate import ID, NOW, T0, diag, identity  # noqa: E402
from generate_blobs import fixed_seal  # noqa: E402

LAPTOPS = "intent/laptops"
BIKES = "intent/bikes"
# fresh keys, one per intent (section 4); alice holds them, nothing links them to her did
KEYS = {"intent-key-1": identity("alice/intent-1"), "intent-key-2": identity("alice/intent-2")}
WHO = {**ID, **KEYS}
HOUR = 3600 * 1000


def sealed_parts() -> dict[str, dict]:
    """The plaintexts of the offers and the award, each sealed to its recipient."""
    parts = {
        "offer-carol": ("intent-key-1", offer_plain(89_900, "EUR", T0 + 14 * 24 * HOUR,
                                                    "ThinkPad X1, 32 GB, delivered in 3 days.",
                                                    ["no-tracking", "purpose-only"])),
        "offer-dave": ("intent-key-1", offer_plain(84_500, "EUR", T0 + 7 * 24 * HOUR, "Framework 13, 32 GB.",
                                                   ["no-tracking"])),
        "offer-late": ("intent-key-2", offer_plain(12_000, "EUR", T0 + 7 * 24 * HOUR, "A bell and new tyres.", [])),
        "award-carol": ("carol", award_plain("Yes, please: the ThinkPad.", "alice@example.org")),
    }
    out = {}
    for name, (recipient, plain) in parts.items():
        plaintext = cbor2.dumps(plain, canonical=True)
        out[name] = {"name": name, "recipient": recipient, "recipient_key": WHO[recipient].public_key.hex(),
                     "plaintext": plaintext.hex(), "plaintext_diag": diag(plain),
                     "sealed": fixed_seal(WHO[recipient].public_key, plaintext, name.encode()).hex()}
    return out


def valid_messages(sealed: dict[str, dict]) -> list[dict]:
    out: list[dict] = []
    ids: dict[str, str] = {}

    def add(name, who, kind, topic, body, refs=(), context=(), note="", created=None):
        msg = sign(WHO[who], kind, topic, body, [ids[r] for r in refs],
                   created=T0 + len(out) * 60_000 if created is None else created)
        payload, signature = cbor2.loads(msg.raw)
        ids[name] = msg.id
        out.append({"name": name, "note": note, "author": who, "kind": kind, "now": NOW,
                    "context": [ids[c] for c in context], "payload_diag": diag(cbor2.loads(payload)),
                    "payload": payload.hex(), "signature": signature.hex(), "envelope": msg.raw.hex(), "id": msg.id})

    add("vendor", "carol", "vendor", "", {"org": "Acme Corp", "topics": ["acme/widget", LAPTOPS],
                                          "keys": [ID["dave"].public_key]},
        note="carol serves intent/laptops: carol and dave may offer there")
    add("intent", "intent-key-1", "intent", LAPTOPS,
        {"title": "A light laptop", "text": "14 inch, 32 GB, Linux works.", "expires": T0 + 12 * HOUR,
         "quantity": 1, "budget": 90_000, "currency": "EUR", "region": "Berlin, DE",
         "deadline": T0 + 10 * 24 * HOUR, "terms": list(TERMS), "lang": "en"},
        note="every field; signed by a key made for this intent alone")
    add("intent-longest-life", "intent-key-2", "intent", BIKES,
        {"title": "Bike service", "text": "Brakes and tyres.", "expires": T0 + 2 * 60_000 + MAX_LIFE},
        note="expires exactly 90 days after created, the longest an intent lives")
    add("offer-carol", "carol", "offer", LAPTOPS, {"sealed": bytes.fromhex(sealed["offer-carol"]["sealed"])},
        ["intent"], ["vendor", "intent"], note="sealed to the intent's key")
    add("offer-dave", "dave", "offer", LAPTOPS, {"sealed": bytes.fromhex(sealed["offer-dave"]["sealed"])},
        ["intent"], ["vendor", "intent"], note="a key the manifest names")
    add("award", "intent-key-1", "award", LAPTOPS, {"sealed": bytes.fromhex(sealed["award-carol"]["sealed"])},
        ["offer-carol"], ["intent", "offer-carol"], note="sealed to carol, the offer's author")
    add("decline", "intent-key-1", "decline", LAPTOPS, {"reason": "Another offer was chosen."}, ["offer-dave"],
        ["intent", "offer-dave"])
    add("withdraw", "intent-key-2", "retract", BIKES, {"reason": "Found one."}, ["intent-longest-life"],
        ["intent-longest-life"], note="withdrawing is a retract by the intent's key")
    add("vendor-bikes", "bob", "vendor", "", {"org": "Bob's Bikes", "topics": [BIKES]})
    add("offer-after-withdraw", "bob", "offer", BIKES, {"sealed": bytes.fromhex(sealed["offer-late"]["sealed"])},
        ["intent-longest-life"], ["vendor-bikes", "intent-longest-life", "withdraw"],
        note="valid (validity is monotone), but inert: receivers holding the withdrawal drop it (section 3)")
    return out


def invalid_messages(valid: list[dict]) -> list[dict]:
    ids = {v["name"]: v["id"] for v in valid}
    out: list[dict] = []
    intent = {"title": "Laptop", "text": "Any.", "expires": T0 + HOUR}
    sealed = bytes(49)

    def bad(name, reason, who, kind, body, topic=LAPTOPS, refs=(), context=(), note="", created=T0):
        msg = sign(WHO[who], kind, topic, body, [ids[r] for r in refs], created=created)
        out.append({"name": name, "reason": reason, "note": note, "now": NOW, "context": [ids[c] for c in context],
                    "envelope": msg.raw.hex()})

    bad("intent-in-product-topic", "bad-topic", "intent-key-1", "intent", intent, topic="acme/widget")
    bad("intent-in-meta", "bad-topic", "intent-key-1", "intent", intent, topic="")
    bad("intent-with-ref", "bad-refs", "intent-key-1", "intent", intent, refs=["vendor"])
    bad("intent-no-expiry", "bad-body", "intent-key-1", "intent", {"title": "Laptop", "text": "Any."})
    bad("intent-expires-at-created", "bad-body", "intent-key-1", "intent", {**intent, "expires": T0})
    bad("intent-lives-too-long", "bad-body", "intent-key-1", "intent", {**intent, "expires": T0 + MAX_LIFE + 1})
    bad("intent-budget-without-currency", "bad-body", "intent-key-1", "intent", {**intent, "budget": 100})
    bad("intent-currency-lowercase", "bad-body", "intent-key-1", "intent", {**intent, "currency": "eur"})
    bad("intent-currency-four-letters", "bad-body", "intent-key-1", "intent", {**intent, "currency": "EURO"})
    bad("intent-unknown-term", "bad-body", "intent-key-1", "intent", {**intent, "terms": ["sell-my-data"]})
    bad("intent-term-twice", "bad-body", "intent-key-1", "intent", {**intent, "terms": ["no-tracking"] * 2})
    bad("intent-quantity-zero", "bad-body", "intent-key-1", "intent", {**intent, "quantity": 0})
    bad("intent-unknown-field", "bad-body", "intent-key-1", "intent", {**intent, "colour": "red"})
    bad("intent-blank-title", "empty-text", "intent-key-1", "intent", {**intent, "title": " "})
    bad("intent-region-two-lines", "bad-text", "intent-key-1", "intent", {**intent, "region": "Berlin\nDE"})
    bad("offer-unknown-intent", "missing-ref", "carol", "offer", {"sealed": sealed}, refs=["intent"],
        note="the intent it refers to is not held")
    bad("offer-on-a-manifest", "bad-refs", "carol", "offer", {"sealed": sealed}, refs=["vendor"],
        context=["vendor"])
    bad("offer-other-category", "topic-mismatch", "carol", "offer", {"sealed": sealed}, topic=BIKES,
        refs=["intent"], context=["vendor", "intent"])
    bad("offer-not-in-manifest", "not-vendor", "mallory", "offer", {"sealed": sealed}, refs=["intent"],
        context=["vendor", "intent"], note="mallory's key is in no manifest that serves intent/laptops")
    bad("offer-for-another-category", "not-vendor", "bob", "offer", {"sealed": sealed}, refs=["intent"],
        context=["vendor-bikes", "intent"], note="bob serves intent/bikes only")
    bad("offer-at-expiry", "expired", "carol", "offer", {"sealed": sealed}, refs=["intent"],
        context=["vendor", "intent"], created=T0 + 12 * HOUR, note="created equals the intent's expires")
    bad("offer-seal-too-short", "bad-body", "carol", "offer", {"sealed": bytes(48)}, refs=["intent"],
        context=["vendor", "intent"], note="a sealed box is 48 bytes longer than its plaintext")
    bad("award-by-the-did", "not-intent-key", "alice", "award", {"sealed": sealed}, refs=["offer-carol"],
        context=["vendor", "intent", "offer-carol"], note="alice's own did is not the intent's key")
    bad("award-by-another-intent-key", "not-intent-key", "intent-key-2", "award", {"sealed": sealed},
        refs=["offer-carol"], context=["vendor", "intent", "offer-carol"])
    bad("decline-by-the-vendor", "not-intent-key", "carol", "decline", {}, refs=["offer-dave"],
        context=["vendor", "intent", "offer-dave"])
    bad("award-intent-not-held", "not-intent-key", "intent-key-1", "award", {"sealed": sealed},
        refs=["offer-carol"], context=["offer-carol"], note="without the intent nobody is its key")
    bad("award-without-seal", "bad-body", "intent-key-1", "award", {}, refs=["offer-carol"],
        context=["vendor", "intent", "offer-carol"])
    bad("award-on-the-intent", "bad-refs", "intent-key-1", "award", {"sealed": sealed}, refs=["intent"],
        context=["intent"], note="an award names the offer it takes")
    return out


def build() -> dict[str, str]:
    sealed = sealed_parts()
    valid = valid_messages(sealed)
    doc = {"about": "Intents (12). `keys`: the seeds of the intent keys (the rest are identities.json's). "
                    "`sealed`: what each offer and award holds, sealed to `recipient`. `valid`: valid at `now` with "
                    "the messages of `context` (ids from this file) held. `invalid`: refused with `reason`.",
           "limits": {"max_life": MAX_LIFE, "terms": list(TERMS)},
           "keys": [{"name": n, "seed": k.seed.hex(), "public_key": k.public_key.hex()} for n, k in KEYS.items()],
           "sealed": list(sealed.values()), "valid": valid, "invalid": invalid_messages(valid)}
    return {"intents.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n"}


def main(argv: list[str]) -> int:
    text = build()["intents.json"]
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        if not same:
            print("intents.json differs from what generate_intents.py writes")
        return 0 if same else 1
    OUT.write_text(text)
    print("wrote intents.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
