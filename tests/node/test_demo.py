"""`antiport demo` (the README's first command): plays its story and leaves no process behind."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def demo_processes() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "antiport-demo-" in text:
            found.append(text)
    return found


def test_demo_plays_the_story_and_stops_everything():
    r = subprocess.run([sys.executable, "-m", "antiport.node.cli", "demo"], capture_output=True, text=True,
                       timeout=300, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    for line in ("customer asks in acme/widget", "expert answers through the relay", "customer accepts the answer",
                 "every node holds the same thread: yes", "stopped 3 node processes"):
        assert line in r.stdout
    assert demo_processes() == []
