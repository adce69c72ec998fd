"""Rules live once, in protocol/: the CLI (offline) and the HTTP API give the same one-line verdict."""
from __future__ import annotations

import httpx
import pytest
import trio
from antiport.app.cli import main
from antiport.node import api
from antiport.node.home import Home
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx
from antiport.node.store import Store

pytestmark = pytest.mark.fast

BLANK_WRITES = [
    (["ask", "acme/widget", "--title", "", "--text", "x"], "nothing to send: the title is empty or only white space"),
    (["ask", "acme/widget", "--title", " \t\u3000", "--text", "x"], "the title is empty or only white space"),
    (["complain", "acme/widget", "--title", "Broke", "--text", "\n\n"], "the text is empty or only white space"),
    (["answer", "{request}", "--text", "  "], "the text is empty or only white space"),
    (["report", "{request}", "--reason", " "], "the reason is empty or only white space"),
    (["profile", "\u00a0"], "the name is empty or only white space"),
]


def stored(home) -> int:
    store = Store(Home(home).db_file)
    try:
        return store.count()
    finally:
        store.close()


def cli(capsys, home, *argv) -> tuple[int, str, str]:
    code = main(["--home", str(home), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def alice(tmp_path, capsys):
    assert cli(capsys, tmp_path / "alice", "init", "--no-passphrase")[0] == 0
    code, out, _ = cli(capsys, tmp_path / "alice", "ask", "acme/widget", "--title", "It squeaks", "--text", "help")
    assert code == 0
    return tmp_path / "alice", out.strip()


@pytest.mark.parametrize("argv, message", BLANK_WRITES)
def test_blank_text_is_refused_by_the_cli_in_one_line(alice, capsys, argv, message):
    home, request = alice
    before = stored(home)
    code, out, err = cli(capsys, home, *[a.format(request=request) for a in argv])
    assert (code, out) == (1, "")
    assert err.startswith("antiport: ") and message in err and err.count("\n") == 1
    assert stored(home) == before


def test_no_vote_on_ones_own_message(alice, capsys, tmp_path):
    home, request = alice
    code, out, err = cli(capsys, home, "answer", request, "--text", "found it: oil the hinge")
    answer = out.strip()
    for target in (request, answer):
        code, out, err = cli(capsys, home, "vote", target, "up")
        assert (code, out, err) == (1, "", "antiport: you cannot vote on your own message\n")
    # someone else may vote on both
    bob = tmp_path / "bob"
    cli(capsys, bob, "init", "--no-passphrase")
    export = tmp_path / "a.apx"
    cli(capsys, home, "export", "--out", str(export))
    cli(capsys, bob, "import", str(export))
    for target in (request, answer):
        assert cli(capsys, bob, "vote", target, "up")[0] == 0


@pytest.mark.trio
async def test_the_api_gives_the_same_verdict_as_a_4xx(tmp_path):
    home = Home(tmp_path / "h")
    home.init("alice")
    store = Store(home.db_file)
    ctx = Ctx(store, Ingest(store), home.identity(), "alice")
    async with trio.open_nursery() as nursery:
        url = await nursery.start(api.serve, ctx, home)
        token = home.read_api()["token"]
        async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {token}"}) as http:
            r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": " ", "text": "x"})
            assert r.status_code == 400
            assert r.json() == {"error": "nothing to send: the title is empty or only white space"}
            r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "Help", "text": "please"})
            request = r.json()["id"]
            r = await http.post("/v1/vote", json={"id": request, "value": "up"})
            assert (r.status_code, r.json()) == (400, {"error": "you cannot vote on your own message"})
        nursery.cancel_scope.cancel()
    assert store.count() == 1
    store.close()
