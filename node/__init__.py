"""Antiport node."""
from . import unused_imports  # noqa: F401 -- first, before anything imports what it leaves out
