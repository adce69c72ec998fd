"""A form for any operation of the op registry (node/ops.py): a field per parameter (a choice list
where the op has choices), so every operation the user may perform is reachable from the command
palette and the thread screen, with the same parameters, help and checks as the CLI and the API."""
from __future__ import annotations

from functools import reduce

from antiport.node.ops import OPS, Param
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from .base import plain
from .i18n import _


class OpForm(ModalScreen[dict | None]):
    """Fill in an op's parameters and run it; dismissed with its result, or None on Escape.
    `values` fills fields in (the thread you are on); `fixed` are parameters not asked for."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", _("Cancel")),
        Binding("ctrl+s", "send", _("Send"), priority=True),
    ]

    def __init__(self, op: str, values: dict | None = None, fixed: dict | None = None, title: str = "") -> None:
        super().__init__()
        self.op, self.values, self.fixed = OPS[op], values or {}, fixed or {}
        self.heading = title or self.op.summary

    @property
    def params(self) -> list[Param]:
        return [p for p in self.op.params if p.name not in self.fixed]

    def compose(self):
        with VerticalScroll(classes="dialog"):
            yield Label(plain(self.heading), classes="title")  # it may name a person or a title
            for p in self.params:
                name = p.name.replace("_", " ").capitalize()
                name = name if p.required else _("{name} (optional)").format(name=name)
                yield Label(name + (f": {p.arg.help}" if p.arg.help else ""))
                value = self.values.get(p.name, p.default)
                if p.arg.choices:
                    yield Select([(c, c) for c in p.arg.choices], id=f"p-{p.name}",
                                 value=value if value in p.arg.choices else Select.NULL)
                else:
                    yield Input(str(value or ""), id=f"p-{p.name}")
            yield Static(_("enter or ctrl+s: send · escape: cancel"), classes="hint")

    def on_mount(self) -> None:
        empty = [w for w in self.query("Input, Select") if not self.given(w)]
        (empty or list(self.query("Input, Select")) or [self])[0].focus()

    @staticmethod
    def given(widget) -> str | None:
        value = widget.value
        if value is Select.NULL:
            return None
        return str(value).strip() or None

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self.action_send()

    async def action_send(self) -> None:
        params = dict(self.fixed)
        for p in self.params:
            if (value := self.given(self.query_one(f"#p-{p.name}"))) is None:
                continue
            if int in p.types:
                if not value.lstrip("-").isdigit():
                    self.notify(_("The {name} is a whole number, not {value!r}.").format(
                        name=p.name.replace("_", " "), value=value), severity="warning")
                    return
                params[p.name] = int(value)
            else:
                params[p.name] = [v.strip() for v in value.split(",") if v.strip()] if list in p.types else value
        missing = [p.name.replace("_", " ") for p in self.params if p.required and p.name not in params]
        if missing:
            names = reduce(lambda a, b: _("{names} and {name}").format(names=a, name=b), missing)
            self.notify(_("Fill in the {names} first.").format(names=names), severity="warning")
            return
        result = await self.app.call(self.op.name, **params)
        if result is not None:
            self.notify(_("{action}: done").format(action=self.heading))
            self.dismiss(result)
