"""Your contact card (specs/11): the card as you last set it, and per vendor what became of it: updated when,
pending since when, erased, or refused and why. e changes the card in a form and sends it to your vendors."""
from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from .base import TablePage, age, plain, who
from .i18n import _, ngettext

FIELDS = (("name", _("Name")), ("email", _("Email")), ("phone", _("Phone")), ("address", _("Postal address (lines)")))
STATES = {"pending": _("pending"), "updated": _("updated"), "erased": _("erased"), "refused": _("REFUSED"),
          "unreadable": _("unreadable receipt")}


class ContactScreen(TablePage):
    BINDINGS = [Binding("e", "edit", _("Edit and send"))]

    heading = _("Your contact card, and what each vendor did with it")
    COLUMNS = (_("Vendor"), _("State"), _("Since"), _("Why"))

    def __init__(self) -> None:
        super().__init__()
        self.card: dict[str, str] = {}

    def touched(self, messages: list[dict]) -> bool:
        return any(m["kind"] == "receipt" for m in messages)

    def above(self):
        yield Static("", id="card")

    async def load(self) -> None:
        shown = await self.app.call("contact_show")
        found = await self.app.call("contact_status")
        if shown is None or found is None:
            return
        self.card = shown["card"]
        lines = [f"{label}: {self.card[name]}" for name, label in FIELDS if name in self.card]
        self.query_one("#card", Static).update(plain("\n".join(lines) or _("No card yet: e to write one."), line=False))
        now = self.app.now()
        self.show(((row["vendor"], (who(row["vendor"]), STATES.get(row["state"], row["state"]),
                                    age(row["at"] or row["sent"], now), plain(row["reason"])))
                   for row in found["vendors"]), _("Your card has not gone to any vendor yet."))

    def action_edit(self) -> None:
        self.app.push_screen(ContactForm(self.card), lambda sent: self.reload() if sent else None)


class ContactForm(ModalScreen[dict | None]):
    """The card's fields as they stand (an emptied field is removed), and vendors to send it to as well."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", _("Cancel")),
        Binding("ctrl+s", "send", _("Send"), priority=True),
    ]

    def __init__(self, card: dict[str, str]) -> None:
        super().__init__()
        self.card = card

    def compose(self):
        with VerticalScroll(classes="dialog form"):
            yield Label(_("Your contact card: sent, sealed, to every vendor you deal with"), classes="title")
            for name, label in FIELDS:
                yield Label(label)
                value = self.card.get(name, "")
                yield TextArea(value, id=f"f-{name}") if name == "address" else Input(value, id=f"f-{name}")
            yield Label(_("Also send it to (optional): a vendor's did, several separated by commas"))
            yield Input("", id="f-vendor")
            yield Static(_("ctrl+s: send · escape: cancel · an emptied field is removed from your card"),
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-name").focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self.action_send()

    async def action_send(self) -> None:
        fields = {name: self.query_one(f"#f-{name}").text if name == "address"
                  else self.query_one(f"#f-{name}", Input).value for name, label in FIELDS}
        vendors = [v.strip() for v in self.query_one("#f-vendor", Input).value.split(",") if v.strip()]
        result = await self.app.call("contact_set", **fields, vendor=vendors or None)
        if result is not None:
            sent = ngettext("Card sent to {count} vendor", "Card sent to {count} vendors", len(result["sent"]))
            skipped = len(result["skipped"])
            self.notify(sent.format(count=len(result["sent"])) + ("; " + ngettext(
                "{count} topic without a vendor to send to", "{count} topics without a vendor to send to", skipped
            ).format(count=skipped) if skipped else ""))
            self.dismiss(result)
