"""The identity's key with the real `antiport` command: sealed with a passphrase by default (asked on the
terminal), opened by a prompt or ANTIPORT_PASSPHRASE, backed up to a file or 24 words, and brought back
into a new home; its threads come back by sync."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from antiport.app.processes import NodeProcess
from antiport.crypto import load_identity
from antiport.crypto.keystore import is_sealed, seed_words
from cli_helpers import antiport, at_terminal, finished, one_line_error
from helpers import wait_for
from mnemonic import Mnemonic

PASS = "correct horse battery"


def init_at_terminal(home: Path, *argv: str, passphrase: str = PASS) -> str:
    """`antiport init` on a terminal, choosing `passphrase`; the did it prints."""
    term = at_terminal(home, "init", *argv)
    term.expect("choose a passphrase for your identity: ")
    term.sendline(passphrase)
    term.expect("the same passphrase again: ")
    term.sendline(passphrase)
    code, out = finished(term)
    assert code == 0, out
    return out.split()[-1]


def plain_home(home: Path) -> str:
    r = antiport(home, "init", "--no-passphrase")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def secrets_of(home: Path, passphrase: str | None) -> list[bytes]:
    """The forms in which the identity's key could sit in a file: the seed, as hex, as words."""
    seed = load_identity(home / "identity.json", passphrase)
    return [seed.seed, seed.seed.hex().encode(), seed_words(seed).encode()]


def test_init_at_a_terminal_seals_the_key_and_no_file_holds_it(tmp_path):
    home = tmp_path / "h"
    did = init_at_terminal(home, "--name", "ann")
    assert did.startswith("did:key:z6Mk") and is_sealed(home / "identity.json")
    forms = secrets_of(home, PASS)
    for f in home.iterdir():  # the store too: the profile that --name published is signed, not the key
        assert not any(s in f.read_bytes() for s in forms), f.name

    one_line_error(antiport(home, "list"), "no terminal to ask for a passphrase on", "ANTIPORT_PASSPHRASE")
    one_line_error(antiport(home, "list", ANTIPORT_PASSPHRASE="wrong"), "wrong passphrase")
    assert antiport(home, "id", "--json", ANTIPORT_PASSPHRASE=PASS).returncode == 0

    term = at_terminal(home, "id", "--json")  # a person at a terminal is asked
    term.expect(f"passphrase of the identity in {home}: ")
    term.sendline(PASS)
    code, out = finished(term)
    assert code == 0 and json.loads(out[out.index("{"):])["did"] == did


def test_init_needs_a_passphrase_or_the_explicit_opt_out(tmp_path):
    home = tmp_path / "h"
    one_line_error(antiport(home, "init"), "no terminal", "ANTIPORT_PASSPHRASE", "--no-passphrase")
    assert not (home / "identity.json").exists()
    term = at_terminal(home, "init")
    term.expect("choose a passphrase")
    term.sendline("")
    code, out = finished(term)
    assert code == 1 and "an empty passphrase protects nothing" in out and not (home / "identity.json").exists()
    term = at_terminal(home, "init")
    term.expect("choose a passphrase")
    term.sendline(PASS)
    term.expect("again")
    term.sendline(PASS + "!")
    code, out = finished(term)
    assert code == 1 and "the two passphrases differ" in out and not (home / "identity.json").exists()

    assert antiport(home, "init", ANTIPORT_PASSPHRASE=PASS).returncode == 0  # unattended
    assert is_sealed(home / "identity.json")
    one_line_error(antiport(home, "init", "--no-passphrase"), "already holds an identity")


def test_a_backup_file_brings_the_identity_back_into_a_new_home(tmp_path):
    home, backup = tmp_path / "h", tmp_path / "key.backup"
    did = plain_home(home)
    term = at_terminal(home, "key", "backup", str(backup))
    term.expect(f"choose a passphrase for the backup {backup}: ")
    term.sendline(PASS)
    term.expect("again")
    term.sendline(PASS)
    code, out = finished(term)
    assert code == 0 and "antiport init --restore" in out and is_sealed(backup)
    one_line_error(antiport(home, "key", "backup", str(backup), ANTIPORT_PASSPHRASE=PASS), "already exists")

    new = tmp_path / "new"
    one_line_error(antiport(new, "init", "--restore", str(backup), ANTIPORT_PASSPHRASE="wrong"), "wrong passphrase")
    one_line_error(antiport(new, "init", "--restore", str(tmp_path / "nothing")), "no backup file")
    assert not new.exists() or not (new / "identity.json").exists()
    term = at_terminal(new, "init", "--restore", str(backup))
    term.expect(f"passphrase of the backup {backup}: ")
    term.sendline(PASS)
    code, out = finished(term)
    assert code == 0 and did in out and "come back by sync" in out
    assert load_identity(new / "identity.json", PASS).did == did  # sealed with the backup's passphrase

    plain = tmp_path / "plain.json"  # a plain copy of a key file: sealed at restore like at any init
    plain.write_bytes((home / "identity.json").read_bytes())
    one_line_error(antiport(tmp_path / "third", "init", "--restore", str(plain)), "no terminal", "--no-passphrase")
    r = antiport(tmp_path / "third", "init", "--restore", str(plain), ANTIPORT_PASSPHRASE=PASS)
    assert r.returncode == 0 and load_identity(tmp_path / "third" / "identity.json", PASS).did == did


def test_24_words_bring_the_identity_back_and_a_wrong_word_is_named(tmp_path):
    home = tmp_path / "h"
    did = plain_home(home)
    r = antiport(home, "key", "words")
    words = r.stdout.split()
    assert r.returncode == 0 and len(words) == 24 and "Anyone who has these 24 words is you" in r.stderr
    one_line_error(antiport(home, "key", "words", "--next"), "node first runs")  # no inception yet, no next key

    new = tmp_path / "new"
    misspelt = " ".join(["zebraa", *words[1:]])
    one_line_error(antiport(new, "init", "--words", "--no-passphrase", stdin=misspelt), "zebraa", "spelling")
    swapped = next(t for i in range(23) if not Mnemonic("english").check(t := " ".join(
        [*words[:i], words[i + 1], words[i], *words[i + 2:]])))  # two neighbours out of place
    one_line_error(antiport(new, "init", "--words", "--no-passphrase", stdin=swapped), "do not add up")
    one_line_error(antiport(new, "init", "--words", "--no-passphrase", stdin=" ".join(words[:12])), "24 words")
    r = antiport(new, "init", "--words", "--no-passphrase", stdin=" ".join(words).upper())
    assert r.returncode == 0 and r.stdout.strip() == did


def test_the_passphrase_is_changed_and_removed_and_the_file_replaced_whole(tmp_path):
    home = tmp_path / "h"
    did = plain_home(home)
    plain = secrets_of(home, None)
    term = at_terminal(home, "key", "passphrase")
    term.expect("choose a passphrase for your identity: ")
    term.sendline(PASS)
    term.expect("again")
    term.sendline(PASS)
    code, out = finished(term)
    assert code == 0 and "sealed with the new passphrase" in out
    assert not any(s in (home / "identity.json").read_bytes() for s in plain)
    assert sorted(f.name for f in home.iterdir() if "identity" in f.name) == ["identity.json"]

    r = antiport(home, "key", "passphrase", "--remove", ANTIPORT_PASSPHRASE=PASS)
    assert r.returncode == 0 and not is_sealed(home / "identity.json")
    assert load_identity(home / "identity.json").did == did


@pytest.mark.slow
def test_restored_from_words_a_person_gets_their_threads_back_by_sync_and_may_accept_on_them(tmp_path):
    home, peer = tmp_path / "h", tmp_path / "peer"
    did = plain_home(home)
    words = antiport(home, "key", "words").stdout
    asked = json.loads(antiport(home, "ask", "acme/widget", "--title", "Jams daily", "--text", "since 2.1",
                                "--json").stdout)["id"]
    plain_home(peer)
    assert antiport(peer, "follow", "acme/widget").returncode == 0
    export = tmp_path / "h.apx"
    assert antiport(home, "export", "--out", str(export)).returncode == 0
    assert antiport(peer, "import", str(export)).returncode == 0
    answered = json.loads(antiport(peer, "answer", asked, "--text", "reinstall 2.0.3", "--json").stdout)["id"]
    for f in home.iterdir():  # the laptop is gone
        f.unlink()
    home.rmdir()

    r = antiport(home, "init", "--words", "--no-passphrase", stdin=words)
    assert r.returncode == 0 and r.stdout.strip() == did
    assert antiport(home, "follow", "acme/widget").returncode == 0
    with NodeProcess(peer) as p, NodeProcess(home, bootstrap=[p.wait_ready()["addrs"][0]]) as node:
        node.wait_ready()
        client = node.client()
        wait_for(lambda: [t["id"] for t in client.call("list", topic="acme/widget")["threads"]] == [asked],
                 "the thread synced")
        wait_for(lambda: len(client.call("show", id=asked)["answers"]) == 1, "its answer synced")
        client.call("accept", id=answered)  # only the asker may: the restored key is the asker
        assert client.call("show", id=asked)["answers"][0]["accepted"]
        client.close()
