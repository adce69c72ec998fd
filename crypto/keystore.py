"""The on-disk keystore: one identity seed per file, mode 0600, optionally sealed with a passphrase;
and the seed as 24 BIP-39 words, a backup on paper.

File format (CBOR is not needed here; a small JSON document is easier to inspect):
  {"v": 1, "did": ..., "seed": hex}                                   plain
  {"v": 1, "did": ..., "kdf": "argon2id", "salt": hex, "ops": n, "mem": n, "box": hex}   sealed
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from mnemonic import Mnemonic

from .keys import Identity, did_from_key

_WORDS = Mnemonic("english")


class KeystoreError(Exception):
    """The keystore file is missing, unreadable, or the passphrase is wrong."""


def _derive(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt,
                                    opslimit=ops, memlimit=mem)


def save_identity(identity: Identity, path: Path, passphrase: str | None = None,
                  ops: int = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
                  mem: int = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE) -> None:
    doc: dict[str, Any] = {"v": 1, "did": did_from_key(identity.public_key)}  # the key's own did
    if passphrase:
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        box = nacl.secret.SecretBox(_derive(passphrase, salt, ops, mem))
        doc.update(kdf="argon2id", salt=salt.hex(), ops=ops, mem=mem, box=box.encrypt(identity.seed).hex())
    else:
        doc["seed"] = identity.seed.hex()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")  # whole or not at all: a full disk must not leave half a key
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def is_sealed(path: Path) -> bool:
    return "box" in _read(path)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise KeystoreError(f"no identity at {path}: run 'antiport init' first") from None
    except OSError as e:
        raise KeystoreError(f"cannot read the identity file {path} ({e.strerror})") from None
    except ValueError as e:  # not JSON, or not UTF-8
        raise _damaged(path, f"not JSON: {e}") from None
    if not isinstance(doc, dict) or not ("seed" in doc or "box" in doc):
        raise _damaged(path, "no key in it")
    if doc.get("v") != 1:
        raise KeystoreError(f"the identity file {path} has version {doc.get('v')!r}: a newer antiport wrote it")
    return doc


def _damaged(path: Path, what: object) -> KeystoreError:
    return KeystoreError(f"the identity file {path} is damaged ({what}): put back your backup of it (a new "
                         "identity would be someone else to the network)")


def load_identity(path: Path, passphrase: str | None = None) -> Identity:
    doc = _read(path)
    try:
        if "seed" in doc:
            identity = Identity(bytes.fromhex(doc["seed"]))
        elif not passphrase:
            raise KeystoreError("the identity is protected by a passphrase (set ANTIPORT_PASSPHRASE)")
        else:
            key = _derive(passphrase, bytes.fromhex(doc["salt"]), doc["ops"], doc["mem"])
            try:
                seed = nacl.secret.SecretBox(key).decrypt(bytes.fromhex(doc["box"]))
            except nacl.exceptions.CryptoError:
                raise KeystoreError("wrong passphrase for the identity") from None
            identity = Identity(seed)
    except (KeyError, ValueError, TypeError) as e:  # nacl's errors for a bad key size are ValueErrors too
        raise _damaged(path, e) from None
    if identity.did != doc.get("did"):
        raise _damaged(path, "its did is not the did of its key")
    return identity


def seed_words(identity: Identity) -> str:
    """The identity's seed as 24 BIP-39 words (the last word carries a checksum)."""
    return str(_WORDS.to_mnemonic(identity.seed))


def identity_from_words(words: str) -> Identity:
    """The identity the 24 words of `seed_words` stand for; a KeystoreError saying what is wrong with them."""
    given = words.lower().split()
    unknown = [w for w in given if w not in _WORDS.wordlist]
    if unknown:
        raise KeystoreError(f"not a backup word: {', '.join(unknown[:3])} (check the spelling)")
    if len(given) != 24:
        raise KeystoreError(f"a key backup is 24 words; these are {len(given)}")
    if not _WORDS.check(" ".join(given)):
        raise KeystoreError("these 24 words do not add up (a word is wrong or out of place)")
    return Identity(bytes(_WORDS.to_entropy(given)))
