"""Cross-posts on the TUI against a real node (specs/13): x on a topic's threads lists the threads of other topics
pointed to from it, their own titles as plain text; enter opens one the node holds, and follows the topic of
one it does not."""
from __future__ import annotations

import pytest
from antiport.node.service import write
from antiport.tui.app import AntiportApp
from antiport.tui.crossposts import CrosspostsScreen
from antiport.tui.thread import ThreadScreen
from tui_helpers import cells, notes, press, settle, until

pytestmark = pytest.mark.asyncio
W, G = "acme/widget", "acme/gadget"


async def test_pointers_from_a_topic_open_their_thread_or_follow_its_topic(node, world):
    olga = world.person("olga")
    asked = olga.call("ask", topic=W, title="Hinge <b>squeaks</b>", text="since Monday")["id"]
    olga.call("crosspost", id=asked, topic=G, note="The gadget has [b]this[/b] hinge")
    write(olga.ctx(), "crosspost", G, {"thread": bytes(range(32)), "source": "acme/sprocket", "title": "Elsewhere"})
    node.call("follow", topic=G)
    world.sync()
    async with AntiportApp(node, start=("topic", G)).run_test() as pilot:
        await settle(pilot)
        await press(pilot, "x")
        screen = pilot.app.screen
        assert isinstance(screen, CrosspostsScreen)
        await until(pilot, lambda: len(cells(screen)) == 2, "both pointers")
        rows = {r[0]: r[1:3] for r in cells(screen)}
        assert rows == {"Hinge <b>squeaks</b>": [W, "The gadget has [b]this[/b] hinge"],
                        "Elsewhere": ["acme/sprocket (not held)", ""]}
        order = [r[0] for r in cells(screen)]
        await press(pilot, *["down"] * order.index("Elsewhere"), "enter")
        await until(pilot, lambda: any("Following acme/sprocket" in n for n in notes(pilot.app)), "followed")
        assert "acme/sprocket" in [t["topic"] for t in node.call("topics")]
        await press(pilot, *["up"] * len(order), *["down"] * order.index("Hinge <b>squeaks</b>"), "enter")
        assert isinstance(pilot.app.screen, ThreadScreen)
