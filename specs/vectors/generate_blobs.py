"""Writes the attachment vectors (specs/09-attachments.md) from fixed seeds and fixed times:

    python specs/vectors/generate_blobs.py          # rewrite blobs.json
    python specs/vectors/generate_blobs.py --check  # exit 1 if the committed file differs

Sealed boxes are randomised (a fresh ephemeral key each time); here the ephemeral key comes from a fixed
seed, built as libsodium's crypto_box_seal does, so that the file is the same on every run.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cbor2
import nacl.bindings as sodium
from antiport.protocol import sign
from antiport.protocol.blobs import MAX_BLOB, MAX_MESSAGE_FILES, MAX_NAME, blob_hash
from antiport.protocol.kinds import MAX_FILES

HERE = Path(__file__).resolve().parent
OUT = HERE / "blobs.json"
sys.path.insert(0, str(HERE))
from generate import ID, NOW, T0, TOPIC, diag, envelope, payload_map  # noqa: E402

SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(24))  # the start of a PNG, as a small blob
LOG = b"boot: beep beep\nboot: halt\n"
MIB = 1024 * 1024


def fixed_seal(recipient: bytes, plaintext: bytes, seed: bytes) -> bytes:
    """crypto_box_seal with the ephemeral key made from `seed`: epk || box(plaintext, nonce, recipient, esk),
    nonce = BLAKE2b-192(epk || recipient's X25519 key)."""
    curve = sodium.crypto_sign_ed25519_pk_to_curve25519(recipient)
    esk = hashlib.blake2b(b"antiport/vectors/seal/" + seed, digest_size=32).digest()
    epk = sodium.crypto_scalarmult_base(esk)
    nonce = hashlib.blake2b(epk + curve, digest_size=24).digest()
    return epk + sodium.crypto_box(plaintext, nonce, curve, esk)


def plain(data: bytes, name: str, media_type: str) -> dict:
    return {"hash": blob_hash(data), "size": len(data), "name": name, "type": media_type}


def sealed_blobs() -> list[dict]:
    out = []
    for name, media_type, data in (("serial-number.txt", "text/plain", b"SN 4711-0815"),):
        plaintext = cbor2.dumps({"name": name, "type": media_type, "data": data}, canonical=True)
        blob = fixed_seal(ID["carol"].public_key, plaintext, name.encode())
        out.append({"name": name, "recipient": "carol", "blob": blob.hex(), "hash": blob_hash(blob).hex(),
                    "plaintext": plaintext.hex(), "plaintext_diag": diag(cbor2.loads(plaintext))})
    return out


def valid_messages(sealed: list[dict]) -> list[dict]:
    out: list[dict] = []
    ids: dict[str, str] = {}

    def add(name, who, kind, body, refs=(), context=(), note=""):
        msg = sign(ID[who], kind, "" if kind == "vendor" else TOPIC, body, [ids[r] for r in refs],
                   created=T0 + len(out) * 60_000)
        payload, signature = cbor2.loads(msg.raw)
        ids[name] = msg.id
        out.append({"name": name, "note": note, "author": who, "kind": kind, "now": NOW,
                    "context": [ids[c] for c in context], "payload_diag": diag(cbor2.loads(payload)),
                    "payload": payload.hex(), "signature": signature.hex(), "envelope": msg.raw.hex(), "id": msg.id})

    shot, log = plain(SCREENSHOT, "screen shot.png", "image/png"), plain(LOG, "boot.log", "text/plain")
    add("vendor", "carol", "vendor", {"org": "Acme Corp", "topics": [TOPIC], "keys": [ID["dave"].public_key]})
    add("request-with-files", "alice", "request", {"title": "Widget beeps", "text": "Screen and log attached.",
                                                   "files": [shot, log]},
        note="two public files, listed in the order the asker attached them")
    seal = sealed[0]
    add("request-sealed-file", "alice", "request",
        {"title": "Serial number", "text": "In the sealed file.", "private": fixed_seal(
            ID["carol"].public_key, b"Please keep this private.", b"private"), "to": ID["carol"].public_key,
         "files": [{"hash": bytes.fromhex(seal["hash"]), "size": len(seal["blob"]) // 2, "sealed": True}]},
        note="a sealed file: its blob is a sealed box to `to` of {name, type, data}; the entry tells nothing else")
    add("answer-with-file", "bob", "answer", {"text": "Same here; see my log.", "files": [log]},
        ["request-with-files"], ["request-with-files"], note="a blob may be listed by several messages")
    add("status-with-file", "dave", "status", {"state": "in-progress", "files": [
        plain(b"%PDF-1.7\n", "firmware-notes.pdf", "application/pdf")]}, ["request-with-files"],
        ["vendor", "request-with-files"])
    add("largest-files", "bob", "complaint", {"title": "Full", "text": "Eight files of 1 MiB.", "files": [
        {"hash": bytes([i]) * 32, "size": MIB, "name": f"part-{i}.bin", "type": "application/octet-stream"}
        for i in range(MAX_FILES)]}, note=f"{MAX_FILES} entries of {MIB} bytes: {MAX_MESSAGE_FILES} together, "
                                          "the limit (the blobs themselves are not needed to validate)")
    add("largest-blob", "bob", "complaint", {"title": "Big", "text": "One blob at the limit.", "files": [
        {"hash": b"\x42" * 32, "size": MAX_BLOB, "name": "é" * MAX_NAME, "type": "video/mp4"}]},
        note=f"a blob of {MAX_BLOB} bytes and a name of {MAX_NAME} code points")
    return out


def invalid_messages(valid: list[dict]) -> list[dict]:
    ids = {v["name"]: v["id"] for v in valid}
    shot = plain(SCREENSHOT, "screen.png", "image/png")
    out: list[dict] = []

    def bad(name, files, reason="bad-body", kind="request", who="alice", note="", to=None, refs=(), context=()):
        body = {"text": "x", "files": files} if kind == "answer" else {"title": "t", "text": "x", "files": files}
        if kind == "vote":
            body = {"value": "up", "files": files}
        if to:
            body["to"] = to
        raw = envelope(payload_map(who=who, kind=kind, body=body, refs=[ids[r] for r in refs]), signer=who)
        out.append({"name": name, "reason": reason, "note": note, "now": NOW, "context": [ids[c] for c in context],
                    "envelope": raw.hex()})

    def with_(**change):
        return [{**shot, **change}]

    bad("files-empty", [], note="files, when present, lists 1 to 8 entries")
    bad("files-nine", [plain(bytes([i]), f"{i}.bin", "application/octet-stream") for i in range(MAX_FILES + 1)])
    bad("files-not-a-list", shot)
    bad("files-entry-not-a-map", [shot["hash"]])
    bad("files-entry-extra-key", with_(colour="red"))
    bad("files-entry-no-type", [{k: v for k, v in shot.items() if k != "type"}])
    bad("files-entry-plain-and-sealed", with_(sealed=True), to=ID["carol"].public_key)
    bad("files-hash-31-bytes", with_(hash=shot["hash"][:31]))
    bad("files-hash-text", with_(hash=shot["hash"].hex()))
    bad("files-size-zero", with_(size=0))
    bad("files-size-over", with_(size=MAX_BLOB + 1), note=f"a blob is at most {MAX_BLOB} bytes")
    bad("files-size-bool", with_(size=True), note="true is not an integer")
    bad("files-together-over", [{**shot, "hash": bytes([i]) * 32, "size": 3 * MIB} for i in range(3)],
        note=f"three blobs of 3 MiB: more than {MAX_MESSAGE_FILES} bytes together")
    bad("files-twice", [shot, {**shot, "name": "again.png"}], note="one blob listed twice")
    bad("files-type-upper-case", with_(type="Image/PNG"))
    bad("files-type-parameters", with_(type="text/plain; charset=utf-8"))
    bad("files-type-one-part", with_(type="png"))
    bad("files-name-empty", with_(name=""))
    bad("files-name-blank", with_(name=" \u3000"))
    bad("files-name-too-long", with_(name="x" * (MAX_NAME + 1)))
    bad("files-name-path", with_(name="../../.bashrc"), note="a name is a name, never a path")
    bad("files-name-backslash", with_(name="..\\boot.ini"))
    bad("files-name-dot-dot", with_(name=".."))
    bad("files-name-escape", with_(name="a\x1b[2Jb.png"), note="a name is a line: no controls (bad-body: an entry "
                                                                    "rule)")
    bad("files-name-bidi", with_(name="gpj.\u202eexe"), note="U+202E would show exe.jpg as jpg.exe")
    sealed = {"hash": shot["hash"], "size": 100, "sealed": True}
    bad("files-sealed-without-to", [sealed], note="a sealed blob is sealed to the message's `to`")
    bad("files-sealed-in-answer", [sealed], kind="answer", who="bob", refs=["request-with-files"],
        context=["request-with-files"], note="answers have no `to`: their files are public")
    bad("files-sealed-false", [{**sealed, "sealed": False}], to=ID["carol"].public_key)
    bad("files-sealed-too-small", [{**sealed, "size": 48}], to=ID["carol"].public_key,
        note="a sealed box is 48 bytes longer than what it holds, and a file's plaintext is never empty")
    bad("files-on-a-vote", [shot], kind="vote", who="bob", refs=["answer-with-file"],
        context=["request-with-files", "answer-with-file"],
        note="only request, complaint, answer and status list files")
    return out


def build() -> dict[str, str]:
    sealed = sealed_blobs()
    valid = valid_messages(sealed)
    doc = {"about": "Attachments (09). `blobs`: bytes and their hash. `sealed`: sealed blobs, each opened by "
                    "`recipient`'s key to `plaintext`. `valid`: messages listing files, valid at `now` with the "
                    "messages of `context` (ids from this file) held. `invalid`: refused with `reason`.",
           "limits": {"max_blob": MAX_BLOB, "max_files": MAX_FILES, "max_message_files": MAX_MESSAGE_FILES,
                      "max_name": MAX_NAME},
           "blobs": [{"name": n, "data": d.hex(), "hash": blob_hash(d).hex()}
                     for n, d in (("screenshot", SCREENSHOT), ("log", LOG))],
           "sealed": sealed, "valid": valid, "invalid": invalid_messages(valid)}
    return {"blobs.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n"}


def main(argv: list[str]) -> int:
    text = build()["blobs.json"]
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        if not same:
            print("blobs.json differs from what generate_blobs.py writes")
        return 0 if same else 1
    OUT.write_text(text)
    print("wrote blobs.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
