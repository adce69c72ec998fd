"""Writes the contact card vectors (specs/11-contact.md) from fixed seeds and fixed times:

    python specs/vectors/generate_contact.py          # rewrite contact.json
    python specs/vectors/generate_contact.py --check  # exit 1 if the committed file differs

Sealed boxes use generate_blobs.fixed_seal (a fixed ephemeral key), so the file is the same on every run.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cbor2
from antiport.protocol import sign

HERE = Path(__file__).resolve().parent
OUT = HERE / "contact.json"
sys.path.insert(0, str(HERE))
from generate import ID, NOW, T0, diag, envelope, payload_map  # noqa: E402
from generate_blobs import fixed_seal  # noqa: E402

CARD = {"name": "Alice Liddell", "email": "alice@example.org", "phone": "+44 1865 000000",
        "address": "Christ Church\nOxford OX1 1DP"}


def sealed_parts() -> list[dict]:
    """Each plaintext of sections 2 and 3 sealed to its recipient, with what it opens to."""
    out = []
    for name, recipient, inner in (("card", "carol", {"op": "update", "card": CARD}),
                                   ("erase", "carol", {"op": "erase"}),
                                   ("applied", "alice", {"result": "applied"}),
                                   ("refused", "alice", {"result": "refused", "reason": "We keep no phone numbers."}),
                                   ("card-bad-email", "carol", {"op": "update", "card": {"email": "alice at home"}})):
        plaintext = cbor2.dumps(inner, canonical=True)
        box = fixed_seal(ID[recipient].public_key, plaintext, name.encode())
        out.append({"name": name, "recipient": recipient, "sealed": box.hex(), "plaintext": plaintext.hex(),
                    "plaintext_diag": diag(inner), "valid": name != "card-bad-email"})
    return out


def valid_messages(sealed: dict[str, bytes]) -> list[dict]:
    out: list[dict] = []
    ids: dict[str, str] = {}

    def add(name, who, kind, body, refs=(), context=(), note=""):
        msg = sign(ID[who], kind, "", body, [ids[r] for r in refs], created=T0 + len(out) * 60_000)
        payload, signature = cbor2.loads(msg.raw)
        ids[name] = msg.id
        out.append({"name": name, "note": note, "author": who, "kind": kind, "now": NOW,
                    "context": [ids[c] for c in context], "payload_diag": diag(cbor2.loads(payload)),
                    "payload": payload.hex(), "signature": signature.hex(), "envelope": msg.raw.hex(), "id": msg.id})

    carol, alice = ID["carol"].public_key, ID["alice"].public_key
    add("contact", "alice", "contact", {"to": carol, "sealed": sealed["card"]}, note="alice's card, sealed to carol")
    add("receipt", "carol", "receipt", {"to": alice, "sealed": sealed["applied"]}, ["contact"], ["contact"],
        note="carol applied it")
    add("erase", "alice", "contact", {"to": carol, "sealed": sealed["erase"]},
        note="forget me: the same kind, only the sealed part says so")
    add("receipt-refused", "carol", "receipt", {"to": alice, "sealed": sealed["refused"]}, ["erase"], ["erase"])
    add("contact-bad-card", "alice", "contact", {"to": carol, "sealed": sealed["card-bad-email"]},
        note="valid: validation never opens the card; carol answers it with a refused receipt")
    return out


def invalid_messages(valid: list[dict], sealed: dict[str, bytes]) -> list[dict]:
    ids = {v["name"]: v["id"] for v in valid}
    carol, alice, box = ID["carol"].public_key, ID["alice"].public_key, sealed["card"]
    out: list[dict] = []

    def bad(name, reason, who, kind, body, topic="", refs=(), context=(), note=""):
        raw = envelope(payload_map(who=who, kind=kind, topic=topic, body=body, refs=[ids[r] for r in refs]),
                       signer=who)
        out.append({"name": name, "reason": reason, "note": note, "now": NOW, "context": [ids[c] for c in context],
                    "envelope": raw.hex()})

    bad("contact-in-a-product-topic", "bad-topic", "alice", "contact", {"to": carol, "sealed": box},
        topic="acme/widget", note="cards live in the meta topic")
    bad("contact-with-a-ref", "bad-refs", "alice", "contact", {"to": carol, "sealed": box}, refs=["receipt"])
    bad("contact-without-to", "bad-body", "alice", "contact", {"sealed": box})
    bad("contact-to-31-bytes", "bad-body", "alice", "contact", {"to": carol[:31], "sealed": box})
    bad("contact-sealed-48-bytes", "bad-body", "alice", "contact", {"to": carol, "sealed": bytes(48)},
        note="a sealed box is 48 bytes longer than what it holds, and a card is never empty")
    bad("contact-sealed-over", "bad-body", "alice", "contact", {"to": carol, "sealed": bytes(4097)})
    bad("contact-plain-card", "bad-body", "alice", "contact", {"to": carol, "sealed": box, "email": "a@b.c"},
        note="no field beside the sealed part: a card in clear is refused")
    bad("receipt-without-ref", "bad-refs", "carol", "receipt", {"to": alice, "sealed": box})
    bad("receipt-unknown-contact", "missing-ref", "carol", "receipt", {"to": alice, "sealed": box}, refs=["contact"])
    bad("receipt-on-a-receipt", "bad-refs", "carol", "receipt", {"to": alice, "sealed": box}, refs=["receipt"],
        context=["contact", "receipt"])
    bad("receipt-by-someone-else", "not-addressee", "mallory", "receipt", {"to": alice, "sealed": box},
        refs=["contact"], context=["contact"], note="only the key the card was sealed to answers for the vendor")
    bad("receipt-to-someone-else", "not-addressee", "carol", "receipt", {"to": ID["mallory"].public_key,
                                                                         "sealed": box},
        refs=["contact"], context=["contact"], note="a receipt goes back to the card's author")
    bad("receipt-in-a-product-topic", "topic-mismatch", "carol", "receipt", {"to": alice, "sealed": box},
        topic="acme/widget", refs=["contact"], context=["contact"])
    return out


def build() -> dict[str, str]:
    parts = sealed_parts()
    sealed = {p["name"]: bytes.fromhex(p["sealed"]) for p in parts}
    valid = valid_messages(sealed)
    doc = {"about": "Contact cards (11). `sealed`: sealed boxes, each opened by `recipient`'s key to `plaintext`, "
                    "`valid` when it follows 11 sections 2-3. `valid`: contacts and receipts, valid at `now` with "
                    "the messages of `context` (ids from this file) held. `invalid`: refused with `reason`.",
           "sealed": parts, "valid": valid, "invalid": invalid_messages(valid, sealed)}
    return {"contact.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n"}


def main(argv: list[str]) -> int:
    text = build()["contact.json"]
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        if not same:
            print("contact.json differs from what generate_contact.py writes")
        return 0 if same else 1
    OUT.write_text(text)
    print("wrote contact.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
