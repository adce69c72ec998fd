"""`antiport demo` (the README's first command): plays its story and leaves no process and no home
behind, also when it is interrupted; without --headless it opens the TUI in a real terminal."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DEMO = [sys.executable, "-m", "antiport.app.cli", "demo", "--headless"]


def demo_processes(marker: str) -> list[str]:
    """Command lines of running processes that mention `marker` (a demo's temporary homes: only this test's
    own, as another demo may be running on the machine)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in text:
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
                 "the customer's node verified Acme: acme.example/.well-known/antiport.json",
                 "Globex (unverified): 1 request(s), 0% answered, 0% resolved, oldest unanswered: 'Router drops Wi-Fi"
                 " every hour'",
                 "Acme (verified): 1 request(s), 100% answered, 100% resolved",
                 "stopped 6 node processes"):
        assert line in r.stdout
    assert demo_processes(str(demo_root(r.stdout))) == []
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
    assert demo_processes(str(demo_root(story))) == []
    assert not demo_root(story).exists()


def read_until(fd: int, marker: bytes | None, seen: bytearray, timeout: float = 180, since: int = 0) -> None:
    """Read the terminal into `seen` until `marker` shows, or (marker None) until the program closes it.
    Reading on while a program exits matters: a full terminal buffer would block its last writes."""
    deadline = time.monotonic() + timeout
    while marker is None or marker not in seen[since:]:
        if time.monotonic() > deadline:
            raise AssertionError(f"{marker!r} not on the terminal; it shows:\n{seen[-3000:].decode(errors='replace')}")
        if select.select([fd], [], [], 0.5)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the terminal closed: the program ended
                data = b""
            if not data:
                if marker is None:
                    return
                raise AssertionError(f"the program ended without showing {marker!r}:\n"
                                     f"{seen[-3000:].decode(errors='replace')}")
            seen += data


def press_when_shown(fd: int, screen: bytes, row: bytes, key: bytes, marker: bytes, seen: bytearray) -> None:
    """Once `row` shows after `screen`'s title (a screen's rows load after it appears), press `key` once and
    wait for `marker` (a key pressed again meanwhile could act on the next screen before it is drawn)."""
    read_until(fd, screen, seen)
    read_until(fd, row, seen, since=seen.rfind(screen))
    os.write(fd, key)
    read_until(fd, marker, seen, since=len(seen))


@contextmanager
def terminal(argv: list[str], **env: str):
    """`argv` in a real terminal (a pty, 120x40), with `env` added to the environment: yields (process, the
    terminal's fd, what it showed)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, start_new_session=True,
                            env={**os.environ, "TERM": "xterm-256color", **env})
    os.close(child)
    try:
        yield proc, main, bytearray()
    finally:
        proc.kill()
        os.close(main)


def quit_tui(proc, fd: int, seen: bytearray) -> None:
    os.write(fd, b"\x11")  # ctrl+q
    read_until(fd, None, seen, timeout=120)
    proc.wait(timeout=30)


def test_demo_opens_the_tui_in_a_real_terminal_and_quitting_stops_everything():
    with terminal(DEMO[:-1]) as (proc, fd, seen):
        # the first of the customer's topics, then its thread, with Acme's answer
        press_when_shown(fd, b"Topics you follow", b"acme/gadget", b"\r", b"Threads in acme/gadget", seen)
        press_when_shown(fd, b"Threads in acme/gadget", b"Gadget battery empty by noon", b"\r",
                         b"Firmware 3.2.1 fixes the drain", seen)
        quit_tui(proc, fd, seen)
    assert proc.returncode == 0, seen[-3000:].decode(errors="replace")
    assert b"stopped 6 node processes" in seen and b"Traceback" not in seen
    root = demo_root(seen.decode(errors="replace"))
    assert demo_processes(str(root)) == []
    assert not root.exists()


def test_antiport_tui_unlocks_the_key_starts_the_node_it_needs_and_stops_it_on_quit(tmp_path):
    home = tmp_path / "home"
    subprocess.run([*DEMO[:-2], "--home", str(home), "init", "--name", "Casey"], check=True, timeout=60,
                   env={**os.environ, "ANTIPORT_PASSPHRASE": "open sesame"})
    with terminal([*DEMO[:-2], "--home", str(home), "tui"]) as (proc, fd, seen):
        read_until(fd, b"passphrase of the identity in", seen)
        os.write(fd, b"open sesame\r")  # the node it starts opens the key with it too
        read_until(fd, b"You follow no topics yet", seen)
        quit_tui(proc, fd, seen)
    assert proc.returncode == 0 and b"Traceback" not in seen
    assert b"starting the node" in seen
    assert demo_processes(str(home)) == []


def test_a_german_reader_gets_the_tui_in_german(tmp_path):
    """LANGUAGE picks the catalog (tui/i18n.py): the topics screen, its hint and the footer's keys in German."""
    home = tmp_path / "home"
    subprocess.run([*DEMO[:-2], "--home", str(home), "init", "--no-passphrase"], check=True, timeout=60)
    with terminal([*DEMO[:-2], "--home", str(home), "tui"], LANGUAGE="de") as (proc, fd, seen):
        read_until(fd, b"Themen, denen Sie folgen", seen)
        read_until(fd, "Sie folgen noch keinen Themen: drücken Sie f".encode(), seen)
        read_until(fd, b"Folgen", seen)  # the footer's first key, f
        quit_tui(proc, fd, seen)
    assert proc.returncode == 0 and b"Traceback" not in seen
    assert b"Topics you follow" not in seen and b"Follow" not in seen
