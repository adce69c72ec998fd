"""Every page of the web view in a real headless Chromium (Debian's, driven by Playwright), served by a real
`antiport run --web` node: a thread titled <script>alert(1)</script> is text and no dialog opens; topics in
Japanese, Greek and German are found by clicking through from the first page. A screenshot of each page is kept in
test-artefacts/web/ (ignored by git)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from antiport.app.processes import NodeProcess
from antiport.node import links
from antiport.node.home import Home
from web_helpers import GERMAN, GERMAN_TOPIC, GREEK, GREEK_TOPIC, HOSTILE, JAPANESE, JAPANESE_TOPIC, fill

pytestmark = pytest.mark.slow

BROWSER = os.environ.get("ANTIPORT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "web"


def playwright_or_skip():
    """Playwright's entry point; without Debian's chromium the tests are skipped, and fail in CI (CI=true)."""
    if not os.access(BROWSER, os.X_OK):
        why = f"no Chromium at {BROWSER} (tests/web/setup-chromium.sh installs Debian's, as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright
    return sync_playwright


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = Home(tmp_path_factory.mktemp("web") / "h")
    home.init("alice")
    made = fill(home)
    with NodeProcess(home.path, extra=["--web", "127.0.0.1:0"]) as node:
        node.wait_ready()
        yield home.read_api()["web"], made


@pytest.fixture(scope="module")
def browser():
    with playwright_or_skip()() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A new page that records every dialog (dismissed) and every console line (a script the policy refused)."""
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.dialogs, page.console = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda line: page.console.append(line.text))
    yield page
    page.close()


def visit(page, url: str, name: str, status: int = 200):
    """Open `url`, check its status, keep a screenshot of the whole page as test-artefacts/web/NAME.png."""
    response = page.goto(url)
    assert response.status == status, page.content()
    shot(page, name)
    return response


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)


def test_a_hostile_title_is_text_and_runs_nothing(site, page):
    base, made = site
    visit(page, base + links.thread_path(made.hostile), "thread-hostile")
    assert page.inner_text("h1 bdi") == HOSTILE and page.title() == f"{HOSTILE} · Antiport"
    assert page.locator("script").count() == 0 and page.locator("main img").count() == 0
    answer = page.locator(f"article[id='{made.accepted}']")
    assert "<script>alert(3)</script> restart it" in answer.inner_text()
    assert "accepted answer" in answer.inner_text() and answer.locator(".who").inner_text() == "<b>Mallory</b>"
    assert "vendor: in-progress" in page.inner_text("article.root")
    assert "Acme <i>Corp</i> (agent: Jo <script>): <b>on it</b>" in page.inner_text("article.root p.status")
    assert page.dialogs == [] and page.console == []  # nothing ran, and nothing tried to


def test_every_page_reached_by_clicking_from_the_first(site, page):
    base, made = site
    visit(page, base + "/", "index")
    assert page.inner_text("h1") == "Topics"
    page.click(f"text={JAPANESE_TOPIC}")
    assert page.url == base + links.topic_path(JAPANESE_TOPIC) and page.inner_text("h1") == JAPANESE_TOPIC
    shot(page, "topic-japanese")
    page.click(f"text={JAPANESE}")
    assert page.url == base + links.thread_path(made.japanese) and page.inner_text("h1 bdi") == JAPANESE
    assert "充電しても動きません。" in page.inner_text("article.root")
    shot(page, "thread-japanese")

    visit(page, base + links.topic_path(GREEK_TOPIC), "topic-greek")  # another spelling: redirected
    assert page.url == base + links.topic_path("ελληνικά/προϊόν") and page.inner_text("h1") == "ελληνικά/προϊόν"
    page.click(f"text={GREEK}")
    assert page.inner_text("h1 bdi") == GREEK
    assert "Στείλτε το για επισκευή." in page.inner_text("article.answer")
    shot(page, "thread-greek")

    page.goto(base + "/")
    page.click("text=müller/strassenbahn")  # GERMAN_TOPIC, folded
    assert page.url == base + links.topic_path(GERMAN_TOPIC.casefold())
    assert page.inner_text("h1") == "müller/strassenbahn"
    assert page.inner_text("table.threads bdi") == GERMAN
    shot(page, "topic-german")

    visit(page, base + links.topic_path("acme/widget"), "topic-hostile")
    assert page.inner_text("table.threads bdi") == HOSTILE
    page.goto(base + "/")
    page.click("text=Acme <i>Corp</i>")
    assert page.url == base + links.vendor_path(made.vendor) and page.inner_text("h1") == "Acme <i>Corp</i>"
    assert page.locator("svg.chart rect.ack").count() >= 2 and "100%" in page.inner_text("table.figures")
    shot(page, "vendor")
    assert page.dialogs == [] and page.console == []
    visit(page, base + "/thread/abcdef123456", "not-found", 404)
    assert "no message with id" in page.inner_text("p.error")
