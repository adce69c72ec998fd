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
    """The modules loaded from a file after `code` ran in a fresh interpreter (not unused_imports' stand-ins)."""
    listing = "import sys, json; print(json.dumps([n for n, m in sys.modules.items() if getattr(m, '__file__', 0)]))"
    out = subprocess.run([sys.executable, "-c", f"{code}; {listing}"], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out))


def test_a_node_start_imports_no_test_tools():
    # pytest is installed here (the test extra), so trio.testing would bring it in
    loaded = modules_after(START)
    assert "trio" in loaded and "antiport.node.ingest" in loaded
    assert not {"trio.testing", "pytest", "_pytest"} & loaded


def test_a_node_start_imports_none_of_the_transports_it_does_not_use():
    # py-libp2p's QUIC, TLS, relay and WebSocket, and dnspython's DNS-over-QUIC (antiport.node.unused_imports says why)
    loaded = modules_after(START)
    assert {"libp2p.transport.tcp.tcp", "libp2p.security.noise.transport", "libp2p.pubsub.gossipsub"} <= loaded
    assert not {"aioquic", "service_identity", "libp2p.security.tls.transport",
                "libp2p.relay.circuit_v2.nat", "libp2p.transport.websocket.transport"} & loaded


def test_what_is_taken_from_an_unused_transport_is_a_placeholder_that_cannot_be_made():
    code = ("import antiport.node, pytest; from libp2p.transport.quic.transport import QUICTransport\n"
            "assert issubclass(QUICTransport, Exception)\n"
            "with pytest.raises(RuntimeError, match='not loaded by Antiport'): QUICTransport(None)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_node_start_imports_no_command_line_of_httpx_no_numpy_and_no_templates():
    # httpx's command line (rich, click's terminal parts, pygments), the numpy sqlite_utils probes for (the reader
    # processes preload it for the ledger), jinja2 (only a node serving its web view makes the templates)
    loaded = modules_after(START)
    assert {"httpx", "sqlite_utils", "antiport.node.web"} <= loaded
    assert not {"httpx._main", "rich", "pygments", "numpy", "jinja2"} & loaded


def test_what_a_node_leaves_out_is_still_there_for_who_asks():
    code = ("import antiport.node, httpx, sqlite_utils, numpy\n"
            "from antiport.node.web import templates\n"
            "assert templates().get_template('error.html')\n"
            "assert numpy.arange(3).sum() == 3\n")
    subprocess.run([sys.executable, "-c", code], check=True)
