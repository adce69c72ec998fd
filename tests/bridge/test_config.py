from __future__ import annotations

from pathlib import Path

import pytest
from antiport.crypto import Identity
from antiport.node.bridge.config import BridgeConfigError, load_config, parse_config
from antiport.node.bridge.manifest import manifest_body

pytestmark = pytest.mark.fast

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "bridge.example.toml"
NEW, OLD = "whsec_" + "A" * 32, "whsec_" + "B" * 32


def test_the_documented_example_loads(monkeypatch):
    for name in ("ACME_PULL_TOKEN", "ACME_RT_PASSWORD", "ACME_MAIL_PASSWORD"):
        monkeypatch.setenv(name, f"value of {name}")
    monkeypatch.setenv("ACME_WEBHOOK_SECRET", f"{NEW} {OLD}")  # while rotating: both
    cfg = load_config(EXAMPLE)
    assert cfg.org == "Acme Corp" and cfg.topics == ["acme/widget", "acme/gadget"]
    assert cfg.webhooks[0].secrets == [NEW, OLD] and not cfg.webhooks[0].private and cfg.rt.private
    assert cfg.pull.token == "value of ACME_PULL_TOKEN" and cfg.pull.port == 8470
    assert cfg.rt.queues == {"acme/widget": "Widget support", "acme/gadget": "General"}
    assert cfg.rt.password == "value of ACME_RT_PASSWORD"
    assert cfg.rt.status_map == {"open": "in-progress", "resolved": "resolved", "rejected": "wont-fix"}
    assert cfg.email.user == "antiport@acme.example" and cfg.email.password == "value of ACME_MAIL_PASSWORD"
    assert cfg.email.staff == ["@acme.example"] and cfg.email.starttls and cfg.email.mailbox == "INBOX"
    assert cfg.connector_names() == ["webhook:crm", "rt", "email"]
    assert cfg.rt.fields.priority == {"request": 20, "complaint": 70} and cfg.rt.fields.topic_field == "Product"
    assert cfg.rt.resolve_on_customer and cfg.rt.promise_hours == 24


def base(**extra) -> dict:
    return {"vendor": {"org": "Acme", "topics": ["Acme/Widget Pro"]}, **extra}


def test_topics_are_normalised_and_dids_checked():
    did = Identity.generate().did
    cfg = parse_config({"vendor": {"org": "Acme", "topics": ["Acme/Widget Pro"], "keys": [did]}})
    assert cfg.topics == ["acme/widget-pro"] and cfg.keys == [did]


def test_the_domain_goes_into_the_manifest():
    cfg = parse_config({"vendor": {"org": "Acme", "topics": ["acme/widget"], "domain": "support.acme.example"}})
    assert manifest_body(cfg) == {"org": "Acme", "topics": ["acme/widget"], "domain": "support.acme.example"}


@pytest.mark.parametrize("data, message", [
    ({}, "vendor is required"),
    ({"vendor": {"org": "Acme"}}, "vendor.topics is required"),
    ({"vendor": {"org": "Acme", "topics": []}}, "name at least one topic"),
    ({"vendor": {"org": "Acme", "topics": ["widget"]}}, "vendor.topics: a topic is 'vendor/product'"),
    ({"vendor": {"org": "Acme", "topics": ["a/b"], "colour": "red"}}, "unknown key vendor.colour"),
    ({"vendor": {"org": "Acme", "topics": ["a/b"], "keys": ["did:web:x"]}}, "vendor.keys: 'did:web:x' is not"),
    ({"vendor": {"org": 7, "topics": ["a/b"]}}, "vendor.org must be a str, got 7"),
    ({"vendor": {"org": "Acme", "topics": ["a/b"], "domain": "https://Acme.example/"}},
     "vendor.domain: 'https://Acme.example/' is not a lowercase host name"),
    (base(extra=1), "unknown key extra"),
    (base(connectors={"webhook": [{"name": "crm", "url": "http://x"}]}),
     "connectors.webhook[0].secret (or secret_env) is required"),
    (base(connectors={"webhook": [{"name": "crm", "url": "http://x", "secret_env": "ANTIPORT_UNSET_VAR"}]}),
     "the environment variable ANTIPORT_UNSET_VAR is not set"),
    (base(connectors={"webhook": [{"name": "a", "url": "u", "secret": NEW}, {"name": "a", "url": "v", "secret": OLD}]}),
     "different name"),
    (base(connectors={"webhook": [{"name": "crm", "url": "u", "secret": "hunter2"}]}),
     "connectors.webhook[0].secret: write a secret as whsec_ and base64 (Standard Webhooks)"),
    (base(connectors={"webhook": [{"name": "crm", "url": "u", "secret": f"{NEW} whsec_not*base64"}]}),
     "connectors.webhook[0].secret: the part after whsec_ is not base64"),
    (base(connectors={"webhook": [{"name": "crm", "url": "u", "secret": "whsec_c2hvcnQ="}]}),
     "a secret holds 24 to 64 bytes; this one 5"),
    (base(connectors={"webhook": [{"name": "crm", "url": "u", "secret": NEW, "private": "yes"}]}),
     "connectors.webhook[0].private must be a bool"),
    (base(connectors={"rt": {"url": "http://rt", "password": "p", "queues": {"acme/widget-pro": 3}}}),
     "connectors.rt.queues.acme/widget-pro: 3 looks like a queue id; give the queue's name"),
    (base(connectors={"rt": {"url": "http://rt", "password": "p", "queue": "7"}}),
     "connectors.rt.queue: '7' looks like a queue id"),
    (base(connectors={"rt": {"url": "http://rt", "password": "p"}}),
     "connectors.rt: no queue for topic acme/widget-pro"),
    (base(connectors={"rt": {"url": "http://rt", "password": "p", "queue": "Q", "status_map": {"open": "done"}}}),
     "connectors.rt.status_map: 'done' is not one of"),
    (base(connectors={"rt": {"url": "u", "password": "p", "queue": "Q", "fields": {"priority": {"bug": 1}}}}),
     "connectors.rt.fields.priority: 'bug' is neither request nor complaint"),
    (base(connectors={"rt": {"url": "u", "password": "p", "queue": "Q", "fields": {"priority": {"request": 100}}}}),
     "connectors.rt.fields.priority.request: 100 is not a priority from 0 to 99"),
    (base(connectors={"rt": {"url": "u", "password": "p", "queue": "Q", "fields": {"type_field": " "}}}),
     "connectors.rt.fields.type_field: ' ' is not a custom field name"),
    (base(connectors={"rt": {"url": "u", "password": "p", "queue": "Q", "fields": {"tags": "x"}}}),
     "unknown key connectors.rt.fields.tags"),
    (base(delivery={"retry_base_seconds": "2"}), "delivery.retry_base_seconds must be a number"),
])
def test_bad_configuration_is_refused_with_the_key_named(data, message):
    with pytest.raises(BridgeConfigError) as e:
        parse_config(data)
    assert message in str(e.value)


def test_bad_files(tmp_path):
    with pytest.raises(BridgeConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[vendor\norg = 1\n")
    with pytest.raises(BridgeConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[vendor]\norg = "Acme"\ntopics = ["a/b"]\n[connectors.pull]\n')
    with pytest.raises(BridgeConfigError, match=r"wrong\.toml: connectors.pull.token \(or token_env\) is required"):
        load_config(wrong)


def test_bridge_refuses_to_speak_with_another_identity(tmp_path):
    from antiport.node.bridge.bridge import load_bridge

    home_identity, other = Identity.generate(), Identity.generate()
    path = tmp_path / "bridge.toml"
    path.write_text(f'[vendor]\norg = "Acme"\ntopics = ["a/b"]\ndid = "{other.did}"\n')
    with pytest.raises(BridgeConfigError, match=f"vendor.did is {other.did} but this home's identity is"):
        load_bridge(path, home_identity)
    assert callable(load_bridge(path, other))


@pytest.mark.parametrize("argv", [["bridge"], ["run", "--bridge"]])
def test_cli_refuses_a_bad_bridge_file_before_starting(tmp_path, argv, capsys):
    from antiport.app.cli import main

    home = tmp_path / "home"
    assert main(["--home", str(home), "init", "--no-passphrase"]) == 0
    path = tmp_path / "bridge.toml"
    path.write_text('[vendor]\norg = "Acme"\ntopics = ["a/b"]\n'
                    'did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"\n')
    capsys.readouterr()
    assert main(["--home", str(home), *argv, str(path)]) == 1
    assert "but this home's identity is" in capsys.readouterr().err
    assert main(["--home", str(home), *argv, str(tmp_path / "missing.toml")]) == 1
    assert capsys.readouterr().err.strip() == f"antiport: {tmp_path / 'missing.toml'}: no such file"
    assert not (home / "api.json").exists()  # nothing started
