"""The simulated world: one clock, one event queue, and the links between nodes.

Time is in seconds from 0 and never read from the machine: the same seed gives the same run. A link is
a connection (TCP, as libp2p's here): bytes are not lost but a lost packet delays them by one
retransmission timeout, and a node's uplink sends one packet after another at its bandwidth. Regions
give the latency: within one a few milliseconds, between two tens to a hundred and fifty."""
from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

from antiport.protocol.envelope import MIN_CREATED

REGIONS = 5
SAME_REGION_MS = (2, 20)        # one-way latency within a region, drawn per link
CROSS_REGION_MS = (30, 150)     # between two regions, drawn per region pair
RTO_S = 0.2                     # TCP's minimum retransmission timeout: what a lost packet costs


@dataclass
class Links:
    """Per-node uplink bandwidth (bytes/s) and the share of packets lost (each delays its bytes by an RTO)."""
    bandwidth: float = 2_000_000.0
    loss: float = 0.0


class World:
    def __init__(self, seed: int, links: Links | None = None):
        self.rng = random.Random(seed)
        self.now = 0.0
        self.links = links or Links()
        self._queue: list[tuple[float, int, Callable, tuple]] = []
        self._order = itertools.count()
        self._cross = {(a, b): self.rng.uniform(*CROSS_REGION_MS) / 1000
                       for a in range(REGIONS) for b in range(a + 1, REGIONS)}
        self._latency: dict[tuple[int, int], float] = {}
        self._uplink_free: dict[int, float] = {}
        self.events = 0

    # -- the clock ---------------------------------------------------------------------------------------

    def at(self, when: float, fn: Callable, *args) -> None:
        heapq.heappush(self._queue, (when, next(self._order), fn, args))

    def after(self, delay: float, fn: Callable, *args) -> None:
        self.at(self.now + delay, fn, *args)

    def ms(self) -> int:
        """The time as the protocol's clocks give it: milliseconds since the epoch, the run starting at MIN_CREATED."""
        return MIN_CREATED + int(self.now * 1000)

    def run(self, until: float) -> None:
        """Every event up to `until` (seconds), in time order; ties in the order they were scheduled."""
        queue = self._queue
        while queue and queue[0][0] <= until:
            self.now, _, fn, args = heapq.heappop(queue)
            self.events += 1
            fn(*args)
        self.now = max(self.now, until)

    # -- links -------------------------------------------------------------------------------------------

    def region(self, node: int) -> int:
        return node % REGIONS

    def latency(self, a: int, b: int) -> float:
        """One-way latency of the link between nodes a and b (fixed for the run)."""
        key = (a, b) if a < b else (b, a)
        found = self._latency.get(key)
        if found is None:
            ra, rb = sorted((self.region(a), self.region(b)))
            base = self._cross[(ra, rb)] if ra != rb else 0.0
            found = self._latency[key] = base + self.rng.uniform(*SAME_REGION_MS) / 1000
        return found

    def transmit(self, src: int, dst: int, size: int, fn: Callable, *args) -> None:
        """Send `size` bytes from src to dst: they leave when src's uplink is free, and `fn(*args)` runs when
        they arrive (later by one RTO for each lost packet of 1,400 bytes)."""
        start = max(self.now, self._uplink_free.get(src, 0.0))
        done = start + size / self.links.bandwidth
        self._uplink_free[src] = done
        delay = self.latency(src, dst)
        if self.links.loss:
            lost = sum(self.rng.random() < self.links.loss for _ in range(size // 1400 + 1))
            delay += lost * max(RTO_S, 3 * delay)
        self.at(done + delay, fn, *args)
