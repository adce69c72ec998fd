"""Sync: catch-up of a fresh node against the ingest limit measured in the same run, and the bytes it takes
to reconcile a few missing messages in a large set.

    python bench/sync.py [--full] [--sizes 10000] [--set 100000] [--missing 10]

Catch-up: node A holds N signed messages (a quarter requests, the rest answers and votes referring to
them); a fresh node B connects over libp2p on 127.0.0.1 and syncs until it holds all N (both nodes in this
process, as bare hosts with the sync service, Ingest with the node's group commit). The limit is the bare
ingest loop of bench/ingest.py (decode, verify, hash, insert + FTS5, a commit per 100) on the same N
messages in the same run: ratio = sync msg/s / bare msg/s (goal >= 0.7). By default 10,000 messages
(the quick run of `make bench`); --full is the issue's 50,000.

Bytes: two reconcilers over a set of --set items, one side lacking --missing of them; every frame both
ways counted (the stream adds a few bytes per turn). For scale: listing every id once is 32 bytes each.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import multiaddr
import trio
from antiport.node import libp2p_fixes
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.node.sync import Syncer
from antiport.protocol import load
from antiport.protocol.sync import Reconciler
from ingest import T0, bare, messages
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_noise_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID
from libp2p.security.noise.transport import Transport as Noise
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from summary import record

TOPIC = "acme/widget"  # the topic of bench/ingest.py's messages


def host(seed: int):
    key = create_new_key_pair(bytes([seed]) * 32)
    return new_host(key_pair=key, sec_opt={NOISE_ID: Noise(key, noise_privkey=create_noise_key_pair().private_key)},
                    muxer_opt={TProtocol(YAMUX_ID): Yamux}, connection_config=libp2p_fixes.connection_config())


async def catch_up(raws: list[bytes], tmp: Path) -> tuple[float, int]:
    """Seconds from connecting a fresh node until it holds every message; and sessions used."""
    stores = [Store(tmp / "a.db"), Store(tmp / "b.db")]
    stores[0].add_many([load(r) for r in raws], T0)
    for s in stores:
        s.follow(TOPIC, T0)
    hosts = [host(1), host(2)]
    syncers = [Syncer(s, Ingest(s), h, interval=3600, clock=lambda: T0 + len(raws) + 1)
               for s, h in zip(stores, hosts, strict=True)]
    listen = [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]
    async with hosts[0].run(listen_addrs=listen), hosts[1].run(listen_addrs=listen):
        async with trio.open_nursery() as nursery:
            for s in syncers:
                s.ingest.group_commit(nursery)
                await nursery.start(s.run)
            start = time.perf_counter()
            await hosts[1].connect(info_from_p2p_addr(hosts[0].get_addrs()[0]))
            while stores[1].count() < len(raws):
                if not syncers[0]._active and not syncers[1]._active and syncers[1].sessions:
                    syncers[1].trigger()  # a session ended short (limits): the next one resumes
                await trio.sleep(0.05)
            seconds = time.perf_counter() - start
            for s in syncers:
                s.ingest.group_commit(None)
            nursery.cancel_scope.cancel()
        for h in hosts:
            await h.close()
    for s in stores:
        s.close()
    return seconds, syncers[1].sessions


def reconcile_bytes(n: int, missing: int) -> tuple[int, int]:
    rng = random.Random(n)
    items = [(T0 + rng.randrange(10**9), rng.randbytes(32)) for _ in range(n)]
    gone = set(rng.sample(range(n), missing))
    a, b = Reconciler(items), Reconciler([x for k, x in enumerate(items) if k not in gone])
    frame, receiver, other, frames = a.initiate(), b, a, 1
    while frame is not None:
        _, frame = receiver.receive(frame)
        receiver, other = other, receiver
        frames += frame is not None
    assert a.have == {items[k][1] for k in gone} and b.need == a.have
    return a.bytes_out + b.bytes_out, frames


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="catch up 50,000 messages (default 10,000)")
    ap.add_argument("--sizes", type=int, nargs="+", default=None)
    ap.add_argument("--set", type=int, default=100_000)
    ap.add_argument("--missing", type=int, default=10)
    args = ap.parse_args(argv)
    libp2p_fixes.quiet_loggers()
    print(f"{'catch-up of a fresh node':<28} {'msgs':>6} {'bare/s':>9} {'sync s':>7} {'sync/s':>8} {'ratio':>6}")
    for n in args.sizes or ([50_000] if args.full else [10_000]):
        raws = messages(n)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            bare(raws, Path(tmp) / "limit.db", 100)
            ingest_rate = n / (time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            seconds, sessions = trio.run(catch_up, raws, Path(tmp))
        rate = n / seconds
        print(f"{'sync over libp2p, ' + str(sessions) + ' session(s)':<28} {n:>6} {ingest_rate:>9.0f} {seconds:>7.2f}"
              f" {rate:>8.0f} {rate / ingest_rate:>6.2f}")
        record(f"catch-up of a fresh node, {n:,} messages", f"{rate:.0f} msg/s", f"bare loop {ingest_rate:.0f} msg/s",
               f"{rate / ingest_rate:.2f}x", ">= 0.7x")
    print("ratio = sync msg/s / the bare ingest loop's msg/s on the same messages (goal >= 0.7)")
    size, frames = reconcile_bytes(args.set, args.missing)
    print(f"\nreconcile {args.missing} missing of {args.set}: {size} bytes in {frames} frames, both ways "
          f"({size / args.missing:.0f} B per missing id; listing all ids once: {32 * args.set} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
