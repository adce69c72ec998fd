"""`antiport demo --headless` (the README's first command, for scripts): plays its story and leaves no
process and no home behind, also when it is interrupted."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DEMO = [sys.executable, "-m", "antiport.node.cli", "demo", "--headless"]


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


def demo_root(story: str) -> Path:
    return Path(re.search(r"homes in (\S+)", story).group(1))


def test_demo_plays_the_story_and_stops_everything():
    r = subprocess.run(DEMO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    for line in ("6 nodes up: relay, customer, dana, eli, acme, globex",
                 "customer accepts Dana's answer",
                 "Dana's node shows her answer accepted",
                 "the private part, opened by the bridge: 'Order 4471",
                 "hold the private part only as",
                 "Acme's support answers through its bridge node's API and sets the status to resolved",
                 "confirms: resolved",
                 "Globex has no helpdesk connected and never answers",
                 "Globex: 1 request(s), 0% answered, 0% resolved, oldest unanswered: 'Router drops Wi-Fi every hour'",
                 "Acme: 1 request(s), 100% answered, 100% resolved",
                 "stopped 6 node processes"):
        assert line in r.stdout
    assert demo_processes() == []
    assert not demo_root(r.stdout).exists()


def test_ctrl_c_mid_story_stops_everything():
    proc = subprocess.Popen(DEMO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    story = ""
    try:
        for line in proc.stdout:
            story += line
            if line.startswith("customer complains"):
                proc.send_signal(signal.SIGINT)
                break
        story += proc.communicate(timeout=120)[0]
    finally:
        proc.kill()
    assert proc.returncode == 130, story
    assert "stopped 6 node processes" in story and "Traceback" not in story
    assert demo_processes() == []
    assert not demo_root(story).exists()
