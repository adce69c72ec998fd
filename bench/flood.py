"""Honest delivery while one peer floods an `antiport run` receiver at >= 1,000 msg/s, one kind of flood at a time.

    python bench/flood.py [--seconds 20] [--rate 1200] [--honest-rate 5]
                          [--kinds none,valid,sybil,junk,bad-signature,missing-ref]

R is an `antiport run` process following the topic (default flood settings). H, an honest node in this
process, publishes requests at `honest-rate` a second for `seconds`. F, the flooder, is a child process with
a real libp2p host (TCP, Noise, Yamux, pubsub) connected to R; it opens a gossipsub stream of its own to R and
writes precomputed, already-encoded pubsub RPC frames on it (one message per frame, signed by F's host key as
py-libp2p's strict signing wants), paced at `rate` a second, so F's own Python cost does not cap the rate.
When R hangs up, F dials again and floods again, until `seconds` are over.

Kinds: `valid` (requests signed by one key), `sybil` (a new key per request), `junk` (random bytes),
`bad-signature` (valid requests with one bit of the signature flipped), `missing-ref` (answers to messages
nobody has); `none` is the reference: H alone, in the same run.

Per kind: F's offered rate while R took its frames (frames written / seconds connected) and frames written;
honest messages stored on R and their p50/p99 latency (H's submit to R's /v1/events line) with the p99's
ratio to `none`; F's messages stored on R against its budget over the time it was connected; the time from
F's first frame until R stopped taking its frames (`cut_s`) and until R hung up (`disconnected_s`), what F
wrote after (on new streams and connections), F's drops on R by reason; R's RSS (its main process) at the
start and its peak.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import multiaddr
import trio
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity
from antiport.node import libp2p_fixes, p2p
from antiport.node.client import Client
from antiport.node.flood import Settings
from antiport.node.home import Home
from antiport.node.runtime import Node
from antiport.node.store import Store
from antiport.protocol import sign, topic_name
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.peerinfo import info_from_p2p_addr

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS / "node"), str(TESTS)]
from nodes import rpc_frames  # noqa: E402 -- from the tests' folders, put on the path above
from test_sync_processes import cli  # noqa: E402

TOPIC = "bench/flood"
TICK = 0.005  # seconds between the flooder's writes


def payloads(kind: str, n: int) -> list[bytes]:
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


async def flooder(args) -> None:
    """The child process: prepares its frames, connects to R, says "ready", floods on "go" and prints its
    figures as one JSON line."""
    libp2p_fixes.quiet_loggers()
    key = create_new_key_pair()
    prepared = rpc_frames(key, TOPIC, payloads(args.flooder, int(args.rate * args.seconds) + 1000))
    net = p2p.build(key)
    info = info_from_p2p_addr(multiaddr.Multiaddr(args.dial))
    async with p2p.running(net, ["/ip4/127.0.0.1/tcp/0"]):
        await net.host.connect(info)
        await net.pubsub.wait_for_peer(info.peer_id, 30)
        print("ready", net.peer_id, flush=True)
        await trio.to_thread.run_sync(sys.stdin.readline)
        figures = await flood(net.host, info, prepared, args.rate, args.seconds)
        print(json.dumps(figures), flush=True)


async def flood(host, info, prepared: list[bytes], rate: float, seconds: float) -> dict:
    """Write frames at `rate` a second on a gossipsub stream to R; open another, or dial again, whenever R resets
    the stream or hangs up. `cut_s`: when R first stopped taking frames; `disconnected_s`: when it first hung up."""
    start = time.perf_counter()
    end = start + seconds
    connected = 0.0
    written = before_cut = redials = 0
    cut = disconnected = None
    while time.perf_counter() < end and written < len(prepared):
        if info.peer_id not in host.get_connected_peers():
            disconnected = disconnected or time.perf_counter() - start
            redials += 1
            try:
                await libp2p_fixes.redial(host, info)
            except Exception:  # noqa: BLE001 -- refused or hung up on: try again
                await trio.sleep(0.1)
                continue
        try:
            stream = await host.new_stream(info.peer_id, libp2p_fixes.PROTOCOLS)
        except Exception:  # noqa: BLE001 -- the connection went while opening
            await trio.sleep(0.1)
            continue
        began = time.perf_counter()
        due = 0
        try:
            while time.perf_counter() < end and written < len(prepared):
                if info.peer_id not in host.get_connected_peers():
                    break
                n = min(int((time.perf_counter() - began) * rate) - due, len(prepared) - written)
                if n > 0:
                    await stream.write(b"".join(prepared[written:written + n]))
                    written += n
                    due += n
                await trio.sleep(TICK)
        except Exception:  # noqa: BLE001, S110 -- R reset the stream or closed the connection
            pass
        connected += time.perf_counter() - began
        if cut is None:
            cut, before_cut = time.perf_counter() - start, written
        await trio.sleep(0.01)
    return {"written": written, "connected_s": round(connected, 2), "cut_s": cut and round(cut, 2),
            "disconnected_s": disconnected and round(disconnected, 2), "after_cut": written - before_cut,
            "redials": redials}


class RSS:
    """Samples the resident set of a process: at the start and the peak."""

    def __init__(self, pid: int):
        self.path = Path(f"/proc/{pid}/status")
        self.start = self.peak = self.read()

    def read(self) -> float:
        for line in self.path.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def watch(self) -> None:
        while True:
            try:
                self.peak = max(self.peak, self.read())
            except OSError:
                return
            await trio.sleep(0.1)


async def arrivals(home: Home, seen: dict[str, float], task_status=trio.TASK_STATUS_IGNORED) -> None:
    """R's /v1/events: when each message was stored there, by id."""
    api = home.read_api()
    async with httpx.AsyncClient(base_url=api["url"], timeout=None,
                                 headers={"authorization": f"Bearer {api['token']}"}) as http:
        async with http.stream("GET", "/v1/events") as response:
            task_status.started()
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    seen[json.loads(line[5:])["id"]] = time.perf_counter()


async def drops(home: Home, peer: str, out: dict) -> None:
    """F's drops on R by reason, as R's peers op last showed them (only while F is connected)."""
    client = Client(home)
    while True:
        for row in await trio.to_thread.run_sync(client.call, "peers"):
            if row["peer_id"] == peer:
                out["drops"] = row["rejected"]
        await trio.sleep(0.5)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1) if values else float("nan")


def budget(kind: str, seconds: float) -> int:
    """What F may get stored on R in `seconds` connected, with default settings (specs/07-flood.md section 2)."""
    s = Settings()
    b = {"valid": s.author, "sybil": s.peer_newcomers}.get(kind)
    return int(b.count + b.count / b.window * seconds) if b else 0


async def run(kind: str, args, tmp: Path) -> dict:
    home = Home(tmp / kind / "r")
    cli(home.path, "init", "--no-passphrase", "--name", "r")
    cli(home.path, "follow", TOPIC)
    receiver = NodeProcess(home.path)
    out: dict = {"kind": kind}
    try:
        ready = receiver.wait_ready()
        rss = RSS(receiver.proc.pid)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(rss.watch)
            seen: dict[str, float] = {}
            await nursery.start(arrivals, home, seen)
            h = Node(Store(tmp / kind / "h.db"), tmp / kind / "h.key")
            await nursery.start(h.run)
            await h.follow(TOPIC)
            info = info_from_p2p_addr(multiaddr.Multiaddr(ready["addrs"][0]))
            await h.net.host.connect(info)
            await h.net.pubsub.wait_for_subscription(info.peer_id, topic_name(TOPIC), 30)
            child = None
            if kind != "none":
                child = await trio.lowlevel.open_process(
                    [sys.executable, __file__, "--flooder", kind, "--dial", ready["addrs"][0],
                     "--rate", str(args.rate), "--seconds", str(args.seconds)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                lines = _lines(child.stdout)
                ready_line = await lines.__anext__()
                assert ready_line.startswith("ready ")
                nursery.start_soon(drops, home, ready_line.split()[1], out)
                await child.stdin.send_all(b"go\n")
            sent: dict[str, float] = {}
            honest = Identity.generate()
            created = int(time.time() * 1000)
            for i in range(int(args.seconds * args.honest_rate)):
                msg = sign(honest, "request", TOPIC, {"title": f"h{i}", "text": "x"}, created=created + i)
                sent[msg.id] = time.perf_counter()
                await h.submit(msg.raw)
                await trio.sleep(1 / args.honest_rate)
            with trio.move_on_after(10):
                while not all(m in seen for m in sent):
                    await trio.sleep(0.05)
            latency = [seen[m] - t for m, t in sent.items() if m in seen]
            out["honest"] = f"{len(latency)}/{len(sent)}"
            out["p50_ms"], out["p99_ms"] = pct(latency, 0.5), pct(latency, 0.99)
            if child:
                with trio.fail_after(30):
                    async for line in lines:
                        out.update(json.loads(line))
                        break
                await child.wait()
            out["rss_start_mb"], out["rss_peak_mb"] = round(rss.start), round(rss.peak)
            nursery.cancel_scope.cancel()
    finally:
        if receiver.proc.poll() is not None:
            print(f"R exited with {receiver.proc.returncode}:\n{receiver.log()[-3000:]}", file=sys.stderr)
        receiver.stop()
    db = sqlite3.connect(home.db_file)
    try:
        out["flood_stored"] = db.execute("SELECT count(*) FROM messages WHERE topic=? AND author!=?",
                                         [TOPIC, honest.did]).fetchone()[0]
    finally:
        db.close()
    if kind != "none":
        out["offered_per_s"] = round(out["written"] / out["connected_s"]) if out["connected_s"] else 0
        out["budget"] = budget(kind, max(out["connected_s"], out["cut_s"] or 0))
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
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=1200, help="frames the flooder offers a second")
    parser.add_argument("--honest-rate", type=float, default=5)
    parser.add_argument("--kinds", default="none,valid,sybil,junk,bad-signature,missing-ref")
    parser.add_argument("--flooder", help=argparse.SUPPRESS)  # the child process: its kind of flood
    parser.add_argument("--dial", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    trio.run(flooder if arguments.flooder else main, arguments)
