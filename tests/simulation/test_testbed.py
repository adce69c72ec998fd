"""bench/testbed on four real nodes: each in its own network namespace, reaching the others only through the
delaying proxy; every message written on one reaches every follower, and nothing is left behind."""
from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from testbed.bed import Plan, Post  # noqa: E402
from testbed.bed import Testbed as Bed  # noqa: E402 -- not a test class
from testbed.net import PORT, enter, namespaces  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("ip"),
                                 reason="the testbed makes network namespaces: it needs root and iproute2's ip")]

TOPIC = "acme/widget"
LATENCY = 0.05  # the shortest link


def plan() -> Plan:
    links = {(1, 0): LATENCY, (2, 1): 0.08, (3, 2): 0.06, (3, 0): 0.12}  # a ring: 0-1-2-3-0
    posts = [Post("q0", 0.0, 0, "request", TOPIC), Post("q2", 0.5, 2, "request", TOPIC),
             Post("a3", 2.0, 3, "answer", TOPIC, "q0"), Post("v1", 3.0, 1, "vote", TOPIC, "a3"),
             Post("c0", 4.0, 0, "accept", TOPIC, "a3")]
    return Plan([{TOPIC}] * 4, links, posts)


def reach(namespace: str, host: str) -> None:
    with ThreadPoolExecutor(1, initializer=enter, initargs=(namespace,)) as inside:
        inside.submit(socket.create_connection, (host, PORT), 3).result().close()


def test_four_nodes_in_namespaces_get_every_message_and_leave_nothing_behind(tmp_path):
    bed = Bed(plan(), tmp_path, tag=f"tbt{os.getpid() % 10000}", say=lambda _: None)
    made = {bed.net.router, *bed.net.nodes}
    with bed:
        assert made <= namespaces()
        reach(bed.net.nodes[3], bed.net.node_addr(3))
        with pytest.raises(OSError) as unreachable:  # node 0's own address is not: only the proxy joins them
            reach(bed.net.nodes[3], bed.net.node_addr(0))
        assert unreachable.value.errno == errno.ENETUNREACH
        ids = bed.play()
        assert sorted(ids) == ["a3", "c0", "q0", "q2", "v1"] and not bed.plan.skipped
        spread = bed.spread(ids, timeout=60)
        procs = list(bed.procs)
    for key, seconds in spread.items():
        author = next(p.author for p in bed.plan.posts if p.key == key)
        assert sorted(seconds) == [0, 1, 2, 3], key
        assert all(s >= LATENCY for i, s in seconds.items() if i != author), (key, seconds)  # through the proxy
    assert not made & namespaces()
    assert all(p.poll() is not None for p in procs)
