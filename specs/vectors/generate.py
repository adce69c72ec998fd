"""Writes the test vectors in this folder from fixed seeds and fixed times (run it from anywhere).

    python specs/vectors/generate.py          # rewrite the .json files
    python specs/vectors/generate.py --check  # exit 1 if a committed file differs

The same inputs always give byte-identical files: Ed25519 signatures are deterministic.
Invalid envelopes are built by hand here, below the protocol's own `sign`, which refuses to make them.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cbor2
from antiport.crypto import Identity
from antiport.protocol import DOMAIN, MAX_ENVELOPE, normalise, sign
from antiport.protocol.topics import BadTopic, is_slug, topic_name

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # generate_ed25519, for the forgeries under small-order keys
from generate_ed25519 import SMALL_ORDER, encode, forge  # noqa: E402

T0 = 1_767_225_600_000          # 2026-01-01T00:00:00Z, the creation time of the first vector message
NOW = T0 + 24 * 3600 * 1000     # the receiver's clock for every vector
TOPIC = "acme/widget"
OTHER = "acme/gadget"
NAMES = ("alice", "bob", "carol", "dave", "mallory")  # customer, expert, vendor, vendor staff, someone else


def identity(name: str) -> Identity:
    return Identity(hashlib.blake2b(b"antiport/vectors/" + name.encode(), digest_size=32).digest())


ID = {n: identity(n) for n in NAMES}


def diag(value) -> str:
    """CBOR diagnostic notation (RFC 8949 section 8) of a data-model value, for people reading vectors."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return f"h'{value.hex()}'"
    if isinstance(value, list):
        return "[" + ", ".join(diag(v) for v in value) + "]"
    return "{" + ", ".join(f"{diag(k)}: {diag(v)}" for k, v in value.items()) + "}"


# -- valid messages -----------------------------------------------------------------------------------

def valid_messages() -> list[dict]:
    out: list[dict] = []
    by_name: dict[str, str] = {}

    def add(name, who, kind, topic, body, refs=(), context=(), note="", created=None):
        created = T0 + len(out) * 60_000 if created is None else created
        msg = sign(ID[who], kind, topic, body, [by_name.get(r, r) for r in refs], created=created)
        payload, signature = cbor2.loads(msg.raw)
        by_name[name] = msg.id
        out.append({"name": name, "note": note, "author": who, "author_did": msg.author_did, "kind": kind,
                    "now": NOW, "context": [by_name[c] for c in context], "payload_diag": diag(cbor2.loads(payload)),
                    "payload": payload.hex(), "signature": signature.hex(), "envelope": msg.raw.hex(), "id": msg.id})

    add("profile", "bob", "profile", "", {"name": "Bob", "about": "Widgets since 2009."})
    add("vendor", "carol", "vendor", "", {"org": "Acme Corp", "topics": [TOPIC, OTHER],
                                          "keys": [ID["dave"].public_key], "promise_hours": 48},
        note="carol's manifest: carol and dave may send status in acme/widget and acme/gadget")
    add("trust", "alice", "trust", "", {"subject": ID["bob"].public_key, "value": "trust", "scope": TOPIC})
    add("request", "alice", "request", TOPIC,
        {"title": "Widget does not start", "text": "It beeps twice and stops.",
         "private": bytes(range(48)), "to": ID["carol"].public_key},
        note="private holds opaque sealed-box bytes (fixed here; real sealed boxes are randomised)")
    add("complaint", "alice", "complaint", TOPIC, {"title": "Battery lid breaks", "text": "Third one this year."})
    add("answer", "bob", "answer", TOPIC, {"text": "Hold reset for ten seconds."}, ["request"], ["request"])
    add("accept", "alice", "accept", TOPIC, {}, ["answer"], ["request", "answer"])
    add("vote", "alice", "vote", TOPIC, {"value": "up"}, ["answer"], ["answer"])
    add("status", "dave", "status", TOPIC, {"state": "in-progress", "note": "Firmware fix planned."},
        ["request"], ["vendor", "request"], note="dave is a key named in carol's manifest for acme/widget")
    add("status-by-vendor", "carol", "status", TOPIC, {"state": "acknowledged"}, ["complaint"],
        ["vendor", "complaint"], note="the manifest's own author may send status too")
    add("resolve", "alice", "resolve", TOPIC, {}, ["request"], ["request"])
    add("answer-spam", "mallory", "answer", TOPIC, {"text": "Buy cheap widgets at example.com"}, ["complaint"],
        ["complaint"])
    add("report", "bob", "report", TOPIC, {"reason": "spam"}, ["answer-spam"], ["answer-spam"])
    add("retract", "mallory", "retract", TOPIC, {}, ["answer-spam"], ["answer-spam"])
    add("retract-meta", "bob", "retract", "", {"reason": "outdated"}, ["profile"], ["profile"],
        note="retract and report live in the topic of their target, here the meta topic")
    add("unknown-kind", "alice", "x-poll", TOPIC, {"question": "Colour?", "options": ["red", "blue"]},
        ["ab" * 32], note="an unknown kind: envelope rules only; its ref need not be held")
    add("longest-texts", "bob", "request", OTHER, {"title": "T" * 200, "text": "é" * 20_000},
        note="sizes count code points: this text is 20000 code points, 40000 bytes")
    add("clock-edge", "bob", "profile", "", {"name": "Bob from the future"}, created=NOW + 600_000,
        note="created exactly 10 minutes after the receiver's clock")
    add("not-white-space", "bob", "request", OTHER, {"title": "\u200b", "text": "\u2800"},
        note="U+200B and U+2800 look blank but are not White_Space: the title and text say something")
    add("text-lines-tabs-bidi", "bob", "request", OTHER,
        {"title": "\u05e9\u05dc\u05d5\u05dd \u200fwidget\u200e [/b] <b>",
         "text": "Line one\n\tindented\n\u2067\u05e9\u05dc\u05d5\u05dd\u2069 \u202bRTL\u202c"},
        note="a text may hold LF, tab and bidi controls; a title may hold the marks U+200E/U+200F and markup-"
             "looking brackets (they are plain text)")
    add("vendor-moved", "carol", "vendor", "", {"org": "Acme Corp", "topics": [OTHER], "domain": "acme.example"},
        note="carol's newer manifest drops acme/widget and dave, and names the domain it proves (02 section 6)")
    add("status-under-older-manifest", "dave", "status", TOPIC, {"state": "resolved"}, ["complaint"],
        ["vendor", "vendor-moved", "complaint"],
        note="valid: any held manifest that names dave for acme/widget counts, not only carol's newest, so "
             "validity does not depend on which manifest arrived first")
    add("label", "bob", "label", TOPIC, {"value": "spam", "reason": "[b]link farm[/b]"}, ["answer-spam"],
        ["answer-spam"], note="bob, a labeler, labels mallory's answer; a label lives in its target's topic")
    add("label-identity", "bob", "label", "", {"value": "scam", "subject": ID["mallory"].public_key},
        note="a label on an identity: `subject`, no ref, the meta topic")
    add("label-retract", "bob", "retract", TOPIC, {}, ["label"], ["label"],
        note="a labeler takes its label back by retracting it")
    add("answer-with-seq", "carol", "answer", TOPIC, {"text": "Fixed in firmware 2.1.", "seq": 4711}, ["request"],
        ["request"], note="a vendor bridge's answer: seq is the helpdesk's own order (its transaction id), for "
                          "replies of the same second (02 section 2, order within a thread)")
    add("status-with-seq", "dave", "status", TOPIC, {"state": "resolved", "seq": 2**53 - 1}, ["request"],
        ["vendor", "request"], note="the largest seq, exact in a JSON number")
    add("status-with-due", "dave", "status", TOPIC, {"state": "in-progress", "due": 1_767_225_600_000}, ["request"],
        ["vendor", "request"], note="a promise: the next step by 2026-01-01T00:00:00Z (02 section 2, promises)")
    add("answer-with-lang", "bob", "answer", TOPIC, {"text": "Öl an das Scharnier.", "lang": "de"}, ["request"],
        ["request"], note="lang: the BCP 47 tag of the language it is written in (02 section 2, rule 6)")
    add("request-with-lang", "alice", "request", TOPIC, {"title": "Não liga", "text": "Desde ontem.",
                                                          "lang": "pt-BR"}, [], [])
    add("claim", "bob", "claim", TOPIC, {"minutes": 30}, ["request"], ["request"],
        note="bob, an expert, is on it for 30 minutes from its created (02 section 8)")
    add("claim-longest", "carol", "claim", TOPIC, {"minutes": 120}, ["complaint"], ["complaint"],
        note="a claim holds at most two hours; the vendor may claim too")
    add("answer-by-agent", "carol", "answer", TOPIC,
        {"text": "Replaced under warranty.", "seq": 4712, "agent": "Jo Bloggs", "agent_id": "14"}, ["complaint"],
        ["vendor", "complaint"], note="the vendor's bridge names the helpdesk agent who wrote the reply, and the "
                                      "helpdesk's id of them (02 section 9); carol is a vendor key for acme/widget")
    add("status-by-agent", "dave", "status", TOPIC, {"state": "in-progress", "agent": "Zoë <support>"},
        ["complaint"], ["vendor", "complaint"],
        note="a status names its agent; agent_id is optional; the name is plain text, markup-looking or not")
    add("thanks", "alice", "thanks", TOPIC, {"note": "Ten seconds did it."}, ["answer"], ["request", "answer"],
        note="a thanks to an answer, with a note; a fact for the ledger (02 section 10, 06 section 1)")
    add("bounty", "alice", "bounty", TOPIC, {"amount": 3}, ["request"], ["request"],
        note="the asker offers three accepts' worth on her request, awarded with her accept")
    return out


# -- invalid messages -----------------------------------------------------------------------------------

def payload_map(who="alice", kind="request", topic=TOPIC, created=T0, refs=(), body=None, **extra) -> dict:
    p = {"v": 1, "kind": kind, "author": ID[who].public_key if isinstance(who, str) else who, "topic": topic,
         "created": created, "refs": [bytes.fromhex(r) for r in refs],
         "body": {"title": "Help", "text": "Please."} if body is None else body}
    p.update(extra)
    return p


def envelope(payload, signer: str | None = "alice", signature: bytes | None = None) -> bytes:
    """The envelope of `payload` (a map, encoded deterministically, or exact bytes), signed by `signer`."""
    if not isinstance(payload, bytes):
        payload = cbor2.dumps(payload, canonical=True)
    if signature is None:
        signature = ID[signer].sign(DOMAIN + payload)
    return cbor2.dumps([payload, signature], canonical=True)


def invalid_messages(valid: dict[str, dict]) -> list[dict]:
    ids = {name: v["id"] for name, v in valid.items()}
    out: list[dict] = []

    def bad(name, reason, raw: bytes, context=(), note="", now=NOW):
        out.append({"name": name, "reason": reason, "note": note, "now": now,
                    "context": [ids[c] for c in context], "envelope": raw.hex()})

    good = envelope(payload_map())
    good_payload, good_sig = cbor2.loads(good)

    # envelope level: size and CBOR
    big = payload_map(kind="x-blob", body={"data": bytes(MAX_ENVELOPE)})
    bad("oversize", "oversize", envelope(big), note=f"larger than {MAX_ENVELOPE} bytes")
    bad("not-cbor", "malformed", good[:-10], note="truncated")
    bad("empty", "malformed", b"")
    bad("outer-map", "malformed", cbor2.dumps({"payload": good_payload, "sig": good_sig}, canonical=True))
    bad("outer-three-items", "malformed", cbor2.dumps([good_payload, good_sig, b""], canonical=True))
    bad("outer-text-signature", "malformed", cbor2.dumps([good_payload, good_sig.hex()], canonical=True))
    bad("payload-array", "malformed", envelope(cbor2.dumps([1, "request"])))
    bad("tag-in-body", "malformed", envelope(cbor2.dumps(payload_map(body={"title": cbor2.CBORTag(2, b"\x01"),
                                                                           "text": "x"}), canonical=True)),
        note="tags are outside the data model, including the bignum tag 2")
    bad("float-in-body", "malformed", envelope(payload_map(kind="x-float", body={"n": 1.5})))
    bad("int-map-key", "malformed", envelope(payload_map(kind="x-int-key", body={1: "one"})))
    dup = bytes.fromhex("a2") + cbor2.dumps("n") + cbor2.dumps(1) + cbor2.dumps("n") + cbor2.dumps(2)
    bad("duplicate-key", "malformed", envelope(_replace_body(payload_map(kind="x-dup", body={}), dup)))
    indef = bytes.fromhex("5f4101ff")  # an indefinite-length byte string
    bad("indefinite-length", "malformed", envelope(_replace_body(
        payload_map(kind="x-indef", body={}), bytes.fromhex("a1") + cbor2.dumps("b") + indef)))
    deep = payload_map(kind="x-deep", body={"a": _nest(15)})
    bad("too-deep", "malformed", envelope(deep), note="17 nested containers in the payload; 16 is the limit")

    unsorted = cbor2.dumps(payload_map(), canonical=False)  # insertion order: v, kind, author, ...
    bad("unsorted-keys", "non-canonical", envelope(unsorted), note="payload map keys not in deterministic order")
    canon = cbor2.dumps(payload_map(), canonical=True)
    assert canon[:4] == bytes.fromhex("a7617601")  # {"v": 1, ...}: "v" sorts first
    bad("non-minimal-int", "non-canonical", envelope(canon[:3] + bytes.fromhex("1801") + canon[4:]),
        note="v encoded as 0x18 0x01")
    bad("non-minimal-length", "non-canonical",
        bytes.fromhex("82") + cbor2.dumps(good_payload) + bytes.fromhex("590040") + good_sig,
        note="the 64-byte signature's length written in two bytes")
    bad("trailing-byte", "non-canonical", good + b"\x00", note="bytes after the envelope")

    # payload fields
    bad("version-2", "bad-version", envelope(payload_map(v=2)))
    no_v = payload_map()
    del no_v["v"]
    bad("version-missing", "bad-version", envelope(no_v))
    bad("version-true", "bad-version", envelope(payload_map(v=True)))
    bad("extra-field", "bad-field", envelope(payload_map(extra=1)))
    no_refs = payload_map()
    del no_refs["refs"]
    bad("missing-field", "bad-field", envelope(no_refs))
    bad("kind-not-text", "bad-field", envelope(payload_map(kind=7)))
    bad("topic-bytes", "bad-field", envelope(payload_map(topic=TOPIC.encode())))
    bad("created-text", "bad-field", envelope(payload_map(created=str(T0))))
    bad("body-array", "bad-field", envelope(payload_map(body=["Help"])))
    bad("author-31-bytes", "bad-field", envelope(payload_map(who=ID["alice"].public_key[:31])))
    bad("ref-31-bytes", "bad-field", envelope(payload_map(kind="answer", refs=["ab" * 31], body={"text": "x"})))
    text_refs = payload_map(kind="answer", body={"text": "x"})
    text_refs["refs"] = [ids["request"]]
    bad("refs-text", "bad-field", envelope(text_refs),
        note="refs hold 32-byte strings, not hex text")

    # signature
    bad("signed-by-other", "bad-signature", envelope(payload_map(), signer="mallory"))
    bad("flipped-signature-bit", "bad-signature",
        envelope(good_payload, signature=bytes([good_sig[0] ^ 1]) + good_sig[1:]))
    bad("no-domain-prefix", "bad-signature", envelope(good_payload, signature=ID["alice"].sign(good_payload)),
        note="signed without the domain-separation prefix")
    bad("short-signature", "bad-signature", envelope(good_payload, signature=good_sig[:63]))
    for i, point in enumerate(SMALL_ORDER):  # 01 section 1.1: forgeries made without a secret
        forged = cbor2.dumps(payload_map(who=encode(point)), canonical=True)
        signature = forge(encode(point), DOMAIN + forged)
        bad(f"small-order-author-{i}", "bad-signature", envelope(forged, signature=signature),
            note="the author key has small order; the forged signature passes the bare cofactorless equation")
    identity_point = encode(SMALL_ORDER[0])
    bad("universal-forgery", "bad-signature", envelope(payload_map(who=identity_point),
                                                       signature=identity_point + bytes(32)),
        note="author and R are the identity, S = 0: the bare equation holds for any payload")

    # time
    bad("future", "clock-skew", envelope(payload_map(created=NOW + 600_001)), note="1 ms past the 10-minute window")
    bad("before-2020", "clock-skew", envelope(payload_map(created=1_577_836_799_999)))

    # topic, refs and body rules of the kind
    bad("topic-not-normalised", "bad-topic", envelope(payload_map(topic="Acme/Widget")))
    bad("topic-newline", "bad-topic", envelope(payload_map(topic=TOPIC + "\n")))
    bad("topic-three-parts", "bad-topic", envelope(payload_map(topic="acme/widget/pro")))
    bad("topic-gossip-name", "bad-topic", envelope(payload_map(topic=topic_name(TOPIC))))
    bad("request-in-meta", "bad-topic", envelope(payload_map(topic="")))
    bad("profile-in-product", "bad-topic", envelope(payload_map(kind="profile", body={"name": "A"})))
    bad("unknown-kind-bad-topic", "bad-topic", envelope(payload_map(kind="x-poll", topic="Acme Widget", body={})))
    bad("request-with-ref", "bad-refs", envelope(payload_map(refs=[ids["complaint"]])))
    bad("answer-without-ref", "bad-refs", envelope(payload_map(kind="answer", body={"text": "x"})))
    bad("answer-two-refs", "bad-refs", envelope(payload_map(kind="answer", body={"text": "x"},
                                                            refs=[ids["request"], ids["complaint"]])))
    bad("missing-title", "bad-body", envelope(payload_map(body={"text": "x"})))
    bad("empty-title", "empty-text", envelope(payload_map(body={"title": "", "text": "x"})))
    bad("white-space-title", "empty-text", envelope(payload_map(body={"title": " \t\u3000\u00a0", "text": "x"})),
        note="only White_Space code points")
    bad("white-space-text", "empty-text",
        envelope(payload_map(kind="complaint", body={"title": "t", "text": "\n\u2028"})))
    bad("empty-answer", "empty-text", envelope(payload_map(kind="answer", body={"text": ""}, refs=[ids["request"]])),
        note="a body rule: checked before the context, so nothing needs to be held")
    bad("empty-report-reason", "empty-text", envelope(payload_map(kind="report", body={"reason": " "},
                                                                  refs=[ids["request"]])))
    bad("white-space-profile-name", "empty-text",
        envelope(payload_map(kind="profile", topic="", body={"name": "\u3000"})))
    bad("long-white-space-title", "bad-body", envelope(payload_map(body={"title": " " * 201, "text": "x"})),
        note="the size rule comes before the said rule")
    bad("text-too-long", "bad-body", envelope(payload_map(body={"title": "t", "text": "é" * 20_001})))
    bad("title-too-long", "bad-body", envelope(payload_map(body={"title": "x" * 201, "text": "x"})))
    bad("unknown-body-field", "bad-body", envelope(payload_map(body={"title": "t", "text": "x", "colour": "red"})))
    bad("private-without-to", "bad-body", envelope(payload_map(body={"title": "t", "text": "x", "private": b"\x01"})))
    bad("vote-sideways", "bad-body", envelope(payload_map(kind="vote", body={"value": "sideways"},
                                                          refs=[ids["answer"]])))
    bad("status-unknown-state", "bad-body", envelope(payload_map(who="dave", kind="status", refs=[ids["request"]],
                                                                 body={"state": "done"}), signer="dave"))
    bad("answer-seq-negative", "bad-body", envelope(payload_map(kind="answer", refs=[ids["request"]],
                                                                body={"text": "x", "seq": -1})))
    bad("answer-seq-too-big", "bad-body", envelope(payload_map(kind="answer", refs=[ids["request"]],
                                                               body={"text": "x", "seq": 2**53})),
        note="seq stays within 2^53 - 1, exact in JSON numbers")
    bad("status-seq-text", "bad-body", envelope(payload_map(who="dave", kind="status", refs=[ids["request"]],
                                                            body={"state": "resolved", "seq": "7"}), signer="dave"))
    bad("status-due-negative", "bad-body", envelope(payload_map(who="dave", kind="status", refs=[ids["request"]],
                                                                body={"state": "in-progress", "due": -1}),
                                                    signer="dave"))
    bad("lang-not-a-tag", "bad-body", envelope(payload_map(body={"title": "t", "text": "x", "lang": "English"})))
    bad("lang-kelvin-sign", "bad-body", envelope(payload_map(body={"title": "t", "text": "x", "lang": "\u212aa"})),
        note="U+212A KELVIN SIGN case-folds to k: a tag is ASCII, compared without regard to case")
    bad("vendor-topic-not-slug", "bad-body", envelope(payload_map(who="carol", kind="vendor", topic="",
                                                                  body={"org": "Acme", "topics": ["Acme/Widget"]}),
                                                      signer="carol"))
    bad("vendor-promise-bool", "bad-body", envelope(payload_map(who="carol", kind="vendor", topic="",
                                                                body={"org": "Acme", "topics": [TOPIC],
                                                                      "promise_hours": True}), signer="carol"),
        note="true is not an integer")
    bad("title-escape", "bad-text", envelope(payload_map(body={"title": "Help \x1b[2J", "text": "x"})),
        note="ESC (U+001B) in a title: a control")
    bad("title-newline", "bad-text", envelope(payload_map(body={"title": "Help\nme", "text": "x"})),
        note="a title is one line")
    bad("title-tab", "bad-text", envelope(payload_map(body={"title": "Help\tme", "text": "x"})))
    bad("title-del", "bad-text", envelope(payload_map(body={"title": "Help\x7f", "text": "x"})))
    bad("title-c1-csi", "bad-text", envelope(payload_map(body={"title": "Help \x9b2J", "text": "x"})),
        note="U+009B, the C1 form of CSI")
    bad("title-line-separator", "bad-text", envelope(payload_map(body={"title": "Help\u2028me", "text": "x"})))
    bad("title-bidi-override", "bad-text", envelope(payload_map(body={"title": "\u202egpj.exe", "text": "x"})),
        note="U+202E RIGHT-TO-LEFT OVERRIDE in a title")
    bad("title-bidi-isolate", "bad-text", envelope(payload_map(body={"title": "a\u2066b", "text": "x"})))
    bad("title-only-controls", "bad-text", envelope(payload_map(body={"title": "\x1b", "text": "x"})),
        note="ESC is not white space: the said rule passes, the character rule refuses")
    bad("text-escape", "bad-text", envelope(payload_map(body={"title": "t", "text": "a\x1b]0;owned\x07b"})),
        note="OSC 0 (set the terminal title) in a text")
    bad("text-carriage-return", "bad-text", envelope(payload_map(body={"title": "t", "text": "line\r\nnext"})),
        note="texts end lines with LF alone")
    bad("text-nul", "bad-text", envelope(payload_map(kind="answer", body={"text": "a\x00b"}, refs=[ids["request"]])),
        note="a body rule: checked before the context")
    bad("text-c1-nel", "bad-text", envelope(payload_map(kind="complaint", body={"title": "t", "text": "a\x85b"})),
        note="U+0085 is white space and a C1 control: the text says something, and is refused")
    bad("note-escape", "bad-text", envelope(payload_map(who="dave", kind="status", refs=[ids["request"]],
                                                        body={"state": "resolved", "note": "\x1b[31mred"}),
                                            signer="dave"))
    bad("profile-name-newline", "bad-text", envelope(payload_map(kind="profile", topic="", body={"name": "Bob\n"})))
    bad("profile-name-bidi", "bad-text",
        envelope(payload_map(kind="profile", topic="", body={"name": "\u202dBob\u202c"})))
    bad("profile-about-escape", "bad-text",
        envelope(payload_map(kind="profile", topic="", body={"name": "Bob", "about": "\x1bc"})))
    bad("vendor-org-escape", "bad-text", envelope(payload_map(who="carol", kind="vendor", topic="",
                                                              body={"org": "Acme\x1b[8m", "topics": [TOPIC]}),
                                                  signer="carol"))
    for name, domain in (("upper-case", "Acme.example"), ("one-label", "localhost"),
                         ("trailing-dot", "acme.example."), ("hyphen-edge", "acme-.example"),
                         ("empty-label", "acme..example"), ("port", "acme.example:8443"),
                         ("long-label", "a" * 64 + ".example"), ("empty", "")):
        bad(f"vendor-domain-{name}", "bad-body", envelope(payload_map(
            who="carol", kind="vendor", topic="", body={"org": "Acme", "topics": [TOPIC], "domain": domain}),
            signer="carol"), note="domain: a lowercase host name of two labels or more (02 section 2)")
    bad("vendor-domain-newline", "bad-text", envelope(payload_map(
        who="carol", kind="vendor", topic="", body={"org": "Acme", "topics": [TOPIC], "domain": "acme.example\n"}),
        signer="carol"), note="domain is a one-line field: a line break is bad-text before the host-name rule")
    bad("report-reason-newline", "bad-text",
        envelope(payload_map(kind="report", body={"reason": "spam\nmore"}, refs=[ids["request"]])))
    bad("retract-reason-bidi", "bad-text",
        envelope(payload_map(kind="retract", body={"reason": "old\u2067"}, refs=[ids["request"]])))
    bad("long-escape-title", "bad-body",
        envelope(payload_map(body={"title": "\x1b" * 201, "text": "x"})),
        note="the size rule comes before the character rule")
    bad("trust-scope-not-slug", "bad-body", envelope(payload_map(kind="trust", topic="", body={
        "subject": ID["bob"].public_key, "value": "trust", "scope": "widgets"})))

    for name, minutes in (("claim-zero-minutes", 0), ("claim-121-minutes", 121)):
        bad(name, "bad-body", envelope(payload_map(who="bob", kind="claim", body={"minutes": minutes},
                                                   refs=[ids["request"]]), signer="bob"),
            note="a claim holds 1 to 120 minutes")
    bad("claim-on-an-answer", "bad-refs", envelope(payload_map(who="bob", kind="claim", body={"minutes": 5},
                                                               refs=[ids["answer"]]), signer="bob"),
        context=["request", "answer"], note="a claim refers to a thread root")
    bad("claim-bool-minutes", "bad-body", envelope(payload_map(who="bob", kind="claim", body={"minutes": True},
                                                               refs=[ids["request"]]), signer="bob"))
    bad("label-unknown-value", "bad-body", envelope(payload_map(who="bob", kind="label", body={"value": "nsfw"},
                                                                refs=[ids["answer-spam"]]), signer="bob"),
        note="label values are a fixed vocabulary")
    bad("label-subject-in-product", "bad-topic", envelope(payload_map(
        who="bob", kind="label", body={"value": "spam", "subject": ID["mallory"].public_key}), signer="bob"),
        note="a label with a subject is about an identity: meta topic only (checked before the refs)")
    bad("label-subject-and-ref", "bad-refs", envelope(payload_map(
        who="bob", kind="label", topic="", refs=[ids["profile"]],
        body={"value": "spam", "subject": ID["mallory"].public_key}), signer="bob"))
    bad("label-nothing-labelled", "bad-refs", envelope(payload_map(who="bob", kind="label", body={"value": "spam"}),
                                                       signer="bob"), note="no ref and no subject")
    bad("label-subject-31-bytes", "bad-body", envelope(payload_map(
        who="bob", kind="label", topic="", body={"value": "spam", "subject": ID["mallory"].public_key[:31]}),
        signer="bob"))
    bad("label-reason-escape", "bad-text", envelope(payload_map(
        who="bob", kind="label", refs=[ids["answer-spam"]], body={"value": "spam", "reason": "a\x1b[2Jb"}),
        signer="bob"))

    # rules that need the messages already held (the context)
    bad("answer-to-unknown", "missing-ref", envelope(payload_map(kind="answer", body={"text": "x"},
                                                                 refs=["cd" * 32])))
    bad("answer-to-answer", "bad-refs", envelope(payload_map(who="bob", kind="answer", body={"text": "x"},
                                                             refs=[ids["answer"]]), signer="bob"),
        context=["request", "answer"], note="an answer refers to a request or a complaint")
    bad("answer-other-topic", "topic-mismatch", envelope(payload_map(who="bob", kind="answer", topic=OTHER,
                                                                     body={"text": "x"}, refs=[ids["request"]]),
                                                         signer="bob"), context=["request"])
    bad("vote-on-meta", "topic-mismatch", envelope(payload_map(kind="vote", body={"value": "up"},
                                                                refs=[ids["profile"]])), context=["profile"])
    bad("report-in-other-topic", "topic-mismatch", envelope(payload_map(kind="report", body={"reason": "spam"},
                                                                        refs=[ids["profile"]])),
        context=["profile"], note="a report takes its target's topic, here the meta topic")
    bad("resolve-an-answer", "bad-refs", envelope(payload_map(kind="resolve", body={}, refs=[ids["answer"]])),
        context=["request", "answer"])
    bad("accept-by-other", "not-asker", envelope(payload_map(who="bob", kind="accept", body={},
                                                             refs=[ids["answer"]]), signer="bob"),
        context=["request", "answer"], note="bob wrote the answer but alice asked")
    bad("resolve-by-other", "not-asker", envelope(payload_map(who="mallory", kind="resolve", body={},
                                                              refs=[ids["request"]]), signer="mallory"),
        context=["request"])
    bad("retract-by-other", "not-author", envelope(payload_map(who="mallory", kind="retract", body={},
                                                               refs=[ids["answer"]]), signer="mallory"),
        context=["request", "answer"])
    bad("status-by-stranger", "not-vendor", envelope(payload_map(who="mallory", kind="status", refs=[ids["request"]],
                                                                 body={"state": "resolved"}), signer="mallory"),
        context=["vendor", "request"])
    bad("status-without-manifest", "not-vendor", envelope(payload_map(
        who="dave", kind="status", refs=[ids["request"]], body={"state": "resolved"}), signer="dave"),
        context=["request"], note="dave is a vendor key only while carol's manifest is held")
    bad("vote-own-answer", "self-vote", envelope(payload_map(who="mallory", kind="vote", body={"value": "up"},
                                                             refs=[ids["answer-spam"]]), signer="mallory"),
        context=["complaint", "answer-spam"], note="nobody votes on a message they wrote")
    bad("label-other-topic", "topic-mismatch", envelope(payload_map(
        who="bob", kind="label", topic=OTHER, refs=[ids["answer-spam"]], body={"value": "spam"}), signer="bob"),
        context=["complaint", "answer-spam"], note="a label on a message takes the message's topic")
    bad("thanks-own-answer", "self-vote", envelope(payload_map(who="bob", kind="thanks", body={},
                                                               refs=[ids["answer"]]), signer="bob"),
        context=["request", "answer"], note="nobody thanks themselves")
    bad("thanks-a-request", "bad-refs", envelope(payload_map(who="bob", kind="thanks", body={},
                                                             refs=[ids["request"]]), signer="bob"),
        context=["request"], note="a thanks refers to an answer")
    bad("thanks-note-escape", "bad-text", envelope(payload_map(who="bob", kind="thanks", body={"note": "\x1b[2J"},
                                                                refs=[ids["answer-spam"]]), signer="bob"),
        context=["complaint", "answer-spam"], note="a note drives no terminal")
    bad("bounty-by-other", "not-asker", envelope(payload_map(who="bob", kind="bounty", body={"amount": 1},
                                                             refs=[ids["request"]]), signer="bob"),
        context=["request"], note="only the asker offers a bounty on her thread")
    for name, amount in (("bounty-zero", 0), ("bounty-six", 6), ("bounty-bool", True)):
        bad(name, "bad-body", envelope(payload_map(kind="bounty", body={"amount": amount}, refs=[ids["request"]])),
            context=["request"], note="a bounty is 1 to 5 accepts")
    bad("vote-own-request", "self-vote", envelope(payload_map(kind="vote", body={"value": "down"},
                                                              refs=[ids["request"]])), context=["request"])

    # the agent who spoke for the vendor (02 section 9)
    def agent_answer(name, reason, body, who="carol", note=""):
        bad(name, reason, envelope(payload_map(who=who, kind="answer", refs=[ids["request"]],
                                               body={"text": "Done.", **body}), signer=who),
            context=["vendor", "request"], note=note)
    agent_answer("agent-by-non-vendor", "not-vendor", {"agent": "Jo"}, who="bob",
                 note="only a vendor key names an agent: bob cannot sign an answer that reads as Acme's staff")
    agent_answer("agent-id-without-agent", "bad-body", {"agent_id": "14"})
    agent_answer("agent-empty", "empty-text", {"agent": " "})
    agent_answer("agent-too-long", "bad-body", {"agent": "J" * 101})
    agent_answer("agent-newline", "bad-text", {"agent": "Jo\nAdmin"}, note="agent is a one-line field")
    agent_answer("agent-id-bidi", "bad-text", {"agent": "Jo", "agent_id": "\u202e41"})
    bad("agent-by-non-vendor-status", "not-vendor", envelope(payload_map(
        who="mallory", kind="status", refs=[ids["request"]], body={"state": "resolved", "agent": "Jo"}),
        signer="mallory"), context=["vendor", "request"])
    return out


def _nest(levels: int):
    value = 0
    for _ in range(levels):
        value = [value]
    return value


def _replace_body(p: dict, body_bytes: bytes) -> bytes:
    """The deterministic payload with its (empty) body replaced by exact bytes."""
    raw = cbor2.dumps(p, canonical=True)
    marker = cbor2.dumps("body") + b"\xa0"
    assert raw.count(marker) == 1
    return raw.replace(marker, cbor2.dumps("body") + body_bytes)


# -- identities and topics -------------------------------------------------------------------------------

def identities() -> list[dict]:
    return [{"name": n, "seed": i.seed.hex(), "public_key": i.public_key.hex(), "did": i.did} for n, i in ID.items()]


TOPIC_INPUTS = ["acme/widget", "Acme Corp/Widget Pro", "  /ACME/Widget/  ", "Ａｃｍｅ/Ｗｉｄｇｅｔ", "acme/widget_2.0",
                "Café/Crème Brûlée", "/antiport/1/product/acme/widget", "acme--corp/--x--", "acme", "acme/widget/pro",
                "!!!/widget", "a/" + "b" * 65, "ﬁsh/ﬂy",
                # 03 section 1 step 2: exactly Unicode White_Space is stripped before the slashes
                "\u3000/acme/widget/\u00a0", "\u0085/acme/widget/\u2029", "\t\n /acme/widget/ \r",
                "\u001c/acme/widget/", "/acme/widget/\u001f", "\u200b/acme/widget", "\ufeff/acme/widget/",
                "\u180e/acme/widget/",
                # 03 section 1 steps 4-7: every script, folding, marks, look-alike scripts
                "ÄCME/Wïdget", "Straße/X", "ΣΊΣΥΦΟΣ/x", "ソニー/プレイステーション５", "Samsung/갤럭시", "हिन्दी/टेस्ट",
                "ǰ/x", "acme/\u0301widget", "acme/wid-\u0301get", "аcme/widget", "acme/wιdget", "ps5/ゲーム機",
                "ا/\u0661\u0662",
                # 03 section 1 step 8: at most four marks in a row
                "x/q\u0301\u0302\u0303\u0304", "x/q\u0301\u0302\u0303\u0304\u0306"]
SLUG_INPUTS = ["acme/widget", "acme-corp/widget-pro", "Acme/widget", "acme/widget-", "acme/-widget", "acme/wid--get",
               "acme", "", "acme/widget/pro", "a/" + "b" * 64, "a/" + "b" * 65, "acme/wid_get", "café/x",
               "acme/widget\n", "äcme/wïdget", "Äcme/x", "strasse/x", "straße/x", "a\u0308cme/x", "аcme/x",
               "асме/x", "acme/\u0301x", "/antiport/1/product/äcme/x", " äcme/x", "ä/" + "ö" * 64, "ä/" + "ö" * 65]


def topic_vectors() -> dict:
    normalised = []
    for text in TOPIC_INPUTS:
        try:
            normalised.append({"input": text, "slug": normalise(text)})
        except BadTopic:
            normalised.append({"input": text, "slug": None})
    return {"normalise": normalised,
            "is_slug": [{"input": t, "valid": is_slug(t)} for t in SLUG_INPUTS],
            "gossip_topic": [{"slug": s, "topic": topic_name(s)} for s in (TOPIC, "")]}


# -- import files (04) --------------------------------------------------------------------------------

def import_vectors(valid: dict[str, dict]) -> dict:
    """Files with items that are well-formed CBOR but invalid (refused one by one) and files whose bytes stop
    being well-formed (refused whole, at that item's offset)."""
    env = {name: bytes.fromhex(v["envelope"]) for name, v in valid.items()}
    good = cbor2.dumps(payload_map(), canonical=True)
    assert good.count(b"Help") == 1
    bad_utf8_payload = good.replace(b"Help", b"He\xffp")  # the title's bytes are not UTF-8
    items = [
        ("answer before its request", env["answer"]),
        ("the request", env["request"]),
        ("a text string that is not UTF-8, alone", bytes.fromhex("63fffefd")),
        ("an envelope whose payload holds a title that is not UTF-8", envelope(bad_utf8_payload)),
        ("an envelope whose signature is a text string that is not UTF-8",
         bytes.fromhex("82") + cbor2.dumps(good) + bytes.fromhex("62c328")),
        ("an envelope in the self-describe tag 55799", bytes.fromhex("d9d9f7") + env["profile"]),
        ("an envelope with a float inside", envelope(payload_map(kind="x-float", body={"n": 1.5}))),
        ("a signature that does not verify", envelope(good, signer="mallory")),
        ("the profile", env["profile"]),
        ("the request again", env["request"]),
    ]
    mixed = b"".join(raw for _, raw in items)
    result = {"accepted": 3, "duplicates": 1, "rejected": {"malformed": 5, "bad-signature": 1}}
    cases = [{"name": "invalid-items-are-skipped", "items": [note for note, _ in items], "file": mixed.hex(),
              "result": result}]
    for name, tail, note in (("truncated", env["profile"][:-1], "the last item ends early"),
                             ("reserved-info", bytes.fromhex("1c"), "additional information 28 is reserved"),
                             ("lone-break", bytes.fromhex("ff"), "a break outside an indefinite-length item"),
                             ("odd-indefinite-map", bytes.fromhex("bf6161ff"), "a key without a value"),
                             ("bad-chunk", bytes.fromhex("5f6161ff"), "a text chunk in an indefinite byte string")):
        cases.append({"name": name, "note": note, "file": (mixed + tail).hex(), "refused_at": len(mixed)})
    return {"about": "Import files (04): `result` is what importing the file into a node holding nothing reports "
                     "(`items` describes each item, in order); `refused_at` means the whole file is refused, nothing "
                     "stored, because the bytes at that offset are not a well-formed CBOR item.",
            "cases": cases}


# -- files ---------------------------------------------------------------------------------------------

def build() -> dict[str, str | bytes]:
    valid = valid_messages()
    held = {v["name"]: v for v in valid}
    files = {
        "identities.json": {"about": "Fixed seeds: seed = BLAKE2b-256('antiport/vectors/' + name).",
                            "identities": identities()},
        "valid.json": {"about": "Valid messages. Each validates at `now` when the messages in `context` (ids "
                                "from this file) are held. In file order each one's context is already held.",
                       "messages": valid},
        "invalid.json": {"about": "Invalid envelopes, each refused with `reason` at `now` when the messages in "
                                  "`context` (ids from valid.json) are held.",
                         "messages": invalid_messages(held)},
        "topics.json": topic_vectors(),
        "import.json": import_vectors(held),
    }
    out: dict[str, str | bytes] = {n: json.dumps(doc, indent=1, ensure_ascii=False) + "\n" for n, doc in files.items()}
    out["export.apx"] = b"".join(bytes.fromhex(v["envelope"]) for v in valid)  # 04: the valid messages, in order
    return out


def _read(path: Path, like: str | bytes) -> str | bytes:
    return path.read_bytes() if isinstance(like, bytes) else path.read_text()


def main(argv: list[str]) -> int:
    files = build()
    if "--check" in argv:
        stale = [n for n, data in files.items() if not (HERE / n).exists() or _read(HERE / n, data) != data]
        for n in stale:
            print(f"{n} differs from what generate.py writes")
        return 1 if stale else 0
    for name, data in files.items():
        (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    print(f"wrote {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
