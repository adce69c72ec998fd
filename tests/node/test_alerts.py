"""Alerts (node/alerts.py): what a new message tells this node's person, and the config's hook that passes
it on, run by a real node."""
from __future__ import annotations

import json
import sys

import pytest
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity
from antiport.node.alerts import Settings, alert
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx
from antiport.node.store import Store
from cast import call
from helpers import wait_for

W = "acme/widget"


@pytest.mark.fast
def test_what_alerts_whom(tmp_path):
    store = Store(tmp_path / "s.db")
    ingest = Ingest(store)
    me, asker, other = (Ctx(store, ingest, Identity(bytes([i]) * 32)) for i in (1, 2, 3))
    call(me, "follow", topic=W)

    def kinds(ctx: Ctx, op: str, **params) -> dict | None:
        made = call(ctx, op, **params)
        found = alert(store, me.identity.did, store.get(made["id"]))
        return found and found["kind"]

    asked = call(asker, "ask", topic=W, title="Hums", text="x")["id"]
    assert alert(store, me.identity.did, store.get(asked))["text"] == "new request in acme/widget: Hums"
    elsewhere = call(asker, "ask", topic="globex/router", title="t", text="x")["id"]
    call(me, "unfollow", topic="globex/router")  # one store for everyone here: the ask followed it
    assert alert(store, me.identity.did, store.get(elsewhere)) is None  # not followed
    mine = call(me, "answer", id=asked, text="oil it")["id"]
    assert alert(store, me.identity.did, store.get(mine)) is None  # my own
    assert kinds(other, "answer", id=asked, text="or not") == "answer-in-your-thread"
    assert kinds(asker, "accept", id=mine) == "accepted"
    my_question = call(me, "ask", topic="globex/router", title="Mine", text="x")["id"]
    assert kinds(other, "answer", id=my_question, text="here") == "answer-to-you"
    assert kinds(other, "vote", id=mine, value="up") is None


@pytest.mark.fast
@pytest.mark.parametrize("value, error", [([], "must be an object"), ({"command": "notify-me"}, "list of strings"),
                                          ({"desktop": "yes"}, "true or false"), ({"sound": 1}, "no setting 'sound'")])
def test_a_bad_alerts_setting_names_what_is_wrong(value, error):
    with pytest.raises(ValueError, match=error):
        Settings.from_config(value)


@pytest.mark.slow
def test_the_nodes_hook_gets_each_alert_as_json(tmp_path):
    out = tmp_path / "alerts.jsonl"
    home = Home(tmp_path / "me")
    home.init("me")
    hook = [sys.executable, "-c", f"import sys; open({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')"]
    home.write_config({**home.config(), "alerts": {"command": hook}})
    asker = Client(Home(tmp_path / "asker"))
    asker.home.init("asker")
    with NodeProcess(home.path) as proc:
        proc.wait_ready()
        client = proc.client()
        client.call("follow", topic=W)
        asked = asker.call("ask", topic=W, title="Hums", text="since Monday")["id"]
        client.import_(b"".join(asker.export()))
        wait_for(lambda: out.exists() and out.read_text().strip(), "the hook ran")
        [found] = [json.loads(line) for line in out.read_text().splitlines()]
        assert found == {"kind": "new-request", "thread": asked, "topic": W, "message": asked,
                         "text": "new request in acme/widget: Hums"}
        client.close()
    asker.close()
