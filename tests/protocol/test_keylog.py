"""Key logs (specs/10): the committed vectors, and the rules a thief of the current key runs into."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.protocol import Rejected, keylog, load, sign, validate
from antiport.protocol.validate import Held
from spec_vectors import vectors

pytestmark = pytest.mark.fast

KEYS = vectors("keys.json")
STEPS = KEYS["steps"]
BY_ID = {s["id"]: bytes.fromhex(s["envelope"]) for s in STEPS if s["valid"]}
T0 = 1_767_225_600_000


@pytest.mark.parametrize("step", STEPS, ids=[s["name"] for s in STEPS])
def test_every_step_as_the_vectors_say(step):
    held = Held(load(BY_ID[i]) for i in step["context"])
    if step["valid"]:
        assert validate(bytes.fromhex(step["envelope"]), step["now"], held).id == step["id"]
    else:
        with pytest.raises(Rejected) as e:
            validate(bytes.fromhex(step["envelope"]), step["now"], held)
        assert e.value.reason == step["reason"]


def test_the_final_state():
    events = [m for m in map(load, BY_ID.values()) if m.kind == "key"]
    final = KEYS["final"]
    alice = bytes.fromhex(final["identity"])
    mine = [m for m in events if keylog.chain(m, {e.id: e for e in events}.get)[0].author == alice]
    state = keylog.fold(keylog.head(mine))
    assert (state.head, state.current.hex(), state.next.hex(), state.seq) == (
        final["head"], final["current"], final["next"], final["seq"])
    owners = {k.hex(): {"identity": o.identity.hex(), "keep": None if o.keep is None else sorted(o.keep)}
              for k, o in keylog.owners(events).items()}
    assert owners == final["owners"]
    assert KEYS["keys"]["mallory-device"] not in owners  # his branch has no rotation: it lost to Alice's


def incept(who: Identity, nxt: Identity, created: int = T0):
    return sign(who, "key", "", {"op": "incept", "seq": 0, "next": keylog.digest(nxt.public_key)}, created=created)


def add(who: Identity, prior, seq: int, device: Identity, of: bytes, created: int = T0):
    return sign(who, "key", "", {"op": "add", "seq": seq, "device": device.public_key,
                                 "proof": device.sign(keylog.device_proof(of))}, [prior.id], created=created)


def test_a_rotation_outranks_any_longer_branch_without_one():
    me, nxt, thief_device = Identity.generate(), Identity.generate(), Identity.generate()
    first = incept(me, nxt)
    branch = [add(me, first, 1, thief_device, me.public_key)]
    for seq in range(2, 6):
        branch.append(add(me, branch[-1], seq, Identity.generate(), me.public_key))
    rotation = sign(nxt, "key", "", {"op": "rotate", "seq": 1, "next": keylog.digest(b"\x01" * 32)}, [first.id],
                    created=T0)
    state = keylog.fold(keylog.head([first, *branch, rotation]))
    assert state.head == rotation.id and state.current == nxt.public_key and state.devices == ()


def test_owners_do_not_depend_on_the_order_events_are_given():
    me, nxt, laptop = Identity.generate(), Identity.generate(), Identity.generate()
    first = incept(me, nxt)
    added = add(me, first, 1, laptop, me.public_key)
    events = [first, added]
    assert keylog.owners(events) == keylog.owners(events[::-1])
    assert keylog.owners(events)[laptop.public_key] == keylog.Owner(me.public_key)


def test_a_device_cannot_be_claimed_without_its_consent():
    me, nxt, someone = Identity.generate(), Identity.generate(), Identity.generate()
    first = incept(me, nxt)
    forged = sign(me, "key", "", {"op": "add", "seq": 1, "device": someone.public_key,
                                  "proof": me.sign(keylog.device_proof(me.public_key))}, [first.id], created=T0)
    with pytest.raises(Rejected) as e:
        validate(forged.raw, T0, Held([first]))
    assert e.value.reason == "bad-key-event"
