"""A node's home directory: identity, libp2p host key, config, store, and the running API's address."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from antiport.crypto import Identity, load_identity, save_identity

DEFAULT_LISTEN = ["/ip4/127.0.0.1/tcp/0"]
# mdns: find peers on the local network; dht: find peers of our topics through Kademlia provider records.
DEFAULT_CONFIG = {"name": "", "listen": DEFAULT_LISTEN, "bootstrap": [], "mdns": True, "dht": True}


class HomeError(Exception):
    """A problem with the home directory a person can fix (not initialised, unreadable config...)."""


def now_ms() -> int:
    return int(time.time() * 1000)


def resolve_home(option: str | None) -> Path:
    """--home, else ANTIPORT_HOME, else the per-user data directory."""
    return Path(option or os.environ.get("ANTIPORT_HOME") or platformdirs.user_data_dir("antiport")).expanduser()


@dataclass
class Home:
    path: Path

    @property
    def identity_file(self) -> Path:
        return self.path / "identity.json"

    @property
    def host_key_file(self) -> Path:
        return self.path / "host.key"

    @property
    def config_file(self) -> Path:
        return self.path / "config.json"

    @property
    def db_file(self) -> Path:
        return self.path / "store.db"

    @property
    def api_file(self) -> Path:
        return self.path / "api.json"

    def exists(self) -> bool:
        return self.identity_file.exists()

    def init(self, name: str | None = None, passphrase: str | None = None) -> Identity:
        if self.exists():
            raise HomeError(f"{self.path} already holds an identity ({self.identity().did})")
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        identity = Identity.generate()
        save_identity(identity, self.identity_file, passphrase)
        self.write_config({**DEFAULT_CONFIG, "name": name or ""})
        return identity

    def identity(self) -> Identity:
        if not self.exists():
            raise HomeError(f"no identity in {self.path}: run 'antiport init' first (or pass --home)")
        return load_identity(self.identity_file, os.environ.get("ANTIPORT_PASSPHRASE"))

    def config(self) -> dict:
        """config.json over the defaults (a key missing from the file takes its default)."""
        try:
            return {**DEFAULT_CONFIG, **json.loads(self.config_file.read_text())}
        except FileNotFoundError:
            return dict(DEFAULT_CONFIG)
        except ValueError as e:
            raise HomeError(f"{self.config_file} is not valid JSON: {e}") from None

    def write_config(self, config: dict) -> None:
        _write_private(self.config_file, json.dumps(config, indent=2) + "\n")

    def write_api(self, url: str, token: str) -> None:
        _write_private(self.api_file, json.dumps({"url": url, "token": token, "pid": os.getpid()}))

    def read_api(self) -> dict | None:
        try:
            return json.loads(self.api_file.read_text())
        except (OSError, ValueError):
            return None

    def clear_api(self) -> None:
        api = self.read_api()
        if api and api.get("pid") == os.getpid():
            self.api_file.unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)
