"""protocol/ does no I/O and reads no clock; crypto/ imports nothing else of ours. Checked on the source."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = {
    "protocol": {"__future__", "cbor2", "dataclasses", "hashlib", "re", "typing", "unicodedata", "collections",
                 "enum", "bisect", "itertools", "functools", "antiport.crypto"},
    "crypto": {"__future__", "nacl", "json", "os", "pathlib", "hashlib", "dataclasses", "typing", "functools",
               "mnemonic"},  # mnemonic: the BIP-39 word list of a paper backup
}
FORBIDDEN_CALLS = {"open", "time", "time_ns", "monotonic", "now", "utcnow", "today", "sleep"}


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def allowed(name: str, allow: set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allow)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_are_on_the_allow_list(package):
    files = sorted((ROOT / package).glob("*.py"))
    assert files
    bad = [(f.name, name) for f in files for name in imports(f) if not allowed(name, ALLOWED[package])]
    assert not bad, f"{package}/ imports outside its allow-list: {bad}"


def test_protocol_reads_no_clock_and_opens_nothing():
    calls = []
    for f in sorted((ROOT / "protocol").glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                if name in FORBIDDEN_CALLS:
                    calls.append((f.name, node.lineno, name))
    assert not calls, calls


def test_the_checker_catches_a_forbidden_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("import trio\nfrom sqlite3 import connect\nfrom . import codec\nimport cbor2\n")
    assert [n for n in imports(f) if not allowed(n, ALLOWED["protocol"])] == ["trio", "sqlite3"]
