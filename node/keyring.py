"""This home's key log (specs/10): the inception made once, rotation to the committed next key (or recovery
with it when the current key is lost), and devices delegated and revoked. The keys live in the home; the
events are messages made here like any other (`Ingest.create`)."""
from __future__ import annotations

from antiport.crypto import Identity, did_from_key, key_from_did
from antiport.protocol import Message, keylog

from .home import Home, now_ms
from .ingest import Ingest
from .store import Store

TOKEN_PREFIX = "antiport-device:"


class KeyLogError(Exception):
    """A key operation that cannot be done here, with one line saying why."""


def state(store: Store, identity_did: str) -> keylog.State | None:
    """The state of an identity's log as this node holds it (its head's), None without a log."""
    events = store.key_log(key_from_did(identity_did))
    return keylog.fold(keylog.head(events)) if events else None


def incept(home: Home, ingest: Ingest, identity: Identity) -> Message | None:
    """The identity's inception, committing to a next key kept in the home, unless this home's key is not the
    identity key (a device, a rotated-in key) or the identity has a log already: made when a home's node first
    runs (specs/10 section 6). Its envelope stays in the home: a store that lost it (deleted, rebuilt by the
    doctor) gets the same inception back, never a second one, which every peer would refuse."""
    if identity.did != did_from_key(identity.public_key) or ingest.store.owner(identity.public_key) is not None:
        return None
    if home.inception_file.exists():
        return ingest.write(home.inception_file.read_bytes(), now_ms())
    next_key = home.next_key()
    if next_key is None:
        next_key = Identity.generate()
        home.save_keys(None, next_key)
    msg = ingest.create(identity, "key", "", {"op": "incept", "seq": 0, "next": keylog.digest(next_key.public_key)})
    home.keep_inception(msg.raw)
    return msg


def rotate(home: Home, ingest: Ingest, identity: Identity, signer: Identity | None = None) -> Identity:
    """Move the identity to its committed next key (`signer`, else the home's next key), committing to a new
    one kept in the home; the key that signed becomes this home's key. Returns it, speaking for the identity."""
    current = state(ingest.store, identity.did)
    if current is None:
        raise KeyLogError(f"no key log of {identity.did} is held here: run the node until it has synced it")
    signer = signer or home.next_key()
    if signer is None or keylog.digest(signer.public_key) != current.next:
        raise KeyLogError("this is not the key the identity's log committed to: a rotation needs that one")
    after = Identity.generate()
    ingest.create(signer, "key", "", {"op": "rotate", "seq": current.seq + 1,
                                      "next": keylog.digest(after.public_key)}, [current.head])
    home.save_keys(Identity(signer.seed), after, identity.did)  # the old next key is replaced only now
    return Identity(signer.seed).speaking_for(identity.did)


def device_token(device: Identity, identity_did: str) -> str:
    """What a new device gives the identity's home to be added: its key and its consent (specs/10 section 1)."""
    proof = device.sign(keylog.device_proof(key_from_did(identity_did)))
    return TOKEN_PREFIX + device.public_key.hex() + proof.hex()


def add_device(ingest: Ingest, identity: Identity, token: str) -> str:
    """Delegate the device of `token` (from 'antiport device request'); its did."""
    body = token.strip().removeprefix(TOKEN_PREFIX)
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        raw = b""
    if len(raw) != 96:
        raise KeyLogError("not a device token: it is what 'antiport device request' prints on the new device")
    current = _current(ingest.store, identity)
    ingest.create(identity, "key", "", {"op": "add", "seq": current.seq + 1, "device": raw[:32], "proof": raw[32:]},
                  [current.head])
    return did_from_key(raw[:32])


def revoke_device(ingest: Ingest, identity: Identity, device_did: str) -> int:
    """Revoke a device, keeping the messages of it this node holds (its newest MAX_KEEP); how many were kept."""
    device = key_from_did(device_did)
    current = _current(ingest.store, identity)
    if device not in current.devices:
        raise KeyLogError(f"{device_did} is not a device of {identity.did}")
    keep = ingest.store.signed_by(did_from_key(device), keylog.MAX_KEEP)
    ingest.create(identity, "key", "", {"op": "revoke", "seq": current.seq + 1, "device": device,
                                        "keep": [bytes.fromhex(i) for i in keep]}, [current.head])
    return len(keep)


def _current(store: Store, identity: Identity) -> keylog.State:
    current = state(store, identity.did)
    if current is None:
        raise KeyLogError(f"no key log of {identity.did} is held here: run the node until it has synced it")
    if current.current != identity.public_key:
        raise KeyLogError("this home's key is not the identity's current key: devices are added and revoked there")
    return current


def describe(store: Store, identity_did: str) -> dict:
    """The identity's keys as its log says: current key, devices, revoked devices with how many they kept."""
    current = state(store, identity_did)
    if current is None:
        return {"identity": identity_did, "log": False, "keys": [], "devices": [], "revoked": []}
    return {"identity": identity_did, "log": True, "seq": current.seq, "head": current.head,
            "current": did_from_key(current.current),
            "keys": [did_from_key(k) for k in current.keys],
            "devices": [did_from_key(d) for d in current.devices],
            "revoked": [{"did": did_from_key(d), "kept": len(keep)} for d, keep in current.revoked.items()]}
