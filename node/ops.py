"""The op registry: every operation a user may perform or read is one function in node/service.py,
registered with `@op`. The HTTP API and its OpenAPI description (node/api.py), the `antiport`
command's subcommands, arguments and help (app/cli.py) and the TUI's command palette derive from it:
a parameter's type, default, help, choices and command-line shape are said here once.

A parameter is described with `Annotated[str, Arg(...)]` in the op's signature; the first sentence
of the op's docstring is its summary and its command's help."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import Annotated, Union, get_args, get_origin, get_type_hints


class OpError(Exception):
    """A request that cannot be done, with a message for a person; `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Arg:
    """What a parameter means (`help`), the values it may take (`choices`, from the protocol's kind
    table where it has them), and its command-line shape: positional (`antiport vote ID up`) or an
    option (`--text T`); `switch` makes it one flag that sets it to that value (`trust --distrust`)."""
    help: str = ""
    choices: tuple[str, ...] = ()
    positional: bool = False
    switch: str = ""
    path: bool = False  # a list of files: the CLI sends each as the node would see it from where it runs


@dataclass(frozen=True)
class Command:
    """A command-line name for an op when it differs from the op's own, with the help it shows and the
    parameters it fixes (`ask` and `complain` are both the op ask, with kind request or complaint);
    a name with a space is a subcommand (`sync status`)."""
    name: str
    help: str = ""
    preset: dict = field(default_factory=dict)


# How a parameter's type is named in an error (JSON's words: the API's callers write JSON)
TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", NoneType: "null",
              list: "an array", dict: "an object"}


@dataclass(frozen=True)
class Param:
    name: str
    required: bool
    default: object
    arg: Arg
    types: tuple[type, ...] = (str,)  # what a value may be, from the annotation (`str | None`: str or None)

    def expected(self) -> str:
        return " or ".join(TYPE_NAMES.get(t, t.__name__) for t in self.types)


def _types(hint) -> tuple[type, ...]:
    """The types a value may have, from an annotation: `Annotated[str | None, Arg()]` -> (str, NoneType)."""
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    if get_origin(hint) in (Union, UnionType):
        return tuple(t for arg in get_args(hint) for t in _types(arg))
    return (NoneType,) if hint is None else (hint,)


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"


QUERY_PARSERS = {int: int, float: float, bool: _boolean}


def _json_type(value) -> str:
    return next((name for t, name in TYPE_NAMES.items() if type(value) is t), type(value).__name__)


@dataclass
class Op:
    name: str
    fn: Callable
    write: bool = False
    commands: tuple[Command, ...] = ()
    live: bool = False  # reads the running node's memory (peers, sync): runs on its event loop, not a reader thread

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")

    @property
    def summary(self) -> str:
        """The docstring's first sentence."""
        text = " ".join(self.doc.split("\n\n")[0].split())
        return text.split(". ")[0].rstrip(".")

    @functools.cached_property
    def params(self) -> list[Param]:
        hints = get_type_hints(self.fn, include_extras=True)
        out = []
        for p in list(inspect.signature(self.fn).parameters.values())[1:]:  # after ctx
            hint = hints.get(p.name)
            meta = [m for m in get_args(hint)[1:] if isinstance(m, Arg)] if get_origin(hint) is Annotated else []
            out.append(Param(p.name, p.default is inspect.Parameter.empty,
                             None if p.default is inspect.Parameter.empty else p.default, (meta or [Arg()])[0],
                             _types(hint) if hint is not None else (str,)))
        return out

    def bind(self, params: dict) -> dict:
        """Check a call's parameters against the op's: unknown, missing, of another type than its annotation says
        (`bool` is not an `int` here), or not one of the choices."""
        declared = {p.name: p for p in self.params}
        unknown = set(params) - set(declared)
        if unknown:
            raise OpError(f"{self.name} does not take {', '.join(sorted(unknown))}")
        missing = [p.name for p in declared.values() if p.required and p.name not in params]
        if missing:
            raise OpError(f"{self.name} needs {', '.join(missing)}")
        for name, value in params.items():
            types = declared[name].types
            if type(value) not in types and not (type(value) is int and float in types):  # JSON's 2 is a number
                raise OpError(f"{name} must be {declared[name].expected()}, not {_json_type(value)}")
            choices = declared[name].arg.choices
            if choices and value not in choices:
                raise OpError(f"{name} is one of {', '.join(choices)}, not {value!r}")
        return params

    def from_query(self, params: dict[str, str]) -> dict:
        """A query string's values (always text) as the types the annotations say: "20" for an `int` is 20,
        "true"/"false" for a `bool`; a parameter that takes a string keeps the text."""
        out = {}
        for p in self.params:
            if p.name in params:
                value = params[p.name]
                parse = next((QUERY_PARSERS[t] for t in p.types if t in QUERY_PARSERS and str not in p.types), None)
                try:
                    out[p.name] = parse(value) if parse else value
                except ValueError:
                    raise OpError(f"{p.name} must be {p.expected()}, not {value!r}") from None
        return {**params, **out}  # unknown names stay, for bind to refuse

    def __call__(self, ctx, params: dict):
        return self.fn(ctx, **self.bind(params))


OPS: dict[str, Op] = {}


def op(write: bool = False, commands: tuple[Command, ...] = (), live: bool = False):
    """Register an operation under its function's name (a trailing _ dropped: `list_` is `list`).
    Without `commands` it is one command of the same name (`_` as `-`)."""
    def register(fn):
        name = fn.__name__.rstrip("_")
        OPS[name] = Op(name, fn, write, commands or (Command(name.replace("_", "-")),), live)
        return fn
    return register
