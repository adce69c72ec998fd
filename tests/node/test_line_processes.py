"""Three `antiport run` processes in a line A–B–C (A and C not connected): ask on A, answer on C,
accept on A; every node ends with the same thread. B follows nothing: it relays what its peers use."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from antiport.app.processes import NodeProcess
from helpers import wait_for

pytestmark = pytest.mark.slow


def cli(home, *argv) -> str:
    r = subprocess.run([sys.executable, "-m", "antiport.app.cli", "--home", str(home), *argv],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_ask_answer_accept_across_a_line(tmp_path):
    homes = {n: tmp_path / n for n in "abc"}
    for name, home in homes.items():
        cli(home, "init", "--no-passphrase", "--name", name)
    with NodeProcess(homes["b"]) as b:
        b_addr = b.wait_ready()["addrs"][0]
        with NodeProcess(homes["a"], bootstrap=[b_addr]) as a, NodeProcess(homes["c"], bootstrap=[b_addr]) as c:
            a.wait_ready(), c.wait_ready()
            cli(homes["c"], "follow", "acme/widget")
            request = json.loads(cli(homes["a"], "ask", "acme/widget", "--title", "It squeaks",
                                     "--text", "since the update", "--json"))["id"]
            wait_for(lambda: json.loads(cli(homes["c"], "list", "acme/widget", "--json"))["threads"])
            answer = cli(homes["c"], "answer", request, "--text", "oil the hinge").strip()
            wait_for(lambda: json.loads(cli(homes["a"], "show", request, "--json"))["answers"])
            cli(homes["a"], "accept", answer)

            def same_thread():
                views = [json.loads(cli(h, "show", request, "--json")) for h in homes.values()]
                for view in views:  # each node scores answers from its own owner's trust roots
                    for answer in view["answers"]:
                        answer.pop("score")
                assert all(v["answers"] and v["answers"][0]["accepted"] for v in views)
                assert views[0] == views[1] == views[2]
                return True
            wait_for(same_thread)
            peers = json.loads(cli(homes["b"], "peers", "--json"))
            assert len(peers) == 2 and all(sum(p["rejected"].values()) == 0 for p in peers)
            assert "did:key:" in cli(homes["a"], "id")
        assert a.proc.returncode == 0 and c.proc.returncode == 0
