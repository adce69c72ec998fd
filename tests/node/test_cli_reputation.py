"""Reputation and vendor commands on four homes that move messages by export/import."""
from __future__ import annotations

import json

import pytest
from antiport.app.cli import main
from antiport.node.home import Home
from test_api import with_api


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mover(tmp_path, capsys, homes: dict[str, str]):
    """move(src, *dsts): src's export imported into each of dsts."""
    def move(src, *dsts):
        path = tmp_path / f"{src}.cbor"
        assert run(capsys, "--home", homes[src], "export", "--out", str(path))[0] == 0
        for dst in dsts:
            assert run(capsys, "--home", homes[dst], "import", str(path))[0] == 0
    return move


def reader(capsys, homes: dict[str, str]):
    """cli_json(home, *argv): the command's JSON output, which must succeed."""
    def cli_json(home, *argv):
        code, out, err = run(capsys, "--home", homes[home], *argv, "--json")
        assert code == 0, err
        return json.loads(out)
    return cli_json


def test_experts_why_and_vendors_across_homes(tmp_path, capsys):
    homes = {n: str(tmp_path / n) for n in ("alice", "bob", "mallory", "carol")}
    did = {}
    for name, home in homes.items():
        assert run(capsys, "--home", home, "init", "--no-passphrase", "--name", name)[0] == 0
        did[name] = json.loads(run(capsys, "--home", home, "id", "--json")[1])["did"]
    move, cli_json = mover(tmp_path, capsys, homes), reader(capsys, homes)

    request = cli_json("alice", "ask", "acme/widget", "--title", "It squeaks", "--text", "help")["id"]
    move("alice", "bob", "mallory")
    good = cli_json("bob", "answer", request, "--text", "oil the hinge")["id"]
    spam = cli_json("mallory", "answer", request, "--text", "buy my oil")["id"]
    assert run(capsys, "--home", homes["mallory"], "vote", spam, "up")[0] == 1  # no self-votes
    move("bob", "alice")
    move("mallory", "alice")
    cli_json("alice", "accept", good)
    cli_json("alice", "vote", good, "up")
    move("alice", "carol")
    cli_json("carol", "trust", did["alice"])

    experts = cli_json("carol", "experts", "acme/widget")["experts"]
    assert [e["did"] for e in experts][:2] == [did["bob"], did["mallory"]]
    assert experts[0]["accepted"] == 1 and experts[0]["upvotes"] == 1 and experts[0]["score"] > 0
    assert experts[1]["score"] == 0 and experts[1]["upvotes"] == 0
    code, out, _ = run(capsys, "--home", homes["carol"], "experts", "acme/widget")
    assert code == 0 and did["bob"][:20] in out.splitlines()[1]

    why = cli_json("carol", "why", did["bob"])
    assert why["did"] == did["bob"] and [t["topic"] for t in why["topics"]] == ["acme/widget"]
    facts = why["topics"][0]["facts"]
    assert {f["kind"] for f in facts} == {"accept", "upvote"} and {f["from"] for f in facts} == {did["alice"]}

    thread = cli_json("carol", "show", request)
    assert [a["id"] for a in thread["answers"]] == [good, spam]
    assert thread["answers"][0]["score"] > thread["answers"][1]["score"] == 0

    vendors = cli_json("carol", "vendors")
    assert vendors == [{"name": "acme", "did": None, "claimed": False, "topics": ["acme/widget"], "promise": None,
                        "domain": None, "identity": None,
                        "seen": 1, "acknowledged_share": 0.0, "median_response_s": None, "p90_response_s": None,
                        "resolved_share": 0.0, "oldest_unanswered": vendors[0]["oldest_unanswered"]}]
    assert vendors[0]["oldest_unanswered"]["id"] == request
    code, out, _ = run(capsys, "--home", homes["carol"], "vendor", "acme")
    assert code == 0 and "unclaimed" in out and "acme/widget" in out

    code, _, err = run(capsys, "--home", homes["carol"], "vendor", "nope")
    assert code == 1 and err.startswith("antiport: ") and "no vendor named 'nope'" in err and err.count("\n") == 1
    code, _, err = run(capsys, "--home", homes["carol"], "why", "did:key:nonsense")
    assert code == 1 and err.startswith("antiport: ") and err.count("\n") == 1


@pytest.mark.trio
async def test_reputation_ops_over_http(tmp_path):
    home = Home(tmp_path / "h")
    home.init("alice")

    async def test(http):
        r = await http.post("/v1/ask", json={"topic": "acme/widget", "title": "Help", "text": "please"})
        request = r.json()["id"]
        r = await http.get("/v1/vendors")
        assert [(v["name"], v["seen"], v["oldest_unanswered"]["id"]) for v in r.json()] == [("acme", 1, request)]
        r = await http.get("/v1/vendor", params={"name": "nope"})
        assert r.status_code == 404 and "no vendor named" in r.text
        r = await http.get("/v1/experts", params={"topic": "acme/widget"})
        assert r.status_code == 200 and r.json() == {"experts": [], "page": {"before": None, "after": None}}
        r = await http.get("/v1/why", params={"did": "nonsense"})
        assert r.status_code == 400
    await with_api(home, test)


def test_thanks_and_a_bounty_across_homes(tmp_path, capsys):
    homes = {n: str(tmp_path / n) for n in ("alice", "bob", "carol")}
    for name, home in homes.items():
        assert run(capsys, "--home", home, "init", "--no-passphrase", "--name", name)[0] == 0
    move, cli_json = mover(tmp_path, capsys, homes), reader(capsys, homes)

    def refused(home, *argv) -> str:
        code, _, err = run(capsys, "--home", homes[home], *argv)
        assert code == 1 and err.startswith("antiport: ") and err.count("\n") == 1, err
        return err

    request = cli_json("alice", "ask", "acme/widget", "--title", "It squeaks", "--text", "help")["id"]
    move("alice", "bob", "carol")
    answer = cli_json("bob", "answer", request, "--text", "oil the hinge")["id"]
    move("bob", "alice", "carol")
    cli_json("carol", "thank", answer, "--note", "worked for mine too")
    assert "cannot thank yourself" in refused("bob", "thank", answer)
    assert "only the person who asked" in refused("carol", "bounty", request, "2")
    assert "1 to 5" in refused("alice", "bounty", request, "9")
    move("carol", "alice")
    cli_json("alice", "bounty", request, "3")
    cli_json("alice", "thank", answer)
    cli_json("alice", "accept", answer)

    thread = cli_json("alice", "show", request)
    assert thread["bounty"] == 3 and thread["answers"][0]["thanks"] == 2
    code, out, _ = run(capsys, "--home", homes["alice"], "show", request)
    assert code == 0 and "bounty: 3" in out and "thanked by 2" in out
    facts = cli_json("alice", "why", cli_json("bob", "id")["did"])["topics"][0]["facts"]
    assert {f["kind"] for f in facts} == {"accept", "bounty", "thanks"}
