"""A fixed little network, the same bytes on every run, for the TUI's snapshot tests: identities from
fixed seeds, messages signed with fixed creation times, imported into Casey's home (offline: no peer
id, no port, nothing that changes between runs)."""
from __future__ import annotations

import hashlib

from antiport.crypto import Identity
from antiport.crypto.keystore import save_identity
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.protocol import sign

T0 = 1_793_527_200_000  # 2026-11-01 10:00 UTC
NOW = T0 + 3 * 3_600_000  # the screens' clock
MIN = 60_000


def identity(name: str) -> Identity:
    return Identity(hashlib.blake2b(b"antiport/tui-snapshots/" + name.encode(), digest_size=32).digest())


PEOPLE = {n: identity(n) for n in ("casey", "dana", "eli", "acme", "globex")}


def messages() -> list[bytes]:
    out = []

    def add(who, kind, topic, body, refs=(), minute=0):
        msg = sign(PEOPLE[who], kind, topic, body, refs, created=T0 + minute * MIN)
        out.append(msg.raw)
        return msg.id

    for who, name in (("casey", "Casey"), ("dana", "Dana"), ("eli", "Eli"), ("acme", "Acme support"),
                      ("globex", "Globex support")):
        add(who, "profile", "", {"name": name})
    add("acme", "vendor", "", {"org": "Acme", "topics": ["acme/gadget", "acme/widget"], "promise_hours": 24})
    add("globex", "vendor", "", {"org": "Globex", "topics": ["globex/router"]})
    pair = add("casey", "request", "acme/widget", {"title": "Widget won't pair over Bluetooth",
               "text": "Since firmware 2.1 my phone no longer finds the widget."}, minute=10)
    good = add("dana", "answer", "acme/widget", {"text": "Hold the power button for 10 s to reset pairing."},
               [pair], minute=20)
    add("eli", "answer", "acme/widget", {"text": "Update the companion app first."}, [pair], minute=25)
    add("casey", "accept", "acme/widget", {}, [good], minute=30)
    add("casey", "vote", "acme/widget", {"value": "up"}, [good], minute=31)
    drain = add("casey", "complaint", "acme/gadget", {"title": "Gadget battery drains overnight",
                "text": "Full at night, empty in the morning."}, minute=40)
    add("acme", "status", "acme/gadget", {"state": "acknowledged"}, [drain], minute=55)
    add("acme", "answer", "acme/gadget", {"text": "Firmware 3.2.1 fixes the drain."}, [drain], minute=70)
    add("acme", "status", "acme/gadget", {"state": "resolved", "note": "fixed in 3.2.1"}, [drain], minute=90)
    add("casey", "resolve", "acme/gadget", {}, [drain], minute=100)
    add("casey", "request", "globex/router", {"title": "Router drops Wi-Fi every hour",
        "text": "GX-300, firmware 1.4: the 5 GHz network vanishes for a minute."}, minute=120)
    add("dana", "request", "acme/widget", {"title": "Does the widget work at -20 °C?",
        "text": "Planning a winter trip."}, minute=150)
    return out


def casey_home(path) -> Client:
    """Casey's home holding the fixed network, following its topics; an offline client on it."""
    home = Home(path)
    home.init("Casey")
    home.identity_file.unlink()
    save_identity(PEOPLE["casey"], home.identity_file)
    client = Client(home)
    client.import_(b"".join(messages()))
    for topic in ("acme/widget", "acme/gadget", "globex/router"):
        client.call("follow", topic=topic)
    return client
