"""specs/vectors/sync.json: replaying each exchange frame by frame gives the same replies and the same
differences, and the generator still writes the committed sync vector files."""
from __future__ import annotations

import importlib.util

import pytest
from antiport.protocol.sync import Reconciler
from spec_vectors import VECTORS, vectors

pytestmark = pytest.mark.fast

EXCHANGES = vectors("sync.json")["exchanges"]


def side(entry: dict, name: str) -> Reconciler:
    return Reconciler([(c, bytes.fromhex(i)) for c, i in entry[name]], entry["frame_limit"])


@pytest.mark.parametrize("entry", EXCHANGES, ids=[e["name"] for e in EXCHANGES])
def test_replay(entry):
    sides = {"a": side(entry, "a"), "b": side(entry, "b")}
    frames = entry["frames"]
    assert frames[0]["from"] == "a" and sides["a"].initiate().hex() == frames[0]["hex"]
    for k, frame in enumerate(frames):
        receiver = "b" if frame["from"] == "a" else "a"
        _, reply = sides[receiver].receive(bytes.fromhex(frame["hex"]))
        if k + 1 < len(frames):
            assert frames[k + 1]["from"] == receiver and reply.hex() == frames[k + 1]["hex"]
        else:
            assert reply is None  # the last frame is the empty one: nothing more to say
    for name, r in sides.items():
        assert sorted(i.hex() for i in r.need) == entry[f"{name}_need"]
        assert sorted(i.hex() for i in r.have) == entry[f"{name}_have"]


def test_vectors_match_generator():
    spec = importlib.util.spec_from_file_location("generate_sync", VECTORS / "generate_sync.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("sync.json", "sync-sessions.json"):
        assert module.text(name) == (VECTORS / name).read_text(), name
