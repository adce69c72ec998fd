"""Every newly stored message, whatever its path into the store, is announced once as a Stored event (the node's
live feed, and so the API's event stream and the TUI, hang on it)."""
from __future__ import annotations

import pytest
from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import Rejected, sign

pytestmark = pytest.mark.fast

T0 = 1_793_527_200_000


def test_each_new_message_is_announced_once_from_every_source(tmp_path):
    seen = []
    ingest = Ingest(Store(tmp_path / "home.db"))
    ingest.subscribe(lambda event: seen.append(event.message))
    alice = Identity.generate()
    ask = sign(alice, "request", "acme/widget", {"title": "t", "text": "x"}, created=T0)
    answer = sign(alice, "answer", "acme/widget", {"text": "y"}, [ask.id], created=T0 + 1)
    ingest(ask.raw, T0, "some-peer")  # gossip
    ingest(ask.raw, T0, "other-peer")  # the same again, by sync
    ingest(answer.raw, T0, "import")
    with pytest.raises(Rejected):
        ingest(b"\x00not an envelope", T0, "some-peer")
    assert [m.id for m in seen] == [ask.id, answer.id]
