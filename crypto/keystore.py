"""The on-disk keystore: one identity seed per file, mode 0600, optionally sealed with a passphrase.

File format (CBOR is not needed here; a small JSON document is easier to inspect):
  {"v": 1, "did": ..., "seed": hex}                                   plain
  {"v": 1, "did": ..., "kdf": "argon2id", "salt": hex, "ops": n, "mem": n, "box": hex}   sealed
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from .keys import Identity


class KeystoreError(Exception):
    """The keystore file is missing, unreadable, or the passphrase is wrong."""


def _derive(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit=ops, memlimit=mem)


def save_identity(identity: Identity, path: Path, passphrase: str | None = None,
                  ops: int = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
                  mem: int = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE) -> None:
    doc: dict = {"v": 1, "did": identity.did}
    if passphrase:
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        box = nacl.secret.SecretBox(_derive(passphrase, salt, ops, mem))
        doc.update(kdf="argon2id", salt=salt.hex(), ops=ops, mem=mem, box=box.encrypt(identity.seed).hex())
    else:
        doc["seed"] = identity.seed.hex()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    os.chmod(path, 0o600)


def is_sealed(path: Path) -> bool:
    return "box" in _read(path)


def _read(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise KeystoreError(f"no identity at {path}: run 'antiport init' first") from None
    except (OSError, ValueError) as e:
        raise KeystoreError(f"cannot read identity file {path}: {e}") from None


def load_identity(path: Path, passphrase: str | None = None) -> Identity:
    doc = _read(path)
    try:
        if "seed" in doc:
            return Identity(bytes.fromhex(doc["seed"]))
        if not passphrase:
            raise KeystoreError("the identity is protected by a passphrase (set ANTIPORT_PASSPHRASE)")
        key = _derive(passphrase, bytes.fromhex(doc["salt"]), doc["ops"], doc["mem"])
        return Identity(nacl.secret.SecretBox(key).decrypt(bytes.fromhex(doc["box"])))
    except nacl.exceptions.CryptoError:
        raise KeystoreError("wrong passphrase for the identity") from None
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreError(f"identity file {path} is damaged: {e}") from None
