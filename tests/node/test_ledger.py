from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.node.ledger import Ledger
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
