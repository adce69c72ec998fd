"""Key logs between real nodes (specs/10): a rotation keeps the expert's standing and the asker's right to
accept on her old threads; a rotation forged with the stolen current key is refused by every node; a revoked
device's new messages are refused everywhere while its earlier ones stay the identity's."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity, load_identity
from antiport.node.home import now_ms
from antiport.protocol import keylog, sign
from cli_helpers import antiport
from helpers import wait_for
from test_key_commands import plain_home

TOPIC = "acme/widget"
pytestmark = pytest.mark.slow


def log_of(client, did: str) -> dict:
    return client.call("devices", identity=did)


def thread(client, root: str) -> dict | None:
    threads = client.call("list", topic=TOPIC)["threads"]
    return client.call("show", id=root) if root in [t["id"] for t in threads] else None


@contextmanager
def network(homes: dict[str, Path]):
    """A node for each of three homes following TOPIC, the others dialling the first: their clients."""
    first, second, third = homes.values()
    for home in homes.values():
        assert antiport(home, "follow", TOPIC).returncode == 0
    with NodeProcess(first) as a:
        addr = a.wait_ready()["addrs"][0]
        with NodeProcess(second, bootstrap=[addr]) as b, NodeProcess(third, bootstrap=[addr]) as c:
            b.wait_ready()
            c.wait_ready()
            clients = (a.client(), b.client(), c.client())
            yield clients
            for client in clients:
                client.close()


def test_rotation_keeps_standing_and_rights_and_a_forged_one_is_refused_by_every_node(tmp_path):
    homes = {n: tmp_path / n for n in ("alice", "bob", "carol")}
    dids = {n: plain_home(h) for n, h in homes.items()}
    with network(homes) as nodes:
        alice, bob, carol = nodes
        wait_for(lambda: all(log_of(n, dids[who])["log"] for n in nodes for who in ("alice", "bob")),
                 "every node holds both inceptions")
        old = alice.call("ask", topic=TOPIC, title="Jams daily", text="since 2.1")["id"]
        later = alice.call("ask", topic=TOPIC, title="Loud fan", text="since 2.2")["id"]
        wait_for(lambda: thread(bob, later) is not None, "bob has both threads")
        first = bob.call("answer", id=old, text="reinstall 2.0.3")["id"]
        wait_for(lambda: (thread(alice, old) or {"answers": []})["answers"], "alice has the answer")
        alice.call("accept", id=first)

        bob.call("key_rotate")
        wait_for(lambda: log_of(alice, dids["bob"])["seq"] == 1, "alice holds bob's rotation")
        second = bob.call("answer", id=later, text="clean the vent")["id"]  # signed by bob's new key
        wait_for(lambda: (thread(alice, later) or {"answers": []})["answers"], "alice has the new answer")
        answer = thread(alice, later)["answers"][0]
        assert answer["author"] == dids["bob"] and answer["signer"] != dids["bob"]

        alice.call("key_rotate")
        assert load_identity(homes["alice"] / "identity.json").did != dids["alice"]
        wait_for(lambda: all(log_of(n, dids["alice"])["seq"] == 1 for n in (bob, carol)), "her rotation spread")
        alice.call("accept", id=second)  # on a thread she opened with her old key
        for n in nodes:
            wait_for(lambda n=n: (thread(n, later) or {"answers": [{}]})["answers"][0].get("accepted"),
                     "her accept is taken by every node")
        experts = alice.call("experts", topic=TOPIC)["experts"]
        assert [(e["did"], e["accepted"], e["rank"]) for e in experts] == [(dids["bob"], 2, 1)]

        stolen = load_identity(homes["alice"] / "identity.json")  # her current key, taken from the laptop
        thief = Identity.generate()
        head = log_of(alice, dids["alice"])["head"]
        for signer in (stolen, thief):
            forged = sign(signer, "key", "", {"op": "rotate", "seq": 2, "next": keylog.digest(thief.public_key)},
                          [head], created=now_ms())
            for n in nodes:
                assert n.import_(forged.raw)["rejected"] == {"not-next-key": 1}
                assert log_of(n, dids["alice"])["current"] == stolen.did


def test_a_revoked_devices_new_messages_are_refused_everywhere_and_its_old_ones_stay(tmp_path):
    homes = {n: tmp_path / n for n in ("alice", "bob", "laptop")}
    dids = {n: plain_home(homes[n]) for n in ("alice", "bob")}
    r = antiport(homes["laptop"], "init", "--no-passphrase", "--device-of", dids["alice"])
    assert r.returncode == 0, r.stderr
    token = next(line for line in r.stdout.splitlines() if line.startswith("antiport device add ")).split()[-1]
    dids["laptop"] = load_identity(homes["laptop"] / "identity.json").did
    with network(homes) as (alice, bob, laptop):
        wait_for(lambda: log_of(alice, dids["alice"])["log"], "alice's first run made her inception")
        assert alice.call("device_add", token=token)["device"] == dids["laptop"]
        wait_for(lambda: all(log_of(n, dids["alice"]).get("devices") == [dids["laptop"]] for n in (bob, laptop)),
                 "the delegation spread")
        before = laptop.call("ask", topic=TOPIC, title="From the laptop", text="written before")["id"]
        for n in (alice, bob):
            wait_for(lambda n=n: thread(n, before) is not None, "the laptop's request arrived")
            assert thread(n, before)["author"] == dids["alice"]

        assert alice.call("device_revoke", device=dids["laptop"])["kept"] == 1
        wait_for(lambda: all(log_of(n, dids["alice"])["revoked"] for n in (bob, laptop)), "the revocation spread")
        key = load_identity(Path(homes["laptop"]) / "identity.json")
        after = sign(key, "request", TOPIC, {"title": "Still me", "text": "written after"}, created=now_ms())
        for n in (alice, bob, laptop):
            assert n.import_(after.raw)["rejected"] == {"revoked-key": 1}
            assert thread(n, before)["author"] == dids["alice"]  # kept by the revocation


def test_a_lost_key_is_recovered_with_the_backed_up_next_key_on_a_new_home(tmp_path):
    homes = {n: tmp_path / n for n in ("alice", "bob", "carol")}
    dids = {n: plain_home(h) for n, h in homes.items()}
    backup, new_home = tmp_path / "next-key.json", tmp_path / "new-laptop"
    with network(homes) as (alice, bob, carol):
        wait_for(lambda: log_of(bob, dids["alice"])["log"], "bob holds alice's inception")
        old = alice.call("ask", topic=TOPIC, title="Jams daily", text="since 2.1")["id"]
        wait_for(lambda: thread(bob, old) is not None, "bob has her thread")
        answer = bob.call("answer", id=old, text="reinstall 2.0.3")["id"]
        wait_for(lambda: (thread(alice, old) or {"answers": []})["answers"], "alice has the answer")
        r = antiport(homes["alice"], "key", "backup", "--next", str(backup), ANTIPORT_PASSPHRASE="kept apart")
        assert r.returncode == 0, r.stderr
    stolen = load_identity(homes["alice"] / "identity.json")  # the laptop is gone, and its key with it
    plain_home(new_home)
    assert antiport(new_home, "follow", TOPIC).returncode == 0
    with NodeProcess(homes["bob"]) as b:
        addr = b.wait_ready()["addrs"][0]
        with NodeProcess(new_home, bootstrap=[addr]) as fresh:
            fresh.wait_ready()
            client = fresh.client()
            wait_for(lambda: log_of(client, dids["alice"])["log"] and thread(client, old), "her log and thread")
            client.close()
        r = antiport(new_home, "key", "recover", str(backup), dids["alice"], ANTIPORT_PASSPHRASE="kept apart")
        assert r.returncode == 0, r.stderr
        with NodeProcess(new_home, bootstrap=[addr]) as fresh:
            fresh.wait_ready()
            client, at_bob = fresh.client(), b.client()
            assert client.call("id")["did"] == dids["alice"]
            wait_for(lambda: log_of(at_bob, dids["alice"]).get("seq") == 1, "bob holds her recovery")
            client.call("accept", id=answer)  # her thread, asked with the lost key
            wait_for(lambda: thread(at_bob, old)["answers"][0]["accepted"], "bob takes her accept")
            head = log_of(at_bob, dids["alice"])["head"]
            device = Identity.generate()
            forged = sign(stolen, "key", "", {"op": "add", "seq": 2, "device": device.public_key,
                                              "proof": device.sign(keylog.device_proof(stolen.public_key))},
                          [head], created=now_ms())
            assert at_bob.import_(forged.raw)["rejected"] == {"not-current-key": 1}  # the lost key acts no more
            client.close()
            at_bob.close()
