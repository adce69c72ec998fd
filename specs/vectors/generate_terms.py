"""Writes the terms vectors (specs/14-terms.md) from fixed seeds and fixed times:

    python specs/vectors/generate_terms.py          # rewrite terms.json
    python specs/vectors/generate_terms.py --check  # exit 1 if the committed file differs
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cbor2
from antiport.protocol import sign
from antiport.protocol.terms import DAYS, WORDS, in_plain_words

HERE = Path(__file__).resolve().parent
OUT = HERE / "terms.json"
sys.path.insert(0, str(HERE))
from generate import ID, NOW, T0, diag  # noqa: E402
from generate_intents import KEYS  # noqa: E402

WHO = {**ID, **KEYS}
WIDGET, GADGET, LAPTOPS = "acme/widget", "acme/gadget", "intent/laptops"
HOUR = 3600 * 1000
ALICE_TERMS = {"words": ["no-tracking", "purpose-only", "delete-after-days"], "days": 30}


def valid_messages() -> list[dict]:
    out: list[dict] = []
    ids: dict[str, str] = {}

    def add(name, who, kind, topic, body, refs=(), context=(), note=""):
        body = {k: bytes.fromhex(ids[v[1:]]) if isinstance(v, str) and v.startswith("@") else v
                for k, v in body.items()}  # "@name": the id of that vector, as 32 bytes
        msg = sign(WHO[who], kind, topic, body, [ids[r] for r in refs], created=T0 + len(out) * 60_000)
        payload, signature = cbor2.loads(msg.raw)
        ids[name] = msg.id
        entry = {"name": name, "note": note, "author": who, "kind": kind, "now": NOW,
                 "context": [ids[c] for c in context], "payload_diag": diag(cbor2.loads(payload)),
                 "payload": payload.hex(), "signature": signature.hex(), "envelope": msg.raw.hex(), "id": msg.id}
        if kind == "terms":
            entry["plain"] = in_plain_words(body)
        out.append(entry)

    add("vendor", "carol", "vendor", "", {"org": "Acme Corp", "topics": [WIDGET, LAPTOPS],
                                          "keys": [ID["dave"].public_key]},
        note="carol serves acme/widget and intent/laptops: carol and dave may consent there")
    add("terms", "alice", "terms", WIDGET, ALICE_TERMS,
        note="alice's terms in the topic she asks in, one word with its parameter")
    add("request", "alice", "request", WIDGET, {"title": "Widget broke", "text": "It stopped.", "terms_doc": "@terms"},
        context=["terms"], note="a request naming her terms")
    add("complaint", "alice", "complaint", WIDGET, {"title": "Still broken", "text": "A week now.",
                                                    "terms_doc": "@terms"}, context=["terms"])
    add("consent-accept", "carol", "consent", WIDGET, {"value": "accept"}, ["terms"], ["vendor", "terms"],
        note="the vendor accepts her terms: a fact both keep")
    add("consent-refuse", "dave", "consent", WIDGET, {"value": "refuse", "reason": "We keep invoices ten years."},
        ["terms"], ["vendor", "terms"], note="a key the manifest names refuses, saying why")
    add("terms-new-version", "alice", "terms", WIDGET, {"words": ["no-tracking", "no-sharing"]},
        note="a new version is a new message; what names the old one still names the old one")
    add("terms-of-intent", "intent-key-1", "terms", LAPTOPS, {"words": list(WORDS), "days": DAYS[0]},
        note="signed by the intent's own key, in the category: nothing links it to alice's did")
    add("intent", "intent-key-1", "intent", LAPTOPS,
        {"title": "A light laptop", "text": "14 inch.", "expires": T0 + 12 * HOUR, "terms_doc": "@terms-of-intent"},
        context=["terms-of-intent"], note="the intent names terms signed by its own key")
    add("consent-on-intent-terms", "carol", "consent", LAPTOPS, {"value": "accept"}, ["terms-of-intent"],
        ["vendor", "terms-of-intent"], note="a vendor of the category accepts an intent's terms")
    return out


def invalid_messages(valid: list[dict]) -> list[dict]:
    ids = {v["name"]: v["id"] for v in valid}
    out: list[dict] = []
    ask = {"title": "Widget", "text": "Help."}

    def bad(name, reason, who, kind, body, topic=WIDGET, refs=(), context=(), note=""):
        body = {k: bytes.fromhex(ids[v[1:]]) if isinstance(v, str) and v.startswith("@") else v
                for k, v in body.items()}
        msg = sign(WHO[who], kind, topic, body, [ids[r] for r in refs], created=T0)
        out.append({"name": name, "reason": reason, "note": note, "now": NOW, "context": [ids[c] for c in context],
                    "envelope": msg.raw.hex()})

    bad("terms-unknown-word", "bad-body", "alice", "terms", {"words": ["sell-my-data"]})
    bad("terms-word-twice", "bad-body", "alice", "terms", {"words": ["no-tracking", "no-tracking"]})
    bad("terms-no-words", "bad-body", "alice", "terms", {"words": []})
    bad("terms-days-without-its-word", "bad-body", "alice", "terms", {"words": ["no-tracking"], "days": 30})
    bad("terms-word-without-days", "bad-body", "alice", "terms", {"words": ["delete-after-days"]})
    bad("terms-days-not-offered", "bad-body", "alice", "terms", {"words": ["delete-after-days"], "days": 31},
        note="days is one of a few values, so that it says little about who chose it")
    bad("terms-unknown-field", "bad-body", "alice", "terms", {"words": ["no-tracking"], "text": "Be nice."})
    bad("terms-in-meta", "bad-topic", "alice", "terms", {"words": ["no-tracking"]}, topic="")
    bad("terms-with-ref", "bad-refs", "alice", "terms", {"words": ["no-tracking"]}, refs=["request"],
        context=["terms", "request"])
    bad("request-terms-doc-short", "bad-body", "alice", "request", {**ask, "terms_doc": bytes(31)})
    bad("request-terms-not-held", "missing-ref", "alice", "request", {**ask, "terms_doc": "@terms"},
        note="parked until the terms document arrives, like a missing ref")
    bad("request-terms-doc-is-a-request", "bad-refs", "alice", "complaint", {**ask, "terms_doc": "@request"},
        context=["terms", "request"])
    bad("request-terms-of-another-topic", "topic-mismatch", "alice", "request", {**ask, "terms_doc": "@terms"},
        topic=GADGET, context=["terms"])
    bad("request-terms-of-another-author", "not-author", "bob", "request", {**ask, "terms_doc": "@terms"},
        context=["terms"], note="only her own terms: a vendor's consent to them is then a fact about her")
    bad("intent-terms-of-another-key", "not-author", "intent-key-2", "intent",
        {"title": "Laptop", "text": "Any.", "expires": T0 + HOUR, "terms_doc": "@terms-of-intent"}, topic=LAPTOPS,
        context=["terms-of-intent"], note="an intent names only terms signed by its own key (section 4)")
    bad("consent-not-vendor", "not-vendor", "mallory", "consent", {"value": "accept"}, refs=["terms"],
        context=["vendor", "terms"])
    bad("consent-on-a-request", "bad-refs", "carol", "consent", {"value": "accept"}, refs=["request"],
        context=["vendor", "terms", "request"])
    bad("consent-maybe", "bad-body", "carol", "consent", {"value": "maybe"}, refs=["terms"],
        context=["vendor", "terms"])
    bad("consent-in-another-topic", "topic-mismatch", "carol", "consent", {"value": "accept"}, topic=GADGET,
        refs=["terms"], context=["vendor", "terms"])
    bad("consent-terms-not-held", "missing-ref", "carol", "consent", {"value": "accept"}, refs=["terms"],
        context=["vendor"])
    return out


def build() -> dict[str, str]:
    valid = valid_messages()
    doc = {"about": "Terms (14). `valid`: valid at `now` with the messages of `context` (ids from this file and the "
                    "intent keys of intents.json) held; a terms document's `plain` is its words as people read them. "
                    "`invalid`: refused with `reason`.",
           "limits": {"words": list(WORDS), "days": list(DAYS)},
           "valid": valid, "invalid": invalid_messages(valid)}
    return {"terms.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n"}


def main(argv: list[str]) -> int:
    text = build()["terms.json"]
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        if not same:
            print("terms.json differs from what generate_terms.py writes")
        return 0 if same else 1
    OUT.write_text(text)
    print("wrote terms.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
