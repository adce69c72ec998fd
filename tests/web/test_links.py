"""The link scheme (docs/web.md): antiport: URIs and web paths name the same topics and threads, in any script;
`antiport open --web` prints a link's page in the running web view; `antiport qr` draws a topic's link."""
from __future__ import annotations

import pytest
import segno
import trio
from antiport.app.cli import main
from antiport.node import links
from antiport.node.home import Home
from web_helpers import web_view

pytestmark = pytest.mark.fast

ID = "ab" * 32


@pytest.mark.parametrize(("link", "named"), [
    ("antiport:topic/äcme/wïdget", ("topic", "äcme/wïdget")),
    ("antiport:topic/ÄCME/Wïdget", ("topic", "äcme/wïdget")),  # another spelling of the same topic
    ("ANTIPORT:topic/%C3%A4cme/w%C3%AFdget", ("topic", "äcme/wïdget")),
    ("antiport:topic/ソニー/ウォークマン", ("topic", "ソニー/ウォークマン")),
    ("http://127.0.0.1:8080/topic/%CE%95%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/x/feed.atom", ("topic", "ελλάδα/x")),
    ("/topic/m%C3%BCller/stra%C3%9Fe", ("topic", "müller/strasse")),  # case folding: ß is ss
    (f"antiport:thread/{ID}", ("thread", ID)),
    (f"https://support.example.com/thread/{ID.upper()}/feed.atom", ("thread", ID)),
    ("antiport:thread/abcdef", ("thread", "abcdef")),
])
def test_a_link_in_any_form_names_one_topic_or_thread(link, named):
    assert links.parse(link) == named
    kind, value = named
    assert links.parse(links.uri(kind, value)) == named
    assert links.parse(links.topic_path(value) if kind == "topic" else links.thread_path(value)) == named


def test_two_topics_that_only_look_alike_stay_two():
    assert links.parse("antiport:topic/acme/widget") != links.parse("antiport:topic/асме/widget")  # Cyrillic а, с
    assert links.topic_path("ελλάδα/x") == "/topic/%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/x"


@pytest.mark.parametrize("link", ["antiport:topic/acme", "antiport:thread/abc", "antiport:thread/xyzxyzxyz",
                                  "antiport:vendor/acme", "https://example.com/", "antiport:topic/acme/!!"])
def test_what_is_not_a_link_says_what_one_is(link):
    with pytest.raises(links.BadLink):
        links.parse(link)


def test_open_refuses_a_bad_link_in_one_line(tmp_path, capsys):
    assert main(["--home", str(tmp_path / "h"), "open", "antiport:thread/xyz"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("antiport: 'antiport:thread/xyz' is not a link") and err.count("\n") == 1


@pytest.mark.trio
async def test_open_web_prints_the_page_in_the_running_web_view(tmp_path, capsys):
    home = Home(tmp_path / "h")
    home.init("alice")
    assert main(["--home", str(home.path), "open", "--web", "antiport:topic/a/b"]) == 1
    assert "no web view runs for" in capsys.readouterr().err
    with home.lock():  # the running node's: api.json is believed while its home is locked
        async with web_view(home) as base:
            for link, path in [("antiport:topic/ÄCME/Wïdget", "/topic/%C3%A4cme/w%C3%AFdget"),
                               (f"antiport:thread/{ID}", f"/thread/{ID}")]:
                assert await trio.to_thread.run_sync(main, ["--home", str(home.path), "open", "--web", link]) == 0
                assert capsys.readouterr().out == f"{base}{path}\n"


def modules(drawn: str) -> list[list[bool]]:
    """The dark modules of a QR code drawn with half blocks (segno's compact terminal output: a light module
    is ink, two rows a line), border included."""
    top = {" ": (True, True), "▀": (False, True), "▄": (True, False), "█": (False, False)}
    grid = []
    for line in drawn.splitlines():
        pairs = [top[c] for c in line]
        grid += [[p[0] for p in pairs], [p[1] for p in pairs]]
    return grid


@pytest.mark.parametrize(("args", "encoded"), [
    (["ÄCME/Wïdget"], "antiport:topic/äcme/wïdget"),
    (["ソニー/ウォークマン"], "antiport:topic/ソニー/ウォークマン"),
    (["ÄCME/Wïdget", "--url", "https://support.example.com/"], "https://support.example.com/topic/%C3%A4cme/w%C3%AFdget"),
])
def test_qr_draws_the_topics_link(tmp_path, capsys, args, encoded):
    assert main(["--home", str(tmp_path / "h"), "qr", *args]) == 0
    *drawn, said = capsys.readouterr().out.rstrip("\n").split("\n")
    assert said == encoded
    code = segno.make(encoded, error="m")
    border = 4  # segno's quiet zone; the last half-row of an odd-sized code is the border's
    expected = [[bool(m) for m in r] for r in code.matrix]
    grid = modules("\n".join(drawn))
    assert [r[border:-border] for r in grid[border:border + len(expected)]] == expected


@pytest.mark.parametrize(("args", "said"), [(["acme"], "a topic is 'vendor/product'"),
                                            (["acme/x", "--url", "support.example.com"], "--url is where")])
def test_qr_of_what_is_not_a_topic_is_one_line(tmp_path, capsys, args, said):
    assert main(["--home", str(tmp_path / "h"), "qr", *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and said in captured.err and captured.err.count("\n") == 1
