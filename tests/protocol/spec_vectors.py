"""Loading the committed spec vectors, and a Context holding some of them (shared by the vector tests)."""
from __future__ import annotations

import json
from pathlib import Path

from antiport.protocol import load
from antiport.protocol.validate import Held as Memory

VECTORS = Path(__file__).resolve().parents[2] / "specs" / "vectors"


def vectors(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


class Held(Memory):
    """Envelopes held, as the validation context (specs/02 section 4, specs/10 section 4)."""

    def __init__(self, envelopes=()):
        super().__init__(load(raw) for raw in envelopes)
