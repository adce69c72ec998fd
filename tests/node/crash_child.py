"""Run by tests/node/test_write_path.py in a child process: one write into a store, killed with
os._exit(9) before its Nth SQL statement runs (0: never; -1: in the "stored" event, after the commit).

    python crash_child.py write|journal <db path> <N>
Prints the number of SQL statements the write ran when it is not killed."""
from __future__ import annotations

import os
import sys

from antiport.crypto import Identity
from antiport.node.bridge.outbox import Outbox
from antiport.node.ingest import Ingest
from antiport.node.store import Store

T0 = 1_793_527_200_000  # when the journal says it added the message
ASKER = Identity(bytes([7]) * 32)
TOPIC = "acme/widget"
BODY = {"title": "Widget hums", "text": "at night"}
CONNECTORS = ["webhook:a", "rt"]
MESSAGE_ID = "ab" * 32  # what the journal records (any id)


def main(mode: str, path: str, kill_at: int) -> None:
    store = Store(path)
    journal = Outbox(store, CONNECTORS) if mode == "journal" else None
    ingest = Ingest(store)
    ran = 0

    def statement(_sql: str) -> None:
        nonlocal ran
        ran += 1
        if ran == kill_at:
            os._exit(9)

    if kill_at == -1:
        ingest.subscribe(lambda _event: os._exit(9))
    store.db.conn.set_trace_callback(statement)
    if mode == "write":
        ingest.create(ASKER, "request", TOPIC, BODY)
    else:
        journal.add(MESSAGE_ID, T0)
    store.db.conn.set_trace_callback(None)
    print(ran, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
