"""Honest delivery while one peer floods: real nodes on 127.0.0.1, the flooder in a process of its own.

    python bench/flood.py [--seconds 10] [--honest-rate 5] [--kinds none,valid,sybil,junk,bad-signature,missing-ref]

R receives from F (the flooder, a child process) and H (honest, in R's process). H submits requests at
`honest-rate` a second for `seconds`; F publishes as fast as its pubsub takes them (the highest rate its
process sustains), one kind of flood per run: `valid` (requests signed by one key), `junk` (random bytes),
`sybil` (requests each signed by a new key), `bad-signature` (valid requests with a broken signature),
`missing-ref` (answers to messages nobody has). RSS is the peak of R's process (with H), cumulative over runs.
For each kind: honest messages stored on R, their p50/p99 latency (submit to stored on R) and its ratio to
the run without a flood, flood messages sent and their rate, stored on R, and when R graylisted F.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import multiaddr
import trio
from antiport.crypto import Identity
from antiport.node import libp2p_fixes
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import sign, topic_name
from libp2p.peer.peerinfo import info_from_p2p_addr

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS / "node"), str(TESTS)]  # nodes.py imports helpers.py
from nodes import connect, wait_subscribed  # noqa: E402

TOPIC = "bench/flood"


def flood_messages(kind: str, n: int) -> list[bytes]:
    key, t = Identity.generate(), int(time.time() * 1000)
    if kind == "junk":
        return [os.urandom(200) for _ in range(n)]
    if kind == "missing-ref":
        return [sign(key, "answer", TOPIC, {"text": f"a{i}"}, [os.urandom(32).hex()], created=t + i).raw
                for i in range(n)]
    if kind == "sybil":
        return [sign(Identity.generate(), "request", TOPIC, {"title": f"f{i}", "text": "x"}, created=t).raw
                for i in range(n)]
    raws = [sign(key, "request", TOPIC, {"title": f"f{i}", "text": "x"}, created=t + i).raw for i in range(n)]
    if kind == "bad-signature":
        return [raw[:-1] + bytes([raw[-1] ^ 1]) for raw in raws]
    return raws


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


async def flooder(args) -> None:
    """The child process: a node that dials R and publishes its flood until R hangs up; prints what it sent."""
    libp2p_fixes.quiet_loggers()
    tmp = Path(args.home)
    raws = flood_messages(args.flooder, args.flood_max)
    async with trio.open_nursery() as nursery:
        f = Node(Store(tmp / "f.db"), tmp / "f.key")
        await nursery.start(f.run)
        await f.follow(TOPIC)
        info = info_from_p2p_addr(multiaddr.Multiaddr(args.dial))
        await f.net.host.connect(info)
        await f.net.pubsub.wait_for_subscription(info.peer_id, topic_name(TOPIC), 30)
        print("ready", flush=True)
        t0, count = time.perf_counter(), 0
        for raw in raws:
            if info.peer_id not in f.net.host.get_connected_peers():
                break
            await f.net.pubsub.publish(topic_name(TOPIC), raw)
            count += 1
            if count % 20 == 0:
                await trio.sleep(0)
        print(f"sent {count} {count / (time.perf_counter() - t0):.0f}", flush=True)
        nursery.cancel_scope.cancel()


async def run(kind: str, args, tmp: Path) -> dict:
    out: dict = {"kind": kind}
    async with trio.open_nursery() as nursery:
        nodes = []
        for name in ("r", "h"):
            node = Node(Store(tmp / f"{kind}-{name}.db"), tmp / f"{kind}-{name}.key")
            await nursery.start(node.run)
            await node.follow(TOPIC)
            nodes.append(node)
        r, h = nodes
        await connect(h, r)
        await wait_subscribed(h, r, TOPIC)
        await wait_subscribed(r, h, TOPIC)
        sent: dict[str, float] = {}
        latency: list[float] = []
        child = None
        if kind != "none":
            home = tmp / f"{kind}-f"
            home.mkdir()
            child = await trio.lowlevel.open_process(
                [sys.executable, __file__, "--flooder", kind, "--home", str(home), "--dial", r.listen_addrs()[0],
                 "--flood-max", str(args.flood_max)], stdout=subprocess.PIPE)
            lines = _lines(child.stdout)
            assert await lines.__anext__() == "ready"
        t0 = time.perf_counter()

        async def receive() -> None:
            with r.message_feed() as feed:
                async for msg in feed:
                    if msg.id in sent:
                        latency.append(time.perf_counter() - sent[msg.id])

        async def watch_flooder() -> None:
            while not r.guard.graylist:
                await trio.sleep(0.05)
            out["graylisted_after_s"] = round(time.perf_counter() - t0, 2)

        nursery.start_soon(receive)
        if child:
            nursery.start_soon(watch_flooder)
        honest = Identity.generate()
        created = int(time.time() * 1000)
        for i in range(int(args.seconds * args.honest_rate)):
            msg = sign(honest, "request", TOPIC, {"title": f"h{i}", "text": "x"}, created=created + i)
            sent[msg.id] = time.perf_counter()
            await h.submit(msg.raw)
            await trio.sleep(1 / args.honest_rate)
        with trio.move_on_after(10):
            while len(latency) < len(sent):
                await trio.sleep(0.05)
        out["honest"] = f"{len(latency)}/{len(sent)}"
        out["p50_ms"], out["p99_ms"] = round(pct(latency, 0.5), 1), round(pct(latency, 0.99), 1)
        out["flood_stored"] = r.store.count(TOPIC) - len(latency)
        out["rejected"] = r.counters()["rejected_by_reason"]
        out["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # R and H, peak
        if child:
            with trio.move_on_after(10):
                async for line in lines:
                    if line.startswith("sent"):
                        _, n, rate = line.split()
                        out["flood_sent"], out["flood_rate"] = int(n), int(rate)
            child.kill()
            await child.wait()
        nursery.cancel_scope.cancel()
    return out


async def _lines(stream):
    buffer = b""
    async for chunk in stream:
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode().strip()


async def main(args) -> None:
    libp2p_fixes.quiet_loggers()
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for kind in args.kinds.split(","):
            result = await run(kind, args, Path(tmp))
            if kind == "none":
                base = result["p99_ms"]
            elif base:
                result["p99_ratio"] = round(result["p99_ms"] / base, 2)
            print(result, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--honest-rate", type=float, default=5)
    parser.add_argument("--flood-max", type=int, default=20_000, help="flood messages prepared per kind")
    parser.add_argument("--kinds", default="none,valid,sybil,junk,bad-signature,missing-ref")
    parser.add_argument("--flooder", help=argparse.SUPPRESS)  # the child process: its kind of flood
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--dial", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    trio.run(flooder if arguments.flooder else main, arguments)
