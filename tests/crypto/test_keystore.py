"""The identity file: mode 0600, plain or sealed with a passphrase, clear errors."""
from __future__ import annotations

import json
import stat

import nacl.pwhash
import pytest
from antiport.crypto import Identity, KeystoreError, load_identity, save_identity
from antiport.crypto.keystore import identity_from_words, is_sealed, seed_words

pytestmark = pytest.mark.fast

FAST = {"ops": nacl.pwhash.argon2id.OPSLIMIT_MIN, "mem": nacl.pwhash.argon2id.MEMLIMIT_MIN}
ME = Identity(b"\x05" * 32)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_plain_file_is_0600_and_loads(tmp_path):
    path = tmp_path / "dir" / "identity.json"
    save_identity(ME, path)
    assert mode(path) == 0o600
    assert not is_sealed(path)
    assert load_identity(path).did == ME.did


def test_existing_file_is_made_0600(tmp_path):
    path = tmp_path / "identity.json"
    path.write_text("{}")
    path.chmod(0o644)
    save_identity(ME, path)
    assert mode(path) == 0o600


def test_passphrase_right_and_wrong(tmp_path):
    path = tmp_path / "identity.json"
    save_identity(ME, path, "correct horse", **FAST)
    assert mode(path) == 0o600
    assert is_sealed(path)
    assert ME.seed.hex() not in path.read_text()
    assert load_identity(path, "correct horse").seed == ME.seed
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        load_identity(path, "wrong horse")
    with pytest.raises(KeystoreError, match="passphrase"):
        load_identity(path)


def test_missing_and_damaged_files(tmp_path):
    with pytest.raises(KeystoreError, match="antiport init"):
        load_identity(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    good = tmp_path / "good.json"
    save_identity(ME, good)
    doc = json.loads(good.read_text())
    for text in ("not json", "[]", "5", json.dumps({"v": 1, "seed": "zz"}),
                 json.dumps({**doc, "seed": doc["seed"][:62]}),
                 json.dumps({"v": 1, "did": doc["did"]}), json.dumps({**doc, "did": Identity.generate().did}),
                 good.read_text()[:40]):
        bad.write_text(text)
        with pytest.raises(KeystoreError, match=f"^the identity file {bad} is damaged .*: put back your backup"):
            load_identity(bad)
    bad.write_text(json.dumps({**doc, "v": 2}))
    with pytest.raises(KeystoreError, match="version 2: a newer antiport"):
        load_identity(bad)


def test_tampered_sealed_file_is_refused(tmp_path):
    path = tmp_path / "identity.json"
    save_identity(ME, path, "pw", **FAST)
    doc = json.loads(path.read_text())
    box = bytearray(bytes.fromhex(doc["box"]))
    box[-1] ^= 1
    doc["box"] = box.hex()
    path.write_text(json.dumps(doc))
    with pytest.raises(KeystoreError):
        load_identity(path, "pw")


def test_the_seed_as_24_words_and_back():
    words = seed_words(ME)
    assert len(words.split()) == 24 and identity_from_words(f"  {words.upper()}\n").did == ME.did
    # the BIP-39 vector for 32 bytes of 0x7f begins and ends so (the list and the checksum are the standard's)
    assert seed_words(Identity(b"\x7f" * 32)).split()[::23] == ["legal", "title"]


@pytest.mark.parametrize("change, error", [
    (lambda w: ["abandonn", *w[1:]], "not a backup word: abandonn"),
    (lambda w: w[:23], "these are 23"),
    (lambda w: [w[-1], *w[:-1]], "do not add up"),
])
def test_wrong_words_say_what_is_wrong(change, error):
    with pytest.raises(KeystoreError, match=error):
        identity_from_words(" ".join(change(seed_words(ME).split())))
