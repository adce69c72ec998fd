"""Message kinds and their rules (specs/02-kinds.md).

Each kind says where it lives (a product topic, the meta topic, or the topic of its target), how many
refs it takes and what they must point at, which body fields it has, and who may send it.
Kinds not listed here are stored and relayed unchanged so the protocol can grow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEXT = 20_000
STATES = ("acknowledged", "in-progress", "resolved", "wont-fix")
THREAD_ROOTS = ("request", "complaint")


@dataclass(frozen=True)
class F:
    """A body field: its type, whether it is required, size bounds (chars, bytes or items), allowed values."""
    type: type
    required: bool = True
    min: int = 0
    max: int = TEXT
    choices: tuple = ()


@dataclass(frozen=True)
class Kind:
    topic: str                      # "product", "meta", or "target" (same as the referenced message)
    body: dict = field(default_factory=dict)
    target: tuple[str, ...] = ()    # kinds the single ref may point at; () = no refs; ("*",) = any kind
    who: str = "anyone"             # "anyone", "asker", "target-author", "vendor"


KINDS: dict[str, Kind] = {
    "request": Kind("product", {"title": F(str, min=1, max=200), "text": F(str),
                                "private": F(bytes, required=False, max=4096), "to": F(bytes, required=False, min=32, max=32)}),
    "complaint": Kind("product", {"title": F(str, min=1, max=200), "text": F(str),
                                  "private": F(bytes, required=False, max=4096), "to": F(bytes, required=False, min=32, max=32)}),
    "answer": Kind("product", {"text": F(str, min=1)}, target=THREAD_ROOTS),
    "accept": Kind("product", {}, target=("answer",), who="asker"),
    "vote": Kind("product", {"value": F(str, choices=("up", "down"))}, target=("*",)),
    "status": Kind("product", {"state": F(str, choices=STATES), "note": F(str, required=False)},
                   target=THREAD_ROOTS, who="vendor"),
    "resolve": Kind("product", {}, target=THREAD_ROOTS, who="asker"),
    "retract": Kind("target", {"reason": F(str, required=False, max=500)}, target=("*",), who="target-author"),
    "report": Kind("target", {"reason": F(str, min=1, max=500)}, target=("*",)),
    "profile": Kind("meta", {"name": F(str, min=1, max=100), "about": F(str, required=False, max=2000)}),
    "vendor": Kind("meta", {"org": F(str, min=1, max=200), "topics": F(list, min=1, max=100),
                            "keys": F(list, required=False, max=32), "promise_hours": F(int, required=False, max=10_000)}),
    "trust": Kind("meta", {"subject": F(bytes, min=32, max=32), "value": F(str, choices=("trust", "distrust")),
                           "scope": F(str, required=False, max=129)}),
}


def check_body(kind: Kind, body: dict) -> str | None:
    """None when `body` follows the kind's field rules, else a short explanation."""
    unknown = set(body) - set(kind.body)
    if unknown:
        return f"unknown field {sorted(unknown)[0]!r}"
    for name, f in kind.body.items():
        if name not in body:
            if f.required:
                return f"missing field {name!r}"
            continue
        value = body[name]
        if not isinstance(value, f.type) or isinstance(value, bool):
            return f"{name} must be {f.type.__name__}"
        size = value if isinstance(value, int) else len(value)
        if not f.min <= size <= f.max:
            return f"{name} must be between {f.min} and {f.max}"
        if f.choices and value not in f.choices:
            return f"{name} must be one of {', '.join(f.choices)}"
    return None
