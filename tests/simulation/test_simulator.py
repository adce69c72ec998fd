"""bench/sim, the network simulator of issue 19, on small networks: a run is a function of its seed, gossip
reaches every follower, a partition keeps messages on its side until it heals and sync brings them over,
nodes that were away catch up, a flooder's invalid envelopes go no further than its own peers, and the
shortcut for sessions between agreeing stores counts the bytes a real session sends."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from sim import scenarios  # noqa: E402
from sim.scenarios import Run, Setup  # noqa: E402
from sim.sync import agreeing_cost, exchange  # noqa: E402

pytestmark = pytest.mark.fast

SMALL = Setup(nodes=60, seed=3, rate=0.5, duration=30, drain=30)


def without_wall_clock(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "wall_s"}


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    first = without_wall_clock(scenarios.steady(SMALL))
    assert first == without_wall_clock(scenarios.steady(SMALL))
    other = without_wall_clock(scenarios.steady(Setup(**{**SMALL.__dict__, "seed": 4})))
    assert other != first


def test_gossip_brings_every_message_to_every_follower():
    report = scenarios.steady(SMALL)
    assert report["messages"] > 20
    assert report["missed_deliveries"] == 0
    assert 0 < report["t100_max_s"] < SMALL.drain


def test_a_partition_keeps_messages_on_their_side_until_it_heals_and_sync_brings_them_over():
    run = Run(SMALL)
    sides = {i: i % 2 for i in range(SMALL.nodes)}
    run.world.at(1.0, run.net.split, sides)
    run.load(SMALL.rate, SMALL.duration)
    run.world.run(SMALL.duration + 10)
    net = run.net
    crossed = [(mid, i) for mid, times in net.arrivals.items() for i in times
               if sides[i] != sides[net.watched[mid].published_by]]
    assert crossed == [] and net.watched
    net.heal()
    run.world.run(run.world.now + 120)
    assert scenarios.all_held(run)
    assert run.spread()["missed_deliveries"] == 0


def test_the_partition_scenario_reports_what_sync_sent_for_what_was_missing():
    report = scenarios.partition(SMALL, split_s=20)
    assert report["missing_at_heal"] > 0
    assert report["heal_to_100_s"] is not None
    assert report["sync_bytes_per_missing"] > 0


def test_nodes_that_were_away_catch_up_by_sync():
    report = scenarios.churn(Setup(**{**SMALL.__dict__, "duration": 60}), per_hour=20, away_s=10)
    assert report["nodes_that_left"] > 0
    assert report["missed_deliveries"] == 0


def test_a_flooders_invalid_envelopes_stop_at_its_peers_and_the_honest_ones_still_arrive():
    report = scenarios.flooder(SMALL, rate=50)
    assert report["missed_deliveries"] == 0
    assert 0 < report["invalid_received"] < report["invalid_sent"]  # its peers ignore it once it is graylisted


def test_the_cost_of_a_session_between_agreeing_stores_is_what_a_real_session_sends():
    run = Run(SMALL)
    run.load(SMALL.rate, SMALL.duration)
    run.world.run(SMALL.duration + SMALL.drain)
    net = run.net
    pairs = [(a, b) for a in net.nodes for b in (net.nodes[p] for p in sorted(a.peers))
             if all(a.digest[t] == b.digest[t] for t in a.topics & b.topics)]
    assert len(pairs) > 50
    for a, b in pairs[::7]:
        assert agreeing_cost(net, a, b) == exchange(net, a, b)


def test_a_sybil_swarms_votes_reach_everyone_and_rank_its_expert_for_nobody():
    report = scenarios.sybil_swarm(Setup(**{**SMALL.__dict__, "duration": 60}), sybils=200)
    assert report["missed_deliveries"] == 0  # the 200 votes reached every follower: seen, and not counted
    assert report["viewers"] >= 3
    assert report["viewers_ranking_the_swarms_expert"] == 0


def test_agreement_is_one_for_the_same_ranking_and_falls_as_rankings_part():
    run = Run(SMALL)
    a, b = run.keys[0].did, run.keys[1].did
    x = {"e1": 0.5, "e2": 0.4, "e3": 0.3, a: 0.9}
    reversed_x = {"e1": 0.3, "e2": 0.4, "e3": 0.5, b: 0.9}
    elsewhere = {f"f{k}": 0.1 * k for k in range(1, 6)}
    assert scenarios.agreement(run, {0: x, 1: x}, [(0, 1)]) == (1.0, 1.0)
    assert scenarios.agreement(run, {0: x, 1: reversed_x}, [(0, 1)]) == (1.0, -1.0)  # same experts, other order
    assert scenarios.agreement(run, {0: x, 1: elsewhere}, [(0, 1)]) == (0.0, None)   # none in common


def test_rankings_are_compared_over_a_history_and_across_a_partition():
    report = scenarios.ranking(Setup(**{**SMALL.__dict__, "duration": 40}), viewers=20)
    assert 0 < report["viewers_40s"] <= report["viewers_160s"] <= 20
    assert report["viewers_apart"] > 1 and report["share_of_topic_held_apart"] < 1  # the cut hid part of the topic
    assert report["heal_to_100_s"] is not None and report["missed_deliveries"] == 0
    assert report["top5_jaccard_own_apart_vs_healed"] is not None
