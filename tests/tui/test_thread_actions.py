"""Every operation a person may perform is reachable in the TUI: report, retract and (for the topic's
vendor) status on the thread screen, and all of them in the command palette, as forms from the op
registry."""
from __future__ import annotations

import time

import pytest
from antiport.app.cli import main
from antiport.crypto import Identity
from antiport.node.ops import OPS
from antiport.protocol import sign
from antiport.tui.opform import OpForm
from antiport.tui.thread import ThreadScreen
from textual.widgets import DataTable, Input
from tui_helpers import notes, settle

pytestmark = pytest.mark.asyncio


def thread_with_an_answer(node, world) -> tuple[str, str]:
    seller = world.person("seller")
    asked = node.call("ask", topic="acme/widget", title="It rattles", text="Since the drop")["id"]
    world.sync()
    answered = seller.call("answer", id=asked, text="Buy a new one at my shop")["id"]
    world.sync()
    return asked, answered


def be_the_vendor(node, topic: str) -> None:
    manifest = sign(node.home.identity(), "vendor", "", {"org": "Acme", "topics": [topic]},
                    created=int(time.time() * 1000))
    node.import_(manifest.raw)


def palette(app) -> list[str]:
    return [c.title for c in app.get_system_commands(app.screen)]


async def open_thread(pilot, asked: str) -> ThreadScreen:
    pilot.app.push_screen(ThreadScreen(asked))
    await settle(pilot)
    return pilot.app.screen


async def test_report_an_answer_and_retract_your_request(app, node, world):
    asked, answered = thread_with_an_answer(node, world)
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = await open_thread(pilot, asked)
        assert not screen.check_action("status", ())  # not the vendor: no Status key
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OpForm) and "answer by seller" in pilot.app.screen.heading
        await pilot.press(*"selling, not helping", "enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("x")  # the highlighted answer is not yours: your request is what you retract
        await settle(pilot)
        assert "Retract your request" in pilot.app.screen.heading
        await pilot.press("ctrl+s")  # the reason is optional
        await settle(pilot)
        assert any("done" in n for n in notes(pilot.app))
    view = node.call("show", id=asked)
    report = next(e for e in view["events"] if e["kind"] == "report")
    assert report["refs"] == [answered] and report["body"]["reason"] == "selling, not helping"
    assert view["retracted"]


async def test_thank_an_answer_and_offer_a_bounty_on_your_request(app, node, world):
    asked, answered = thread_with_an_answer(node, world)
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = await open_thread(pilot, asked)
        assert screen.check_action("bounty", ())  # your own request
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OpForm) and "Thank seller" in pilot.app.screen.heading
        await pilot.press(*"it saved my day", "ctrl+s")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, OpForm) and form.op.name == "bounty"
        form.query_one("#p-amount", Input).value = "two"
        await pilot.press("ctrl+s")
        assert any("whole number" in n for n in notes(pilot.app)) and pilot.app.screen is form
        form.query_one("#p-amount", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "bounty 2" in str(screen.query_one("#meta").render())
        assert str(screen.query_one(DataTable).get_row_at(0)[5]) == "+0, 1 thanks"
    view = node.call("show", id=asked)
    assert view["bounty"] == 2 and view["answers"][0]["thanks"] == 1
    [thanks] = [e for e in view["events"] if e["kind"] == "thanks"]
    assert thanks["refs"] == [answered] and thanks["body"]["note"] == "it saved my day"


async def test_mute_the_author_of_an_answer(app, node, world):
    asked, answered = thread_with_an_answer(node, world)
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = await open_thread(pilot, asked)
        await pilot.press("u")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, OpForm) and "Mute seller" in form.heading
        assert form.query_one("#p-topic", Input).value == "acme/widget"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "muted" in str(screen.query_one(DataTable).get_row_at(0)[1])
        assert "Buy a new one" not in str(screen.query_one(DataTable).get_row_at(0)[1])
    [muted] = node.call("muted")["muted"]
    assert muted["topic"] == "acme/widget" and muted["level"] == "muted"
    assert node.call("show", id=asked)["answers"][0]["hidden"]


async def test_the_vendor_sets_a_status_from_the_thread(app, node, world):
    asked, _ = thread_with_an_answer(node, world)
    be_the_vendor(node, "acme/widget")
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = await open_thread(pilot, asked)
        assert screen.check_action("status", ())
        await pilot.press("s")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, OpForm) and form.op.name == "status"
        await pilot.press("ctrl+s")  # no state chosen yet
        assert any("Fill in the state" in n for n in notes(pilot.app))
        form.query_one("#p-state").value = "in-progress"
        form.query_one("#p-note", Input).value = "parts ordered"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "vendor: in-progress" in str(screen.query_one("#meta").render())
    assert node.call("show", id=asked)["status"] == "in-progress"


async def test_the_palette_offers_every_operation_you_may_perform(app, node):
    async with app.run_test() as pilot:
        await settle(pilot)
        titles = palette(pilot.app)
        assert {"Report", "Retract", "Vote", "Accept", "Resolve", "Trust", "Profile", "Follow", "Unfollow",
                "Ask", "Complain", "Answer"} <= set(titles)
        assert "Status" not in titles  # only a vendor's key may set a status
        be_the_vendor(node, "acme/widget")
        pilot.app.show_identity()
        await settle(pilot)
        writes = {c.name.capitalize() for op in OPS.values() if op.write for c in op.commands}
        assert writes <= set(palette(pilot.app))


async def test_a_palette_form_is_filled_in_from_the_screen(app, node, world):
    asked, _ = thread_with_an_answer(node, world)
    async with app.run_test() as pilot:
        await settle(pilot)
        await open_thread(pilot, asked)
        pilot.app.perform("report", {})
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, OpForm) and form.query_one("#p-id", Input).value == asked
        await pilot.press(*"spam", "enter")
        await settle(pilot)
    assert [e["kind"] for e in node.call("show", id=asked)["events"]] == ["report"]


async def test_a_vendors_answer_and_status_name_the_agent_who_wrote_them_as_plain_text(app, node, capsys):
    """specs/02 section 9: the vendor's bridge signs the helpdesk agent's name into the body; the thread shows
    'Acme (agent: Jo)' after the vendor's name, in the answers and the events, the CLI too, markup as text."""
    asked = node.call("ask", topic="acme/widget", title="It rattles", text="Since the drop")["id"]
    acme, now = Identity.generate(), int(time.time() * 1000)
    node.import_(b"".join(m.raw for m in (
        sign(acme, "profile", "", {"name": "Acme"}, created=now),
        sign(acme, "vendor", "", {"org": "Acme", "topics": ["acme/widget"]}, created=now),
        sign(acme, "answer", "acme/widget", {"text": "Tighten the screw.", "agent": "[b]Jo[/b]", "agent_id": "14"},
             [asked], created=now + 1),
        sign(acme, "status", "acme/widget", {"state": "in-progress", "agent": "Sam"}, [asked], created=now + 2))))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = await open_thread(pilot, asked)
        row = screen.query_one(DataTable).get_row_at(0)
        assert str(row[2]).startswith("Acme (agent: [b]Jo[/b]) (…")
        assert "in-progress by Acme (agent: Sam) (…" in str(screen.query_one("#events").render())
    capsys.readouterr()
    assert main(["--home", str(node.home.path), "show", asked]) == 0
    out = capsys.readouterr().out
    assert "status: in-progress (agent: Sam)" in out and "by Acme (agent: [b]Jo[/b]) (did:key:" in out
