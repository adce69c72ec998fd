"""The expert's queue screen against a real node: a new request in a followed topic raises an alert and
shows in the queue; another expert's claim shows there until it ends; claim and skip from the keys."""
from __future__ import annotations

import time

import pytest
from antiport.crypto import Identity
from antiport.protocol import sign
from antiport.tui.queue import QueueScreen
from antiport.tui.topics import TopicsScreen
from textual.widgets import DataTable
from tui_helpers import notes, press, settle, until

pytestmark = pytest.mark.asyncio
W = "acme/widget"


def cells(screen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_a_new_request_alerts_and_shows_in_the_queue_and_a_claim_shows_until_it_ends(app, node, world):
    node.call("follow", topic=W)
    asker, olga = world.person("asker"), world.person("olga")
    async with app.run_test() as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, TopicsScreen)
        asked = asker.call("ask", topic=W, title="Widget [b]hums[/b]", text="since Monday")["id"]
        world.sync()
        await until(pilot, lambda: any("new request in acme/widget: Widget [b]hums[/b]" in n
                                       for n in notes(pilot.app)), "the alert")
        assert pilot.app.sub_title.endswith("· 1 new")
        await press(pilot, "q")
        screen = pilot.app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: [r[:2] for r in cells(screen)] == [[W, "Widget [b]hums[/b]"]], "the queue")
        assert not pilot.app.sub_title.endswith("new")  # seen

        # Olga's claim, signed 55 s into its one minute: shown, then gone when it ends
        raw = sign(Identity(olga.ctx().identity.seed), "claim", W, {"minutes": 1}, [asked],
                   created=int(time.time() * 1000) - 55_000).raw
        node.import_(raw)
        await until(pilot, lambda: "olga" in cells(screen)[0][5], "the claim shown")
        await until(pilot, lambda: cells(screen)[0][5] == "", "the claim ended", timeout=60)

        await press(pilot, "c")  # my own claim
        await until(pilot, lambda: cells(screen)[0][5] == "you", "my claim shown")
        assert [m["kind"] for m in node.call("show", id=asked)["events"]].count("claim") == 2
        await press(pilot, "s")
        await until(pilot, lambda: cells(screen) == [], "skipped")
        assert any("Nothing open" in str(w.render()) for w in screen.query("#empty"))
