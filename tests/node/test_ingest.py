"""Every newly stored message, whatever its path into the store, is announced once as a Stored event (the node's
live feed, and so the API's event stream and the TUI, hang on it)."""
from __future__ import annotations

import pytest
import trio
from antiport.crypto import Identity
from antiport.node.ingest import Ingest
from antiport.node.store import Store
from antiport.protocol import Rejected, sign
from helpers import trio_wait_for

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


@pytest.mark.trio
async def test_messages_from_elsewhere_commit_in_groups_and_a_local_write_commits_the_open_group(tmp_path):
    store, seen = Store(tmp_path / "home.db"), []
    ingest = Ingest(store)
    ingest.subscribe(lambda event: seen.append(event.message.id))
    reader = Store(tmp_path / "home.db", readonly=True)  # what the API's reader processes see
    alice = Identity.generate()
    asks = [sign(alice, "request", "acme/widget", {"title": f"t{i}", "text": "x"}, created=T0 + i) for i in range(3)]
    async with trio.open_nursery() as nursery:
        ingest.group_commit(nursery)
        for ask in asks[:2]:
            ingest(ask.raw, T0, "some-peer")
        assert store.has(asks[1].id) and reader.count() == 0 and seen == []  # one transaction, still open
        await trio_wait_for(lambda: seen == [asks[0].id, asks[1].id], "the group committed, then announced")
        assert reader.count() == 2
        ingest(asks[2].raw, T0, "some-peer")
        mine = sign(alice, "answer", "acme/widget", {"text": "y"}, [asks[0].id], created=T0 + 9)
        ingest.write(mine.raw, T0)
        assert reader.count() == 4 and seen == [*(a.id for a in asks), mine.id]  # committed before write returns
        with pytest.raises(Rejected):
            ingest(b"\x00not an envelope", T0, "some-peer")
        ingest.group_commit(None)
    assert not store.held
