"""What the main screens look like, on a fixed network (tests/tui/snapshot_world.py) and a fixed clock.
After an intended change of a screen: pytest tests/tui/test_snapshots.py --snapshot-update, and
look at the SVGs in __snapshots__ before committing them."""
from __future__ import annotations

import pytest
from antiport.tui.app import AntiportApp
from snapshot_world import NOW, casey_home
from tui_helpers import settle

SIZE = (110, 32)


@pytest.fixture
def casey(tmp_path):
    client = casey_home(tmp_path / "casey")
    yield AntiportApp(client, now=lambda: NOW / 1000)
    client.close()


def shows(*keys):
    """run_before for snap_compare: press keys, each followed by the screen settling; then stop the
    cursors blinking (a blinking cursor shows or not depending on when the picture is taken)."""
    async def run(pilot):
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False
        await settle(pilot)
    return run


def test_topics(snap_compare, casey):
    assert snap_compare(casey, run_before=shows(), terminal_size=SIZE)


def test_help(snap_compare, casey):
    assert snap_compare(casey, run_before=shows("question_mark"), terminal_size=SIZE)


@pytest.mark.parametrize("name, keys", [
    ("threads", ["down", "enter"]),
    ("thread", ["down", "enter", "down", "enter"]),
    ("compose", ["n"]),
    ("search", ["slash", *"battery", "enter"]),
    ("experts_why", ["down", "e", "enter"]),
    ("vendors", ["v"]),
    ("vendor_chart", ["v", "enter"]),
    ("network", ["w"]),
    ("identity", ["i"]),
])
def test_screen(snap_compare, casey, name, keys):
    assert snap_compare(casey, run_before=shows(*keys), terminal_size=SIZE)
