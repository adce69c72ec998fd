"""`antiport demo`: a small local network of node processes on 127.0.0.1 that plays the ask / answer /
accept story and shows every node holding the same signed thread. Every process it starts is stopped
and its temporary homes removed when it ends, also on Ctrl-C or an error."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .home import Home
from .processes import NodeProcess

TOPIC = "acme/widget"
WAIT = 60.0  # seconds to wait for a message to cross the network


def wait_for(check, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"demo: {what} did not happen within {WAIT:.0f} s")
        time.sleep(0.2)


def play(root: Path, say=print) -> None:
    homes = {name: root / name for name in ("relay", "customer", "expert")}
    for name, home in homes.items():
        Home(home).init(name)
    nodes = {}
    try:
        nodes["relay"] = NodeProcess(homes["relay"])
        relay = nodes["relay"].wait_ready()["addrs"][0]
        say(f"relay node up: {relay}")
        for name in ("customer", "expert"):
            nodes[name] = NodeProcess(homes[name], bootstrap=[relay])
        for name in ("customer", "expert"):
            nodes[name].wait_ready()
            say(f"{name} node up (home {homes[name]}), connected only to the relay")
        clients = {name: node.client() for name, node in nodes.items()}
        customer, expert = clients["customer"], clients["expert"]
        expert.call("follow", topic=TOPIC)
        asked = customer.call("ask", topic=TOPIC, title="The widget squeaks",
                              text="Since the last update it squeaks when it turns.")["id"]
        say(f"customer asks in {TOPIC}: {asked[:12]}")
        wait_for(lambda: _has(expert, asked), "the request reaching the expert")
        answered = expert.call("answer", id=asked, text="Oil the hinge; the update changed nothing there.")["id"]
        say(f"expert answers through the relay: {answered[:12]}")
        wait_for(lambda: _answers(customer, asked), "the answer reaching the customer")
        customer.call("accept", id=answered)
        say("customer accepts the answer")
        views = {}
        for name, client in clients.items():
            wait_for(lambda c=client: any(a["accepted"] for a in _answers(c, asked)), f"the accept reaching the {name}")
            views[name] = client.call("show", id=asked)
        same = len({(v["id"], tuple((a["id"], a["accepted"]) for a in v["answers"])) for v in views.values()}) == 1
        say(f"every node holds the same thread: {'yes' if same else 'NO'}")
        if not same:
            raise RuntimeError("demo: the nodes disagree about the thread")
        for client in clients.values():
            client.close()
    finally:
        for node in nodes.values():
            node.stop()
        say(f"stopped {len(nodes)} node processes")


def _has(client, message_id: str) -> bool:
    return any(row["id"] == message_id for row in client.call("list", topic=TOPIC))


def _answers(client, message_id: str) -> list:
    return client.call("show", id=message_id)["answers"] if _has(client, message_id) else []


def main() -> int:
    print("Antiport demo: three nodes on 127.0.0.1 (the Textual TUI is not built yet; this plays the story headless)")
    with tempfile.TemporaryDirectory(prefix="antiport-demo-") as root:
        play(Path(root))
    return 0
