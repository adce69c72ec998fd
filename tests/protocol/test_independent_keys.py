"""Key logs checked from specs/10 alone (not from antiport.protocol): the independent verifier's envelope and
kind rules, then the key events, heads, owners and the owner-aware context rules, on the committed story."""
from __future__ import annotations

import hashlib

import pytest
from spec_vectors import vectors
from test_independent_verifier import KINDS, ROOTS, Refused, check_kind, ed25519_valid, vendor_keys, verify_envelope

pytestmark = pytest.mark.fast

STORY = vectors("keys.json")
KEY_FIELDS = {"op": (str,), "seq": (int,), "next": (bytes, 32, 32), "device": (bytes, 32, 32),
              "proof": (bytes, 64, 64), "keep": (list, 0, 1000)}
NEEDS = {"incept": {"next"}, "rotate": {"next"}, "add": {"device", "proof"}, "revoke": {"device", "keep"}}


def key_body(p: dict) -> None:
    """10 section 2."""
    body = p["body"]
    if p["topic"]:
        raise Refused("bad-topic")
    for name, value in body.items():
        rule = KEY_FIELDS.get(name)
        if rule is None or type(value) is not rule[0]:
            raise Refused("bad-body")
        if len(rule) == 3 and not rule[1] <= len(value) <= rule[2]:
            raise Refused("bad-body")
    if "op" not in body or "seq" not in body or body["op"] not in NEEDS or not 0 <= body["seq"] < 2**53:
        raise Refused("bad-body")
    if set(body) != {"op", "seq"} | NEEDS[body["op"]] or (body["seq"] == 0) != (body["op"] == "incept"):
        raise Refused("bad-body")
    if any(type(i) is not bytes or len(i) != 32 for i in body.get("keep", [])):
        raise Refused("bad-body")
    if len(p["refs"]) != (0 if body["op"] == "incept" else 1):
        raise Refused("bad-refs")


def log_to(event_id: str, held: dict) -> list[dict]:
    out = [held[event_id]]
    while out[0]["refs"]:
        out.insert(0, held[out[0]["refs"][0].hex()])
    return out


def state_of(log: list[dict]) -> dict:
    """10 section 4, the fold."""
    first = log[0]
    s = {"identity": first["author"], "current": first["author"], "next": first["body"]["next"], "seq": 0,
         "rotations": 0, "keys": [first["author"]], "devices": [], "revoked": {}}
    for e in log[1:]:
        b = e["body"]
        s["seq"] = b["seq"]
        if b["op"] == "rotate":
            s.update(current=e["author"], next=b["next"], rotations=s["rotations"] + 1)
            s["keys"].append(e["author"])
        elif b["op"] == "add":
            s["devices"].append(b["device"])
        else:
            s["devices"].remove(b["device"])
            s["revoked"][b["device"]] = {i.hex() for i in b["keep"]}
    return s


def check_event(p: dict, held: dict) -> None:
    """10 section 3 (the previous event is held and a key: steps 19-21 ran)."""
    s, b = state_of(log_to(p["refs"][0].hex(), held)), p["body"]
    used = [*s["keys"], *s["devices"], *s["revoked"]]
    if b["seq"] != s["seq"] + 1:
        raise Refused("bad-key-event")
    if b["op"] == "rotate" and hashlib.blake2b(p["author"], digest_size=32).digest() != s["next"]:
        raise Refused("not-next-key")
    if b["op"] in ("add", "revoke") and p["author"] != s["current"]:
        raise Refused("not-current-key")
    if b["op"] == "rotate" and p["author"] in used:
        raise Refused("bad-key-event")
    if b["op"] == "add" and (b["device"] in used or hashlib.blake2b(b["device"], digest_size=32).digest() == s["next"]
                             or not ed25519_valid(b["device"], b"antiport/device/v1\x00" + s["identity"],
                                                  b["proof"])):
        raise Refused("bad-key-event")
    if b["op"] == "revoke" and b["device"] not in s["devices"]:
        raise Refused("bad-key-event")


def owners(held: dict) -> dict[bytes, tuple[bytes, set | None]]:
    """10 section 4: each identity's head by (rotations, seq, smallest id); smaller identities win shared keys."""
    logs: dict[bytes, list[tuple[int, int, str]]] = {}
    for mid, p in held.items():
        if p["kind"] == "key":
            log = log_to(mid, held)
            rank = sum(e["body"]["op"] == "rotate" for e in log)
            logs.setdefault(log[0]["author"], []).append((-rank, -p["body"]["seq"], mid))
    out: dict[bytes, tuple[bytes, set | None]] = {}
    for identity in sorted(logs, reverse=True):
        s = state_of(log_to(min(logs[identity])[2], held))
        out.update({k: (identity, None) for k in s["keys"] + s["devices"]})
        out.update({k: (identity, keep) for k, keep in s["revoked"].items()})
    out.update({identity: (identity, None) for identity in logs})
    return out


def verify(raw: bytes, now: int, held: dict) -> None:
    p = verify_envelope(raw, now)
    mid = hashlib.blake2b(raw, digest_size=32).hexdigest()
    if p["kind"] == "key":
        key_body(p)
    else:
        check_kind(p)
    owned = owners(held)
    if p["kind"] == "key" and not p["refs"] and any(q["kind"] == "key" and not q["refs"] and q["author"] == p["author"]
                                                    and qid != mid for qid, q in held.items()):
        raise Refused("bad-key-event")  # 10 section 3: one inception per identity, the first held (or a copy)

    def speaks(msg: dict, msg_id: str) -> bytes:
        identity, keep = owned.get(msg["author"], (msg["author"], None))
        return identity if keep is None or msg_id in keep else msg["author"]

    if p["refs"] and (p["kind"] == "key" or p["kind"] in KINDS):
        target_id = p["refs"][0].hex()
        target = held.get(target_id)
        if target is None:
            raise Refused("missing-ref")
        targets, who = ("key",), "log"
        if p["kind"] != "key":
            _, targets, who, _ = KINDS[p["kind"]]
        if targets != "any" and target["kind"] not in targets:
            raise Refused("bad-refs")
        if target["topic"] != p["topic"]:
            raise Refused("topic-mismatch")
        me, them = speaks(p, mid), speaks(target, target_id)
        if who == "log":
            check_event(p, held)
        if who == "asker":
            root_id = target_id if target["kind"] in ROOTS else target["refs"][0].hex()
            if root_id not in held or speaks(held[root_id], root_id) != me:
                raise Refused("not-asker")
        if who == "author" and them != me:
            raise Refused("not-author")
        if who == "vendor" and p["author"] not in vendor_keys(held, p["topic"]) and me not in {
                owned.get(k, (k,))[0] for k in vendor_keys(held, p["topic"])}:
            raise Refused("not-vendor")
        if who == "not-author" and them == me:
            raise Refused("self-vote")
    identity, keep = owned.get(p["author"], (p["author"], None))
    if keep is not None and mid not in keep:
        raise Refused("revoked-key")


def payloads(ids: list[str]) -> dict:
    from test_independent_verifier import decode
    out = {}
    for step in STORY["steps"]:
        if step["id"] in ids and step["valid"]:
            out[step["id"]] = decode(decode(bytes.fromhex(step["envelope"]), 2)[0], 16)
    return out


@pytest.mark.parametrize("step", STORY["steps"], ids=[s["name"] for s in STORY["steps"]])
def test_every_step_of_the_story(step):
    held = payloads(step["context"])
    if step["valid"]:
        verify(bytes.fromhex(step["envelope"]), step["now"], held)
    else:
        with pytest.raises(Refused) as e:
            verify(bytes.fromhex(step["envelope"]), step["now"], held)
        assert str(e.value) == step["reason"]


def test_the_owners_at_the_end():
    held = payloads([s["id"] for s in STORY["steps"]])
    got = {k.hex(): {"identity": i.hex(), "keep": None if keep is None else sorted(keep)}
           for k, (i, keep) in sorted(owners(held).items())}
    assert got == STORY["final"]["owners"]
