"""Loading the committed spec vectors, and a Context holding some of them (shared by the vector tests)."""
from __future__ import annotations

import json
from pathlib import Path

from antiport.protocol import Message, load

VECTORS = Path(__file__).resolve().parents[2] / "specs" / "vectors"


def vectors(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


class Held:
    """The messages a node holds, as the validation context: vendor keys follow specs/02-kinds.md."""

    def __init__(self, envelopes=()):
        self.messages: dict[str, Message] = {}
        for raw in envelopes:
            msg = load(raw)
            self.messages[msg.id] = msg

    def get(self, message_id: str) -> Message | None:
        return self.messages.get(message_id)

    def vendor_keys(self, topic: str) -> set[bytes]:
        newest: dict[bytes, Message] = {}
        for m in self.messages.values():
            if m.kind == "vendor":
                old = newest.get(m.author)
                if old is None or (m.created, old.id) > (old.created, m.id):
                    newest[m.author] = m
        return {k for m in newest.values() if topic in m.body["topics"] for k in (m.author, *m.body.get("keys", []))}
