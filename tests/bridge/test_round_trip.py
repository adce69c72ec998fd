"""The whole path with real parts: customer, relay and bridge nodes as `antiport run` processes on
127.0.0.1, a real Request Tracker and a real webhook receiver.

ask (with a sealed part) -> ticket in RT -> staff reply through RT's REST API -> the customer's node
shows the vendor's signed answer -> resolved in RT -> the customer sees the status.
"""
from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections import Counter

import pytest
from antiport.app.processes import NodeProcess
from bridge_helpers import SECRET, TOPIC, Receiver, Staff, rt_url
from helpers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.rt]


def cli(home, *argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "antiport.app.cli", "--home", str(home), *argv],
                          capture_output=True, text=True, timeout=60)


def ok(home, *argv) -> str:
    r = cli(home, *argv)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_customer_relay_bridge_and_rt(tmp_path):
    url, queue = rt_url(), f"antiport-trip-{secrets.token_hex(4)}"
    staff, receiver = Staff(url), Receiver().start()
    homes = {n: tmp_path / n for n in ("customer", "relay", "vendor")}
    for name, home in homes.items():
        ok(home, "init", "--no-passphrase", "--name", name)
    ok(homes["relay"], "follow", TOPIC)  # gossipsub forwards only the topics a node is subscribed to
    vendor_did = ok(homes["vendor"], "id").split()[0]
    ok(homes["customer"], "trust-vendor", vendor_did)  # no domain here: the customer knows the key (specs/02 §6)
    config = tmp_path / "bridge.toml"
    config.write_text(f'''
[vendor]
org = "Acme"
topics = ["{TOPIC}"]
did = "{vendor_did}"

[delivery]
retry_base_seconds = 0.2
retry_max_seconds = 2

[[connectors.webhook]]
name = "crm"
url = "{receiver.url}"
secret = "{SECRET}"
private = true

[connectors.rt]
url = "{url}"
password = "password"
poll_seconds = 1
queues = {{ "{TOPIC}" = "{queue}" }}
private = true
''')
    try:
        with NodeProcess(homes["relay"]) as relay:
            relay_addr = relay.wait_ready()["addrs"][0]
            with NodeProcess(homes["vendor"], bootstrap=[relay_addr], extra=["--bridge", str(config)]) as vendor, \
                    NodeProcess(homes["customer"], bootstrap=[relay_addr]) as customer:
                vendor.wait_ready(), customer.wait_ready()

                def ask():  # needs the vendor's manifest on the customer's node, to seal to its key
                    r = cli(homes["customer"], "ask", TOPIC, "--title", "Widget jams", "--text", "since 2.1",
                            "--private-text", "order 4471", "--json")
                    return json.loads(r.stdout)["id"] if r.returncode == 0 else None
                request = wait_for(ask, what="the vendor manifest reaching the customer")

                tickets = wait_for(lambda: staff.tickets_for(request), what="the ticket appearing in RT")
                ticket = int(tickets[0]["id"])
                assert staff.get(f"/ticket/{ticket}")["Subject"] == "Widget jams"
                [created] = staff.texts(ticket, "Create")
                assert "since 2.1" in created and "order 4471" in created

                staff.correspond(ticket, "Fixed in 2.1.1, please update.")

                def answered():
                    view = json.loads(ok(homes["customer"], "show", request, "--json"))
                    return [a for a in view["answers"] if a["author"] == vendor_did] and view
                view = wait_for(answered, what="the vendor's answer reaching the customer")
                assert view["answers"][0]["body"]["text"] == "Fixed in 2.1.1, please update."

                staff.set_status(ticket, "resolved")
                wait_for(lambda: json.loads(ok(homes["customer"], "show", request, "--json"))["status"] == "resolved",
                           what="the resolved status reaching the customer")

                wait_for(lambda: Counter(e["kind"] for e in receiver.received)["status"] >= 2,
                           what="the webhook receiving the statuses")
                ids = [e["id"] for e in receiver.received]
                assert len(ids) == len(set(ids)) and request in ids and receiver.refused == []
                assert [e for e in receiver.received if e["id"] == request][0]["private"] == {"text": "order 4471"}
                assert len(staff.tickets_for(request)) == 1
    finally:
        receiver.stop()
