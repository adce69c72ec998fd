"""Homes with the real `antiport` command: damaged files are one line and nothing is written, every file is
private, one node per home, and a stale api.json does not stop the CLI from working offline."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from antiport.node.home import Home
from cli_helpers import ANTIPORT, antiport, one_line_error
from helpers import wait_for


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file of the home and its bytes (the lock file is the kernel's business, not data)."""
    return {f.name: f.read_bytes() for f in sorted(home.iterdir()) if f.name != "node.lock"}


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "h"
    assert antiport(path, "init", "--no-passphrase", "--name", "ann").returncode == 0
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


@pytest.mark.parametrize("damage", [b"", b"\x08\x01\x12\x20" + bytes(10), os.urandom(36), b"host key\n"],
                         ids=["empty", "cut", "random", "text"])  # the same names in every xdist worker
def test_a_damaged_host_key_is_one_line_and_nothing_is_written(home, damage):
    (home / "host.key").write_bytes(damage)
    before = snapshot(home)
    one_line_error(antiport(home, "run", "--no-discovery"), "host key", "is damaged", "move it aside")
    assert snapshot(home) == before
    r = antiport(home, "doctor")
    assert r.returncode == 1 and [line.split()[:3] for line in r.stdout.splitlines() if "PROBLEM" in line] == [
        ["host", "key", "PROBLEM"]]
    assert snapshot(home) == before


@pytest.mark.parametrize("config, words", [
    ("{", ["config.json is not valid JSON"]), ("[]", ["must hold a JSON object"]),
    ('{"listen": "/ip4/127.0.0.1/tcp/0"}', ["'listen' must be a list"]),
    ('{"mdns": "yes"}', ["'mdns' must be true or false"]),
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
        one_line_error(antiport(home, "run", "--no-discovery"),
                       f"a node already runs for {home} (pid {first.proc.pid})")
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
    assert [t["title"] for t in json.loads(r.stdout)["threads"]] == ["Squeaks"]
    r = antiport(home, "id", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["running"] is False


def damage_a_page(db: Path) -> bytes:
    """Overwrite a page of the messages table, as a failing disk would; returns the damage. (A page picked
    by its place in the file may be the schema's, and then nothing at all can be read or kept.)"""
    conn = sqlite3.connect(db)
    try:
        page_size, = conn.execute("PRAGMA page_size").fetchone()
        pages = [n for n, in conn.execute("SELECT pageno FROM dbstat WHERE name = 'messages' ORDER BY pageno")]
    finally:
        conn.close()
    assert len(pages) >= 4, "a store of several pages"
    with open(db, "r+b") as f:
        f.seek((pages[len(pages) // 2] - 1) * page_size)
        f.write(os.urandom(page_size))
    return db.read_bytes()


@pytest.fixture
def full_home(home, tmp_path) -> tuple[Path, Path, list[str]]:
    """A home with 30 threads in a followed topic, its export, and the titles."""
    titles = [f"thread {i}" for i in range(30)]
    client = Client(home)  # in this process: 29 commands would take seconds
    for t in titles[1:]:
        client.call("ask", topic="acme/widget", title=t, text="x" * 500)
    client.call("follow", topic="acme/gadget")
    client.close()
    export = tmp_path / "h.apx"
    assert antiport(home, "export", "--out", str(export)).returncode == 0
    return home, export, ["Squeaks", *titles[1:]]


def listed(home: Path) -> list[str]:
    r = antiport(home, "list", "--json")
    assert r.returncode == 0, r.stderr
    return sorted(t["title"] for t in json.loads(r.stdout)["threads"])


def test_doctor_reports_a_damaged_store_and_rebuilds_it_from_an_export(full_home):
    home, export, titles = full_home
    r = antiport(home, "doctor")
    assert r.returncode == 0 and [line.split()[:2] for line in r.stdout.splitlines()] == [
        ["identity", "ok"], ["host", "key"], ["config", "ok"], ["store", "ok"], ["node", "ok"]]
    damaged = damage_a_page(home / "store.db")
    before = snapshot(home)
    r = antiport(home, "doctor")
    assert r.returncode == 1 and "Traceback" not in r.stderr and snapshot(home) == before
    store_line = next(line for line in r.stdout.splitlines() if line.startswith("store"))
    assert "PROBLEM" in store_line and "is damaged" in store_line and "--rebuild" in store_line
    assert sum("PROBLEM" in line for line in r.stdout.splitlines()) == 1

    r = antiport(home, "doctor", "--rebuild", str(export))
    assert r.returncode == 0, r.stderr
    assert "imported 31 messages" in r.stdout and "acme/gadget, acme/widget" in r.stdout  # 30 and the profile
    aside = [f for f in home.iterdir()
             if f.name.startswith("store.db.damaged-") and not f.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # kept, untouched
    assert antiport(home, "doctor").returncode == 0
    assert listed(home) == sorted(titles)
    r = antiport(home, "topics", "--json")
    assert [t["topic"] for t in json.loads(r.stdout)] == ["acme/gadget", "acme/widget"]
    one_line_error(antiport(home, "doctor", "--rebuild", str(export)), "passes integrity_check", "nothing to rebuild")


def test_doctor_rebuilds_from_the_network(full_home, tmp_path):
    home, export, titles = full_home
    peer = tmp_path / "peer"
    assert antiport(peer, "init", "--no-passphrase").returncode == 0
    assert antiport(peer, "follow", "acme/widget").returncode == 0
    assert antiport(peer, "import", str(export)).returncode == 0
    damage_a_page(home / "store.db")
    r = antiport(home, "doctor", "--rebuild-from-network")
    assert r.returncode == 0 and "following acme/gadget, acme/widget" in r.stdout, r
    assert listed(home) == []
    with NodeProcess(peer) as p:
        addr = p.wait_ready()["addrs"][0]
        with NodeProcess(home, bootstrap=[addr]) as node:
            node.wait_ready()
            one_line_error(antiport(home, "doctor", "--rebuild-from-network"), "a node already runs")
            client = node.client()
            wait_for(lambda: sorted(t["title"] for t in client.call("list")["threads"]) == sorted(titles),
                     "the threads synced back")
            client.close()


FULL_DISK = """
set -u
mount -t tmpfs -o size=2m tmpfs "$MNT"
step() {{ name=$1; shift; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }}
step init {antiport} --home "$MNT/h" init --no-passphrase
step ask {antiport} --home "$MNT/h" ask acme/widget --title "Before" --text "the disk filled"
dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
step init-full {antiport} --home "$MNT/other" init --no-passphrase
step ask-full {antiport} --home "$MNT/h" ask acme/widget --title "During" --text "the disk is full"
step run-full {antiport} --home "$MNT/h" run --no-discovery
ls -A "$MNT/other" >"$OUT/other.ls" 2>/dev/null
rm "$MNT/filler"
step list-after {antiport} --home "$MNT/h" list --json
step init-after {antiport} --home "$MNT/other" init --no-passphrase
"""


def test_a_full_disk_is_one_line_and_nothing_is_lost(tmp_path):
    """On a small tmpfs of its own (a user and mount namespace: no root needed, nothing leaks out)."""
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode().strip()}")
    subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c",
                    FULL_DISK.format(antiport=ANTIPORT)],
                   env={**os.environ, "MNT": str(mnt), "OUT": str(out)}, check=True, timeout=120)

    def step(name: str) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(name, int((out / f"{name}.rc").read_text()),
                                           (out / f"{name}.out").read_text(), (out / f"{name}.err").read_text())
    assert step("init").returncode == step("ask").returncode == 0
    for name in ("init-full", "ask-full", "run-full"):
        one_line_error(step(name), "is full", "free some space and try again")
    listed = step("list-after")
    assert listed.returncode == 0 and [t["title"] for t in json.loads(listed.stdout)["threads"]] == ["Before"]
    assert (out / "other.ls").read_text() == ""  # no half-written identity: init works once there is space
    assert step("init-after").returncode == 0



@pytest.mark.parametrize("command", [["list"], ["show", "000000"], ["follow", "acme/gadget"],
                                     ["ask", "acme/widget", "--title", "t", "--text", "x"], ["run", "--no-discovery"]])
def test_a_damaged_store_is_one_line_and_nothing_is_written(full_home, command):
    home = full_home[0]
    damage_a_page(home / "store.db")
    before = snapshot(home)
    one_line_error(antiport(home, *command), "store.db is damaged", "antiport doctor")
    assert snapshot(home) == before
