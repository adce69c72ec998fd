"""Installing Antiport as a person would: a built wheel through pipx (its package data included: the TUI
starts), `--version`, and shell completion that a real bash uses."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from test_demo import quit_tui, read_until, terminal

REPO = Path(__file__).resolve().parents[2]
ANTIPORT = str(Path(sys.executable).with_name("antiport"))


def test_version_and_bash_completion():
    shown = subprocess.run([ANTIPORT, "--version"], capture_output=True, text=True, check=True).stdout
    assert shown == f"antiport {version('antiport')}\n"
    complete = """source <(antiport completion bash)
        ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                _shtab_antiport; printf '%s\\n' "${COMPREPLY[@]}"; echo --; }
        ask antiport fol; ask antiport ask --ti"""
    env = {**os.environ, "PATH": f"{Path(ANTIPORT).parent}:{os.environ['PATH']}"}
    out = subprocess.run(["bash", "-c", complete], capture_output=True, text=True, check=True, env=env).stdout
    assert out == "follow\n--\n--title\n--\n"


def test_a_closed_pipe_is_not_an_error():
    r = subprocess.run(f"'{ANTIPORT}' completion bash | head -1", shell=True, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("#") and r.stderr == ""


@pytest.mark.slow
def test_pipx_installs_the_wheel_and_the_tui_starts(tmp_path):
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info",
                                                                  "build", "dist", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist", source],
                   check=True, timeout=600)
    wheel = next((tmp_path / "dist").glob("antiport-*.whl"))
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin"),
           "PIPX_MAN_DIR": str(tmp_path / "man")}
    subprocess.run([sys.executable, "-m", "pipx", "install", "--python", sys.executable, str(wheel)], check=True,
                   env=env, timeout=900, capture_output=True)
    installed = str(tmp_path / "bin" / "antiport")
    assert subprocess.run([installed, "--version"], capture_output=True, text=True, check=True).stdout.startswith(
        "antiport ")
    home = tmp_path / "home"
    subprocess.run([installed, "--home", str(home), "init", "--no-passphrase", "--name", "Dana"], check=True,
                   timeout=120)
    with terminal([installed, "--home", str(home), "tui"]) as (proc, fd, seen):
        read_until(fd, b"You follow no topics yet", seen)
        quit_tui(proc, fd, seen)
    assert proc.returncode == 0 and b"Traceback" not in seen
