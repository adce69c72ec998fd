"""The real `antiport` command, from a test: without a terminal (as scripts run it) and at one (pexpect)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

ANTIPORT = str(Path(sys.executable).with_name("antiport"))


def antiport(home: Path, *argv: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """`antiport --home HOME ARGV…` with no terminal; `env` is added to the environment."""
    return subprocess.run([ANTIPORT, "--home", str(home), *argv], capture_output=True, text=True, timeout=120,
                          check=False, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          env={**os.environ, **env} if env else None)


def at_terminal(home: Path, *argv: str, timeout: float = 60) -> pexpect.spawn:
    """`antiport --home HOME ARGV…` on a terminal of its own: `expect` its prompts, `sendline` answers."""
    return pexpect.spawn(ANTIPORT, ["--home", str(home), *argv], encoding="utf-8", timeout=timeout,
                         dimensions=(40, 120))


def finished(term: pexpect.spawn) -> tuple[int, str]:
    """The exit code and the rest of what the command printed."""
    rest = term.read()
    term.close()
    return term.exitstatus, rest


def one_line_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 1, r
    assert r.stderr.startswith("antiport: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and all(w in r.stderr for w in words), r.stderr
