"""Attachments between `antiport run` processes: a request asked with --attach at one node reaches the other
with its file, which `blob get` saves there byte for byte."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from antiport.app.processes import NodeProcess
from antiport.protocol.blobs import blob_hash
from helpers import wait_for
from test_sync_processes import cli

pytestmark = pytest.mark.slow
TOPIC = "acme/widget"


def test_a_file_attached_at_one_node_is_saved_at_another(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2000)  # 512 KB
    homes = {name: tmp_path / name for name in "ab"}
    for name, home in homes.items():
        cli(home, "init", "--no-passphrase", "--name", name)
        cli(home, "follow", TOPIC)
    with NodeProcess(homes["a"]) as a:
        addr = a.wait_ready()["addrs"][0]
        with NodeProcess(homes["b"], bootstrap=[addr]) as b:
            b.wait_ready()
            thread = json.loads(cli(homes["a"], "ask", TOPIC, "--title", "Error", "--text", "Shot attached",
                                    "--attach", str(shot), "--json"))["id"]
            digest = blob_hash(shot.read_bytes()).hex()

            wait_for(lambda: _saved(homes["b"], digest, tmp_path / "copy.png"), "the file saved at b", timeout=120)
            assert (tmp_path / "copy.png").read_bytes() == shot.read_bytes()
            assert f"[file] shot.png (image/png, {shot.stat().st_size} bytes) {digest}" in cli(
                homes["b"], "show", thread)


def _saved(home, digest: str, out) -> bool:
    """Whether `blob get` saved the blob (it says "no attachment" until the node fetched it)."""
    r = subprocess.run([sys.executable, "-m", "antiport.app.cli", "--home", str(home), "blob", "get", digest, "-o",
                        str(out)], check=False, capture_output=True, text=True, timeout=60)
    return r.returncode == 0
