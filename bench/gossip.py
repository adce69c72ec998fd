"""Gossip through a line of real nodes in one process: delivery and latency at a given publish rate.

    python bench/gossip.py [--nodes 3] [--n 500] [--rate 50]

Nodes A–B–…–Z on 127.0.0.1, each connected to the next, all following one topic. The first node submits
`n` requests at `rate` per second (0 = as fast as submit returns); latency is from submit to the message
being stored on the last node (its message feed). Reports delivered/n, p50/p95 latency and the wall time.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

import trio
from antiport.crypto import Identity
from antiport.node.flood import Settings
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import message_id, sign
from antiport.protocol.budget import Budget

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS / "node"), str(TESTS)]  # nodes.py imports helpers.py
from nodes import connect, wait_subscribed  # noqa: E402

TOPIC = "bench/gossip"
# The network stack is measured here, not the flood guard (bench/flood.py): budgets far above any run.
UNLIMITED = Settings(author=Budget(10**9, 1.0), peer=Budget(10**9, 1.0))


async def main(args) -> None:
    author = Identity(bytes([7]) * 32)
    with tempfile.TemporaryDirectory() as tmp:
        async with trio.open_nursery() as nursery:
            nodes = []
            for i in range(args.nodes):
                node = Node(Store(Path(tmp) / f"{i}.db"), Path(tmp) / f"{i}.key", flood_settings=UNLIMITED)
                await nursery.start(node.run)
                await node.follow(TOPIC)
                nodes.append(node)
            for x, y in itertools.pairwise(nodes):
                await connect(x, y)
                await wait_subscribed(x, y, TOPIC)
                await wait_subscribed(y, x, TOPIC)
            first, last = nodes[0], nodes[-1]
            sent: dict[str, float] = {}
            latencies: list[float] = []
            done = trio.Event()

            async def receive() -> None:
                with last.message_feed() as feed:
                    async for msg in feed:
                        latencies.append(time.perf_counter() - sent[msg.id])
                        if len(latencies) == args.n:
                            done.set()
            nursery.start_soon(receive)
            t0 = time.perf_counter()
            created = int(time.time() * 1000)
            for i in range(args.n):
                raw = sign(author, "request", TOPIC, {"title": f"n{i}", "text": "x"}, created=created + i).raw
                sent[message_id(raw)] = time.perf_counter()
                await first.submit(raw)
                if args.rate:
                    await trio.sleep_until(trio.current_time() + 1 / args.rate)
            with trio.move_on_after(30):
                await done.wait()
            wall = time.perf_counter() - t0
            latencies.sort()

            def pct(p):
                return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

            print(f"{args.nodes} nodes, {args.n} msgs at {args.rate or 'max'}/s: delivered "
                  f"{last.store.count(TOPIC)}/{args.n}, p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, "
                  f"wall {wall:.2f} s ({len(latencies) / wall:.0f} msg/s)")
            nursery.cancel_scope.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50)
    trio.run(main, parser.parse_args())
