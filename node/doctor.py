"""`antiport doctor`: check a home's files (identity, host key, config, store) and rebuild a damaged store.

The check reads and never writes. A rebuild moves the damaged store aside (it is never deleted: a person
or a recovery tool may still get something out of it), makes a new one, keeps the followed topics that can
still be read from the old one, and imports an export file; the next `antiport run` fetches the rest from
peers by sync.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from antiport.crypto import KeystoreError
from antiport.crypto.keystore import is_sealed

from .home import Home, HomeError, now_ms
from .ingest import Ingest
from .service import OpError, import_
from .store import Store, integrity_problems, readable_follows


@dataclass
class Finding:
    what: str      # "identity", "host key", "config", "store", "node"
    ok: bool
    text: str

    def line(self) -> str:
        return f"{self.what:9} {'ok' if self.ok else 'PROBLEM':7}  {self.text}"


def check(home: Home) -> list[Finding]:
    home.require()
    return [_identity(home), _host_key(home), _config(home), _store(home), _node(home)]


def _identity(home: Home) -> Finding:
    try:
        if is_sealed(home.identity_file) and not os.environ.get("ANTIPORT_PASSPHRASE"):
            return Finding("identity", True, "sealed with a passphrase (set ANTIPORT_PASSPHRASE to check the key)")
        return Finding("identity", True, home.identity().did)
    except KeystoreError as e:
        return Finding("identity", False, str(e))


def _host_key(home: Home) -> Finding:
    from .p2p import load_host_key, peer_id_of
    if not home.host_key_file.exists():
        return Finding("host key", True, "none yet: 'antiport run' makes it")
    try:
        key = load_host_key(home.host_key_file)
    except HomeError as e:
        return Finding("host key", False, str(e))
    return Finding("host key", True, f"peer id {peer_id_of(key)}")


def _config(home: Home) -> Finding:
    try:
        home.config()
    except HomeError as e:
        return Finding("config", False, str(e))
    return Finding("config", True, str(home.config_file) if home.config_file.exists() else "none: the defaults")


def _store(home: Home) -> Finding:
    if not home.db_file.exists():
        return Finding("store", True, "none yet: the first command that needs it makes it")
    problems = integrity_problems(home.db_file)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Finding("store", False, f"{home.db_file} is damaged: {problems[0]}{more}; rebuild it with "
                                       "'antiport doctor --rebuild EXPORT' or 'antiport doctor --rebuild-from-network'")
    return Finding("store", True, f"{home.db_file}: integrity_check passed")


def _node(home: Home) -> Finding:
    pid = home.node_pid()
    return Finding("node", True, f"running (pid {pid})" if pid else "not running")


def rebuild(home: Home, export: Path | None) -> list[str]:
    """Replace the damaged store of `home` (no node may run) with a new one holding the old store's followed
    topics and, with `export`, the messages of that file. Returns what was done, one line each."""
    data = _read_export(export) if export else None
    home.identity()  # a home without a usable identity stops here, before anything is moved
    with home.lock():
        if home.db_file.exists() and not integrity_problems(home.db_file):
            raise HomeError(f"{home.db_file} passes integrity_check: there is nothing to rebuild")
        follows = readable_follows(home.db_file)
        aside = _move_aside(home.db_file)
        store = Store(home.db_file)
        try:
            for slug in follows:
                store.follow(slug, now_ms())
            done = [f"moved the damaged store to {aside}" if aside else "there was no store",
                    f"made a new store following {', '.join(follows) or 'no topics'}"]
            if data is not None:
                try:
                    result = import_(Ingest(store), data)
                except OpError as e:
                    raise HomeError(f"{export}: {e}") from None
                rejected = ", ".join(f"{n} {r}" for r, n in result["rejected"].items()) or "none"
                done.append(f"imported {result['accepted']} messages from {export} (rejected: {rejected})")
        finally:
            store.close()
    done.append("'antiport run' fetches what peers hold in the followed topics")
    return done


def _read_export(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise HomeError(f"cannot read the export {path} ({e.strerror})") from None


def _move_aside(db: Path) -> Path | None:
    """store.db (with its -wal and -shm, so that it stays openable) to store.db.damaged-<time>."""
    if not db.exists():
        return None
    aside = db.with_name(f"{db.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    for suffix in ("-wal", "-shm", ""):
        part = db.with_name(db.name + suffix)
        if part.exists():
            part.rename(aside.with_name(aside.name + suffix))
    return aside
