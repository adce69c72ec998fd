"""Writes the key log vectors (specs/10-keys.md) from fixed seeds and fixed times:

    python specs/vectors/generate_keys.py          # rewrite keys.json
    python specs/vectors/generate_keys.py --check  # exit 1 if the committed file differs

Alice incepts, delegates her laptop, and is answered by Bob; her laptop accepts. Mallory, holding Alice's
stolen current key, tries to rotate it to his own key, and starts a branch of her log with his own device.
Alice rotates to the key she committed to, revokes the laptop keeping its accept, and resolves her old thread
with her new key. Each step is validated with every earlier valid step held; `final` is the state of the
log, and whom each key speaks for, with all of them held.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from antiport.crypto import Identity
from antiport.protocol import Rejected, keylog, load, sign, validate
from antiport.protocol.validate import Held

OUT = Path(__file__).resolve().parent / "keys.json"
T0 = 1_767_225_600_000
NOW = T0 + 24 * 3600 * 1000
TOPIC = "acme/widget"
NAMES = ("alice", "alice-next", "alice-after", "alice-laptop", "bob", "mallory", "mallory-device")


def identity(name: str) -> Identity:
    return Identity(hashlib.blake2b(b"antiport/vectors/keys/" + name.encode(), digest_size=32).digest())


ID = {n: identity(n) for n in NAMES}
ALICE = ID["alice"].public_key


def key_event(who: str, op: str, seq: int, prior: str | None, **fields) -> dict:
    return {"who": who, "kind": "key", "topic": "", "refs": [prior] if prior else [],
            "body": {"op": op, "seq": seq, **fields}}


def proof(device: str, of: bytes = ALICE) -> bytes:
    return ID[device].sign(keylog.device_proof(of))


class Log:
    """The steps so far, with the messages held (the valid ones)."""

    def __init__(self) -> None:
        self.steps: list[dict] = []
        self.held: dict[str, object] = {}
        self.ids: dict[str, str] = {}

    def step(self, name: str, spec: dict, created: int) -> str:
        msg = sign(ID[spec["who"]], spec["kind"], spec["topic"], spec["body"], spec["refs"], created=created)
        return self.again(name, msg.raw, msg.id)

    def again(self, name: str, raw: bytes, mid: str) -> str:
        entry = {"name": name, "envelope": raw.hex(), "id": mid, "now": NOW, "context": list(self.held)}
        try:
            validate(raw, NOW, Held(map(load, self.held.values())))
            entry["valid"] = True
            self.held.setdefault(mid, raw)
        except Rejected as e:
            entry.update(valid=False, reason=e.reason)
        self.steps.append(entry)
        self.ids[name] = mid
        return mid


def build() -> dict[str, str]:
    return {"keys.json": json.dumps(story(), indent=1) + "\n"}


def story() -> dict:
    log, t = Log(), iter(range(T0, NOW, 60_000))
    incept = log.step("alice-incepts", key_event("alice", "incept", 0, None, next=keylog.digest(
        ID["alice-next"].public_key)), next(t))
    laptop = log.step("alice-adds-her-laptop", key_event("alice", "add", 1, incept,
                                                        device=ID["alice-laptop"].public_key,
                                                        proof=proof("alice-laptop")), next(t))
    request = log.step("alice-asks", {"who": "alice", "kind": "request", "topic": TOPIC, "refs": [],
                                      "body": {"title": "Widget stuck", "text": "It will not start."}}, next(t))
    answer = log.step("bob-answers", {"who": "bob", "kind": "answer", "topic": TOPIC, "refs": [request],
                                      "body": {"text": "Hold the button for ten seconds."}}, next(t))
    accept = log.step("the-laptop-accepts", {"who": "alice-laptop", "kind": "accept", "topic": TOPIC,
                                              "refs": [answer], "body": {}}, next(t))
    log.step("the-laptop-asks", {"who": "alice-laptop", "kind": "request", "topic": TOPIC, "refs": [],
                                 "body": {"title": "Another", "text": "Written on the laptop."}}, next(t))
    log.step("stolen-key-rotates-to-mallory", key_event("alice", "rotate", 2, laptop, next=keylog.digest(
        ID["mallory"].public_key)), next(t))
    log.step("mallory-rotates-with-his-key", key_event("mallory", "rotate", 2, laptop, next=keylog.digest(
        ID["mallory"].public_key)), next(t))
    log.step("mallory-adds-with-his-key", key_event("mallory", "add", 2, laptop,
                                                    device=ID["mallory-device"].public_key,
                                                    proof=proof("mallory-device")), next(t))
    log.step("device-without-its-proof", key_event("alice", "add", 2, laptop, device=ID["mallory-device"].public_key,
                                                   proof=proof("mallory-device", ID["mallory"].public_key)), next(t))
    branch = log.step("stolen-key-branches-with-a-device", key_event(
        "alice", "add", 2, laptop, device=ID["mallory-device"].public_key, proof=proof("mallory-device")), next(t))
    log.step("branch-goes-on", key_event("alice", "add", 3, branch, device=ID["mallory"].public_key,
                                          proof=proof("mallory")),
             next(t))
    rotation = log.step("alice-rotates-to-her-committed-key", key_event("alice-next", "rotate", 2, laptop,
                                                                        next=keylog.digest(
                                                                            ID["alice-after"].public_key)), next(t))
    log.step("old-key-adds-after-rotation", key_event("alice", "add", 3, rotation,
                                                      device=ID["mallory-device"].public_key,
                                                      proof=proof("mallory-device")), next(t))
    log.step("seq-skips", key_event("alice-next", "add", 5, rotation, device=ID["mallory-device"].public_key,
                                    proof=proof("mallory-device")), next(t))
    log.step("revoke-of-no-device", key_event("alice-next", "revoke", 3, rotation, device=ID["bob"].public_key,
                                              keep=[]), next(t))
    log.step("alice-revokes-the-laptop", key_event("alice-next", "revoke", 3, rotation,
                                                   device=ID["alice-laptop"].public_key,
                                                   keep=[bytes.fromhex(accept)]), next(t))
    log.again("kept-accept-still-valid", bytes.fromhex(log.steps[4]["envelope"]), accept)
    log.again("unkept-request-refused", bytes.fromhex(log.steps[5]["envelope"]), log.ids["the-laptop-asks"])
    log.step("the-revoked-laptop-answers", {"who": "alice-laptop", "kind": "answer", "topic": TOPIC,
                                            "refs": [request], "body": {"text": "Later."}}, next(t))
    log.step("the-new-key-resolves-the-old-thread", {"who": "alice-next", "kind": "resolve", "topic": TOPIC,
                                                     "refs": [request], "body": {}}, next(t))
    log.step("the-new-key-votes-on-its-own-request", {"who": "alice-next", "kind": "vote", "topic": TOPIC,
                                                      "refs": [request], "body": {"value": "up"}}, next(t))
    log.step("a-second-inception", key_event("alice", "incept", 0, None, next=keylog.digest(ID["mallory"].public_key)),
             next(t))
    log.again("the-inception-again", bytes.fromhex(log.steps[0]["envelope"]), incept)
    log.step("inception-with-seq-1", key_event("bob", "incept", 1, None, next=keylog.digest(ID["bob"].public_key)),
             next(t))
    log.step("rotation-without-next", key_event("alice-after", "rotate", 3, rotation), next(t))
    log.step("inception-with-a-ref", key_event("bob", "incept", 0, incept, next=keylog.digest(ID["bob"].public_key)),
             next(t))
    log.step("event-after-a-request", key_event("bob", "add", 1, request, device=ID["mallory"].public_key,
                                                proof=proof("mallory", ID["bob"].public_key)), next(t))
    held = [m for m in map(load, log.held.values()) if m.kind == "key"]
    state = keylog.fold(keylog.head([m for m in held if keylog.chain(m, {h.id: h for h in held}.get)[0].author
                                     == ALICE]))
    owners = keylog.owners(held)
    return {"keys": {n: ID[n].public_key.hex() for n in NAMES}, "steps": log.steps,
            "final": {"identity": ALICE.hex(), "head": state.head, "current": state.current.hex(),
                      "next": state.next.hex(), "seq": state.seq,
                      "owners": {k.hex(): {"identity": o.identity.hex(),
                                           "keep": None if o.keep is None else sorted(o.keep)}
                                 for k, o in sorted(owners.items())}}}


def main() -> int:
    text = build()["keys.json"]
    if "--check" in sys.argv:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
