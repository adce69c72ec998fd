"""How fast the bridge delivers, against bare HTTP calls to the same real endpoints in the same run.

    python bench/bridge_delivery.py [--n 300] [--rt-n 20]

Webhooks: N requests journalled in the outbox and delivered by Bridge.deliver_due (build the event,
serialise, sign with HMAC, POST, record the acknowledgement in SQLite) to a real HTTP receiver that
verifies every signature, against bare signed POSTs of the same bodies with the same client.
RT (when ANTIPORT_RT_URL or 127.0.0.1:8089 answers): tickets created by the RT connector (ticket
lookup by custom field + create + record) against bare POST /ticket calls.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import httpx
import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bridge"))
from antiport.node.bridge.bridge import Bridge  # noqa: E402
from antiport.node.bridge.webhook import sign_headers  # noqa: E402
from bridge_helpers import SECRET, TOPIC, Receiver, World, config  # noqa: E402


async def bench_webhooks(n: int) -> tuple[float, float]:
    receiver = Receiver().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            world = World(Path(tmp))
            cfg = config(webhook=[{"name": "crm", "url": receiver.url, "secret": SECRET}])
            async with httpx.AsyncClient(timeout=10) as client:
                bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
                bridge.start()
                for i in range(n):
                    world.ask(f"Widget problem {i}", "it jams " * 20)
                bridge.scan()
                t = time.perf_counter()
                while bridge.outbox.report()["webhook:crm"]["pending"]:
                    assert (await bridge.deliver_due("webhook:crm"))[1] == 0
                node_s = time.perf_counter() - t
                assert len(receiver.received) == n
                bodies = [httpx.Request("POST", "http://x", json=b).content for b in receiver.bodies]
                t = time.perf_counter()
                for event, body in zip(list(receiver.received), bodies, strict=True):
                    headers = sign_headers([SECRET], event["id"], int(time.time()), body)
                    (await client.post(receiver.url, content=body, headers=headers)).raise_for_status()
                bare_s = time.perf_counter() - t
            world.store.close()
    finally:
        receiver.stop()
    return node_s, bare_s


async def bench_rt(n: int, url: str) -> tuple[float, float]:
    queue = f"antiport-bench-{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        cfg = config(rt={"url": url, "password": "password", "queues": {TOPIC: queue}})
        async with httpx.AsyncClient(timeout=30) as client:
            bridge = Bridge(world.store, world.ingest, world.vendor, cfg, client)
            bridge.start()
            await bridge.rt.setup()
            for i in range(n):
                world.ask(f"Widget problem {i}", "it jams")
            bridge.scan()
            t = time.perf_counter()
            delivered, failed = await bridge.deliver_due("rt")
            node_s = time.perf_counter() - t
            assert (delivered, failed) == (n, 0)
            t = time.perf_counter()
            for i in range(n):
                await bridge.rt.rt.create_ticket(queue, f"bare {i}", "it jams", {})
            bare_s = time.perf_counter() - t
        world.store.close()
    return node_s, bare_s


def rt_url() -> str | None:
    url = os.environ.get("ANTIPORT_RT_URL") or "http://127.0.0.1:8089"
    try:
        httpx.get(url + "/REST/2.0/queues/all", auth=("root", "password"), timeout=3).raise_for_status()
        return url
    except httpx.HTTPError:
        return None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--rt-n", type=int, default=20)
    args = p.parse_args()
    rows = [("webhook", args.n, *trio.run(bench_webhooks, args.n))]
    url = rt_url()
    if url:
        rows.append(("rt ticket", args.rt_n, *trio.run(bench_rt, args.rt_n, url)))
    print(f"{'connector':<10} {'n':>5} {'bridge/s':>10} {'bare/s':>10} {'bridge:bare':>12}")
    for name, n, node_s, bare_s in rows:
        print(f"{name:<10} {n:>5} {n / node_s:>10.1f} {n / bare_s:>10.1f} {bare_s / node_s:>12.2f}")
    if not url:
        print("rt: skipped (no Request Tracker at ANTIPORT_RT_URL or 127.0.0.1:8089)")


if __name__ == "__main__":
    main()
