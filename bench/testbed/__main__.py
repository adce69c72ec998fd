"""Issue 19's testbed: N real `antiport run` processes in network namespaces against the simulator, same scenario.

    sudo .venv/bin/python bench/testbed                  # 20 nodes, steady load for 60 s, seed 1
    sudo .venv/bin/python bench/testbed --nodes 20 --duration 60 --loss 0.01 --seed 2

The simulator (bench/sim) runs the steady scenario first; its topology (who dials whom), link latencies, follows
and every message it wrote (when, by whom, what it answers) become the testbed's plan; each message is then
written at its time on its author's real node over the API, and each follower's store says when it arrived.
Prints time until 99 % and 100 % of a topic's followers hold a message, both ways, and the ratio
(docs/scale.md, "The testbed"). Everything started is stopped and every namespace deleted, on Ctrl-C too."""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.scenarios import Run, Setup  # noqa: E402
from sim.world import Links  # noqa: E402
from testbed.bed import Plan, Post, Testbed, followers  # noqa: E402


def simulate(setup: Setup) -> Run:
    """The simulator's steady scenario, keeping the run (its topology, latencies, messages and arrivals)."""
    run = Run(setup)
    run.load(setup.rate, setup.duration)
    run.world.run(setup.duration + setup.drain)
    return run


def plan_of(run: Run, loss: float, scale: float = 1.0) -> Plan:
    """The simulated network as a testbed plan: the same follows, links (the later node dials), latencies (times
    `scale`), posts."""
    nodes = run.net.nodes
    links = {(max(a, b), min(a, b)): 0.0 for a, node in enumerate(nodes) for b in node.dialled}
    posts = []
    for mid, msg in run.net.watched.items():
        kind, _, ref = run.said[mid]
        posts.append(Post(mid.hex(), msg.published, msg.published_by, kind, msg.topic, ref.hex() if ref else None))
    return Plan([set(n.topics) for n in nodes], {k: scale * run.world.latency(*k) for k in links}, posts, loss,
                run.setup.seed)


def coverage(times: dict[str, dict[int, float]], wanted: dict[str, int]) -> dict:
    """Per message, seconds until 99 % and 100 % of its `wanted` followers hold it (inf: never), as the simulator
    reports it; only messages with a follower besides the author."""
    t99, t100, missing = [], [], 0
    for key, count in wanted.items():
        got = sorted(times.get(key, {}).values())
        missing += count - len(got)
        got += [math.inf] * (count - len(got))
        t99.append(got[math.ceil(count * 0.99) - 1])
        t100.append(got[-1])
    if not t100:
        raise SystemExit("no message of this run has a follower besides its author: more nodes, or a longer load")
    return {"messages": len(t100), "t99_median_s": statistics.median(t99), "t99_max_s": max(t99),
            "t100_median_s": statistics.median(t100), "t100_max_s": max(t100), "missing": missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1.0, help="requests per second, network-wide")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--loss", type=float, default=0.0, help="share of packets lost on every link")
    parser.add_argument("--latency-scale", type=float, default=1.0,
                        help="the testbed's link latencies times this (0: what the real nodes alone add)")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds after the last post for the rest to arrive")
    parser.add_argument("--json", action="store_true", help="the figures as one JSON object")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("ip"):
        sys.exit("bench/testbed needs root and iproute2's ip (it makes network namespaces)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # torn down as on Ctrl-C

    run = simulate(Setup(nodes=args.nodes, seed=args.seed, rate=args.rate, duration=args.duration,
                         links=Links(loss=args.loss)))
    plan = plan_of(run, args.loss, args.latency_scale)
    say = (lambda _: None) if args.json else (lambda line: print(line, flush=True))
    say(f"{args.nodes} nodes, {len(plan.links)} links, {len(plan.posts)} posts over "
        f"{max(p.at for p in plan.posts):.0f} s; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="antiport-testbed-") as root:
        began = time.monotonic()
        with Testbed(plan, Path(root), say=say) as bed:
            say(f"up in {time.monotonic() - began:.0f} s; load average {os.getloadavg()[0]:.1f}; playing")
            ids = bed.play()
            times = bed.spread(ids, args.drain)
            load = os.getloadavg()[0]
    wanted = {k: len(followers(plan, p.topic)) for p in plan.posts if (k := p.key) in ids
              and len(followers(plan, p.topic)) > 1}
    sim_times = {k: run.net.arrivals[bytes.fromhex(k)] for k in wanted}
    sim, real = coverage(sim_times, wanted), coverage(times, wanted)
    added = statistics.median(max(real_t.values()) - max(sim_times[k].values()) for k, real_t in times.items()
                              if k in wanted and len(real_t) == wanted[k])
    author = {p.key: p.author for p in plan.posts}
    pairs = [(sim_times[k][i], t) for k, real_t in times.items() if k in wanted for i, t in real_t.items()
             if i != author[k]]  # each delivery to a follower, as the simulator timed it and as the testbed did
    fit = statistics.linear_regression([a for a, _ in pairs], [b for _, b in pairs])
    report = {"nodes": args.nodes, "seed": args.seed, "loss": args.loss, "latency_scale": args.latency_scale,
              "posts": len(plan.posts),
              "written": len(ids), "skipped": plan.skipped, "load_average": round(load, 1),
              "simulator": sim, "testbed": real, "added_median_s": added,
              "per_delivery_fit": {"slope": fit.slope, "intercept_s": fit.intercept, "deliveries": len(pairs)}}
    if args.json:
        print(json.dumps(report))
        return
    print(f"written {len(ids)} of {len(plan.posts)} ({len(plan.skipped)} refused by their node); "
          f"load average at the end {load:.1f}")
    print(f"{'':10} {'messages':>8} {'t99 median':>10} {'t99 worst':>10} {'t100 median':>11} {'t100 worst':>10} "
          f"{'missing':>7}")
    for name, row in (("simulator", sim), ("testbed", real)):
        print(f"{name:10} {row['messages']:8} {row['t99_median_s']:10.3f} {row['t99_max_s']:10.3f} "
              f"{row['t100_median_s']:11.3f} {row['t100_max_s']:10.3f} {row['missing']:7}")
    ratio = {k: real[k] / sim[k] for k in ("t99_median_s", "t99_max_s", "t100_median_s", "t100_max_s")}
    print(f"{'ratio':10} {'':8} {ratio['t99_median_s']:10.2f} {ratio['t99_max_s']:10.2f} "
          f"{ratio['t100_median_s']:11.2f} {ratio['t100_max_s']:10.2f}")
    print(f"per message, the testbed's time to 100 % less the simulator's: median {added:.3f} s")
    print(f"per delivery, testbed = {fit.intercept:.3f} s + {fit.slope:.2f} x simulator ({len(pairs)} deliveries)")
    for key, why in sorted(plan.skipped.items()):
        print(f"  refused {key}: {why}")


if __name__ == "__main__":
    main()
