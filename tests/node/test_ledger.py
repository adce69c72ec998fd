from __future__ import annotations

import random
from collections import defaultdict

import pytest
from antiport.crypto import Identity
from antiport.node.ledger import DAMPING, MAX_ITER, TOLERANCE, Fact, Ledger, rank, roots
from antiport.node.store import Store
from antiport.protocol import sign

pytestmark = pytest.mark.fast

T0 = 1_700_000_000_000
TOPIC = "acme/widget"


class World:
    def __init__(self, tmp_path):
        self.store, self.clock, self.pending = Store(tmp_path / "home.db"), T0, []

    def say(self, who: Identity, kind: str, body: dict, refs=(), topic: str = TOPIC):
        self.clock += 1
        msg = sign(who, kind, topic, body, refs, created=self.clock)
        self.pending.append(msg)
        return msg

    def ask(self, who):
        return self.say(who, "request", {"title": "it breaks", "text": "help"})

    def answer(self, who, request):
        return self.say(who, "answer", {"text": "try this"}, [request.id])

    def trust(self, who, subject: Identity, value="trust"):
        return self.say(who, "trust", {"subject": subject.public_key, "value": value}, topic="")

    def flush(self):
        self.store.add_many(self.pending, self.clock)
        self.pending = []


def test_sybils_rank_below_an_expert_accepted_by_trusted_customers(tmp_path):
    w, viewer, expert = World(tmp_path), Identity.generate(), Identity.generate()
    customers = [Identity.generate() for _ in range(4)]
    for c in customers:
        w.trust(viewer, c)
        w.say(c, "accept", {}, [w.answer(expert, w.ask(c)).id])
    sybils = [Identity.generate() for _ in range(1000)]
    request = w.ask(sybils[0])
    answers = [w.answer(s, request) for s in sybils]
    for i, s in enumerate(sybils):
        for j in (1, 2, 3):
            w.say(s, "vote", {"value": "up"}, [answers[(i + j) % len(sybils)].id])
    w.say(sybils[0], "accept", {}, [answers[1].id])
    w.flush()
    experts = Ledger(w.store).experts(viewer.did, TOPIC)
    assert experts[0]["did"] == expert.did and experts[0]["accepted"] == 4 and experts[0]["score"] > 0
    sybil_dids = {s.did for s in sybils}
    assert all(r["score"] < experts[0]["score"] for r in experts if r["did"] in sybil_dids)
    assert len([r for r in experts if r["did"] in sybil_dids]) == 1000


def test_vote_stuffing_and_self_acceptance_do_not_pay(tmp_path):
    w, viewer, voter = World(tmp_path), Identity.generate(), Identity.generate()
    a, b, selfish = Identity.generate(), Identity.generate(), Identity.generate()
    w.trust(viewer, voter)
    request = w.ask(voter)
    answer_a, answer_b = w.answer(a, request), w.answer(b, request)
    for _ in range(20):  # twenty votes on one message count as one
        w.say(voter, "vote", {"value": "up"}, [answer_a.id])
    w.say(voter, "vote", {"value": "up"}, [answer_b.id])
    own = w.ask(selfish)
    own_answer = w.answer(selfish, own)
    w.say(selfish, "accept", {}, [own_answer.id])
    w.say(selfish, "vote", {"value": "up"}, [own_answer.id])
    w.flush()
    rows = {r["did"]: r for r in Ledger(w.store).experts(viewer.did, TOPIC)}
    assert rows[a.did]["score"] == rows[b.did]["score"] > 0
    assert rows[a.did]["upvotes"] == 1
    assert rows[selfish.did]["score"] == 0 and rows[selfish.did]["accepted"] == 0


def test_downvotes_and_distrust_lower_but_not_below_zero(tmp_path):
    w, viewer, friend, foe = World(tmp_path), Identity.generate(), Identity.generate(), Identity.generate()
    author = Identity.generate()
    w.trust(viewer, friend)
    request = w.ask(friend)
    answer = w.answer(author, request)
    w.say(friend, "vote", {"value": "up"}, [answer.id])
    w.flush()
    ledger = Ledger(w.store)
    before = {r["did"]: r["score"] for r in ledger.experts(viewer.did, TOPIC)}[author.did]
    w.say(viewer, "vote", {"value": "down"}, [answer.id])
    w.say(viewer, "report", {"reason": "spam"}, [answer.id])
    w.trust(viewer, foe, "distrust")
    w.flush()
    after = {r["did"]: r["score"] for r in ledger.experts(viewer.did, TOPIC)}[author.did]
    assert 0 <= after < before


def test_why_lists_the_facts(tmp_path):
    w, viewer, customer, expert = World(tmp_path), Identity.generate(), Identity.generate(), Identity.generate()
    w.trust(viewer, customer)
    answer = w.answer(expert, w.ask(customer))
    accept = w.say(customer, "accept", {}, [answer.id])
    vote = w.say(customer, "vote", {"value": "up"}, [answer.id])
    w.flush()
    why = Ledger(w.store).explain(viewer.did, expert.did, TOPIC)
    by_id = {f["id"]: f for f in why["facts"]}
    assert set(by_id) == {accept.id, vote.id}
    assert by_id[accept.id]["kind"] == "accept" and by_id[accept.id]["from"] == customer.did
    assert by_id[accept.id]["weight"] > by_id[vote.id]["weight"] > 0
    assert why["score"] > 0 and why["rank"] is not None


def reference_rank(viewer: str, fs: list[Fact]) -> dict[str, float]:
    """specs/06 section 3 read literally, in pure Python (the ledger's own code until it moved to arrays)."""
    seeds = roots(viewer, fs)
    cut = {f.subject for f in fs if f.source == viewer and f.kind == "distrust"}
    out_pos: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    total: dict[str, float] = defaultdict(float)
    for f in fs:
        if f.source in cut:
            continue
        total[f.source] += abs(f.weight)
        if f.weight > 0:
            out_pos[f.source][f.subject] += f.weight
    nodes = seeds | {f.source for f in fs} | {f.subject for f in fs}
    edges = {n: (sum(e.values()) / total[n], [(m, w / total[n]) for m, w in e.items()]) for n, e in out_pos.items()}
    restart = {n: 1.0 / len(seeds) for n in seeds}
    score = dict(restart)
    for _ in range(MAX_ITER):
        nxt = dict.fromkeys(nodes, 0.0)
        dangling = 0.0
        for n, s in score.items():
            passed, targets = edges.get(n, (0.0, ()))
            dangling += s * (1 - passed)
            for m, w in targets:
                nxt[m] += DAMPING * s * w
        for n, r in restart.items():
            nxt[n] += (1 - DAMPING + DAMPING * dangling) * r
        delta = sum(abs(v - score.get(n, 0.0)) for n, v in nxt.items())
        score = nxt
        if delta < TOLERANCE:
            break
    score = {n: score.get(n, 0.0) for n in nodes}
    penalty: dict[str, float] = defaultdict(float)
    for f in fs:
        if f.weight < 0 and f.source not in cut:
            penalty[f.subject] += DAMPING * score[f.source] * -f.weight / total[f.source]
    for n, p in penalty.items():
        score[n] = max(0.0, score[n] - p)
    return score


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ranking_agrees_with_the_spec_read_literally_on_a_random_graph(seed):
    rnd = random.Random(seed)
    people = [f"did:key:p{i}" for i in range(300)]
    viewer = "did:key:viewer"
    kinds = [("accept", 1.0), ("upvote", 0.2), ("downvote", -0.2), ("report", -0.5), ("trust", 1.0),
             ("distrust", -1.0)]
    fs = [Fact(f"t{i}", "trust", viewer, people[i], 1.0) for i in range(5)]
    fs += [Fact("d0", "distrust", viewer, people[5], -1.0), Fact("d1", "distrust", viewer, people[0], -1.0)]
    for i in range(3000):
        a, b = rnd.sample(people[:200] if i % 2 else people, 2)  # 100 identities only ever receive
        kind, weight = rnd.choice(kinds[:5] if i % 7 else kinds)
        fs.append(Fact(f"f{i}", kind, a, b, weight))
    ours, theirs = rank(viewer, fs), reference_rank(viewer, fs)
    assert set(ours) == set(theirs)
    assert max(abs(ours[d] - theirs[d]) for d in theirs) < 1e-12
    assert sum(1 for d in theirs if theirs[d] > 0) > 50 and ours[people[5]] == theirs[people[5]]


def test_a_reader_uses_the_kept_scores_until_they_are_refreshed(tmp_path):
    """The node's readers never rank on a read (but the first): they share the file the last ranking wrote."""
    w, viewer, friend, dana, eli = World(tmp_path), *(Identity.generate() for _ in range(4))
    w.trust(viewer, friend)
    request = w.ask(friend)
    w.say(friend, "accept", {}, [w.answer(dana, request).id])
    w.flush()
    reader = Ledger(w.store, background=True)
    before = reader.scores(viewer.did, TOPIC)
    assert before[dana.did] > 0 and eli.did not in before
    w.say(friend, "accept", {}, [w.answer(eli, request).id])
    w.flush()
    assert reader.scores(viewer.did, TOPIC) is before
    assert Ledger(w.store, background=True).scores(viewer.did, TOPIC) == before  # another process: the same file
    assert Ledger(w.store, background=True).refresh() == 1
    after = reader.scores(viewer.did, TOPIC)
    assert after[eli.did] > 0 and after == Ledger(w.store).scores(viewer.did, TOPIC)
    assert {r["did"] for r in reader.experts(viewer.did, TOPIC)} == {dana.did, eli.did}
    assert reader.refresh() == 0


def test_thanks_from_a_thousand_fresh_keys_move_an_expert_less_than_one_thanks_from_a_trusted_key(tmp_path):
    w, viewer, customer, friend = World(tmp_path), Identity.generate(), Identity.generate(), Identity.generate()
    thanked_by_friend, thanked_by_crowd = Identity.generate(), Identity.generate()
    w.trust(viewer, customer)
    w.trust(viewer, friend)
    request = w.ask(customer)
    one, many = w.answer(thanked_by_friend, request), w.answer(thanked_by_crowd, request)
    w.flush()
    ledger = Ledger(w.store)
    before = {r["did"]: r["score"] for r in ledger.experts(viewer.did, TOPIC)}
    thanks = w.say(friend, "thanks", {"note": "spot on"}, [one.id])
    w.say(friend, "thanks", {}, [one.id])  # a second thanks by one key counts nothing more
    for _ in range(1000):
        w.say(Identity.generate(), "thanks", {}, [many.id])
    w.flush()
    after = {r["did"]: r for r in ledger.experts(viewer.did, TOPIC)}
    moved = {who.did: after[who.did]["score"] - before[who.did] for who in (thanked_by_friend, thanked_by_crowd)}
    assert moved[thanked_by_friend.did] > moved[thanked_by_crowd.did] == 0
    why = ledger.explain(viewer.did, thanked_by_friend.did, TOPIC)
    assert [(f["id"], f["kind"], f["from"]) for f in why["facts"]] == [(thanks.id, "thanks", friend.did)]


def test_a_bounty_gives_the_accepted_answer_more_of_the_askers_standing(tmp_path):
    w, viewer, customer = World(tmp_path), Identity.generate(), Identity.generate()
    plain, bountied, shared_a, shared_b, waiting = (Identity.generate() for _ in range(5))
    w.trust(viewer, customer)
    asked = {}
    for expert in (plain, bountied):
        asked[expert] = w.ask(customer)
        w.say(customer, "accept", {}, [w.answer(expert, asked[expert]).id])
    w.flush()
    ledger = Ledger(w.store)
    equal = {r["did"]: r["score"] for r in ledger.experts(viewer.did, TOPIC)}
    assert equal[plain.did] == equal[bountied.did] > 0
    open_request = w.ask(customer)
    w.answer(waiting, open_request)
    w.say(customer, "bounty", {"amount": 5}, [open_request.id])  # nothing accepted there: counts nothing
    w.flush()
    still = {r["did"]: r["score"] for r in ledger.experts(viewer.did, TOPIC)}
    assert still[plain.did] == still[bountied.did] and still[waiting.did] == 0
    w.say(customer, "bounty", {"amount": 1}, [asked[bountied].id])
    offered = w.say(customer, "bounty", {"amount": 3}, [asked[bountied].id])  # the largest counts
    shared = w.ask(customer)
    for expert in (shared_a, shared_b):
        w.say(customer, "accept", {}, [w.answer(expert, shared).id])
    w.say(customer, "bounty", {"amount": 2}, [shared.id])  # split between the two accepted answers
    w.flush()
    rows = {r["did"]: r["score"] for r in ledger.experts(viewer.did, TOPIC)}
    assert rows[bountied.did] > rows[plain.did] and rows[shared_a.did] == rows[shared_b.did]
    assert rows[shared_a.did] + rows[shared_b.did] > rows[plain.did] * 2
    facts = {f["id"]: f for f in ledger.explain(viewer.did, bountied.did, TOPIC)["facts"]}
    assert facts[offered.id]["kind"] == "bounty" and facts[offered.id]["weight"] > 0
