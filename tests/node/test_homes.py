"""Homes with the real `antiport` command: damaged files are one line and nothing is written, every file is
private, one node per home, and a stale api.json does not stop the CLI from working offline."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.home import Home

ANTIPORT = str(Path(sys.executable).with_name("antiport"))


def antiport(home: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([ANTIPORT, "--home", str(home), *argv], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def one_line_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 1, r
    assert r.stderr.startswith("antiport: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and all(w in r.stderr for w in words), r.stderr


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file of the home and its bytes (the lock file is the kernel's business, not data)."""
    return {f.name: f.read_bytes() for f in sorted(home.iterdir()) if f.name != "node.lock"}


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "h"
    assert antiport(path, "init", "--name", "ann").returncode == 0
    assert antiport(path, "ask", "acme/widget", "--title", "Squeaks", "--text", "since Monday").returncode == 0
    return path


@pytest.mark.parametrize("command", [["list"], ["ask", "acme/widget", "--title", "t", "--text", "x"], ["run"]])
@pytest.mark.parametrize("damage, words", [
    ("not json", ["identity file", "is damaged", "backup"]),
    ('{"v": 1, "did": "did:key:z6Mkx", "seed": "00"}', ["identity file", "is damaged", "backup"]),
])
def test_a_damaged_identity_is_one_line_and_nothing_is_written(home, command, damage, words):
    (home / "identity.json").write_text(damage)
    before = snapshot(home)
    one_line_error(antiport(home, *command), *words)
    assert snapshot(home) == before


@pytest.mark.parametrize("damage", [b"", b"\x08\x01\x12\x20" + bytes(10), os.urandom(36), b"host key\n"])
def test_a_damaged_host_key_is_one_line_and_nothing_is_written(home, damage):
    (home / "host.key").write_bytes(damage)
    before = snapshot(home)
    one_line_error(antiport(home, "run", "--no-discovery"), "host key", "is damaged", "move it aside")
    assert snapshot(home) == before


@pytest.mark.parametrize("config, words", [
    ("{", ["config.json is not valid JSON"]), ("[]", ["must hold a JSON object"]),
    ('{"listen": "/ip4/127.0.0.1/tcp/0"}', ["'listen' must be a list"]), ('{"mdns": "yes"}', ["'mdns' must be true or false"]),
])
def test_a_bad_config_is_one_line(home, config, words):
    (home / "config.json").write_text(config)
    before = snapshot(home)
    one_line_error(antiport(home, "run", "--no-discovery"), *words)
    assert snapshot(home) == before


def test_every_file_of_a_home_is_private_even_when_it_was_not(home):
    files = sorted(f.name for f in home.iterdir())
    assert {"identity.json", "config.json", "store.db"} <= set(files)
    assert home.stat().st_mode & 0o777 == 0o700
    assert {f: (home / f).stat().st_mode & 0o777 for f in files} == {f: 0o600 for f in files}
    home.chmod(0o755)  # a home from an older antiport, or copied with a loose umask
    for f in files:
        (home / f).chmod(0o644)
    assert antiport(home, "list").returncode == 0
    assert home.stat().st_mode & 0o777 == 0o700
    assert {f.name: f.stat().st_mode & 0o777 for f in home.iterdir()} == {f.name: 0o600 for f in home.iterdir()}


def test_one_node_per_home_and_a_stale_api_file_is_ignored(home):
    with NodeProcess(home) as first:
        info = first.wait_ready()
        api = (home / "api.json").read_bytes()
        one_line_error(antiport(home, "run", "--no-discovery"), f"a node already runs for {home} (pid {first.proc.pid})")
        assert (home / "api.json").read_bytes() == api
        r = antiport(home, "id", "--json")  # the first node still answers, through its api.json
        assert r.returncode == 0 and json.loads(r.stdout)["peer_id"] == info["peer_id"]
        first.kill()  # no clean shutdown: api.json stays behind
    assert (home / "api.json").read_bytes() == api
    # its pid now belongs to a live process that is not a node (this test's own): still offline
    Home(home).write_api("http://127.0.0.1:9/", "stale")
    stale = json.loads((home / "api.json").read_text())
    (home / "api.json").write_text(json.dumps({**stale, "pid": os.getpid()}))
    r = antiport(home, "list", "--json")
    assert r.returncode == 0, r.stderr
    assert [t["title"] for t in json.loads(r.stdout)] == ["Squeaks"]
    r = antiport(home, "id", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["running"] is False
