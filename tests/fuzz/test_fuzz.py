"""Hostile bytes for the codec, envelope validation, sync framing and sessions, and the import split: each ends
in its module's own refusal or a correct result, never another exception (tests/fuzz/fuzzing.py). The corpus
(spec vectors, and every crasher found) is replayed; a short mutation run and hypothesis add new inputs each run.
`bench/fuzz/run.py` runs the long version."""
from __future__ import annotations

import pytest
from antiport.protocol import KINDS, codec
from antiport.protocol.sync_wire import encode_message
from fuzzing import CORPUS, SIGNER, TARGETS, check, fuzz, fuzz_signed, fuzz_split, fuzz_sync_wire, seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fast

KEPT = sorted(p for p in CORPUS.glob("*/*"))


@pytest.mark.parametrize("path", KEPT, ids=[f"{p.parent.name}/{p.name}" for p in KEPT])
def test_the_corpus_replays_clean(path):
    assert check(path.parent.name, path.read_bytes())[0] is None


@pytest.mark.parametrize("target", TARGETS)
def test_the_seeds_reach_more_than_one_outcome(target):
    """The spec vectors give each target inputs that pass and inputs that are refused (a fuzz run that
    starts from them explores both sides)."""
    outcomes = {check(target, data)[1] for data in seeds(target)}
    assert len(outcomes) > 1 and any(o.startswith(("ok", "done")) for o in outcomes), outcomes


@pytest.mark.parametrize("target", TARGETS)
def test_a_short_mutation_run_finds_nothing(target):
    # A number of inputs, not of seconds: on a loaded machine a time limit left too few to mean anything.
    run = fuzz(target, inputs=500, seed=hash(target) % 1000)
    assert run.inputs >= 500 and not run.findings, [f.error for f in run.findings.values()]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(TARGETS)), st.binary(max_size=300))
def test_arbitrary_bytes(target, data):
    assert check(target, data)[0] is None


scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64 - 1), st.text(max_size=40),
                    st.binary(max_size=40))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                                          inner, max_size=4),
                      max_leaves=12)


@given(values)
def test_every_value_of_the_model_round_trips(value):
    assert codec.decode(codec.encode(value)) == value


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine draws slowly
@given(kind=st.sampled_from([*KINDS, "unknown"]), topic=st.sampled_from(["", "acme/widget", "Acme/x", "a/b/c"]),
       created=st.integers(0, 2**64 - 1), refs=st.lists(st.binary(min_size=32, max_size=32), max_size=2),
       body=st.dictionaries(st.sampled_from(["title", "text", "value", "state", "name", "org", "topics", "keys",
                                             "subject", "scope", "private", "to", "reason", "note", "about"]),
                            values, max_size=5),
       v=st.sampled_from([1, 1, 1, 2, True]))
def test_signed_payloads_of_any_shape_give_a_message_or_a_refusal(kind, topic, created, refs, body, v):
    payload = codec.encode({"v": v, "kind": kind, "author": SIGNER.public_key, "topic": topic, "created": created,
                            "refs": refs, "body": body})
    fuzz_signed(payload)


@given(st.lists(st.dictionaries(st.text(max_size=8), values, max_size=3), max_size=5), st.integers(0, 255))
def test_sync_messages_read_back_whatever_the_chunking(messages, step):
    data = b"".join(encode_message(m) for m in messages)
    assert fuzz_sync_wire(bytes([step]) + data) == f"ok {min(len(messages), 9)}"


@given(st.lists(values, max_size=6))
def test_a_sequence_splits_into_its_items(items):
    data = b"".join(codec.encode(v) for v in items)
    assert fuzz_split(data) == (f"ok {min(len(items), 9)}" if items else "ok 0")
