"""When a node passes on what a sync session brought (specs/05-sync.md §8): a sans-IO rule, `now` given in ms.

A message that a session stores reached this node by sync, not gossip. While gossip is still spreading it (it
was created less than REACH_MS ago), the node's other peers are getting it that way too, and a session with
each of them would fetch it again for nothing: under a flash crowd, that made eight times the sync that gossip
already delivered (docs/scale.md). So a young message waits until it is REACH_MS old (at most REACH_MS from
when it was stored, whatever its author's clock says): if gossip brings it meanwhile, or had brought it already,
it was in flight, and nothing is passed on for it; if not, no gossip is carrying it (it was written across a
partition that just healed), and the node passes on then. A message stored older than that is passed on at once.
"""
from __future__ import annotations

REACH_MS = 10_000   # gossip brings a message to every follower within a few seconds (docs/scale.md: under 1 s)


class PassOn:
    """The messages sessions stored that wait to be passed on, and the ones gossip brought lately."""

    def __init__(self, reach_ms: int = REACH_MS):
        self.reach = reach_ms
        self._waiting: dict[bytes, tuple[int, str]] = {}   # id -> (when it is due, the peer that brought it)
        self._heard: dict[bytes, int] = {}                 # id -> when gossip brought it (oldest first)
        self.in_flight = 0   # messages sessions stored that gossip brought as well: not passed on

    def stored(self, mid: bytes, created: int, peer: str, now: int) -> bool:
        """A session with `peer` stored message `mid` (created at `created`): True when it is passed on now,
        else it waits (or gossip brought it already, and it never is)."""
        self._forget(now)
        if mid in self._heard:
            self.in_flight += 1
            return False
        wait = min(max(created + self.reach - now, 0), self.reach)
        if not wait:
            return True
        self._waiting.setdefault(mid, (now + wait, peer))
        return False

    def gossiped(self, mid: bytes, now: int) -> None:
        """Gossip brought message `mid` (new here or not): it is spreading, sync need not pass it on."""
        self._forget(now)
        self.in_flight += self._waiting.pop(mid, None) is not None
        self._heard.pop(mid, None)  # moved to the end: the table stays in the order heard
        self._heard[mid] = now

    def due(self, now: int) -> set[str]:
        """The peers that brought the waiting messages due by `now` (which no longer wait): pass on to the others."""
        ready = [mid for mid, (at, _) in self._waiting.items() if at <= now]
        return {self._waiting.pop(mid)[1] for mid in ready}

    def next_due(self) -> int | None:
        """When the next waiting message is due; None when none waits."""
        return min((at for at, _ in self._waiting.values()), default=None)

    def _forget(self, now: int) -> None:
        """Gossip's news older than the reach: a message stored by sync after that is no longer in flight."""
        heard = self._heard
        while heard:
            mid, at = next(iter(heard.items()))
            if at > now - self.reach:
                break
            del heard[mid]
