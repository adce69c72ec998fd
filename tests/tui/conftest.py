"""The TUI against real nodes: `node` is an `antiport run` process on 127.0.0.1 for a fresh home;
`world` writes messages from other identities (offline homes) and hands them to it by export/import,
the same way peers' messages arrive."""
from __future__ import annotations

import pytest
from antiport.app.processes import NodeProcess
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.tui.app import AntiportApp


class World:
    def __init__(self, root, node: Client) -> None:
        self.root, self.node, self.people = root, node, {}

    def person(self, name: str) -> Client:
        """Another identity with its own offline home (created on first use)."""
        if name not in self.people:
            home = Home(self.root / name)
            home.init(name)
            self.people[name] = Client(home)
            self.people[name].call("profile", name=name)
        return self.people[name]

    def sync(self) -> None:
        """Everyone's messages to the node under test, and the node's to everyone."""
        everyone = list(self.people.values())
        data = b"".join(b"".join(c.export()) for c in [self.node, *everyone])
        for c in [self.node, *everyone]:
            c.import_(data)

    def close(self) -> None:
        for c in self.people.values():
            c.close()


@pytest.fixture
def node(tmp_path):
    home = Home(tmp_path / "me")
    home.init("me")
    with NodeProcess(home.path) as proc:
        proc.wait_ready()
        client = Client(home)
        yield client
        client.close()


@pytest.fixture
def world(tmp_path, node):
    w = World(tmp_path, node)
    yield w
    w.close()


@pytest.fixture
def app(node):
    return AntiportApp(node)
