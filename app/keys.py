"""The identity's key on the command line: the passphrase that seals it, backups (a file, or 24 words on
paper) and restoring one into a new home. Passphrases are asked on the terminal; unattended (no
terminal: servers, bridges, scripts) they come from ANTIPORT_PASSPHRASE."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from antiport.crypto import BadKey, key_from_did, load_identity
from antiport.crypto.keystore import identity_from_words, is_sealed, seed_words
from antiport.node import keyring
from antiport.node.client import Client
from antiport.node.home import Home, HomeError, intents_beside

NO_TERMINAL = "there is no terminal to ask for a passphrase on: set ANTIPORT_PASSPHRASE"


def on_terminal() -> bool:
    return sys.stdin.isatty()


def ask(prompt: str) -> str:
    """One passphrase from the person at the terminal (not echoed)."""
    if not on_terminal():
        raise HomeError(NO_TERMINAL)
    return getpass.getpass(prompt)


def new_passphrase(what: str, opt_out: str | None = None) -> str:
    """A passphrase chosen for `what`: ANTIPORT_PASSPHRASE, else typed twice. `opt_out` names the flag
    that does without one, for the messages."""
    if os.environ.get("ANTIPORT_PASSPHRASE"):
        return os.environ["ANTIPORT_PASSPHRASE"]
    instead = f", or pass {opt_out}" if opt_out else ""
    if not on_terminal():
        raise HomeError(f"{NO_TERMINAL}{instead}")
    first = getpass.getpass(f"choose a passphrase for {what}: ")
    if not first:
        raise HomeError(f"an empty passphrase protects nothing: choose one{instead}")
    if getpass.getpass("the same passphrase again: ") != first:
        raise HomeError("the two passphrases differ: nothing was written, try again")
    return first


def init_passphrase(args) -> str | None:
    return None if args.no_passphrase else new_passphrase("your identity", "--no-passphrase (servers, bridges)")


def restored(args) -> tuple:
    """(identity, passphrase that seals it in the new home, the intents' secret or None) from --restore FILE (and
    FILE.intents beside it, if there) or --words."""
    if args.words:
        text = getpass.getpass("your 24 words: ") if on_terminal() else sys.stdin.read()
        return identity_from_words(text), init_passphrase(args), None
    backup = Path(args.restore).expanduser()
    if not backup.is_file():
        raise HomeError(f"no backup file at {backup}")
    if is_sealed(backup):  # the backup's passphrase seals the new home too, unless --no-passphrase
        opened = os.environ.get("ANTIPORT_PASSPHRASE") or ask(f"passphrase of the backup {backup}: ")
        identity, passphrase = load_identity(backup, opened), None if args.no_passphrase else opened
    else:  # a plain copy of a key file: the new home is sealed as at any init
        opened, identity, passphrase = None, load_identity(backup), init_passphrase(args)
    intents = intents_beside(backup)
    return identity, passphrase, load_identity(intents, opened).seed if intents.is_file() else None


def mark_restored(home: Home) -> None:
    """A restored identity's key log comes back by sync: its home never makes an inception (specs/10)."""
    home.write_config({**home.config(), "restored": True})


def cmd_rotate(home: Home, args) -> None:
    client = Client(home)
    try:
        out = client.call("key_rotate")
    finally:
        client.close()
    print(f"{out['identity']} now signs with {out['current']}; the next key is new: back it up again"
          " ('antiport key backup --next FILE')")


def cmd_recover(home: Home, args) -> None:
    """Rotate the identity `args.identity` to the committed next key of a backup, on this home (offline):
    for a lost current key. The home must hold the identity's log (run it once to sync)."""
    try:
        key_from_did(args.identity)
    except BadKey as e:
        raise HomeError(str(e)) from None
    backup = Path(args.file).expanduser()
    if not backup.is_file():
        raise HomeError(f"no backup file at {backup}")
    passphrase = None
    if is_sealed(backup):
        passphrase = os.environ.get("ANTIPORT_PASSPHRASE") or ask(f"passphrase of the backup {backup}: ")
    signer = load_identity(backup, passphrase)
    client = Client(home)
    if client.running:
        raise HomeError("stop the node first: a recovery replaces the home's key")
    ctx = client.ctx()
    try:
        identity = keyring.rotate(home, ctx.ingest, ctx.identity.speaking_for(args.identity), signer)
    except keyring.KeyLogError as e:
        raise HomeError(str(e)) from None
    finally:
        client.close()
    print(f"{identity.did} recovered: this home now signs with {identity.public_key.hex()[:16]}…, and has a"
          " new next key: back it up ('antiport key backup --next FILE')")


def cmd_backup(home: Home, args) -> None:
    target = Path(args.file).expanduser()
    home.identity()  # opened first: a wrong passphrase stops here, before choosing the backup's
    try:
        did = home.backup(target, new_passphrase(f"the backup {target}"), args.next)
    except FileExistsError:
        raise HomeError(f"{target} already exists: a backup never overwrites a file, choose another name") from None
    print(f"backed up {did} to {target}, sealed with the passphrase you chose")
    if (intents := intents_beside(target)).exists():
        print(f"and the secret of your intents' keys to {intents}: keep both files together")
    print(f"restore it on a new machine with: antiport init --restore {target}")


def cmd_words(home: Home, args) -> None:
    key = home.backup_key(args.next)
    words = seed_words(key)
    print("Anyone who has these 24 words is you to the network: write them on paper, keep them out of"
          " photos and files.\nRestore with: antiport init --words", file=sys.stderr)
    print(words)


def cmd_passphrase(home: Home, args) -> None:
    home.identity()
    if args.remove:
        home.set_passphrase(None)
        print(f"the identity in {home.path} is no longer sealed: anyone who can read the file is you")
        return
    home.set_passphrase(new_passphrase("your identity"))
    print(f"the identity in {home.path} is sealed with the new passphrase (the node asks for it when it starts)")


def add_key_commands(sub) -> None:
    key = sub.add_parser("key", help="your identity's key: backups, paper words, passphrase; see 'antiport key -h'",
                         description="Your identity's key: every thread, answer and standing hangs on it.")
    group = key.add_subparsers(metavar="COMMAND")
    c = group.add_parser("backup", help="write the key to a new file, sealed with a passphrase you choose")
    c.add_argument("file", metavar="FILE")
    c.add_argument("--next", action="store_true", help="the next key instead (keep it apart: it recovers you)")
    c.set_defaults(handler=cmd_backup)
    c = group.add_parser("words", help="print the key as 24 words for a paper backup")
    c.add_argument("--next", action="store_true", help="the next key instead (keep it apart: it recovers you)")
    c.set_defaults(handler=cmd_words)
    group.add_parser("rotate", help="move your identity to its next key and commit to a new one").set_defaults(
        handler=cmd_rotate)
    c = group.add_parser("recover", help="your key is lost: rotate IDENTITY to the next key of a backup, here")
    c.add_argument("file", metavar="NEXT_KEY_BACKUP")
    c.add_argument("identity", metavar="IDENTITY", help="the did of the identity (did:key:z6Mk...)")
    c.set_defaults(handler=cmd_recover)
    c = group.add_parser("passphrase", help="seal the key with a new passphrase (asked twice)")
    c.add_argument("--remove", action="store_true", help="keep the key unsealed (a server's or a bridge's home)")
    c.set_defaults(handler=cmd_passphrase)


def add_init_arguments(c) -> None:
    c.add_argument("--no-passphrase", action="store_true",
                   help="do not seal the key with a passphrase (servers and bridges; anyone reading the file is you)")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--restore", metavar="BACKUP",
                     help="bring back the identity of a backup file ('antiport key backup')")
    how.add_argument("--device-of", metavar="IDENTITY", help="make this home a new device of IDENTITY (a did): it "
                     "prints what to run on a home of that identity")
    how.add_argument("--words", action="store_true", help="bring back the identity of 24 backup words (asked, or "
                     "read from standard input)")

