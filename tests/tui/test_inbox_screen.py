"""The inbox screen against a real node: an answer and a vendor's status in the asker's thread show in the
header's count and in the inbox; opening the thread clears them; they stay read after the TUI restarts."""
from __future__ import annotations

import pytest
from antiport.tui.app import AntiportApp
from antiport.tui.inbox import InboxScreen
from antiport.tui.thread import ThreadScreen
from tui_helpers import cells, press, settle, until

pytestmark = pytest.mark.asyncio
W = "acme/widget"


async def test_news_in_my_thread_show_in_the_inbox_and_clear_when_i_open_it(app, node, world):
    olga = world.person("olga")
    asked = node.call("ask", topic=W, title="Widget <b>squeaks</b>", text="since Monday")["id"]
    world.sync()
    olga.call("answer", id=asked, text="Oil the [b]hinge[/b]")
    async with app.run_test() as pilot:
        await settle(pilot)
        world.sync()
        await until(pilot, lambda: "· inbox 1" in pilot.app.sub_title, "the count in the header")
        await press(pilot, "m")
        screen = pilot.app.screen
        assert isinstance(screen, InboxScreen)
        await until(pilot, lambda: [r[:5] for r in cells(screen)] == [
            ["●", "answer", W, "Widget <b>squeaks</b>", "Oil the [b]hinge[/b]"]], "the answer in the inbox")
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ThreadScreen)
        await until(pilot, lambda: "· inbox" not in pilot.app.sub_title, "the count cleared")
        await press(pilot, "escape")
        await until(pilot, lambda: cells(pilot.app.screen) == [], "nothing unread")
        await press(pilot, "t")
        await until(pilot, lambda: [r[:2] for r in cells(pilot.app.screen)] == [["", "answer"]], "read, shown with t")
    async with AntiportApp(node).run_test() as pilot:  # again: still read
        await settle(pilot)
        await press(pilot, "m")
        await until(pilot, lambda: any("Nothing new" in str(w.render()) for w in pilot.app.screen.query("#empty")),
                    "still read")
        assert "inbox" not in pilot.app.sub_title


async def test_a_thread_passed_on_to_me_shows_once_with_the_note_and_clears_when_read(app, node, world):
    olga = world.person("olga")
    asked = olga.call("ask", topic=W, title="Hinge <b>squeaks</b>", text="since Monday")["id"]
    me = node.call("id")["did"]
    olga.call("share", id=asked, to=[me], note="You had [b]this[/b] too?")
    async with app.run_test() as pilot:
        await settle(pilot)
        world.sync()
        await until(pilot, lambda: "· inbox 1" in pilot.app.sub_title, "the count in the header")
        await press(pilot, "m")
        await until(pilot, lambda: [r[:5] for r in cells(pilot.app.screen)] == [
            ["●", "shared", W, "Hinge <b>squeaks</b>", "You had [b]this[/b] too?"]], "the share in the inbox")
        await press(pilot, "r")
        await until(pilot, lambda: "· inbox" not in pilot.app.sub_title, "the count cleared")
        await until(pilot, lambda: cells(pilot.app.screen) == [], "nothing unread")
