"""Honest delivery while one peer floods: real nodes in one process on 127.0.0.1.

    python bench/flood.py [--seconds 10] [--honest-rate 5] [--kinds none,valid,junk,bad-signature,missing-ref]

R receives from F (the flooder) and H (honest). H submits requests at `honest-rate` a second for `seconds`;
F publishes as fast as its pubsub takes them (the highest rate this machine sustains with three nodes on one
core), one kind of flood per run: `valid` (requests signed by one key), `junk` (random bytes),
`bad-signature` (valid requests with a broken signature), `missing-ref` (answers to messages nobody has).
For each kind: honest messages stored on R, their p50/p99 latency (submit to stored on R) and its ratio to
the run without a flood, flood messages sent and their rate, stored on R, and when R disconnected F.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import trio
from antiport.crypto import Identity
from antiport.node import libp2p_fixes
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import sign, topic_name

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
    raws = [sign(key, "request", TOPIC, {"title": f"f{i}", "text": "x"}, created=t + i).raw for i in range(n)]
    if kind == "bad-signature":
        return [raw[:-1] + bytes([raw[-1] ^ 1]) for raw in raws]
    return raws


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


async def run(kind: str, args, tmp: Path) -> dict:
    out: dict = {"kind": kind}
    async with trio.open_nursery() as nursery:
        nodes = []
        for name in ("r", "f", "h"):
            node = Node(Store(tmp / f"{kind}-{name}.db"), tmp / f"{kind}-{name}.key")
            await nursery.start(node.run)
            await node.follow(TOPIC)
            nodes.append(node)
        r, f, h = nodes
        for node in (f, h):
            await connect(node, r)
            await wait_subscribed(node, r, TOPIC)
            await wait_subscribed(r, node, TOPIC)
        sent: dict[str, float] = {}
        latency: list[float] = []
        t0 = time.perf_counter()

        async def receive() -> None:
            with r.message_feed() as feed:
                async for msg in feed:
                    if msg.id in sent:
                        latency.append(time.perf_counter() - sent[msg.id])

        async def flood() -> None:
            raws = flood_messages(kind, args.flood_max)
            count = 0
            for raw in raws:
                if f.net.host.get_id() not in r.net.host.get_connected_peers():
                    out["disconnected_after_s"] = round(time.perf_counter() - t0, 2)
                    break
                await f.net.pubsub.publish(topic_name(TOPIC), raw)
                count += 1
                await trio.sleep(0)
            out["flood_sent"] = count
            out["flood_rate"] = round(count / (time.perf_counter() - t0))

        nursery.start_soon(receive)
        if kind != "none":
            nursery.start_soon(flood)
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
        nursery.cancel_scope.cancel()
    return out


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
    parser.add_argument("--kinds", default="none,valid,junk,bad-signature,missing-ref")
    trio.run(main, parser.parse_args())
