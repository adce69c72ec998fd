"""Attachments from the command line on a home with no node running: ask/answer --attach, show lists them,
blob get saves one; a file that cannot be attached is one line and exit 1, nothing stored."""
from __future__ import annotations

import json

import pytest
from antiport.app.cli import main
from antiport.protocol.blobs import blob_hash

pytestmark = pytest.mark.fast

SHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
LOG = b"beep\n"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --attach takes paths relative to where the command runs
    (tmp_path / "shot.png").write_bytes(SHOT)
    (tmp_path / "boot.txt").write_bytes(LOG)
    assert run(capsys, "--home", "h", "init", "--no-passphrase")[0] == 0
    return "h"


def count(capsys, home) -> int:
    return len(json.loads(run(capsys, "--home", home, "list", "--json")[1])["threads"])


def test_ask_answer_show_and_get(home, capsys, tmp_path):
    code, out, err = run(capsys, "--home", home, "ask", "acme/widget", "--title", "Error", "--text", "See the shot",
                         "--attach", "shot.png", "--json")
    assert code == 0, err
    thread = json.loads(out)["id"]
    assert run(capsys, "--home", home, "answer", thread, "--text", "and the log", "--attach", "boot.txt")[0] == 0
    code, out, _ = run(capsys, "--home", home, "show", thread)
    assert f"[file] shot.png (image/png, {len(SHOT)} bytes) {blob_hash(SHOT).hex()}" in out
    assert f"[file] boot.txt (text/plain, 5 bytes) {blob_hash(LOG).hex()}" in out

    code, out, err = run(capsys, "--home", home, "blob", "get", blob_hash(SHOT).hex(), "-o", "copy.png")
    assert code == 0, err
    assert (tmp_path / "copy.png").read_bytes() == SHOT and "shot.png (image/png" in out
    code, _, err = run(capsys, "--home", home, "blob", "get", blob_hash(SHOT).hex(), "-o", "copy.png")
    assert code == 1 and err.startswith("antiport: cannot write copy.png") and err.count("\n") == 1
    assert (tmp_path / "copy.png").read_bytes() == SHOT  # never overwritten
    code, _, err = run(capsys, "--home", home, "blob", "get", "ab" * 32, "-o", "x")
    assert code == 1 and "no attachment" in err


@pytest.mark.parametrize("make, words", [
    (lambda d: None, "cannot attach"),                                        # no such file
    (lambda d: (d / "empty.txt").write_bytes(b""), "0 bytes"),
    (lambda d: (d / "big.bin").write_bytes(bytes(4 * 1024 * 1024)), "a file is 1 byte to"),
    (lambda d: (d / "a\x1b[2Jb.txt").write_bytes(b"x"), "name is one line"),   # a name the network refuses
])
def test_files_that_cannot_be_attached(home, capsys, tmp_path, make, words):
    before = count(capsys, home)
    make(tmp_path)
    name = next((p.name for p in tmp_path.iterdir() if p.name not in ("h", "shot.png", "boot.txt")), "missing.bin")
    code, _, err = run(capsys, "--home", home, "ask", "acme/widget", "--title", "t", "--text", "x", "--attach", name)
    assert code == 1 and err.startswith("antiport: ") and err.count("\n") == 1 and words in err, err
    assert count(capsys, home) == before
