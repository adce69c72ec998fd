"""The whole suite: under pytest-xdist (`make test` runs it in parallel), the heavy tests -- several node
processes each, or Request Tracker, whose one server they share -- go to one worker, one after another,
while the light ones share the other workers."""
from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("slow") or item.get_closest_marker("rt"):
            item.add_marker(pytest.mark.xdist_group("heavy"))
