"""Sync and discovery between `antiport run` processes: a node started after messages were written catches
up with no user action; a node SIGKILLed in the middle of catching up has an intact store and finishes
after restart; once the bootstrap node stops, the nodes that met through it go on exchanging messages."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.home import Home
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from helpers import wait_for
from test_sync_streams import T0, TOPIC, messages

pytestmark = pytest.mark.slow
SYNCED = 120  # seconds for a thousand messages between processes on a busy machine


def cli(home, *argv) -> str:
    r = subprocess.run([sys.executable, "-m", "antiport.app.cli", "--home", str(home), *argv],
                       check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def count(home) -> int:
    db = sqlite3.connect(Home(home).db_file, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM messages WHERE topic=?", [TOPIC]).fetchone()[0]
    finally:
        db.close()


def setup(tmp_path, n: int):
    homes = {name: tmp_path / name for name in "ab"}
    for name, home in homes.items():
        cli(home, "init", "--no-passphrase", "--name", name)
        cli(home, "follow", TOPIC)
    store = Store(Home(homes["a"]).db_file)
    ingest = Ingest(store)
    for raw in messages(n, "proc"):
        ingest(raw, T0 + 10**9, "local")
    store.close()
    return homes


def test_late_node_catches_up_and_reports_progress(tmp_path):
    homes = setup(tmp_path, 1000)
    with NodeProcess(homes["a"]) as a:
        addr = a.wait_ready()["addrs"][0]
        with NodeProcess(homes["b"], bootstrap=[addr]) as b:
            b.wait_ready()
            wait_for(lambda: count(homes["b"]) == 1000, timeout=SYNCED)
            status = json.loads(cli(homes["b"], "sync", "status", "--json"))
            assert status["running"]
            assert sum(r["fetched_total"] for r in status["progress"] if r["topic"] == TOPIC) == 1000
            assert "acme/widget" in cli(homes["b"], "sync", "status")


def test_sigkill_mid_catch_up_then_resume(tmp_path):
    n = 4000
    homes = setup(tmp_path, n)
    with NodeProcess(homes["a"]) as a:
        addr = a.wait_ready()["addrs"][0]
        b = NodeProcess(homes["b"], bootstrap=[addr])
        b.wait_ready()
        wait_for(lambda: count(homes["b"]) > 0, timeout=60)
        b.kill()
        b.stop()
        db = sqlite3.connect(Home(homes["b"]).db_file)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        held = db.execute("SELECT count(*) FROM messages WHERE topic=?", [TOPIC]).fetchone()[0]
        db.close()
        assert 0 < held <= n  # usually far below n: the kill lands mid catch-up
        with NodeProcess(homes["b"], bootstrap=[addr]) as b:
            b.wait_ready()
            wait_for(lambda: count(homes["b"]) == n, timeout=SYNCED)


def test_the_others_go_on_when_the_bootstrap_node_stops(tmp_path):
    """b and c know only the bootstrap node, which does not follow their topic; they find each other
    through its DHT (provider records for the topic) and keep talking after it is gone."""
    homes = {name: tmp_path / name for name in "abc"}
    for name, home in homes.items():
        cli(home, "init", "--no-passphrase", "--name", name)
        Home(home).write_config({**Home(home).config(), "mdns": False})  # the DHT alone, not the LAN
    for name in "bc":
        cli(homes[name], "follow", TOPIC)
    boot = NodeProcess(homes["a"], discovery=True)
    try:
        addr = boot.wait_ready()["addrs"][0]
        with NodeProcess(homes["b"], bootstrap=[addr], discovery=True) as b, \
                NodeProcess(homes["c"], bootstrap=[addr], discovery=True) as c:
            c_peer = c.wait_ready()["peer_id"]
            b.wait_ready()
            wait_for(lambda: c_peer in cli(homes["b"], "peers"))
            boot.stop()
            asked = cli(homes["b"], "ask", TOPIC, "--title", "After the bootstrap", "--text", "still here?").strip()
            wait_for(lambda: asked in cli(homes["c"], "list", TOPIC, "--json"))
            answered = cli(homes["c"], "answer", asked, "--text", "yes").strip()
            wait_for(lambda: answered in cli(homes["b"], "show", asked, "--json"))
    finally:
        boot.stop()
