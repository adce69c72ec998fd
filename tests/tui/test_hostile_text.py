"""All network text is untrusted (specs/02 section 2, characters). A second `antiport run` process, mallory,
sends markup (valid: it must show as plain text) and control characters (invalid: the viewer refuses them
and counts them by reason). The invalid ones are then put in the viewer's store directly, bypassing
validation, as messages stored before the rule would be: every screen and command must still draw them
escaped. The check is on what is drawn: no control character reaches the terminal as text."""
from __future__ import annotations

import contextlib
import re

import pytest
from antiport.app.cli import main
from antiport.app.processes import NodeProcess
from antiport.crypto import Identity
from antiport.node.home import Home, now_ms
from antiport.node.store import Store
from antiport.protocol import sign
from antiport.tui.experts import ExpertsScreen
from antiport.tui.identity import IdentityScreen
from antiport.tui.network import NetworkScreen
from antiport.tui.search import SearchScreen
from antiport.tui.thread import ThreadScreen
from antiport.tui.threads import ThreadsScreen
from antiport.tui.vendors import VendorScreen, VendorsScreen
from helpers import wait_for
from textual.widgets import DataTable, Input
from tui_helpers import press, settle, until

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

TOPIC = "acme/widget"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # LF: lines end


class Hostile:
    """Mallory's messages, signed raw (sign checks the envelope only, not the kind rules)."""

    def __init__(self, home: Home) -> None:
        self.me, self.t, self.valid, self.invalid = home.identity(), now_ms() - 60_000, [], []

    def add(self, kind, body, refs=(), topic=TOPIC, valid=True):
        self.t += 1000
        msg = sign(self.me, kind, topic, body, [r.id for r in refs], created=self.t)
        (self.valid if valid else self.invalid).append(msg)
        return msg


def corpus(home: Home) -> Hostile:
    h = Hostile(home)
    h.add("profile", {"name": "Mallory [/b] [@click=app.quit]x[/]"}, topic="")
    h.add("vendor", {"org": "[/]Acme [bold]Corp", "topics": [TOPIC]}, topic="")
    h.request = h.add("request", {"title": "See [/b] for details",
                                  "text": "[bold red]boom[/]\n[link=https://example.com]x[/link]"})
    h.answer = h.add("answer", {"text": "[/i] a closing tag first"}, [h.request])
    h.t += 1000
    other = sign(Identity.generate(), "answer", TOPIC, {"text": "Someone else's answer"}, [h.request.id], created=h.t)
    h.valid.append(other)
    h.add("thanks", {"note": "[/b]thanked [@click=app.quit]x"}, [other])
    h.add("status", {"state": "acknowledged", "note": "[/]noted"}, [h.request])
    h.add("report", {"reason": "[/b]spam"}, [h.request])
    h.add("label", {"value": "off-topic", "reason": "[/b]marked"}, [h.request])  # the viewer follows mallory
    h.unknown = h.add("x-esc\x1b[2J", {"text": "hidden \x1b[2J\x1b]0;owned\x07 kind"})  # unknown kinds: unchecked
    # what the rule refuses: each would clear the screen, set the title, reorder or break a line
    h.owned = h.add("request", {"title": "Owned \x1b[2J\x1b]0;pwned\x07 \u202egpj.exe\nsecond line",
                                "text": "body \x1b[31mred\x1b[0m\r\x9b2J \x00 [/b]"}, valid=False)
    h.add("answer", {"text": "answer \x1b]0;title\x07 [/b]"}, [h.request], valid=False)
    h.add("profile", {"name": "Mal\x1b[8mlory\nsecond"}, topic="", valid=False)
    h.add("vendor", {"org": "Evil\x1b[2J\nCorp", "topics": [TOPIC]}, topic="", valid=False)
    h.add("report", {"reason": "spam\x1b[2J\nmore"}, [h.request], valid=False)
    h.add("label", {"value": "abuse", "reason": "label\x1b[2J\nreason"}, [h.request], valid=False)
    h.add("status", {"state": "in-progress", "note": "\x1b]0;owned\x07"}, [h.request], valid=False)
    h.add("thanks", {"note": "thanks\x1b[2J\nmore"}, [other], valid=False)
    return h


@contextlib.contextmanager
def mallory(node, tmp_path):
    """Mallory's node, holding the corpus in its store and outbox (as if its own validation were off),
    connected to the viewer's node; yields once the viewer holds every valid message."""
    home = Home(tmp_path / "mallory")
    home.init()
    h = corpus(home)
    store = Store(home.db_file)
    for msg in h.valid + h.invalid:
        store.add(msg, now_ms(), queue=True)
    store.close()
    with NodeProcess(home.path, bootstrap=[node.call("id")["addrs"][0]]) as proc:
        h.peer_id, h.me_did, h.client = proc.wait_ready()["peer_id"], home.identity().did, proc.client()
        wait_for(lambda: all(held(node, m.id) for m in h.valid), "mallory's valid messages at the viewer")
        yield h
        h.client.close()


def held(node, id: str) -> bool:
    store = Store(node.home.db_file, readonly=True)
    try:
        return store.has(id)
    finally:
        store.close()


def inject(node, msgs) -> None:
    """Into the viewer's store, bypassing validation: messages stored before the rule."""
    store = Store(node.home.db_file)
    store.add_many(msgs, now_ms())
    store.close()


def rejected(node, peer_id: str) -> dict:
    return next((p["rejected"] for p in node.call("peers") if p["peer_id"] == peer_id), {})


async def test_the_node_refuses_control_characters_from_a_peer_and_counts_them(node, tmp_path):
    node.call("follow", topic=TOPIC)
    with mallory(node, tmp_path) as h:
        wait_for(lambda: rejected(node, h.peer_id).get("bad-text", 0) >= len(h.invalid),
                 "every rule-breaking message refused as bad-text")
        assert set(rejected(node, h.peer_id)) - {"missing-ref"} == {"bad-text"}  # (parked until its request)
        assert not any(held(node, m.id) for m in h.invalid)
        assert held(node, h.unknown.id)  # unknown kinds are not checked: the renderers must cope


def drawn(app) -> str:
    """The text of every cell the screen draws now (the terminal's output without Textual's own codes)."""
    update = app.screen._compositor.render_full_update()
    return "".join(seg.text for line in update.strips for strip in line for seg in strip)


async def check(pilot, screen_type, *shown: str) -> str:
    """The screen on top is a `screen_type`, draws no control character, and shows each of `shown`."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, screen_type)
    text = drawn(pilot.app)
    assert not CONTROL.findall(text), f"{screen_type.__name__} draws {CONTROL.findall(text)}"
    for s in shown:
        assert s in text, f"{s!r} not on {screen_type.__name__}"
    return text


def keys(table: DataTable) -> list[str]:
    return [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]


def cells(table: DataTable, column: int) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def test_hostile_text_on_every_screen_and_command(app, node, tmp_path, capsys):
    node.call("follow", topic=TOPIC)
    node.call("profile", name="[b]me[/b] [@click=app.quit]")
    with mallory(node, tmp_path) as h:
        inject(node, h.invalid)
        node.call("labelers_add", did=h.me_did)  # mallory's labels mark (off-topic, abuse: nothing hidden)
        node.call("vote", id=h.answer.id, value="up")  # mallory among the experts
        async with app.run_test(size=(200, 60)) as pilot:
            await check(pilot, type(pilot.app.screen), TOPIC, "[b]me[/b] [@click=app.quit]")
            await pilot.press("enter")
            await check(pilot, ThreadsScreen, "See [/b] for details", r"Owned \x1b[2J\x1b]0;pwned\x07 \u202egpj",
                        "[/b]marked")
            threads = pilot.app.screen.query_one(DataTable)
            threads.move_cursor(row=keys(threads).index(h.request.id))
            await pilot.press("enter")
            thread = pilot.app.screen
            await check(pilot, ThreadScreen, "See [/b] for details", "[bold red]boom[/]", "[/i] a closing tag",
                        r"spam\x1b[2J\x0amore", r"\x1b]0;owned\x07", r"Mal\x1b[8mlory\x0asecond",
                        r"label\x1b[2J\x0areason", "[/b]thanked [@click=app.quit]x", r"thanks\x1b[2J\x0amore")
            answers = thread.query_one(DataTable)
            answers.move_cursor(row=keys(answers).index(h.invalid[1].id))
            await check(pilot, ThreadScreen, r"answer \x1b]0;title\x07 [/b]")
            live = h.client.call("answer", id=h.request.id, text="Live [/b] answer")["id"]
            await until(pilot, lambda: live in keys(answers), "mallory's live answer")
            await check(pilot, ThreadScreen, "Live [/b] answer")
            await pilot.press("escape")
            threads.move_cursor(row=keys(threads).index(h.owned.id))
            await pilot.press("enter")
            await check(pilot, ThreadScreen, r"Owned \x1b[2J\x1b]0;pwned\x07 \u202egpj.exe\x0asecond line",
                        r"body \x1b[31mred\x1b[0m\x0d\x9b2J \x00 [/b]")
            await press(pilot, "escape", "escape", "slash")
            search = pilot.app.screen
            search.query_one("#query", Input).value = "hidden"
            await pilot.press("enter")
            await check(pilot, SearchScreen, r"x-esc\x1b[2J", r"hidden \x1b[2J\x1b]0;owned\x07 kind")
            search.query_one("#query", Input).value = "[/b]"
            await pilot.press("slash", "enter")
            await check(pilot, SearchScreen)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("e")
            await check(pilot, ExpertsScreen, r"Mal\x1b[8mlory\x0asecond")
            await pilot.press("enter")
            await check(pilot, ExpertsScreen, r"Why Mal\x1b[8mlory\x0asecond")
            await press(pilot, "escape", "v")
            await check(pilot, VendorsScreen, r"Evil\x1b[2J\x0aCorp")
            await pilot.press("enter")
            await check(pilot, VendorScreen, r"Evil\x1b[2J\x0aCorp")
            await press(pilot, "escape", "w")
            await until(pilot, lambda: pilot.app.screen.query_one("#peers", DataTable).row_count, "the peer")
            await check(pilot, NetworkScreen, "bad-text")
            await press(pilot, "escape", "i")
            await check(pilot, IdentityScreen, "[b]me[/b] [@click=app.quit]")
            assert pilot.app.is_running  # nothing quit it ([@click=app.quit] is text, not an action)

        capsys.readouterr()
        home = str(node.home.path)
        for argv in (["list", TOPIC], ["show", h.owned.id], ["show", h.request.id], ["search", "hidden"],
                     ["search", "Owned"], ["experts", TOPIC], ["vendors"], ["why", h.me_did, "--topic", TOPIC]):
            assert main(["--home", home, *argv]) == 0, argv
            out = capsys.readouterr().out
            assert not CONTROL.findall(out), (argv, CONTROL.findall(out))
        assert main(["--home", home, "list", TOPIC]) == 0
        lines = capsys.readouterr().out.splitlines()
        owned = r"Owned \x1b[2J\x1b]0;pwned\x07 \u202egpj.exe\x0asecond line"
        assert len(lines) == 2 and any(owned in line for line in lines)  # one line per thread
