from __future__ import annotations

import pytest
from bridge_helpers import Receiver, World


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.store.close()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()
