"""The web view over HTTP and its Atom feeds, read by feedparser: hostile and non-ASCII titles come back as the
text they are; pages are HTML whose network strings are escaped."""
from __future__ import annotations

import re

import feedparser
import httpx
import pytest
from antiport.node import links
from antiport.node.home import Home, now_ms
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from web_helpers import GREEK, HOSTILE, HOSTILE_TEXT, HOUR, JAPANESE, JAPANESE_TOPIC, fill, web_view

pytestmark = pytest.mark.fast


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path / "h")
    h.init("alice")
    return h


def parsed(response: httpx.Response):
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content,
                            response_headers={**response.headers, "content-location": str(response.url)})
    assert not feed.bozo, feed.bozo_exception  # well-formed XML, a feed parser reads it whole
    return feed


@pytest.mark.trio
async def test_every_feed_reads_back_as_the_text_it_holds(home):
    made = fill(home)
    async with web_view(home) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        feed = parsed(await http.get(links.topic_path("acme/widget") + "/feed.atom"))
        assert feed.feed.title == "acme/widget: requests and complaints"
        assert [(e.title, e.id) for e in feed.entries] == [(HOSTILE, f"antiport:thread/{made.hostile}")]
        assert feed.entries[0].link == f"{base}/thread/{made.hostile}"

        feed = parsed(await http.get(links.thread_path(made.hostile) + "/feed.atom"))
        texts = [e.content[0].value for e in feed.entries]
        assert feed.feed.title == HOSTILE and feed.entries[0].title == HOSTILE
        assert texts == [HOSTILE_TEXT, "<b>on it</b>", "<script>alert(3)</script> restart it"]  # newest first
        assert feed.entries[1].title == f"Vendor status: in-progress to {HOSTILE}"
        assert feed.entries[1].author == "Acme <i>Corp</i> (agent: Jo <script>)"
        assert feed.entries[2].title == f"Accepted answer to {HOSTILE}" and feed.entries[2].author == "<b>Mallory</b>"

        feed = parsed(await http.get(links.topic_path(JAPANESE_TOPIC) + "/feed.atom"))
        assert [e.title for e in feed.entries] == [JAPANESE]
        assert feed.entries[0].link == f"{base}/thread/{made.japanese}"
        feed = parsed(await http.get(links.thread_path(made.greek) + "/feed.atom"))
        assert feed.feed.title == GREEK and len(feed.entries) == 2


@pytest.mark.trio
async def test_pages_escape_network_text_and_name_topics_in_any_script(home):
    made = fill(home)
    async with web_view(home) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.get(links.thread_path(made.hostile))
        assert r.status_code == 200 and "script-src" not in r.headers["content-security-policy"]
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert "<script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
        assert "vendor: in-progress" in r.text and "accepted answer" in r.text
        assert "&lt;b&gt;Mallory&lt;/b&gt;" in r.text and "&amp;amp;" in r.text
        assert "(agent: <bdi>Jo &lt;script&gt;</bdi>): <bdi>&lt;b&gt;on it&lt;/b&gt;</bdi>" in r.text

        r = await http.get("/")
        assert "&lt;i&gt;Corp&lt;/i&gt;" in r.text and 'href="/topic/%E3%82%BD' in r.text
        # another spelling of a topic is sent to its one spelling; an id's prefix to the whole id
        r = await http.get("/topic/ΕΛΛΗΝΙΚΆ/προϊόν")
        assert r.status_code == 301 and r.headers["location"] == links.topic_path("ελληνικά/προϊόν")
        r = await http.get(f"/thread/{made.greek[:10]}/feed.atom")
        assert r.status_code == 301 and r.headers["location"] == f"/thread/{made.greek}/feed.atom"
        r = await http.get(links.topic_path("ελληνικά/προϊόν"))
        assert GREEK in r.text and made.greek in r.text

        r = await http.get(links.vendor_path(made.vendor))
        assert r.status_code == 200 and "<svg" in r.text and "&lt;i&gt;Corp&lt;/i&gt;" in r.text
        assert "<td>100%</td>" in r.text  # both requests in its topics acknowledged, after 3 h and after 24 h
        assert "<title>1 &lt; 1 day</title>" in r.text and "<title>1 &lt; 1 week</title>" in r.text


@pytest.mark.trio
async def test_a_topics_threads_come_a_page_at_a_time(home):
    store = Store(home.db_file)
    ingest, me, t = Ingest(store), home.identity(), now_ms() - HOUR
    for i in range(55):
        ingest.create(me, "request", "acme/widget", {"title": f"q{i}", "text": "?"}, created=t + i)
    store.close()
    async with web_view(home) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        first = (await http.get("/topic/acme/widget")).text
        assert first.count('class="kind"') == 50 and "<bdi>q54</bdi>" in first and "<bdi>q4</bdi>" not in first
        older = re.search(r'href="(/topic/acme/widget\?before=[0-9a-f]+)"', first)[1]
        second = (await http.get(older)).text
        assert second.count('class="kind"') == 5 and "<bdi>q4</bdi>" in second and "<bdi>q0</bdi>" in second
        newer = re.search(r'href="(/topic/acme/widget\?after=[0-9a-f]+)"', second)[1]
        assert (await http.get(newer)).text == first  # back up: the first page again
        last = (await http.get("/topic/acme/widget?oldest=true")).text
        assert last.count('class="kind"') == 50 and "<bdi>q0</bdi>" in last and "<bdi>q54</bdi>" not in last


@pytest.mark.trio
async def test_what_is_not_there_is_a_page_saying_so(home):
    fill(home)
    async with web_view(home) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.get("/thread/abcdef1234")
        assert r.status_code == 404 and "no message with id" in r.text
        r = await http.get("/topic/acme/widget?before=nothere")
        assert r.status_code == 400 and "not a position" in r.text
        r = await http.get("/topic/!!/widget")
        assert r.status_code == 404 and "letters or digits" in r.text
        r = await http.get("/vendor/%3Cscript%3E")
        assert r.status_code == 404 and "&lt;script&gt;" in r.text and "<script>" not in r.text
        r = await http.get("/nothing")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("args", "config", "said"), [
    (["--web", "localhost:http"], {}, "antiport: --web: the web view's address is HOST:PORT or PORT, not 'localhost:"),
    ([], {"web": "8080"}, """'web' is an object like {"listen": "127.0.0.1:8080"}: fix it"""),
    ([], {"web": {"listen": "127.0.0.1:99999"}}, "not '127.0.0.1:99999'"),
])
def test_a_web_address_that_is_not_one_is_a_line_before_the_node_starts(home, capsys, args, config, said):
    from antiport.app.cli import main
    home.write_config({**home.config(), **config})
    assert main(["--home", str(home.path), "run", "--no-discovery", *args]) == 1
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and not home.db_file.exists()
