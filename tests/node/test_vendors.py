from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.node.store import Store
from antiport.node.vendors import vendor, vendors
from antiport.protocol import sign

pytestmark = pytest.mark.fast

T0 = 1_700_000_000_000
S = 1000  # ms


def test_vendor_metrics_equal_a_scripted_timeline(tmp_path):
    store = Store(tmp_path / "home.db")
    acme, helper, silent, alice, bob = (Identity.generate() for _ in range(5))
    msgs = []

    def say(who, kind, topic, body, refs=(), at=0):
        msg = sign(who, kind, topic, body, refs, created=T0 + at)
        msgs.append(msg)
        return msg

    say(acme, "vendor", "", {"org": "Acme Inc", "topics": ["acme/widget", "acme/gadget"], "keys": [helper.public_key],
                             "promise_hours": 24})
    say(silent, "vendor", "", {"org": "Silent Ltd", "topics": ["silent/box"]})
    r1 = say(alice, "request", "acme/widget", {"title": "r1", "text": ""}, at=10 * S)
    r2 = say(bob, "complaint", "acme/widget", {"title": "r2", "text": ""}, at=20 * S)
    r3 = say(alice, "request", "acme/gadget", {"title": "r3", "text": ""}, at=30 * S)
    r4 = say(bob, "request", "acme/gadget", {"title": "r4", "text": ""}, at=40 * S)
    say(bob, "answer", "acme/widget", {"text": "not the vendor"}, [r1.id], at=11 * S)
    say(helper, "status", "acme/widget", {"state": "acknowledged"}, [r1.id], at=70 * S)    # 60 s
    say(acme, "answer", "acme/widget", {"text": "later"}, [r1.id], at=500 * S)
    say(acme, "answer", "acme/widget", {"text": "fix"}, [r2.id], at=140 * S)               # 120 s
    say(helper, "answer", "acme/gadget", {"text": "fix"}, [r3.id], at=330 * S)             # 300 s
    say(alice, "resolve", "acme/widget", {}, [r1.id], at=600 * S)
    say(bob, "resolve", "acme/widget", {}, [r1.id], at=601 * S)  # not the asker: does not count
    s1 = say(alice, "request", "silent/box", {"title": "s1", "text": ""}, at=50 * S)
    say(bob, "request", "nobody/thing", {"title": "n1", "text": ""}, at=60 * S)
    store.add_many(msgs, T0)
    now = T0 + 1000 * S

    rows = {r["name"]: r for r in vendors(store, now)}
    assert list(rows) == ["Acme Inc", "Silent Ltd", "nobody"]
    acme_row = rows["Acme Inc"]
    assert acme_row["did"] == acme.did and acme_row["claimed"] and acme_row["promise"] == 24
    assert sorted(acme_row["topics"]) == ["acme/gadget", "acme/widget"]
    assert acme_row["seen"] == 4 and acme_row["acknowledged_share"] == 0.75
    assert acme_row["median_response_s"] == 120 and acme_row["p90_response_s"] == 300
    assert acme_row["resolved_share"] == 0.25
    assert acme_row["oldest_unanswered"] == {"id": r4.id, "title": "r4", "created": r4.created, "age_s": 960}
    silent_row = rows["Silent Ltd"]
    assert silent_row["seen"] == 1 and silent_row["acknowledged_share"] == 0
    assert silent_row["oldest_unanswered"]["id"] == s1.id and silent_row["median_response_s"] is None
    assert rows["nobody"]["claimed"] is False and rows["nobody"]["did"] is None and rows["nobody"]["seen"] == 1

    one = vendor(store, "acme inc", now)
    assert one["response_times"] == [{"under_s": 3600, "responses": 3}, {"under_s": 86400, "responses": 0},  # 60,
                                     {"under_s": 604800, "responses": 0}, {"under_s": None, "responses": 0}]  # 120, 300
    per = {p["topic"]: p for p in one["per_topic"]}
    assert per["acme/widget"]["acknowledged_share"] == 1 and per["acme/widget"]["median_response_s"] == 90
    assert per["acme/gadget"]["acknowledged_share"] == 0.5 and per["acme/gadget"]["oldest_unanswered"]["id"] == r4.id
    assert vendor(store, "nope", now) is None
