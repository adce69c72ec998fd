"""specs/08-threats.md names the tests that show each defence: every one it names exists, so the threat
model cannot point at a test that was renamed or removed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent


def named_tests() -> list[tuple[str, str | None]]:
    """(file, test function or None) for every `tests/...py` or `tests/...py::name` or `::name` (the file before)."""
    text = (ROOT / "specs" / "08-threats.md").read_text()
    out, last = [], None
    for path, name in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", text):
        last = path or last
        if path or name:
            out.append((last, name or None))
    return out


def test_every_test_the_threat_model_names_exists():
    named = named_tests()
    assert len([n for _, n in named if n]) >= 40
    for path, name in named:
        source = (ROOT / path).read_text()
        assert name is None or re.search(rf"^(async )?def {name}\(", source, re.M), f"{path}::{name}"
