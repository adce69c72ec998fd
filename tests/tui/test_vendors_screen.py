from __future__ import annotations

import pytest
from antiport.app.cli import main
from antiport.app.processes import NodeProcess
from antiport.app.tls_site import WellKnownSite, make_certificates
from antiport.node.client import Client
from antiport.node.home import Home
from antiport.node.service import write
from antiport.tui.app import AntiportApp
from antiport.tui.vendors import VendorScreen, VendorsScreen, span
from helpers import wait_for
from textual.widgets import DataTable
from tui_helpers import notes, press, row, settle, until

pytestmark = pytest.mark.asyncio

DOMAIN = "acme.example"


async def test_vendor_metrics_and_chart(app, node, world):
    acme = world.person("acme")
    write(acme.ctx(), "vendor", "", {"org": "Acme Inc", "topics": ["acme/gadget", "acme/widget"]})
    hums = node.call("ask", topic="acme/widget", title="It hums", text="Why?")["id"]
    node.call("ask", topic="acme/widget", title="It smokes", text="Help")
    node.call("ask", topic="globex/box", title="Box is empty", text="Nobody answers here")
    world.sync()
    acme.call("answer", id=hums, text="Tighten the fan screw.")
    world.sync()
    detail = node.call("vendor", name="Acme Inc")["per_topic"]
    widget = next(t for t in detail if t["topic"] == "acme/widget")

    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        table = pilot.app.screen.query_one(DataTable)
        rows = [row(table, i) for i in range(table.row_count)]
        assert [str(r[0]) for r in rows] == ["Acme Inc", "globex (unclaimed)"]
        assert [str(r[1]) for r in rows] == ["unverified", "–"], "Acme's manifest names no domain"
        assert rows[0][2:6] == [2, 2, "50%", span(widget["median_response_s"])]
        assert "It smokes" in str(rows[0][-1]) and rows[1][3:5] == [1, "0%"]
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, VendorScreen)
        assert "no domain: unverified (its manifest names no domain)" in str(screen.query_one("#summary").render())
        topics = screen.query_one(DataTable)
        assert [row(topics, i)[:3] for i in range(topics.row_count)] == [["acme/gadget", 0, "–"],
                                                                               ["acme/widget", 2, "50%"]]
        chart = str(screen.query_one("#chart").render())
        assert "acme/widget  median █" in chart and span(widget["p90_response_s"]) in chart
        assert "acme/gadget  no response yet" in chart
    assert widget["median_response_s"] > 0


async def test_no_vendors_and_an_unknown_vendor(app):
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(pilot.app.screen, VendorsScreen)
        assert "No vendors yet" in str(pilot.app.screen.query_one("#empty").render())
        await pilot.press("enter")
        pilot.app.push_screen(VendorScreen("Nobody Ltd"))
        await settle(pilot)
        assert any("no vendor named 'Nobody Ltd'" in n for n in notes(pilot.app))


async def test_a_pin_conflict_is_shown_on_the_vendors_screens(tmp_path, capsys):
    """specs/02 section 6: Acme's domain is verified and pinned to Acme's key; later the site (taken over) lists a
    second key whose manifest claims the same name and domain. The CLI and the TUI show it as a conflict, and why."""
    ca, cert, key = make_certificates(tmp_path, [DOMAIN])
    site = WellKnownSite(cert, key, {}).start()
    home = Home(tmp_path / "me")
    home.init("me")
    home.write_config({**home.config(), "domains": {"ca_bundle": str(ca), "resolve": {DOMAIN: site.address}}})
    people = {}
    for name in ("acme", "squatter"):
        Home(tmp_path / name).init(name)
        people[name] = Client(Home(tmp_path / name))
    acme, squatter = (people[n].call("id")["did"] for n in ("acme", "squatter"))
    try:
        with NodeProcess(home.path) as proc:
            proc.wait_ready()
            node = Client(home)

            def claim(name: str, did: str, state: str) -> None:
                write(people[name].ctx(), "vendor", "", {"org": "Acme Corp", "topics": ["acme/widget"],
                                                         "domain": DOMAIN})
                node.import_(b"".join(people[name].export()))
                wait_for(lambda: any(r["did"] == did and r["identity"]["state"] == state
                                     for r in node.call("vendors")), f"{name} {state}")

            site.listing[DOMAIN] = [acme]
            claim("acme", acme, "verified")
            site.listing[DOMAIN] = [acme, squatter]
            claim("squatter", squatter, "conflict")
            detail = f"{DOMAIN} was first verified for another key, {acme}"

            capsys.readouterr()
            assert main(["--home", str(home.path), "vendors"]) == 0
            lines = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
            assert sorted(words[2] for words in lines) == ["conflict", "verified"]
            assert main(["--home", str(home.path), "vendor", squatter]) == 0
            assert f"{DOMAIN}: conflict ({detail})" in capsys.readouterr().out

            async with AntiportApp(node).run_test() as pilot:
                await press(pilot, "v")
                table = pilot.app.screen.query_one(DataTable)
                await until(pilot, lambda: table.row_count == 2, "both claimants listed")
                words = [str(row(table, i)[1]) for i in range(2)]
                assert sorted(words) == ["conflict", "verified"]
                table.move_cursor(row=words.index("conflict"))
                await press(pilot, "enter")
                assert isinstance(pilot.app.screen, VendorScreen)
                summary = pilot.app.screen.query_one("#summary")
                await until(pilot, lambda: detail in str(summary.render()), "the conflict explained")
                assert f"{DOMAIN}: conflict" in str(summary.render())
            node.close()
    finally:
        site.stop()
        for c in people.values():
            c.close()
