"""The testbed's links: a TCP proxy per link, in the router namespace, that delays what it forwards.

This kernel has no netem, so latency and loss are added here, in user space, the way bench/sim/world.py models
them: every chunk read from one side is written to the other `latency` seconds later, and each 1,400 bytes of it
is lost with probability `loss`, which TCP pays with one retransmission timeout (max(RTO_S, 3 x latency)). A late
chunk holds back the ones after it, as TCP's in-order delivery does.

    python bench/testbed/proxy.py LINKS.json

LINKS.json: {"seed": int, "links": [{"listen": [host, port], "target": [host, port], "latency": s, "loss": p}]}.
Prints "ready" once every link listens; runs until killed."""
from __future__ import annotations

import json
import math
import random
import sys
from functools import partial

import trio

RTO_S = 0.2       # as bench/sim/world.py
PACKET = 1400
CHUNK = 65536


async def pump(src: trio.SocketStream, dst: trio.SocketStream, latency: float, loss: float,
               rng: random.Random) -> None:
    """src's bytes to dst, each chunk due `latency` (and its losses) after it was read, never before the last."""
    send, receive = trio.open_memory_channel(math.inf)

    async def deliver() -> None:
        async for due, chunk in receive:
            await trio.sleep_until(due)
            await dst.send_all(chunk)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(deliver)
        last = 0.0
        while chunk := await src.receive_some(CHUNK):
            lost = sum(rng.random() < loss for _ in range(len(chunk) // PACKET + 1)) if loss else 0
            last = max(last, trio.current_time() + latency + lost * max(RTO_S, 3 * latency))
            send.send_nowait((last, chunk))
        send.close()


async def handle(link: dict, rng: random.Random, client: trio.SocketStream) -> None:
    try:
        server = await trio.open_tcp_stream(*link["target"])
    except OSError:
        await client.aclose()
        return
    async with client, server:
        try:
            async with trio.open_nursery() as nursery:
                for a, b in ((client, server), (server, client)):
                    nursery.start_soon(end_all, nursery, pump, a, b, link["latency"], link["loss"], rng)
        except* (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass  # one side reset the connection: both close


async def end_all(nursery: trio.Nursery, fn, *args) -> None:
    """Run fn, then end its siblings: a connection closed on one side is closed on both."""
    await fn(*args)
    nursery.cancel_scope.cancel()


async def main(config: dict) -> None:
    async with trio.open_nursery() as nursery:
        for k, link in enumerate(config["links"]):
            host, port = link["listen"]
            rng = random.Random(config["seed"] * 100_003 + k)
            await nursery.start(partial(trio.serve_tcp, partial(handle, link, rng), port, host=host))
        print("ready", flush=True)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        trio.run(main, json.load(f))
