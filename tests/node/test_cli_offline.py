"""The CLI on homes with no node running: offline-first writes, reads, export/import, errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from antiport.app.cli import main
from antiport.node.home import Home
from antiport.node.ingest import Ingest
from antiport.node.service import Ctx, write
from antiport.node.store import Store

VECTORS = Path(__file__).resolve().parents[2] / "specs" / "vectors"

pytestmark = pytest.mark.fast


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def homes(tmp_path, capsys):
    for name in ("alice", "bob"):
        assert run(capsys, "--home", str(tmp_path / name), "init", "--no-passphrase", "--name", name)[0] == 0
    return tmp_path / "alice", tmp_path / "bob"


def test_init_prints_did_and_refuses_twice(tmp_path, capsys):
    code, out, _ = run(capsys, "--home", str(tmp_path / "h"), "init", "--no-passphrase")
    assert code == 0 and out.startswith("did:key:z6Mk")
    code, _, err = run(capsys, "--home", str(tmp_path / "h"), "init", "--no-passphrase")
    assert code == 1 and err.startswith("antiport: ") and "already holds an identity" in err
    assert (tmp_path / "h" / "identity.json").stat().st_mode & 0o777 == 0o600


def test_ask_answer_accept_across_homes_by_export_import(homes, capsys, tmp_path):
    alice, bob = map(str, homes)
    code, out, _ = run(capsys, "--home", alice, "ask", "Acme/Widget", "--title", "It squeaks", "--text", "since Monday",
                       "--json")
    request = json.loads(out)["id"]
    assert code == 0
    export = tmp_path / "a.cbor"
    assert run(capsys, "--home", alice, "export", "--out", str(export))[0] == 0
    code, out, _ = run(capsys, "--home", bob, "import", str(export), "--json")
    assert json.loads(out) == {"accepted": 2, "duplicates": 0, "rejected": {}}  # alice's profile and request
    code, out, _ = run(capsys, "--home", bob, "answer", request[:8], "--text", "oil the hinge")
    answer = out.strip()
    assert code == 0 and len(answer) == 64
    # bob cannot accept an answer to alice's request
    code, _, err = run(capsys, "--home", bob, "accept", answer)
    assert code == 1 and "only the person who asked" in err
    run(capsys, "--home", bob, "export", "--out", str(export))
    code, out, _ = run(capsys, "--home", alice, "import", str(export))
    assert code == 0 and out.startswith("2 new, 2 already held")  # bob's profile and answer
    assert run(capsys, "--home", alice, "accept", answer)[0] == 0
    code, out, _ = run(capsys, "--home", alice, "show", request, "--json")
    thread = json.loads(out)
    assert thread["topic"] == "acme/widget" and thread["body"]["title"] == "It squeaks"
    assert [a["id"] for a in thread["answers"]] == [answer] and thread["answers"][0]["accepted"]
    code, out, _ = run(capsys, "--home", alice, "list", "--json")
    assert json.loads(out)["threads"][0]["accepted"] is True
    code, out, _ = run(capsys, "--home", alice, "search", "squeaks", "--json")
    assert [r["id"] for r in json.loads(out)["results"]] == [request]


def test_topics_in_any_script_and_one_line_for_look_alike_letters(homes, capsys):
    alice = str(homes[0])
    code, out, _ = run(capsys, "--home", alice, "ask", "ÄCME/Wïdget", "--title", "Quietsch", "--text", "seit Montag")
    assert code == 0
    code, out, _ = run(capsys, "--home", alice, "list", "äcme/WÏDGET", "--json")
    assert [t["topic"] for t in json.loads(out)["threads"]] == ["äcme/wïdget"]
    code, _, err = run(capsys, "--home", alice, "ask", "\u0430cme/widget", "--title", "x", "--text", "y")
    assert code == 1 and err.count("\n") == 1 and "look alike" in err


def test_writes_wait_in_the_outbox(homes, capsys):
    from antiport.node.home import Home
    from antiport.node.store import Store
    alice = homes[0]
    run(capsys, "--home", str(alice), "complain", "acme/widget", "--title", "Broke", "--text", "after a day")
    store = Store(Home(alice).db_file)
    assert [m.kind for m in store.outbox()] == ["profile", "complaint"]  # init --name published the name


def test_line_ends_become_line_feeds_before_signing(homes, capsys):
    """Pasted text (CR LF) and old Mac line ends (CR) are not refused for their controls (specs/02 section 2)."""
    alice = str(homes[0])
    code, out, _ = run(capsys, "--home", alice, "ask", "acme/widget", "--title", "t", "--text", "a\r\nb\rc", "--json")
    code, out, _ = run(capsys, "--home", alice, "show", json.loads(out)["id"], "--json")
    assert code == 0 and json.loads(out)["body"]["text"] == "a\nb\nc"


@pytest.mark.parametrize("argv, message", [
    (["ask", "acme", "--title", "t", "--text", "x"], "a topic is 'vendor/product'"),
    (["show", "abc"], "no message with id"),
    (["vote", "0123456789", "up"], "no message with id"),
    (["import", "/nonexistent/file"], "cannot read"),
    (["import", "/"], "cannot read /: Is a directory"),
    (["export", "--out", "/nonexistent/dir/x.apx"], "cannot write /nonexistent/dir/x.apx: No such file or directory"),
    (["unfollow", "acme/nothing"], "not following acme/nothing"),
    (["peers"], "the node is not running"),
    (["trust", "did:key:nope"], "not a did:key"),
    (["ask", "acme/widget", "--title", "t", "--text", "x", "--private-text", "order 1"], "no vendor manifest claims"),
    (["ask", "acme/widget", "--title", "t", "--text", "x" * 70_000], "too large"),
    (["ask", "acme/widget", "--title", "Help \x1b[2J", "--text", "x"], "the title holds U+001B, a control character"),
    (["ask", "acme/widget", "--title", "Help\nme", "--text", "x"], "the title holds U+000A"),
])
def test_errors_are_one_line(homes, capsys, argv, message):
    code, out, err = run(capsys, "--home", str(homes[0]), *argv)
    assert code == 1 and out == ""
    assert err.startswith("antiport: ") and message in err and err.count("\n") == 1


def test_import_rejects_garbage_and_counts_tampering(homes, capsys, tmp_path):
    alice, bob = map(str, homes)
    bad = tmp_path / "bad.cbor"
    bad.write_bytes(b"\xff\x00garbage")
    code, _, err = run(capsys, "--home", bob, "import", str(bad))
    assert code == 1 and "not a CBOR sequence" in err
    run(capsys, "--home", alice, "ask", "acme/widget", "--title", "Hello", "--text", "world")
    good = tmp_path / "good.cbor"
    run(capsys, "--home", alice, "export", "--out", str(good))
    data = bytearray(good.read_bytes())
    data[data.index(b"world")] ^= 1  # tamper with the body
    bad.write_bytes(bytes(data))
    code, out, _ = run(capsys, "--home", bob, "import", str(bad), "--json")
    assert json.loads(out) == {"accepted": 1, "duplicates": 0, "rejected": {"bad-signature": 1}}  # 1: the profile
    code, out, _ = run(capsys, "--home", bob, "list", "--json")
    assert json.loads(out)["threads"] == []


def test_import_skips_invalid_items_and_reports_them_in_one_line(homes, capsys, tmp_path):
    """specs/04 section 2: well-formed items that are invalid (text that is not UTF-8 among them) are refused one by
    one and the others imported; bytes that stop being well-formed refuse the whole file."""
    cases = {c["name"]: c for c in json.loads((VECTORS / "import.json").read_text())["cases"]}
    mixed, truncated = tmp_path / "mixed.apx", tmp_path / "truncated.apx"
    mixed.write_bytes(bytes.fromhex(cases["invalid-items-are-skipped"]["file"]))
    truncated.write_bytes(bytes.fromhex(cases["truncated"]["file"]))
    bob = str(homes[1])
    code, out, err = run(capsys, "--home", bob, "import", str(truncated))
    assert code == 1 and f"at byte {cases['truncated']['refused_at']}" in err and "nothing imported" in err
    assert err.count("\n") == 1
    assert json.loads(run(capsys, "--home", bob, "list", "--json")[1])["threads"] == []
    code, out, _ = run(capsys, "--home", bob, "import", str(mixed))
    assert code == 0 and out == "3 new, 1 already held, rejected: 5 malformed, 1 bad-signature\n"


def test_discovery_is_on_by_default_and_config_keys_default(tmp_path, capsys):
    from antiport.node.home import Home
    assert run(capsys, "--home", str(tmp_path / "h"), "init", "--no-passphrase")[0] == 0
    home = Home(tmp_path / "h")
    assert home.config()["mdns"] is True and home.config()["dht"] is True
    home.write_config({"name": "old", "mdns": False})  # a config from before the dht switch
    config = home.config()
    assert (config["name"], config["mdns"], config["dht"], config["bootstrap"]) == ("old", False, True, [])


def test_a_private_part_to_an_unverified_vendor_is_one_line_until_trusted(homes, capsys, tmp_path):
    """specs/02 section 6 on the command line: bob's manifest claims acme/widget but names no domain."""
    alice, bob = map(str, homes)
    bob_did = run(capsys, "--home", bob, "id")[1].split()[0]
    home = Home(Path(bob))  # bob publishes his manifest through his own home's write path
    store = Store(home.db_file)
    write(Ctx(store, Ingest(store), home.identity()), "vendor", "", {"org": "Acme Corp", "topics": ["acme/widget"]})
    store.close()
    export = tmp_path / "b.cbor"
    assert run(capsys, "--home", bob, "export", "--out", str(export))[0] == 0
    assert run(capsys, "--home", alice, "import", str(export))[0] == 0
    ask = ["--home", alice, "ask", "acme/widget", "--title", "Refund", "--text", "please", "--private-text", "IBAN 1"]
    code, out, err = run(capsys, *ask)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "private part not sent: no vendor of acme/widget is verified" in err and bob_did in err
    assert json.loads(run(capsys, "--home", alice, "list", "--json")[1])["threads"] == []
    code, out, _ = run(capsys, "--home", alice, "trust-vendor", bob_did)
    assert code == 0 and out.startswith(f"trusting {bob_did}")
    code, out, _ = run(capsys, *ask)
    assert code == 0 and f"private part sealed to Acme Corp {bob_did} (trusted)" in out


def test_a_language_tag_labels_a_thread_and_filters_the_list(homes, capsys):
    alice = str(homes[0])
    assert run(capsys, "--home", alice, "ask", "acme/widget", "--title", "Quietscht", "--text", "seit Montag",
               "--lang", "de-CH")[0] == 0
    assert run(capsys, "--home", alice, "ask", "acme/widget", "--title", "Squeaks", "--text", "since Monday")[0] == 0
    code, out, _ = run(capsys, "--home", alice, "list", "--lang", "DE")  # de holds de-CH; tags have no case
    assert code == 0 and "[de-CH] Quietscht" in out and "Squeaks" not in out
    assert "Squeaks" in run(capsys, "--home", alice, "list")[1]
    code, _, err = run(capsys, "--home", alice, "ask", "acme/widget", "--title", "x", "--text", "y",
                       "--lang", "Deutsch")
    assert code == 1 and "is not a language tag" in err and err.count("\n") == 1
