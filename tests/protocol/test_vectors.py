"""The committed vectors in specs/vectors/ agree with the code, and re-generating them changes nothing."""
from __future__ import annotations

import importlib.util

import cbor2
import pytest
from antiport.crypto import Identity, verify
from antiport.node.ingest import Ingest
from antiport.node.service import OpError, import_, split_sequence
from antiport.node.store import Store
from antiport.protocol import Rejected, load, sign, validate
from spec_vectors import VECTORS, Held, vectors

pytestmark = pytest.mark.fast

VALID = vectors("valid.json")["messages"]
INVALID = vectors("invalid.json")["messages"]
BY_ID = {v["id"]: bytes.fromhex(v["envelope"]) for v in VALID}
SEEDS = {i["name"]: Identity(bytes.fromhex(i["seed"])) for i in vectors("identities.json")["identities"]}


def held(ids) -> Held:
    return Held(BY_ID[i] for i in ids)


def test_identities():
    for entry in vectors("identities.json")["identities"]:
        ident = SEEDS[entry["name"]]
        assert ident.public_key.hex() == entry["public_key"]
        assert ident.did == entry["did"]


@pytest.mark.parametrize("v", VALID, ids=[v["name"] for v in VALID])
def test_valid(v):
    raw = bytes.fromhex(v["envelope"])
    msg = validate(raw, v["now"], held(v["context"]))
    assert msg.id == v["id"]
    assert msg.kind == v["kind"]
    assert msg.author_did == v["author_did"]
    assert cbor2.loads(raw) == [bytes.fromhex(v["payload"]), bytes.fromhex(v["signature"])]
    # signing the same fields again gives the same bytes (Ed25519 and the encoding are deterministic)
    again = sign(SEEDS[v["author"]], msg.kind, msg.topic, msg.body, msg.refs, created=msg.created)
    assert again.raw == raw
    assert load(raw) == msg


@pytest.mark.parametrize("v", INVALID, ids=[v["name"] for v in INVALID])
def test_invalid(v):
    with pytest.raises(Rejected) as e:
        validate(bytes.fromhex(v["envelope"]), v["now"], held(v["context"]))
    assert e.value.reason == v["reason"], e.value


KEY_STEPS = vectors("keys.json")["steps"]  # the key log story (specs/09)
CONTACT = vectors("contact.json")  # contact cards (specs/11)
INTENTS = vectors("intents.json")  # specs/12, checked in test_intents.py
SHARE = vectors("share.json")  # specs/13, checked in test_share.py
TERMS = vectors("terms.json")  # specs/14, checked in test_terms.py


def test_every_reason_has_a_vector():
    from antiport.protocol import REASONS
    assert {v["reason"] for v in [*INVALID, *KEY_STEPS, *CONTACT["invalid"], *INTENTS["invalid"]]
            if "reason" in v} == set(REASONS)


def test_every_kind_has_a_valid_vector():
    from antiport.protocol import KINDS
    assert set(KINDS) <= ({v["kind"] for v in [*VALID, *CONTACT["valid"], *INTENTS["valid"], *SHARE["valid"],
                                                  *TERMS["valid"]]}
                          | {load(bytes.fromhex(s["envelope"])).kind for s in KEY_STEPS})


def test_in_file_order_each_context_is_already_held():
    seen: set[str] = set()
    for v in VALID:
        assert set(v["context"]) <= seen
        seen.add(v["id"])


@pytest.mark.parametrize("script", ["generate.py", "generate_ed25519.py", "generate_blobs.py", "generate_keys.py",
                                    "generate_contact.py", "generate_intents.py", "generate_share.py",
                                    "generate_terms.py"])
def test_regenerating_gives_identical_files(script):
    spec = importlib.util.spec_from_file_location(script[:-3], VECTORS / script)
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name, data in generate.build().items():
        committed = (VECTORS / name).read_bytes()
        assert committed == (data if isinstance(data, bytes) else data.encode()), f"{name} is stale: regenerate it"


ED25519 = vectors("ed25519.json")["cases"]


@pytest.mark.parametrize("case", ED25519, ids=[c["name"] for c in ED25519])
def test_ed25519_rule(case):
    """01 section 1.1: the node's verify decides every edge case as the vector says."""
    key, message, signature = (bytes.fromhex(case[k]) for k in ("public_key", "message", "signature"))
    assert verify(key, message, signature) is case["valid"]


@pytest.mark.parametrize("case", vectors("import.json")["cases"], ids=lambda c: c["name"])
def test_import_vectors(case, tmp_path):
    """04 section 2: invalid items are refused one by one; bytes that are not a well-formed item refuse the file."""
    store = Store(tmp_path / "store.db")
    data = bytes.fromhex(case["file"])
    if "result" in case:
        assert import_(Ingest(store), data) == case["result"]
    else:
        with pytest.raises(OpError, match=f"at byte {case['refused_at']}\\)"):
            import_(Ingest(store), data)
        assert store.count() == 0


def test_export_file_imports_in_order(tmp_path):
    """04: the export vector is the valid messages as a CBOR sequence; a node imports every one."""
    items = split_sequence((VECTORS / "export.apx").read_bytes())
    assert [i.hex() for i in items] == [v["envelope"] for v in VALID]
    ingest = Ingest(Store(tmp_path / "store.db"))
    for raw, v in zip(items, VALID, strict=True):
        assert ingest(raw, v["now"], "import")[1]
    assert ingest.store.count() == len(VALID)
