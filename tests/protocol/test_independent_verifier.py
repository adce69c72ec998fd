"""A second, small verifier written only from specs/ (not from antiport.protocol), run on the vectors.

If it agrees with every vector, the spec is enough to build a compatible implementation.
The bytes are read by hand as 01 section 2 says; cbor2 only reads the vector files' payloads.
Signatures go through `cryptography` (OpenSSL), not libsodium as in the node, plus the checks 01 section 1.1
says such a library lacks.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

import cbor2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from spec_vectors import VECTORS, vectors

pytestmark = pytest.mark.fast

DOMAIN = b"antiport/msg/v1\x00"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
FIELDS = {"v": int, "kind": str, "author": bytes, "topic": str, "created": int, "refs": list, "body": dict}


class Refused(Exception):
    pass


# -- 01 section 2: the data model and its deterministic encoding -----------------------------------------

class Reader:
    def __init__(self, data: bytes, max_depth: int):
        self.data, self.pos, self.max_depth, self.non_canonical = data, 0, max_depth, False

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise Refused("malformed")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def head(self) -> tuple[int, int]:
        first = self.take(1)[0]
        major, info = first >> 5, first & 31
        if major == 7:
            return major, info
        if info < 24:
            return major, info
        if info > 27:
            raise Refused("malformed")  # indefinite lengths and reserved values
        width = 1 << (info - 24)
        n = int.from_bytes(self.take(width), "big")
        if n < (24 if width == 1 else 1 << (4 * width)):
            self.non_canonical = True  # a shorter form existed
        return major, n

    def item(self, depth: int = 0):
        major, n = self.head()
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            raw = self.take(n)
            if major == 2:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Refused("malformed") from None
        if major in (4, 5):
            if depth + 1 > self.max_depth:
                raise Refused("malformed")
            if major == 4:
                return [self.item(depth + 1) for _ in range(n)]
            out, keys = {}, []
            for _ in range(n):
                start = self.pos
                key = self.item(depth + 1)
                if not isinstance(key, str) or key in out:
                    raise Refused("malformed")
                keys.append(self.data[start:self.pos])
                out[key] = self.item(depth + 1)
            if keys != sorted(keys):
                self.non_canonical = True
            return out
        if major == 7 and n in (20, 21, 22):
            return {20: False, 21: True, 22: None}[n]
        raise Refused("malformed")  # tags (major 6), floats, other simple values, break


def decode(data: bytes, max_depth: int):
    r = Reader(data, max_depth)
    value = r.item()
    if r.non_canonical or r.pos != len(data):
        raise Refused("non-canonical")
    return value


# -- 01 section 1.1: which Ed25519 signatures are valid ---------------------------------------------------

P = 2**255 - 19
SMALL = {0, 1, P - 1, P, P + 1, 2707385501144840649318225287225658788936804267575313519463743609750303402022,
         55188659117513257062467267217118295137698188065244968500265048394206261417927}


def y(point: bytes) -> int:
    return int.from_bytes(point, "little") & ~(1 << 255)


def ed25519_valid(key: bytes, message: bytes, signature: bytes, extra_checks: bool = True) -> bool:
    """OpenSSL checks S < L and the cofactorless equation on bytes (steps 1, 4, 5); steps 2 and 3 are added here."""
    if len(signature) != 64:
        return False
    if extra_checks and (y(key) >= P or y(key) in SMALL or y(signature[:32]) in SMALL):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- 01 section 7, steps 1-15 -------------------------------------------------------------------------

def is_slug(topic: str) -> bool:
    """03 section 1: a slug is what normalisation leaves unchanged."""
    return normalise(topic) == topic


def verify_envelope(raw: bytes, now: int) -> dict:
    if len(raw) > 65536:
        raise Refused("oversize")
    outer = decode(raw, 2)
    if not (isinstance(outer, list) and len(outer) == 2 and all(isinstance(x, bytes) for x in outer)):
        raise Refused("malformed")
    payload, signature = outer
    p = decode(payload, 16)
    if not isinstance(p, dict):
        raise Refused("malformed")
    if type(p.get("v")) is not int or p["v"] != 1:
        raise Refused("bad-version")
    if set(p) != set(FIELDS) or any(type(p[k]) is not t for k, t in FIELDS.items()):
        raise Refused("bad-field")
    if len(p["author"]) != 32 or not all(isinstance(r, bytes) and len(r) == 32 for r in p["refs"]):
        raise Refused("bad-field")
    if not ed25519_valid(p["author"], DOMAIN + payload, signature):
        raise Refused("bad-signature")
    if not 1_577_836_800_000 <= p["created"] <= now + 600_000:
        raise Refused("clock-skew")
    if p["topic"] and not is_slug(p["topic"]):
        raise Refused("bad-topic")
    return p


# -- 02: kinds (steps 16-22) ------------------------------------------------------------------------------

T = 20_000
ROOTS = ("request", "complaint")
SAID = "said"  # in a field's values: it must hold a code point that is not white space
# 02 section 2, characters: Cc (C0, DEL, C1); bidi embeddings, overrides, isolates; what line and text fields refuse
CC = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]}
BIDI_CONTROLS = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
LINE_FIELDS = {"title", "name", "org", "reason", "scope", "domain", "agent", "agent_id", "currency", "region",
               "source"}
LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
REFUSED = {True: CC | BIDI_CONTROLS | {"\u2028", "\u2029"}, False: CC - {"\n", "\t"}}
WHITE_SPACE = {*map(chr, range(0x09, 0x0E)), " ", "\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200B)),
               "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"}
FILES = (list, False, 1, 8, ())  # 09 section 2: the entries are checked by check_files
AGENT = {"agent": (str, False, 0, 100, SAID), "agent_id": (str, False, 0, 100, SAID)}  # 02 section 9
ASK = {"title": (str, True, 0, 200, SAID), "text": (str, True, 0, T, SAID), "private": (bytes, False, 0, 4096, ()),
       "to": (bytes, False, 32, 32, ()), "files": FILES, "lang": (str, False, 2, 35, ()),
       "terms_doc": (bytes, False, 32, 32, ())}
# kind: (topic, allowed targets or None for no ref, who, {field: (type, required, min, max, values or SAID)})
KINDS = {
    "request": ("product", None, "anyone", ASK),
    "complaint": ("product", None, "anyone", ASK),
    "answer": ("product", ROOTS, "anyone", {"text": (str, True, 0, T, SAID), "seq": (int, False, 0, 2**53 - 1, ()),
                                            "files": FILES, **AGENT, "lang": (str, False, 2, 35, ())}),
    "accept": ("product", ("answer",), "asker", {}),
    "vote": ("product", "any", "not-author", {"value": (str, True, 0, T, ("up", "down"))}),
    "status": ("product", ROOTS, "vendor", {"state": (str, True, 0, T, ("acknowledged", "in-progress", "resolved",
                                                                        "wont-fix")),
                                            "note": (str, False, 0, T, ()),
                                            "seq": (int, False, 0, 2**53 - 1, ()), "files": FILES,
                                            "due": (int, False, 0, 2**53 - 1, ()), **AGENT}),
    "resolve": ("product", ROOTS, "asker", {}),
    "retract": ("target", "any", "author", {"reason": (str, False, 0, 500, ())}),
    "report": ("target", "any", "anyone", {"reason": (str, True, 0, 500, SAID)}),
    "profile": ("meta", None, "anyone", {"name": (str, True, 0, 100, SAID), "about": (str, False, 0, 2000, ())}),
    "vendor": ("meta", None, "anyone", {"org": (str, True, 0, 200, SAID), "topics": (list, True, 1, 100, ()),
                                        "keys": (list, False, 0, 32, ()),
                                        "promise_hours": (int, False, 0, 10_000, ()),
                                        "domain": (str, False, 1, 253, ())}),
    "trust": ("meta", None, "anyone", {"subject": (bytes, True, 32, 32, ()),
                                       "value": (str, True, 0, T, ("trust", "distrust")),
                                       "scope": (str, False, 0, 129, ())}),
    "label": ("target", "any", "anyone", {"value": (str, True, 0, T, ("spam", "scam", "abuse", "off-topic",
                                                                      "duplicate")),
                                          "subject": (bytes, False, 32, 32, ()),
                                          "reason": (str, False, 0, 500, ())}),
    "claim": ("product", ROOTS, "anyone", {"minutes": (int, True, 1, 120, ())}),
    # 11 section 1: a card sealed to a vendor, and the vendor's receipt sealed back
    "contact": ("meta", None, "anyone", {"to": (bytes, True, 32, 32, ()), "sealed": (bytes, True, 49, 4096, ())}),
    "receipt": ("target", ("contact",), "addressee", {"to": (bytes, True, 32, 32, ()),
                                                      "sealed": (bytes, True, 49, 1024, ())}),
    # 13: a thread passed on, sealed to a person, and a public pointer to it in another topic
    "share": ("meta", None, "anyone", {"to": (bytes, True, 32, 32, ()), "sealed": (bytes, True, 49, 4096, ())}),
    "crosspost": ("product", None, "anyone", {"thread": (bytes, True, 32, 32, ()), "source": (str, True, 3, 129, ()),
                                              "title": (str, True, 0, 200, SAID), "note": (str, False, 0, 500, SAID)}),
    # 12: intents, in category topics
    "intent": ("category", None, "anyone", {"title": (str, True, 0, 200, SAID), "text": (str, True, 0, T, SAID),
                                            "expires": (int, True, 0, 2**53 - 1, ()),
                                            "quantity": (int, False, 1, 2**53 - 1, ()),
                                            "budget": (int, False, 0, 2**53 - 1, ()),
                                            "currency": (str, False, 3, 3, ()), "region": (str, False, 0, 100, SAID),
                                            "deadline": (int, False, 0, 2**53 - 1, ()),
                                            "terms": (list, False, 1, 8, ()), "lang": (str, False, 2, 35, ()),
                                            "terms_doc": (bytes, False, 32, 32, ())}),
    "offer": ("category", ("intent",), "vendor", {"sealed": (bytes, True, 49, 8192, ())}),
    "award": ("category", ("offer",), "intent-key", {"sealed": (bytes, True, 49, 4096, ())}),
    "decline": ("category", ("offer",), "intent-key", {"reason": (str, False, 0, 500, ())}),
    # 14: a customer's terms, in the topic of what names them, and a vendor's consent
    "terms": ("product", None, "anyone", {"words": (list, True, 1, 8, ()), "days": (int, False, 1, 365, ())}),
    "consent": ("target", ("terms",), "vendor", {"value": (str, True, 0, T, ("accept", "refuse")),
                                                 "reason": (str, False, 0, 500, ())}),
    "thanks": ("product", ("answer",), "not-author", {"note": (str, False, 0, 280, ())}),
    "bounty": ("product", ROOTS, "asker", {"amount": (int, True, 1, 5, ())}),
}
TERMS = {"no-tracking", "purpose-only", "no-sharing", "delete-after-deal", "contact-via-antiport"}  # 12 section 5
DOC_WORDS = TERMS | {"delete-after-days"}  # 14 section 2


def check_kind(p: dict) -> None:
    if p["kind"] not in KINDS:
        return
    topic, targets, _, fields = KINDS[p["kind"]]
    if topic == "category" and not p["topic"].startswith("intent/"):  # a slug already (step 15)
        raise Refused("bad-topic")
    if topic in ("product", "meta") and (topic == "product") != bool(p["topic"]):
        raise Refused("bad-topic")
    about_identity = p["kind"] == "label" and "subject" in p["body"]  # 02 section 7: meta, no ref
    if about_identity and p["topic"]:
        raise Refused("bad-topic")
    if len(p["refs"]) != (0 if targets is None or about_identity else 1):
        raise Refused("bad-refs")
    body = p["body"]
    if set(body) - set(fields):
        raise Refused("bad-body")
    for name, (typ, required, lo, hi, values) in fields.items():
        if name not in body:
            if required:
                raise Refused("bad-body")
            continue
        v = body[name]
        if type(v) is not typ or not lo <= (v if typ is int else len(v)) <= hi:
            raise Refused("bad-body")
        if values == SAID:
            if set(v) <= WHITE_SPACE:
                raise Refused("empty-text")
        elif values and v not in values:
            raise Refused("bad-body")
        if typ is str and set(v) & REFUSED[name in LINE_FIELDS]:
            raise Refused("bad-text")
    if p["kind"] == "vendor" and not (all(isinstance(t, str) and is_slug(t) for t in body["topics"])
                                      and all(isinstance(k, bytes) and len(k) == 32 for k in body.get("keys", []))
                                      and is_domain(body.get("domain", "a.b"))):
        raise Refused("bad-body")
    if "agent_id" in body and "agent" not in body:
        raise Refused("bad-body")
    if "private" in body and "to" not in body:
        raise Refused("bad-body")
    if p["kind"] == "trust" and body.get("scope") and not is_slug(body["scope"]):
        raise Refused("bad-body")
    if "files" in body and not files_ok(body):
        raise Refused("bad-body")
    if p["kind"] == "crosspost" and not (is_slug(body["source"]) and body["source"] != p["topic"]):
        raise Refused("bad-body")
    if "lang" in body and not lang_ok(body["lang"]):
        raise Refused("bad-body")
    if p["kind"] == "intent" and not intent_ok(body, p["created"]):
        raise Refused("bad-body")
    if p["kind"] == "terms" and not terms_ok(body):
        raise Refused("bad-body")


def terms_ok(body: dict) -> bool:
    """14 section 2: distinct words; days with delete-after-days only, one of five values."""
    words = body["words"]
    return (all(isinstance(w, str) and w in DOC_WORDS for w in words) and len(set(words)) == len(words)
            and ("days" in body) == ("delete-after-days" in words) and body.get("days", 1) in (1, 7, 30, 90, 365))


def intent_ok(body: dict, created: int) -> bool:
    """12 section 2, rules 1-3."""
    terms = body.get("terms", [])
    return (created < body["expires"] <= created + 90 * 86_400_000
            and ("budget" not in body or "currency" in body)
            and re.fullmatch("[A-Z]{3}", body.get("currency", "EUR")) is not None
            and all(isinstance(t, str) and t in TERMS for t in terms) and len(set(terms)) == len(terms))


def lang_ok(tag: str) -> bool:
    """02 section 2 rule 6, subtag by subtag: language, then script?, region?, variants*."""
    if not tag.isascii() or "\n" in tag:
        return False
    subtags = tag.lower().split("-")
    if not (2 <= len(subtags[0]) <= 3 and subtags[0].isalpha()):
        return False
    rest = subtags[1:]
    if rest and len(rest[0]) == 4 and rest[0].isalpha():
        rest = rest[1:]
    if rest and ((len(rest[0]) == 2 and rest[0].isalpha()) or (len(rest[0]) == 3 and rest[0].isdigit())):
        rest = rest[1:]
    return all(v.isalnum() and (5 <= len(v) <= 8 or (len(v) == 4 and v[0].isdigit())) for v in rest)


MEDIA_PART = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"


def files_ok(body: dict) -> bool:
    """09 section 2, rules 2-8."""
    hashes = [e.get("hash") for e in body["files"] if isinstance(e, dict)]
    return (all(entry_ok(e, "to" in body) for e in body["files"]) and len(set(hashes)) == len(hashes)
            and sum(e["size"] for e in body["files"]) <= 8 * 1024 * 1024)


def entry_ok(e, has_to: bool) -> bool:
    if not isinstance(e, dict) or set(e) not in ({"hash", "size", "name", "type"}, {"hash", "size", "sealed"}):
        return False
    sealed = "sealed" in e
    if type(e["hash"]) is not bytes or len(e["hash"]) != 32 or type(e["size"]) is not int:
        return False
    if not (49 if sealed else 1) <= e["size"] <= 4 * 1024 * 1024:
        return False
    if sealed:
        return e["sealed"] is True and has_to
    return (type(e["type"]) is str and re.fullmatch(f"{MEDIA_PART}/{MEDIA_PART}", e["type"]) is not None
            and name_ok(e["name"]))


def name_ok(name) -> bool:
    return (type(name) is str and 0 < len(name) <= 255 and not set(name) <= WHITE_SPACE
            and not set(name) & (REFUSED[True] | {"/", "\\"}) and name not in (".", ".."))


def is_domain(name: str) -> bool:
    labels = name.split(".")
    return len(labels) >= 2 and all(LABEL.fullmatch(label) for label in labels)


def vendor_keys(held: dict[str, dict], topic: str) -> set[bytes]:
    return {k for m in held.values() if m["kind"] == "vendor" and topic in m["body"]["topics"]
            for k in (m["author"], *m["body"].get("keys", []))}


def check_context(p: dict, held: dict[str, dict]) -> None:
    if p["kind"] in KINDS and "terms_doc" in p["body"]:  # 14 section 3
        doc = held.get(p["body"]["terms_doc"].hex())
        if doc is None:
            raise Refused("missing-ref")
        if doc["kind"] != "terms":
            raise Refused("bad-refs")
        if doc["topic"] != p["topic"]:
            raise Refused("topic-mismatch")
        if doc["author"] != p["author"]:
            raise Refused("not-author")
    if p["kind"] not in KINDS or not p["refs"]:  # the ref count was checked with the kind
        return
    _, targets, who, _ = KINDS[p["kind"]]
    target = held.get(p["refs"][0].hex())
    if target is None:
        raise Refused("missing-ref")
    if targets != "any" and target["kind"] not in targets:
        raise Refused("bad-refs")
    if target["topic"] != p["topic"]:
        raise Refused("topic-mismatch")
    if who == "asker":
        root = target if target["kind"] in ROOTS else held.get(target["refs"][0].hex())
        if root is None or root["author"] != p["author"]:
            raise Refused("not-asker")
    if who == "author" and target["author"] != p["author"]:
        raise Refused("not-author")
    if (who == "vendor" or "agent" in p["body"]) and p["author"] not in vendor_keys(held, p["topic"]):
        raise Refused("not-vendor")
    if who == "not-author" and target["author"] == p["author"]:
        raise Refused("self-vote")
    if who == "addressee" and (target["body"]["to"] != p["author"] or p["body"]["to"] != target["author"]):
        raise Refused("not-addressee")
    if p["kind"] == "offer" and p["created"] >= target["body"]["expires"]:
        raise Refused("expired")
    if who == "intent-key":
        intent = held.get(target["refs"][0].hex())
        if intent is None or intent["author"] != p["author"]:
            raise Refused("not-intent-key")


def verify(raw: bytes, now: int, held: dict[str, dict]) -> tuple[str, dict]:
    p = verify_envelope(raw, now)
    check_kind(p)
    check_context(p, held)
    return hashlib.blake2b(raw, digest_size=32).hexdigest(), p


def did(public_key: bytes) -> str:
    n, out = int.from_bytes(b"\xed\x01" + public_key, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "did:key:z" + out  # the prefix has no leading zero bytes


# -- the vectors --------------------------------------------------------------------------------------------

VALID = vectors("valid.json")["messages"]
INVALID = vectors("invalid.json")["messages"]
PAYLOADS = {v["id"]: cbor2.loads(bytes.fromhex(v["payload"])) for v in VALID}


def held(ids) -> dict[str, dict]:
    return {i: PAYLOADS[i] for i in ids}


def test_identities():
    for entry in vectors("identities.json")["identities"]:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(entry["seed"])).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
        assert key.hex() == entry["public_key"]
        assert did(key) == entry["did"]


@pytest.mark.parametrize("v", VALID, ids=[v["name"] for v in VALID])
def test_accepts_every_valid_vector(v):
    raw = bytes.fromhex(v["envelope"])
    mid, p = verify(raw, v["now"], held(v["context"]))
    assert mid == v["id"]
    assert raw == cbor2.dumps([bytes.fromhex(v["payload"]), bytes.fromhex(v["signature"])])
    assert did(p["author"]) == v["author_did"]


@pytest.mark.parametrize("v", INVALID, ids=[v["name"] for v in INVALID])
def test_refuses_every_invalid_vector_for_the_same_reason(v):
    with pytest.raises(Refused) as e:
        verify(bytes.fromhex(v["envelope"]), v["now"], held(v["context"]))
    assert str(e.value) == v["reason"]


ED25519 = vectors("ed25519.json")["cases"]


@pytest.mark.parametrize("case", ED25519, ids=[c["name"] for c in ED25519])
def test_ed25519_vectors(case):
    key, message, signature = (bytes.fromhex(case[k]) for k in ("public_key", "message", "signature"))
    assert ed25519_valid(key, message, signature) is case["valid"]


def test_the_extra_checks_are_needed():
    """Without steps 2 and 3, OpenSSL accepts every forgery that passes the bare cofactorless equation:
    the disagreement 01 section 1.1 settles."""
    accepted = [c["name"] for c in ED25519 if not c["valid"] and ed25519_valid(
        *(bytes.fromhex(c[k]) for k in ("public_key", "message", "signature")), extra_checks=False)]
    assert len(accepted) >= 9
    assert {f"small-order-key-{i}" for i in range(8)} | {"universal-forgery", "r-identity"} <= set(accepted)


def test_slug_vectors():
    for case in vectors("topics.json")["is_slug"]:
        assert bool(is_slug(case["input"])) is case["valid"], case


def normalise(text: str) -> str | None:
    """03 section 1, step by step; None where the text has no slug."""
    text = text.removeprefix("/antiport/1/product/")
    parts = text.strip("".join(WHITE_SPACE)).strip("/").split("/")
    if len(parts) != 2:
        return None
    slug = [slug_part(p) for p in parts]
    if not all(0 < len(p) <= 64 for p in slug):
        return None
    shapes = ["".join("M" if unicodedata.category(c).startswith("M") else "." for c in p) for p in slug]
    if any("MMMMM" in shape for shape in shapes):  # step 8: at most four marks in a row
        return None
    for part in slug:
        scripts = {unicodedata.name(c).split()[0] for c in part if unicodedata.category(c)[0] == "L"}
        if len(scripts & {"LATIN", "GREEK", "CYRILLIC"}) > 1:
            return None
    return "/".join(slug)


def slug_part(part: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", part).casefold())
    kept: list[str | None] = []
    for c in folded:
        category = unicodedata.category(c)
        mark_on_kept = category[0] == "M" and bool(kept) and kept[-1] is not None
        kept.append(c if category[0] == "L" or category == "Nd" or mark_on_kept else None)
    return re.sub("\x00+", "-", "".join(c or "\x00" for c in kept)).strip("-")


def test_normalise_vectors():
    for case in vectors("topics.json")["normalise"]:
        assert normalise(case["input"]) == case["slug"], case


def item_end(data: bytes, pos: int) -> int:
    """04 section 2: where the well-formed item at `pos` ends (RFC 8949 appendix C, structure only)."""
    def head(pos):
        if pos >= len(data):
            raise Refused("not well-formed")
        major, info = data[pos] >> 5, data[pos] & 31
        if info < 24:
            return major, info, pos + 1
        if info < 28:
            end = pos + 1 + (1 << (info - 24))
            if end > len(data) or (major == 7 and info == 24 and data[pos + 1] < 32):
                raise Refused("not well-formed")
            return major, int.from_bytes(data[pos + 1:end], "big"), end
        if info == 31 and major in (2, 3, 4, 5, 7):
            return major, None, pos + 1
        raise Refused("not well-formed")

    major, n, pos = head(pos)
    if major == 7 and n is None:
        raise Refused("not well-formed")  # a break where an item should start
    if major in (2, 3) and n is None:
        while True:
            m, k, pos = head(pos)
            if m == 7 and k is None:
                return pos
            if m != major or k is None:
                raise Refused("not well-formed")
            pos += k
            if pos > len(data):
                raise Refused("not well-formed")
    if major in (2, 3):
        if pos + n > len(data):
            raise Refused("not well-formed")
        return pos + n
    if major in (4, 5) and n is None:
        count = 0
        while data[pos:pos + 1] != b"\xff":
            pos, count = item_end(data, pos), count + 1
        if major == 5 and count % 2:
            raise Refused("not well-formed")
        return pos + 1
    for _ in range({4: n, 5: 2 * (n or 0), 6: 1}.get(major, 0)):
        pos = item_end(data, pos)
    return pos


NOW = VALID[0]["now"]


def import_file(data: bytes) -> dict:
    """04 sections 2 and 3: cut by structure, then validate each item, retrying missing-ref while a pass stores."""
    items, pos = [], 0
    while pos < len(data):
        end = item_end(data, pos)
        items.append(data[pos:end])
        pos = end
    held: dict[str, dict] = {}
    result = {"accepted": 0, "duplicates": 0, "rejected": {}}
    while items:
        waiting = []
        for raw in items:
            try:
                mid, p = verify(raw, NOW, held)
            except Refused as e:
                if str(e) == "missing-ref":
                    waiting.append(raw)
                else:
                    result["rejected"][str(e)] = result["rejected"].get(str(e), 0) + 1
                continue
            result["duplicates" if mid in held else "accepted"] += 1
            held[mid] = p
        if len(waiting) == len(items):
            result["rejected"]["missing-ref"] = len(waiting)
            break
        items = waiting
    return result


@pytest.mark.parametrize("case", vectors("import.json")["cases"], ids=lambda c: c["name"])
def test_import_vectors(case):
    data = bytes.fromhex(case["file"])
    if "result" in case:
        assert import_file(data) == case["result"]
    else:
        with pytest.raises(Refused):
            import_file(data)
        import_file(data[:case["refused_at"]])  # everything before that offset is well-formed


def test_export_file():
    """04: a CBOR sequence of envelopes; each item is cut out with its exact bytes, then verified."""
    data = (VECTORS / "export.apx").read_bytes()
    r, items = Reader(data, 2), []
    while r.pos < len(data):
        start = r.pos
        r.item()
        items.append(data[start:r.pos])
    seen: dict[str, dict] = {}
    for raw, v in zip(items, VALID, strict=True):
        mid, p = verify(raw, v["now"], seen)
        seen[mid] = p


# -- 09: attachments ------------------------------------------------------------------------------------------

BLOBS = vectors("blobs.json")


def test_blob_hashes():
    for blob in BLOBS["blobs"] + [{"data": s["blob"], "hash": s["hash"]} for s in BLOBS["sealed"]]:
        assert hashlib.blake2b(bytes.fromhex(blob["data"]), digest_size=32).hexdigest() == blob["hash"]


def test_sealed_blobs_open_to_a_file():
    """09 section 3: a sealed box (libsodium's construction, opened with PyNaCl) of {name, type, data}."""
    import nacl.bindings
    import nacl.public
    seeds = {i["name"]: bytes.fromhex(i["seed"]) for i in vectors("identities.json")["identities"]}
    for s in BLOBS["sealed"]:
        seed = seeds[s["recipient"]]
        _, secret = nacl.bindings.crypto_sign_seed_keypair(seed)
        key = nacl.public.PrivateKey(nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(secret))
        plaintext = nacl.public.SealedBox(key).decrypt(bytes.fromhex(s["blob"]))
        assert plaintext.hex() == s["plaintext"]
        inner = decode(plaintext, 2)
        assert set(inner) == {"name", "type", "data"} and name_ok(inner["name"]) and inner["name"] == s["name"]


@pytest.mark.parametrize("tag", ["de", "pt-BR", "PT-br", "zh-Hant-TW", "sl-rozaj", "de-CH-1996", "es-419", "ast",
                                 "en-US-x-twain", "e", "english", "de_DE", "de-", "-de", "123", "\u017fl", "de\n",
                                 "zh-Hant-Hans", "en-u-ca-gregory"])
def test_language_tags_agree_with_the_reference(tag):
    from antiport.protocol.kinds import LANG_TAG
    assert lang_ok(tag) is bool(LANG_TAG.fullmatch(tag)), tag


# -- 11: contact cards ----------------------------------------------------------------------------------------

CONTACT = vectors("contact.json")
CARD_FIELDS = {"name": 100, "email": 254, "phone": 40, "address": 500}


def said_line(value, most: int, lines: bool = False) -> bool:
    return (type(value) is str and 0 < len(value) <= most and not set(value) <= WHITE_SPACE
            and not set(value) & REFUSED[not lines])


def inner_ok(inner) -> bool:
    """11 sections 2 and 3: what a contact or a receipt may seal."""
    if inner == {"op": "erase"} or inner == {"result": "applied"} or inner == {"result": "erased"}:
        return True
    if isinstance(inner, dict) and set(inner) == {"result", "reason"}:
        return inner["result"] == "refused" and said_line(inner["reason"], 200)
    if not (isinstance(inner, dict) and set(inner) == {"op", "card"} and inner["op"] == "update"):
        return False
    card = inner["card"]
    if not (isinstance(card, dict) and card and set(card) <= set(CARD_FIELDS)):
        return False
    if not all(said_line(v, CARD_FIELDS[k], lines=k == "address") for k, v in card.items()):
        return False
    local, at, domain = card.get("email", "a@b").partition("@")
    return bool(local and at and domain and "@" not in domain and not set(card.get("email", "")) & {" ", "\t", "\xa0"})


def test_sealed_contact_parts_open_to_what_they_say():
    import nacl.bindings
    import nacl.public
    seeds = {i["name"]: bytes.fromhex(i["seed"]) for i in vectors("identities.json")["identities"]}
    for s in CONTACT["sealed"]:
        _, secret = nacl.bindings.crypto_sign_seed_keypair(seeds[s["recipient"]])
        key = nacl.public.PrivateKey(nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(secret))
        plaintext = nacl.public.SealedBox(key).decrypt(bytes.fromhex(s["sealed"]))
        assert plaintext.hex() == s["plaintext"]
        assert inner_ok(decode(plaintext, 3)) is s["valid"], s["name"]
# -- 13: passing a thread on ----------------------------------------------------------------------------------

SHARE = vectors("share.json")


def share_ok(inner) -> bool:
    """13 section 2: thread, topic, title and perhaps a note."""
    if not (isinstance(inner, dict) and {"thread", "topic", "title"} <= set(inner) <= {"thread", "topic", "title",
                                                                                       "note"}):
        return False
    return (type(inner["thread"]) is bytes and len(inner["thread"]) == 32 and type(inner["topic"]) is str
            and is_slug(inner["topic"]) and said_line(inner["title"], 200)
            and ("note" not in inner or said_line(inner["note"], 500, lines=True)))


def test_sealed_shares_open_to_what_they_say():
    import nacl.bindings
    import nacl.public
    seeds = {i["name"]: bytes.fromhex(i["seed"]) for i in vectors("identities.json")["identities"]}
    for s in SHARE["sealed"]:
        _, secret = nacl.bindings.crypto_sign_seed_keypair(seeds[s["recipient"]])
        key = nacl.public.PrivateKey(nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(secret))
        plaintext = nacl.public.SealedBox(key).decrypt(bytes.fromhex(s["sealed"]))
        assert plaintext.hex() == s["plaintext"]
        assert share_ok(decode(plaintext, 3)) is s["valid"], s["name"]


# -- 12: intents ---------------------------------------------------------------------------------------------

INTENTS = vectors("intents.json")


def test_sealed_offers_and_awards_open_for_their_recipient():
    """12 section 3: each sealed part opens with its recipient's key to an offer's or an award's map."""
    import nacl.bindings
    import nacl.public
    seeds = {i["name"]: bytes.fromhex(i["seed"]) for i in [*vectors("identities.json")["identities"], *INTENTS["keys"]]}
    for s in INTENTS["sealed"]:
        _, secret = nacl.bindings.crypto_sign_seed_keypair(seeds[s["recipient"]])
        key = nacl.public.PrivateKey(nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(secret))
        plain = decode(nacl.public.SealedBox(key).decrypt(bytes.fromhex(s["sealed"])), 3)
        if s["name"].startswith("offer"):
            assert set(plain) == {"price", "currency", "valid_until", "text", "accepts"}
            assert re.fullmatch("[A-Z]{3}", plain["currency"]) and set(plain["accepts"]) <= TERMS
        else:
            assert {"text"} <= set(plain) <= {"text", "contact"}


# -- 09, 11, 12, 13, 14: the files whose valid messages are each other's context, checked alike ------------------------

HELD = {name: (spec, {v["id"]: cbor2.loads(bytes.fromhex(v["payload"])) for v in spec["valid"]})
        for name, spec in (("attachments", BLOBS), ("contacts", CONTACT), ("intents", INTENTS),
                                          ("shares", SHARE), ("terms", vectors("terms.json")))}


def cases(which: str) -> list:
    return [pytest.param(v, payloads, id=f"{name}-{v['name']}")
            for name, (spec, payloads) in HELD.items() for v in spec[which]]


@pytest.mark.parametrize(("v", "payloads"), cases("valid"))
def test_accepts_every_valid_vector_of_the_later_specs(v, payloads):
    mid, _ = verify(bytes.fromhex(v["envelope"]), v["now"], {i: payloads[i] for i in v["context"]})
    assert mid == v["id"]


@pytest.mark.parametrize(("v", "payloads"), cases("invalid"))
def test_refuses_every_invalid_vector_of_the_later_specs(v, payloads):
    with pytest.raises(Refused) as e:
        verify(bytes.fromhex(v["envelope"]), v["now"], {i: payloads[i] for i in v["context"]})
    assert str(e.value) == v["reason"]
