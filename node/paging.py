"""Cursor paging for the read ops that return lists (list, search, experts, why, a vendor's requests, a
thread's answers, the expert's queue): a page is at most `limit` rows of the list, in the list's own
order (newest first, or best first), and says where the pages beside it are.

A position is a string the page gives: a message id in lists of messages (they are in time order), a
rank in ranked lists (experts, a thread's answers), a topic in `why`. `before=P` is the page just
below P (older, or ranked lower), `after=P` the page just above it, `oldest` the last page. Every
paged result has `page: {"before": P or null, "after": P or null}`: pass its `before` as `before` to
go on down, its `after` as `after` to come back up; null when there is nothing more that way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from .ops import Arg, OpError

LIMIT, MAX_LIMIT = 50, 200

Before = Annotated[str | None, Arg("the page below this position (a page's before: older, or ranked lower)")]
After = Annotated[str | None, Arg("the page above this position (a page's after: newer, or ranked higher)")]
Limit = Annotated[int, Arg(f"at most this many rows (1-{MAX_LIMIT})")]
Oldest = Annotated[bool, Arg("the last page: the oldest (or lowest ranked) rows")]


@dataclass(frozen=True)
class Window:
    """Which page is asked for. `down` is the walk's direction: from the top or below a position; else up
    from a position or from the bottom (`oldest`)."""
    before: str | None = None
    after: str | None = None
    limit: int = LIMIT
    oldest: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise OpError(f"limit must be between 1 and {MAX_LIMIT}, not {self.limit}")
        if sum(map(bool, (self.before is not None, self.after is not None, self.oldest))) > 1:
            raise OpError("give one of before, after and oldest")

    @property
    def down(self) -> bool:
        return self.after is None and not self.oldest

    @property
    def position(self) -> str | None:
        return self.before if self.before is not None else self.after

    def unknown(self) -> OpError:
        return OpError(f"{self.position!r} is not a position in this list: give a page's before or after")


def cut(walked: list, window: Window, key: Callable[[object], str]) -> tuple[list, dict]:
    """The page, in the list's order, from up to limit+1 rows read in the walk's order (one more than
    the page says whether there are more that way); and its `page` cursors."""
    rows, more = walked[:window.limit], len(walked) > window.limit
    if window.down:
        edge = window.before  # the page above starts at the position asked for
        return rows, {"before": key(rows[-1]) if more else None,
                      "after": (key(rows[0]) if rows else edge) if edge is not None else None}
    rows.reverse()
    edge = window.after
    return rows, {"before": (key(rows[-1]) if rows else edge) if edge is not None else None,
                  "after": key(rows[0]) if more else None}


def walk(rows: list, window: Window, key: Callable[[object], str]) -> list:
    """Up to limit+1 rows of a whole list held in memory (a ranking), in the walk's order from the
    position asked for; an unknown position is an OpError."""
    n = window.limit + 1
    if window.position is None:
        return rows[:n] if window.down else rows[::-1][:n]
    at = next((i for i, r in enumerate(rows) if key(r) == window.position), None)
    if at is None:
        raise window.unknown()
    return rows[at + 1:at + 1 + n] if window.down else rows[max(0, at - n):at][::-1]


def page(rows: list, window: Window, key: Callable[[object], str]) -> tuple[list, dict]:
    """A page of a whole list held in memory, and its cursors."""
    return cut(walk(rows, window, key), window, key)
