"""The scenarios of issue 19 on the simulated network, and what each reports.

Every message is a real envelope, signed by protocol.envelope with keys made from the seed (so a run is the
same bytes each time); a hostile one is a real envelope with its signature broken, and whether a message is
valid is decided once, by protocol.envelope.parse. Topics are followed with Zipf popularity: a few products
have many followers, most have few. The load is a support mix: a request, answers from other followers of
the topic a few tens of seconds later, votes on the answers, sometimes an accept."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from antiport.crypto.keys import Identity
from antiport.node.ledger import ACCEPT, UPVOTE, Fact, rank
from antiport.protocol.envelope import message_id, parse, sign
from antiport.protocol.errors import Rejected
from scipy.stats import kendalltau

from .gossip import Msg
from .node import Network
from .world import Links, World

TOPICS = 50


@dataclass
class Setup:
    nodes: int = 1000
    seed: int = 1
    rate: float = 1.0            # requests per second, network-wide (each brings about five more messages)
    duration: float = 120.0      # seconds of load
    drain: float = 60.0          # seconds after the load, for the last messages to spread
    links: Links = field(default_factory=Links)


class Run:
    """One simulated network with its load generator."""

    def __init__(self, setup: Setup, follows: list[set[str]] | None = None):
        self.setup = setup
        self.world = World(setup.seed, setup.links)
        rng = self.world.rng
        self.topics = [f"vendor-{i}/product-{i}" for i in range(TOPICS)]
        weights = [1 / (i + 1) for i in range(TOPICS)]
        if follows is None:
            follows = [set(rng.choices(self.topics, weights, k=rng.randint(1, 3))) for _ in range(setup.nodes)]
        self.net = Network(self.world, follows)
        self.weights = [len(self.net.followers[t]) for t in self.topics]
        self.keys = [Identity(rng.randbytes(32)) for _ in range(setup.nodes)]
        self.said: dict[bytes, tuple[str, str, bytes | None]] = {}  # id -> kind, author's did, target
        self.net.start()
        self.started = time.perf_counter()

    # -- messages ----------------------------------------------------------------------------------------

    def message(self, key: Identity, kind: str, topic: str, body: dict, refs: tuple[bytes, ...] = (),
                valid: bool = True) -> Msg:
        """A real envelope signed by `key` (broken when not `valid`); what the ledger needs of it is kept."""
        created = self.world.ms()
        signed = sign(key, kind, topic, body, [r.hex() for r in refs], created=created)  # verified as it is made
        raw, mid = signed.raw, signed.id
        if not valid:  # the last byte is the signature's: flipped, the envelope fails verification
            raw = raw[:-1] + bytes([raw[-1] ^ 1])
            try:
                mid = parse(raw).id
            except Rejected:
                mid, valid = message_id(raw), False
        msg = Msg(bytes.fromhex(mid), topic, raw, created, refs, valid)
        self.net.messages[msg.id] = msg
        self.said[msg.id] = (kind, key.did, refs[0] if refs else None)
        return msg

    def post(self, author: int, kind: str, topic: str, body: dict, refs: tuple[bytes, ...] = ()) -> Msg | None:
        """`author` writes a message on its node (if the node is online and holds what it refers to)."""
        node = self.net.nodes[author]
        if not node.online or any(not node.holds(r, topic) for r in refs):
            return None
        msg = self.message(self.keys[author], kind, topic, body, refs)
        self.net.watch(msg, author)
        node.publish(msg)
        return msg

    # -- the support mix ---------------------------------------------------------------------------------

    def load(self, rate: float, until: float, topic: str | None = None) -> None:
        """Requests at `rate` per second (Poisson) until `until`, each with its answers, votes and accept."""
        rng = self.world.rng

        def next_request() -> None:
            if self.world.now >= until:
                return
            chosen = topic or rng.choices(self.topics, self.weights)[0]
            followers = self.net.followers[chosen]
            asker = rng.choice(followers)
            request = self.post(asker, "request", chosen, {"title": f"Help {rng.randrange(10**6)}",
                                                          "text": "It stopped working after the update."})
            if request is not None and len(followers) > 1:
                for _ in range(rng.choice((1, 2, 2, 3))):
                    self.world.after(rng.expovariate(1 / 20), answer, chosen, request, asker)
            self.world.after(rng.expovariate(rate), next_request)

        def answer(chosen: str, request: Msg, asker: int) -> None:
            expert = rng.choice([f for f in self.net.followers[chosen] if f != asker])
            reply = self.post(expert, "answer", chosen, {"text": "Hold the reset button for ten seconds."},
                              (request.id,))
            if reply is None:
                return
            self.world.after(rng.expovariate(1 / 15), vote, chosen, reply, expert)
            if rng.random() < 0.4:
                self.world.after(rng.expovariate(1 / 30), self.post, asker, "accept", chosen, {}, (reply.id,))

        def vote(chosen: str, reply: Msg, expert: int) -> None:
            voter = rng.choice(self.net.followers[chosen])
            if voter != expert:
                self.post(voter, "vote", chosen, {"value": "up"}, (reply.id,))

        self.world.after(rng.expovariate(rate), next_request)

    # -- what a run reports ------------------------------------------------------------------------------

    def spread(self, outcast: int | None = None) -> dict:
        """Per watched message, the time until 99 % and 100 % of its topic's followers online at the end hold
        it; medians and the worst over the messages. An `outcast` node (a flooder) is left out of both."""
        net = self.net
        t99, t100, missed = [], [], 0
        for mid, msg in net.watched.items():
            if msg.published_by == outcast:
                continue
            expected = [i for i in net.followers[msg.topic] if net.nodes[i].online and i != outcast]
            times = sorted(net.arrivals[mid].get(i, float("inf")) for i in expected)
            if not times:
                continue
            t99.append(times[max(0, int(len(times) * 0.99 + 0.999999) - 1)])
            t100.append(times[-1])
            missed += sum(t == float("inf") for t in times)
        gossip = sum(n.sent["gossip"] for n in net.nodes)
        deliveries = sum(len(a) for a in net.arrivals.values())
        return {
            "messages": len(t100),
            "t99_median_s": statistics.median(t99) if t99 else None,
            "t99_max_s": max(t99) if t99 else None,
            "t100_median_s": statistics.median(t100) if t100 else None,
            "t100_max_s": max(t100) if t100 else None,
            "missed_deliveries": missed,
            "gossip_bytes_per_delivery": round(gossip / deliveries) if deliveries else None,
            "duplicates_per_delivery": round(sum(n.router.duplicates for n in net.nodes) / deliveries, 2)
            if deliveries else None,
            "sync_sessions": net.sync_sessions,
            "sync_bytes": net.sync_bytes,
            "events": self.world.events,
            "wall_s": round(time.perf_counter() - self.started, 1),
        }


def steady(setup: Setup) -> dict:
    run = Run(setup)
    run.load(setup.rate, setup.duration)
    run.world.run(setup.duration + setup.drain)
    return run.spread()


def flash_crowd(setup: Setup) -> dict:
    """The steady mix, and for a third of the load time one product gets ten times the network's rate."""
    run = Run(setup)
    run.load(setup.rate, setup.duration)
    start, end = setup.duration / 3, 2 * setup.duration / 3
    hot = run.topics[0]
    run.world.at(start, run.load, 10 * setup.rate, end, hot)
    run.world.run(setup.duration + setup.drain)
    report = run.spread()
    report["hot_topic_followers"] = len(run.net.followers[hot])
    return report


def churn(setup: Setup, per_hour: float = 0.3, away_s: float = 300.0) -> dict:
    """Nodes leave at `per_hour` of the network per hour and come back after about `away_s`; what they missed
    reaches them by sync when they reconnect. Counted: followers online at the end."""
    run = Run(setup)
    rng = run.world.rng
    leaves = rng.sample(range(setup.nodes), min(setup.nodes, round(setup.nodes * per_hour * setup.duration / 3600)))
    for i in leaves:  # back within the run, so that what it missed while away is counted
        gone = rng.uniform(0, setup.duration)
        run.world.at(gone, run.net.leave, i)
        run.world.at(min(setup.duration, gone + rng.expovariate(1 / away_s)), run.net.rejoin, i)
    run.load(setup.rate, setup.duration)
    run.world.run(setup.duration + setup.drain)
    report = run.spread()
    report["nodes_that_left"] = len(leaves)
    return report


def partition(setup: Setup, split_s: float | None = None) -> dict:
    """Half the network is cut off from the other half for `split_s` under the steady load, then the
    partition heals: how long until every follower holds every message, and what sync sent for it."""
    run = Run(setup)
    rng = run.world.rng
    split_s = split_s or setup.duration
    sides = {i: rng.randrange(2) for i in range(setup.nodes)}
    run.world.at(1.0, run.net.split, sides)
    run.load(setup.rate, 1.0 + split_s)
    run.world.run(1.0 + split_s + 30)  # the last messages spread within each side
    net = run.net
    before_bytes, before_sessions = net.sync_bytes, net.sync_sessions
    missing = sum(1 for mid, msg in net.watched.items() for i in net.followers[msg.topic]
                  if i not in net.arrivals[mid])
    healed = run.world.now
    net.heal()
    while run.world.now < healed + 600 and not all_held(run):
        run.world.run(run.world.now + 1.0)
    report = run.spread()
    report.update({
        "split_s": split_s,
        "missing_at_heal": missing,
        "heal_to_100_s": round(run.world.now - healed, 1) if all_held(run) else None,
        "sync_bytes_after_heal": net.sync_bytes - before_bytes,
        "sync_bytes_per_missing": round((net.sync_bytes - before_bytes) / missing) if missing else None,
        "sessions_after_heal": net.sync_sessions - before_sessions,
    })
    return report


def flooder(setup: Setup, rate: float = 100.0) -> dict:
    """One node publishes invalid envelopes into the most followed topic at `rate` per second while the steady
    mix runs: its peers score it down and ignore it; the honest messages should spread as in `steady`."""
    run = Run(setup)
    hot = run.topics[0]
    bad = run.net.followers[hot][0]
    node = run.net.nodes[bad]

    def flood() -> None:
        if run.world.now < setup.duration:
            node.router.publish(run.message(run.keys[bad], "request", hot, {"title": "Free money", "text": "!"},
                                            valid=False))
            run.world.after(1 / rate, flood)

    run.world.at(1.0, flood)
    run.load(setup.rate, setup.duration)
    run.world.run(setup.duration + setup.drain)
    report = run.spread(outcast=bad)  # its peers stop sending to it too: it misses what it does not deserve
    report["invalid_received"] = run.net.counts["invalid"]
    report["invalid_sent"] = int(setup.duration * rate)
    return report


def sybil_swarm(setup: Setup, sybils: int = 1000, viewers: int = 50) -> dict:
    """While the steady mix runs, a fresh key answers a request in the most followed topic and `sybils` fresh keys
    each vote the answer up, all published by one node. Then `viewers` followers of the topic that took part
    (accepted or voted) rank its experts from what their own stores hold, with the node's ledger
    (node/ledger.rank, personalised from the viewer): where the swarm's expert ranks, and how much the viewers'
    top fives agree. Not modelled: the node's flood guard, which would drop most of the swarm at the door."""
    run = Run(setup)
    rng, hot = run.world.rng, run.topics[0]
    crook = run.net.followers[hot][0]
    node, expert = run.net.nodes[crook], Identity(rng.randbytes(32))

    def swarm() -> None:
        requests = [m for m in node.store[hot].values() if run.said[m.id][0] == "request"]
        answer = publish(expert, "answer", {"text": "Buy the premium cable."}, requests[-1].id)
        for i in range(sybils):
            run.world.after(i / 100, publish, Identity(rng.randbytes(32)), "vote", {"value": "up"}, answer.id)

    def publish(key: Identity, kind: str, body: dict, target: bytes) -> Msg:
        msg = run.message(key, kind, hot, body, (target,))
        run.net.watch(msg, crook)
        node.publish(msg)
        return msg

    run.load(setup.rate, setup.duration)
    run.world.at(setup.duration / 2, swarm)
    run.world.run(setup.duration + setup.drain)
    swarmed = expert.did
    seen = views(run, hot, viewers, besides={crook})
    places = [order.index(swarmed) + 1 for order in (top(s, len(s)) for s in seen.values()) if swarmed in order]
    report = run.spread()
    report.update({
        "sybil_votes_sent": sybils,
        "viewers": len(seen),
        "viewers_ranking_the_swarms_expert": len(places),
        "its_best_place": min(places) if places else None,
        "its_median_place": statistics.median(places) if places else None,
        "top5_agreement": agreement(run, seen, pairs(seen))[0],
    })
    return report


def ranking(setup: Setup, viewers: int = 50) -> dict:
    """How much the followers of the most followed topic agree on its experts, each ranking them from its own store
    with the node's ledger (node/ledger.rank, personalised from the viewer's own facts): at four checkpoints over a
    history of 4 x duration of the steady mix, then at the end of a partition of half the network for `duration`
    (pairs of viewers on one side, pairs across the cut), and once the heal has converged (the same viewers, and
    each viewer against its own ranking from before the heal). Agreement of two rankings: the Jaccard index of their
    top fives and Kendall's tau-b over the experts both rank (`agreement`)."""
    run = Run(setup)
    net, hot, step = run.net, run.topics[0], setup.duration
    report: dict = {}
    run.load(setup.rate, 5 * step)
    for k in range(1, 5):
        run.world.run(k * step)
        seen = views(run, hot, viewers)
        jaccard, tau = agreement(run, seen, pairs(seen))
        report.update({f"viewers_{k * step:g}s": len(seen), f"top5_jaccard_{k * step:g}s": jaccard,
                       f"kendall_{k * step:g}s": tau})
    sides = {i: run.world.rng.randrange(2) for i in range(setup.nodes)}
    net.split(sides)
    run.world.run(5 * step + 30)  # the load stops; its last messages spread within each side
    apart = views(run, hot, viewers)
    held = {i: len(net.nodes[i].store[hot]) for i in apart}
    healed = run.world.now
    net.heal()
    while run.world.now < healed + 600 and not all_held(run):
        run.world.run(run.world.now + 1.0)
    together = {i: ranked(run, i, hot) or {} for i in apart}
    both = pairs(apart)
    same = [(a, b) for a, b in both if sides[a] == sides[b]]
    across = [(a, b) for a, b in both if sides[a] != sides[b]]
    for name, chosen, scores in (("apart_same_side", same, apart), ("apart_across", across, apart),
                                 ("healed", both, together)):
        jaccard, tau = agreement(run, scores, chosen)
        report.update({f"top5_jaccard_{name}": jaccard, f"kendall_{name}": tau})
    own = [(i, i) for i in apart]
    jaccard, tau = agreement(run, apart, own, together)
    report.update({
        "viewers_apart": len(apart),
        "share_of_topic_held_apart": round(statistics.mean(held[i] / len(net.nodes[i].store[hot]) for i in apart), 2)
        if apart else None,
        "top5_jaccard_own_apart_vs_healed": jaccard, "kendall_own_apart_vs_healed": tau,
        "heal_to_100_s": round(run.world.now - healed, 1) if all_held(run) else None,
    })
    return {**run.spread(), **report}


def ranked(run: Run, i: int, topic: str) -> dict[str, float] | None:
    """The experts of `topic` as node i's owner ranks them from what i's store holds (node/ledger.rank): each other
    identity with a positive score; None when the owner has no fact of its own there (its ranking is itself alone)."""
    facts = ledger_facts(run, run.net.nodes[i].store[topic].values())
    me = run.keys[i].did
    if not any(f.source == me for f in facts):
        return None
    return {d: s for d, s in rank(me, facts).items() if s > 0 and d != me}


def views(run: Run, topic: str, most: int, besides: set[int] = frozenset()) -> dict[int, dict[str, float]]:
    """The rankings of the first `most` followers of `topic` (by index, `besides` left out) that have a fact of
    their own there."""
    out = {}
    for i in run.net.followers[topic]:
        scores = None if i in besides else ranked(run, i, topic)
        if scores is not None:
            out[i] = scores
            if len(out) == most:
                break
    return out


def pairs(seen: dict) -> list[tuple[int, int]]:
    nodes = sorted(seen)
    return [(a, b) for n, a in enumerate(nodes) for b in nodes[n + 1:]]


def top(scores: dict[str, float], k: int) -> list[str]:
    return [d for d, _ in sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]]


def agreement(run: Run, first: dict, chosen: list[tuple[int, int]], second: dict | None = None
              ) -> tuple[float | None, float | None]:
    """Over the pairs `chosen` (a's ranking in `first`, b's in `second`, or in `first` too): the mean Jaccard index
    of their top fives (do they name the same experts first?), and the mean Kendall tau-b of their scores over the
    experts both rank (do they order the ones both know alike?); both viewers' own identities are left out, as
    neither ranks itself."""
    second = first if second is None else second
    jaccards, taus = [], []
    for a, b in chosen:
        mine = {run.keys[a].did, run.keys[b].did}
        x = {d: s for d, s in first[a].items() if d not in mine}
        y = {d: s for d, s in second[b].items() if d not in mine}
        tx, ty = set(top(x, 5)), set(top(y, 5))
        if tx | ty:
            jaccards.append(len(tx & ty) / len(tx | ty))
        common = sorted(x.keys() & y.keys())
        xs, ys = [x[d] for d in common], [y[d] for d in common]
        if len(set(xs)) > 1 and len(set(ys)) > 1:
            taus.append(kendalltau(xs, ys).statistic)
    return (round(statistics.mean(jaccards), 2) if jaccards else None,
            round(statistics.mean(taus), 2) if taus else None)


def ledger_facts(run: Run, msgs) -> list[Fact]:
    """The facts of node/ledger.facts in the messages a node holds: accepts and votes, about their target's
    author; none about oneself, one vote per voter and target."""
    out, votes = [], {}
    for msg in msgs:
        kind, source, target = run.said[msg.id]
        if kind not in ("accept", "vote") or target not in run.said:
            continue
        subject = run.said[target][1]
        if subject == source:
            continue
        if kind == "accept":
            out.append(Fact(msg.id.hex(), "accept", source, subject, ACCEPT))
        else:
            votes[(source, target)] = Fact(msg.id.hex(), "upvote", source, subject, UPVOTE)
    return out + list(votes.values())


def all_held(run: Run) -> bool:
    net = run.net
    return all(i in net.arrivals[mid] for mid, msg in net.watched.items()
               for i in net.followers[msg.topic] if net.nodes[i].online)


SCENARIOS = {"steady": steady, "flash-crowd": flash_crowd, "churn": churn, "partition": partition,
             "flooder": flooder, "sybil-swarm": sybil_swarm, "ranking": ranking}
