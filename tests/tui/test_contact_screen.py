"""The contact card screen against a real node (specs/11): the form sets the card and sends it to a vendor named
there; per vendor the screen shows it pending, then what the vendor's receipt says, its reason as plain text."""
from __future__ import annotations

import pytest
from antiport.crypto import key_from_did
from antiport.node.service import write
from antiport.protocol.contact import seal_receipt
from antiport.tui.contact import ContactForm, ContactScreen
from textual.widgets import Input, Static
from tui_helpers import cells, notes, press, settle, until

pytestmark = pytest.mark.asyncio


def card_text(screen) -> str:
    return str(screen.query_one("#card", Static).render())


async def test_the_form_sends_the_card_and_the_screen_follows_each_vendor(app, node, world):
    acme = world.person("acme")
    me = node.call("id")["did"]
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "k")
        screen = pilot.app.screen
        assert isinstance(screen, ContactScreen) and "No card yet" in card_text(screen)
        await press(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, ContactForm)
        await press(pilot, *"Ada")
        form.query_one("#f-email", Input).value = "ada at home"
        form.query_one("#f-vendor", Input).value = acme.call("id")["did"]
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: any("email is an address" in n for n in notes(pilot.app)), "the card refused")
        assert pilot.app.screen is form and node.call("contact_show")["card"] == {}  # nothing set, nothing sent

        form.query_one("#f-email", Input).value = "ada@example.org"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
        await until(pilot, lambda: [r[1] for r in cells(screen)] == ["pending"], "pending at the vendor")
        assert "Name: Ada" in card_text(screen) and "Email: ada@example.org" in card_text(screen)

        world.sync()  # the vendor receives the card, and refuses it with a reason that looks like markup
        [contact] = [c for c in acme.ctx().store.contacts_by(me)]
        write(acme.ctx(), "receipt", "", {"to": key_from_did(me), "sealed": seal_receipt(
            key_from_did(me), "refused", "We keep [b]no[/b] <i>emails</i>")}, [contact.id])
        world.sync()
        await until(pilot, lambda: [r[1:] for r in cells(screen)][0][0] == "REFUSED", "the refusal shown")
        assert cells(screen)[0][3] == "We keep [b]no[/b] <i>emails</i>"
