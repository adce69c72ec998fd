"""The `antiport` command's operations come from the op registry (node/ops.py): a command per op, its
arguments, choices and help from the op's signature, and a text for every result."""
from __future__ import annotations

import json

import pytest
from antiport.app.cli import build_parser, main
from antiport.app.text import TEXT
from antiport.node.client import Client, ClientError
from antiport.node.home import Home
from antiport.node.ops import OPS
from antiport.protocol import STATES

pytestmark = pytest.mark.fast


def subcommand(argv: list[str]):
    """The argparse parser of a command line's (sub)command."""
    parser = build_parser()
    for word in argv:
        parser = next(a for a in parser._subparsers._group_actions).choices[word]
    return parser


def test_every_op_is_a_command_with_a_text():
    assert set(TEXT) == set(OPS)
    for entry in OPS.values():
        for command in entry.commands:
            parser = subcommand(command.name.split())
            given = {a.dest for a in parser._actions} - {"help", "json"}
            assert given == {p.name for p in entry.params} - set(command.preset), command.name


def test_arguments_follow_the_signature():
    vote = {a.dest: a for a in subcommand(["vote"])._actions}
    assert vote["value"].choices == ("up", "down") and not vote["value"].option_strings
    status = {a.dest: a for a in subcommand(["status"])._actions}
    assert status["state"].choices == STATES and status["note"].option_strings == ["--note"]
    ask = {a.dest: a for a in subcommand(["complain"])._actions}
    assert "kind" not in ask and ask["title"].required and ask["private_text"].option_strings == ["--private-text"]
    assert subcommand(["list"])._actions[1].nargs == "?"  # an optional positional
    assert {a.dest: a for a in subcommand(["trust"])._actions}["value"].option_strings == ["--distrust"]


@pytest.fixture
def home(tmp_path, capsys):
    assert main(["--home", str(tmp_path / "h"), "init", "--no-passphrase", "--name", "alice"]) == 0
    capsys.readouterr()
    return str(tmp_path / "h")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_choice_outside_the_list_is_refused_by_the_command_and_by_the_op(home, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--home", home, "vote", "abcdef", "sideways"])
    assert e.value.code == 2 and "invalid choice: 'sideways'" in capsys.readouterr().err
    client = Client(Home(home))
    with pytest.raises(ClientError, match="value is one of up, down, not 'sideways'"):
        client.call("vote", id="abcdef", value="sideways")
    client.close()


def test_presets_and_switches_reach_the_op(home, capsys):
    code, out, _ = run(capsys, "--home", home, "complain", "acme/widget", "--title", "Broke", "--text", "x", "--json")
    complaint = json.loads(out)["id"]
    code, out, _ = run(capsys, "--home", home, "show", complaint, "--json")
    assert json.loads(out)["kind"] == "complaint"
    did = json.loads(run(capsys, "--home", home, "id", "--json")[1])["did"]
    code, out, _ = run(capsys, "--home", home, "trust", did, "--distrust", "--scope", "acme/widget")
    assert code == 0 and len(out.strip()) == 64
    client = Client(Home(home))
    store = client.ctx().store
    assert store.get(out.strip()).body["value"] == "distrust"
    client.close()


def test_help_comes_from_the_registry(capsys):
    with pytest.raises(SystemExit):
        main(["report", "-h"])
    out = capsys.readouterr().out
    assert "Flag a message as spam or abuse" in out and "what is wrong with it" in out and "--reason REASON" in out
