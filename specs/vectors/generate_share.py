"""Writes the vectors of passing a thread on (specs/13-share.md) from fixed seeds and fixed times:

    python specs/vectors/generate_share.py          # rewrite share.json
    python specs/vectors/generate_share.py --check  # exit 1 if the committed file differs

Sealed boxes use generate_blobs.fixed_seal (a fixed ephemeral key), so the file is the same on every run.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import cbor2
from antiport.protocol import sign

HERE = Path(__file__).resolve().parent
OUT = HERE / "share.json"
sys.path.insert(0, str(HERE))
from generate import ID, NOW, OTHER, T0, TOPIC, diag, envelope, payload_map  # noqa: E402
from generate_blobs import fixed_seal  # noqa: E402

THREAD = bytes.fromhex("5f" * 32)  # the id of a thread root in acme/widget (any id: a share never refers to it)
TITLE = "The hinge squeaks"


def sealed_parts() -> list[dict]:
    """Each map of section 2 sealed to bob, with what it opens to and whether a receiver takes it."""
    out = []
    for name, inner, valid in (
            ("share", {"thread": THREAD, "topic": TOPIC, "title": TITLE, "note": "Bob, you fixed one of these?"},
             True),
            ("share-without-note", {"thread": THREAD, "topic": TOPIC, "title": TITLE}, True),
            ("share-id-in-hex", {"thread": THREAD.hex(), "topic": TOPIC, "title": TITLE}, False),
            ("share-title-two-lines", {"thread": THREAD, "topic": TOPIC, "title": "The hinge\nsqueaks"}, False),
            ("share-not-a-slug", {"thread": THREAD, "topic": "Acme/Widget", "title": TITLE}, False)):
        plaintext = cbor2.dumps(inner, canonical=True)
        box = fixed_seal(ID["bob"].public_key, plaintext, name.encode())
        out.append({"name": name, "recipient": "bob", "sealed": box.hex(), "plaintext": plaintext.hex(),
                    "plaintext_diag": diag(inner), "valid": valid})
    return out


def valid_messages(sealed: dict[str, bytes]) -> list[dict]:
    out: list[dict] = []

    def add(name, kind, topic, body, note=""):
        msg = sign(ID["alice"], kind, topic, body, [], created=T0 + len(out) * 60_000)
        payload, signature = cbor2.loads(msg.raw)
        out.append({"name": name, "note": note, "author": "alice", "kind": kind, "now": NOW, "context": [],
                    "payload_diag": diag(cbor2.loads(payload)), "payload": payload.hex(),
                    "signature": signature.hex(), "envelope": msg.raw.hex(), "id": msg.id})

    bob = ID["bob"].public_key
    add("share", "share", "", {"to": bob, "sealed": sealed["share"]}, note="alice passes a thread on to bob")
    add("share-bad-inside", "share", "", {"to": bob, "sealed": sealed["share-id-in-hex"]},
        note="valid: validation never opens it; bob's node shows it as unreadable")
    add("crosspost", "crosspost", OTHER, {"thread": THREAD, "source": TOPIC, "title": TITLE,
                                          "note": "The gadget has the same hinge"},
        note="a public pointer in acme/gadget to a thread of acme/widget")
    add("crosspost-without-note", "crosspost", OTHER, {"thread": THREAD, "source": TOPIC, "title": TITLE})
    return out


def invalid_messages(sealed: dict[str, bytes]) -> list[dict]:
    bob, box = ID["bob"].public_key, sealed["share"]
    out: list[dict] = []
    pointer = {"thread": THREAD, "source": TOPIC, "title": TITLE}

    def bad(name, reason, kind, body, topic="", refs=(), note=""):
        raw = envelope(payload_map(who="alice", kind=kind, topic=topic, body=body, refs=list(refs)), signer="alice")
        out.append({"name": name, "reason": reason, "note": note, "now": NOW, "context": [], "envelope": raw.hex()})

    bad("share-in-a-product-topic", "bad-topic", "share", {"to": bob, "sealed": box}, topic=TOPIC,
        note="shares live in the meta topic, whatever the thread's")
    bad("share-with-a-ref", "bad-refs", "share", {"to": bob, "sealed": box}, refs=[THREAD.hex()],
        note="a ref would tell every relay which thread was passed on")
    bad("share-without-to", "bad-body", "share", {"sealed": box})
    bad("share-sealed-48-bytes", "bad-body", "share", {"to": bob, "sealed": bytes(48)})
    bad("share-note-in-clear", "bad-body", "share", {"to": bob, "sealed": box, "note": "look"},
        note="nothing beside the sealed part")
    bad("crosspost-in-the-meta-topic", "bad-topic", "crosspost", pointer)
    bad("crosspost-with-a-ref", "bad-refs", "crosspost", pointer, topic=OTHER, refs=[THREAD.hex()])
    bad("crosspost-into-its-own-topic", "bad-body", "crosspost", pointer, topic=TOPIC,
        note="a pointer goes to another topic")
    bad("crosspost-source-not-a-slug", "bad-body", "crosspost", {**pointer, "source": "Acme/Widget"}, topic=OTHER)
    bad("crosspost-thread-31-bytes", "bad-body", "crosspost", {**pointer, "thread": THREAD[:31]}, topic=OTHER)
    bad("crosspost-blank-title", "empty-text", "crosspost", {**pointer, "title": " \u3000"}, topic=OTHER)
    bad("crosspost-title-two-lines", "bad-text", "crosspost", {**pointer, "title": "The hinge\nsqueaks"},
        topic=OTHER)
    bad("crosspost-blank-note", "empty-text", "crosspost", {**pointer, "note": "\n"}, topic=OTHER)
    return out


def build() -> dict[str, str]:
    parts = sealed_parts()
    sealed = {p["name"]: bytes.fromhex(p["sealed"]) for p in parts}
    doc = {"about": "Passing a thread on (13). `sealed`: sealed boxes, each opened by `recipient`'s key to "
                    "`plaintext`, `valid` when a receiver takes it (13 section 2). `valid`: shares and cross-posts, "
                    "valid at `now` with nothing held. `invalid`: refused with `reason`.",
           "sealed": parts, "valid": valid_messages(sealed), "invalid": invalid_messages(sealed)}
    return {"share.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n"}


def main(argv: list[str]) -> int:
    text = build()["share.json"]
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        if not same:
            print("share.json differs from what generate_share.py writes")
        return 0 if same else 1
    OUT.write_text(text)
    print("wrote share.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
