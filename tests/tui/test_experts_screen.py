from __future__ import annotations

import pytest
from antiport.tui.experts import ExpertsScreen
from textual.widgets import DataTable
from tui_helpers import notes, settle
from tui_helpers import row as tui_row

pytestmark = pytest.mark.asyncio


async def test_experts_why_and_trust(app, node, world):
    expert = world.person("expert")
    asked = node.call("ask", topic="acme/widget", title="It hums", text="Why does it hum?")["id"]
    world.sync()
    answered = expert.call("answer", id=asked, text="Loose fan; tighten the screw.")["id"]
    world.sync()
    node.call("accept", id=answered)
    did = expert.call("id")["did"]

    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ExpertsScreen)
        row = tui_row(screen.query_one(DataTable), 0)
        assert row[0] == 1 and "expert" in str(row[1]) and float(row[2]) > 0 and row[3:5] == [1, 1]
        assert row[6].startswith("100% · ") and row[6].endswith(" · 100% ✔")  # answered, wait, accepted
        await pilot.press("enter")
        await settle(pilot)
        why = str(screen.query_one("#why").render())
        assert "accept" in why and "from you" in why
        before = score_in(why)
        await pilot.press("t")
        await settle(pilot)
        assert any("You trust expert" in n for n in notes(pilot.app))
        why = str(screen.query_one("#why").render())
        assert "trust" in why and score_in(why) != before  # the panel shows the new score, not the old
    facts = node.call("why", did=did, topic="acme/widget")["topics"][0]["facts"]
    assert {f["kind"] for f in facts} == {"accept", "trust"}


def score_in(why: str) -> float:
    return float(why.split("(score ")[1].split()[0])


async def test_no_experts_yet(app):
    async with app.run_test() as pilot:
        await settle(pilot)
        pilot.app.push_screen(ExpertsScreen("acme/widget"))
        await settle(pilot)
        assert "answers in this topic get accepted" in str(pilot.app.screen.query_one("#empty").render())
        await pilot.press("t", "enter")
        await settle(pilot)
        assert any("Nobody to trust" in n for n in notes(pilot.app))
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, ExpertsScreen)
