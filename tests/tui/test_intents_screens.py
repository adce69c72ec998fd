"""The intents screens (specs/12, issue 14) against a real node: compose an intent, compare the two offers that
come back side by side with each vendor's record, accept one; the other is declined."""
from __future__ import annotations

import pytest
from antiport.node.service import write
from antiport.tui.intents import IntentComposeScreen, IntentsScreen, OffersScreen
from antiport.tui.opform import OpForm
from textual.widgets import DataTable
from tui_helpers import notes, press, row, until

pytestmark = pytest.mark.asyncio


def vendor(world, name: str, org: str) -> object:
    """A vendor serving laptops (and its own product topic) from an offline home."""
    person = world.person(name)
    write(person.ctx(), "vendor", "", {"org": org, "topics": ["intent/laptops", f"{name}/laptop"]})
    return person


async def test_compose_compare_and_accept(app, node, world):
    acme, globex = vendor(world, "acme", "Acme"), vendor(world, "globex", "Globex")
    fan = world.person("bob").call("ask", topic="acme/laptop", title="Fan noise", text="Loud.")["id"]
    world.sync()
    acme.call("answer", id=fan, text="Clean it.")  # Acme's record: one request seen, answered
    world.sync()
    async with app.run_test() as pilot:
        await press(pilot, "b")
        assert isinstance(pilot.app.screen, IntentsScreen)
        assert "No intents yet" in str(pilot.app.screen.query_one("#empty").render())
        await press(pilot, "n", "ctrl+s")
        assert isinstance(pilot.app.screen, IntentComposeScreen)
        assert any("Fill in the category and title and text" in n for n in notes(pilot.app))
        await pilot.press(*"laptops", "tab", *"A light laptop", "tab", *"900", "tab", *"EUR", "tab", *"Berlin",
                          "tab", "tab", *"no-tracking,purpose-only", "tab", *"14 inch, Linux must work")
        await press(pilot, "ctrl+s")
        screen = pilot.app.screen
        assert isinstance(screen, OffersScreen) and "No offers yet" in str(screen.query_one("#empty").render())
        assert "A light laptop (intent/laptops, open" in str(screen.query_one("#intent").render())
        [mine] = node.call("intents", mine=True)
        assert (mine["budget"], mine["currency"], mine["terms"]) == (90_000, "EUR", ["no-tracking", "purpose-only"])

        world.sync()  # the vendors get the intent and answer it
        acme.call("intent_offer", id=mine["id"], price="949", currency="EUR", text="X1 Carbon, 32 GB",
                  accepts="no-tracking")
        globex.call("intent_offer", id=mine["id"], price="899.90", currency="EUR", text="Framework 13",
                    accepts="no-tracking,purpose-only")
        world.sync()
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2, "both offers on the screen")
        rows = [row(table, i) for i in range(2)]  # in the order they were made
        assert rows == [["Acme", "949.00 EUR", rows[0][2], "1 of 2", "1 of 2", 1, "100%", rows[0][7], "0%", "open"],
                        ["Globex", "899.90 EUR", rows[1][2], "2 of 2", "2 of 2", 0, "–", "–", "–", "open"]]
        panel = str(screen.query_one("#offer").render())  # the highlighted one: Acme's
        assert "X1 Carbon" in panel and "does not accept: purpose-only" in panel

        await press(pilot, "down", "a")
        assert isinstance(pilot.app.screen, OpForm) and "899.90 EUR from Globex" in pilot.app.screen.heading
        await pilot.press(*"ada@example.org")  # the contact (the text says "Accepted." unless she changes it)
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
        await until(pilot, lambda: sorted(str(row(table, i)[-1]) for i in range(2)) == ["awarded", "declined"],
                    "the award and the decline shown")
        states = {str(row(table, i)[0]): str(row(table, i)[-1]) for i in range(2)}
        assert states == {"Globex": "awarded", "Acme": "declined"}
    offers = {o["org"]: o["state"] for o in node.call("intent_offers")}
    assert offers == {"Globex": "awarded", "Acme": "declined"}
