"""What the TUI loads, and when: a new message reloads only the screens it touches, a screen comes back
to the top without loading again when nothing it shows changed, and one screen's slow node call does
not hold up another screen's."""
from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from antiport.node.client import Client, api_of
from antiport.tui.app import AntiportApp
from antiport.tui.thread import ThreadScreen
from antiport.tui.threads import ThreadsScreen
from antiport.tui.topics import TopicsScreen
from antiport.tui.vendors import VendorsScreen
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey
from tui_helpers import press, settle, until

pytestmark = pytest.mark.asyncio


def titles(screen) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def heard(pilot, before: int) -> None:
    """The app has passed a newer message from the node's event stream to its screens."""
    await until(pilot, lambda: pilot.app.delivered > before, "the new message heard")


async def test_a_message_in_another_topic_does_not_reload_the_thread_list(app, node, world):
    for topic in ("acme/widget", "globex/router"):
        node.call("follow", topic=topic)
    other = world.person("other")
    other.call("ask", topic="acme/widget", title="First", text="It hums")
    world.sync()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # acme/widget, the first topic
        screen = pilot.app.screen
        assert isinstance(screen, ThreadsScreen) and titles(screen) == ["First"]
        loads, before = screen.loads, pilot.app.delivered

        other.call("ask", topic="globex/router", title="Elsewhere", text="It blinks")
        world.sync()
        await heard(pilot, before)
        assert screen.loads == loads

        other.call("ask", topic="acme/widget", title="Here", text="It squeaks")
        world.sync()
        await until(pilot, lambda: titles(screen) == ["Here", "First"], "the new thread shown")
        assert screen.loads == loads + 1


async def test_the_thread_list_loads_again_on_coming_back_only_if_its_topic_changed(app, node, world):
    node.call("follow", topic="acme/widget")
    other = world.person("other")
    other.call("ask", topic="acme/widget", title="First", text="It hums")
    world.sync()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        threads = pilot.app.screen
        assert isinstance(threads, ThreadsScreen)
        loads = threads.loads

        await press(pilot, "enter", "escape")  # into the thread and back: nothing changed
        assert pilot.app.screen is threads and threads.loads == loads

        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ThreadScreen)
        before = pilot.app.delivered
        other.call("ask", topic="acme/widget", title="Second", text="It squeaks")
        world.sync()
        await heard(pilot, before)  # while the thread is on top: it is not about that thread
        await press(pilot, "escape")
        assert pilot.app.screen is threads and titles(threads) == ["Second", "First"]
        assert threads.loads == loads + 1


class HoldingProxy(ThreadingHTTPServer):
    """A real HTTP server in front of the node's API that holds the calls to one path until released:
    a node call as slow as the test wants."""

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = httpx.Client(base_url=upstream, timeout=60)
        self.hold_path, self.held, self.release = "", threading.Event(), threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self.upstream.close()


class _Forward(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.forward()

    def do_POST(self) -> None:
        self.forward()

    def forward(self) -> None:
        proxy = self.server
        if proxy.hold_path and self.path.startswith(proxy.hold_path):
            proxy.held.set()
            proxy.release.wait(120)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        r = proxy.upstream.request(self.command, self.path, content=body,
                                   headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        self.send_response(r.status_code)
        self.send_header("content-type", r.headers.get("content-type", "application/json"))
        self.send_header("content-length", str(len(r.content)))
        self.end_headers()
        self.wfile.write(r.content)

    def log_message(self, *args) -> None:
        pass


async def test_a_slow_call_on_one_screen_does_not_hold_up_another_screens_call(node):
    node.call("follow", topic="acme/widget")
    proxy = HoldingProxy(api_of(node.home)["url"])
    client = Client(node.home)
    client.http = httpx.Client(base_url=proxy.url, timeout=120, headers=dict(client.http.headers))
    try:
        async with AntiportApp(client).run_test() as pilot:
            await settle(pilot)
            proxy.hold_path = "/v1/vendors"
            await pilot.press("v")
            await asyncio.to_thread(proxy.held.wait, 60)  # the vendors screen's call is under way, held
            assert isinstance(pilot.app.screen, VendorsScreen)
            node.call("follow", topic="globex/router")
            await press(pilot, "escape")  # the topics screen loads again (follows are not messages)
            assert isinstance(pilot.app.screen, TopicsScreen)
            assert titles(pilot.app.screen) == ["acme/widget", "globex/router"]
            assert not proxy.release.is_set()  # while the vendors call is still held
    finally:
        proxy.close()
        client.close()


async def test_a_topics_screen_without_its_table_is_not_touched(app):
    """Live messages reach the screens below the top also while one is composed or taken down (the
    app closing): a screen with no table yet, or no more, shows nothing a message could change."""
    async with app.run_test():
        assert TopicsScreen().touched([{"topic": "acme/widget"}]) is False


async def test_the_footer_draws_its_keys_again_only_when_they_change(app, node):
    """Textual's footer makes a widget per key again on every update of the screen's bindings (a screen shown,
    the focus or the cursor moving): tui/base.py's draws them again only when the keys shown change."""
    node.call("follow", topic="acme/widget")
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, ThreadsScreen)
        drawn = list(screen.query(FooterKey))
        assert {"Ask", "Complain", "Experts", "Back"} <= {k.description for k in drawn}
        screen.refresh_bindings()  # the same keys
        await settle(pilot)
        assert list(screen.query(FooterKey)) == drawn
        await press(pilot, "escape")  # the topics screen's own keys
        assert "Follow" in {k.description for k in pilot.app.screen.query(FooterKey)}
