"""`antiport demo`: a local Antiport network of six `antiport run` processes on 127.0.0.1, each with
its own home in one temporary directory. It plays a short support story, then (unless --headless)
opens the TUI on the customer's node so you can act in the network.

The nodes: a relay that follows every demo topic (gossipsub forwards only topics a node is in), the
customer, expert Dana (initech/stapler, globex/router), expert Eli (acme/widget, acme/gadget), Acme's
bridge node (`run --bridge`, its webhook going to a receiver in this process that checks every
signature), and Globex's bridge node: it claims globex/router with a signed manifest but has no
connector, so nobody at Globex ever sees or answers what arrives there.

The story: a question in a product no vendor claims, answered by Dana and accepted; a complaint to
Acme with a private part only Acme can open (sealed to Acme's key because the customer's node verified it:
Acme's bridge names the domain acme.example, whose .well-known/antiport.json, served over HTTPS by this
process under a certificate authority made for the demo, lists Acme's did; every demo home trusts that CA
and connects to this site for acme.example), answered and resolved by Acme through its node's API;
a request to Globex that stays unanswered; then every vendor's record as the customer sees it.

Every process it starts is stopped and the homes removed when it ends: when the TUI quits, on
Ctrl-C, SIGTERM or an error."""
from __future__ import annotations

import functools
import json
import shutil
import signal
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from antiport.node.client import Client, ClientError
from antiport.node.home import Home

from .demo_receiver import WebhookReceiver
from .processes import NodeProcess
from .tls_site import WellKnownSite, make_certificates

STAPLER, ACME, GLOBEX = "initech/stapler", ["acme/widget", "acme/gadget"], ["globex/router"]
NAMES = {"relay": "Relay", "customer": "Casey", "dana": "Dana", "eli": "Eli", "acme": "Acme support",
         "globex": "Globex support"}
FOLLOWS = {"relay": [STAPLER, *ACME, *GLOBEX], "dana": [STAPLER, *GLOBEX], "eli": ACME}
VENDORS = {"acme": ("Acme", ACME), "globex": ("Globex", GLOBEX)}
ACME_DOMAIN = "acme.example"  # Acme's site: this demo serves its .well-known/antiport.json, under a CA of its own
PRIVATE = "Order 4471, serial GD-20-99812"
WAIT = 60.0  # seconds to wait for a message to cross the network
STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, kill, the terminal closed: all clean up

say = functools.partial(print, flush=True)


def wait_for(check, what: str):
    """Poll `check` until it returns something true, and return that."""
    deadline = time.monotonic() + WAIT
    while not (result := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {WAIT:.0f} s")
        time.sleep(0.1)
    return result


@contextmanager
def signals_held():
    """Stop signals wait until the block ends, so a child is never started without being recorded."""
    caught = []
    old = {sig: signal.signal(sig, lambda s, f: caught.append(s)) for sig in STOPS}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


class Network:
    """The demo's node processes, a client for each, and Acme's webhook receiver; stop() ends them all."""

    def __init__(self, root: Path):
        self.root = root
        self.homes = {name: Home(root / name) for name in NAMES}
        self.nodes: list[NodeProcess] = []
        self.clients: dict[str, Client] = {}
        self.receiver: WebhookReceiver | None = None
        self.site: WellKnownSite | None = None

    def start(self) -> None:
        (self.root / "tls").mkdir()
        ca, cert, key = make_certificates(self.root / "tls", [ACME_DOMAIN])
        self.site = WellKnownSite(cert, key, {}).start()
        for name, home in self.homes.items():
            identity = home.init(NAMES[name])
            if name == "acme":
                self.site.listing[ACME_DOMAIN] = [identity.did]
            # every node checks vendors' domains against the demo's CA and site, never the internet's
            home.write_config({**home.config(), "domains": {"ca_bundle": str(ca),
                                                            "resolve": {ACME_DOMAIN: self.site.address}}})
            offline = Client(home)  # written now, published when the node runs
            offline.call("profile", name=NAMES[name])
            for topic in FOLLOWS.get(name, []):
                offline.call("follow", topic=topic)
            offline.close()
        self.receiver = WebhookReceiver()
        listen, relay = relay_address(self.homes["relay"])
        # all at once: the others dial the relay's address, known before it runs, until it answers
        nodes = [self.spawn("relay", listen=[listen])]
        nodes += [self.spawn(name, bootstrap=[relay], extra=self.bridge_args(name)) for name in list(NAMES)[1:]]
        for node in nodes:
            node.wait_ready()
        self.clients = {name: Client(home) for name, home in self.homes.items()}
        say(f"{len(self.nodes)} nodes up: {', '.join(NAMES)}; each connected only to the relay at {relay}; "
            f"homes in {self.root}")

    def spawn(self, name: str, **kw) -> NodeProcess:
        with signals_held():
            node = NodeProcess(self.homes[name].path, **kw)
            self.nodes.append(node)
        return node

    def bridge_args(self, name: str) -> list[str]:
        if name not in VENDORS:
            return []
        org, topics = VENDORS[name]
        text = (f'[vendor]\norg = "{org}"\ntopics = {json.dumps(topics)}\npromise_hours = 24\n'
                + (f'domain = "{ACME_DOMAIN}"\n' if name == "acme" else "")
                + '\n[delivery]\nretry_base_seconds = 0.2\nretry_max_seconds = 2\n')
        if name == "acme":
            text += (f'\n[[connectors.webhook]]\nname = "helpdesk"\nurl = "{self.receiver.url}"\n'
                     f'secret = "{self.receiver.secret}"\nprivate = true\n')
        path = self.root / f"{name}-bridge.toml"
        path.write_text(text)
        return ["--bridge", str(path)]

    def stop(self) -> None:
        for client in self.clients.values():
            client.close()
        if self.receiver:
            self.receiver.stop()
        if self.site:
            self.site.stop()
        with ThreadPoolExecutor(max(1, len(self.nodes))) as pool:
            list(pool.map(NodeProcess.stop, self.nodes))


def relay_address(home: Home) -> tuple[str, str]:
    """A free port for the relay to listen on, and its full address: its host key (its peer id) made now."""
    from antiport.node.p2p import host_key, peer_id_of
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        listen = f"/ip4/127.0.0.1/tcp/{probe.getsockname()[1]}"
    return listen, f"{listen}/p2p/{peer_id_of(host_key(home.host_key_file))}"


def view(client: Client, message_id: str) -> dict | None:
    """The thread as this node sees it, None while the message has not arrived."""
    try:
        return client.call("show", id=message_id)
    except ClientError:
        return None


def play(net: Network) -> None:
    c = net.clients
    rows = wait_for(lambda: claimed(c["customer"]), "the vendor manifests reaching the customer")
    say("the customer's node has the vendors' signed manifests: "
        + "; ".join(f"{r['name']} claims {', '.join(r['topics'])}" for r in rows))
    wait_for(lambda: identity_of(c["customer"], "Acme") == "verified", "the customer verifying Acme's domain")
    say(f"the customer's node verified Acme: {ACME_DOMAIN}/.well-known/antiport.json (served over HTTPS by this demo,"
        " under its own CA) lists Acme's key; Globex names no domain, so it stays unverified and the customer"
        " would not seal anything private to it")
    question(c)
    complaint(c, net.homes, net.receiver)
    unanswered(c)
    report(c)


def identity_of(client: Client, org: str) -> str | None:
    return next((r["identity"]["state"] for r in client.call("vendors") if r["name"] == org and r["claimed"]), None)


def claimed(client: Client) -> list | None:
    rows = [r for r in client.call("vendors") if r["claimed"]]
    return rows if {r["name"] for r in rows} >= {org for org, _ in VENDORS.values()} else None


def question(c: dict) -> None:
    asked = c["customer"].call("ask", topic=STAPLER, title="Stapler jams on thick stacks",
                               text="Anything over 20 sheets jams it. Is there a setting?")["id"]
    say(f"customer asks in {STAPLER} (no vendor claims it): 'Stapler jams on thick stacks'")
    wait_for(lambda: view(c["dana"], asked), "the question reaching Dana")
    answered = c["dana"].call("answer", id=asked, text="Flip the lever under the base to 'heavy'.")["id"]
    say("expert Dana, who follows initech/stapler, gets it through the relay and answers")
    wait_for(lambda: (view(c["customer"], asked) or {}).get("answers"), "Dana's answer reaching the customer")
    c["customer"].call("accept", id=answered)
    c["customer"].call("vote", id=answered, value="up")
    say("customer accepts Dana's answer and votes it up")
    wait_for(lambda: any(a["accepted"] for a in view(c["dana"], asked)["answers"]), "the accept reaching Dana")
    say("Dana's node shows her answer accepted")


def readable_in(home: Home) -> bool:
    return any(PRIVATE.encode() in f.read_bytes() for f in home.path.rglob("*") if f.is_file())


def complaint(c: dict, homes: dict, receiver: WebhookReceiver) -> None:
    filed = c["customer"].call("ask", topic="acme/gadget", kind="complaint", title="Gadget battery empty by noon",
                               text="Fully charged at night, empty by noon since firmware 3.2.",
                               private_text=PRIVATE)["id"]
    say("customer complains in acme/gadget, with a private part sealed to Acme's key (order and serial number)")
    event = wait_for(lambda: receiver.events.get(filed), "the complaint reaching Acme's webhook")
    say(f"Acme's bridge delivers it to Acme's helpdesk webhook (signature checked); "
        f"the private part, opened by the bridge: {event['private'].get('text')!r}")
    if event["private"].get("text") != PRIVATE:
        raise RuntimeError("Acme's webhook did not get the private part")
    held = {name: wait_for(lambda n=name: view(c[n], filed), f"the complaint reaching {name}")
            for name in ("customer", "relay", "eli")}
    if any(PRIVATE in json.dumps(v) or readable_in(homes[name]) for name, v in held.items()):
        raise RuntimeError("the private part is readable outside Acme's bridge")
    size = len(bytes.fromhex(held["eli"]["body"]["private"]))
    say(f"the customer's, the relay's and Eli's nodes (their 'show' and every file of their homes) hold the "
        f"private part only as {size} bytes of ciphertext")
    c["acme"].call("answer", id=filed, text="Firmware 3.2.1 fixes the drain; a new battery is on its way.")
    c["acme"].call("status", id=filed, state="resolved", note="battery replaced")
    say("Acme's support answers through its bridge node's API and sets the status to resolved")
    wait_for(lambda: (view(c["customer"], filed) or {}).get("status") == "resolved",
             "Acme's answer and status reaching the customer")
    c["customer"].call("resolve", id=filed)
    say("customer sees Acme's signed answer and status, and confirms: resolved")
    wait_for(lambda: any(e["kind"] == "resolve" and e.get("thread") == filed for e in receiver.events.values()),
             "the customer's resolve reaching Acme's webhook")
    say("Acme's helpdesk webhook records the customer's resolve")


def unanswered(c: dict) -> None:
    asked = c["customer"].call("ask", topic=GLOBEX[0], title="Router drops Wi-Fi every hour",
                               text="GX-300, firmware 1.4: the 5 GHz network vanishes for a minute.")["id"]
    say(f"customer asks Globex in {GLOBEX[0]}: 'Router drops Wi-Fi every hour'")
    for name in ("globex", "dana"):
        wait_for(lambda n=name: view(c[n], asked), f"the request reaching {name}")
    say("it reaches Globex's bridge node and Dana; Globex has no helpdesk connected and never answers")


def report(c: dict) -> None:
    say("vendors as the customer sees them:")
    for r in c["customer"].call("vendors"):
        if not r["claimed"]:
            say(f"  {r['name']}: {r['seen']} request(s), no vendor on the network")
            continue
        oldest = r["oldest_unanswered"]
        say(f"  {r['name']} ({r['identity']['state']}): {r['seen']} request(s), "
            f"{r['acknowledged_share']:.0%} answered, "
            f"{r['resolved_share']:.0%} resolved" + (f", oldest unanswered: '{oldest['title']}'" if oldest else ""))
    # the customer's node ranks in the background a moment after a write: wait for it to count the accept
    top = wait_for(lambda: [r for r in c["customer"].call("experts", topic=STAPLER)["experts"] if r["accepted"]],
                   "the customer's ledger counting Dana's accepted answer")[0]
    say(f"best expert in {STAPLER} for the customer: {top['name'] or top['did']} ({top['accepted']} accepted answer)")


def main(headless: bool = False) -> int:
    root = Path(tempfile.mkdtemp(prefix="antiport-demo-"))
    net = Network(root)
    old = {sig: signal.signal(sig, signal.default_int_handler) for sig in STOPS}
    try:
        say("Antiport demo: six nodes on 127.0.0.1 (relay, customer, experts Dana and Eli, vendors Acme and Globex)")
        net.start()
        play(net)
        if headless:
            return 0
        from antiport.tui.app import run as run_tui
        say("opening the TUI on the customer's node; ctrl+q quits and stops the demo network")
        return run_tui(net.homes["customer"])
    finally:
        for sig in STOPS:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        net.stop()
        shutil.rmtree(root, ignore_errors=True)
        say(f"stopped {len(net.nodes)} node processes and removed their homes")
        for sig, handler in old.items():
            signal.signal(sig, handler)
