"""Antiport node."""
from . import libp2p_imports  # noqa: F401 -- first, before anything imports py-libp2p
