"""Ed25519 verification beside the event loop's thread (docs/performance.md, fourth pass).

Verifying a signature is most of a message's CPU, and libsodium runs it with the GIL released (PyNaCl's cffi
calls drop it), so one worker thread can verify the next envelopes while the loop's thread checks the rules of,
and stores, the ones before. Envelopes are decoded by the caller (`unpack`: Python, under the GIL either way);
only the signatures go to the worker, a whole batch per job, never a message at a time. Nothing else changes:
each envelope is still verified once, and `Batch.parse` gives, or raises, exactly what `protocol.parse` would.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from antiport.protocol import Message, parse
from antiport.protocol.envelope import Sealed, opened, signed, unpack

_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="antiport-verify")  # one for the process


class Batch:
    """Envelopes decoded now, their signatures being verified in the worker thread meanwhile."""

    def __init__(self, raws: list[bytes]):
        self._found: dict[bytes, Sealed | Exception] = {}
        sealed: list[Sealed] = []
        self._index: dict[bytes, int] = {}
        for raw in raws:
            try:
                item = unpack(raw)
            except Exception as e:  # noqa: BLE001 -- raised again where parse would have raised it
                self._found[raw] = e
                continue
            self._found[raw] = item
            self._index[raw] = len(sealed)
            sealed.append(item)
        self._good = _worker.submit(_signed_all, sealed)

    def parse(self, raw: bytes, now: int) -> Message:
        """`protocol.parse(raw, now)` for an envelope of the batch (waiting for the worker if it is behind); taken
        once, so a second copy of the same bytes is parsed afresh."""
        item = self._found.pop(raw, None)
        if item is None:
            return parse(raw, now)
        if isinstance(item, Exception):
            raise item
        return opened(item, self._good.result()[self._index[raw]], now)


def _signed_all(sealed: list[Sealed]) -> list[bool]:
    return [signed(s) for s in sealed]
