"""A node's home directory: identity, libp2p host key, config, store, and the running API's address."""
from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from antiport.crypto import Identity, KeystoreError, did_from_key, load_identity, save_identity
from antiport.crypto.keystore import is_sealed

DEFAULT_LISTEN = ["/ip4/127.0.0.1/tcp/0"]
# mdns: find peers on the local network; dht: find peers of our topics through Kademlia provider records.
DEFAULT_CONFIG = {"name": "", "listen": DEFAULT_LISTEN, "bootstrap": [], "mdns": True, "dht": True,
                  "import_limit_mb": 64}  # the largest body POST /v1/import takes


_JSON_TYPES = {str: "a string", list: "a list", bool: "true or false", int: "a whole number"}


class HomeError(Exception):
    """A problem with the home directory a person can fix (not initialised, unreadable config...)."""


class CannotListen(HomeError):
    """The node cannot listen on an address of its config or command line (taken, not this machine's)."""

    def __init__(self, addr: str, reason: str):
        super().__init__(f"cannot listen on {addr}: {reason}")
        self.addr = addr


def first_in(group: BaseExceptionGroup, kind: type[BaseException]) -> BaseException | None:
    """The first `kind` exception in a group (trio nests one per nursery), or None."""
    found = group.subgroup(kind)
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found


def now_ms() -> int:
    return int(time.time() * 1000)


def resolve_home(option: str | None) -> Path:
    """--home, else ANTIPORT_HOME, else the per-user data directory."""
    return Path(option or os.environ.get("ANTIPORT_HOME") or platformdirs.user_data_dir("antiport")).expanduser()


@dataclass
class Home:
    path: Path
    # asks the person for the identity's passphrase (the CLI's, on a terminal); without it and without
    # ANTIPORT_PASSPHRASE a sealed identity cannot be opened
    ask: Callable[[str], str] | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)  # the one that opened the identity

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.identity_file = self.path / "identity.json"
        self.next_file = self.path / "next.json"  # the key the identity's log committed to (specs/10)
        self.inception_file = self.path / "inception.apx"  # the envelope of the inception made here, if any
        self.host_key_file = self.path / "host.key"
        self.intents_file = self.path / "intents.key"  # the secret the home's intent keys derive from (specs/12)
        self._intent_secret: bytes | None = None
        self.config_file = self.path / "config.json"
        self.db_file = self.path / "store.db"
        self.api_file = self.path / "api.json"
        self.lock_file = self.path / "node.lock"  # flock'ed by the running node (`lock`)

    def exists(self) -> bool:
        return self.identity_file.exists()

    def init(self, name: str | None = None, passphrase: str | None = None,
             identity: Identity | None = None) -> Identity:
        """A new home for a new identity, or for `identity` (restored from a backup)."""
        if self.exists():
            raise HomeError(f"{self.path} already holds an identity: a home holds one")
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        identity = identity or Identity.generate()
        save_identity(identity, self.identity_file, passphrase)
        self.passphrase = passphrase
        self.write_config({**DEFAULT_CONFIG, "name": name or ""})
        self.make_private()
        return identity

    def make_private(self) -> None:
        """The home 0700 and every file in it 0600, whatever they were (a home made by an older antiport, or
        copied with a loose umask). Only an initialised home: --home may name a directory that is not one."""
        if not self.exists():
            return
        self.path.chmod(0o700)
        for f in self.path.iterdir():
            if f.is_file() and not f.is_symlink():
                f.chmod(0o600)

    @contextmanager
    def lock(self):
        """Held by the running node for its lifetime: one node per home. A second one gets a HomeError naming
        the first one's pid. The lock is the kernel's (flock): it goes with the process, however that ends."""
        self.require()
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise HomeError(f"a node already runs for {self.path} (pid {_pid_in(fd) or '?'}): "
                                "use it, or stop it first") from None
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            os.close(fd)

    def node_pid(self) -> int | None:
        """The pid of the node running for this home, None when none runs (whatever api.json says: a node
        that was killed leaves it behind, and its pid may since belong to another process)."""
        try:
            fd = os.open(self.lock_file, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid_in(fd) or -1
        else:
            return None
        finally:
            os.close(fd)

    def require(self) -> None:
        if not self.exists():
            raise HomeError(f"no identity in {self.path}: run 'antiport init' first (or pass --home)")

    def identity(self) -> Identity:
        self.require()
        passphrase = self.passphrase or os.environ.get("ANTIPORT_PASSPHRASE")
        if not passphrase and self.ask and is_sealed(self.identity_file):
            passphrase = self.ask(f"passphrase of the identity in {self.path}: ")
        identity = load_identity(self.identity_file, passphrase)
        # what seals the home's keys: an unsealed home stays unsealed whatever ANTIPORT_PASSPHRASE says (it may
        # be a backup's, as for 'key recover'), or a rotation would seal its new keys with it
        self.passphrase = passphrase if is_sealed(self.identity_file) else None
        speaks_for = self.config().get("identity")  # a rotated-in key or a device: the identity it is a key of
        return identity.speaking_for(speaks_for) if speaks_for else identity

    def next_key(self) -> Identity | None:
        """The key the identity's log committed to, kept sealed like the identity (None: not in this home)."""
        if not self.next_file.exists():
            return None
        self.identity()  # asks for the passphrase if it is not known yet
        return load_identity(self.next_file, self.passphrase)

    def backup_key(self, next_key: bool) -> Identity:
        """The identity's key, or the committed next key (HomeError, saying why, when this home has none)."""
        key = self.next_key() if next_key else self.identity()
        if key is None:
            raise HomeError(f"no next key in {self.path} yet: it is made with the identity's inception when this"
                            " home's node first runs (antiport run, or the TUI); a home restored from a backup or"
                            " made as a device has none, its identity's inception was made elsewhere")
        return key

    def save_keys(self, current: Identity | None, next_key: Identity | None, speaks_for: str | None = None) -> None:
        """Replace the signing key (a key of the identity `speaks_for`) and the committed next key, each file
        whole, sealed with the home's passphrase: after a rotation, a recovery, or making the inception."""
        if next_key is not None:
            save_identity(next_key, self.next_file, self.passphrase)
        if current is not None:
            save_identity(current, self.identity_file, self.passphrase)
        if speaks_for is not None:
            config = self.config()
            config["identity"] = speaks_for
            self.write_config(config)
        self.make_private()

    def keep_inception(self, raw: bytes) -> None:
        """Keep the envelope of the identity's inception made here (signed and public, so not sealed)."""
        tmp = self.inception_file.with_suffix(".tmp")
        tmp.write_bytes(raw)
        tmp.replace(self.inception_file)
        self.make_private()

    def set_passphrase(self, passphrase: str | None) -> None:
        """Seal the identity (and the intents' secret) with a new passphrase (None: keep them unsealed). Each file
        is replaced whole."""
        identity = self.identity()
        if self.intents_file.exists():
            save_identity(Identity(self.intent_secret()), self.intents_file, passphrase)
        save_identity(identity, self.identity_file, passphrase)
        self.passphrase = passphrase

    def intent_secret(self) -> bytes:
        """The secret this home's intent keys derive from (specs/12 section 4), made at its first intent and kept
        sealed like the identity. It is the home's, not a key of the identity: a rotation leaves it, so the
        intents posted before one stay this home's to read, award and withdraw."""
        if self._intent_secret is None:
            self.identity()  # the passphrase that seals it (asked for if it is not known yet)
            if not self.intents_file.exists():
                self.keep_intent_secret(Identity.generate().seed)
            self._intent_secret = load_identity(self.intents_file, self.passphrase).seed
        return self._intent_secret

    def keep_intent_secret(self, secret: bytes) -> None:
        """Keep the intents' secret (a new one, or one from a backup), sealed with the home's passphrase."""
        save_identity(Identity(secret), self.intents_file, self.passphrase)
        self.make_private()

    def backup(self, path: Path, passphrase: str, next_key: bool = False) -> str:
        """Write the identity's key (or the committed next key) to a new file (never over one), sealed with
        `passphrase`, and check that it opens back to the same key. The did of the key."""
        identity = self.backup_key(next_key)
        keys = [(path, identity)]
        if not next_key and self.intents_file.exists():  # and the intents' secret beside it, with the same passphrase
            keys.append((intents_beside(path), Identity(self.intent_secret())))
        for target, _ in keys:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # claims the name
        try:
            for target, key in keys:
                save_identity(key, target, passphrase)
                if load_identity(target, passphrase).public_key != key.public_key:
                    raise KeystoreError("the backup does not open back to the same key")
        except BaseException:
            for target, _ in keys:
                target.unlink(missing_ok=True)
            raise
        return did_from_key(identity.public_key)

    def config(self) -> dict:
        """config.json over the defaults (a key missing from the file takes its default)."""
        try:
            config = json.loads(self.config_file.read_text())
        except FileNotFoundError:
            return dict(DEFAULT_CONFIG)
        except ValueError as e:
            raise HomeError(f"{self.config_file} is not valid JSON ({e}): "
                            "fix it, or move it aside for the defaults") from None
        if not isinstance(config, dict):
            raise HomeError(f"{self.config_file} must hold a JSON object: fix it, or move it aside for the defaults")
        for key, default in DEFAULT_CONFIG.items():
            if key in config and type(config[key]) is not type(default):
                raise HomeError(f"{self.config_file}: {key!r} must be {_JSON_TYPES[type(default)]}: fix it, or"
                                " remove the key for its default")
        return {**DEFAULT_CONFIG, **config}

    def write_config(self, config: dict) -> None:
        _write_private(self.config_file, json.dumps(config, indent=2) + "\n")

    def write_api(self, url: str, token: str, web: str | None = None) -> None:
        """The running API's address and token, and the web view's address when it is served."""
        found = {"url": url, "token": token, "pid": os.getpid(), **({"web": web} if web else {})}
        _write_private(self.api_file, json.dumps(found))

    def read_api(self) -> dict | None:
        try:
            return json.loads(self.api_file.read_text())
        except (OSError, ValueError):
            return None

    def clear_api(self) -> None:
        api = self.read_api()
        if api and api.get("pid") == os.getpid():
            self.api_file.unlink(missing_ok=True)


def intents_beside(backup: Path) -> Path:
    """Where a key backup's companion holding the intents' secret is (specs/12 section 4): FILE.intents."""
    return backup.with_name(backup.name + ".intents")


def _pid_in(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace")
    return int(text) if text.isdigit() else None


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:  # a full disk: no half-written file, no stray .tmp
        tmp.unlink(missing_ok=True)
        raise
