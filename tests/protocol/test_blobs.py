"""Attachments (specs/09): the vectors of blobs.json against the protocol code, and sealed files."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.crypto.seal import SealError, seal
from antiport.protocol import Rejected, codec, validate
from antiport.protocol.blobs import MAX_BLOB, blob_hash, entry, matches, open_file, seal_file
from spec_vectors import Held, vectors

pytestmark = pytest.mark.fast

BLOBS = vectors("blobs.json")
BY_ID = {v["id"]: bytes.fromhex(v["envelope"]) for v in BLOBS["valid"]}
SEEDS = {i["name"]: Identity(bytes.fromhex(i["seed"])) for i in vectors("identities.json")["identities"]}


@pytest.mark.parametrize("v", BLOBS["valid"], ids=[v["name"] for v in BLOBS["valid"]])
def test_valid(v):
    msg = validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert msg.id == v["id"]


@pytest.mark.parametrize("v", BLOBS["invalid"], ids=[v["name"] for v in BLOBS["invalid"]])
def test_invalid(v):
    with pytest.raises(Rejected) as e:
        validate(bytes.fromhex(v["envelope"]), v["now"], Held(BY_ID[i] for i in v["context"]))
    assert e.value.reason == v["reason"], e.value


def test_hashes_and_matches():
    for blob in BLOBS["blobs"]:
        data = bytes.fromhex(blob["data"])
        assert blob_hash(data).hex() == blob["hash"]
        assert matches(len(data), blob_hash(data), data)
        assert not matches(len(data) + 1, blob_hash(data), data + b"\x00")
        assert not matches(len(data), blob_hash(data), bytes(len(data)))


def test_the_sealed_vector_opens_for_its_recipient_only():
    s = BLOBS["sealed"][0]
    name, media_type, data = open_file(SEEDS[s["recipient"]], bytes.fromhex(s["blob"]))
    assert (name, media_type) == (s["name"], "text/plain") and data == b"SN 4711-0815"
    with pytest.raises(SealError):
        open_file(SEEDS["mallory"], bytes.fromhex(s["blob"]))


def test_seal_file_round_trip_and_entry():
    carol = SEEDS["carol"]
    item, blob = seal_file(carol.public_key, "bill.pdf", "application/pdf", b"%PDF")
    assert item == {"hash": blob_hash(blob), "size": len(blob), "sealed": True}
    assert open_file(carol, blob) == ("bill.pdf", "application/pdf", b"%PDF")
    assert entry(b"abc", "a.txt", "text/plain") == {"hash": blob_hash(b"abc"), "size": 3, "name": "a.txt",
                                                    "type": "text/plain"}
    assert MAX_BLOB == BLOBS["limits"]["max_blob"]


@pytest.mark.parametrize("inner", [b"not cbor", codec.encode({"name": "../x", "type": "text/plain", "data": b"x"}),
                                   codec.encode({"name": "a", "type": "text/plain"}),
                                   codec.encode(["a", "text/plain", b"x"])])
def test_a_sealed_blob_that_holds_no_file_is_refused(inner):
    carol = SEEDS["carol"]
    with pytest.raises(SealError):
        open_file(carol, seal(carol.public_key, inner))
