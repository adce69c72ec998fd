"""Third-party modules a node does not load, each import a node's processes would pay at every start (six nodes and
their readers at once in `make demo`). This runs first in the package (node/__init__.py), before anything imports
them; tests/node/test_start_imports.py checks each.

- py-libp2p's QUIC, TLS, circuit relay and WebSocket (about a fifth of a node's imports): importing py-libp2p imports
  every transport and security protocol it has (its package imports them all, and its host module imports the
  AutoTLS client), though a node uses TCP, Noise and Yamux only. Their modules are served here as empty stand-ins:
  any name taken from one is a placeholder class (an exception class, so that py-libp2p's `except (…QUIC errors…)`
  and `isinstance` checks work, and never match), which refuses to be instantiated, so a code path that really
  needed one fails loudly. A listen address of those transports is refused before the host starts
  (libp2p_fixes.check_listen). This has to be in place before py-libp2p is first imported, so it is not in
  libp2p_fixes.py, which imports py-libp2p itself.
- dnspython's DNS-over-QUIC, which py-libp2p's DNS resolving would bring in (the QUIC library and its TLS stack).
- httpx's command line (rich, click, pygments): httpx imports it only when it can; without it, httpx's `main` says
  how to install it.
- numpy, as sqlite_utils probes for it when imported (to store numpy values, which the store never has): numpy is
  imported where the ledger needs it (node/ledger.py, preloaded by the reader processes, node/readers.py).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

import dns._features

UNUSED = ("libp2p.transport.quic", "libp2p.security.tls", "libp2p.relay", "libp2p.transport.websocket")


class Unused(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the modules of UNUSED (and everything under them) as empty stand-ins."""

    def find_spec(self, name, path=None, target=None):
        if any(name == unused or name.startswith(unused + ".") for unused in UNUSED):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name, "not loaded by Antiport (see antiport.node.unused_imports)")
        module.__path__ = []
        module.__getattr__ = lambda attr: placeholder(module, attr)
        return module

    def exec_module(self, module) -> None:
        pass


def placeholder(module: types.ModuleType, attr: str) -> type:
    if attr.startswith("__"):
        raise AttributeError(attr)

    def refuse(self, *args, **kwargs):
        raise RuntimeError(f"{module.__name__}.{attr} is not loaded by Antiport (see antiport.node.unused_imports)")

    cls = type(attr, (Exception,), {"__module__": module.__name__, "__init__": refuse})
    setattr(module, attr, cls)
    return cls


if "libp2p" not in sys.modules and not any(isinstance(f, Unused) for f in sys.meta_path):
    sys.meta_path.insert(0, Unused())
dns._features.force("doq", False)
sys.modules.setdefault("httpx._main", None)  # an import of it fails, as when its dependencies are not installed
if "numpy" not in sys.modules and "sqlite_utils" not in sys.modules:
    sys.modules["numpy"] = None  # while sqlite_utils is imported only: its probe fails as when numpy is not installed
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]
