"""A partition healed through a relay that carries the topic but does not follow it, on `antiport run`
processes: two lines of three nodes that follow the topic, a3–a2–a1 and b1–b2–b3, joined only by r
(r dials a1 and b1). r stops, each side publishes, one more is written on one side just before r starts
again: every node ends with every message. Sync offers the relayed topic too, and what a session brings that
gossip is not carrying is passed on to the other neighbours (specs/05-sync.md §8): at once what is older than
gossip's reach, the message written just before the heal once it is that old, so the heal does not wait for
each hop's periodic sync.
`bench/heal.py` times the same scenario."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Self

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from helpers import wait_for
from test_sync_processes import TOPIC, cli, count

pytestmark = pytest.mark.slow
SIDES = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"]}
HEALED = 120  # seconds: a deadline for hangs, far above the few seconds it takes


class Partition:
    """The seven nodes; `heal()` starts the relay again. Use as a context manager (stops every node)."""

    def __init__(self, root: Path):
        self.homes = {name: root / name for name in [*SIDES["a"], *SIDES["b"], "r"]}
        self.nodes: dict[str, NodeProcess] = {}
        for name, home in self.homes.items():
            cli(home, "init", "--no-passphrase", "--name", name)
            if name != "r":
                cli(home, "follow", TOPIC)

    def __enter__(self) -> Self:
        for names in SIDES.values():
            for before, name in zip([None, *names], names, strict=False):
                self._start(name, [self.addr(before)] if before else [])
        self.start_relay()
        return self

    def __exit__(self, *exc) -> None:
        for node in self.nodes.values():
            node.stop()

    def _start(self, name: str, bootstrap: list[str]) -> dict:
        self.nodes[name] = NodeProcess(self.homes[name], bootstrap=bootstrap)
        return self.nodes[name].wait_ready()

    def addr(self, name: str) -> str:
        return self.nodes[name].wait_ready()["addrs"][0]

    def start_relay(self) -> None:
        self._start("r", [self.addr("a1"), self.addr("b1")])

    def stop_relay(self) -> None:
        self.nodes["r"].stop()

    def publish(self, side: str, n: int, tag: str) -> list[str]:
        """`n` requests written round-robin on the nodes of one side; their ids."""
        names = SIDES[side]
        return [Client(self.homes[names[i % len(names)]]).call(
            "ask", topic=TOPIC, title=f"{tag} {side} {i}", text="written during the split")["id"] for i in range(n)]

    def split(self, n: int) -> None:
        """One message crosses live; then the relay stops and each side writes `n` that stay on their side."""
        self.publish("a", 1, "before")
        wait_for(lambda: self.holds(self.homes, 1), "the first message crosses the relay live")
        self.stop_relay()
        self.publish("a", n, "split")
        self.publish("b", n, "split")
        wait_for(lambda: self.holds(SIDES["a"], n + 1) and self.holds(SIDES["b"], n + 1), "each side holds its own")

    def holds(self, names, n: int) -> bool:
        return all(count(self.homes[name]) == n for name in names)


def test_a_relay_that_does_not_follow_heals_a_partition(tmp_path):
    with Partition(tmp_path) as net:
        net.split(25)
        assert count(net.homes["a1"]) == count(net.homes["b1"]) == 26  # the sides are apart
        net.publish("b", 1, "late")  # seconds before the heal: younger than gossip's reach at the heal
        net.start_relay()
        wait_for(lambda: net.holds(net.homes, 52), "every node holds all 52", HEALED)
        status = json.loads(cli(net.homes["r"], "sync", "status", "--json"))
        synced = {row["peer"] for row in status["progress"] if row["topic"] == TOPIC}
        assert {net.nodes[n].wait_ready()["peer_id"] for n in ("a1", "b1")} <= synced  # offered, though relayed
        text = cli(net.homes["r"], "sync", "status")
        assert "offering: (meta), acme/widget (relayed)" in text and "missing here: nothing" in text
        assert "acme/widget" not in cli(net.homes["r"], "topics")  # and still follows nothing
