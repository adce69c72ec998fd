"""What a node's start imports: six of them start at once in `make demo`, each importing on its own, so a module
imported for nothing costs six times (docs/performance.md, `make demo` in parts)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.fast

# what `antiport run` imports before its node answers: the command line, the runtime and the local API
START = "import antiport.app.cli, antiport.node.runtime, antiport.node.api, antiport.node.readers"


def modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}; import sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_a_node_start_imports_no_test_tools():
    # pytest is installed here (the test extra), so trio.testing would bring it in
    loaded = modules_after(START)
    assert "trio" in loaded and "antiport.node.ingest" in loaded
    assert not {"trio.testing", "pytest", "_pytest"} & loaded
