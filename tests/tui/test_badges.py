"""A thread's state in the tables and on its screen: each fact said once, and whose it is."""
from __future__ import annotations

import pytest
from antiport.tui.base import badges

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("thread, shown", [
    ({"accepted": True, "resolved": True}, "accepted resolved"),
    ({"status": "in-progress"}, "vendor: in-progress"),
    ({"resolved": True, "status": "acknowledged"}, "resolved vendor: acknowledged"),
    ({"resolved": True, "status": "resolved"}, "resolved (asker and vendor)"),
    ({"status": "resolved"}, "vendor: resolved"),
    ({}, ""),
])
def test_each_state_is_said_once(thread, shown):
    assert badges(thread).plain == shown
