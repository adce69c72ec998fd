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

    def claimed_keys(self, topic: str) -> set[bytes]:
        """Every held manifest counts, not only each author's newest (02 section 4)."""
        return {k for m in self.messages.values() if m.kind == "vendor" and topic in m.body["topics"]
                for k in (m.author, *m.body.get("keys", []))}
